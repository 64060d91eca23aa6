"""Fitting the matcher's learned parts: the pairwise re-ranker (lab only) and the same-claim verifier."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from claims.errors import InputError, InvalidValueError
from index.verify import Verifier
from lab.rerank import FEATURES, LinearRanker, calibration_table, train_linear_ranker, train_verifier


def synthetic_groups(n: int = 60, seed: int = 7) -> list[tuple[list[dict[str, float]], list[bool]]]:
    """Queries whose relevant candidate stands out on BM25 only; the cosine is noise."""
    rng = random.Random(seed)
    groups = []
    for _ in range(n):
        rows, labels = [], []
        for position in range(8):
            relevant = position == 0
            row = dict.fromkeys(FEATURES, 0.0)
            row["bm25"] = rng.uniform(0.6, 1.0) if relevant else rng.uniform(0.0, 0.7)
            row["cosine"] = rng.uniform(0.0, 1.0)
            rows.append(row)
            labels.append(relevant)
        groups.append((rows, labels))
    return groups


def test_the_ranker_learns_the_informative_feature_and_is_deterministic() -> None:
    ranker = train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"})
    weights = dict(zip(ranker.features, ranker.weights))
    assert weights["bm25"] > 5 * abs(weights["cosine"])
    assert ranker.provenance["name"] == "synthetic"
    assert ranker.provenance["pairs"] == 60 * 7
    assert train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"}) == ranker
    held_out = synthetic_groups(seed=99)
    top_right = sum(1 for rows, labels in held_out if labels[int(ranker.score(rows).argmax())])
    assert top_right >= 50


def test_the_ranker_needs_both_kinds_of_candidate() -> None:
    rows = [dict.fromkeys(FEATURES, 0.0)]
    with pytest.raises(InvalidValueError):
        train_linear_ranker([(rows, [True])])
    with pytest.raises(InvalidValueError):
        train_linear_ranker([])


def test_ranker_json_round_trip(tmp_path: Path) -> None:
    ranker = train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"})
    path = tmp_path / "ranker.json"
    ranker.save(path)
    assert LinearRanker.load(path) == ranker
    assert json.loads(path.read_text())["kind"] == "linear-pairwise"


def test_bad_ranker_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        LinearRanker.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"features": ["cosine"]}', encoding="utf-8")
    with pytest.raises(InputError, match="not a claimdesk ranker"):
        LinearRanker.load(bad)
    with pytest.raises(InvalidValueError):
        LinearRanker(("cosine", "colour"), (0, 0), (1, 1), (1, 1))
    with pytest.raises(InvalidValueError):
        LinearRanker(("cosine",), (0, 0), (1,), (1,))


def flat(groups):
    return [r for rows, _ in groups for r in rows], [y for _, labels in groups for y in labels]


def test_the_verifier_is_a_probability_that_learns_and_is_deterministic(tmp_path: Path) -> None:
    rows, labels = flat(synthetic_groups(200))
    verifier = train_verifier(rows, labels, provenance={"name": "synthetic"}, threshold=0.6)
    weights = dict(zip(verifier.features, verifier.weights))
    assert weights["bm25"] > 5 * abs(weights["cosine"])
    assert verifier.threshold == 0.6 and verifier.provenance["positives"] == 200
    assert train_verifier(rows, labels, provenance={"name": "synthetic"}, threshold=0.6) == verifier
    held_rows, held_labels = flat(synthetic_groups(200, seed=3))
    p = verifier.probability(held_rows)
    assert np.all((0 <= p) & (p <= 1))
    # calibrated on its own kind of data: the mean probability is about the share of positives
    assert abs(p.mean() - np.mean(held_labels)) < 0.03
    path = tmp_path / "verifier.json"
    verifier.save(path)
    assert Verifier.load(path).to_dict() == verifier.to_dict()


def test_a_row_weighted_w_counts_as_w_copies_of_it() -> None:
    rows, labels = flat(synthetic_groups(120))
    weights = [3.0 if i % 5 == 0 else 1.0 for i in range(len(rows))]
    weighted = train_verifier(rows, labels, sample_weight=weights)
    copies = [i for i, w in enumerate(weights) for _ in range(int(w))]
    copied = train_verifier([rows[i] for i in copies], [labels[i] for i in copies])
    # the same fit up to lbfgs's tolerance; the standardisation is of the rows as given, so compare
    # the probabilities it gives rather than the raw weights
    assert np.allclose(weighted.probability(rows), copied.probability(rows), atol=0.02)
    assert not np.allclose(weighted.probability(rows), train_verifier(rows, labels).probability(rows), atol=0.005)
    for bad in ([1.0] * (len(rows) - 1), [0.0] * len(rows), [float("nan")] * len(rows)):
        with pytest.raises(InvalidValueError, match="one positive finite weight per row"):
            train_verifier(rows, labels, sample_weight=bad)


def test_the_verifier_needs_both_kinds_of_candidate() -> None:
    rows = [dict.fromkeys(FEATURES, 0.0)] * 2
    with pytest.raises(InvalidValueError, match="both gold and other candidates"):
        train_verifier(rows, [False, False])
    with pytest.raises(InvalidValueError, match="got 1 labels for 2 rows"):
        train_verifier(rows, [True])


def test_calibration_table() -> None:
    table = calibration_table([0.05, 0.05, 0.85, 0.85, 0.99], [False, True, True, True, True])
    by_bin = {row["bin"]: row for row in table}
    assert by_bin["0.00-0.10"] == {"bin": "0.00-0.10", "n": 2, "mean_probability": 0.05, "observed": 0.5}
    assert by_bin["0.80-0.90"]["observed"] == 1.0 and by_bin["0.95-1.00"]["n"] == 1
    assert by_bin["0.30-0.50"]["n"] == 0 and by_bin["0.30-0.50"]["observed"] is None
