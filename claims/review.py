"""Verdicts derived from the append-only review log.

A reviewer's events are replayed in order: a ``label`` puts a verdict on that reviewer's stack,
an ``undo`` takes their latest one off. The claim's current verdict is the most recent label
still standing, whoever gave it. Nothing is ever overwritten: the log keeps every click.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from claims.models import ReviewAction, ReviewEvent, Verdict

__all__ = ["LABEL", "UNDO", "CurrentVerdict", "current_verdict", "standing_labels", "last_standing_label"]

# Short names for the two actions (``ReviewAction`` in :mod:`claims.models`).
LABEL = ReviewAction.LABEL
UNDO = ReviewAction.UNDO


@dataclass(frozen=True)
class CurrentVerdict:
    """A claim's verdict as it stands, with who gave it, when, and their note and evidence."""

    verdict: Verdict
    reviewer: str
    at: dt.datetime
    note: str | None
    evidence: tuple[str, ...]
    event_id: int


def standing_labels(events: Sequence[ReviewEvent]) -> list[ReviewEvent]:
    """The label events not cancelled by a later undo of the same reviewer, oldest first."""
    stacks: dict[str, list[ReviewEvent]] = {}
    for event in sorted(events, key=lambda e: e.id):
        stack = stacks.setdefault(event.reviewer, [])
        if event.action == LABEL:
            stack.append(event)
        elif event.action == UNDO and stack:
            stack.pop()
    return sorted((e for stack in stacks.values() for e in stack), key=lambda e: e.id)


def last_standing_label(events: Sequence[ReviewEvent]) -> ReviewEvent | None:
    """The most recent label still standing among events of any number of claims, or None.

    Each claim's events are replayed on their own (an undo takes back a label on the same claim
    only), so a reviewer's whole log gives the label their Undo would take back.
    """
    by_claim: dict[int, list[ReviewEvent]] = {}
    for event in events:
        by_claim.setdefault(event.claim_id, []).append(event)
    standing = [label for claim_events in by_claim.values() for label in standing_labels(claim_events)]
    return max(standing, key=lambda e: e.id, default=None)


def current_verdict(events: Sequence[ReviewEvent]) -> CurrentVerdict | None:
    """The most recent standing label of a claim's events, or None if there is none."""
    standing = standing_labels(events)
    if not standing:
        return None
    latest = standing[-1]
    return CurrentVerdict(latest.verdict,  # type: ignore[arg-type]  (labels carry a verdict)
                          latest.reviewer, latest.created_at, latest.note,
                          latest.evidence, latest.id)
