"""Shared fixtures: the real model (once per session), SQLite workspaces in tmp_path, PostgreSQL.

The real embedding model is for tests marked ``slow`` only: ``make test-fast`` runs
``-m "not slow and not browser"`` and must load no model. The hooks at the end enforce it: a test
not marked slow (or browser) fails if it asks for the ``embedder`` fixture or constructs
``index.embed.Embedder``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
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
PG_URL = os.environ.get("CLAIMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


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
    """The real all-MiniLM-L6-v2, loaded once for the whole run."""
    from index.embed import Embedder

    return Embedder()


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"db_url": f"sqlite:///{tmp_path / 'ws.db'}", "index_dir": str(tmp_path / "index")},
                         environ={})


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
    """A fresh PostgreSQL schema for one test; skipped when no server answers."""
    import sqlalchemy as sa

    schema = f"claimdesk_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server, no driver: this test cannot run here
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


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
