"""Tests for claims.detect: the check-worthiness heuristic, its threshold and its dev F1."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claims.detect import (
    CUE_WEIGHTS,
    DEFAULT_CLAIM_THRESHOLD,
    HeuristicScorer,
    cue_values,
    is_check_worthy,
    score_checkworthiness,
)

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "checkworthiness-claimbuster-ct24-en"

CLAIMS = [
    "Russia has not captured any of Ukraine's 10 largest cities since starting its offensive on February 24.",
    "China has signaled a willingness to provide assistance to Russia, a US official said.",
    "US officials say Russia has requested military equipment and other assistance since the start of the invasion.",
    "Unemployment fell to 3.7% in 2019, the lowest rate since 1969.",
    "We're consuming 50 percent of the world's cocaine.",
    "The deficit has doubled in the last four years.",
    "The senator voted against the bill three times.",
    "Exports rose by $1.2 billion last year, more than any other country.",
]

NOT_CLAIMS = [
    "Thank you.",
    "Good evening, everyone.",
    "What do you think?",
    "Is this the largest increase since 1990?",
    "I think we will win.",
    "We will not stand by.",
    "We're going to get it done.",
    "Let me help the governor.",
    "Look at the record.",
    "We must reduce our deficit.",
    "Well, you know, that's a good question.",
    "Hello!",
    "Yes.",
]


@pytest.mark.parametrize("text", CLAIMS)
def test_claims_score_high(text: str) -> None:
    assert score_checkworthiness(text) >= DEFAULT_CLAIM_THRESHOLD


@pytest.mark.parametrize("text", NOT_CLAIMS)
def test_non_claims_score_low(text: str) -> None:
    assert score_checkworthiness(text) < DEFAULT_CLAIM_THRESHOLD


@pytest.mark.parametrize("text", CLAIMS + NOT_CLAIMS + ["x", "?" * 500, "1 " * 400, "  \t"])
def test_score_in_unit_interval(text: str) -> None:
    assert 0.0 <= score_checkworthiness(text) <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_scores_zero(text: str) -> None:
    assert score_checkworthiness(text) == 0.0


@pytest.mark.parametrize(
    "plain, with_cue",
    [
        ("Prices rose.", "Prices rose 40 percent."),
        ("The army left the city.", "The army left the city in March 2022."),
        ("The plan covers people.", "The plan covers 27 million people."),
        ("Taxes went up.", "Taxes went up, more than in any other state."),
        ("Russia is losing.", "Russia is losing?"),
        ("The economy is growing.", "I think the economy is growing."),
    ],
)
def test_each_cue_moves_the_score(plain: str, with_cue: str) -> None:
    base, cued = score_checkworthiness(plain), score_checkworthiness(with_cue)
    if with_cue.endswith("?") or with_cue.startswith("I think"):
        assert cued < base
    else:
        assert cued > base


@pytest.mark.parametrize(
    "text, cue, value",
    [
        ("Prices rose 3.5% in 2021.", "number", 2),
        ("Prices rose 3.5% in 2021.", "money_percent", 1),
        ("Prices rose 3.5% in 2021.", "date", 1),
        ("Russia has not captured Kyiv.", "perfect", 1),
        ("Is it true?", "question", 1),
        ("I think so.", "opinion", 1),
        ("We will win.", "promise", 1),
        ("Thank you all.", "greeting", 1),
        ("It is the largest city.", "comparison", 1),
        ("Ned Price met Yang Jiechi.", "names", 3),
    ],
)
def test_cue_values(text: str, cue: str, value: float) -> None:
    assert cue_values(text)[cue] == value


def test_every_cue_has_a_weight() -> None:
    assert set(cue_values("Some text.")) == set(CUE_WEIGHTS)


@pytest.mark.parametrize(
    "score, threshold, expected",
    [
        (0.5, 0.5, True),
        (0.4999, 0.5, False),
        (0.9, 0.95, False),
        (0.0, 0.0, True),
        (1.0, 1.0, True),
    ],
)
def test_is_check_worthy(score: float, threshold: float, expected: bool) -> None:
    assert is_check_worthy(score, threshold) is expected


def test_the_default_threshold_is_what_every_default_uses() -> None:
    assert 0.0 < DEFAULT_CLAIM_THRESHOLD < 1.0
    below = math.nextafter(DEFAULT_CLAIM_THRESHOLD, 0.0)
    assert is_check_worthy(DEFAULT_CLAIM_THRESHOLD) and not is_check_worthy(below)
    assert HeuristicScorer().threshold == DEFAULT_CLAIM_THRESHOLD


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@pytest.mark.parametrize(
    "a, b",
    [
        ("Prices rose.", "Prices rose 40 percent in 2021."),
        ("The army left the city.", "I think we will leave the city?"),
        ("Thank you.", "Russia has not captured any of Ukraine's 10 largest cities since February 24."),
    ],
)
def test_a_score_is_explained_by_its_cues(a: str, b: str) -> None:
    """The documented promise of the heuristic: the logit of a score moves by exactly the weighted cues."""
    ca, cb = cue_values(a), cue_values(b)
    moved = sum(CUE_WEIGHTS[cue] * (cb[cue] - ca[cue]) for cue in CUE_WEIGHTS)
    assert moved != 0.0
    assert _logit(score_checkworthiness(b)) - _logit(score_checkworthiness(a)) == pytest.approx(moved, abs=1e-9)


def test_scores_do_not_depend_on_the_batch_or_the_process() -> None:
    scorer = HeuristicScorer()
    alone = [scorer([t])[0] for t in CLAIMS + NOT_CLAIMS]
    assert scorer(CLAIMS + NOT_CLAIMS) == alone
    assert scorer(list(reversed(CLAIMS + NOT_CLAIMS))) == alone[::-1]
    code = ("import json, sys; from claims.detect import score_checkworthiness as s; "
            "print(json.dumps([s(t) for t in json.load(sys.stdin)]))")
    other = subprocess.run([sys.executable, "-c", code], input=json.dumps(CLAIMS + NOT_CLAIMS), text=True,
                           capture_output=True, check=True, cwd=Path(__file__).resolve().parents[1],
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert json.loads(other.stdout) == alone


def _f1(scores: list[float], labels: list[bool], threshold: float) -> float:
    tp = sum(1 for s, y in zip(scores, labels) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels) if s < threshold and y)
    return 2 * tp / (2 * tp + fp + fn)


@pytest.mark.bench
def test_dev_f1() -> None:
    """F1 of the Yes class on the CheckThat! 2024 / ClaimBuster dev set, printed by threshold.

    The exact figures (the table in claims/detect.py) are a benchmark's business; this only
    guards that the heuristic stays far above chance (0.32) and peaks near its default threshold.
    """
    path = BENCH / "dev.tsv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(r["Text"], r["class_label"] == "Yes") for r in csv.DictReader(fh, delimiter="\t")]
    scores = [score_checkworthiness(text) for text, _ in rows]
    labels = [label for _, label in rows]
    table = {t: round(_f1(scores, labels, t), 3) for t in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)}
    print("\ndev F1 (Yes) by threshold:", table)
    best = max(range(5, 96), key=lambda t: _f1(scores, labels, t / 100)) / 100
    print("best threshold:", best)
    assert _f1(scores, labels, DEFAULT_CLAIM_THRESHOLD) > 0.7
    assert abs(best - DEFAULT_CLAIM_THRESHOLD) <= 0.1


def test_heuristic_scorer() -> None:
    scorer = HeuristicScorer(reason="weights missing")
    assert (scorer.name, scorer.fallback, scorer.threshold, scorer.reason) == (
        "heuristic", True, DEFAULT_CLAIM_THRESHOLD, "weights missing")
    assert scorer(CLAIMS[:2] + NOT_CLAIMS[:1]) == [score_checkworthiness(t) for t in CLAIMS[:2] + NOT_CLAIMS[:1]]
    assert scorer([]) == []
