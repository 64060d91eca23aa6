"""Agreement statistics against published worked examples."""

import pytest

from claims.agreement import agreement, cohen_kappa, krippendorff_alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units,
# nominal data with missing values (None). Published nominal alpha: 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_krippendorff_alpha_matches_the_published_nominal_example():
    units = [[label for label in column if label is not None] for column in zip(*KRIPPENDORFF_2011)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_cohen_kappa_matches_the_textbook_example():
    # 50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15 -> p_o 0.70, p_e 0.50, kappa 0.40.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_perfect_and_chance_agreement():
    assert cohen_kappa([("a", "a"), ("b", "b"), ("c", "c")]) == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a"], ["b", "b"], ["c", "c", "c"]]) == pytest.approx(1.0)
    # Systematic disagreement is worse than chance.
    assert cohen_kappa([("a", "b"), ("b", "a")] * 5) < 0
    assert krippendorff_alpha([["a", "b"], ["b", "a"]] * 5) < 0


@pytest.mark.parametrize("pairs", [[], [("a", "a"), ("a", "a")]])
def test_kappa_is_undefined_without_items_or_variation(pairs):
    assert cohen_kappa(pairs) is None


def test_alpha_ignores_units_with_one_label_and_is_undefined_without_pairs():
    assert krippendorff_alpha([["a"], ["b"]]) is None
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) is None
    assert krippendorff_alpha([["a", "b"], ["a", "a"], ["b", "b"], ["z"]]) == krippendorff_alpha(
        [["a", "b"], ["a", "a"], ["b", "b"]])


def test_agreement_over_claims_and_reviewers():
    two = {1: {"ana": "supported", "ben": "supported"}, 2: {"ana": "disputed", "ben": "supported"},
           3: {"ana": "disputed", "ben": "disputed"}, 4: {"ana": "unverified"}}
    result = agreement(two)
    assert (result.n_items, result.n_reviewers) == (3, 2)
    assert result.kappa == pytest.approx(cohen_kappa([("supported", "supported"), ("disputed", "supported"),
                                                      ("disputed", "disputed")]))
    assert result.percent_agreement == pytest.approx(2 / 3)
    three = agreement({1: {"a": "x", "b": "x", "c": "y"}, 2: {"a": "y", "b": "y"}})
    assert three.kappa is None and three.alpha is not None and three.n_reviewers == 3
    assert agreement({}).to_json() == {"n_items": 0, "n_reviewers": 0, "kappa": None, "alpha": None,
                                       "percent_agreement": None}
