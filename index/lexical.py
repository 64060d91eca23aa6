"""A BM25 index over texts keyed by int ids, built on the ``bm25s`` library.

Dense vectors miss what lexical matching catches: rare names, numbers and hashtags that a
fact-check repeats word for word. :class:`LexicalIndex` is the lexical half of the hybrid
matcher: it tokenises with the scikit-learn word pattern, lower-cases, drops English stop
words (the NLTK list that ships inside bm25s), optionally stems with Snowball's English stemmer
(PyStemmer), and scores with Lucene's BM25. Results carry the caller's ids, never row numbers,
and leave out documents that share no term with the query (BM25 score 0).

Stemming needs the ``PyStemmer`` package; :func:`english_stemmer` says whether it is there. The
index records what it used (:attr:`LexicalIndex.settings`), so a benchmark says how it scored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from claims.errors import InvalidValueError

__all__ = ["LexicalSettings", "LexicalIndex", "english_stemmer", "tokenize"]

# scikit-learn's CountVectorizer pattern, as bm25s uses: words of two or more word characters.
_TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")


def english_stemmer() -> Callable[[list[str]], list[str]] | None:
    """Snowball's English stemmer from PyStemmer (``stemWords``), or None when it is not installed."""
    try:
        import Stemmer  # PyStemmer
    except ImportError:
        return None
    return Stemmer.Stemmer("english").stemWords


@dataclass(frozen=True)
class LexicalSettings:
    """How texts are tokenised and scored; ``stem`` is True only when a stemmer was applied."""

    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"
    stopwords: str = "en"
    stem: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stopwords(name: str) -> frozenset[str]:
    from bm25s.tokenization import _infer_stopwords

    try:
        return frozenset(_infer_stopwords(name or None))
    except ValueError:
        raise InvalidValueError(f"unknown stop-word list {name!r}: use 'en', 'en_plus' or ''") from None


def tokenize(texts: Sequence[str], *, stopwords: frozenset[str] = frozenset(),
             stemmer: Callable[[list[str]], list[str]] | None = None) -> list[list[str]]:
    """Each text as a list of lower-cased word tokens, stop words removed, stemmed if asked."""
    out: list[list[str]] = []
    stems: dict[str, str] = {}
    for text in texts:
        tokens = [t for t in _TOKEN_PATTERN.findall(text.lower()) if t not in stopwords]
        if stemmer is not None:
            new = sorted({t for t in tokens if t not in stems})
            if new:
                stems.update(zip(new, stemmer(new)))
            tokens = [stems[t] for t in tokens]
        out.append(tokens)
    return out


class LexicalIndex:
    """BM25 over a fixed collection of texts keyed by int ids; built once, searched many times.

    ``stem=True`` (the default) uses PyStemmer when it is installed and falls back to unstemmed
    tokens otherwise; ``settings.stem`` records which. Searching is thread-safe.
    """

    def __init__(self, ids: Sequence[int], texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75,
                 method: str = "lucene", stopwords: str = "en", stem: bool = True) -> None:
        import bm25s

        if len(ids) != len(texts):
            raise InvalidValueError(f"got {len(ids)} ids for {len(texts)} texts")
        id_array = np.asarray(ids, dtype=np.int64)
        if len(np.unique(id_array)) != len(id_array):
            raise InvalidValueError("ids of a lexical index must be unique")
        if k1 < 0 or not 0 <= b <= 1:
            raise InvalidValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        self._stemmer = english_stemmer() if stem else None
        self._stopwords = _stopwords(stopwords)
        self.settings = LexicalSettings(k1=k1, b=b, method=method, stopwords=stopwords,
                                        stem=self._stemmer is not None)
        self._ids = id_array
        self._row_of = {int(i): row for row, i in enumerate(id_array)}
        self._lock = threading.Lock()
        self._retriever = bm25s.BM25(k1=k1, b=b, method=method)
        if len(texts):
            # bm25s needs at least one token per document to build its matrix; an empty
            # document gets the empty token, which no query contains.
            corpus = [tokens or [""] for tokens in self._tokenize(texts)]
            self._retriever.index(corpus, show_progress=False)

    def _tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        return tokenize(texts, stopwords=self._stopwords, stemmer=self._stemmer)

    @property
    def count(self) -> int:
        """How many documents the index holds."""
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        """The document ids in index order (a copy)."""
        return self._ids.copy()

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of ``query`` against every document, aligned with :attr:`ids`."""
        if self.count == 0:
            return np.zeros(0, dtype=np.float32)
        with self._lock:  # PyStemmer's stemmers are not thread-safe, nor is bm25s's scoring
            tokens = [t for t in self._tokenize([query])[0] if t in self._retriever.vocab_dict]
            if not tokens:
                return np.zeros(self.count, dtype=np.float32)
            return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def score_ids(self, query: str, ids: Sequence[int]) -> list[float]:
        """The BM25 score of ``query`` against each of ``ids`` (0.0 for an id not in the index)."""
        all_scores = self.scores(query)
        return [float(all_scores[self._row_of[int(i)]]) if int(i) in self._row_of else 0.0 for i in ids]

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """For each query, up to ``k`` (id, BM25 score) with a positive score, best first.

        Equal scores are ordered by id, so results never depend on the order of indexing.
        """
        if k < 1:
            raise InvalidValueError(f"k must be at least 1, got {k}")
        results: list[list[tuple[int, float]]] = []
        for query in queries:
            scores = self.scores(query)
            positive = np.flatnonzero(scores > 0)
            if positive.size == 0:
                results.append([])
                continue
            if positive.size > k:
                # a partial sort picks the k best; ties at the cut are settled by id below
                cut = np.partition(scores[positive], positive.size - k)[positive.size - k]
                positive = positive[scores[positive] >= cut]
            order = np.lexsort((self._ids[positive], -scores[positive]))[:k]
            rows = positive[order]
            results.append([(int(self._ids[r]), float(scores[r])) for r in rows])
        return results
