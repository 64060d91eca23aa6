"""Each claim's top earlier statement as the matcher last ranked it: a cache the export reads.

Matching a claim costs milliseconds (FAISS, BM25, the verifier's features); an export of 100,000
verdicts cannot pay that per claim. The ``claim_matches`` table keeps, per claim, the top card and
what it was ranked against: the highest statement id then in the archive and a key of the matcher
(model, settings, verifier). :meth:`claims.workspace.Workspace.export_rows` decides which rows are
still good; this part only reads and writes them. It is a cache: deleting every row loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.store.base import Part, chunked
from claims.store.schema import claim_matches, reviews, sentences, statements

__all__ = ["CachedMatch", "MatchCache"]


@dataclass(frozen=True)
class CachedMatch:
    """One claim's stored top card; ``statement_id`` None when nothing in the archive matched."""

    claim_id: int
    statement_id: int | None
    cosine: float | None
    probability: float | None
    tier: str | None
    score: float | None
    reason: str | None
    archive_max_id: int
    reviews_max_id: int
    matcher_key: str


class MatchCache(Part):
    """The ``claim_matches`` table: one row per claim, replaced whenever the claim is matched again."""

    def get(self, claim_ids: Sequence[int]) -> dict[int, CachedMatch]:
        """The stored rows of these claims (claims never cached are absent)."""
        out: dict[int, CachedMatch] = {}
        with self.engine.connect() as conn:
            for chunk in chunked(sorted(set(claim_ids))):
                for r in conn.execute(sa.select(claim_matches).where(claim_matches.c.claim_id.in_(chunk))):
                    out[int(r.claim_id)] = CachedMatch(
                        int(r.claim_id), None if r.statement_id is None else int(r.statement_id), r.cosine,
                        r.probability, r.tier, r.score, r.reason, int(r.archive_max_id), int(r.reviews_max_id),
                        r.matcher_key)
        return out

    def put(self, rows: Iterable[CachedMatch], conn: Connection | None = None) -> int:
        """Replace the rows of these claims; returns how many were written.

        Two processes may cache the same claim at once: the delete and insert share one transaction,
        and a writer that loses the race (a duplicate key) leaves the other's equally good rows.
        """
        values = [{"claim_id": r.claim_id, "statement_id": r.statement_id, "cosine": r.cosine,
                   "probability": r.probability, "tier": r.tier, "score": r.score, "reason": r.reason,
                   "archive_max_id": r.archive_max_id, "reviews_max_id": r.reviews_max_id,
                   "matcher_key": r.matcher_key} for r in rows]
        if not values:
            return 0
        try:
            with self._begin(conn) as tx:
                for chunk in chunked(values):
                    tx.execute(claim_matches.delete().where(
                        claim_matches.c.claim_id.in_([v["claim_id"] for v in chunk])))
                    tx.execute(claim_matches.insert(), chunk)
        except sa.exc.IntegrityError:
            if conn is not None:
                raise
            return 0
        return len(values)

    def advance(self, claim_ids: Sequence[int], archive_max_id: int, reviews_max_id: int, *,
                among: Sequence[int] | None = None) -> None:
        """Record that these claims' cards still hold up to the given marks (checked, not re-ranked).

        ``among``: the ids of every claim whose row the caller read (any order). Runs of ``claim_ids``
        that are consecutive among them are then advanced by one range each, instead of by lists of
        ids: after one verdict an export advances every claim but the few near it, which as lists of
        ids cost 200 statements (1.3 s) at 100,000 claims. A row in a range that the caller did not
        read (a sentence that is no longer a claim, a row written since with later marks) is left alone.
        """
        wanted = np.unique(np.asarray(claim_ids, dtype=np.int64))
        if not len(wanted):
            return
        ranges: list[tuple[int, int]] = []
        if among is not None:
            known = np.unique(np.asarray(among, dtype=np.int64))
            fresh = np.isin(known, wanted)
            if fresh.sum() == len(wanted):  # every id to advance was read: runs among the read ones
                edges = np.flatnonzero(np.diff(np.concatenate(([0], fresh.astype(np.int8), [0]))))
                starts, ends = edges[0::2], edges[1::2] - 1
                if len(starts) <= max(16, len(wanted) // 64):
                    ranges = list(zip(known[starts].tolist(), known[ends].tolist()))
        behind = sa.and_(claim_matches.c.archive_max_id <= archive_max_id,
                         claim_matches.c.reviews_max_id <= reviews_max_id)
        values = {"archive_max_id": archive_max_id, "reviews_max_id": reviews_max_id}
        with self.engine.begin() as conn:
            if ranges:
                claims_now = sa.select(sentences.c.id).where(sentences.c.is_claim.is_(True))
                for low, high in ranges:
                    conn.execute(claim_matches.update().where(
                        claim_matches.c.claim_id.between(low, high), claim_matches.c.claim_id.in_(claims_now),
                        behind).values(values))
                return
            for chunk in chunked(wanted.tolist()):
                conn.execute(claim_matches.update().where(claim_matches.c.claim_id.in_(chunk), behind).values(values))

    def marks(self) -> tuple[int, int]:
        """(highest statement id, highest review event id) now: what a new row was ranked against."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(
                sa.select(sa.func.coalesce(sa.func.max(statements.c.id), 0)).scalar_subquery(),
                sa.select(sa.func.coalesce(sa.func.max(reviews.c.id), 0)).scalar_subquery())).one()
        return int(row[0]), int(row[1])

    def changed_statements(self, after_id: int, after_review: int) -> list[tuple[int, int | None, int, str]]:
        """(statement id, its claim id, review mark, text hash) of every statement that may rank
        differently since the marks: added after ``after_id``, or a reviewed claim's statement whose
        claim has a review event after ``after_review`` (a verdict or an undo shows or hides it).
        The review mark is the claim's last review event id (0 for archive statements)."""
        last_review = (sa.select(reviews.c.claim_id, sa.func.max(reviews.c.id).label("mark"))
                       .where(reviews.c.id > after_review).group_by(reviews.c.claim_id).subquery())
        query = (sa.select(statements.c.id, statements.c.claim_id, sa.func.coalesce(last_review.c.mark, 0),
                           statements.c.text_hash)
                 .select_from(statements.outerjoin(last_review, last_review.c.claim_id == statements.c.claim_id))
                 .where(sa.or_(statements.c.id > after_id, last_review.c.mark.is_not(None)))
                 .order_by(statements.c.id))
        with self.engine.connect() as conn:
            return [(int(r[0]), None if r[1] is None else int(r[1]), int(r[2]), r[3]) for r in conn.execute(query)]

    def clear(self) -> int:
        """Forget every cached match (they are recomputed on the next export); returns how many."""
        with self.engine.begin() as conn:
            return int(conn.execute(claim_matches.delete()).rowcount or 0)

    def _begin(self, conn: Connection | None):
        if conn is not None:
            return _Borrowed(conn)
        return self.engine.begin()


class _Borrowed:
    """The caller's connection as a context manager that neither commits nor closes it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None
