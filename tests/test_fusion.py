"""Rank fusion: reciprocal rank fusion and weighted score fusion on hand-made lists."""

from __future__ import annotations

import pytest

from claims.errors import InvalidValueError
from index.fusion import normalise_scores, reciprocal_rank_fusion, weighted_score_fusion

DENSE = [(1, 0.9), (2, 0.8), (3, 0.7)]
LEXICAL = [(3, 12.0), (4, 8.0), (1, 2.0)]


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = dict(reciprocal_rank_fusion([DENSE, LEXICAL], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 63)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)
    assert fused[4] == pytest.approx(1 / 62)


def test_rrf_orders_best_first_and_breaks_ties_by_id() -> None:
    ranked = reciprocal_rank_fusion([DENSE, LEXICAL], k=60)
    assert [doc for doc, _ in ranked] == [1, 3, 2, 4]


@pytest.mark.parametrize(("weights", "first"), [((1.0, 0.0), 1), ((0.0, 1.0), 3), ((1.0, 3.0), 3)])
def test_rrf_weights_favour_one_list(weights, first) -> None:
    assert reciprocal_rank_fusion([DENSE, LEXICAL], weights=weights)[0][0] == first


def test_rrf_counts_a_repeated_id_once_at_its_best_rank() -> None:
    fused = dict(reciprocal_rank_fusion([[(7, 1.0), (7, 0.5), (8, 0.1)]], k=0))
    assert fused == {7: 1.0, 8: 1 / 3}


def test_rrf_limit_and_empty_lists() -> None:
    assert len(reciprocal_rank_fusion([DENSE, LEXICAL], limit=2)) == 2
    assert reciprocal_rank_fusion([[], []]) == []
    assert reciprocal_rank_fusion([]) == []


@pytest.mark.parametrize("weights", [[1.0], [1.0, -1.0], [float("nan"), 1.0]])
def test_bad_weights_are_rejected(weights) -> None:
    with pytest.raises(InvalidValueError):
        reciprocal_rank_fusion([DENSE, LEXICAL], weights=weights)
    with pytest.raises(InvalidValueError):
        weighted_score_fusion([DENSE, LEXICAL], weights)


def test_rrf_rejects_negative_k() -> None:
    with pytest.raises(InvalidValueError):
        reciprocal_rank_fusion([DENSE], k=-1)


@pytest.mark.parametrize(("method", "expected"), [
    ("minmax", [(3, 1.0), (4, 0.6), (1, 0.0)]),
    ("zscore", None),
])
def test_normalise_scores(method, expected) -> None:
    result = normalise_scores(LEXICAL, method)
    if expected is not None:
        assert result == [(d, pytest.approx(s)) for d, s in expected]
    else:
        values = [s for _, s in result]
        assert sum(values) == pytest.approx(0.0, abs=1e-9)
        assert sum(v * v for v in values) / len(values) == pytest.approx(1.0)


def test_normalise_equal_scores_and_empty() -> None:
    assert normalise_scores([(1, 5.0), (2, 5.0)], "minmax") == [(1, 1.0), (2, 1.0)]
    assert normalise_scores([(1, 5.0), (2, 5.0)], "zscore") == [(1, 0.0), (2, 0.0)]
    assert normalise_scores([], "zscore") == []
    with pytest.raises(InvalidValueError):
        normalise_scores(LEXICAL, "softmax")


def test_weighted_score_fusion_gives_missing_ids_the_list_floor() -> None:
    fused = dict(weighted_score_fusion([DENSE, LEXICAL], [1.0, 1.0], normalise="minmax"))
    # dense minmax: 1 -> 1, 2 -> 0.5, 3 -> 0; lexical minmax: 3 -> 1, 4 -> 0.6, 1 -> 0
    assert fused[1] == pytest.approx(1.0 + 0.0)
    assert fused[2] == pytest.approx(0.5 + 0.0)  # absent from the lexical list: its floor, 0
    assert fused[3] == pytest.approx(0.0 + 1.0)
    assert fused[4] == pytest.approx(0.0 + 0.6)  # absent from the dense list: its floor, 0


def test_weighted_score_fusion_keeps_margins_that_rrf_drops() -> None:
    dense = [(1, 0.95), (2, 0.50), (3, 0.49)]
    lexical = [(2, 10.0), (1, 9.9), (3, 1.0)]
    assert weighted_score_fusion([dense, lexical], [1.0, 1.0])[0][0] == 1
    # both lists rank 1 and 2 first or second: RRF sees a tie and settles it by id
    rrf = reciprocal_rank_fusion([dense, lexical])
    assert rrf[0][1] == pytest.approx(rrf[1][1])


def test_weighted_score_fusion_explicit_missing_and_zero_weight() -> None:
    fused = dict(weighted_score_fusion([DENSE, LEXICAL], [1.0, 0.0], missing=-5.0))
    assert fused[4] == pytest.approx(-5.0)
    assert weighted_score_fusion([[], []], [1.0, 1.0]) == []
