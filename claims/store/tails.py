"""The rows added to append-only tables since the last look, for caches that keep in step with them.

A cache over the review log (the review queue, the export's lines) reads everything once, then only
what changed. :class:`Tails` says what changed: each look reads the highest id of each table (an
index look-up each) and the rows above the ids it held, as (id, the claim or sentence the row names).

A row with a lower id that commits later (on PostgreSQL, a transaction that took its id first and
committed last) or a row deleted by hand is caught by comparing row counts, every ``recheck_s``
seconds and whenever new rows arrive: a count that does not add up answers "read everything again".
Within ``recheck_s`` such a late row may be missed, as any cache may be that long behind.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

__all__ = ["Tails", "FollowsTails", "RECHECK_S"]

RECHECK_S = 5.0
"""Seconds between row-count checks when nothing new arrived (see the module's note)."""


class Tails:
    """New rows of ``tables``, each given with the column that names what its row touches.

    Not thread-safe: the cache that owns it calls it under its own lock.
    """

    def __init__(self, tables: Sequence[tuple[sa.Table, sa.ColumnElement[int]]], recheck_s: float = RECHECK_S) -> None:
        self.tables = tuple(tables)
        self.recheck_s = recheck_s
        self._marks: list[tuple[int, int]] | None = None  # (rows, highest id) of each table
        self._checked = 0.0
        # Built once: a queue kept in step looks at the tails on every read.
        tops = [sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0)).scalar_subquery() for t, _ in self.tables]
        rows = [sa.select(sa.func.count()).select_from(t).scalar_subquery() for t, _ in self.tables]
        self._tops_query = sa.select(*tops)
        self._tops_and_counts_query = sa.select(*tops, *rows)

    def _read_marks(self, conn: Connection, counts: bool) -> list[tuple[int, int]]:
        got = conn.execute(self._tops_and_counts_query if counts else self._tops_query).one()
        n = len(self.tables)
        return [(int(got[n + i]) if counts else -1, int(got[i])) for i in range(n)]

    def since(self, conn: Connection) -> list[list[tuple[int, int]]] | None:
        """The rows added to each table since the last call, as (id, what it names); None when
        everything must be read again: the first call, or counts that do not add up. Either way the
        marks are then where the tables are now, so the caller reads after this call."""
        now = time.monotonic()
        if self._marks is None:
            self._marks, self._checked = self._read_marks(conn, True), now
            return None
        count = now - self._checked >= self.recheck_s
        marks = self._read_marks(conn, count)
        if not count and any(marks[i][1] != self._marks[i][1] for i in range(len(self.tables))):
            marks = self._read_marks(conn, True)  # new rows: check that they add up
            count = True
        if count:
            self._checked = now
        held = self._marks
        if [m[1] for m in marks] == [m[1] for m in held] and (not count or [m[0] for m in marks] == [m[0] for m in held]):
            return [[] for _ in self.tables]
        tails = [self._tail(conn, t, named, held[i][1], marks[i][1]) for i, (t, named) in enumerate(self.tables)]
        self._marks = marks
        if any(len(tail) != marks[i][0] - held[i][0] for i, tail in enumerate(tails)):
            return None  # a late commit below the ids held, or rows deleted
        return tails

    def reset(self) -> None:
        """Forget the marks: the next :meth:`since` answers "read everything"."""
        self._marks = None

    @staticmethod
    def _tail(conn: Connection, table: sa.Table, named: sa.ColumnElement[int], after: int,
              upto: int) -> list[tuple[int, int]]:
        if upto <= after:
            return []
        query = sa.select(table.c.id, named).where(table.c.id > after, table.c.id <= upto)
        return [(int(a), int(b)) for a, b in conn.execute(query)]


class FollowsTails:
    """A cache kept in step by a :class:`Tails` (as ``self._tails``): its ``recheck_s`` is the tails'."""

    _tails: Tails

    @property
    def recheck_s(self) -> float:
        """Seconds between row-count checks when nothing new arrived (:class:`Tails`)."""
        return self._tails.recheck_s

    @recheck_s.setter
    def recheck_s(self, value: float) -> None:
        self._tails.recheck_s = value
