"""The append-only log of reviewers' "same claim?" answers on match cards.

Each row is one answer: a reviewer said yes or no to "is this earlier statement the same claim as
this claim?", with the tier, P(same claim) and cosine the card showed at that moment. Answers are
never changed: a reviewer who answers again adds a row, and the latest row of each
(claim, statement, reviewer) is the answer that counts. A claim's or statement's rows go with it
(``ON DELETE CASCADE``); undo and adjudication of verdicts do not touch them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.models import MatchJudgement, Tier
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.schema import match_judgements

__all__ = ["Judgements"]


def _judgement_from_row(row: Any) -> MatchJudgement:
    return MatchJudgement(
        id=int(row.id), claim_id=int(row.claim_id), statement_id=int(row.statement_id), reviewer=row.reviewer,
        same=bool(row.same), tier=Tier(row.tier),
        probability=float(row.probability) if row.probability is not None else None,
        cosine=float(row.cosine), created_at=as_utc(row.created_at),  # type: ignore[arg-type]
    )


class Judgements(Part):
    """The ``match_judgements`` table: rows are only ever added; the latest per card and reviewer counts."""

    def record(self, conn: Connection, *, claim_id: int, statement_id: int, reviewer: str, same: bool,
               tier: Tier | str, probability: float | None, cosine: float) -> MatchJudgement:
        """Append one answer inside the caller's transaction; returns it as stored."""
        tier = Tier(tier)
        now = utcnow()
        values = {"claim_id": claim_id, "statement_id": statement_id, "reviewer": reviewer, "same": bool(same),
                  "tier": tier.value, "probability": None if probability is None else float(probability),
                  "cosine": float(cosine), "created_at": now}
        new_id = conn.execute(match_judgements.insert().values(**values)).inserted_primary_key[0]
        return MatchJudgement(id=int(new_id), claim_id=claim_id, statement_id=statement_id, reviewer=reviewer,
                              same=bool(same), tier=tier, probability=values["probability"],
                              cosine=values["cosine"], created_at=now)

    def _latest_query(self, claim_ids: Sequence[int] | None, reviewer: str | None) -> sa.Select:
        """Rows that are the latest answer of their (claim, statement, reviewer), optionally narrowed."""
        t = match_judgements
        latest = sa.select(sa.func.max(t.c.id).label("last")).group_by(t.c.claim_id, t.c.statement_id,
                                                                         t.c.reviewer)
        if claim_ids is not None:
            latest = latest.where(t.c.claim_id.in_(claim_ids))
        if reviewer is not None:
            latest = latest.where(t.c.reviewer == reviewer)
        last = latest.subquery()
        return sa.select(t).join(last, last.c.last == t.c.id).order_by(t.c.id)

    def latest(self, *, claim_ids: Sequence[int] | None = None, reviewer: str | None = None,
               conn: Connection | None = None) -> list[MatchJudgement]:
        """The answer that counts of each (claim, statement, reviewer), oldest first.

        ``claim_ids``: only these claims' cards (read in chunks, however many); ``reviewer``: only
        this reviewer's answers. Without either, every card ever answered.
        """
        with self._connect(conn) as c:
            if claim_ids is None:
                return [_judgement_from_row(r) for r in c.execute(self._latest_query(None, reviewer))]
            found: list[MatchJudgement] = []
            for chunk in chunked(list(dict.fromkeys(claim_ids))):
                found.extend(_judgement_from_row(r) for r in c.execute(self._latest_query(chunk, reviewer)))
        return sorted(found, key=lambda j: j.id)

    def tier_counts(self, conn: Connection | None = None) -> dict[Tier, tuple[int, int]]:
        """(answers, "same claim" answers) per tier the card showed, over the latest answers; counted in
        the database however many there are. Tiers without answers are absent."""
        t = match_judgements
        last = (sa.select(sa.func.max(t.c.id).label("last"))
                .group_by(t.c.claim_id, t.c.statement_id, t.c.reviewer).subquery())
        query = (sa.select(t.c.tier, sa.func.count(), sa.func.sum(sa.case((t.c.same.is_(True), 1), else_=0)))
                 .join(last, last.c.last == t.c.id).group_by(t.c.tier))
        with self._connect(conn) as c:
            return {Tier(tier): (int(n), int(yes or 0)) for tier, n, yes in c.execute(query)}

    def reviewer_count(self, conn: Connection | None = None) -> int:
        """How many reviewers have answered at least once."""
        query = sa.select(sa.func.count(sa.distinct(match_judgements.c.reviewer)))
        with self._connect(conn) as c:
            return int(c.execute(query).scalar_one())
