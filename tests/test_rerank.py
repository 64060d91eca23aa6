"""The learned re-ranker: pair features, pairwise training, JSON round trip, shipped weights."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from claims.errors import InputError, InvalidValueError
from lab.rerank import (
    FEATURES,
    RANKERS_FILE,
    SHIPPED_RANKERS,
    LinearRanker,
    names_in,
    numbers_in,
    pair_features,
    read_shipped_rankers,
    shipped_ranker,
    train_linear_ranker,
)

BASE = dict(dense=0.8, dense_best=0.9, dense_rank=2, lexical=6.0, lexical_best=12.0, lexical_rank=None)


def test_numbers_and_names() -> None:
    assert numbers_in("down $4,300 and 23 million, 2.5%") == {"4300", "23", "2.5"}
    assert names_in("The senator met Mitt Romney in Ohio. Then he left.") == {"mitt", "romney", "ohio"}


def test_pair_features_by_hand() -> None:
    f = pair_features("He said Romney cut incomes by $4,300 in Ohio", "Says incomes fell by $4,300, Romney claims",
                      claim_speaker="OBAMA", fact_check_speaker="Barack Obama", days_apart=0.0, **BASE)
    assert set(f) == set(FEATURES)
    assert f["dense"] == pytest.approx(0.8)
    assert f["dense_gap"] == pytest.approx(-0.1)
    assert f["dense_rrank"] == 0.5
    assert f["lexical"] == 0.5
    assert f["lexical_rrank"] == 0.0
    assert f["number_overlap"] == 1.0 and f["number_conflict"] == 0.0
    assert f["name_overlap"] == 0.5  # Romney yes, Ohio no ("He" starts the sentence)
    assert f["speaker_match"] == 1.0
    assert f["date_known"] == 1.0 and f["same_day"] == 1.0 and f["date_after"] == 0.0
    assert f["date_distance"] == 0.0


def test_pair_features_without_numbers_speakers_or_dates() -> None:
    f = pair_features("no digits here", "a 1999 fact-check", days_apart=-30.0, **BASE)
    assert f["number_overlap"] == 0.0 and f["number_conflict"] == 0.0
    assert f["speaker_match"] == 0.0
    assert f["date_after"] == 1.0
    g = pair_features("10 dogs", "12 dogs", **BASE)
    assert g["number_conflict"] == 1.0 and g["date_known"] == 0.0


def synthetic_groups(seed: int = 3, n: int = 60):
    """Queries whose relevant candidate has the higher ``lexical``; ``dense`` is noise."""
    rng = random.Random(seed)
    groups = []
    for _ in range(n):
        rows, labels = [], []
        for position in range(8):
            relevant = position == 0
            row = dict.fromkeys(FEATURES, 0.0)
            row["lexical"] = rng.uniform(0.6, 1.0) if relevant else rng.uniform(0.0, 0.7)
            row["dense"] = rng.uniform(0.0, 1.0)
            rows.append(row)
            labels.append(relevant)
        groups.append((rows, labels))
    return groups


def test_training_learns_the_informative_feature_and_is_deterministic() -> None:
    ranker = train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"})
    weights = dict(zip(ranker.features, ranker.weights))
    assert weights["lexical"] > 5 * abs(weights["dense"])
    assert ranker.provenance["name"] == "synthetic"
    assert ranker.provenance["pairs"] == 60 * 7
    again = train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"})
    assert again == ranker
    held_out = synthetic_groups(seed=99)
    top_right = sum(1 for rows, labels in held_out if labels[int(ranker.score(rows).argmax())])
    assert top_right >= 50


def test_training_needs_both_kinds_of_candidate() -> None:
    rows = [dict.fromkeys(FEATURES, 0.0)]
    with pytest.raises(InvalidValueError):
        train_linear_ranker([(rows, [True])])
    with pytest.raises(InvalidValueError):
        train_linear_ranker([])


def test_json_round_trip(tmp_path: Path) -> None:
    ranker = train_linear_ranker(synthetic_groups(), provenance={"name": "synthetic"})
    path = tmp_path / "ranker.json"
    ranker.save(path)
    assert LinearRanker.load(path) == ranker
    assert json.loads(path.read_text())["kind"] == "linear-pairwise"


def test_bad_ranker_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        LinearRanker.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"features": ["dense"]}', encoding="utf-8")
    with pytest.raises(InputError, match="not a claimdesk ranker"):
        LinearRanker.load(bad)
    with pytest.raises(InvalidValueError):
        LinearRanker(("dense", "colour"), (0, 0), (1, 1), (1, 1))
    with pytest.raises(InvalidValueError):
        LinearRanker(("dense",), (0, 0), (1,), (1,))


@pytest.mark.parametrize("name", sorted(SHIPPED_RANKERS))
def test_shipped_rankers_load_with_provenance(name: str) -> None:
    ranker = shipped_ranker(name)
    assert ranker.provenance["name"] == name
    assert ranker.provenance["trained_on"]
    assert ranker.provenance["split"].startswith("train_qrels.tsv")


def test_shipped_rankers_are_a_data_file() -> None:
    assert RANKERS_FILE.name == "rankers.json" and RANKERS_FILE.parent.name == "data"
    assert read_shipped_rankers() == SHIPPED_RANKERS
    assert set(SHIPPED_RANKERS) == {"clef2020-tweets", "clef2022-tweets", "clef2021-debates"}
    for data in SHIPPED_RANKERS.values():  # as LinearRanker.to_json writes them
        assert LinearRanker.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    "body, message",
    [("{", "cannot read the rankers"), ("[1, 2]", "not a JSON object of rankers by name"),
     ('{"a": 1}', "not a JSON object of rankers by name")],
)
def test_bad_rankers_file(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "rankers.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_shipped_rankers(path)
    with pytest.raises(InputError, match="no such file"):
        read_shipped_rankers(tmp_path / "absent.json")


def test_unknown_shipped_ranker() -> None:
    with pytest.raises(InvalidValueError, match="no shipped ranker"):
        shipped_ranker("nope")
