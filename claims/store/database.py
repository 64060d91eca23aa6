"""The workspace database: the engine, transactions, and its four parts."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from claims.errors import InvalidValueError, StoreError
from claims.models import Document
from claims.store.documents import Documents
from claims.store.embeddings import Embeddings
from claims.store.matchcache import MatchCache
from claims.store.judgements import Judgements
from claims.store.reviews import Reviews
from claims.store.audit import Audit
from claims.store.base import wal_mode
from claims.store.migrations import ensure_schema
from claims.store.schema import (
    audit,
    documents,
    embeddings,
    exports,
    feedback,
    imports,
    match_judgements,
    reviews,
    sentences,
    statements,
    users,
)
from claims.store.statements import Statements
from claims.store.exportlines import ExportLines
from claims.store.queue import QueueIndex
from claims.store.users import Users

__all__ = ["Store", "open_engine", "database_errors", "safe_url"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    wal_mode(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_engine(url: str) -> Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def safe_url(url: str) -> str:
    """A database URL with any password hidden, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn what opening the database at ``url`` can raise into a :class:`StoreError` that says why."""
    try:
        yield
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"bad database URL {url!r}: {exc}") from exc
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in ("alembic", "mako"):
            raise StoreError(f"claimdesk's schema migrations need {exc.name}: install requirements.txt") from exc
        raise StoreError(f"no driver for the database URL {safe_url(url)}: claimdesk runs on SQLite "
                         "(sqlite:///…) or PostgreSQL (postgresql+psycopg://…)") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot open the workspace database {safe_url(url)}: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from exc


def open_engine(url: str) -> Engine:
    """The engine for a workspace URL, opened as a Store opens it but without the schema check
    (``claimdesk db`` makes its own). Raises :class:`StoreError` for a bad URL or a missing driver."""
    with database_errors(url):
        return _make_engine(url)


class Store:
    """A claimdesk workspace database. Thread-safe: each call checks out its own connection.

    The tables are read and written through four parts, each over the tables of one kind of thing:

    - :attr:`documents`: documents and their sentences, the claims among them, review progress;
    - :attr:`statements`: earlier statements (archive imports and reviewed claims); the
      ``VectorSource`` the FAISS cache syncs from;
    - :attr:`reviews`: the review log and the detector-feedback log;
    - :attr:`embeddings`: vectors by model and text hash; the ``EmbeddingCache`` of :mod:`index.embed`;
    - :attr:`queue`: the review queue, document list and claim speakers kept in memory, caught up from
      the rows added since (:class:`~claims.store.queue.QueueIndex`);
    - :attr:`export_lines`: what an export reads (review states, the statements cards show, each
      claim's CSV line) kept between exports (:class:`~claims.store.exportlines.ExportLines`).

    Writes that belong together share one :meth:`transaction`: the parts' writing methods take its
    connection, so an error leaves nothing half-written.
    """

    def __init__(self, url: str, *, create: bool = True, reviews_per_claim: int = 1) -> None:
        self.url = url
        with database_errors(url):
            self.engine: Engine = _make_engine(url)
            # A new database is created, an older one upgraded (or adopted), a newer one refused;
            # without ``create`` nothing is written (claims.store.migrations says how).
            ensure_schema(self.engine, create=create, where=self.safe_url)
        self.embeddings = Embeddings(self.engine)
        self.statements = Statements(self.engine)
        self.reviews = Reviews(self.engine, self.statements, required=reviews_per_claim)
        self.documents = Documents(self.engine, self.reviews)
        self.users = Users(self.engine)
        self.audit = Audit(self.engine)
        self.judgements = Judgements(self.engine)
        self.match_cache = MatchCache(self.engine)
        self.queue = QueueIndex(self.engine, self.documents, self.reviews)
        self.export_lines = ExportLines(self.engine, required=reviews_per_claim)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return safe_url(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    def backup(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Copy a SQLite workspace to ``path`` while it is in use (SQLite's online backup API).

        The copy is a consistent snapshot of every committed transaction, written to a temporary
        file beside ``path`` and renamed into place, so a failed backup leaves no half file. An
        existing file is refused unless ``overwrite``; the workspace's own file always is. A
        PostgreSQL workspace is backed up with ``pg_dump``. Returns the backup's path.
        """
        url = sa.engine.make_url(self.url)
        if url.get_backend_name() != "sqlite":
            raise StoreError(f"claimdesk backs up SQLite workspaces only; {self.safe_url} is "
                             f"{url.get_backend_name()}: back it up with its own tools "
                             "(PostgreSQL: pg_dump --format=custom DBNAME > claimdesk.dump)")
        target = Path(path).absolute()
        if target.is_dir():
            raise InvalidValueError(f"the backup {target} is a folder: name a file, e.g. {target / 'claimdesk.db'}")
        if url.database and url.database != ":memory:" and target.exists() and \
                target.resolve() == Path(url.database).resolve():
            raise InvalidValueError(f"the backup {target} is the workspace's own database file: name another file")
        if target.exists() and not target.is_file():
            raise InvalidValueError(f"the backup {target} exists and is not a regular file: name a new file")
        if target.exists() and not overwrite:
            raise InvalidValueError(f"the backup {target} already exists: name a new file, or overwrite it (--force)")
        if not target.parent.is_dir():
            raise InvalidValueError(f"the folder of the backup {target.parent} does not exist")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise StoreError(f"cannot write the backup in {target.parent}: {exc.strerror or exc}") from exc
        os.close(fd)
        try:
            raw = self.engine.raw_connection()
            try:
                source = raw.driver_connection
                destination = sqlite3.connect(tmp)
                try:
                    source.backup(destination)
                    # A single file that opens on its own: no -wal beside it to be forgotten.
                    destination.execute("PRAGMA journal_mode=DELETE")
                finally:
                    destination.close()
            finally:
                raw.close()
            with open(tmp, "rb") as fp:
                os.fsync(fp.fileno())
            os.replace(tmp, target)
        except (sqlite3.Error, OSError, sa.exc.SQLAlchemyError) as exc:
            raise StoreError(f"the backup to {target} failed: {exc}") from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def revision(self) -> tuple[int, ...]:
        """The highest id of every append-only table, and of imports: changes on every write.

        (Updates happen only beside an insert: a verdict filled in by a re-import adds an
        ``imports`` row, a claim flag changed by a reviewer adds a feedback row, a review
        statement's verdict changes with a review event.)
        """
        tables = (documents, sentences, statements, imports, reviews, feedback, users, audit, match_judgements,
                  exports)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*(
                sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0)).scalar_subquery() for t in tables))).one()
        return tuple(int(v) for v in row)

    def count_rows(self) -> dict[str, int]:
        """Rows per table: used by tests and `status` to show nothing was half-written."""
        with self.engine.connect() as conn:
            return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                    for t in (documents, sentences, statements, imports, embeddings, reviews, feedback,
                              match_judgements)}

    # -- kept for callers outside the core that use the flat names ------------------------------

    def get_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Same as ``store.embeddings.get_embeddings``: a Store still serves as an EmbeddingCache."""
        return self.embeddings.get_embeddings(model, hashes)

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Same as ``store.embeddings.put_embeddings``."""
        self.embeddings.put_embeddings(model, vectors)

    def feedback_examples(self) -> list[tuple[str, bool]]:
        """Same as ``store.reviews.feedback_examples``."""
        return self.reviews.feedback_examples()

    def list_documents(self) -> list[Document]:
        """Same as ``store.documents.list_documents``."""
        return self.documents.list_documents()
