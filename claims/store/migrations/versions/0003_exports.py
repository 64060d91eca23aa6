"""One row per export: the ``exports`` table takes the audit log's per-claim ``exported`` rows.

An export of 100,000 claims wrote 100,000 audit rows (about a second, slower as the table grew, 36M
rows a year for a daily export). It is now one row naming the claims in a packed list of ids.
Upgrading folds the existing ``exported`` audit rows into such rows, one per (time, actor, detail):
the rows one export wrote share all three. Downgrading unfolds them for the claims still present.
Offline (``claimdesk db upgrade --sql``) only the table is created: SQL alone cannot pack the ids, so
the old rows stay in ``audit``, where a claim's trail still reads them.

The packing is written out here, frozen, rather than imported from ``claims.store.audit``: a later
change to that format is a later revision, and this one keeps doing what it always did.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_audit = sa.table("audit", sa.column("id", sa.Integer), sa.column("claim_id", sa.Integer),
                  sa.column("event", sa.String), sa.column("actor", sa.Text), sa.column("detail", sa.Text),
                  sa.column("created_at", sa.DateTime(timezone=True)))
_sentences = sa.table("sentences", sa.column("id", sa.Integer))


def _pack(ids: list[int]) -> tuple[bytes, int, int, int]:
    """Distinct ids ascending as zlib-packed little-endian uint32 gaps; with count, first and last."""
    values = np.unique(np.asarray(ids, dtype=np.int64))
    gaps = np.diff(values, prepend=0).astype("<u4")
    return zlib.compress(gaps.tobytes(), 6), int(values.size), int(values[0]), int(values[-1])


def upgrade() -> None:
    exports = op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("first_claim_id", sa.Integer(), nullable=False),
        sa.Column("last_claim_id", sa.Integer(), nullable=False),
        sa.Column("claim_ids", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_exports_first_claim_id"), "exports", ["first_claim_id"], unique=False)
    op.create_index(op.f("ix_exports_last_claim_id"), "exports", ["last_claim_id"], unique=False)
    if context.is_offline_mode():
        return  # SQL alone cannot pack ids: the old rows stay in audit, where a claim's trail still reads them
    conn = op.get_bind()
    groups: dict[tuple, list[int]] = {}
    rows = conn.execute(sa.select(_audit.c.claim_id, _audit.c.actor, _audit.c.detail, _audit.c.created_at)
                        .where(_audit.c.event == "exported", _audit.c.claim_id.is_not(None))
                        .order_by(_audit.c.id))
    for claim_id, actor, detail, created_at in rows:
        groups.setdefault((created_at, actor, detail), []).append(int(claim_id))
    for (created_at, actor, detail), ids in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[1][0])):
        try:
            fmt = str(json.loads(detail or "{}").get("format", "csv"))[:16]
        except (ValueError, AttributeError):
            fmt = "csv"
        packed, count, first, last = _pack(ids)
        conn.execute(exports.insert().values(actor=actor, format=fmt, claims=count, first_claim_id=first,
                                             last_claim_id=last, claim_ids=packed, created_at=created_at))
    conn.execute(_audit.delete().where(_audit.c.event == "exported"))


def downgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("revision 0003 unpacks each export's ids to go back: run the downgrade on a database")
    conn = op.get_bind()
    exports = sa.table("exports", sa.column("id", sa.Integer), sa.column("actor", sa.Text),
                       sa.column("format", sa.String), sa.column("claim_ids", sa.LargeBinary),
                       sa.column("created_at", sa.DateTime(timezone=True)))
    present = {int(r[0]) for r in conn.execute(sa.select(_sentences.c.id))}
    for _id, actor, fmt, packed, created_at in conn.execute(sa.select(exports).order_by(exports.c.id)).all():
        ids = np.cumsum(np.frombuffer(zlib.decompress(packed), dtype="<u4"), dtype=np.int64)
        detail = json.dumps({"format": fmt}, ensure_ascii=False, sort_keys=True)
        rows = [{"claim_id": int(c), "event": "exported", "actor": actor, "detail": detail, "created_at": created_at}
                for c in ids if int(c) in present]
        for start in range(0, len(rows), 5_000):
            conn.execute(_audit.insert(), rows[start:start + 5_000])
    op.drop_index(op.f("ix_exports_last_claim_id"), table_name="exports")
    op.drop_index(op.f("ix_exports_first_claim_id"), table_name="exports")
    op.drop_table("exports")
