"""The one matcher: earlier statements ranked for a claim, each with its tier and the reason for it.

The review screen, ``claimdesk match``, the export and ``claimdesk bench`` all rank through
:class:`Matcher`, so a benchmark figure is a figure of what a reviewer sees. For each query:

1. **prepare** (:func:`prepare_query`): a pasted post's links are dropped, ``@handles`` and
   ``#HashTags`` become words, a tweet's embed signature ("— Name (@handle) date") becomes its
   speaker; the speaker joins the BM25 query (statements are indexed with theirs);
2. **candidates**: FAISS (cosine over unit vectors) and BM25 (:class:`index.lexical.LexicalIndex`)
   each give ``candidate_depth``; statements the caller hides (a reviewed claim without a verdict,
   the query's own statement, a benchmark's removed gold) are dropped *before* anything is ranked;
3. **fusion**: z-scored scores, BM25 weighted by ``lexical_weight`` (:mod:`index.fusion`);
4. **verification**: the first ``verify_depth`` fused candidates get a calibrated P(same claim) from
   the verifier (:mod:`index.verify`) and a short reason ("numbers differ: 3 vs 10"); cards are
   ordered by that probability, and "same claim" is the probability over the verifier's
   threshold. A card's margins (how far it stands out from the other candidates) leave out its
   copies, the candidates whose stored vector lies within ``copy_cosine`` of its own: a claim the
   archive holds twice (checked twice, or reviewed again by the team) stands out as one, instead of
   each copy levelling the other. Without a verifier the cards are ordered, and tiered, by cosine
   (the old rule);
5. **tier**: "same claim", else "related" when the cosine reaches ``related_threshold``, else "distant".

``index`` knows nothing of documents or claims: statements come from the caller through two
callables (:class:`Matcher`), and results are :class:`Candidate` objects that hold the caller's
statement object unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from claims.errors import InvalidValueError
from claims.settings import Settings
from index.fusion import weighted_score_fusion
from index.lexical import LexicalIndex
from index.vectors import VectorIndex
from index.verify import PairContext, Verifier, pair_features, reason

__all__ = [
    "SAME_CLAIM",
    "RELATED",
    "DISTANT",
    "MatchSettings",
    "QueryText",
    "prepare_query",
    "speaker_name",
    "statement_lexical_text",
    "EarlierStatement",
    "MatchQuery",
    "Candidate",
    "Matcher",
    "copy_pairs",
]

# The tiers, as the values of claims.models.Tier.
SAME_CLAIM = "same claim"
RELATED = "related"
DISTANT = "distant"


@dataclass(frozen=True)
class MatchSettings:
    """How the matcher ranks and tiers; :meth:`from_settings` reads claimdesk's settings table.

    ``same_claim_probability`` overrides the verifier's own threshold; ``same_claim_cosine`` is
    the rule used only when no verifier is loaded.
    """

    lexical_weight: float = 0.7
    candidate_depth: int = 100
    verify_depth: int = 20
    related_threshold: float = 0.50
    same_claim_cosine: float = 0.65
    same_claim_probability: float | None = None
    copy_cosine: float = 0.90

    def __post_init__(self) -> None:
        if self.lexical_weight < 0:
            raise InvalidValueError(f"lexical_weight must not be negative, got {self.lexical_weight}")
        if not self.copy_cosine > 0.0:
            raise InvalidValueError(f"copy_cosine must lie above 0 (above 1: no copies), got {self.copy_cosine}")
        if self.candidate_depth < 1 or self.verify_depth < 1:
            raise InvalidValueError("candidate_depth and verify_depth must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchSettings:
        """The matcher's part of a :class:`claims.settings.Settings`."""
        return cls(lexical_weight=settings.lexical_weight, candidate_depth=settings.candidate_depth,
                   verify_depth=settings.verify_depth, related_threshold=settings.related_threshold,
                   same_claim_cosine=settings.same_claim_threshold,
                   same_claim_probability=settings.same_claim_probability, copy_cosine=settings.copy_cosine)


# -- preparing a query -------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"\s*[—–]\s*(?P<name>[^—–\n]*?)\s*\(@(?P<handle>\w+)\)\s*(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})\s*$")
_HANDLE = re.compile(r"(?<!\w)@(\w+)")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|dr|sen|senator|gov|governor|rep|president|secretary)\.?\s+",
                        re.IGNORECASE)


def _words_of(tag: str) -> str:
    """``TomCottonAR`` → ``Tom Cotton AR``; ``realDonaldTrump`` → ``real Donald Trump``."""
    return _CAMEL.sub(" ", tag).replace("_", " ")


def speaker_name(raw: str | None) -> str:
    """A speaker as a fact-check names them: ``MR. ROMNEY`` → ``Romney``; ``SYSTEM`` → ``""``."""
    name = _HONORIFIC.sub("", (raw or "").strip())
    if name.upper() == "SYSTEM":
        return ""
    return name.title() if name.isupper() else name


@dataclass(frozen=True)
class QueryText:
    """A query as the two retrievers see it: ``dense`` is embedded, ``lexical`` searched with BM25."""

    dense: str
    lexical: str
    speaker: str | None


def prepare_query(text: str, speaker: str | None = None) -> QueryText:
    """The texts a claim is matched with (see the module docstring, step 1).

    A sentence of an article comes back unchanged as ``dense`` (so its cached vector serves);
    only a post's links, handles, hashtags and embed signature are rewritten.
    """
    cleaned = text
    found = _SIGNATURE.search(cleaned)
    if found:
        cleaned = cleaned[:found.start()]
        if not speaker:
            speaker = _URL.sub(" ", found.group("name")).strip() or None
    if _URL.search(cleaned) or _HANDLE.search(cleaned) or _HASHTAG.search(cleaned) or found:
        cleaned = _URL.sub(" ", cleaned)
        cleaned = _HANDLE.sub(lambda m: _words_of(m.group(1)), cleaned)
        cleaned = _HASHTAG.sub(lambda m: _words_of(m.group(1)), cleaned)
        cleaned = " ".join(cleaned.split()) or " ".join(text.split())
    name = speaker_name(speaker)
    if name and _HASHTAG.search(name):
        name = _HASHTAG.sub(lambda m: _words_of(m.group(1)), name)
    return QueryText(dense=cleaned, lexical=f"{cleaned} {name}" if name else cleaned, speaker=name or None)


def statement_lexical_text(text: str, speaker: str | None = None, title: object = None) -> str:
    """What BM25 indexes for an earlier statement: its text, its fact-check's title, its speaker.

    ``title`` comes from an archive's metadata: anything but a non-empty string is ignored.
    """
    parts = [text]
    if isinstance(title, str) and title.strip() and title != text:
        parts.append(title)
    if speaker:
        parts.append(speaker)
    return " ".join(parts)


# -- results ------------------------------------------------------------------------------------


class EarlierStatement(Protocol):
    """What the matcher reads of a caller's statement object (``claims.models.Statement`` fits)."""

    @property
    def id(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def speaker(self) -> str | None: ...


S = TypeVar("S", bound=EarlierStatement)


@dataclass(frozen=True)
class MatchQuery:
    """One text to match: its words, its speaker if known, and the statements it must never match.

    ``exclude`` is called with each candidate statement; True leaves it out before ranking (the
    claim's own reviewed statement; in a benchmark, the gold fact-checks of an "unseen" claim).
    """

    text: str
    speaker: str | None = None
    exclude: Callable[[Any], bool] | None = None

    def prepared(self) -> QueryText:
        return prepare_query(self.text, self.speaker)


@dataclass(frozen=True)
class Candidate(Generic[S]):
    """An earlier statement for a query: the cosine shown, the fused score, P(same claim), tier, reason.

    ``probability`` is None when no verifier is loaded; ``features`` are the verifier's inputs
    (empty then too). ``fused_rank`` is the candidate's place in the fused list (1 = first).
    """

    statement: S
    cosine: float
    score: float
    fused_rank: int
    tier: str
    probability: float | None = None
    reason: str = ""
    features: Mapping[str, float] = field(default_factory=dict)


# -- the matcher --------------------------------------------------------------------------------


class _Keep:
    """The default of :meth:`Matcher.replace`: keep what the matcher has (None means "none")."""


_KEEP = _Keep()


def _best_of_others(values: Sequence[float], copies: np.ndarray | None = None) -> list[float]:
    """For each value, the largest of the other values that are not its copies (0.0 when there is none).

    ``copies[i, j]`` is True when candidates i and j are copies of one statement; None: none are.
    """
    order = sorted(range(len(values)), key=lambda i: -values[i])
    return [next((values[j] for j in order if j != i and (copies is None or not copies[i, j])), 0.0)
            for i in range(len(values))]


def copy_pairs(vectors: Sequence[np.ndarray | None], copy_cosine: float) -> np.ndarray | None:
    """Which candidates are copies of each other: stored unit vectors within ``copy_cosine`` (a
    candidate without a stored vector is nobody's copy). None when no pair is, or the rule is off."""
    n = len(vectors)
    known = [i for i, v in enumerate(vectors) if v is not None]
    if copy_cosine > 1.0 or len(known) < 2:
        return None
    matrix = np.stack([np.asarray(vectors[i], dtype=np.float32) for i in known])
    close = (matrix @ matrix.T) >= copy_cosine - 1e-6
    np.fill_diagonal(close, False)
    if not close.any():
        return None
    out = np.zeros((n, n), dtype=bool)
    out[np.ix_(known, known)] = close
    return out


class Matcher(Generic[S]):
    """Ranks earlier statements for queries over one FAISS index and one BM25 index.

    ``statements(ids)`` returns the caller's statement objects for the ids that may be shown (a
    hidden one is simply absent); ``stored_vectors(statements)`` returns their unit vectors by id,
    for BM25 candidates the dense search did not score. ``verifier`` None tiers by cosine.
    """

    def __init__(self, vectors: VectorIndex, lexical: LexicalIndex | None, *,
                 statements: Callable[[Sequence[int]], Mapping[int, S]],
                 stored_vectors: Callable[[Sequence[S]], Mapping[int, np.ndarray]],
                 settings: MatchSettings = MatchSettings(), verifier: Verifier | None = None) -> None:
        self.vectors = vectors
        self.lexical = lexical
        self._statements = statements
        self._stored_vectors = stored_vectors
        self.settings = settings
        self.verifier = verifier

    def replace(self, *, settings: MatchSettings | None = None, verifier: Verifier | None | _Keep = _KEEP,
                lexical: LexicalIndex | None | _Keep = _KEEP) -> Matcher[S]:
        """A matcher over the same indexes and statements with other settings, verifier or BM25 index
        (``verifier=None``: tiers by cosine)."""
        return Matcher(self.vectors, self.lexical if isinstance(lexical, _Keep) else lexical,
                       statements=self._statements, stored_vectors=self._stored_vectors,
                       settings=settings or self.settings,
                       verifier=self.verifier if isinstance(verifier, _Keep) else verifier)

    @property
    def same_claim_threshold(self) -> float:
        """Where "same claim" begins: a probability with a verifier, a cosine without."""
        if self.verifier is None:
            return self.settings.same_claim_cosine
        if self.settings.same_claim_probability is not None:
            return self.settings.same_claim_probability
        return self.verifier.threshold

    def describe(self) -> dict[str, Any]:
        """The matcher's settings as plain values, for benchmark reports."""
        out: dict[str, Any] = dict(self.settings.__dict__)
        out["same_claim_threshold"] = self.same_claim_threshold
        out["verifier"] = (self.verifier.provenance.get("name", self.verifier.source or "custom")
                           if self.verifier is not None else None)
        out["stemmed"] = self.lexical.settings.stem if self.lexical is not None else None
        return out

    def tier(self, cosine: float, probability: float | None) -> str:
        """The tier of a candidate with this cosine and P(same claim)."""
        same = probability >= self.same_claim_threshold if probability is not None and self.verifier is not None \
            else cosine >= self.settings.same_claim_cosine
        if same:
            return SAME_CLAIM
        return RELATED if cosine >= self.settings.related_threshold else DISTANT

    def match(self, queries: Sequence[MatchQuery], query_vectors: np.ndarray, top_k: int) -> list[list[Candidate[S]]]:
        """For each query, up to ``top_k`` candidates in the order the cards show them.

        ``query_vectors`` are the unit vectors of each query's ``prepared().dense`` text. With a
        verifier, the first ``verify_depth`` fused candidates are ordered by P(same claim);
        without one, the first ``top_k`` by cosine.
        """
        if top_k < 1:
            raise InvalidValueError(f"top_k must be at least 1, got {top_k}")
        pool = max(top_k, self.settings.verify_depth) if self.verifier is not None else top_k
        threshold = self.same_claim_threshold
        out = []
        for query, found in zip(queries, self.candidates(queries, query_vectors, pool,
                                                        features=self.verifier is not None)):
            if self.verifier is None:
                found.sort(key=lambda c: (-c.cosine, c.fused_rank))
                out.append(found[:top_k])
                continue
            found.sort(key=lambda c: (-(c.probability or 0.0), c.fused_rank))
            prepared = query.prepared()
            out.append([replace(c, reason=reason(prepared.dense, c.statement.text, c.probability or 0.0, threshold,
                                                 claim_speaker=prepared.speaker,
                                                 statement_speaker=c.statement.speaker))
                        for c in found[:top_k]])
        return out

    def candidates(self, queries: Sequence[MatchQuery], query_vectors: np.ndarray, pool: int, *,
                   features: bool = True) -> list[list[Candidate[S]]]:
        """For each query, the first ``pool`` fused candidates, in fused order, with cosine, features,
        probability and tier, without their reason (what :meth:`match` orders, cuts and explains;
        the lab trains the verifier on it)."""
        query_vectors = np.asarray(query_vectors, dtype=np.float32)
        if query_vectors.ndim == 1:
            query_vectors = query_vectors[None, :]
        if len(query_vectors) != len(queries):
            raise InvalidValueError(f"got {len(query_vectors)} vectors for {len(queries)} queries")
        if not queries:
            return []
        prepared = [q.prepared() for q in queries]
        depth = max(self.settings.candidate_depth, pool + 8)
        dense = self.vectors.search(query_vectors, depth)
        use_lexical = self.lexical is not None and self.settings.lexical_weight > 0
        lexical = self.lexical.search([p.lexical for p in prepared], depth) if use_lexical else [[] for _ in queries]
        statements = self._statements(sorted({i for hits in (*dense, *lexical) for i, _ in hits}))
        results = []
        chosen_all = []
        for pos, query in enumerate(queries):
            def shown(sid: int, query: MatchQuery = query) -> bool:
                st = statements.get(sid)
                return st is not None and not (query.exclude is not None and query.exclude(st))

            dense_q = [(i, s) for i, s in dense[pos] if shown(i)]
            lexical_q = [(i, s) for i, s in lexical[pos] if shown(i)]
            if dense_q and lexical_q:
                fused = weighted_score_fusion([dense_q, lexical_q], [1.0, self.settings.lexical_weight],
                                              normalise="zscore")
            else:
                fused = dense_q or lexical_q
            chosen_all.append((fused[:pool], dense_q, lexical_q))
        # The chosen statements' own vectors, read once for all queries: they tell copies apart (and give
        # the cosine of a BM25 candidate the dense search did not score).
        wanted: set[int] = set()
        for chosen, dense_q, _ in chosen_all:
            scored = {sid for sid, _ in dense_q}
            wanted.update(sid for sid, _ in chosen if features or sid not in scored)
        stored = self._stored_vectors([statements[sid] for sid in sorted(wanted)]) if wanted else {}
        for pos, (chosen, dense_q, lexical_q) in enumerate(chosen_all):
            results.append(self._describe(prepared[pos], query_vectors[pos], chosen, dense_q, lexical_q,
                                          statements, features, stored))
        return results

    def _describe(self, query: QueryText, vector: np.ndarray, chosen: Sequence[tuple[int, float]],
                  dense_q: Sequence[tuple[int, float]], lexical_q: Sequence[tuple[int, float]],
                  statements: Mapping[int, S], features: bool,
                  stored: Mapping[int, np.ndarray]) -> list[Candidate[S]]:
        """Cosines, features, probabilities and tiers of one query's chosen candidates (``stored``: their
        vectors, as far as they are stored)."""
        if not chosen:
            return []
        cosine = dict(dense_q)
        for sid, _ in chosen:
            if sid not in cosine:
                v = stored.get(sid)
                cosine[sid] = float(np.asarray(v, dtype=np.float32) @ vector) if v is not None else 0.0
        rows: list[dict[str, float]] = []
        if features:
            dense_rank = {sid: r for r, (sid, _) in enumerate(dense_q, start=1)}
            lexical_rank = {sid: r for r, (sid, _) in enumerate(lexical_q, start=1)}
            bm25 = dict(lexical_q)
            absent = [sid for sid, _ in chosen if sid not in bm25]
            if absent and self.lexical is not None:
                bm25.update(zip(absent, self.lexical.score_ids(query.lexical, absent)))
            cosines = [cosine[sid] for sid, _ in chosen]
            lexical_scores = [bm25.get(sid, 0.0) for sid, _ in chosen]
            copies = copy_pairs([stored.get(sid) for sid, _ in chosen], self.settings.copy_cosine)
            other_cosines = _best_of_others(cosines, copies)
            other_bm25s = _best_of_others(lexical_scores, copies)
            for rank, (sid, _) in enumerate(chosen, start=1):
                st = statements[sid]
                where = PairContext(cosine=cosines[rank - 1], other_cosine=other_cosines[rank - 1],
                                    dense_rank=dense_rank.get(sid), lexical_rank=lexical_rank.get(sid),
                                    fused_rank=rank, bm25=lexical_scores[rank - 1], other_bm25=other_bm25s[rank - 1])
                rows.append(pair_features(query.dense, st.text, where, claim_speaker=query.speaker,
                                          statement_speaker=st.speaker))
        probabilities: list[float | None] = [None] * len(chosen)
        if self.verifier is not None and rows:
            probabilities = [float(p) for p in self.verifier.probability(rows)]
        out = []
        for rank, (sid, fused_score) in enumerate(chosen, start=1):
            similarity = max(-1.0, min(1.0, cosine[sid]))
            p = probabilities[rank - 1]
            out.append(Candidate(statement=statements[sid], cosine=similarity, score=float(fused_score),
                                 fused_rank=rank, tier=self.tier(similarity, p), probability=p,
                                 features=rows[rank - 1] if rows else {}))
        return out
