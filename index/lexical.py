"""A BM25 index over texts keyed by int ids that grows and shrinks without being rebuilt.

Dense vectors miss what lexical matching catches: rare names, numbers and hashtags that a
fact-check repeats word for word. :class:`LexicalIndex` is the lexical half of the hybrid
matcher: it tokenises with the scikit-learn word pattern, lower-cases, drops English stop
words (the NLTK list that ships inside bm25s), optionally stems with Snowball's English stemmer
(PyStemmer), and scores with Lucene's BM25. Results carry the caller's ids, never row numbers,
and leave out documents that share no term with the query (BM25 score 0).

Why it is its own inverted index rather than bm25s: bm25s precomputes every (document, term)
score from the collection's N, document frequencies and average length, so one added document
means a rebuild of the whole matrix (0.7 s at 19k statements, growing with the archive, paid on
the reviewer's next click). Here the index keeps only what does not change when others are
added — per term the rows and term frequencies that contain it, per row the document length and
whether it is live — and computes N, each query term's document frequency and the average
length when it scores. So :meth:`LexicalIndex.add` costs the new texts' tokens and
:meth:`LexicalIndex.remove` flips a mask, while the scores stay exactly those of a fresh build
over the live documents (the tests compare them with bm25s's ``lucene`` method).

Postings are a compact base (one CSR block made by the bulk build in the constructor) plus, for
terms that gained documents since, a growable tail; removed rows stay in the postings, masked.

Stemming needs the ``PyStemmer`` package; :func:`english_stemmer` says whether it is there. The
index records what it used (:attr:`LexicalIndex.settings`), so a benchmark says how it scored.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from claims.errors import IndexCacheError, InvalidValueError
from index.atomic import atomic_write

__all__ = ["LexicalSettings", "LexicalIndex", "english_stemmer", "tokenize"]

# scikit-learn's CountVectorizer pattern, as bm25s uses: words of two or more word characters.
_TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")

METHODS = ("lucene",)
"""BM25 variants this index scores with (Lucene's: idf = ln(1 + (N - df + 0.5) / (df + 0.5)))."""


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


class _Tail:
    """The postings a term gained after the bulk build: rows and term frequencies, grown by doubling."""

    __slots__ = ("rows", "tf", "size")

    def __init__(self) -> None:
        self.rows = np.empty(4, dtype=np.int32)
        self.tf = np.empty(4, dtype=np.int32)
        self.size = 0

    def append(self, row: int, tf: int) -> None:
        if self.size == len(self.rows):
            self.rows = np.concatenate([self.rows, np.empty_like(self.rows)])
            self.tf = np.concatenate([self.tf, np.empty_like(self.tf)])
        self.rows[self.size] = row
        self.tf[self.size] = tf
        self.size += 1

    def extend(self, rows: np.ndarray, tf: np.ndarray) -> None:
        need = self.size + len(rows)
        if need > len(self.rows):
            capacity = max(need, 2 * len(self.rows))
            self.rows = np.concatenate([self.rows[:self.size], np.empty(capacity - self.size, dtype=np.int32)])
            self.tf = np.concatenate([self.tf[:self.size], np.empty(capacity - self.size, dtype=np.int32)])
        self.rows[self.size:need] = rows
        self.tf[self.size:need] = tf
        self.size = need


class _Growable:
    """A 1-d array that appends in amortised O(1); ``view`` is its filled part."""

    __slots__ = ("data", "size")

    def __init__(self, dtype: Any, values: np.ndarray | None = None) -> None:
        values = np.zeros(0, dtype=dtype) if values is None else np.asarray(values, dtype=dtype)
        self.data = np.empty(max(16, len(values)), dtype=dtype)
        self.data[:len(values)] = values
        self.size = len(values)

    @property
    def view(self) -> np.ndarray:
        return self.data[:self.size]

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)), dtype=self.data.dtype)
            grown[:self.size] = self.data[:self.size]
            self.data = grown
        self.data[self.size:need] = values
        self.size = need


class LexicalIndex:
    """BM25 over texts keyed by unique int ids: built once, then :meth:`add` and :meth:`remove` as they change.

    ``stem=True`` (the default) uses PyStemmer when it is installed and falls back to unstemmed
    tokens otherwise; ``settings.stem`` records which. Every method is thread-safe: adds and
    removals take the same lock as searches, so a search sees an index before or after a change.
    """

    def __init__(self, ids: Sequence[int], texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75,
                 method: str = "lucene", stopwords: str = "en", stem: bool = True) -> None:
        if k1 < 0 or not 0 <= b <= 1:
            raise InvalidValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        if method not in METHODS:
            raise InvalidValueError(f"unknown BM25 method {method!r}: use {', '.join(METHODS)}")
        self._stemmer = english_stemmer() if stem else None
        self._stopwords = _stopwords(stopwords)
        self.settings = LexicalSettings(k1=k1, b=b, method=method, stopwords=stopwords,
                                        stem=self._stemmer is not None)
        self._lock = threading.RLock()
        id_array = self._checked_ids(ids, texts)
        if len(np.unique(id_array)) != len(id_array):
            raise InvalidValueError("ids of a lexical index must be unique")
        self._vocab: dict[str, int] = {}
        # Per row (a row is one added text; a removed row stays, masked): its id, length, liveness.
        self._row_ids = _Growable(np.int64)
        self._lengths = _Growable(np.int32)
        self._live = _Growable(np.bool_)
        self._row_of: dict[int, int] = {}
        self._live_count = 0
        self._live_length = 0  # total tokens of the live documents: avgdl = this / live count
        self._tails: dict[int, _Tail] = {}
        self._live_ids_cache: np.ndarray | None = None
        # The last query's scores: the matcher asks search() and then score_ids() for the same query.
        self._last: tuple[str, np.ndarray, np.ndarray] | None = None
        self._build(id_array, texts)

    @staticmethod
    def _checked_ids(ids: Sequence[int], texts: Sequence[str]) -> np.ndarray:
        if len(ids) != len(texts):
            raise InvalidValueError(f"got {len(ids)} ids for {len(texts)} texts")
        return np.asarray(ids, dtype=np.int64).reshape(-1)

    def _tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        return tokenize(texts, stopwords=self._stopwords, stemmer=self._stemmer)

    def _build(self, ids: np.ndarray, texts: Sequence[str]) -> None:
        """The bulk build: every posting in one CSR block, term by term, rows ascending."""
        tokens = self._tokenize(texts)
        n = len(ids)
        lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=n)
        vocab = self._vocab
        term_ids = np.fromiter((vocab.setdefault(t, len(vocab)) for doc in tokens for t in doc),
                               dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        # One key per (term, row): unique sorts them by term then row and counts the term frequency.
        keys, tf = np.unique(term_ids * max(n, 1) + rows, return_counts=True)
        terms = keys // max(n, 1)
        self._base_rows = (keys - terms * max(n, 1)).astype(np.int32)
        self._base_tf = tf.astype(np.int32)
        self._base_indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(vocab)))])
        self._base_terms = len(vocab)
        self._row_ids.extend(ids)
        self._lengths.extend(lengths.astype(np.int32))
        self._live.extend(np.ones(n, dtype=np.bool_))
        self._row_of.update(zip(ids.tolist(), range(n)))
        self._live_count = n
        self._live_length = int(lengths.sum())

    # -- changes -----------------------------------------------------------------------------

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        """Index more texts; an id the index already holds (live) is an error, a removed one comes back.

        Costs the new texts' tokens only: nothing already indexed is touched.
        """
        id_array = self._checked_ids(ids, texts)
        if len(np.unique(id_array)) != len(id_array):
            raise InvalidValueError("ids of a lexical index must be unique")
        with self._lock:
            held = [int(i) for i in id_array if self._is_live(int(i))]
            if held:
                raise InvalidValueError(f"the lexical index already holds id {held[0]}")
            tokens = self._tokenize(texts)  # under the lock: PyStemmer's stemmers are not thread-safe
            first_row = self._row_ids.size
            lengths = np.fromiter((len(t) for t in tokens), dtype=np.int32, count=len(tokens))
            if len(tokens) < 64:
                self._append_postings(tokens, first_row)
            else:
                self._append_postings_grouped(tokens, lengths, first_row)
            self._row_ids.extend(id_array)
            self._lengths.extend(lengths)
            self._live.extend(np.ones(len(id_array), dtype=np.bool_))
            self._row_of.update(zip(id_array.tolist(), range(first_row, first_row + len(id_array))))
            self._live_count += len(id_array)
            self._live_length += int(lengths.sum())
            self._live_ids_cache = None
            self._last = None

    def _append_postings(self, tokens: list[list[str]], first_row: int) -> None:
        """Each new document's (row, tf) onto its terms' tails: a few documents, as a verdict adds."""
        vocab, tails = self._vocab, self._tails
        for offset, doc in enumerate(tokens):
            for term, tf in Counter(doc).items():
                term_id = vocab.setdefault(term, len(vocab))
                tail = tails.get(term_id)
                if tail is None:
                    tail = tails[term_id] = _Tail()
                tail.append(first_row + offset, tf)

    def _append_postings_grouped(self, tokens: list[list[str]], lengths: np.ndarray, first_row: int) -> None:
        """The same for a batch (an import caught up): postings grouped by term with numpy, one extend per term."""
        vocab, tails = self._vocab, self._tails
        m = len(tokens)
        term_ids = np.fromiter((vocab.setdefault(t, len(vocab)) for doc in tokens for t in doc),
                               dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(m, dtype=np.int64), lengths)
        keys, tf = np.unique(term_ids * m + rows, return_counts=True)
        terms = keys // m
        rows = (keys - terms * m + first_row).astype(np.int32)
        starts = np.concatenate([[0], np.flatnonzero(np.diff(terms)) + 1, [len(terms)]])
        for start, end in zip(starts[:-1].tolist(), starts[1:].tolist()):
            term_id = int(terms[start])
            tail = tails.get(term_id)
            if tail is None:
                tail = tails[term_id] = _Tail()
            tail.extend(rows[start:end], tf[start:end])

    def remove(self, ids: Sequence[int]) -> int:
        """Take ids out of the index; returns how many it held. Ids it does not hold are ignored."""
        removed = 0
        with self._lock:
            live, lengths = self._live.view, self._lengths.view
            for doc_id in dict.fromkeys(int(i) for i in ids):
                row = self._row_of.get(doc_id)
                if row is None or not live[row]:
                    continue
                live[row] = False
                del self._row_of[doc_id]
                self._live_count -= 1
                self._live_length -= int(lengths[row])
                removed += 1
            if removed:
                self._live_ids_cache = None
                self._last = None
        return removed

    def _is_live(self, doc_id: int) -> bool:
        return doc_id in self._row_of

    # -- reading -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """How many documents the index holds."""
        return self._live_count

    @property
    def ids(self) -> np.ndarray:
        """The document ids in index order (the order they were added; a copy)."""
        with self._lock:
            return self._live_ids().copy()

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, (int, np.integer)) and int(doc_id) in self._row_of

    def _live_ids(self) -> np.ndarray:
        if self._live_ids_cache is None:
            self._live_ids_cache = self._row_ids.view[self._live.view]
        return self._live_ids_cache

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """Every (row, tf) of a term, removed rows included."""
        tail = self._tails.get(term)
        if term < self._base_terms:
            start, end = self._base_indptr[term], self._base_indptr[term + 1]
            rows, tf = self._base_rows[start:end], self._base_tf[start:end]
            if tail is None:
                return rows, tf
            return np.concatenate([rows, tail.rows[:tail.size]]), np.concatenate([tf, tail.tf[:tail.size]])
        if tail is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        return tail.rows[:tail.size], tail.tf[:tail.size]

    def _row_scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the live documents sharing a term with ``query``, rows ascending (read-only)."""
        if self._last is None or self._last[0] != query:
            rows, scores = self._compute_row_scores(query)
            rows.flags.writeable = scores.flags.writeable = False
            self._last = (query, rows, scores)
        return self._last[1], self._last[2]

    def _compute_row_scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the live documents sharing a term with ``query``, rows ascending.

        N, each term's document frequency and the average length are those of the live documents
        now, so the scores equal a fresh build's. A term repeated in the query counts again, as in bm25s.
        """
        k1, b = self.settings.k1, self.settings.b
        terms = [self._vocab[t] for t in self._tokenize([query])[0] if t in self._vocab]
        n_docs = self._live_count
        if not terms or n_docs == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        avgdl = self._live_length / n_docs
        live, lengths = self._live.view, self._lengths.view
        all_live = n_docs == len(live)
        # A dense accumulator over rows, not a sort of the postings: a query of common words at 1M
        # documents touches hundreds of thousands of postings. A row appears once in a term's
        # postings, so ``+=`` is exact; a repeated query term adds again.
        total = np.zeros(len(live), dtype=np.float64)
        for term in terms:
            rows, tf = self._postings(term)
            if not all_live:
                alive = live[rows]
                rows, tf = rows[alive], tf[alive]
            df = len(rows)
            if df == 0:
                continue
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            tf = tf.astype(np.float64)
            # avgdl is 0 only when every live document is empty, and then no term has postings
            norm = k1 * ((1 - b) + b * lengths[rows] / avgdl)
            total[rows] += idf * tf / (norm + tf)
        found = np.flatnonzero(total)  # every contribution is positive: idf > 0 and tf >= 1
        return found.astype(np.int64), total[found]

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of ``query`` against every document, aligned with :attr:`ids`."""
        with self._lock:
            rows, row_scores = self._row_scores(query)
            live = self._live.view
            out = np.zeros(self._row_ids.size, dtype=np.float32)
            out[rows] = row_scores
            return out[live] if self._live_count != len(live) else out

    def score_ids(self, query: str, ids: Sequence[int]) -> list[float]:
        """The BM25 score of ``query`` against each of ``ids`` (0.0 for an id not in the index)."""
        with self._lock:
            rows, row_scores = self._row_scores(query)
            wanted = np.fromiter((self._row_of.get(int(i), -1) for i in ids), dtype=np.int64, count=len(ids))
            if not rows.size or not wanted.size:
                return [0.0] * len(wanted)
            # rows are ascending: look each wanted row up, not a dict of every row the query touches
            # (hundreds of thousands for common words at 1M documents)
            at = np.minimum(np.searchsorted(rows, wanted), rows.size - 1)
            hit = (wanted >= 0) & (rows[at] == wanted)
            return np.where(hit, row_scores[at].astype(np.float32), np.float32(0.0)).tolist()

    def search(self, queries: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        """For each query, up to ``k`` (id, BM25 score) with a positive score, best first.

        Equal scores are ordered by id, so results never depend on the order of indexing.
        """
        if k < 1:
            raise InvalidValueError(f"k must be at least 1, got {k}")
        results: list[list[tuple[int, float]]] = []
        for query in queries:
            with self._lock:
                rows, row_scores = self._row_scores(query)
                scores = row_scores.astype(np.float32)  # what :meth:`scores` reports, so ties agree with it
                chosen = np.flatnonzero(scores > 0)
                if chosen.size > k:
                    # a partial sort picks the k best; ties at the cut are settled by id below
                    cut = np.partition(scores[chosen], chosen.size - k)[chosen.size - k]
                    chosen = chosen[scores[chosen] >= cut]
                doc_ids = self._row_ids.view[rows[chosen]]
            order = np.lexsort((doc_ids, -scores[chosen]))[:k]
            results.append([(int(doc_ids[i]), float(scores[chosen[i]])) for i in order])
        return results

    # -- persistence -------------------------------------------------------------------------

    def _compacted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, rows, tf): the base block and every tail as one CSR block over the whole vocabulary."""
        counts = np.diff(self._base_indptr)
        terms = [np.repeat(np.arange(self._base_terms, dtype=np.int64), counts)]
        rows, tf = [self._base_rows], [self._base_tf]
        for term, tail in self._tails.items():
            terms.append(np.full(tail.size, term, dtype=np.int64))
            rows.append(tail.rows[:tail.size])
            tf.append(tail.tf[:tail.size])
        all_terms, all_rows, all_tf = np.concatenate(terms), np.concatenate(rows), np.concatenate(tf)
        order = np.lexsort((all_rows, all_terms))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(all_terms, minlength=len(self._vocab)))])
        return indptr.astype(np.int64), all_rows[order].astype(np.int32), all_tf[order].astype(np.int32)

    def save(self, path: str | os.PathLike[str], meta: Mapping[str, Any]) -> None:
        """Write the index to ``path`` (one ``.npz``, atomically) with ``meta``, what a reader needs to know
        whether it may trust the file. Removed documents stay in it, masked, as they are in memory."""
        with self._lock:
            indptr, rows, tf = self._compacted()
            terms = sorted(self._vocab, key=self._vocab.__getitem__)
            arrays = {"vocab": np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8),
                      "n_terms": np.array(len(terms)), "indptr": indptr, "rows": rows, "tf": tf,
                      "row_ids": self._row_ids.view.copy(), "lengths": self._lengths.view.copy(),
                      "live": self._live.view.copy(),
                      "meta": np.array(json.dumps({"format": 1, "settings": self.settings.to_dict(), **meta}))}

        def write(tmp: str) -> None:
            with open(tmp, "wb") as fp:
                np.savez(fp, **arrays)

        try:
            atomic_write(path, write)
        except OSError as exc:
            raise IndexCacheError(f"cannot write the lexical index to {path}: {exc}") from exc

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> tuple[LexicalIndex, dict[str, Any]]:
        """An index :meth:`save` wrote, and its ``meta``. Raises :class:`IndexCacheError` saying why a file
        cannot be used (unreadable, another format, or tokenised otherwise than this process would: a
        stemmer present when it was written and missing now)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("format") != 1:
                    raise IndexCacheError(f"{path}: lexical index format {meta.get('format')!r}")
                arrays = {name: data[name] for name in ("vocab", "n_terms", "indptr", "rows", "tf", "row_ids",
                                                        "lengths", "live")}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise IndexCacheError(f"{path}: unreadable lexical index ({exc.__class__.__name__})") from exc
        wanted = meta.get("settings") or {}
        try:
            index = cls([], [], k1=wanted["k1"], b=wanted["b"], method=wanted["method"],
                        stopwords=wanted["stopwords"], stem=wanted["stem"])
        except (KeyError, TypeError, InvalidValueError) as exc:
            raise IndexCacheError(f"{path}: unusable lexical index settings {wanted!r}") from exc
        if index.settings.to_dict() != wanted:
            raise IndexCacheError(f"{path}: written with {wanted}, this process tokenises with "
                                  f"{index.settings.to_dict()}")
        n_terms = int(arrays["n_terms"])
        terms = bytes(arrays["vocab"]).decode("utf-8").split("\n") if n_terms else []
        row_ids, lengths, live = arrays["row_ids"], arrays["lengths"], arrays["live"]
        if len(terms) != n_terms or len(arrays["indptr"]) != n_terms + 1 or not (
                len(row_ids) == len(lengths) == len(live)):
            raise IndexCacheError(f"{path}: the lexical index's arrays do not fit together")
        index._vocab = {term: i for i, term in enumerate(terms)}
        index._base_indptr, index._base_rows, index._base_tf = arrays["indptr"], arrays["rows"], arrays["tf"]
        index._base_terms = n_terms
        index._row_ids = _Growable(np.int64, row_ids)
        index._lengths = _Growable(np.int32, lengths)
        index._live = _Growable(np.bool_, live)
        index._row_of = dict(zip(row_ids[live].tolist(), np.flatnonzero(live).tolist()))
        index._live_count = int(live.sum())
        index._live_length = int(lengths[live].sum())
        return index, meta

    def memory_bytes(self) -> int:
        """The index's arrays in bytes (postings, per-row arrays); dicts of the vocabulary and ids not counted."""
        with self._lock:
            arrays = [self._base_rows, self._base_tf, self._base_indptr, self._row_ids.data, self._lengths.data,
                      self._live.data]
            tails = sum(t.rows.nbytes + t.tf.nbytes for t in self._tails.values())
            return int(sum(a.nbytes for a in arrays) + tails)
