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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TypeVar

from claims.models import ReviewAction, ReviewerVerdict, ReviewEvent, ReviewStatus, Verdict

__all__ = ["LABEL", "UNDO", "ADJUDICATE", "CurrentVerdict", "ReviewState", "current_verdict", "review_state",
           "standing_labels", "last_standing_label", "replay"]

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


E = TypeVar("E")
_UNREVIEWED, _PENDING, _DISAGREEMENT, _AGREED, _ADJUDICATED = (
    s.value for s in (ReviewStatus.UNREVIEWED, ReviewStatus.PENDING, ReviewStatus.DISAGREEMENT, ReviewStatus.AGREED,
                      ReviewStatus.ADJUDICATED))
_STATUS = {s.value: s for s in ReviewStatus}
# The actions as plain words: a ReviewAction equals its word, and a record read from the database holds the word.
_LABEL, _UNDO, _ADJUDICATE = LABEL.value, UNDO.value, ADJUDICATE.value


def _stacks(events: Iterable[E], reviewer: Callable[[E], str], action: Callable[[E], str]) -> dict[str, list[E]]:
    """Each reviewer's labels still standing, oldest first: a label pushes, that reviewer's undo pops."""
    stacks: dict[str, list[E]] = {}
    for event in events:
        kind = action(event)
        if kind == _LABEL:
            stack = stacks.get(reviewer(event))
            if stack is None:
                stacks[reviewer(event)] = [event]
            else:
                stack.append(event)
        elif kind == _UNDO:
            stack = stacks.get(reviewer(event))
            if stack:
                stack.pop()
    return stacks


def replay(events: Sequence[E], required: int, *, reviewer: Callable[[E], str], action: Callable[[E], str],
           verdict: Callable[[E], object], event_id: Callable[[E], int]) -> tuple[str, E | None, tuple[E, ...]]:
    """The one rule of this module over any record of an event, read through the accessors given.

    ``events`` are one claim's, in id order. Returns the claim's status (a :class:`ReviewStatus` word: a
    plain string, which an export of 100,000 claims writes as it is), the event that gives its final
    verdict (None without one) and each reviewer's standing label, oldest first. :func:`review_state`
    calls it on :class:`~claims.models.ReviewEvent` objects, the export on plain tuples
    (:func:`claims.store.exportquery.replay_reviews`), so both derive verdicts by the same code.
    """
    if len(events) == 1 and action(events[0]) == _LABEL:  # most claims: one reviewer's one verdict
        only = (events[0],)
        return (_AGREED, events[0], only) if required <= 1 else (_PENDING, None, only)
    adjudicated: E | None = None
    for event in events:
        if action(event) == _ADJUDICATE and verdict(event) is not None:
            if adjudicated is None or event_id(event) > event_id(adjudicated):
                adjudicated = event
    tops = [stack[-1] for stack in _stacks(events, reviewer, action).values() if stack]
    if len(tops) > 1:
        tops.sort(key=event_id)
    by_reviewer = tuple(tops)
    if adjudicated is not None:
        return _ADJUDICATED, adjudicated, by_reviewer
    if not by_reviewer:
        return _UNREVIEWED, None, by_reviewer
    if required <= 1:
        return _AGREED, by_reviewer[-1], by_reviewer
    if len(by_reviewer) < required:
        return _PENDING, None, by_reviewer
    if len({verdict(e) for e in by_reviewer}) > 1:
        return _DISAGREEMENT, None, by_reviewer
    return _AGREED, by_reviewer[-1], by_reviewer


_REVIEWER, _ACTION = attrgetter("reviewer"), attrgetter("action")
_VERDICT, _ID = attrgetter("verdict"), attrgetter("id")


def standing_labels(events: Sequence[ReviewEvent]) -> list[ReviewEvent]:
    """The label events not cancelled by a later undo of the same reviewer, oldest first."""
    stacks = _stacks(sorted(events, key=_ID), _REVIEWER, _ACTION)
    return sorted((e for stack in stacks.values() for e in stack), key=_ID)


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


@dataclass(frozen=True)
class ReviewState:
    """A claim's review as it stands: the final verdict (if any), each reviewer's, and the status."""

    current: CurrentVerdict | None
    by_reviewer: tuple[ReviewerVerdict, ...]
    status: ReviewStatus


def review_state(events: Sequence[ReviewEvent], required: int = 1) -> ReviewState:
    """The final verdict and status of a claim whose events these are, needing ``required`` verdicts."""
    status, current, tops = replay(sorted(events, key=_ID), required, reviewer=_REVIEWER, action=_ACTION,
                                   verdict=_VERDICT, event_id=_ID)
    by_reviewer = tuple(ReviewerVerdict(e.reviewer, e.verdict, e.created_at, e.note, e.evidence)  # type: ignore[arg-type]
                        for e in tops)
    return ReviewState(_current(current) if current is not None else None, by_reviewer, _STATUS[status])


def current_verdict(events: Sequence[ReviewEvent], required: int = 1) -> CurrentVerdict | None:
    """The claim's final verdict from its events (see the module's rules), or None."""
    return review_state(events, required).current
