"""Schema migrations: how a workspace database reaches the schema of ``claims/store/schema.py``.

The revisions are Alembic scripts in ``versions/`` and ship inside the package; Alembic is driven
from here with a :class:`~alembic.config.Config` built in code (``script_location`` is this folder),
so no ``alembic.ini`` is needed in the working directory. Opening a :class:`~claims.store.Store`
calls :func:`ensure_schema`:

- a database at :data:`HEAD` is used as it is (one small query; Alembic is not even imported);
- a new, empty database is upgraded to :data:`HEAD` (the baseline creates every table);
- a database made before migrations (``claimdesk_meta`` says schema_version "1", no
  ``alembic_version``) is adopted: the baseline creates only the tables it lacks and records itself,
  then the later revisions run;
- a database at an older revision is upgraded; one at a revision this code does not know (a newer
  claimdesk upgraded it) is refused with a :class:`~claims.errors.StoreError` naming the revision.

Several processes may open a new database at once: the upgrade runs in one transaction that first
takes a lock (PostgreSQL: a transaction-scoped advisory lock per schema; SQLite: ``BEGIN IMMEDIATE``),
and re-reads the revision once it holds it, so the second process finds the work done.

``Store(url, create=False)`` writes nothing: it refuses a database that is not at :data:`HEAD`
(or its legacy equivalent) instead of upgrading it. ``claimdesk db upgrade`` / ``claimdesk db current``
(:mod:`claims.dbcli`) run the same functions by hand; ``--sql`` prints the upgrade for a DBA.

A schema change is a new revision here (``claimdesk db revision -m "…"`` writes its first draft from
the difference between a head-migrated database and ``schema.py``) and a new :data:`HEAD`;
``tests/test_migrations.py`` fails while the two disagree.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from claims.errors import StoreError
from claims.store.base import wal_mode

if TYPE_CHECKING:  # Alembic is imported only when a database is not at HEAD
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "HEAD",
    "BASELINE",
    "SchemaState",
    "alembic_config",
    "schema_state",
    "ensure_schema",
    "upgrade",
    "upgrade_sql",
    "new_revision",
]

HEAD = "0003"
"""The newest revision in ``versions/`` (a test checks it against Alembic's own head)."""

BASELINE = "0001"
"""The revision a database made before migrations is adopted at."""

LEGACY_SCHEMA_VERSION = "1"
"""What ``claimdesk_meta.schema_version`` said before migrations."""

VERSION_TABLE = "alembic_version"

_HERE = Path(__file__).resolve().parent
# claimdesk's tables as the baseline creates them (a frozen list: not schema.py's, which moves on).
_BASELINE_TABLES = frozenset({"claimdesk_meta", "documents", "sentences", "imports", "statements", "embeddings",
                              "reviews", "detector_feedback", "match_judgements", "users", "user_sessions",
                              "audit"})
# "clmd": the first key of the PostgreSQL advisory lock; the second is the schema's name hashed.
_PG_LOCK_KEY = 0x636C6D64
# Alembic keeps the migration context in module globals: one migration at a time per process.
_process_lock = threading.Lock()


@dataclass(frozen=True)
class SchemaState:
    """Where one database stands: the revision it records and what else it holds."""

    revision: str | None
    """The revision in ``alembic_version``; None when there is no such table (new or legacy)."""
    legacy_version: str | None
    """``claimdesk_meta.schema_version`` when there is no ``alembic_version`` (made before migrations)."""
    tables: frozenset[str]
    """claimdesk's tables (of the baseline's) present in the database."""
    known: bool
    """Whether this code has the recorded revision (False: a newer claimdesk upgraded it)."""

    @property
    def current(self) -> bool:
        """The database has the schema this code expects, without writing anything."""
        if self.revision is not None:
            return self.revision == HEAD
        return self.legacy_version == LEGACY_SCHEMA_VERSION and BASELINE == HEAD and \
            self.tables >= _BASELINE_TABLES

    def describe(self) -> str:
        """Where it stands, in words that follow "the database is" (``claimdesk db current``, messages)."""
        if self.revision is not None:
            if not self.known:
                return f"at revision {self.revision}, unknown to this claimdesk (its head is {HEAD})"
            return f"at revision {self.revision}" + (" (head)" if self.revision == HEAD else f" (head is {HEAD})")
        if self.legacy_version is not None:
            return (f"from before migrations (schema_version {self.legacy_version}): an upgrade adopts it at "
                    f"revision {BASELINE}, then migrates it to head ({HEAD})")
        if self.tables:
            return f"not a claimdesk workspace: tables {', '.join(sorted(self.tables))} but no claimdesk_meta"
        return f"empty: an upgrade creates the schema at revision {HEAD}"


def _escape(value: str) -> str:
    return value.replace("%", "%%")  # Config's options go through configparser interpolation


def alembic_config(connection: Connection | None = None, *, url: str | None = None,
                   adopt: bool = False, output: io.StringIO | None = None) -> Config:
    """An Alembic configuration for claimdesk's revisions, without an ``alembic.ini``.

    ``connection`` (in a transaction, lock held) is what ``env.py`` migrates; ``url`` serves offline
    (``--sql``) runs, whose SQL goes to ``output``. ``adopt`` makes the baseline create only missing tables.
    """
    from alembic.config import Config

    # Alembic's own progress lines go nowhere: the callers say what happened in their words.
    config = Config(output_buffer=output, stdout=io.StringIO())
    config.set_main_option("script_location", _escape(str(_HERE)))
    if url is not None:
        config.set_main_option("sqlalchemy.url", _escape(url))
    config.attributes["connection"] = connection
    config.attributes["adopt"] = adopt
    return config


@functools.cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def _known(revision: str) -> bool:
    return any(script.revision == revision for script in _script().walk_revisions())


def _recorded_revisions(conn: Connection) -> list[str] | None:
    """The rows of ``alembic_version``, or None when the table does not exist."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return [row[0] for row in conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def schema_state(conn: Connection) -> SchemaState:
    """Read where the database on ``conn`` stands; writes nothing."""
    revisions = _recorded_revisions(conn)
    tables = frozenset(sa.inspect(conn).get_table_names()) & _BASELINE_TABLES
    legacy = None
    if not revisions and "claimdesk_meta" in tables:
        legacy = conn.execute(sa.text("SELECT value FROM claimdesk_meta WHERE key = 'schema_version'")).scalar()
        legacy = "" if legacy is None else str(legacy)
    if revisions and len(revisions) > 1:
        raise StoreError(f"the workspace database records several schema revisions ({', '.join(revisions)}); "
                         "claimdesk's migrations are one line: repair alembic_version by hand")
    revision = revisions[0] if revisions else None
    return SchemaState(revision=revision, legacy_version=legacy if revision is None else None, tables=tables,
                       known=revision is None or revision == HEAD or _known(revision))


def _refuse_unknown(state: SchemaState, where: str) -> None:
    if not state.known:
        raise StoreError(f"the workspace database {where} is at schema revision {state.revision!r}, which this "
                         f"claimdesk does not know (its newest is {HEAD!r}): a newer claimdesk has upgraded it. "
                         "Upgrade claimdesk to open it")


def _at_head(engine: Engine) -> bool:
    """The cheap check made on every open: does ``alembic_version`` say :data:`HEAD`?"""
    with engine.connect() as conn:
        return _recorded_revisions(conn) == [HEAD]


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that holds the database's migration lock.

    PostgreSQL: ``pg_advisory_xact_lock`` keyed by the current schema, released at commit. SQLite:
    a separate connection whose transaction starts with ``BEGIN IMMEDIATE`` (the write lock, waited
    for up to 30 s), so a second process blocks until the first has committed.
    """
    with _process_lock:
        backend = engine.url.get_backend_name()
        if backend == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            locked = sa.create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})

            @sa.event.listens_for(locked, "connect")
            def _connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None  # the driver starts no transaction itself
                wal_mode(dbapi_connection)

            @sa.event.listens_for(locked, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            try:
                with locked.begin() as conn:
                    yield conn
            finally:
                locked.dispose()
            return
        with engine.begin() as conn:
            if backend == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(coalesce(current_schema(), '')))"),
                             {"key": _PG_LOCK_KEY})
            yield conn


def upgrade(engine: Engine, *, where: str | None = None) -> tuple[SchemaState, SchemaState]:
    """Bring the database to :data:`HEAD`: create it, adopt a legacy one, or run the newer revisions.

    ``where`` names the database in messages (a URL without its password). Returns the states
    before and after. Raises :class:`StoreError` for a revision this code does not know or a
    database that holds claimdesk's table names without being a claimdesk workspace.
    """
    from alembic import command
    from alembic.util import CommandError

    where = where or engine.url.render_as_string(hide_password=True)
    try:
        with _migration_lock(engine) as conn:
            before = schema_state(conn)  # read under the lock: another process may just have done it
            _refuse_unknown(before, where)
            if before.revision is None and before.legacy_version is not None:
                if before.legacy_version != LEGACY_SCHEMA_VERSION:
                    raise StoreError(f"the workspace database {where} says schema_version "
                                     f"{before.legacy_version!r}; claimdesk knows only {LEGACY_SCHEMA_VERSION!r} "
                                     "from before migrations")
                command.upgrade(alembic_config(conn, adopt=True), BASELINE)
            elif before.revision is None and before.tables:
                raise StoreError(f"the database {where} is not a claimdesk workspace: it has the tables "
                                 f"{', '.join(sorted(before.tables))} but no claimdesk_meta")
            if before.revision != HEAD:
                command.upgrade(alembic_config(conn), HEAD)
            after = schema_state(conn)
    except CommandError as exc:
        raise StoreError(f"cannot migrate the workspace database {where}: {exc}") from exc
    return before, after


def ensure_schema(engine: Engine, *, create: bool, where: str) -> None:
    """What opening a Store does: nothing at HEAD, else upgrade (``create``) or refuse (not ``create``)."""
    if _at_head(engine):
        return
    if create:
        upgrade(engine, where=where)
        return
    with engine.connect() as conn:
        state = schema_state(conn)
    _refuse_unknown(state, where)
    if not state.current:
        raise StoreError(f"the workspace database {where} is {state.describe()}; it was opened without "
                         "creating or upgrading anything: run `claimdesk db upgrade` first")


def upgrade_sql(url: str, *, since: str | None = None) -> str:
    """The SQL that upgrades a database at ``since`` (None: an empty one) to :data:`HEAD`, without running it."""
    from alembic import command

    if since is not None and since != HEAD and not _known(since):
        raise StoreError(f"no schema revision {since!r}: this claimdesk knows "
                         f"{', '.join(s.revision for s in reversed(list(_script().walk_revisions())))}")
    output = io.StringIO()
    config = alembic_config(url=url, output=output)
    with _process_lock:
        command.upgrade(config, f"{since}:{HEAD}" if since else HEAD, sql=True)
    return output.getvalue()


def new_revision(engine: Engine, message: str) -> Path:
    """Write the draft of a new revision: the difference between this database at HEAD and ``schema.py``.

    For developers: point it at a scratch database (it is upgraded to HEAD first), then read and
    edit the file it returns before committing it, and move :data:`HEAD` to its id.
    """
    from alembic import command

    upgrade(engine)
    with _migration_lock(engine) as conn, redirect_stdout(io.StringIO()):  # Alembic's "Generating …" line
        script = command.revision(alembic_config(conn), message=message, autogenerate=True)
    if not script:
        raise StoreError("nothing to draft: a database at head already has the schema of claims/store/schema.py")
    if isinstance(script, list):
        raise StoreError("Alembic wrote several revisions; claimdesk's migrations are one line")
    return Path(script.path)
