"""The retrieval benchmark: CLEF CheckThat! claim-retrieval data, the official scorer, and a runner.

``claimdesk bench retrieval`` measures how well the product's own matcher finds the fact-check
that verifies a claim. It reads the CheckThat! formats as they lie in ``../shared/bench``:

- verified claims (``vclaims.tsv``): tab-separated, CSV-quoted, a header row; the id column is
  ``vclaim_id`` or the unnamed first column (CLEF 2020); ``vclaim`` and ``title`` always, and
  ``speaker``, ``date``, ``truth_label`` ... where the collection has them (debates, 2022);
- queries: ``id <TAB> text`` (tweets, with their "— Name (@handle) date" embed signature, or
  debate sentences whose id ``<debate>_<line>`` points into a transcript); a header row is
  recognised by its empty or ``id``-like first cell;
- qrels: TREC ``qid 0 docid rel``; relevant pairs only, de-duplicated on reading;
- transcripts (debates): ``line <TAB> speaker <TAB> sentence`` beside a name map.

It indexes the collection the way the product does (:mod:`index.embed` with the embedding
cache, :class:`index.vectors.VectorIndex`, :class:`index.lexical.LexicalIndex`, fusion from
:mod:`index.fusion`, the learned re-ranker of :mod:`lab.rerank`) and scores the ranking with
:func:`score_run`, which follows the official scorer (``evaluate.py`` on ``trectools``):

- each query's list is sorted by score, best first; equal scores by document id, descending
  (numerically when every id is an integer, as pandas reads them);
- AP@k = sum over relevant documents at ranks r <= k of (relevant documents up to r) / r,
  divided by the query's number of relevant documents in the qrels;
- P@k = relevant documents in the top k, divided by k; RR = 1 / rank of the first relevant
  document within the first 1000;
- every measure is averaged over the queries of the run: a query of the run that has no
  qrels counts as 0, a query of the qrels that is missing from the run is left out.

One deliberate difference: a query given with an empty list still counts (as 0). A TREC run
file cannot list a query with no documents, so the official scorer never sees one; here it
keeps a method from gaining by returning nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claims.errors import (
    BadRecordError,
    EmptyInputError,
    InputError,
    InvalidValueError,
    MissingColumnError,
)
from claims.readers import parse_loose_date
from lab.rerank import SHIPPED_RANKERS, LinearRanker, pair_features, shipped_ranker, train_linear_ranker

if TYPE_CHECKING:
    import numpy as np

    from index.embed import EmbeddingCache, TextEmbedder
    from index.lexical import LexicalIndex
    from index.vectors import VectorIndex

__all__ = [
    "VerifiedClaim",
    "BenchQuery",
    "read_vclaims",
    "read_queries",
    "read_qrels",
    "read_transcripts",
    "attach_debate_context",
    "duplicate_key",
    "deduplicate_claims",
    "carve_dev_ids",
    "clean_tweet",
    "split_tweet_signature",
    "split_camel_case",
    "speaker_name",
    "query_text",
    "document_text",
    "parse_loose_date",
    "query_date",
    "score_run",
    "MAP_DEPTHS",
    "PRECISION_DEPTHS",
    "RR_DEPTH",
    "METHODS",
    "FUSIONS",
    "RetrievalConfig",
    "TWEET_RECIPE",
    "DEBATE_RECIPE",
    "RERANK_DEPTH",
    "RERANK_CONTEXT",
    "recipe",
    "IndexedCollection",
    "index_collection",
    "candidate_features",
    "retrieve",
    "JSON_KEYS",
    "DEFAULT_CACHE",
    "Benchmark",
    "load_benchmark",
    "sample_collection",
    "default_ranker",
    "resolve_ranker",
    "run_retrieval_benchmark",
    "bench_retrieval",
    "ranker_training_groups",
    "train_ranker",
    "train_ranker_file",
]

MAP_DEPTHS = (1, 3, 5, 10, 20)
PRECISION_DEPTHS = (1, 3, 5, 10)
RR_DEPTH = 1000


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedClaim:
    """One fact-check of the collection: its claim, the article's title and what else the file gives."""

    id: str
    text: str
    title: str = ""
    speaker: str = ""
    date: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchQuery:
    """One input claim: a tweet or a debate sentence, with its speaker and preceding sentences."""

    id: str
    text: str
    speaker: str = ""
    context: tuple[str, ...] = ()


# -- readers ---------------------------------------------------------------------------------

_ID_HEADERS = {"", "id", "qid", "iclaim_id", "tweet_id", "query_id", "unnamed: 0"}


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputError("no such file", source=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", source=str(path))
    if path.stat().st_size == 0:
        raise EmptyInputError("the file is empty", source=str(path))


def _read_tsv(path: Path, *, header: bool, quoting: int = csv.QUOTE_MINIMAL) -> Any:
    """The file as a pandas frame of strings; parse errors name the file and line."""
    import pandas as pd

    _require_file(path)
    try:
        return pd.read_csv(path, sep="\t", header=0 if header else None, dtype=str, keep_default_na=False,
                           quoting=quoting, encoding="utf-8", engine="c")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=str(path)) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise BadRecordError(f"cannot parse the tab-separated file: {str(exc).strip()}", source=str(path),
                             line=int(found.group(1)) if found else None) from None
    except pd.errors.EmptyDataError:
        raise EmptyInputError("the file holds no rows", source=str(path)) from None


def _record_line(path: Path, record: int, *, header: bool, quoting: int = csv.QUOTE_MINIMAL) -> int | None:
    """The physical line where data record ``record`` (0-based) starts; quoted fields may span lines."""
    with path.open(encoding="utf-8", newline="") as fp:
        reader = csv.reader(fp, delimiter="\t", quoting=quoting)
        line = 0
        if header:
            next(reader, None)
            line = reader.line_num
        for index, _row in enumerate(reader):
            if index == record:
                return line + 1
            line = reader.line_num
    return None


def read_vclaims(path: str | Path) -> list[VerifiedClaim]:
    """The verified claims of a CheckThat! collection (any of the three layouts), in file order.

    Raises :class:`~claims.errors.InputError` subclasses naming the file (and line) for a
    missing ``vclaim`` column, an empty or repeated id, or an empty claim.
    """
    path = Path(path)
    frame = _read_tsv(path, header=True)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    if "vclaim" not in columns:
        raise MissingColumnError(f"no 'vclaim' column (columns: {', '.join(columns)})", source=str(path), line=1)
    id_column = "vclaim_id" if "vclaim_id" in columns else columns[0]
    if id_column == "vclaim":
        raise MissingColumnError("no id column before 'vclaim'", source=str(path), line=1)
    known = {id_column, "vclaim", "title", "speaker", "date"}
    claims: list[VerifiedClaim] = []
    seen: set[str] = set()
    for index, row in enumerate(frame.to_dict("records")):
        claim_id = str(row[id_column]).strip()
        text = " ".join(str(row["vclaim"]).split())
        problem = None
        if not claim_id:
            problem = "empty claim id"
        elif claim_id in seen:
            problem = f"claim id {claim_id!r} appears twice"
        elif not text:
            problem = f"claim {claim_id!r} has no text"
        if problem:
            raise BadRecordError(problem, source=str(path), line=_record_line(path, index, header=True))
        seen.add(claim_id)
        claims.append(VerifiedClaim(
            id=claim_id, text=text,
            title=" ".join(str(row.get("title", "")).split()),
            speaker=" ".join(str(row.get("speaker", "")).split()),
            date=" ".join(str(row.get("date", "")).split()),
            extra={k: str(v) for k, v in row.items() if k not in known and str(v)},
        ))
    if not claims:
        raise EmptyInputError("the file holds no verified claims", source=str(path))
    return claims


def read_queries(path: str | Path) -> list[BenchQuery]:
    """The input claims of a query file (``id <TAB> text``), de-duplicated, in file order.

    Tweet files CSV-quote texts that start with a quote; the debate file uses no quoting, so a
    file is read with CSV quoting only when some text starts with ``"``. A first row whose id
    cell is empty or a column name is a header. A repeated id must repeat its text.
    """
    path = Path(path)
    _require_file(path)
    with path.open(encoding="utf-8", errors="replace", newline="") as fp:
        lines = [line for line in fp.read().split("\n") if line.strip()]
    if not lines:
        raise EmptyInputError("the file holds no queries", source=str(path))
    first = lines[0].split("\t")
    header = first[0].strip().lower() in _ID_HEADERS
    quoted = any(line.split("\t", 1)[1].startswith('"') for line in lines if "\t" in line)
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    frame = _read_tsv(path, header=header, quoting=quoting)
    if frame.shape[1] < 2:
        raise MissingColumnError("expected two tab-separated columns: id and text", source=str(path), line=1)
    queries: dict[str, BenchQuery] = {}
    for index, (qid, text) in enumerate(zip(frame.iloc[:, 0], frame.iloc[:, 1])):
        qid, text = str(qid).strip(), " ".join(str(text).split())
        problem = None
        if not qid:
            problem = "empty query id"
        elif not text:
            problem = f"query {qid!r} has no text"
        elif qid in queries and queries[qid].text != text:
            problem = f"query id {qid!r} appears twice with different texts"
        if problem:
            raise BadRecordError(problem, source=str(path),
                                 line=_record_line(path, index, header=header, quoting=quoting))
        queries.setdefault(qid, BenchQuery(id=qid, text=text))
    return list(queries.values())


def read_qrels(path: str | Path) -> dict[str, frozenset[str]]:
    """Relevant documents per query from a TREC qrels file (``qid 0 docid rel``), de-duplicated.

    Pairs with relevance 0 are dropped; a line without four fields or with a non-integer
    relevance raises :class:`~claims.errors.BadRecordError` naming the file and line.
    """
    path = Path(path)
    _require_file(path)
    relevant: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as fp:
        for number, line in enumerate(fp, start=1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 4:
                raise BadRecordError(f"expected 4 fields (qid 0 docid relevance), found {len(fields)}",
                                     source=str(path), line=number)
            qid, _zero, docid, rel = fields
            try:
                grade = int(rel)
            except ValueError:
                raise BadRecordError(f"relevance {rel!r} is not an integer", source=str(path),
                                     line=number) from None
            if grade > 0:
                relevant.setdefault(qid, set()).add(docid)
    if not relevant:
        raise EmptyInputError("the qrels list no relevant pair", source=str(path))
    return {qid: frozenset(docs) for qid, docs in relevant.items()}


def read_transcripts(folder: str | Path, name_map: str | Path | None = None) -> dict[str, dict[int, tuple[str, str]]]:
    """Debate transcripts keyed by query-id prefix: ``{prefix: {line: (speaker, sentence)}}``.

    ``name_map`` (default ``transcript_name_map.tsv`` beside the folder) maps each prefix to its
    file; without one, each file's stem is its prefix.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such folder of transcripts", source=str(folder))
    map_path = Path(name_map) if name_map is not None else folder.parent / "transcript_name_map.tsv"
    if map_path.exists():
        frame = _read_tsv(map_path, header=True, quoting=csv.QUOTE_NONE)
        if frame.shape[1] < 2:
            raise MissingColumnError("expected columns: prefix, transcript file", source=str(map_path), line=1)
        files = {str(p).strip(): folder / str(f).strip() for p, f in zip(frame.iloc[:, 0], frame.iloc[:, 1])}
    elif name_map is not None:
        raise InputError("no such file", source=str(map_path))
    else:
        files = {p.stem: p for p in sorted(folder.glob("*.tsv"))}
    transcripts: dict[str, dict[int, tuple[str, str]]] = {}
    for prefix, file in files.items():
        if not file.exists():
            raise InputError(f"the name map lists {file.name}, which is missing", source=str(map_path))
        lines: dict[int, tuple[str, str]] = {}
        with file.open(encoding="utf-8") as fp:
            for number, raw in enumerate(fp, start=1):
                if not raw.strip():
                    continue
                fields = raw.rstrip("\n").split("\t")
                if len(fields) != 3 or not fields[0].strip().isdigit():
                    raise BadRecordError("expected 3 fields: line number, speaker, sentence",
                                         source=str(file), line=number)
                lines[int(fields[0])] = (fields[1].strip(), " ".join(fields[2].split()))
        transcripts[prefix] = lines
    return transcripts


def attach_debate_context(queries: Sequence[BenchQuery], transcripts: Mapping[str, Mapping[int, tuple[str, str]]],
                          *, previous: int = 3) -> list[BenchQuery]:
    """Queries with their speaker and up to ``previous`` sentences before them, from the transcript.

    A query id is ``<prefix>_<line>``; a query whose transcript or line is unknown is returned
    unchanged. Lines spoken by ``SYSTEM`` (applause, crosstalk) are skipped as context.
    """
    out = []
    for query in queries:
        prefix, _, number = query.id.rpartition("_")
        lines = transcripts.get(prefix)
        if lines is None or not number.isdigit() or int(number) not in lines:
            out.append(query)
            continue
        line = int(number)
        speaker = lines[line][0]
        context: list[str] = []
        cursor = line - 1
        while len(context) < previous and cursor >= min(lines):
            if cursor in lines and lines[cursor][0].upper() != "SYSTEM":
                context.append(lines[cursor][1])
            cursor -= 1
        out.append(BenchQuery(id=query.id, text=query.text, speaker=speaker, context=tuple(reversed(context))))
    return out


def duplicate_key(claim: VerifiedClaim) -> str:
    """What two copies of one fact-check share: the words of claim and title, lower-cased.

    Quote marks and punctuation are ignored: the CLEF 2020 collection holds 180 pairs that differ
    only in ``"`` versus ``'``.
    """
    return " ".join(re.findall(r"\w+", f"{claim.text} {claim.title}".lower()))


def deduplicate_claims(claims: Sequence[VerifiedClaim]) -> list[VerifiedClaim]:
    """The claims with later copies of the same fact-check (same :func:`duplicate_key`) left out.

    The first copy in file order is kept, as an import keeps the first of two identical rows.
    Copies matter to scoring: they tie in BM25, the official scorer then puts the higher id first,
    and either way a copy takes a rank from a different fact-check.
    """
    seen: set[str] = set()
    kept = []
    for claim in claims:
        key = duplicate_key(claim)
        if key not in seen:
            seen.add(key)
            kept.append(claim)
    return kept


def carve_dev_ids(query_ids: Collection[str], reference_ids: Collection[str]) -> set[str]:
    """The ids of ``query_ids`` whose trailing number is the trailing number of a reference id.

    CLEF 2021/2022 2A keeps its official dev hidden; its README proposes as dev the train tweets
    ``tweet-sno-N`` whose N is a CLEF 2020 dev id. Those are the 2020 dev tweets, so a model
    trained on the other 800 (the 2020 train tweets) never sees a dev tweet of either edition.
    """
    numbers = {m.group(1) for r in reference_ids if (m := re.search(r"(\d+)$", str(r)))}
    return {q for q in query_ids if (m := re.search(r"(\d+)$", q)) and m.group(1) in numbers}


# -- preparing texts -------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"\s*[—–]\s*(?P<name>[^—–]*?)\s*\(@(?P<handle>\w+)\)\s*(?P<date>[A-Z][a-z]+\.? \d{1,2}, \d{4})\s*$")
_HANDLE = re.compile(r"@(\w+)")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|dr|sen|senator|gov|governor|rep|president|secretary)\.?\s+",
                        re.IGNORECASE)


def split_camel_case(word: str) -> str:
    """``TomCottonAR`` → ``Tom Cotton AR``; ``realDonaldTrump`` → ``real Donald Trump``."""
    return _CAMEL.sub(" ", word).replace("_", " ")


def split_tweet_signature(text: str) -> tuple[str, str, str, str]:
    """(body, author name, handle, date) of a tweet with its embed signature; empty parts when absent."""
    found = _SIGNATURE.search(text)
    if not found:
        return text, "", "", ""
    return text[:found.start()], found.group("name"), found.group("handle"), found.group("date")


def clean_tweet(text: str, *, author: bool = True, date: bool = False) -> str:
    """A tweet as a retrieval query: signature, URLs and ``pic.twitter.com`` links removed,
    ``@handles`` and ``#HashTags`` turned into words (``#RichardGrenell`` → ``Richard Grenell``).

    The author's name (``author``) and the tweet's date (``date``) from the signature may be kept
    at the end: fact-checks often name who said a thing and when.
    """
    body, name, handle, when = split_tweet_signature(text)
    body = _URL.sub(" ", body)
    body = _HANDLE.sub(lambda m: split_camel_case(m.group(1)), body)
    body = _HASHTAG.sub(lambda m: split_camel_case(m.group(1)), body)
    parts = [body]
    if author and name:
        parts.append(_HASHTAG.sub(lambda m: split_camel_case(m.group(1)), _URL.sub(" ", name)))
    if date and when:
        parts.append(when)
    return " ".join(" ".join(parts).split())


def speaker_name(raw: str) -> str:
    """A transcript speaker as a fact-check would name them: ``MR. ROMNEY`` → ``Romney``."""
    name = _HONORIFIC.sub("", raw.strip())
    if name.upper() == "SYSTEM":
        return ""
    return name.title() if name.isupper() else name


def query_text(query: BenchQuery, *, clean: bool = True, author: bool = True, date: bool = False,
               speaker: bool = True, context: int = 0) -> str:
    """The text a query is searched with: a cleaned tweet, or a debate sentence after its speaker
    (``speaker``) and its ``context`` preceding sentences."""
    text = clean_tweet(query.text, author=author, date=date) if clean else query.text
    parts = []
    if context and query.context:
        parts.extend(query.context[-context:])
    parts.append(text)
    if speaker and query.speaker and (name := speaker_name(query.speaker)):
        parts.insert(0, f"{name}:")
    return " ".join(parts)


def document_text(claim: VerifiedClaim, *, title: bool = True, speaker: bool = False) -> str:
    """The text a verified claim is indexed under: its claim, then its title, then who said it."""
    parts = [claim.text]
    if title and claim.title and claim.title != claim.text:
        parts.append(claim.title)
    if speaker and claim.speaker:
        parts.append(claim.speaker)
    return " ".join(parts)


# -- scoring ---------------------------------------------------------------------------------


def _docid_key(numeric: bool):
    def key(item: tuple[Any, float]) -> tuple[float, Any]:
        doc, score = item
        return (-float(score), -int(doc) if numeric else _Descending(str(doc)))
    return key


class _Descending(str):
    """A string that sorts in reverse, for ties broken by document id descending."""

    def __lt__(self, other: str) -> bool:  # type: ignore[override]
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:  # type: ignore[override]
        return str.__lt__(self, other)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) or bool(re.fullmatch(r"-?\d+", str(value)))


def score_run(run: Mapping[str, Sequence[tuple[Any, float]]], qrels: Mapping[str, Collection[Any]]) -> dict[str, float]:
    """MAP@k, P@k and MRR of a run, as the CheckThat! scorer computes them (see the module docstring).

    ``run`` maps each query id to ``(document id, score)`` pairs in any order; ``qrels`` maps a
    query id to its relevant document ids. Returns ``map@1 map@3 map@5 map@10 map@20 p@1 p@3
    p@5 p@10 mrr`` and ``n_queries`` (the queries of the run).
    """
    all_docs = [doc for ranking in run.values() for doc, _ in ranking]
    numeric = bool(all_docs) and all(_is_int(d) for d in all_docs)
    key = _docid_key(numeric)
    totals = {f"map@{k}": 0.0 for k in MAP_DEPTHS}
    totals.update({f"p@{k}": 0.0 for k in PRECISION_DEPTHS})
    totals["mrr"] = 0.0
    for qid, ranking in run.items():
        relevant = {str(d) for d in qrels.get(qid, ())}
        if not relevant:
            continue
        ordered = [str(doc) for doc, _ in sorted(ranking, key=key)]
        hits = [doc in relevant for doc in ordered]
        found = 0
        precision_sum = 0.0
        ap_at: dict[int, float] = {}
        for rank, hit in enumerate(hits[:max(MAP_DEPTHS)], start=1):
            if hit:
                found += 1
                precision_sum += found / rank
            if rank in MAP_DEPTHS:
                ap_at[rank] = precision_sum
        for k in MAP_DEPTHS:
            totals[f"map@{k}"] += ap_at.get(k, precision_sum) / len(relevant)
        for k in PRECISION_DEPTHS:
            totals[f"p@{k}"] += sum(hits[:k]) / k
        first = next((rank for rank, hit in enumerate(hits[:RR_DEPTH], start=1) if hit), None)
        if first is not None:
            totals["mrr"] += 1.0 / first
    n = len(run)
    scores = {name: (value / n if n else 0.0) for name, value in totals.items()}
    scores["n_queries"] = n
    return scores


# -- dates -----------------------------------------------------------------------------------

_ID_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})_")


def query_date(query: BenchQuery) -> dt.date | None:
    """When the input claim was made: a debate id's ``YYYYMMDD_`` prefix or the tweet signature's date."""
    if found := _ID_DATE.match(query.id):
        try:
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            return None
    when = split_tweet_signature(query.text)[3]
    return parse_loose_date(when) if when else None


# -- retrieval -------------------------------------------------------------------------------

METHODS = ("bm25", "dense", "hybrid", "rerank")
FUSIONS = ("zscore", "minmax", "rrf")


@dataclass(frozen=True)
class RetrievalConfig:
    """How queries and fact-checks are prepared and ranked.

    ``depth`` candidates come from each retriever. ``hybrid`` fuses the two lists: ``zscore`` /
    ``minmax`` add the standardised scores with ``dense_weight`` and ``lexical_weight``; ``rrf``
    is weighted reciprocal rank fusion with constant ``rrf_k``. ``rerank`` orders the same
    candidates with a learned ``ranker`` (:class:`lab.rerank.LinearRanker`).

    Preparation: ``clean_tweets`` strips a tweet's signature, links and ``@``/``#`` marks and
    keeps the author's name when ``tweet_author``; ``speaker`` puts a debate sentence's speaker
    in front; ``context`` / ``lexical_context`` preceding sentences go into the dense / BM25
    query. Fact-checks are indexed as claim + title (``doc_title``), and BM25 also sees who made
    the checked statement (``doc_speaker``). ``stem`` stems BM25 tokens (PyStemmer).
    """

    method: str = "hybrid"
    depth: int = 100
    fusion: str = "zscore"
    dense_weight: float = 1.0
    lexical_weight: float = 0.7
    rrf_k: float = 60.0
    clean_tweets: bool = True
    tweet_author: bool = True
    speaker: bool = True
    context: int = 0
    lexical_context: int = 0
    doc_title: bool = True
    doc_speaker: bool = False
    stem: bool = True
    deduplicate: bool = True
    ranker: LinearRanker | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidValueError(f"unknown method {self.method!r}: use one of {', '.join(METHODS)}")
        if self.fusion not in FUSIONS:
            raise InvalidValueError(f"unknown fusion {self.fusion!r}: use one of {', '.join(FUSIONS)}")
        if self.depth < 1:
            raise InvalidValueError(f"depth must be at least 1, got {self.depth}")
        if self.method == "rerank" and self.ranker is None:
            raise InvalidValueError("method 'rerank' needs a trained ranker")

    def describe(self) -> dict[str, Any]:
        """The settings as plain values (the ranker by its name), for reports."""
        out = {k: v for k, v in self.__dict__.items() if k != "ranker"}
        if self.ranker is not None:
            out["ranker"] = self.ranker.provenance.get("name", "custom")
        return out


# Tuned on the train splits only (CLEF 2020 train tweets; CLEF 2021 2B train sentences): see
# docs/BENCHMARKS.md for the grids and the dev scores they gave.
TWEET_RECIPE = RetrievalConfig()
DEBATE_RECIPE = RetrievalConfig(speaker=True, context=0, lexical_context=0, doc_speaker=True)
RERANK_DEPTH = 50
# The re-ranker sees the previous debate sentence in the dense query (train MAP@5 0.698 vs 0.689).
RERANK_CONTEXT = {"tweets": 0, "debates": 1}


def recipe(kind: str, method: str = "hybrid", *, depth: int | None = None,
           ranker: LinearRanker | None = None) -> RetrievalConfig:
    """The tuned configuration for ``kind`` (``tweets`` or ``debates``) and ``method``.

    ``rerank`` takes :data:`RERANK_DEPTH` candidates from each retriever unless ``depth`` says otherwise.
    """
    if kind not in ("tweets", "debates"):
        raise InvalidValueError(f"unknown kind of queries {kind!r}: use 'tweets' or 'debates'")
    values = dict((TWEET_RECIPE if kind == "tweets" else DEBATE_RECIPE).__dict__)
    values.update(method=method, ranker=ranker)
    if method == "rerank":
        values.update(depth=RERANK_DEPTH, context=RERANK_CONTEXT[kind])
    if depth is not None:
        values["depth"] = depth
    return RetrievalConfig(**values)


@dataclass
class IndexedCollection:
    """A collection of verified claims indexed as the product indexes earlier statements.

    Row ``i`` of ``vectors``, id ``i`` in ``dense`` and ``lexical``, and ``claims[i]`` are one claim.
    """

    claims: list[VerifiedClaim]
    vectors: np.ndarray
    dense: VectorIndex
    lexical: LexicalIndex
    dates: list[dt.date | None]
    seconds: float = 0.0


def index_collection(claims: Sequence[VerifiedClaim], *, embedder: TextEmbedder, cache: EmbeddingCache,
                     config: RetrievalConfig = RetrievalConfig()) -> IndexedCollection:
    """Embed (through ``cache``), FAISS-index and BM25-index the claims, copies left out if configured."""
    import numpy as np

    from index.embed import embed_cached
    from index.lexical import LexicalIndex
    from index.vectors import VectorIndex

    started = time.perf_counter()
    claims = deduplicate_claims(claims) if config.deduplicate else list(claims)
    vectors = embed_cached([document_text(c, title=config.doc_title) for c in claims], embedder, cache)
    ids = np.arange(len(claims), dtype=np.int64)
    dense = VectorIndex(Path("."), embedder.name, embedder.dim)  # held in memory, never saved
    dense.add(ids, vectors)
    lexical = LexicalIndex(ids, [document_text(c, title=config.doc_title, speaker=config.doc_speaker)
                                 for c in claims], stem=config.stem)
    dates = [parse_loose_date(c.date) if c.date else None for c in claims]
    return IndexedCollection(claims, vectors, dense, lexical, dates, time.perf_counter() - started)


def candidate_features(collection: IndexedCollection, query: BenchQuery, query_vector: np.ndarray, lexical_query: str,
                       dense_list: Sequence[tuple[int, float]],
                       lexical_list: Sequence[tuple[int, float]]) -> tuple[list[int], list[dict[str, float]]]:
    """The candidate rows of one query (dense ∪ BM25, ascending) and their re-ranking features."""
    candidates = sorted({i for i, _ in dense_list} | {i for i, _ in lexical_list})
    if not candidates:
        return [], []
    dense_rank = {i: r for r, (i, _) in enumerate(dense_list, start=1)}
    lexical_rank = {i: r for r, (i, _) in enumerate(lexical_list, start=1)}
    dense_scores = collection.vectors[candidates] @ query_vector
    lexical_scores = collection.lexical.scores(lexical_query)
    dense_best = max(float(dense_scores.max()), dense_list[0][1] if dense_list else -1.0)
    lexical_best = lexical_list[0][1] if lexical_list else 0.0
    when = query_date(query)
    claim_text = clean_tweet(query.text)
    speaker = speaker_name(query.speaker)
    rows = []
    for position, row in enumerate(candidates):
        claim = collection.claims[row]
        other = collection.dates[row]
        rows.append(pair_features(
            claim_text, document_text(claim),
            dense=float(dense_scores[position]), dense_best=dense_best, dense_rank=dense_rank.get(row),
            lexical=float(lexical_scores[row]), lexical_best=lexical_best, lexical_rank=lexical_rank.get(row),
            claim_speaker=speaker, fact_check_speaker=claim.speaker,
            days_apart=float((when - other).days) if when and other else None))
    return candidates, rows


@dataclass
class _Candidates:
    dense_texts: list[str]
    lexical_texts: list[str]
    vectors: np.ndarray | None
    dense_lists: list[list[tuple[int, float]]]
    lexical_lists: list[list[tuple[int, float]]]


def _candidates(collection: IndexedCollection, queries: Sequence[BenchQuery], *, embedder: TextEmbedder,
                cache: EmbeddingCache, config: RetrievalConfig) -> _Candidates:
    from index.embed import embed_cached

    dense_texts = [query_text(q, clean=config.clean_tweets, author=config.tweet_author, speaker=config.speaker,
                              context=config.context) for q in queries]
    lexical_texts = [query_text(q, clean=config.clean_tweets, author=config.tweet_author, speaker=config.speaker,
                                context=config.lexical_context) for q in queries]
    empty: list[list[tuple[int, float]]] = [[] for _ in queries]
    vectors = dense_lists = None
    if config.method != "bm25" and queries:
        vectors = embed_cached(dense_texts, embedder, cache)
        dense_lists = collection.dense.search(vectors, config.depth)
    lexical_lists = collection.lexical.search(lexical_texts, config.depth) if config.method != "dense" else empty
    return _Candidates(dense_texts, lexical_texts, vectors, dense_lists or empty, lexical_lists)


def retrieve(collection: IndexedCollection, queries: Sequence[BenchQuery], *, embedder: TextEmbedder,
             cache: EmbeddingCache, config: RetrievalConfig = RetrievalConfig()) -> dict[str, list[tuple[str, float]]]:
    """For each query, verified claims ranked by ``config.method``: ``{query id: [(claim id, score)]}``."""
    from index.fusion import reciprocal_rank_fusion, weighted_score_fusion

    found = _candidates(collection, queries, embedder=embedder, cache=cache, config=config)
    weights = [config.dense_weight, config.lexical_weight]
    run: dict[str, list[tuple[str, float]]] = {}
    for index, query in enumerate(queries):
        dense_list, lexical_list = found.dense_lists[index], found.lexical_lists[index]
        if config.method == "dense":
            ranked = dense_list
        elif config.method == "bm25":
            ranked = lexical_list
        elif config.method == "hybrid" and config.fusion == "rrf":
            ranked = reciprocal_rank_fusion([dense_list, lexical_list], k=config.rrf_k, weights=weights)
        elif config.method == "hybrid":
            ranked = weighted_score_fusion([dense_list, lexical_list], weights, normalise=config.fusion)
        else:
            rows, features = candidate_features(collection, query, found.vectors[index], found.lexical_texts[index],
                                                dense_list, lexical_list)
            scores = config.ranker.score(features) if features else []
            ranked = sorted(zip(rows, (float(s) for s in scores)), key=lambda item: (-item[1], item[0]))
        run[query.id] = [(collection.claims[row].id, float(score)) for row, score in ranked]
    return run


# -- the benchmark ---------------------------------------------------------------------------

DEFAULT_CACHE = Path(".claimdesk") / "bench-cache" / "embeddings.db"
JSON_KEYS = ("map@1", "map@3", "map@5", "map@10", "mrr", "p@1", "p@5", "n_queries", "method", "seconds")


@dataclass
class Benchmark:
    """One benchmark's data: the collection, the queries that have qrels, the qrels, and their kind."""

    claims: list[VerifiedClaim]
    queries: list[BenchQuery]
    qrels: dict[str, frozenset[str]]
    kind: str


def load_benchmark(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                   transcripts: str | Path | None = None, query_ids: Collection[str] | None = None,
                   context: int = 3) -> Benchmark:
    """Read a CheckThat! retrieval benchmark; only queries with qrels (and in ``query_ids``) are kept.

    Debate queries get their speaker and ``context`` preceding sentences from ``transcripts``
    (default: the ``transcripts*`` folder beside the queries file, when there is one); the kind
    is ``debates`` when transcripts are found, ``tweets`` otherwise.
    """
    claims = read_vclaims(vclaims_path)
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    if query_ids is not None:
        wanted = set(query_ids)
        qrels = {q: docs for q, docs in qrels.items() if q in wanted}
    queries = [q for q in queries if q.id in qrels]
    missing = sorted(set(qrels) - {q.id for q in queries})
    if missing:
        raise InputError(f"{len(missing)} queries of the qrels are not in the queries file, e.g. {missing[0]!r}",
                         source=str(qrels_path))
    folder = Path(transcripts) if transcripts is not None else next(
        (p for p in sorted(Path(queries_path).parent.glob("transcripts*")) if p.is_dir()), None)
    kind = "tweets"
    if folder is not None:
        queries = attach_debate_context(queries, read_transcripts(folder), previous=context)
        kind = "debates"
    return Benchmark(claims, queries, qrels, kind)


def default_ranker(kind: str, claims: Sequence[VerifiedClaim]) -> LinearRanker:
    """The shipped ranker for this kind of benchmark (tweets with or without dated fact-checks, debates)."""
    if kind == "debates":
        return shipped_ranker("clef2021-debates")
    dated = sum(1 for c in claims if c.date) > len(claims) / 2
    return shipped_ranker("clef2022-tweets" if dated else "clef2020-tweets")


def run_retrieval_benchmark(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                            method: str = "hybrid", embedder: TextEmbedder, cache: EmbeddingCache,
                            depth: int | None = None,
                            ranker: LinearRanker | str | Path | None = None, transcripts: str | Path | None = None,
                            query_ids: Collection[str] | None = None, config: RetrievalConfig | None = None,
                            collection_sample: int | None = None) -> dict[str, Any]:
    """Index the collection through the product's path, rank it for every query, score the run.

    ``method`` is ``bm25``, ``dense``, ``hybrid`` or ``rerank`` (``ranker``: a LinearRanker, a
    path to its JSON, a shipped name, or None for the shipped one that fits). ``cache`` is any
    EmbeddingCache (a :class:`claims.store.Store`), so a rerun embeds nothing. ``query_ids``
    restricts the queries (a carved dev split). ``collection_sample`` keeps only the qrels'
    claims plus that many others (a seeded sample), for quick tests.

    Returns the scores of :func:`score_run` plus ``method``, ``kind``, ``seconds`` (all of it:
    reading, embedding what the cache lacks, indexing, searching, scoring), ``seconds_index``,
    ``seconds_search``, ``collection`` (claims indexed), ``config`` and ``stemmed`` (whether BM25
    could stem: PyStemmer installed).
    """
    started = time.perf_counter()
    bench = load_benchmark(vclaims_path, queries_path, qrels_path, transcripts=transcripts, query_ids=query_ids)
    claims = bench.claims
    if collection_sample is not None:
        claims = sample_collection(claims, bench.qrels, collection_sample)
    if config is None:
        if method == "rerank":
            ranker = resolve_ranker(ranker, bench.kind, claims)
        config = recipe(bench.kind, method, depth=depth, ranker=ranker)
    collection = index_collection(claims, embedder=embedder, cache=cache, config=config)
    searched = time.perf_counter()
    run = retrieve(collection, bench.queries, embedder=embedder, cache=cache, config=config)
    search_seconds = time.perf_counter() - searched
    scores: dict[str, Any] = dict(score_run(run, bench.qrels))
    scores.update({
        "method": config.method, "kind": bench.kind, "collection": len(collection.claims),
        "seconds": round(time.perf_counter() - started, 2), "seconds_index": round(collection.seconds, 2),
        "seconds_search": round(search_seconds, 2), "config": config.describe(),
        "stemmed": collection.lexical.settings.stem,
    })
    return scores


def resolve_ranker(ranker: LinearRanker | str | Path | None, kind: str,
                   claims: Sequence[VerifiedClaim]) -> LinearRanker:
    """A LinearRanker from a ranker, a shipped name, a JSON path, or None (the shipped default)."""
    if ranker is None:
        return default_ranker(kind, claims)
    if isinstance(ranker, LinearRanker):
        return ranker
    if isinstance(ranker, str) and ranker in SHIPPED_RANKERS:
        return shipped_ranker(ranker)
    return LinearRanker.load(ranker)


def sample_collection(claims: Sequence[VerifiedClaim], qrels: Mapping[str, Collection[str]], others: int,
                      *, seed: int = 13) -> list[VerifiedClaim]:
    """The qrels' claims plus ``others`` more drawn with a fixed seed, in file order."""
    import random

    relevant = {d for docs in qrels.values() for d in docs}
    pool = [c.id for c in claims if c.id not in relevant]
    keep = relevant | set(random.Random(seed).sample(pool, min(others, len(pool))))
    return [c for c in claims if c.id in keep]


def _carved_ids(qrels_path: str | Path, dev_ids_from: str | Path | None) -> set[str] | None:
    if dev_ids_from is None:
        return None
    return carve_dev_ids(list(read_qrels(qrels_path)), [q.id for q in read_queries(dev_ids_from)])


def bench_retrieval(vclaims: str | Path, queries: str | Path, qrels: str | Path, *, method: str = "hybrid",
                    depth: int | None = None, ranker: str | Path | None = None,
                    dev_ids_from: str | Path | None = None, transcripts: str | Path | None = None,
                    cache_path: str | Path = DEFAULT_CACHE, model_path: str | Path | None = None) -> dict[str, Any]:
    """``claimdesk bench retrieval``: one benchmark with the bundled model and a SQLite embedding cache.

    ``dev_ids_from`` names a queries file whose ids' trailing numbers pick the dev queries out of
    ``qrels`` (:func:`carve_dev_ids`; the CLEF 2021/2022 carved dev). Returns the :data:`JSON_KEYS`.
    """
    from claims.store import Store
    from index.embed import Embedder

    store = Store(f"sqlite:///{Path(cache_path)}")
    try:
        result = run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=Embedder(model_path),
                                         cache=store, depth=depth, ranker=ranker, transcripts=transcripts,
                                         query_ids=_carved_ids(qrels, dev_ids_from))
    finally:
        store.dispose()
    return {key: result[key] for key in JSON_KEYS}


# -- training the re-ranker ------------------------------------------------------------------


def ranker_training_groups(bench: Benchmark, *, embedder: TextEmbedder, cache: EmbeddingCache,
                           config: RetrievalConfig) -> list[tuple[list[dict[str, float]], list[bool]]]:
    """For each query, its candidates' features and whether each candidate is relevant."""
    collection = index_collection(bench.claims, embedder=embedder, cache=cache, config=config)
    found = _candidates(collection, bench.queries, embedder=embedder, cache=cache,
                        config=RetrievalConfig(**{**config.__dict__, "method": "hybrid", "ranker": None}))
    groups = []
    for index, query in enumerate(bench.queries):
        rows, features = candidate_features(collection, query, found.vectors[index], found.lexical_texts[index],
                                            found.dense_lists[index], found.lexical_lists[index])
        relevant = bench.qrels.get(query.id, frozenset())
        groups.append((features, [collection.claims[row].id in relevant for row in rows]))
    return groups


def train_ranker(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                 embedder: TextEmbedder, cache: EmbeddingCache, name: str, exclude_ids: Collection[str] = (),
                 transcripts: str | Path | None = None, depth: int = RERANK_DEPTH, c: float = 0.1) -> LinearRanker:
    """``claimdesk train ranker``: fit the pairwise linear re-ranker on a train split.

    Candidates are the hybrid's (``depth`` from each retriever); queries in ``exclude_ids`` (a
    carved dev split) are left out. The returned ranker's provenance names the files (with
    sha256), the split and the settings, so the JSON says how to make it again.
    """
    import hashlib

    bench = load_benchmark(vclaims_path, queries_path, qrels_path, transcripts=transcripts)
    excluded = set(exclude_ids)
    if excluded:
        bench.queries = [q for q in bench.queries if q.id not in excluded]
        bench.qrels = {q: d for q, d in bench.qrels.items() if q not in excluded}
    # the candidates and query texts of the rerank recipe, without a ranker yet
    config = RetrievalConfig(**{**recipe(bench.kind, "hybrid").__dict__, "depth": depth,
                                "context": RERANK_CONTEXT[bench.kind]})
    groups = ranker_training_groups(bench, embedder=embedder, cache=cache, config=config)

    def fingerprint(path: str | Path) -> dict[str, str]:
        return {"file": Path(path).name, "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}

    provenance = {
        "name": name,
        "trained_on": [fingerprint(vclaims_path), fingerprint(queries_path), fingerprint(qrels_path)],
        "kind": bench.kind,
        "queries": len(bench.queries),
        "excluded_queries": len(excluded),
        "candidate_depth": depth,
        "query_context": config.context,
        "embedder": getattr(embedder, "name", "?"),
        "method": "pairwise logistic regression (scikit-learn, lbfgs, no intercept) on standardised features",
    }
    return train_linear_ranker(groups, c=c, provenance=provenance)


def train_ranker_file(vclaims: str | Path, queries: str | Path, qrels: str | Path, *, out: str | Path, name: str,
                      dev_ids_from: str | Path | None = None, transcripts: str | Path | None = None,
                      cache_path: str | Path = DEFAULT_CACHE, model_path: str | Path | None = None) -> LinearRanker:
    """``claimdesk train ranker``: fit the re-ranker on ``qrels`` less the dev carved by ``dev_ids_from``
    and write it as JSON to ``out``; returns the ranker."""
    from claims.store import Store
    from index.embed import Embedder

    store = Store(f"sqlite:///{Path(cache_path)}")
    try:
        ranker = train_ranker(vclaims, queries, qrels, embedder=Embedder(model_path), cache=store, name=name,
                              exclude_ids=_carved_ids(qrels, dev_ids_from) or (), transcripts=transcripts)
    finally:
        store.dispose()
    info = dict(ranker.provenance)
    info["split"] = Path(qrels).name + (" less the dev carved by " + Path(dev_ids_from).name if dev_ids_from else "")
    ranker = replace(ranker, provenance=info)
    ranker.save(out)
    return ranker
