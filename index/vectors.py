"""The FAISS index of earlier statements: a cache of vectors that live in the database.

The index (``statements.faiss``) sits beside a manifest (``manifest.json``: model, dimension,
index kind, count, highest statement id, revision, tombstones). :meth:`VectorIndex.sync` compares
the manifest with the database and either adds what is new or rebuilds from scratch; a missing,
unreadable or inconsistent file is never trusted. Both files are written to a temporary name and
renamed into place, so a crash leaves the previous version, never half a file.

Vectors are unit length and searched by inner product, so scores are cosine similarities.
Results carry statement ids (FAISS ``IndexIDMap2``), never FAISS row numbers.

The kind of index follows the size of the archive (:func:`index_kind`):

- below ``hnsw_threshold`` vectors (50,000 by default), ``flat``: an exact ``IndexFlatIP``.
  A query costs a scan of every vector (about 60 ms at a million on two cores);
- from there on, ``hnsw``: an ``IndexHNSWFlat`` graph (M = 32) searched with ``ef_search``
  candidates (512), approximate: 2-3 ms at a million vectors, keeping 0.96 of the exact ten nearest
  (``claimdesk bench speed`` and ``benchmarks/bench_search.py`` measure it). A flat index that grows
  past the threshold is converted once, from its own vectors.

FAISS's HNSW cannot remove a vector. A statement deleted from the database is therefore a
tombstone: its id is kept in the manifest and filtered out at search time (an ``IDSelectorNot``
inside the graph search, so ``k`` live results still come back); once tombstones exceed
``max_tombstone_share`` of the index, it is rebuilt from its own live vectors. The flat index
removes deleted ids outright.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import faiss
import numpy as np

from claims.errors import IndexCacheError, InvalidValueError
from index.atomic import atomic_write, atomic_write_text, remove_stale_temporaries

__all__ = ["VectorSource", "DeletionAwareSource", "Manifest", "VectorIndex", "SyncReport", "index_kind",
           "FLAT", "HNSW", "DEFAULT_HNSW_THRESHOLD"]

INDEX_FILE = "statements.faiss"
MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 3

FLAT = "flat"
HNSW = "hnsw"
DEFAULT_HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
# At a million real-model vectors (benchmarks/bench_search.py; docs/BENCHMARKS.md, "Search at 1M with the real
# model"), efSearch 128 kept 0.893 of the exact ten nearest and lost 8.6 in 100 CLEF tweets' fact-checks from the
# hundred the matcher fuses (0.772 against exact 0.858); 512 keeps 0.961 and loses 4.6 in 100, for about 2 ms
# more per search, against a click of 57-70 ms at that size. At 40,521 vectors 128 already reached 0.993.
DEFAULT_EF_SEARCH = 512
DEFAULT_MAX_TOMBSTONE_SHARE = 0.1


SINGLE_THREAD_QUERIES = 4
"""Searches of at most this many queries run on one OpenMP thread."""


def index_kind(count: int, hnsw_threshold: int = DEFAULT_HNSW_THRESHOLD) -> str:
    """The kind of index for ``count`` vectors: exact ``flat`` below the threshold, ``hnsw`` from it on."""
    return HNSW if count >= hnsw_threshold else FLAT


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


@runtime_checkable
class DeletionAwareSource(Protocol):
    """A source that can list its ids: rows deleted from it become tombstones instead of a rebuild."""

    def statement_ids_upto(self, max_id: int) -> np.ndarray:
        """The ids (int64) of all statements with id <= max_id."""
        ...


def _file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 8 MB blocks (an index can be over a gigabyte)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        for block in iter(lambda: fp.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What the saved index holds; compared with the database on every sync.

    ``count`` is the live vectors (the file holds ``count + len(deleted)``); ``deleted`` the
    tombstoned statement ids, sorted.
    """

    model: str
    dim: int
    count: int
    max_id: int
    revision: int
    kind: str = FLAT
    deleted: tuple[int, ...] = ()
    version: int = MANIFEST_VERSION
    sha256: str = ""
    """Of the index file as written: a file changed since (even in place, at the same size) is rebuilt."""

    def to_json(self) -> str:
        values = dict(self.__dict__)
        values["deleted"] = list(self.deleted)
        return json.dumps(values, indent=2, sort_keys=True)


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: ``rebuilt`` and why, how many vectors it added and how many it removed."""

    rebuilt: bool
    reason: str | None
    added: int
    removed: int = field(default=0)


def _vectors_of(index: faiss.IndexIDMap2) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) stored in an ID-mapped flat or HNSW-flat index, in insertion order."""
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    inner = faiss.downcast_index(index.index)
    storage = faiss.downcast_index(inner.storage) if isinstance(inner, faiss.IndexHNSW) else inner
    vectors = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d)
    return ids, np.array(vectors, dtype=np.float32).reshape(storage.ntotal, storage.d)


class VectorIndex:
    """A thread-safe FAISS inner-product index keyed by statement id, persisted in ``folder``.

    ``hnsw_threshold`` is the size from which the graph index is used (see the module docstring),
    ``ef_search`` the graph's search breadth, ``max_tombstone_share`` the share of deleted
    vectors that triggers a rebuild of the graph.
    """

    def __init__(self, folder: Path, model: str, dim: int, *, hnsw_threshold: int = DEFAULT_HNSW_THRESHOLD,
                 ef_search: int = DEFAULT_EF_SEARCH,
                 max_tombstone_share: float = DEFAULT_MAX_TOMBSTONE_SHARE) -> None:
        if hnsw_threshold < 1 or ef_search < 1 or not 0.0 < max_tombstone_share < 1.0:
            raise InvalidValueError("hnsw_threshold and ef_search must be positive, max_tombstone_share in (0, 1)")
        self.folder = Path(folder)
        self.model = model
        self.dim = dim
        self.hnsw_threshold = hnsw_threshold
        self.ef_search = ef_search
        self.max_tombstone_share = max_tombstone_share
        self._lock = threading.RLock()
        self._kind = FLAT
        self._index = self._empty(FLAT)
        self._deleted: set[int] = set()
        self._selector: faiss.IDSelector | None = None
        self._selector_parts: tuple[object, ...] = ()
        self._max_id = 0
        self._revision = 0
        self._saved_revision: int | None = None
        self._verified_at: float | None = None  # time.monotonic() of the last full sync
        if self.folder.is_dir():
            remove_stale_temporaries(self.folder)  # left by a save that was killed

    def _empty(self, kind: str) -> faiss.IndexIDMap2:
        if kind == HNSW:
            graph = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            graph.hnsw.efSearch = self.ef_search
            return faiss.IndexIDMap2(graph)
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _reset(self, kind: str) -> None:
        self._kind = kind
        self._index = self._empty(kind)
        self._deleted = set()
        self._selector = None
        self._max_id = 0

    @property
    def index_path(self) -> Path:
        return self.folder / INDEX_FILE

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST_FILE

    @property
    def kind(self) -> str:
        """``flat`` (exact) or ``hnsw`` (graph); see :func:`index_kind`."""
        return self._kind

    @property
    def count(self) -> int:
        """Live vectors: those stored, less the tombstoned."""
        return int(self._index.ntotal) - len(self._deleted)

    @property
    def tombstones(self) -> int:
        return len(self._deleted)

    @property
    def revision(self) -> int:
        """Goes up whenever the index changes; a cheap cache key for the UI."""
        return self._revision

    def manifest(self) -> Manifest:
        return Manifest(self.model, self.dim, self.count, self._max_id, self._revision, self._kind,
                        tuple(sorted(self._deleted)))

    # -- persistence -------------------------------------------------------------------------

    def _load_saved(self) -> str | None:
        """Load the saved index if it can be trusted; otherwise return why not."""
        if not self.manifest_path.exists() or not self.index_path.exists():
            return "no saved index"
        try:
            raw = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            raw["deleted"] = tuple(int(i) for i in raw.get("deleted", ()))
            manifest = Manifest(**raw)
        except (OSError, ValueError, TypeError) as exc:
            return f"unreadable manifest ({exc.__class__.__name__})"
        if manifest.version != MANIFEST_VERSION:
            return f"manifest version {manifest.version}"
        if manifest.model != self.model or manifest.dim != self.dim:
            return f"index built for {manifest.model}/{manifest.dim}, need {self.model}/{self.dim}"
        if manifest.kind not in (FLAT, HNSW):
            return f"unknown index kind {manifest.kind!r}"
        try:
            if _file_sha256(self.index_path) != manifest.sha256:
                return "the index file changed since its manifest was written (checksum)"
        except OSError as exc:
            return f"unreadable index file ({exc.__class__.__name__})"
        try:
            index = faiss.read_index(str(self.index_path))
        except Exception as exc:  # faiss raises RuntimeError with a C++ message
            return f"unreadable index file ({str(exc).splitlines()[0][:80]})"
        if not isinstance(index, faiss.IndexIDMap2):
            return "index file is not keyed by statement id"
        is_graph = isinstance(faiss.downcast_index(index.index), faiss.IndexHNSW)
        if is_graph != (manifest.kind == HNSW):
            return f"index file is not of the {manifest.kind} kind its manifest says"
        if index.d != self.dim or index.ntotal != manifest.count + len(manifest.deleted):
            return f"index holds {index.ntotal} vectors, manifest says {manifest.count}"
        if is_graph:
            faiss.downcast_index(index.index).hnsw.efSearch = self.ef_search
        self._index = index
        self._kind = manifest.kind
        self._deleted = set(manifest.deleted)
        self._selector = None
        self._max_id = manifest.max_id
        self._revision = manifest.revision
        self._saved_revision = manifest.revision
        return None

    def save(self) -> None:
        """Write index then manifest, each atomically; the manifest is what makes a save count.

        Nothing is written when the index has not changed since it was loaded or last saved (a
        million-vector graph is over a gigabyte).
        """
        with self._lock:
            if self._saved_revision == self._revision and self.index_path.exists() and self.manifest_path.exists():
                return
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                digest: list[str] = []

                def write_index(tmp: str) -> None:
                    faiss.write_index(self._index, tmp)
                    digest.append(_file_sha256(Path(tmp)))

                atomic_write(self.index_path, write_index)
                manifest = dataclasses.replace(self.manifest(), sha256=digest[0])
                atomic_write_text(self.manifest_path, manifest.to_json())
            except OSError as exc:
                raise IndexCacheError(f"cannot write the index to {self.folder}: {exc}") from exc
            self._saved_revision = self._revision

    # -- keeping up with the database --------------------------------------------------------

    def sync(self, source: VectorSource, *, save: bool = True) -> SyncReport:
        """Bring the index up to date with the database: load, catch up, or rebuild.

        Rows deleted from the database are tombstoned when ``source`` can list its ids
        (:class:`DeletionAwareSource`); otherwise, or when the index lacks rows it should hold,
        the index is rebuilt from the database.
        """
        with self._lock:
            reason: str | None = None
            removed = 0
            if self.count == 0 and self._max_id == 0 and not self._deleted:
                reason = self._load_saved()
                if reason == "no saved index":
                    reason = None if source.statement_stats()[0] == 0 else "no saved index"
            if reason is None:
                expected = source.count_statements_upto(self._max_id)
                if expected != self.count:
                    reason = f"database has {expected} statements up to id {self._max_id}, index {self.count}"
                    if expected < self.count and isinstance(source, DeletionAwareSource):
                        removed = self._tombstone_missing(source, expected)
                        reason = None if removed else reason
            if reason is not None:
                removed = 0
                self._reset(index_kind(source.statement_stats()[0], self.hnsw_threshold))
            added = self._add_from(source, self._max_id)
            changed = self._fit_kind()
            if added or removed or changed or reason is not None:
                self._revision += 1
                if save:
                    self.save()
            self._verified_at = time.monotonic()
            return SyncReport(rebuilt=reason is not None, reason=reason, added=added, removed=removed)

    def catch_up(self, source: VectorSource, *, verify_every_s: float = 60.0) -> SyncReport:
        """The sync of a busy reader (the matcher, once per click): add the statements newer than the
        newest held, and run the full :meth:`sync` (which counts the table to find deletions and rows
        committed late under a lower id) only when the last full one is older than ``verify_every_s``.

        Adding by id range costs an index lookup whatever the archive's size; the count it skips
        reads the whole table (a quarter of a second at a million statements on SQLite).
        """
        with self._lock:
            if self._verified_at is None or time.monotonic() - self._verified_at >= verify_every_s:
                return self.sync(source, save=False)
            added = self._add_from(source, self._max_id)
            if added:
                self._revision += 1
                self._fit_kind()
            return SyncReport(rebuilt=False, reason=None, added=added)

    def rebuild(self, source: VectorSource) -> SyncReport:
        """Throw the cache away and rebuild it from the database's vectors."""
        with self._lock:
            self._reset(index_kind(source.statement_stats()[0], self.hnsw_threshold))
            added = self._add_from(source, 0)
            self._revision += 1
            self.save()
            return SyncReport(rebuilt=True, reason="asked to rebuild", added=added)

    def _tombstone_missing(self, source: DeletionAwareSource, expected: int) -> int:
        """Remove (flat) or tombstone (hnsw) the ids the database no longer has; 0 if that cannot reconcile."""
        live = np.asarray(source.statement_ids_upto(self._max_id), dtype=np.int64)
        held = self._live_ids()
        gone = np.setdiff1d(held, live)
        if len(live) != expected or len(np.setdiff1d(live, held)):
            return 0
        self._remove(gone)
        return len(gone)

    def remove(self, ids: np.ndarray) -> int:
        """Take statement ids out of the index (tombstones in the graph); returns how many were held."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        with self._lock:
            present = ids[np.isin(ids, self._live_ids())]
            if len(present):
                self._remove(present)
                self._revision += 1
            return len(present)

    def _dead(self) -> np.ndarray:
        return np.fromiter(self._deleted, dtype=np.int64, count=len(self._deleted))

    def _live_ids(self) -> np.ndarray:
        held = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return held[~np.isin(held, self._dead())] if self._deleted else held

    def _remove(self, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if self._kind == FLAT:
            self._index.remove_ids(faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64)))
        else:
            self._deleted.update(int(i) for i in ids)
            self._selector = None
        self._fit_kind()

    def _fit_kind(self) -> bool:
        """Convert or compact the index when its size or its tombstones ask for it; True if it did."""
        want = index_kind(self.count, self.hnsw_threshold)
        too_many_dead = self._deleted and len(self._deleted) > self.max_tombstone_share * self._index.ntotal
        if want == HNSW and self._kind == FLAT:
            self._rebuild_from_own(HNSW)
            return True
        if too_many_dead:
            self._rebuild_from_own(want)
            return True
        return False

    def _rebuild_from_own(self, kind: str) -> None:
        """Rebuild from the vectors this index holds (no database round trip), without the tombstoned."""
        ids, vectors = _vectors_of(self._index)
        if self._deleted:
            keep = ~np.isin(ids, self._dead())
            ids, vectors = ids[keep], vectors[keep]
        max_id = self._max_id
        self._reset(kind)
        self._index.add_with_ids(vectors, ids)
        self._max_id = max_id

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

    def _search_params(self) -> faiss.SearchParameters | None:
        if self._kind != HNSW:
            return None
        params = faiss.SearchParametersHNSW()
        params.efSearch = self.ef_search
        if self._deleted:
            if self._selector is None:
                batch = faiss.IDSelectorBatch(np.fromiter(sorted(self._deleted), dtype=np.int64))
                self._selector = faiss.IDSelectorNot(batch)
                self._selector_parts = (batch,)  # the C++ selector points into it: keep it alive
            params.sel = self._selector
        return params

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
            params = self._search_params()
            if len(queries) <= SINGLE_THREAD_QUERIES:
                # A reviewer's click asks for one query: OpenMP's thread start-up and spinning cost more
                # than they give (53 ms against 5 ms at 19k vectors on a busy 2-core machine).
                threads = faiss.omp_get_max_threads()
                faiss.omp_set_num_threads(1)
                try:
                    scores, ids = self._index.search(queries, min(k, self.count), params=params)
                finally:
                    faiss.omp_set_num_threads(threads)
            else:
                scores, ids = self._index.search(queries, min(k, self.count), params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i != -1]
            for row_ids, row_scores in zip(ids, scores)
        ]
