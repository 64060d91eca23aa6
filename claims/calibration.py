"""Where "same claim" should begin, measured on the desk's own answers.

Reviewers answer "same claim?" yes or no on the cards they see (:class:`claims.models.MatchJudgement`).
Each answer is a labelled pair with the score the card carried: P(same claim) from the verifier,
or the cosine when tiers follow the cosine rule. For every candidate threshold this module counts
the answers a card at or above it would call "same claim" and reports

- **precision**: the share of those the reviewers said were the same claim;
- **recall**: the share of all "yes" answers that reach the threshold;
- **false same rate**: the share of "no" answers that reach it (called "same claim" wrongly);

and proposes the lowest threshold whose precision reaches the target (0.95, the issue's aim). The
answers come from cards reviewers chose to answer, mostly the top ones, so the figures describe the
cards the desk sees, not an open-world benchmark (``claimdesk bench tiers`` is that).

Pure functions over ``(score, same)`` pairs: the workspace reads the answers, this module counts.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from claims.errors import InvalidValueError

__all__ = [
    "RULES",
    "DEFAULT_TARGET",
    "DEFAULT_MIN_ANSWERS",
    "ThresholdPoint",
    "Calibration",
    "threshold_point",
    "calibrate",
]

RULES = {"probability": "CLAIMDESK_SAME_CLAIM_P", "cosine": "CLAIMDESK_SAME_CLAIM"}
"""The two ways "same claim" is decided, each with the setting that holds its threshold."""

DEFAULT_TARGET = 0.95
DEFAULT_MIN_ANSWERS = 30
_GRID = tuple(round(step * 0.05, 2) for step in range(1, 20))  # 0.05 … 0.95: the table's fixed rows


@dataclass(frozen=True)
class ThresholdPoint:
    """What "same claim from ``threshold`` on" would have called the answered cards.

    ``called_same``: answers whose card score reaches the threshold; ``correct``: of those, the
    ones answered "yes". Rates are None where their denominator is zero.
    """

    threshold: float
    called_same: int
    correct: int
    precision: float | None
    recall: float | None
    false_same_rate: float | None

    def to_json(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return round(value, 4) if value is not None else None
        return {"threshold": self.threshold, "called_same": self.called_same, "correct": self.correct,
                "precision": r(self.precision), "recall": r(self.recall), "false_same_rate": r(self.false_same_rate)}


@dataclass(frozen=True)
class Calibration:
    """A proposed "same claim" threshold and the table behind it.

    ``rule`` is ``probability`` (the verifier's P(same claim), setting ``CLAIMDESK_SAME_CLAIM_P``) or
    ``cosine`` (the rule without a verifier, ``CLAIMDESK_SAME_CLAIM``); ``answers`` and ``yes``
    count the answers used, ``left_out`` those without a score for this rule (answered under the
    cosine rule, when the probability is calibrated). ``proposed`` is None when no threshold reaches
    ``target``; ``at_current`` measures the threshold in force now (None when unknown).
    """

    rule: str
    target: float
    min_answers: int
    answers: int
    yes: int
    left_out: int
    current: float | None
    at_current: ThresholdPoint | None
    proposed: ThresholdPoint | None
    by_threshold: tuple[ThresholdPoint, ...]

    @property
    def setting(self) -> str:
        """The environment variable that holds this rule's threshold."""
        return RULES[self.rule]

    @property
    def message(self) -> str:
        """The proposal in one sentence: what to set, and what it would have done on these answers."""
        if self.proposed is None:
            return (f"No threshold reaches precision {self.target:.2f} on these {self.answers} answers: keep "
                    f"{self.setting} as it is and answer more cards.")
        p = self.proposed
        text = (f"Set {self.setting}={p.threshold:g}: on these {self.answers} answers, precision "
                f"{p.precision:.2f}, recall {_share(p.recall)}, and {_share(p.false_same_rate)} of the "
                f"\"no\" answers called same claim.")
        if self.current is not None and math.isclose(self.current, p.threshold):
            text += " That is the threshold in force now."
        if self.yes == self.answers:
            text += " Every answer was \"yes\": no answer says where \"same claim\" stops being right."
        return text

    def to_json(self) -> dict[str, Any]:
        """The object ``claimdesk calibrate --json`` prints: at the proposal, ``threshold``, ``precision``,
        ``recall`` and ``false_same_rate`` (None without a proposal); ``by_threshold`` for the rest."""
        chosen = self.proposed.to_json() if self.proposed else {
            "threshold": None, "precision": None, "recall": None, "false_same_rate": None}
        return {"rule": self.rule, "setting": self.setting, "target": self.target, "min_answers": self.min_answers,
                "answers": self.answers, "yes": self.yes, "left_out": self.left_out, "current": self.current,
                "threshold": chosen["threshold"], "precision": chosen["precision"], "recall": chosen["recall"],
                "false_same_rate": chosen["false_same_rate"],
                "at_current": self.at_current.to_json() if self.at_current else None,
                "by_threshold": [t.to_json() for t in self.by_threshold], "message": self.message}


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}" if value in (0.0, 1.0) else f"{value:.1%}"


def _point(threshold: float, called: int, correct: int, yes: int, no: int) -> ThresholdPoint:
    return ThresholdPoint(
        threshold=threshold, called_same=called, correct=correct,
        precision=correct / called if called else None,
        recall=correct / yes if yes else None,
        false_same_rate=(called - correct) / no if no else None)


def threshold_point(scored: Sequence[tuple[float, bool]], threshold: float) -> ThresholdPoint:
    """Precision, recall and false same rate of "same claim from ``threshold`` on" over ``(score, same)``."""
    called = [same for score, same in scored if score >= threshold]
    yes = sum(same for _, same in scored)
    return _point(threshold, len(called), sum(called), yes, len(scored) - yes)


def _table(scored: Sequence[tuple[float, bool]], thresholds: Sequence[float]) -> list[ThresholdPoint]:
    """:func:`threshold_point` at each of ``thresholds`` in one sort: O(n log n), not O(n × thresholds)."""
    ordered = sorted(scored, key=lambda pair: pair[0])
    scores = [score for score, _ in ordered]
    # yes_from[i]: "yes" answers among ordered[i:], the answers a threshold at scores[i] calls same.
    yes_from = [0] * (len(ordered) + 1)
    for i in range(len(ordered) - 1, -1, -1):
        yes_from[i] = yes_from[i + 1] + bool(ordered[i][1])
    yes = yes_from[0]
    no = len(ordered) - yes
    points = []
    for t in thresholds:
        first = bisect.bisect_left(scores, t)
        points.append(_point(t, len(ordered) - first, yes_from[first], yes, no))
    return points


def _floor4(value: float) -> float:
    """A score as a threshold of four decimals that still admits it (rounded down, never up)."""
    return math.floor(value * 10_000) / 10_000


def calibrate(scored: Sequence[tuple[float, bool]], *, rule: str, target: float = DEFAULT_TARGET,
              min_answers: int = DEFAULT_MIN_ANSWERS, current: float | None = None,
              left_out: int = 0) -> Calibration:
    """The lowest threshold of the table whose precision reaches ``target`` over the answers ``scored``.

    ``scored`` holds one ``(card score, answered same)`` per answer. The table (``by_threshold``)
    has each answered score (four decimals, rounded down so it still admits its answer) and the
    fixed steps 0.05 … 0.95 that lie between the lowest and the highest: between two answered
    scores every threshold calls the same cards, so a round step is proposed where it does as well
    as the score above it. Fewer than ``min_answers`` answers is refused with a message saying how
    many more are needed.
    """
    if rule not in RULES:
        raise InvalidValueError(f"unknown rule {rule!r}: use {' or '.join(RULES)}")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0.0 < target <= 1.0:
        raise InvalidValueError(f"the target precision must lie above 0 and at most 1, got {target!r}")
    if isinstance(min_answers, bool) or not isinstance(min_answers, int) or min_answers < 1:
        raise InvalidValueError(f"the minimum number of answers must be a whole number of at least 1, "
                                f"got {min_answers!r}")
    if len(scored) < min_answers:
        scored_by = "the verifier's P(same claim)" if rule == "probability" else "the cosine rule"
        raise InvalidValueError(
            f"calibrating needs at least {min_answers} \"same claim?\" answers on cards scored by {scored_by}; "
            f"there {'is' if len(scored) == 1 else 'are'} {len(scored)}, so {min_answers - len(scored)} more "
            "are needed (Yes / No on the Review page's earlier-statement cards, or claimdesk judge)")
    observed = sorted({_floor4(score) for score, _ in scored})
    grid = [t for t in _GRID if observed[0] <= t <= observed[-1] and t not in observed]
    table = _table(scored, sorted([*observed, *grid]))
    proposed = next((p for p in table if p.precision is not None and p.precision >= target), None)
    return Calibration(rule=rule, target=float(target), min_answers=min_answers, answers=len(scored),
                       yes=sum(same for _, same in scored), left_out=left_out, current=current,
                       at_current=_table(scored, [current])[0] if current is not None else None,
                       proposed=proposed, by_threshold=tuple(table))
