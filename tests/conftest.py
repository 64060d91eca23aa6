"""Shared fixtures: the real model (once per session), SQLite workspaces in tmp_path, PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from claims.settings import Settings, load_settings  # noqa: E402
from claims.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED_ARTICLE = SHARED / "seed" / "article.txt"
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


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store(settings.db_url)
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


@pytest.fixture
def seed_text() -> str:
    if not SEED_ARTICLE.exists():
        pytest.skip("../shared/seed/article.txt is absent")
    return SEED_ARTICLE.read_text(encoding="utf-8")
