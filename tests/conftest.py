"""Shared fixtures: the real model (once per session), SQLite workspaces in tmp_path, PostgreSQL.

The real embedding model is for tests marked ``slow`` only: ``make test-fast`` runs
``-m "not slow and not browser"`` and must load no model. The hooks at the end enforce it: a test
not marked slow (or browser) fails if it asks for the ``embedder`` fixture or constructs
``index.embed.Embedder``.

The workspace database of the ``settings`` / ``store`` / ``workspace`` fixtures is a SQLite file in
``tmp_path``; with ``CLAIMDESK_TEST_DB=postgresql`` (``make test-pg``) it is a fresh schema of the
PostgreSQL server at ``CLAIMDESK_TEST_PG`` instead, for every test that uses them, and a server that
does not answer fails those tests rather than skipping them. The tests that use none of these
fixtures (no database, or a SQLite file of their own: backups, WAL, the CLI's data folder) would
repeat the SQLite pass word for word, so a run on PostgreSQL deselects them and says how many.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from importlib import resources

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from claims.settings import Settings, load_settings  # noqa: E402
from claims.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BENCH = SHARED / "bench"
# One ONNX export for the whole run (and kept between runs), not one per temporary workspace.
os.environ.setdefault("CLAIMDESK_MODELS_DIR", str(REPO / ".claimdesk" / "models"))
MODEL_ENV = ("CLAIMDESK_EMBED_BACKEND", "CLAIMDESK_MODELS_DIR")


def model_environ() -> dict[str, str]:
    """The environment's model settings (backend, export folder), for settings built with an explicit
    ``environ``: ``CLAIMDESK_EMBED_BACKEND=torch make test`` runs everything on torch."""
    return {name: os.environ[name] for name in MODEL_ENV if name in os.environ}


PG_URL = os.environ.get("CLAIMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_DB = os.environ.get("CLAIMDESK_TEST_DB", "sqlite").strip().lower() or "sqlite"
if TEST_DB not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"CLAIMDESK_TEST_DB must be sqlite or postgresql, got {TEST_DB!r}")
ON_POSTGRES = TEST_DB == "postgresql"
"""The run's workspace fixtures use PostgreSQL (``CLAIMDESK_TEST_DB=postgresql``)."""


class HashEmbedder:
    """A deterministic stand-in for plumbing tests: bag-of-words vectors hashed into 64 dims."""

    name = "hash-embedder"
    dim = 64

    def __init__(self) -> None:
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        self.texts_encoded += len(texts)
        return out


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 on the configured backend (``onnx-int8`` by default), loaded once for the run."""
    from index.embed import Embedder

    return Embedder.from_settings(load_settings({}, environ=model_environ()))


@pytest.fixture(autouse=True)
def _close_the_apps_workspaces() -> Iterator[None]:
    """After a test that ran the app in-process (AppTest): close the workspaces the app opened, as a
    server does when it drops one, so each test's connections (a PostgreSQL schema's pool) end with it
    instead of piling up until the server refuses clients."""
    yield
    ui_resources = sys.modules.get("ui.resources")
    if ui_resources is not None:
        ui_resources.wait_until_warm(180)  # a background load still using a workspace finishes first
        ui_resources._open_workspace.clear()  # on_release closes each workspace


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def workspace_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of this test's workspace: ``ws.db`` in tmp_path, or a fresh PostgreSQL schema
    when the run is on PostgreSQL (``CLAIMDESK_TEST_DB=postgresql``)."""
    if ON_POSTGRES:
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'ws.db'}"


@pytest.fixture
def settings(workspace_db_url: str, tmp_path: Path) -> Settings:
    """The settings of this test's workspace; the FAISS cache is always in tmp_path."""
    return load_settings({"db_url": workspace_db_url, "index_dir": str(tmp_path / "index")},
                         environ=model_environ())


# The users every workspace fixture knows: verdicts are signed by users (claims.users).
TEST_PASSWORD = "correct horse battery"
TEST_USERS = (("ana", "reviewer"), ("ben", "reviewer"), ("cai", "reviewer"), ("Dana Ortiz", "admin"),
              ("admin", "admin"))


@functools.cache
def _test_password_hash() -> str:
    from claims.users import hash_password

    return hash_password(TEST_PASSWORD)  # Argon2 is slow by design: hash once per run


def add_test_users(store: Store) -> None:
    """Add :data:`TEST_USERS` (password :data:`TEST_PASSWORD`) to a workspace database, once."""
    from claims.users import Role

    with store.transaction() as conn:
        for name, role in TEST_USERS:
            if store.users.by_name(name) is None:
                store.users.add(conn, name=name, role=Role(role), password_hash=_test_password_hash())


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store(settings.db_url)
    add_test_users(s)
    yield s
    s.dispose()


@pytest.fixture
def workspace(settings: Settings, store: Store, embedder):
    from claims.workspace import Workspace

    ws = Workspace(settings, store=store, embedder=embedder)
    yield ws
    ws.close()


@pytest.fixture
def fake_workspace(settings: Settings, store: Store, fake_embedder: HashEmbedder):
    from claims.workspace import Workspace

    ws = Workspace(settings, store=store, embedder=fake_embedder)
    yield ws
    ws.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test (its URL sets ``search_path``), dropped afterwards.

    Skipped when no server answers, except in a run on PostgreSQL, where that is a failure.
    """
    try:
        schema = _create_schema()
    except Exception as exc:  # no server, no driver: this test cannot run here
        message = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        if ON_POSTGRES:
            pytest.fail(f"CLAIMDESK_TEST_DB=postgresql, but {message}", pytrace=False)
        pytest.skip(message)
    yield _schema_url(schema)
    _drop_schemas([schema])


def _create_schema() -> str:
    """A new, empty schema of the test server, by name."""
    import sqlalchemy as sa

    schema = f"claimdesk_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    return schema


def _schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop_schemas(schemas: Iterable[str]) -> None:
    """Drop test schemas, one transaction each (a drop locks every table it drops). A connection a test
    left open inside a transaction would block a drop for ever: wait a little, then leave that schema
    (its name says it is a test's) rather than hang the run."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        for schema in schemas:
            try:
                with engine.begin() as conn:
                    conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            except sa.exc.SQLAlchemyError as exc:
                warnings.warn(f"left the test schema {schema} behind: {str(exc).splitlines()[0]}", stacklevel=1)
    finally:
        engine.dispose()


_FOLDER_SCHEMAS: dict[str, str] = {}


def database_url_for(folder: Path) -> str | None:
    """On PostgreSQL: the URL of a fresh schema that stands for the workspace in ``folder`` (the app's
    or the CLI's data folder), the same for every call with that folder; on SQLite: None, the folder's
    own ``claimdesk.db``. The schemas are dropped at the end of the run."""
    if not ON_POSTGRES:
        return None
    key = str(Path(folder).resolve())
    if key not in _FOLDER_SCHEMAS:
        _FOLDER_SCHEMAS[key] = _create_schema()
    return _schema_url(_FOLDER_SCHEMAS[key])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _FOLDER_SCHEMAS:
        _drop_schemas(_FOLDER_SCHEMAS.values())


@functools.cache
def _packaged_seed_article() -> str:
    return resources.files("claims.demo").joinpath("article.txt").read_text(encoding="utf-8")


@pytest.fixture
def seed_text() -> str:
    """The seed article as shipped in the package (``claims/demo/article.txt``): present on every clone."""
    return _packaged_seed_article()


# -- no model outside slow tests ------------------------------------------------------------------

# Successful constructions of the real Embedder in this process (counted by the wrapper below).
_real_model_loads = 0


def _count_real_model_loads() -> None:
    """Wrap ``Embedder.__init__`` once so every model actually loaded in this process is counted.

    Only a construction that returns counts: refusing a corrupt or missing model folder loads nothing.
    """
    from index.embed import Embedder

    original = Embedder.__init__
    if getattr(original, "_counts_model_loads", False):
        return

    @functools.wraps(original)
    def counted(self, *args, **kwargs) -> None:
        global _real_model_loads
        original(self, *args, **kwargs)
        _real_model_loads += 1

    counted._counts_model_loads = True  # type: ignore[attr-defined]
    Embedder.__init__ = counted  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _count_real_model_loads()


# Fixtures through which a test's workspace database is chosen by CLAIMDESK_TEST_DB.
_DATABASE_FIXTURES = frozenset({"workspace_db_url", "pg_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL: run the tests whose database the fixtures choose; the others would only repeat
    the SQLite pass word for word (they use no database, or make their own SQLite file), so they
    are deselected, and the header says how many."""
    if not ON_POSTGRES:
        return
    kept, repeated = [], []
    for item in items:
        follows = not _DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())) \
            or item.get_closest_marker("workspace_db") is not None
        (kept if follows else repeated).append(item)
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = kept
    config.stash[_repeated_key] = len(repeated)


_repeated_key = pytest.StashKey[int]()


def pytest_report_header(config: pytest.Config) -> str:
    if not ON_POSTGRES:
        return "workspace fixtures on: sqlite (CLAIMDESK_TEST_DB=postgresql for PostgreSQL)"
    return (f"workspace fixtures on: postgresql ({PG_URL}); tests that use no workspace fixture "
            "are deselected (they ran in the SQLite pass)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    repeated = config.stash.get(_repeated_key, 0)
    if ON_POSTGRES and repeated:
        terminalreporter.write_line(f"PostgreSQL pass: {repeated} tests use no workspace fixture and were "
                                    "deselected (same as the SQLite pass)")


def _may_load_the_model(item: pytest.Item) -> bool:
    # Browser tests are out of test-fast too: they drive the real app, model and all.
    return item.get_closest_marker("slow") is not None or item.get_closest_marker("browser") is not None


def _refuse_model_loads(item: pytest.Item, before: int, phase: str) -> None:
    if not _may_load_the_model(item) and _real_model_loads > before:
        pytest.fail(f"{item.nodeid} loaded the real embedding model (index.embed.Embedder) during {phase}; "
                    "mark it slow or pass a fake embedder", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    # The session-scoped model may already be loaded by an earlier slow test, so asking for it is
    # refused outright, not only when this setup happens to construct it.
    if not _may_load_the_model(item) and "embedder" in getattr(item, "fixturenames", ()):
        pytest.fail(f"{item.nodeid} uses the real model (fixture 'embedder'); mark it slow or use "
                    "fake_embedder / fake_workspace", pytrace=False)
    before = _real_model_loads
    result = yield
    _refuse_model_loads(item, before, "setup")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    before = _real_model_loads
    result = yield
    _refuse_model_loads(item, before, "the test")
    return result
