"""The audit log of what happened to claims besides verdicts: ingested, matched, exported.

Ingested and matched events are one ``audit`` row per claim. An export is one ``exports`` row, whatever
its size: who, when, which format, and the ids of the claims the file held, packed (:func:`pack_ids`).
A row per claim per export made a daily export of 100,000 claims cost about a second and add 36M rows
a year, each insert slower than the last; the packed row costs milliseconds and stays that size.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.models import AuditKind, ExportRecord
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.schema import audit, documents, exports, sentences

__all__ = ["Audit", "pack_ids", "unpack_ids"]


def pack_ids(ids: Iterable[int]) -> bytes:
    """Distinct positive ids, ascending, as zlib-packed little-endian uint32 gaps: a claim set of any
    order and size in about a byte per claim or less (consecutive ids compress to almost nothing)."""
    values = np.unique(np.fromiter((int(i) for i in ids), dtype=np.int64))
    if values.size and (values[0] < 1 or values[-1] > np.iinfo(np.uint32).max):
        raise ValueError(f"claim ids must lie in 1..{np.iinfo(np.uint32).max}")
    gaps = np.diff(values, prepend=0).astype("<u4")
    return zlib.compress(gaps.tobytes(), 6)


def unpack_ids(packed: bytes) -> np.ndarray:
    """The ids :func:`pack_ids` packed, ascending (int64)."""
    return np.cumsum(np.frombuffer(zlib.decompress(packed), dtype="<u4"), dtype=np.int64)


class Audit(Part):
    """The ``audit`` table (one row per claim and event) and the ``exports`` table (one row per export);
    rows of both are only ever added."""

    def record(self, conn: Connection, kind: AuditKind, actor: str,
               entries: Iterable[tuple[int, dict[str, Any]]]) -> int:
        """One ``kind`` event by ``actor`` for each (claim id, detail) of ``entries``; returns how many.
        Exports are recorded by :meth:`record_export`."""
        if kind == AuditKind.EXPORTED:
            raise ValueError("an export is recorded once for all its claims: use Audit.record_export")
        now = utcnow()
        rows = [{"claim_id": claim_id, "event": kind.value, "actor": actor,
                 "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True), "created_at": now}
                for claim_id, detail in entries]
        for chunk in chunked(rows, 5_000):
            conn.execute(audit.insert(), chunk)
        return len(rows)

    def record_export(self, conn: Connection, claim_ids: Sequence[int], actor: str, fmt: str) -> int:
        """One export by ``actor`` in ``fmt`` of the claims ``claim_ids`` (those the file holds), as one
        row; returns how many distinct claims it names (0 writes nothing: an empty file is no export)."""
        packed = pack_ids(claim_ids)
        ids = unpack_ids(packed)
        if not ids.size:
            return 0
        conn.execute(exports.insert().values(
            actor=actor, format=fmt, claims=int(ids.size), first_claim_id=int(ids[0]),
            last_claim_id=int(ids[-1]), claim_ids=packed, created_at=utcnow()))
        return int(ids.size)

    def for_claims(self, claim_ids: Sequence[int]) -> list[tuple[int, AuditKind, str, Any, dict[str, Any]]]:
        """(claim id, kind, actor, time, detail) of every event of these claims, oldest first (events of
        one time in the order they were written)."""
        out: list[tuple[int, int, int, AuditKind, str, Any, dict[str, Any]]] = []
        with self.engine.connect() as conn:
            for chunk in chunked(list(claim_ids)):
                for r in conn.execute(sa.select(audit).where(audit.c.claim_id.in_(chunk)).order_by(audit.c.id)):
                    out.append((0, r.id, r.claim_id, AuditKind(r.event), r.actor, as_utc(r.created_at),
                                json.loads(r.detail or "{}")))
            out.extend((1, export_id, claim_id, AuditKind.EXPORTED, actor, at, {"format": fmt})
                       for export_id, claim_id, actor, at, fmt in self._exports_of(conn, claim_ids))
        out.sort(key=lambda e: (e[5], e[0], e[1]))
        return [e[2:] for e in out]

    def _exports_of(self, conn: Connection, claim_ids: Sequence[int]) -> list[tuple[int, int, str, Any, str]]:
        """(export id, claim id, actor, time, format) of each export that held one of ``claim_ids``.

        An export counts for a claim only when made after the claim's document was added: a deleted
        document's ids may be given again to a later one on SQLite, and its claims were never exported."""
        wanted = sorted({int(i) for i in claim_ids})
        if not wanted:
            return []
        added: dict[int, Any] = {}
        for chunk in chunked(wanted):
            added.update((r.id, as_utc(r.created_at)) for r in conn.execute(
                sa.select(sentences.c.id, documents.c.created_at)
                .join(documents, documents.c.id == sentences.c.document_id).where(sentences.c.id.in_(chunk))))
        rows = conn.execute(sa.select(exports).where(exports.c.first_claim_id <= wanted[-1],
                                                     exports.c.last_claim_id >= wanted[0]).order_by(exports.c.id))
        asked = np.asarray(wanted, dtype=np.int64)
        out = []
        for r in rows:
            held = unpack_ids(r.claim_ids)
            at = as_utc(r.created_at)
            found = asked[np.isin(asked, held, assume_unique=True)]
            out.extend((r.id, int(c), r.actor, at, r.format) for c in found
                       if int(c) in added and added[int(c)] <= at)
        return out

    def recent_exports(self, limit: int = 50) -> list[ExportRecord]:
        """The latest ``limit`` exports, newest first: who made each, when, in which format, of how many claims."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(exports.c.id, exports.c.actor, exports.c.format, exports.c.claims,
                                          exports.c.created_at).order_by(exports.c.id.desc()).limit(limit))
            return [ExportRecord(id=r.id, actor=r.actor, format=r.format, claims=r.claims,
                                 at=as_utc(r.created_at)) for r in rows]
