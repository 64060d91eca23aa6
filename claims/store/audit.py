"""The audit log of what happened to claims besides verdicts: ingested, matched, exported."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.models import AuditKind
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.schema import audit

__all__ = ["Audit"]


class Audit(Part):
    """The ``audit`` table: rows are only ever added, one per claim and event."""

    def record(self, conn: Connection, kind: AuditKind, actor: str,
               entries: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """One ``kind`` event by ``actor`` for each (claim id, detail) of ``entries``; returns how many."""
        now = utcnow()
        rows = [{"claim_id": claim_id, "event": kind.value, "actor": actor,
                 "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True), "created_at": now}
                for claim_id, detail in entries]
        for chunk in chunked(rows, 5_000):
            conn.execute(audit.insert(), chunk)
        return len(rows)

    def for_claims(self, claim_ids: Sequence[int]) -> list[tuple[int, AuditKind, str, Any, dict[str, Any]]]:
        """(claim id, kind, actor, time, detail) of every event of these claims, oldest first."""
        out = []
        with self.engine.connect() as conn:
            for chunk in chunked(list(claim_ids)):
                for r in conn.execute(sa.select(audit).where(audit.c.claim_id.in_(chunk)).order_by(audit.c.id)):
                    out.append((r.claim_id, AuditKind(r.event), r.actor, as_utc(r.created_at),
                                json.loads(r.detail or "{}")))
        return out
