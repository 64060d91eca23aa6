"""The FAISS index of earlier statements: a cache of vectors that live in the database.

The index (``statements.faiss``) sits beside a manifest (``manifest.json``: model, dimension,
count, highest statement id, revision). :meth:`VectorIndex.sync` compares the manifest with the
database and either adds what is new or rebuilds from scratch; a missing, unreadable or
inconsistent file is never trusted. Both files are written to a temporary name and renamed into
place, so a crash leaves the previous version, never half a file.

Vectors are unit length and searched by inner product, so scores are cosine similarities.
Results carry statement ids (FAISS ``IndexIDMap2``), never FAISS row numbers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from claims.errors import IndexCacheError, InvalidValueError
from index.atomic import atomic_write, atomic_write_text

__all__ = ["VectorSource", "Manifest", "VectorIndex", "SyncReport"]

INDEX_FILE = "statements.faiss"
MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1


class VectorSource(Protocol):
    """The database side (``Store.statements``): how many statements there are and their vectors in id order."""

    def statement_stats(self) -> tuple[int, int]:
        """(count, highest id) of all statements."""
        ...

    def count_statements_upto(self, max_id: int) -> int: ...

    def statement_vectors(self, model: str, after_id: int = 0,
                          batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batches of (ids int64, vectors float32) for statements with id > after_id."""
        ...


@dataclass(frozen=True)
class Manifest:
    """What the saved index holds; compared with the database on every sync."""

    model: str
    dim: int
    count: int
    max_id: int
    revision: int
    version: int = MANIFEST_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: ``rebuilt`` and why, and how many vectors it added."""

    rebuilt: bool
    reason: str | None
    added: int


class VectorIndex:
    """A thread-safe FAISS inner-product index keyed by statement id, persisted in ``folder``."""

    def __init__(self, folder: Path, model: str, dim: int) -> None:
        self.folder = Path(folder)
        self.model = model
        self.dim = dim
        self._lock = threading.RLock()
        self._index = self._empty()
        self._max_id = 0
        self._revision = 0

    def _empty(self) -> faiss.IndexIDMap2:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    @property
    def index_path(self) -> Path:
        return self.folder / INDEX_FILE

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_FILE

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def revision(self) -> int:
        """Goes up whenever the index changes; a cheap cache key for the UI."""
        return self._revision

    def manifest(self) -> Manifest:
        return Manifest(self.model, self.dim, self.count, self._max_id, self._revision)

    # -- persistence -------------------------------------------------------------------------

    def _load_saved(self) -> str | None:
        """Load the saved index if it can be trusted; otherwise return why not."""
        if not self.manifest_path.exists() or not self.index_path.exists():
            return "no saved index"
        try:
            raw = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            manifest = Manifest(**raw)
        except (OSError, ValueError, TypeError) as exc:
            return f"unreadable manifest ({exc.__class__.__name__})"
        if manifest.version != MANIFEST_VERSION:
            return f"manifest version {manifest.version}"
        if manifest.model != self.model or manifest.dim != self.dim:
            return f"index built for {manifest.model}/{manifest.dim}, need {self.model}/{self.dim}"
        try:
            index = faiss.read_index(str(self.index_path))
        except Exception as exc:  # faiss raises RuntimeError with a C++ message
            return f"unreadable index file ({str(exc).splitlines()[0][:80]})"
        if index.d != self.dim or index.ntotal != manifest.count:
            return f"index holds {index.ntotal} vectors, manifest says {manifest.count}"
        self._index = index
        self._max_id = manifest.max_id
        self._revision = manifest.revision
        return None

    def save(self) -> None:
        """Write index then manifest, each atomically; the manifest is what makes a save count."""
        with self._lock:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                atomic_write(self.index_path, lambda tmp: faiss.write_index(self._index, tmp))
                atomic_write_text(self.manifest_path, self.manifest().to_json())
            except OSError as exc:
                raise IndexCacheError(f"cannot write the index to {self.folder}: {exc}") from exc

    # -- keeping up with the database --------------------------------------------------------

    def sync(self, source: VectorSource, *, save: bool = True) -> SyncReport:
        """Bring the index up to date with the database: load, catch up, or rebuild."""
        with self._lock:
            reason: str | None = None
            if self.count == 0 and self._max_id == 0:
                reason = self._load_saved()
                if reason == "no saved index":
                    reason = None if source.statement_stats()[0] == 0 else "no saved index"
            if reason is None:
                expected = source.count_statements_upto(self._max_id)
                if expected != self.count:
                    reason = f"database has {expected} statements up to id {self._max_id}, index {self.count}"
            if reason is not None:
                self._index = self._empty()
                self._max_id = 0
            added = self._add_from(source, self._max_id)
            if added or reason is not None:
                self._revision += 1
                if save:
                    self.save()
            return SyncReport(rebuilt=reason is not None, reason=reason, added=added)

    def rebuild(self, source: VectorSource) -> SyncReport:
        """Throw the cache away and rebuild it from the database's vectors."""
        with self._lock:
            self._index = self._empty()
            self._max_id = 0
            added = self._add_from(source, 0)
            self._revision += 1
            self.save()
            return SyncReport(rebuilt=True, reason="asked to rebuild", added=added)

    def _add_from(self, source: VectorSource, after_id: int) -> int:
        added = 0
        for ids, vectors in source.statement_vectors(self.model, after_id):
            self.add(ids, vectors)
            added += len(ids)
        return added

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add unit vectors under their statement ids (ids must be new and increasing)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(ids) != len(vectors):
            raise InvalidValueError(
                f"expected {len(ids)} vectors of dimension {self.dim}, got shape {vectors.shape}")
        if len(ids) == 0:
            return
        with self._lock:
            self._index.add_with_ids(vectors, ids)
            self._max_id = max(self._max_id, int(ids.max()))

    # -- search ------------------------------------------------------------------------------

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to ``k`` (statement id, cosine similarity), best first."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None, :]
        if queries.shape[1] != self.dim:
            raise InvalidValueError(f"query vectors must have dimension {self.dim}, got {queries.shape[1]}")
        if k < 1:
            raise InvalidValueError(f"k must be at least 1, got {k}")
        with self._lock:
            if self.count == 0:
                return [[] for _ in range(len(queries))]
            scores, ids = self._index.search(queries, min(k, self.count))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i != -1]
            for row_ids, row_scores in zip(ids, scores)
        ]
