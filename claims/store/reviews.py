"""The two append-only logs of reviewer calls: verdicts on claims, and claim / not-a-claim on sentences."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.models import ReviewAction, ReviewEvent, Verdict
from claims.review import ReviewState, review_state
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.schema import feedback, reviews, sentences
from claims.store.statements import Statements

__all__ = ["Reviews"]


def _event_from_row(row: Any) -> ReviewEvent:
    return ReviewEvent(
        id=row.id, claim_id=row.claim_id, reviewer=row.reviewer, action=ReviewAction(row.action),
        verdict=Verdict(row.verdict) if row.verdict else None, note=row.note,
        evidence=tuple(json.loads(row.evidence)) if row.evidence and row.evidence != "[]" else (),
        created_at=as_utc(row.created_at),
    )


class Reviews(Part):
    """The ``reviews`` and ``detector_feedback`` tables: rows are only ever added.

    A claim's verdict is derived from its events (:func:`claims.review.current_verdict`). Every
    event also brings the claim's earlier-statement row in step, in the same transaction, so the
    archive and the review counts never disagree with the log.
    """

    def __init__(self, engine: sa.engine.Engine, statements: Statements, required: int = 1) -> None:
        super().__init__(engine)
        self._statements = statements
        self.required = required
        """Independent verdicts a claim needs before it has a final one (setting reviews_per_claim)."""

    # -- verdicts ------------------------------------------------------------------------------

    def append_review(self, conn: Connection, *, claim_id: int, reviewer: str, action: ReviewAction | str,
                      verdict: Verdict | None, note: str | None, evidence: Sequence[str]) -> ReviewEvent:
        """Append one event to a claim's log and update the claim's earlier statement to match.

        The claim's row is locked first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers are
        serialised anyway), so two reviewers labelling one claim at the same instant are applied one
        after the other: both events kept, the archive row computed from both.
        """
        action = ReviewAction(action)
        conn.execute(sa.select(sentences.c.id).where(sentences.c.id == claim_id).with_for_update())
        now = utcnow()
        event_id = conn.execute(reviews.insert().values(
            claim_id=claim_id, reviewer=reviewer, action=action.value,
            verdict=verdict.value if verdict else None, note=note,
            evidence=json.dumps(list(evidence)), created_at=now)).inserted_primary_key[0]
        current = review_state(self.review_events(claim_id, conn), self.required).current
        extra: dict[str, Any] = {}
        if current is not None:
            extra = {"reviewer": current.reviewer, "note": current.note, "reviewed_at": current.at.isoformat()}
        self._statements.upsert_review_statement(conn, claim_id, current.verdict if current else None, extra)
        return ReviewEvent(id=int(event_id), claim_id=claim_id, reviewer=reviewer, action=action,
                           verdict=verdict, note=note, evidence=tuple(evidence), created_at=now)

    def review_events(self, claim_id: int, conn: Connection | None = None) -> list[ReviewEvent]:
        """Every event of a claim, oldest first."""
        query = sa.select(reviews).where(reviews.c.claim_id == claim_id).order_by(reviews.c.id)
        with self._connect(conn) as c:
            return [_event_from_row(r) for r in c.execute(query)]

    def events_by(self, reviewer: str) -> list[ReviewEvent]:
        """Every event of one reviewer, on any claim, oldest first (what their Undo works on)."""
        query = sa.select(reviews).where(reviews.c.reviewer == reviewer).order_by(reviews.c.id)
        with self.engine.connect() as conn:
            return [_event_from_row(r) for r in conn.execute(query)]

    def verdicts_for(self, conn: Connection, claim_ids: Sequence[int]) -> dict[int, ReviewState]:
        """The review state (final verdict, each reviewer's, status) of each claim with events."""
        events: dict[int, list[ReviewEvent]] = {}
        for chunk in chunked(claim_ids):
            rows = conn.execute(sa.select(reviews).where(reviews.c.claim_id.in_(chunk)).order_by(reviews.c.id))
            for r in rows:
                events.setdefault(r.claim_id, []).append(_event_from_row(r))
        return {claim_id: review_state(claim_events, self.required) for claim_id, claim_events in events.items()}

    # -- detector feedback ---------------------------------------------------------------------

    def record_feedback(self, conn: Connection, sentence_id: int, reviewer: str, is_claim: bool) -> None:
        """Log a reviewer's "claim" / "not a claim" call and set the sentence's flag to match."""
        conn.execute(feedback.insert().values(sentence_id=sentence_id, reviewer=reviewer, is_claim=is_claim,
                                              created_at=utcnow()))
        conn.execute(sentences.update().where(sentences.c.id == sentence_id).values(is_claim=is_claim))

    def feedback_examples(self) -> list[tuple[str, bool]]:
        """(sentence text, is a claim) for every sentence a reviewer flagged, latest call wins."""
        latest = (sa.select(feedback.c.sentence_id, sa.func.max(feedback.c.id).label("last"))
                  .group_by(feedback.c.sentence_id).subquery())
        query = (sa.select(sentences.c.text, feedback.c.is_claim)
                 .select_from(feedback.join(latest, latest.c.last == feedback.c.id)
                              .join(sentences, sentences.c.id == feedback.c.sentence_id))
                 .order_by(feedback.c.id))
        with self.engine.connect() as conn:
            return [(t, bool(c)) for t, c in conn.execute(query).all()]
