"""The trained check-worthiness detector at run time: its features, its weights, and scoring.

A sentence is check-worthy when it states a fact the public would want checked. The detector
scores it from three kinds of features:

``ngrams``      word unigrams and bigrams (lower-cased; every number becomes ``<num>``, a year
                ``<year>``, so "3.7%" and "4.1%" are the same cue), sublinear TF-IDF, L2-normalised,
                over the vocabulary stored with the weights;
``embedding``   the sentence's all-MiniLM-L6-v2 vector, the one the product already computes and
                caches for matching (:mod:`index.embed`), through any backend of that model
                (:func:`index.embed.same_model`: on int8 vectors dev F1 moves by under 0.01);
``cues``        the hand-written cues of :func:`claims.detect.cue_values` (numbers, dates, names,
                questions, promises, ...), standardised.

Two models read them: a logistic regression over all three, and a one-hidden-layer MLP over the
embedding and the cues. Their logits are averaged with weight ``mlp_weight`` and shifted so that
the decision threshold chosen on the dev set is exactly 0.5; the score is the logistic of that
(0..1, higher is more check-worthy). Only the ordering and the 0.5 cut are meaningful.

Scoring is numpy matmuls over weights stored as a ``.npz`` of plain arrays (read with
``allow_pickle=False``) and a ``.json`` of provenance: the data files and their sha256, the
command, the date, the choices and the dev F1. The weights are made by the lab
(``claimdesk train detector``, :mod:`lab.checkworthiness`), which this module never imports.

The shipped weights live in ``claims/weights/``; :func:`load_scorer` falls back to the heuristic
of :mod:`claims.detect` when they are missing, and says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from claims.detect import CUE_WEIGHTS, DEFAULT_CLAIM_THRESHOLD, HeuristicScorer, cue_values
from claims.errors import InvalidValueError, ModelError, WeightsMissingError
from index.embed import embed_cached, same_model

__all__ = [
    "WEIGHTS_DIR",
    "WEIGHTS_NPZ",
    "WEIGHTS_JSON",
    "FORMAT_VERSION",
    "WEIGHT_ARRAYS",
    "CUE_NAMES",
    "WeightsMissingError",
    "Detector",
    "DetectorScorer",
    "tokens",
    "ngram_terms",
    "ngram_rows",
    "cue_matrix",
    "load_scorer",
    "build_scorer",
]

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_NPZ = "detector.npz"
WEIGHTS_JSON = "detector.json"
FORMAT_VERSION = 1

CUE_NAMES: tuple[str, ...] = tuple(CUE_WEIGHTS)

# The arrays of detector.npz, in the order they are written.
WEIGHT_ARRAYS = ("vocabulary", "idf", "coef_ngram", "coef_embedding", "coef_cues", "intercept",
                 "cue_mean", "cue_std", "mlp_w0", "mlp_b0", "mlp_w1", "mlp_b1", "mix", "offset")


# -- features ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+(?:[.,]\d+)*|[%$€£?!]")
_YEAR = re.compile(r"(?:1[6-9]|20)\d\d")


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the n-gram features see them: lower case, numbers generalised.

    A four-digit year becomes ``<year>``, any other number ``<num>``; ``% $ € £ ? !`` are tokens.
    """
    out = []
    for tok in _TOKEN.findall(text.lower().replace("’", "'")):
        if tok[0].isdigit():
            out.append("<year>" if _YEAR.fullmatch(tok) else "<num>")
        else:
            out.append(tok)
    return out


def ngram_terms(text: str) -> list[str]:
    """Unigrams and bigrams (space-joined) of :func:`tokens`, with repeats."""
    toks = tokens(text)
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def ngram_rows(texts: Sequence[str], index: dict[str, int], idf: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per text, the vocabulary indices it uses and their sublinear TF-IDF values (unit length).

    ``index`` maps each vocabulary term to its position; terms outside it are ignored.
    """
    rows = []
    for text in texts:
        counts = Counter(i for i in (index.get(t) for t in ngram_terms(text)) if i is not None)
        idx = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        val = np.array([1.0 + math.log(counts[i]) for i in idx], dtype=np.float64) * idf[idx]
        norm = float(np.sqrt(val @ val))
        rows.append((idx, val / norm if norm else val))
    return rows


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    """The raw :func:`claims.detect.cue_values` of each text, columns in :data:`CUE_NAMES` order."""
    out = np.zeros((len(texts), len(CUE_NAMES)), dtype=np.float64)
    for r, text in enumerate(texts):
        values = cue_values(text)
        out[r] = [values[name] for name in CUE_NAMES]
    return out


# -- the detector --------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


class Detector:
    """A trained check-worthiness detector: scores sentences 0..1, a claim at or above ``threshold``.

    Build one with :meth:`load` (the shipped weights or a trained folder); the lab trains them.
    Immutable after construction, so one instance can serve many threads.
    """

    def __init__(self, arrays: dict[str, np.ndarray], provenance: dict[str, Any],
                 source: Path | None = None) -> None:
        missing = [name for name in WEIGHT_ARRAYS if name not in arrays]
        if missing:
            raise ModelError(f"detector weights {source or ''} lack arrays: {', '.join(missing)}")
        self.arrays = {name: np.asarray(arrays[name]) for name in WEIGHT_ARRAYS}
        for name in ("intercept", "mlp_b1", "mix", "offset"):
            if self.arrays[name].shape != ():
                raise ModelError(f"detector weights {source or ''}: {name} must be a single number")
        self.provenance = provenance
        self.source = source
        vocab_blob = bytes(self.arrays["vocabulary"].astype(np.uint8))
        self.vocabulary: list[str] = vocab_blob.decode("utf-8").split("\n") if vocab_blob else []
        self._index = {term: i for i, term in enumerate(self.vocabulary)}
        self.embedding_model: str = provenance.get("embedding_model", "")
        self.embedding_dim = int(self.arrays["coef_embedding"].shape[0])
        self.threshold = float(provenance.get("threshold", DEFAULT_CLAIM_THRESHOLD))
        self._check_shapes()

    def _check_shapes(self) -> None:
        a = self.arrays
        n_terms, n_cues, d = len(self.vocabulary), len(CUE_NAMES), self.embedding_dim
        expected = {
            "idf": (n_terms,), "coef_ngram": (n_terms,), "coef_cues": (n_cues,), "cue_mean": (n_cues,),
            "cue_std": (n_cues,), "mlp_w0": (d + n_cues, a["mlp_b0"].shape[0]), "mlp_w1": (a["mlp_b0"].shape[0],),
        }
        for name, shape in expected.items():
            if a[name].shape != shape:
                raise ModelError(f"detector weights {self.source or ''}: {name} has shape {a[name].shape}, "
                                 f"expected {shape}")
        if self.provenance.get("cues", list(CUE_NAMES)) != list(CUE_NAMES):
            raise ModelError("detector weights were trained on other cues than claims.detect.cue_values gives; "
                             "retrain with claimdesk train detector")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Detector:
        """The detector stored at ``path`` (a folder with detector.npz/.json, or the .npz); the shipped one by default.

        WeightsMissingError when the files are absent; ModelError when they are damaged (the
        sha256 recorded in the .json does not match the .npz, or an array is missing).
        """
        npz_path, json_path = _weight_paths(path)
        if not npz_path.is_file() or not json_path.is_file():
            absent = npz_path if not npz_path.is_file() else json_path
            raise WeightsMissingError(f"trained detector weights {absent} are missing")
        data = npz_path.read_bytes()
        try:
            provenance = json.loads(json_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"detector provenance {json_path} is not valid JSON: {exc}") from None
        if not isinstance(provenance, dict):
            raise ModelError(f"detector provenance {json_path} is not a JSON object")
        expected = provenance.get("weights_sha256")
        actual = hashlib.sha256(data).hexdigest()
        if expected != actual:
            raise ModelError(f"detector weights {npz_path} are corrupt: sha256 {actual}, expected {expected}")
        if provenance.get("format") != FORMAT_VERSION:
            raise ModelError(f"detector weights {npz_path} have format {provenance.get('format')}, "
                             f"expected {FORMAT_VERSION}; retrain with claimdesk train detector")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise ModelError(f"cannot read detector weights {npz_path}: {exc}") from None
        return cls(arrays, provenance, npz_path)

    def _embeddings(self, texts: Sequence[str], embeddings: np.ndarray | None, embedder: Any,
                    cache: Any) -> np.ndarray:
        if embeddings is None:
            if embedder is None:
                raise InvalidValueError("the detector needs sentence embeddings or an embedder to compute them")
            if self.embedding_model and not same_model(self.embedding_model, embedder):
                raise ModelError(f"the detector was trained on {self.embedding_model} embeddings, "
                                 f"not {getattr(embedder, 'name', embedder)!r}")
            if cache is not None:
                embeddings = embed_cached(list(texts), embedder, cache)
            else:
                embeddings = embedder.encode(list(texts))
        embeddings = np.asarray(embeddings, dtype=np.float64)
        if embeddings.shape != (len(texts), self.embedding_dim):
            raise InvalidValueError(f"expected embeddings of shape ({len(texts)}, {self.embedding_dim}), "
                                    f"got {embeddings.shape}")
        return embeddings

    def logits(self, texts: Sequence[str], embeddings: np.ndarray | None = None, *,
               embedder: Any = None, cache: Any = None) -> np.ndarray:
        """The ensemble's logits before the threshold shift: (logistic regression, MLP), shape (n, 2)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 2))
        a = self.arrays
        emb = self._embeddings(texts, embeddings, embedder, cache)
        cues = (cue_matrix(texts) - a["cue_mean"]) / a["cue_std"]
        coef_ngram = a["coef_ngram"].astype(np.float64)
        ngram = np.array([float(val @ coef_ngram[idx]) for idx, val in
                          ngram_rows(texts, self._index, a["idf"].astype(np.float64))])
        z_lr = ngram + emb @ a["coef_embedding"] + cues @ a["coef_cues"] + float(a["intercept"])
        dense = np.hstack([emb, cues])
        hidden = np.maximum(dense @ a["mlp_w0"] + a["mlp_b0"], 0.0)
        z_mlp = hidden @ a["mlp_w1"] + float(a["mlp_b1"])
        return np.stack([z_lr, z_mlp], axis=1)

    def mixed_logits(self, logits: np.ndarray, mlp_weight: float | None = None) -> np.ndarray:
        """The ensemble logit from :meth:`logits`: (1 - w) * LR + w * MLP, w the stored weight unless given."""
        w = float(self.arrays["mix"]) if mlp_weight is None else mlp_weight
        return (1.0 - w) * logits[:, 0] + w * logits[:, 1]

    def score(self, texts: Sequence[str], embeddings: np.ndarray | None = None, *,
              embedder: Any = None, cache: Any = None) -> np.ndarray:
        """Check-worthiness of each text, 0..1 (float64 array); a claim scores at least :attr:`threshold`.

        Pass ``embeddings`` (one row per text, from the embedding cache) when you have them;
        otherwise ``embedder`` computes them, through ``cache`` when given. A blank text scores 0.
        """
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        logits = self.logits(texts, embeddings, embedder=embedder, cache=cache)
        z = self.mixed_logits(logits) - float(self.arrays["offset"])
        scores = _sigmoid(z)
        scores[[not t.strip() for t in texts]] = 0.0
        return scores

    def describe(self) -> str:
        """One line for logs: what scores the sentences and how well it did on its dev sets."""
        return f"trained detector ({self.source or 'in memory'}; {self.quality()} at threshold {self.threshold:g})"

    def quality(self) -> str:
        """How well the weights did on their dev sets, in words for reviewers: ``"F1 0.911 on …"``."""
        names = {"dev.tsv": "debate speech", "news_dev.tsv": "news"}
        scores = self.provenance.get("dev_by_file") or {
            self.provenance.get("data", {}).get("dev", {}).get("file", "dev"): self.provenance.get("dev", {})}
        parts = [f"F1 {m['f1']:.3f} on {names.get(name, Path(name).stem)}"
                 for name, m in scores.items() if isinstance(m.get("f1"), (int, float))]
        return ", ".join(parts) if parts else "no dev figures recorded"


def _weight_paths(path: str | Path | None) -> tuple[Path, Path]:
    if path is None:
        folder = WEIGHTS_DIR
    else:
        path = Path(path)
        if path.suffix == ".npz":
            return path, path.with_suffix(".json")
        folder = path
    return folder / WEIGHTS_NPZ, folder / WEIGHTS_JSON


# -- scorers for claims.extract --------------------------------------------------------------------


@dataclass(frozen=True)
class DetectorScorer:
    """The detector bound to a way of embedding: call it with all sentences of a text at once.

    ``embed`` maps texts to their vectors (the workspace passes one that reads its cache).
    """

    detector: Detector
    embed: Callable[[list[str]], np.ndarray]
    name: str = "detector"
    fallback: bool = False
    reason: str | None = None

    @property
    def threshold(self) -> float:
        """The detector's own claim threshold (what ``extract`` uses when given none)."""
        return self.detector.threshold

    def __call__(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros(0)
        return self.detector.score(texts, self.embed(texts))


def load_scorer(embed: Callable[[list[str]], np.ndarray], path: str | Path | None = None
                ) -> DetectorScorer | HeuristicScorer:
    """The sentence scorer for :func:`claims.extract.extract`: the trained detector, or the fallback.

    When the weights at ``path`` (default: the shipped ones) are missing, logs a warning and
    returns the heuristic of :mod:`claims.detect`, flagged ``fallback=True`` with the reason.
    Damaged weights raise ModelError: they are never silently replaced.
    """
    try:
        detector = Detector.load(path)
    except WeightsMissingError as exc:
        reason = f"{exc}; using the heuristic check-worthiness scores instead"
        log.warning(reason)
        return HeuristicScorer(reason=reason)
    return DetectorScorer(detector, embed)


def build_scorer(embedder: Any, path: str | Path | None = None, *,
                 cache: Any = None) -> DetectorScorer | HeuristicScorer:
    """The scorer a workspace or the CLI uses: the detector over ``embedder``'s vectors.

    Vectors come through ``cache`` (an EmbeddingCache) when one is given, so a sentence is
    embedded once whether it is scored, matched or both. Falls back to the heuristic, saying why,
    when the weights are missing or were trained on another embedding model than ``embedder``'s
    (the same model on another backend is the same model: :func:`index.embed.same_model`).
    """
    def embed(texts: list[str]) -> np.ndarray:
        return embed_cached(texts, embedder, cache) if cache is not None else embedder.encode(texts)

    scorer = load_scorer(embed, path)
    if isinstance(scorer, DetectorScorer):
        wanted = scorer.detector.provenance.get("embedding_model")
        if not same_model(wanted, embedder):
            reason = (f"the detector was trained on {wanted} embeddings, the workspace embeds with "
                      f"{getattr(embedder, 'name', '?')}; using the heuristic check-worthiness scores instead")
            log.warning(reason)
            return HeuristicScorer(reason=reason)
    return scorer
