"""What every part of the store shares: the engine, optional connections, chunked ``IN`` lists, UTC times."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

__all__ = ["IN_LIST_CHUNK", "Part", "chunked", "utcnow", "as_utc", "wal_mode"]

IN_LIST_CHUNK = 500
"""The most values one ``IN (...)`` list carries: well under SQLite's and PostgreSQL's parameter limits."""

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = IN_LIST_CHUNK) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``, in order (none for an empty sequence)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def wal_mode(cursor: Any, wait_s: float = 10.0) -> None:
    """Put the database in WAL mode, once. Switching needs the database to itself, and SQLite answers
    "database is locked" at once instead of waiting when another connection is writing (two processes
    opening a new workspace together, one of them creating its tables): wait and try again."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def utcnow() -> dt.datetime:
    """The current time in UTC, to the microsecond."""
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones; everything is stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class Part:
    """One group of tables of the workspace database, sharing the :class:`~claims.store.Store`'s engine.

    Reads check out a connection per call (thread-safe); a method that takes ``conn`` runs inside
    the caller's transaction instead.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _connect(self, conn: Connection | None = None) -> Iterator[Connection]:
        """``conn`` when the caller is inside a transaction, else a connection of this call's own."""
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as own:
            yield own
