"""Verdicts derived from the append-only review log.

A reviewer's events are replayed in order: a ``label`` puts a verdict on that reviewer's stack,
an ``undo`` takes their latest one off. Nothing is ever overwritten: the log keeps every click.

The claim's final verdict depends on N, the independent verdicts a claim needs (setting
``reviews_per_claim``): an admin's latest ``adjudicate`` event decides whenever there is one;
otherwise, with N = 1, the most recent label still standing, whoever gave it; with N >= 2, the
verdict on which the standing labels of at least N reviewers all agree, and none while fewer
have given one (pending) or they differ (a disagreement, for an admin to adjudicate).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from claims.models import ReviewAction, ReviewerVerdict, ReviewEvent, ReviewStatus, Verdict

__all__ = ["LABEL", "UNDO", "ADJUDICATE", "CurrentVerdict", "ReviewState", "current_verdict", "review_state",
           "reviewer_verdicts", "standing_labels", "last_standing_label"]

# Short names for the actions (``ReviewAction`` in :mod:`claims.models`).
LABEL = ReviewAction.LABEL
UNDO = ReviewAction.UNDO
ADJUDICATE = ReviewAction.ADJUDICATE


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


def _current(event: ReviewEvent) -> CurrentVerdict:
    return CurrentVerdict(event.verdict,  # type: ignore[arg-type]  (labels and adjudications carry one)
                          event.reviewer, event.created_at, event.note, event.evidence, event.id)


def reviewer_verdicts(events: Sequence[ReviewEvent], *,
                     standing: Sequence[ReviewEvent] | None = None) -> list[ReviewerVerdict]:
    """Each reviewer's standing verdict (their latest label not undone), in the order given.

    ``standing`` is :func:`standing_labels` of ``events`` when the caller has it already.
    """
    latest: dict[str, ReviewEvent] = {}
    for event in standing_labels(events) if standing is None else standing:
        latest[event.reviewer] = event
    return [ReviewerVerdict(e.reviewer, e.verdict, e.created_at, e.note, e.evidence)  # type: ignore[arg-type]
            for e in sorted(latest.values(), key=lambda e: e.id)]


@dataclass(frozen=True)
class ReviewState:
    """A claim's review as it stands: the final verdict (if any), each reviewer's, and the status."""

    current: CurrentVerdict | None
    by_reviewer: tuple[ReviewerVerdict, ...]
    status: ReviewStatus


def review_state(events: Sequence[ReviewEvent], required: int = 1) -> ReviewState:
    """The final verdict and status of a claim whose events these are, needing ``required`` verdicts."""
    standing = standing_labels(events)
    by_reviewer = tuple(reviewer_verdicts(events, standing=standing))
    adjudications = [e for e in events if e.action == ADJUDICATE and e.verdict is not None]
    if adjudications:
        return ReviewState(_current(max(adjudications, key=lambda e: e.id)), by_reviewer, ReviewStatus.ADJUDICATED)
    if not standing:
        return ReviewState(None, by_reviewer, ReviewStatus.UNREVIEWED)
    if required <= 1:
        return ReviewState(_current(standing[-1]), by_reviewer, ReviewStatus.AGREED)
    if len(by_reviewer) < required:
        return ReviewState(None, by_reviewer, ReviewStatus.PENDING)
    if len({v.verdict for v in by_reviewer}) > 1:
        return ReviewState(None, by_reviewer, ReviewStatus.DISAGREEMENT)
    return ReviewState(_current(standing[-1]), by_reviewer, ReviewStatus.AGREED)


def current_verdict(events: Sequence[ReviewEvent], required: int = 1) -> CurrentVerdict | None:
    """The claim's final verdict from its events (see the module's rules), or None."""
    return review_state(events, required).current
