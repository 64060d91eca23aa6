"""News-style "same claim" pairs: claim sentences of news prose against a fact-check archive, labelled.

``claimdesk bench tiers`` measures the "same claim" decision on CLEF tweets and debate sentences,
whose qrels name one gold fact-check. News prose is another genre: a sentence reports a claim
("…, a US official said"), restates an earlier check, or asserts something nobody has checked.
This module builds and scores that set:

* **queries** (:func:`sample_queries`): claim sentences (the product's own detector and splitter)
  of PolitiFact article texts (CLEF 2021 2B, ``vclaims_article_text.jsonl.gz``), drawn by a seeded
  hash in two strata per split: ``random`` (one claim sentence of each of the first articles in
  hash order) and ``cited`` (one claim sentence per further article whose embedding lies within
  cosine :data:`CITED_COSINE` of a fact-check *other than the article's own*: the sentences that
  may restate what a different check checked). Articles are split by the news set's rule
  (:func:`lab.newsset.split_of`): its ``dev`` articles, one in four, are this set's ``heldout``
  (only reported), the others its ``dev``. The seed article (``claims/demo/article.txt``) against
  the demo archive is a third, separate part (``seed``);
* **the archive**: the 19,250 PolitiFact fact-checks (``vclaims.tsv``) imported through the product
  (:func:`lab.bench.open_archive`, the workspace ``bench tiers`` uses for the debates);
* **labels** (:data:`PAIRS_FILE`, format in :func:`read_pair_labels`): each (query, card) pair of the
  first :data:`TOP_K` cards the product shows, labelled ``same`` or ``different`` by reading both
  texts against the guideline in ``docs/ANNOTATION.md``. The file holds offsets, ids, text digests
  and labels only; :func:`rebuild_pairs` takes the texts from the research data and refuses a text
  that changed;
* **the benchmark** (:func:`run_news_tiers`, ``claimdesk bench news-tiers``): each query ranked
  twice by :meth:`claims.workspace.Workspace.rank` (the one matcher): against the whole archive, and
  with every statement labelled ``same`` for it removed before ranking (a claim never checked
  before). The figures are those of the CLEF tiers (:func:`pair_table`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claims.errors import BadRecordError, EmptyInputError, InvalidValueError
from claims.segment import segment
from claims.speakers import attribute_speakers
from index.atomic import atomic_write_text
from lab import DATA_DIR
from lab.newsset import _read_table, read_articles, text_digest
from lab.newsset import split_of as news_split_of

if TYPE_CHECKING:
    from claims.workspace import Workspace
    from index.embed import TextEmbedder
    from index.match import Candidate, Matcher
    from lab.bench import BenchArchive

__all__ = [
    "PAIRS_FILE",
    "PAIR_COLUMNS",
    "TODO_COLUMNS",
    "TOP_K",
    "SEED",
    "CITED_COSINE",
    "PairLabel",
    "PairQuery",
    "PairSet",
    "Card",
    "PairOutcome",
    "TRAIN",
    "LABEL_SPLITS",
    "pair_split",
    "draw_order",
    "boilerplate_spans",
    "sample_queries",
    "read_pair_labels",
    "write_pair_labels",
    "read_todo",
    "merge_labels",
    "rebuild_pairs",
    "pair_outcomes",
    "pair_table",
    "split_outcomes",
    "open_pairs",
    "training_pairs",
    "NEWS_TIERS_JSON_KEYS",
    "run_news_tiers",
    "bench_news_tiers",
    "news_pairs_todo",
]

PAIRS_FILE = DATA_DIR / "news_pairs.tsv"
PAIR_COLUMNS = ("query", "start", "end", "query_sha1", "split", "stratum", "candidate", "candidate_sha1", "label")
TODO_COLUMNS = (*PAIR_COLUMNS, "half", "rank", "probability", "query_text", "candidate_text")
TOP_K = 3
"""Cards labelled and scored per query: the first three the product shows."""
SEED = 20261201
CITED_COSINE = 0.70
"""A ``cited`` query is a claim sentence within this cosine of a fact-check other than its article's own."""
MIN_WORDS = 4
MAX_CHARS = 400
SPLITS = ("dev", "heldout")
"""The scored splits."""
TRAIN = "train"
"""Queries labelled to fit the verifier on news prose: drawn from the dev side's articles, never scored."""
LABEL_SPLITS = (TRAIN, *SPLITS)
STRATA = ("random", "cited")
SEED_QUERY = "seed"
DEMO_PREFIX = "demo:"
LABELS = {"same": True, "different": False}
_DIGEST = re.compile(r"[0-9a-f]{12}")
# The crawl put a "Featured Fact-check" box (another, later check) into almost every article text.
_FEATURED = re.compile(r"Featured Fact-check\s.*?\n[ \t]*By [^\n]*•[^\n]*(?:\n|$)", re.S)


# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairLabel:
    """One labelled pair: a query sentence (article and offsets), a candidate statement, and the label."""

    query: str
    start: int
    end: int
    query_sha1: str
    split: str
    stratum: str
    candidate: str
    candidate_sha1: str
    same: bool
    line: int | None = None

    @property
    def key(self) -> str:
        """The query's key: ``<article>:<start>`` (``seed:<start>`` for the seed article)."""
        return f"{self.query}:{self.start}"


@dataclass(frozen=True)
class PairQuery:
    """A query sentence with its text (from the article), the speaker the product attributes, split and stratum."""

    query: str
    start: int
    end: int
    text: str
    split: str
    stratum: str
    speaker: str | None = None

    @property
    def key(self) -> str:
        return f"{self.query}:{self.start}"


@dataclass
class PairSet:
    """The labelled set rebuilt: its queries (file order), labels by (query key, candidate), candidate texts."""

    queries: list[PairQuery]
    labels: dict[tuple[str, str], bool]
    candidate_texts: dict[str, str]

    def same_candidates(self, key: str) -> set[str]:
        """The candidates labelled ``same`` for a query (removed in its open-world half)."""
        return {c for (k, c), same in self.labels.items() if k == key and same}


@dataclass(frozen=True)
class Card:
    """A card as scored: the candidate's id in the label file, the decision score, cosine, tier and reason."""

    candidate: str
    score: float
    cosine: float = 0.0
    tier: str = ""
    reason: str = ""


# -- the draw -------------------------------------------------------------------------------------


def pair_split(article_id: str) -> str:
    """``heldout`` for the news set's dev articles (one in four, by digest of the id), else ``dev``.

    So the held-out articles are ones no shipped model was fitted on (the detector trained on the
    news set's train articles only).
    """
    return "heldout" if news_split_of(article_id) == "dev" else "dev"


def _side(split: str) -> str:
    """The articles a split draws from: ``train`` shares the dev side's articles (never the same article)."""
    return "dev" if split == TRAIN else split


def _hash(*parts: object) -> str:
    return hashlib.sha1(":".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def draw_order(ids: Iterable[str], *, seed: int = SEED, salt: str = "") -> list[str]:
    """``ids`` in the order of the SHA-1 of ``seed:salt:id``: a shuffle that depends on nothing else."""
    return sorted(set(ids), key=lambda i: (_hash(seed, salt, i), i))


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    """Where the crawl's "Featured Fact-check" boxes lie in an article text (character spans)."""
    return [m.span() for m in _FEATURED.finditer(text)]


def _usable(text: str, sentences: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    spans = boilerplate_spans(text)
    return [(s, e, t) for s, e, t in sentences
            if MIN_WORDS <= len(t.split()) and len(t) <= MAX_CHARS
            and not any(a <= s < b for a, b in spans)]


def sample_queries(articles: Mapping[str, str], *, claims_of: Callable[[str, str], Sequence[tuple[int, int, str]]],
                   nearest_other: Callable[[str, Sequence[str]], Sequence[float]], per_stratum: int,
                   seed: int = SEED, cited_cosine: float = CITED_COSINE,
                   splits: Sequence[str] = SPLITS, exclude: Iterable[str] = ()) -> list[PairQuery]:
    """The queries of the set, drawn by the written rule (see the module docstring).

    For each split, the articles of that split (:func:`pair_split`, less ``exclude``; ``train`` draws
    from the ``dev`` side, and ``exclude`` must name the articles dev already uses) are taken in
    :func:`draw_order` (salt: the split). ``claims_of(article_id, text)`` gives the article's claim
    sentences ``(start, end, text)``; sentences in a boilerplate box, under four words or over 400
    characters are left out. The first ``per_stratum`` articles with a usable claim give one
    ``random`` query each; the articles after them give one ``cited`` query each when
    ``nearest_other(article_id, texts)`` (the best cosine of each sentence to a fact-check other than
    the article's own) reaches ``cited_cosine`` for some sentence, until ``per_stratum`` are drawn.
    Within an article the sentence is the one with the smallest SHA-1 of ``seed:article:start``
    among those that qualify. The draw is a function of the articles, the two callables and the seed.
    """
    if per_stratum < 1:
        raise InvalidValueError(f"per_stratum must be at least 1, got {per_stratum}")
    skip = set(exclude)
    out: list[PairQuery] = []
    for split in splits:
        if split not in LABEL_SPLITS:
            raise InvalidValueError(f"unknown split {split!r}: use train, dev or heldout")
        order = draw_order((a for a in articles if a not in skip and pair_split(a) == _side(split)), seed=seed,
                           salt=split)
        drawn = {"random": 0, "cited": 0}
        for article_id in order:
            if drawn["cited"] >= per_stratum:
                break
            text = articles[article_id]
            usable = _usable(text, claims_of(article_id, text))
            if not usable:
                continue
            stratum = "random" if drawn["random"] < per_stratum else "cited"
            if stratum == "cited":
                closeness = nearest_other(article_id, [t for _, _, t in usable])
                usable = [u for u, c in zip(usable, closeness) if c >= cited_cosine]
                if not usable:
                    continue
            start, end, sentence = min(usable, key=lambda u: _hash(seed, article_id, u[0]))
            out.append(PairQuery(article_id, start, end, sentence, split, stratum))
            drawn[stratum] += 1
    return out


# -- the label file -------------------------------------------------------------------------------


def _parse_rows(path: str | Path, columns: Sequence[str], *, require_label: bool) -> list[tuple[PairLabel | None, int,
                                                                                               dict[str, str]]]:
    source = str(path)
    header, rows = _read_table(path, columns)
    at = {c: header.index(c) for c in header}
    out = []
    for line, record in rows:
        if len(record) < len(header):
            raise BadRecordError(f"expected {len(header)} fields, found {len(record)}", source=source, line=line)
        cell = {c: record[i].strip() for c, i in at.items()}
        try:
            start, end = int(cell["start"]), int(cell["end"])
        except ValueError:
            raise BadRecordError("start and end must be integers", source=source, line=line) from None
        problem = None
        if not cell["query"]:
            problem = "empty query"
        elif not 0 <= start < end:
            problem = f"offsets {start}:{end} are not a span"
        elif not (_DIGEST.fullmatch(cell["query_sha1"]) and _DIGEST.fullmatch(cell["candidate_sha1"])):
            problem = "a digest is not 12 lower-case hex digits"
        elif cell["split"] not in (*LABEL_SPLITS, SEED_QUERY) or cell["stratum"] not in (*STRATA, SEED_QUERY):
            problem = f"unknown split or stratum {cell['split']!r}/{cell['stratum']!r}"
        elif (cell["query"] == SEED_QUERY) != (cell["split"] == SEED_QUERY) or \
                (cell["split"] == SEED_QUERY) != (cell["stratum"] == SEED_QUERY):
            problem = "the seed article's rows, and only they, have split and stratum 'seed'"
        elif not cell["candidate"]:
            problem = "empty candidate"
        elif cell["label"] not in LABELS and (require_label or cell["label"]):
            problem = f"label {cell['label']!r} is neither 'same' nor 'different'"
        if problem:
            raise BadRecordError(problem, source=source, line=line)
        label = None
        if cell["label"]:
            label = PairLabel(cell["query"], start, end, cell["query_sha1"], cell["split"], cell["stratum"],
                              cell["candidate"], cell["candidate_sha1"], LABELS[cell["label"]], line)
        out.append((label, line, cell))
    return out


def _check_consistent(labels: Sequence[PairLabel], source: str) -> None:
    pairs: dict[tuple[str, str], int] = {}
    queries: dict[str, PairLabel] = {}
    candidates: dict[str, PairLabel] = {}
    for label in labels:
        pair = (label.key, label.candidate)
        if pair in pairs:
            raise BadRecordError(f"the pair {label.key} / {label.candidate} is labelled twice (first on line "
                                 f"{pairs[pair]})", source=source, line=label.line)
        pairs[pair] = label.line or 0
        first = queries.setdefault(label.key, label)
        if (first.end, first.query_sha1, first.split, first.stratum) != (label.end, label.query_sha1, label.split,
                                                                          label.stratum):
            raise BadRecordError(f"query {label.key} differs from line {first.line} (end, digest, split or stratum)",
                                 source=source, line=label.line)
        known = candidates.setdefault(label.candidate, label)
        if known.candidate_sha1 != label.candidate_sha1:
            raise BadRecordError(f"candidate {label.candidate} has another digest on line {known.line}",
                                 source=source, line=label.line)


def read_pair_labels(path: str | Path = PAIRS_FILE) -> list[PairLabel]:
    """The labelled pairs of a label file, checked for form; texts are not read (see :func:`rebuild_pairs`).

    Tab-separated, a header with :data:`PAIR_COLUMNS`: ``query`` (a PolitiFact article's vclaim id,
    or ``seed``), ``start``/``end`` (the sentence's characters in that article), ``query_sha1`` (the
    first 12 hex digits of the SHA-1 of the sentence), ``split`` (``dev``/``heldout``; ``train`` for
    queries that fit the verifier and are never scored; ``seed`` for the seed article), ``stratum``
    (``random``/``cited``/``seed``), ``candidate`` (a vclaim id, or ``demo:<row>`` for a row of the
    demo archive), ``candidate_sha1`` and ``label`` (``same`` or
    ``different``). A malformed row, a pair labelled twice, or one query or candidate given with two
    digests is a :class:`~claims.errors.BadRecordError` naming the line.
    """
    labels = [label for label, _, _ in _parse_rows(path, PAIR_COLUMNS, require_label=True) if label is not None]
    if not labels:
        raise EmptyInputError("no labelled pairs", source=str(path))
    _check_consistent(labels, str(path))
    return labels


def write_pair_labels(labels: Iterable[PairLabel], path: str | Path = PAIRS_FILE) -> int:
    """Write a label file (sorted by split, query and candidate), all or nothing; returns the rows."""
    ordered = sorted(labels, key=lambda p: ((*SPLITS, SEED_QUERY, TRAIN).index(p.split), p.query, p.start,
                                            p.candidate))
    _check_consistent(ordered, str(path))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(PAIR_COLUMNS)
    for p in ordered:
        writer.writerow((p.query, p.start, p.end, p.query_sha1, p.split, p.stratum, p.candidate, p.candidate_sha1,
                         "same" if p.same else "different"))
    atomic_write_text(Path(path), buffer.getvalue())
    return len(ordered)


def read_todo(path: str | Path) -> list[PairLabel]:
    """The pairs of a to-label file (:data:`TODO_COLUMNS`) that carry a label; unlabelled rows are skipped.

    Each row's digests must be those of the texts it shows, so a label always belongs to the text read.
    """
    out = []
    for label, line, cell in _parse_rows(path, TODO_COLUMNS, require_label=False):
        if text_digest(cell["query_text"]) != cell["query_sha1"] or \
                text_digest(cell["candidate_text"]) != cell["candidate_sha1"]:
            raise BadRecordError("a digest does not match the text shown", source=str(path), line=line)
        if label is not None:
            out.append(label)
    return out


def merge_labels(todo: str | Path, labels_path: str | Path = PAIRS_FILE) -> tuple[int, int]:
    """Add the labelled rows of a to-label file to the label file; returns (added, rows now).

    A pair already in the label file is refused (one label per pair); so is a query or candidate
    whose digest differs from the file's.
    """
    new = read_todo(todo)
    old = read_pair_labels(labels_path) if Path(labels_path).exists() else []
    known = {(p.key, p.candidate) for p in old}
    again = [p for p in new if (p.key, p.candidate) in known]
    if again:
        raise BadRecordError(f"the pair {again[0].key} / {again[0].candidate} is already labelled", source=str(todo),
                             line=again[0].line)
    total = write_pair_labels([*old, *new], labels_path)
    return len(new), total


# -- texts --------------------------------------------------------------------------------------


def _speakers_at(text: str) -> dict[int, str | None]:
    """The product's speaker for each sentence of an article, by start offset."""
    sentences = segment(text)
    return {s.start: speaker for s, speaker in zip(sentences, attribute_speakers(text, sentences))}


def rebuild_pairs(labels: Sequence[PairLabel], articles: Mapping[str, str], vclaims: Mapping[str, str], *,
                  seed_text: str | None = None, demo: Mapping[str, str] | None = None,
                  source: str = str(PAIRS_FILE)) -> PairSet:
    """The labelled set with its texts: query sentences from ``articles`` (or ``seed_text``), candidates
    from ``vclaims`` (id → claim) or ``demo`` (``demo:<row>`` → text).

    Refuses, naming the label file's line, a query whose article is missing, whose offsets fall
    outside it or whose text no longer has the recorded digest, and a candidate that is missing or
    changed: the labels hold only for the exact texts that were read.
    """
    queries: dict[str, PairQuery] = {}
    pairs: dict[tuple[str, str], bool] = {}
    texts: dict[str, str] = {}
    speakers: dict[str, dict[int, str | None]] = {}
    for label in labels:
        body = seed_text if label.query == SEED_QUERY else articles.get(label.query)
        if body is None:
            raise BadRecordError(f"article {label.query!r} is not in the article texts", source=source, line=label.line)
        if label.end > len(body):
            raise BadRecordError(f"offsets {label.start}:{label.end} fall outside article {label.query}",
                                 source=source, line=label.line)
        sentence = body[label.start:label.end]
        if text_digest(sentence) != label.query_sha1:
            raise BadRecordError(f"the text at {label.query}:{label.start}:{label.end} differs from the one labelled",
                                 source=source, line=label.line)
        pool = demo if label.candidate.startswith(DEMO_PREFIX) else vclaims
        candidate = (pool or {}).get(label.candidate)
        if candidate is None:
            raise BadRecordError(f"candidate {label.candidate!r} is not in the archive", source=source, line=label.line)
        if text_digest(candidate) != label.candidate_sha1:
            raise BadRecordError(f"the text of candidate {label.candidate} differs from the one labelled",
                                 source=source, line=label.line)
        texts[label.candidate] = candidate
        pairs[(label.key, label.candidate)] = label.same
        if label.key not in queries:
            if label.query not in speakers:
                speakers[label.query] = _speakers_at(body)
            queries[label.key] = PairQuery(label.query, label.start, label.end, sentence, label.split, label.stratum,
                                           speakers[label.query].get(label.start))
    return PairSet(list(queries.values()), pairs, texts)


# -- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairOutcome:
    """One query's cards as the tiers see them, and what the labels say of them.

    ``top_same`` is the label of the first card against the whole archive (None: not labelled);
    ``same_score`` the best score among shown cards labelled ``same``; ``has_same`` whether any
    candidate is labelled ``same`` for the query; ``unseen_*`` the first card once every statement
    labelled ``same`` is removed (``removed`` is False when nothing was, and the two halves are one
    ranking).
    """

    key: str
    split: str
    stratum: str
    top_same: bool | None
    top_score: float | None
    same_score: float | None
    has_same: bool
    removed: bool
    unseen_top_same: bool | None
    unseen_top_score: float | None


def pair_outcomes(queries: Sequence[PairQuery], seen: Sequence[Sequence[Card]], unseen: Sequence[Sequence[Card]],
                  labels: Mapping[tuple[str, str], bool]) -> list[PairOutcome]:
    """:class:`PairOutcome` of each query from its two rankings (``seen``: whole archive; ``unseen``:
    labelled-same statements removed) and the labels."""
    if not len(queries) == len(seen) == len(unseen):
        raise InvalidValueError("one ranking of each half per query is needed")
    out = []
    for query, cards, other in zip(queries, seen, unseen):
        same = {c for (k, c), v in labels.items() if k == query.key and v}
        same_scores = [c.score for c in cards if labels.get((query.key, c.candidate)) is True]
        out.append(PairOutcome(
            key=query.key, split=query.split, stratum=query.stratum,
            top_same=labels.get((query.key, cards[0].candidate)) if cards else None,
            top_score=cards[0].score if cards else None,
            same_score=max(same_scores) if same_scores else None, has_same=bool(same), removed=bool(same),
            unseen_top_same=labels.get((query.key, other[0].candidate)) if other else None,
            unseen_top_score=other[0].score if other else None))
    return out


def pair_table(outcomes: Sequence[PairOutcome], thresholds: Sequence[float]) -> list[dict[str, Any]]:
    """Per threshold, the CLEF tiers' figures over labelled pairs.

    - ``precision``: of the first cards called "same claim" (whole archive; and, for queries with a
      statement labelled same, with those removed), the share labelled ``same``; an unlabelled card
      counts as wrong (None when nothing is called);
    - ``recall``: of the queries with a candidate labelled ``same``, the share whose best such card
      shown is called "same claim";
    - ``false_same_rate``: of all queries, the share whose first card is called "same claim" once the
      statements labelled ``same`` are removed (for a query with none, the one ranking);
    - ``same_calls``, ``right_calls``, ``unlabelled_calls`` and ``n_with_same``.
    """
    n = len(outcomes)
    with_same = [o for o in outcomes if o.has_same]
    rows = []
    for threshold in thresholds:
        def called(score: float | None) -> bool:
            return score is not None and score >= threshold

        seen_calls = [o for o in outcomes if called(o.top_score)]
        unseen_calls = [o for o in outcomes if o.removed and called(o.unseen_top_score)]
        right = sum(1 for o in seen_calls if o.top_same) + sum(1 for o in unseen_calls if o.unseen_top_same)
        unlabelled = sum(1 for o in seen_calls if o.top_same is None) + \
            sum(1 for o in unseen_calls if o.unseen_top_same is None)
        calls = len(seen_calls) + len(unseen_calls)
        false_same = sum(1 for o in outcomes if called(o.unseen_top_score))
        found = sum(1 for o in with_same if called(o.same_score))
        rows.append({"threshold": round(float(threshold), 4),
                     "precision": round(right / calls, 4) if calls else None,
                     "recall": round(found / len(with_same), 4) if with_same else None,
                     "false_same_rate": round(false_same / n, 4) if n else 0.0,
                     "same_calls": calls, "right_calls": right, "unlabelled_calls": unlabelled,
                     "n_with_same": len(with_same)})
    return rows


# -- ranking through the product -----------------------------------------------------------------


def _decision(candidate: Candidate[Any]) -> float:
    return candidate.probability if candidate.probability is not None else candidate.cosine


def _card(candidate: Candidate[Any], name: str) -> Card:
    return Card(name, _decision(candidate), candidate.cosine, candidate.tier, candidate.reason)


def _match_queries(archive: BenchArchive, queries: Sequence[PairQuery], removed: Sequence[set[str]]) -> list[Any]:
    """Each query as the matcher takes it, with the ``removed`` vclaims left out before ranking."""
    from index.match import MatchQuery

    match_queries = []
    for query, drop in zip(queries, removed):
        gone = archive.gold(drop)
        match_queries.append(MatchQuery(query.text, speaker=query.speaker,
                                        exclude=(lambda st, gone=gone: st.id in gone) if gone else None))
    return match_queries


def _rank_archive(archive: BenchArchive, queries: Sequence[PairQuery], removed: Sequence[set[str]],
                  top_k: int, matcher: Matcher[Any] | None = None) -> list[list[Card]]:
    """The cards of each query, ranked by ``Workspace.rank`` (its matcher unless ``matcher`` is given)
    with the ``removed`` vclaims left out before ranking."""
    found = archive.workspace.rank(_match_queries(archive, queries, removed), top_k, matcher=matcher)
    return [[_card(c, archive.vclaim_of[c.statement.id]) for c in cards] for cards in found]


def split_outcomes(pairs: PairSet, archive: BenchArchive, split: str, *, matcher: Matcher[Any] | None = None,
                   top_k: int = TOP_K) -> list[PairOutcome]:
    """The :class:`PairOutcome` of every query of ``split`` (``dev`` or ``heldout``), both halves ranked by
    ``matcher`` (the workspace's own unless given: a verifier being chosen)."""
    if split not in SPLITS:
        raise InvalidValueError(f"unknown split {split!r}: use dev or heldout")
    queries = [q for q in pairs.queries if q.split == split]
    seen = _rank_archive(archive, queries, [set()] * len(queries), top_k, matcher)
    unseen = _rank_archive(archive, queries, [pairs.same_candidates(q.key) for q in queries], top_k, matcher)
    return pair_outcomes(queries, seen, unseen, pairs.labels)


def training_pairs(pairs: PairSet, archive: BenchArchive, *,
                   pool: int = 20) -> list[tuple[str, str, list[Mapping[str, float]], list[bool]]]:
    """The matcher's first ``pool`` candidates of each ``train`` query, with their features and labels.

    As :func:`lab.bench.training_pairs` gives them for CLEF: each query gives a ``seen`` group
    (whole archive; a candidate labelled ``same`` is positive, any other negative, as a fact-check
    a CLEF qrel does not name is) and, when a statement is labelled ``same``, an ``unseen`` group
    with those left out (all negative). A query with no ``same`` statement is one open-world group.
    """
    from lab.bench import _embed_queries

    workspace = archive.workspace
    matcher = workspace.matcher().replace(verifier=None)
    queries = [q for q in pairs.queries if q.split == TRAIN]
    groups: list[tuple[str, str, list[Mapping[str, float]], list[bool]]] = []
    for condition, removed in (("seen", [set()] * len(queries)),
                               ("unseen", [pairs.same_candidates(q.key) for q in queries])):
        chosen = [(q, r) for q, r in zip(queries, removed) if condition == "seen" or r]
        match_queries = _match_queries(archive, [q for q, _ in chosen], [r for _, r in chosen])
        found = matcher.candidates(match_queries, _embed_queries(workspace, match_queries), pool) if chosen else []
        for (query, _), candidates in zip(chosen, found):
            groups.append((query.key, condition, [c.features for c in candidates],
                           [pairs.labels.get((query.key, archive.vclaim_of[c.statement.id])) is True
                            for c in candidates]))
    return groups


def _demo_rows() -> dict[str, str]:
    """The demo archive's statements as ``demo:<row>`` (1-based data row of ``claims/demo/archive.csv``) → text."""
    from claims.workspace import DEMO_ARCHIVE, demo_bytes

    reader = csv.DictReader(io.StringIO(demo_bytes(DEMO_ARCHIVE).decode("utf-8")))
    return {f"{DEMO_PREFIX}{row}": " ".join(record["text"].split()) for row, record in enumerate(reader, 1)}


def _seed_text() -> str:
    from claims.workspace import DEMO_ARTICLE, demo_bytes

    return demo_bytes(DEMO_ARTICLE).decode("utf-8")


class _SeedDesk:
    """A throw-away workspace holding the demo archive and the seed article, as a new user gets them."""

    def __init__(self, embedder: TextEmbedder, folder: Path) -> None:
        from claims.settings import load_settings
        from claims.workspace import Workspace

        self.workspace = Workspace(load_settings({"db_url": f"sqlite:///{folder / 'seed.db'}",
                                                  "index_dir": str(folder / "index")}, environ={}),
                                   embedder=embedder)
        self.workspace.load_demo_archive()
        result = self.workspace.ingest_demo_article()[0]
        self.sentences = self.workspace.document_sentences(result.document.id)
        by_text = {text: name for name, text in _demo_rows().items()}
        self.name_of = lambda statement: by_text.get(" ".join(statement.text.split()), f"statement:{statement.id}")

    def claims(self) -> list[PairQuery]:
        """The seed article's claims, as the product flags them."""
        return [PairQuery(SEED_QUERY, s.start, s.end, s.text, SEED_QUERY, SEED_QUERY, s.speaker)
                for s in self.sentences if s.is_claim]

    def cards(self, queries: Sequence[PairQuery], removed: Sequence[set[str]], top_k: int) -> list[list[Card]]:
        """Each seed query's cards, matched as the review screen matches the claim (its speaker, its own id)."""
        from index.match import MatchQuery

        at = {s.start: s for s in self.sentences}
        match_queries = []
        for query, drop in zip(queries, removed):
            row = at.get(query.start)
            match_queries.append(MatchQuery(
                query.text, speaker=row.speaker if row else query.speaker,
                exclude=(lambda st, drop=drop: self.name_of(st) in drop) if drop else None))
        found = self.workspace.rank(match_queries, top_k)
        return [[_card(c, self.name_of(c.statement)) for c in cards] for cards in found]

    def close(self) -> None:
        self.workspace.close()


# -- the benchmark ------------------------------------------------------------------------------


NEWS_TIERS_JSON_KEYS = ("threshold", "precision", "recall", "false_same_rate", "by_threshold", "chosen_here",
                        "n_queries", "n_pairs", "split", "splits", "by_stratum", "seed", "method", "decided_on",
                        "seconds")


def _at(rows: Sequence[Mapping[str, Any]], threshold: float) -> dict[str, Any]:
    return dict(next(r for r in rows if r["threshold"] == round(float(threshold), 4)))


def _drop(dev: Mapping[str, Any], heldout: Mapping[str, Any]) -> dict[str, float | None]:
    return {key: (round(heldout[key] - dev[key], 4) if heldout[key] is not None and dev[key] is not None else None)
            for key in ("precision", "recall", "false_same_rate")}


def open_pairs(labels_path: str | Path, articles_path: str | Path,
               vclaims_path: str | Path) -> tuple[PairSet, list[Any]]:
    """The labelled pairs with their texts (:func:`rebuild_pairs`), and the archive's fact-checks."""
    from lab.bench import read_vclaims

    labels = read_pair_labels(labels_path)
    claims = read_vclaims(vclaims_path)
    pairs = rebuild_pairs(labels, read_articles(articles_path), {c.id: c.text for c in claims},
                          seed_text=_seed_text(), demo=_demo_rows(), source=str(labels_path))
    return pairs, claims


def run_news_tiers(labels_path: str | Path, articles_path: str | Path, vclaims_path: str | Path, *,
                   embedder: TextEmbedder, split: str = "heldout", threshold: float | None = None,
                   workspace: str | Path | None = None, seed: bool = True, top_k: int = TOP_K) -> dict[str, Any]:
    """The news-style tier benchmark (see the module docstring) over every labelled query.

    The top-level figures are those of ``split`` (``dev`` or ``heldout``) at ``threshold`` (default:
    the matcher's own, the verifier's unless ``CLAIMDESK_SAME_CLAIM_P`` says otherwise);
    ``splits`` holds both splits at that threshold and the drop (held-out less dev); ``by_stratum``
    the strata of ``split``; ``seed`` the seed article's claims and the first claim's cards.
    ``outcomes`` lists each query's outcome.
    """
    from lab.bench import THRESHOLDS, choose_threshold, collection_name, open_archive

    if split not in SPLITS:
        raise InvalidValueError(f"unknown split {split!r}: use dev or heldout")
    started = time.perf_counter()
    pairs, claims = open_pairs(labels_path, articles_path, vclaims_path)
    news = [q for q in pairs.queries if q.split in SPLITS]
    archive = open_archive(claims, embedder=embedder, folder=workspace, name=collection_name(vclaims_path))
    try:
        matcher = archive.workspace.matcher()
        outcomes = [o for s in SPLITS for o in split_outcomes(pairs, archive, s, top_k=top_k)]
    finally:
        archive.workspace.close()
    chosen = threshold if threshold is not None else matcher.same_claim_threshold
    thresholds = sorted(set(THRESHOLDS) | {round(float(chosen), 4)})
    tables = {s: pair_table([o for o in outcomes if o.split == s], thresholds) for s in SPLITS}
    rows = tables[split]
    at = _at(rows, chosen)
    split_keys = {q.key for q in news if q.split == split}
    splits: dict[str, Any] = {s: {**_at(tables[s], chosen), "n_queries": sum(o.split == s for o in outcomes)}
                              for s in SPLITS}
    splits["drop"] = _drop(splits["dev"], splits["heldout"])
    by_stratum = {stratum: {**_at(pair_table([o for o in outcomes if o.split == split and o.stratum == stratum],
                                             [chosen]), chosen),
                            "n_queries": sum(o.split == split and o.stratum == stratum for o in outcomes)}
                  for stratum in STRATA}
    result = {
        "threshold": at["threshold"], "precision": at["precision"], "recall": at["recall"],
        "false_same_rate": at["false_same_rate"], "by_threshold": rows, "chosen_here": choose_threshold(rows),
        "n_queries": sum(o.split == split for o in outcomes),
        "n_pairs": sum(1 for (k, _c) in pairs.labels if k in split_keys),
        "split": split, "splits": splits, "by_stratum": by_stratum,
        "seed": _seed_report(pairs, embedder, chosen, top_k) if seed else None,
        "method": "product", "decided_on": "probability" if matcher.verifier is not None else "cosine",
        "outcomes": [o.__dict__ for o in outcomes],
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _seed_report(pairs: PairSet, embedder: TextEmbedder, threshold: float, top_k: int) -> dict[str, Any]:
    """The seed article against the demo archive: calls at ``threshold`` over its labelled claims, and the
    first claim's cards with their labels."""
    queries = [q for q in pairs.queries if q.split == SEED_QUERY]
    with tempfile.TemporaryDirectory(prefix="claimdesk-seed-") as folder:
        desk = _SeedDesk(embedder, Path(folder))
        try:
            claims = desk.claims()
            seen = desk.cards(queries, [set()] * len(queries), top_k)
            unseen = desk.cards(queries, [pairs.same_candidates(q.key) for q in queries], top_k)
            first = claims[0] if claims else None
            first_cards = desk.cards([first], [set()], top_k)[0] if first else []
        finally:
            desk.close()
    outcomes = pair_outcomes(queries, seen, unseen, pairs.labels)
    row = pair_table(outcomes, [threshold])[0] if outcomes else {}
    return {
        **row, "n_queries": len(queries), "n_claims": len(claims),
        "first_claim": None if first is None else {
            "text": first.text, "called_same": any(c.score >= threshold for c in first_cards),
            "cards": [{"candidate": c.candidate, "text": pairs.candidate_texts.get(c.candidate, ""),
                       "probability": round(c.score, 4), "cosine": round(c.cosine, 4), "tier": c.tier,
                       "reason": c.reason, "label": _label_word(pairs.labels.get((first.key, c.candidate)))}
                      for c in first_cards]},
    }


def _label_word(value: bool | None) -> str | None:
    return None if value is None else ("same" if value else "different")


def bench_news_tiers(articles: str | Path, vclaims: str | Path, *, labels: str | Path | None = None,
                     split: str = "heldout", threshold: float | None = None, workspace: str | Path | None = None,
                     seed: bool = True, model_path: str | Path | None = None) -> dict[str, Any]:
    """``claimdesk bench news-tiers``: :func:`run_news_tiers` with the bundled model; the :data:`NEWS_TIERS_JSON_KEYS`."""
    from claims.settings import load_settings
    from index.embed import Embedder

    labels = labels or PAIRS_FILE
    read_pair_labels(labels)  # a bad label file fails before the model loads
    # The product's embedder (CLAIMDESK_EMBED_BACKEND, onnx-int8 by default), as `bench tiers` uses.
    embedder = Embedder.from_settings(load_settings({"model_path": model_path}))
    result = run_news_tiers(labels, articles, vclaims, embedder=embedder, split=split,
                            threshold=threshold, workspace=workspace, seed=seed)
    return {key: result[key] for key in NEWS_TIERS_JSON_KEYS}


# -- making the labels ----------------------------------------------------------------------------


def _product_draw(archive: BenchArchive, articles: Mapping[str, str], *, per_stratum: int, seed: int,
                  exclude: Iterable[str], splits: Sequence[str] = SPLITS) -> list[PairQuery]:
    """:func:`sample_queries` with the product's detector (claim flags) and its dense retrieval (closeness)."""
    from index.match import MatchQuery
    from lab.bench import method_matcher

    workspace: Workspace = archive.workspace
    dense = method_matcher(workspace, "dense")

    def claims_of(_article_id: str, text: str) -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.text) for s in workspace.extract(text) if s.is_claim]

    def nearest_other(article_id: str, texts: Sequence[str]) -> list[float]:
        own = archive.gold([article_id])
        found = workspace.rank([MatchQuery(t, exclude=lambda st: st.id in own) for t in texts], 1, matcher=dense)
        return [cards[0].cosine if cards else 0.0 for cards in found]

    drawn = sample_queries(articles, claims_of=claims_of, nearest_other=nearest_other, per_stratum=per_stratum,
                           seed=seed, exclude=exclude, splits=splits)
    speakers: dict[str, dict[int, str | None]] = {}
    out = []
    for q in drawn:
        if q.query not in speakers:
            speakers[q.query] = _speakers_at(articles[q.query])
        out.append(PairQuery(q.query, q.start, q.end, q.text, q.split, q.stratum, speakers[q.query].get(q.start)))
    return out


def news_pairs_todo(articles_path: str | Path, vclaims_path: str | Path, out: str | Path, *,
                    labels: str | Path | None = None, draw: int | None = None, seed: int = SEED,
                    draw_splits: Sequence[str] = SPLITS, workspace: str | Path | None = None,
                    model_path: str | Path | None = None, top_k: int = TOP_K) -> dict[str, int]:
    """``claimdesk bench news-pairs-todo``: write the pairs the benchmark needs that carry no label yet.

    The queries are those of the label file, plus (with ``draw``) ``draw`` per stratum and split of
    ``draw_splits`` drawn by :func:`sample_queries` from the articles the label file does not cover,
    plus the seed article's claims. For each query the pairs needed are its first ``top_k`` cards against the whole
    archive and its first card once the statements labelled ``same`` are removed; label them
    (``same``/``different`` in ``label``), add them with ``news-pairs-add``, and run this again until
    nothing is left (a statement newly labelled ``same`` changes the open-world ranking).
    """
    from claims.settings import load_settings
    from index.embed import Embedder
    from lab.bench import collection_name, open_archive

    embedder = Embedder.from_settings(load_settings({"model_path": model_path}))
    labels_path = Path(labels or PAIRS_FILE)
    articles = read_articles(articles_path)
    if labels_path.exists():
        pairs, claims = open_pairs(labels_path, articles_path, vclaims_path)
    else:
        from lab.bench import read_vclaims

        claims = read_vclaims(vclaims_path)
        pairs = PairSet([], {}, {})
    vclaim_texts = {c.id: c.text for c in claims}
    archive = open_archive(claims, embedder=embedder, folder=workspace, name=collection_name(vclaims_path))
    try:
        news = [q for q in pairs.queries if q.split in LABEL_SPLITS]
        if draw:
            news += _product_draw(archive, articles, per_stratum=draw, seed=seed, exclude={q.query for q in news},
                                  splits=draw_splits)
        seen = _rank_archive(archive, news, [set()] * len(news), top_k)
        unseen = _rank_archive(archive, news, [pairs.same_candidates(q.key) for q in news], top_k)
    finally:
        archive.workspace.close()
    with tempfile.TemporaryDirectory(prefix="claimdesk-seed-") as folder:
        desk = _SeedDesk(embedder, Path(folder))
        try:
            seeds = [q for q in pairs.queries if q.split == SEED_QUERY]
            known = {q.start for q in seeds}
            seeds += [q for q in desk.claims() if q.start not in known]
            seed_seen = desk.cards(seeds, [set()] * len(seeds), top_k)
            seed_unseen = desk.cards(seeds, [pairs.same_candidates(q.key) for q in seeds], top_k)
        finally:
            desk.close()
    texts = {**vclaim_texts, **_demo_rows()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(TODO_COLUMNS)
    rows = 0
    written: set[tuple[str, str]] = set()
    for query, cards, other in zip([*news, *seeds], [*seen, *seed_seen], [*unseen, *seed_unseen]):
        wanted = [("seen", rank, c) for rank, c in enumerate(cards, 1)] + [("unseen", 1, c) for c in other[:1]]
        for half, rank, card in wanted:
            pair = (query.key, card.candidate)
            if pair in pairs.labels or pair in written or card.candidate not in texts:
                continue
            written.add(pair)
            writer.writerow((query.query, query.start, query.end, text_digest(query.text), query.split, query.stratum,
                             card.candidate, text_digest(texts[card.candidate]), "", half, rank, f"{card.score:.3f}",
                             query.text, texts[card.candidate]))
            rows += 1
    atomic_write_text(Path(out), buffer.getvalue())
    return {"pairs": rows, "queries": len(news) + len(seeds)}
