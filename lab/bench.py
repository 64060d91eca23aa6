"""The matching benchmarks: CLEF CheckThat! claim-retrieval data, the official scorer, and runners
that measure the product's own matcher.

``claimdesk bench retrieval`` and ``claimdesk bench tiers`` measure what a reviewer sees. The
collection of fact-checks is written as an archive file and imported with
:meth:`claims.workspace.Workspace.import_statements` into a workspace of its own (SQLite + FAISS
in a folder kept between runs, so only the first run embeds); each query is then matched by
:meth:`Workspace.rank`, the :class:`index.match.Matcher` behind the review screen, ``claimdesk
match`` and the export. Nothing here ranks on its own.

It reads the CheckThat! formats as they lie in ``../shared/bench``:

- verified claims (``vclaims.tsv``): tab-separated, CSV-quoted, a header row; the id column is
  ``vclaim_id`` or the unnamed first column (CLEF 2020); ``vclaim`` and ``title`` always, and
  ``speaker``, ``date``, ``truth_label`` ... where the collection has them (debates, 2022);
- queries: ``id <TAB> text`` (tweets, with their "— Name (@handle) date" embed signature, or
  debate sentences whose id ``<debate>_<line>`` points into a transcript); a header row is
  recognised by its empty or ``id``-like first cell;
- qrels: TREC ``qid 0 docid rel``; relevant pairs only, de-duplicated on reading;
- transcripts (debates): ``line <TAB> speaker <TAB> sentence`` beside a name map.

A tweet is matched as pasted (the matcher drops links and turns the embed signature into the
speaker); a debate sentence with its speaker from the transcript. Each fact-check becomes one
archive row: its claim as the statement's text, its title, its speaker (PolitiFact), its date and
its rating; copies of one fact-check (:func:`duplicate_key`) are imported once, and the qrels of a
left-out copy point to the kept one.

:func:`score_run` follows the official scorer (``evaluate.py`` on ``trectools``):

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
keeps a method from gaining by returning nothing. The run holds the cards a reviewer sees
(``top_k``, 5 by default, in their order), so MAP@5 is the product's figure and MAP@10 equals it.

``claimdesk bench tiers`` is the open-world benchmark of the "same claim" decision: each query is
matched once with its gold fact-checks in the archive and once with them left out (a claim never
checked before, as most claims in the news are), and the top card's tier is scored per threshold.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
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
from index.match import Candidate, Matcher, MatchQuery

if TYPE_CHECKING:
    from claims.models import Statement
    from claims.workspace import Workspace
    from index.embed import TextEmbedder
    from lab.rerank import LinearRanker

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
    "carve_split",
    "score_run",
    "MAP_DEPTHS",
    "PRECISION_DEPTHS",
    "RR_DEPTH",
    "METHODS",
    "Benchmark",
    "load_benchmark",
    "sample_collection",
    "collection_name",
    "archive_file",
    "BenchArchive",
    "open_archive",
    "DEFAULT_WORKSPACES",
    "bench_queries",
    "method_matcher",
    "rank_benchmark",
    "score_cards",
    "run_retrieval_benchmark",
    "JSON_KEYS",
    "bench_retrieval",
    "THRESHOLDS",
    "TierOutcome",
    "tier_outcomes",
    "tier_table",
    "choose_threshold",
    "run_tiers_benchmark",
    "TIERS_JSON_KEYS",
    "bench_tiers",
    "SAME_PAIRS_FILE",
    "read_same_pairs",
    "complete_qrels",
    "same_pairs_todo",
    "merge_same_pairs",
    "training_pairs",
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




def carve_split(query_ids: Collection[str], part: str, *, folds: int = 4) -> set[str]:
    """A dev split carved from a train split: ``part`` ``dev`` is about 1 in ``folds`` groups, ``train`` the rest.

    A debate sentence's group is its debate (the id less ``_<line>``), so no debate is on both
    sides; a tweet is its own group. Groups are assigned by the sha256 of their name, so the
    split never depends on file order and the same id always lands on the same side.
    """
    if part not in ("train", "dev"):
        raise InvalidValueError(f"unknown part {part!r}: use 'train' or 'dev'")

    def is_dev(qid: str) -> bool:
        group = re.sub(r"_\d+$", "", qid)
        return int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:8], 16) % folds == 0

    return {q for q in query_ids if is_dev(q) == (part == "dev")}


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




# -- the benchmark data ----------------------------------------------------------------------


@dataclass
class Benchmark:
    """One benchmark's data: the collection, the queries that have qrels, the qrels, and their kind."""

    claims: list[VerifiedClaim]
    queries: list[BenchQuery]
    qrels: dict[str, frozenset[str]]
    kind: str


def load_benchmark(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                   transcripts: str | Path | None = None, query_ids: Collection[str] | None = None,
                   context: int = 0) -> Benchmark:
    """Read a CheckThat! retrieval benchmark; only queries with qrels (and in ``query_ids``) are kept.

    Debate queries get their speaker (and ``context`` preceding sentences) from ``transcripts``
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


def sample_collection(claims: Sequence[VerifiedClaim], qrels: Mapping[str, Collection[str]], others: int,
                      *, seed: int = 13) -> list[VerifiedClaim]:
    """The qrels' claims plus ``others`` more drawn with a fixed seed, in file order."""
    import random

    relevant = {d for docs in qrels.values() for d in docs}
    pool = [c.id for c in claims if c.id not in relevant]
    keep = relevant | set(random.Random(seed).sample(pool, min(others, len(pool))))
    return [c for c in claims if c.id in keep]


def _query_ids(qrels_path: str | Path, dev_ids_from: str | Path | None, carve: str | None) -> set[str] | None:
    """The queries a run keeps: those carved by ``dev_ids_from`` (CLEF 2021/2022) and/or by ``carve``."""
    if dev_ids_from is None and carve is None:
        return None
    ids = set(read_qrels(qrels_path))
    if dev_ids_from is not None:
        ids = carve_dev_ids(ids, [q.id for q in read_queries(dev_ids_from)])
    if carve is not None:
        ids = carve_split(ids, carve)
    return ids


# -- the collection as an archive the product imports --------------------------------------------

DEFAULT_WORKSPACES = Path(".claimdesk") / "bench-workspaces"


def _archive_date(raw: str) -> str | None:
    """A fact-check's date as ISO, or None when no date can be read (PolitiFact's "stated on …" included)."""
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        found = parse_loose_date(raw)
        return found.isoformat() if found else None


def collection_name(vclaims_path: str | Path) -> str:
    """A collection's name for its archive file and workspace folder: its folder and file stem."""
    path = Path(vclaims_path)
    return f"{path.parent.name}-{path.stem}" if path.parent.name else path.stem


def archive_file(claims: Sequence[VerifiedClaim]) -> tuple[bytes, dict[str, str]]:
    """The collection as a JSONL archive file the product imports, and the aliases of left-out copies.

    One row per fact-check: ``text`` (its claim), ``title``, ``speaker``, ``date`` (ISO), ``rating``
    (PolitiFact's truth label) and ``vclaim_id``, which the import keeps as metadata. Copies of one
    fact-check (:func:`duplicate_key`) and rows the import would take for one statement (same
    text, speaker and date) are written once; ``aliases`` maps each left-out id to the kept one.
    """
    rows, aliases = [], {}
    kept_by_key: dict[str, str] = {}
    kept_by_identity: dict[tuple[str, str, str | None], str] = {}
    for claim in claims:
        date = _archive_date(claim.date)
        identity = (" ".join(claim.text.split()), " ".join(claim.speaker.split()), date)
        key = duplicate_key(claim)
        kept = kept_by_key.get(key) or kept_by_identity.get(identity)
        if kept is not None:
            aliases[claim.id] = kept
            continue
        kept_by_key[key] = kept_by_identity[identity] = claim.id
        row: dict[str, Any] = {"text": claim.text, "vclaim_id": claim.id}
        if claim.title:
            row["title"] = claim.title
        if claim.speaker:
            row["speaker"] = claim.speaker
        if date:
            row["date"] = date
        if claim.extra.get("truth_label"):
            row["rating"] = claim.extra["truth_label"]
        rows.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(rows) + "\n").encode("utf-8"), aliases


@dataclass
class BenchArchive:
    """A collection imported into a workspace: the workspace and the id maps both ways."""

    workspace: Workspace
    statement_of: dict[str, int]  # vclaim id (left-out copies included) -> statement id
    vclaim_of: dict[int, str]  # statement id -> vclaim id
    seconds_import: float = 0.0

    def gold(self, vclaim_ids: Collection[str]) -> frozenset[int]:
        """The statement ids of these fact-checks (those in the archive)."""
        return frozenset(self.statement_of[v] for v in vclaim_ids if v in self.statement_of)


def open_archive(claims: Sequence[VerifiedClaim], *, embedder: TextEmbedder, folder: str | Path | None = None,
                 name: str = "collection", settings: Mapping[str, Any] | None = None) -> BenchArchive:
    """Import the collection into a workspace through the product's own path and map its ids.

    ``folder`` holds the workspace (``bench.db`` and ``index/``); by default a folder under
    :data:`DEFAULT_WORKSPACES` named after the archive's content and the model, so a later run
    reuses it and embeds nothing. ``settings`` are overrides of the workspace's settings.
    """
    from claims.settings import load_settings
    from claims.readers import content_hash
    from claims.workspace import Workspace

    data, aliases = archive_file(claims)
    if folder is None:
        model = re.sub(r"\W+", "-", getattr(embedder, "name", "model")).strip("-")[-40:]
        folder = DEFAULT_WORKSPACES / f"{name}-{content_hash(data)[:12]}-{model}"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    values = {"db_url": f"sqlite:///{folder / 'bench.db'}", "index_dir": str(folder / "index")}
    values.update(settings or {})
    workspace = Workspace(load_settings(values, environ={}), embedder=embedder)
    started = time.perf_counter()
    if not workspace.store.statements.import_seen(content_hash(data)):
        workspace.import_statements(data, f"{name}.jsonl")
    seconds = time.perf_counter() - started
    ids, _texts = workspace.store.statements.statement_texts()
    vclaim_of = {}
    for sid, statement in workspace.store.statements.get_statements(ids).items():
        vclaim = statement.metadata.get("vclaim_id")
        if vclaim is not None:
            vclaim_of[sid] = str(vclaim)
    statement_of = {v: s for s, v in vclaim_of.items()}
    for copy, kept in aliases.items():
        if kept in statement_of:
            statement_of[copy] = statement_of[kept]
    absent = [c.id for c in claims if c.id not in statement_of]
    if absent:
        raise InvalidValueError(f"{len(absent)} fact-checks did not become statements, e.g. {absent[0]!r}")
    return BenchArchive(workspace, statement_of, vclaim_of, seconds)


# -- ranking -----------------------------------------------------------------------------------

METHODS = ("product", "hybrid", "dense", "rerank")
"""``product``: the matcher as shipped (verifier order and tiers); ``hybrid``: the same candidates
without the verifier (cards by cosine, the rule before the verifier); ``dense``: FAISS alone;
``rerank``: the verifier's pool ordered by a pairwise :class:`lab.rerank.LinearRanker` (lab only)."""


def bench_queries(bench: Benchmark, archive: BenchArchive | None = None, *,
                  without_gold: bool = False) -> list[MatchQuery]:
    """The queries as the matcher takes them: text as given, speaker from the transcript.

    ``without_gold`` leaves each query's gold fact-checks out of its candidates, as if they had
    never been imported (the open-world half of :func:`tier_outcomes`).
    """
    out = []
    for query in bench.queries:
        exclude = None
        if without_gold:
            if archive is None:
                raise InvalidValueError("leaving the gold out needs the archive's ids")
            gold = archive.gold(bench.qrels.get(query.id, ()))
            exclude = (lambda st, gold=gold: st.id in gold)
        out.append(MatchQuery(query.text, speaker=query.speaker or None, exclude=exclude))
    return out


def method_matcher(workspace: Workspace, method: str, *, verifier: str | Path | None = None) -> Matcher[Statement]:
    """The workspace's matcher as ``method`` asks (see :data:`METHODS`); ``verifier`` a file to use instead."""
    from index.verify import load_verifier

    if method not in METHODS:
        raise InvalidValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    matcher = workspace.matcher()
    if verifier is not None:
        matcher = matcher.replace(verifier=load_verifier(verifier))
    if method == "hybrid":
        return matcher.replace(verifier=None)
    if method == "dense":
        return matcher.replace(settings=replace(matcher.settings, lexical_weight=0.0), verifier=None)
    return matcher


def _embed_queries(workspace: Workspace, queries: Sequence[MatchQuery]) -> Any:
    from index.embed import embed_cached

    return embed_cached([q.prepared().dense for q in queries], workspace.embedder, workspace.store)


def rank_benchmark(archive: BenchArchive, queries: Sequence[MatchQuery], *, method: str = "product",
                   top_k: int = 5, verifier: str | Path | None = None,
                   ranker: LinearRanker | None = None) -> list[list[Candidate[Statement]]]:
    """The cards of each query, as the matcher of ``method`` shows them (``ranker`` for ``rerank``)."""
    workspace = archive.workspace
    matcher = method_matcher(workspace, method, verifier=verifier)
    if method != "rerank":
        return workspace.rank(queries, top_k, matcher=matcher)
    if ranker is None:
        raise InvalidValueError("method 'rerank' needs a trained ranker (--ranker)")
    pool = max(top_k, matcher.settings.verify_depth)
    found = matcher.candidates(queries, _embed_queries(workspace, queries), pool)
    out = []
    for candidates in found:
        scores = ranker.score([c.features for c in candidates]) if candidates else []
        order = sorted(zip(candidates, scores), key=lambda pair: (-float(pair[1]), pair[0].fused_rank))
        out.append([c for c, _ in order[:top_k]])
    return out


def score_cards(bench: Benchmark, archive: BenchArchive, found: Sequence[Sequence[Candidate[Any]]]) -> dict[str, float]:
    """:func:`score_run` of the cards: each card is its fact-check, scored by its place (first = highest);
    a qrel naming a left-out copy counts the kept one."""
    run = {q.id: [(archive.vclaim_of[c.statement.id], float(len(cards) - rank)) for rank, c in enumerate(cards)]
           for q, cards in zip(bench.queries, found)}
    qrels = {q: {archive.vclaim_of[archive.statement_of[d]] for d in docs if d in archive.statement_of}
             for q, docs in bench.qrels.items()}
    return score_run(run, qrels)


JSON_KEYS = ("map@1", "map@3", "map@5", "mrr", "p@1", "n_queries", "method", "top_k", "seconds")


def _resolve_ranker(ranker: LinearRanker | str | Path | None) -> LinearRanker | None:
    from lab.rerank import LinearRanker

    if ranker is None or isinstance(ranker, LinearRanker):
        return ranker
    return LinearRanker.load(ranker)


def _load_and_import(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                     embedder: TextEmbedder, workspace: str | Path | None, transcripts: str | Path | None,
                     query_ids: Collection[str] | None, collection_sample: int | None,
                     settings: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """The benchmark's files read, and its collection (or a sample of it) imported through the product."""
    bench = load_benchmark(vclaims_path, queries_path, qrels_path, transcripts=transcripts, query_ids=query_ids)
    claims = bench.claims if collection_sample is None else sample_collection(bench.claims, bench.qrels,
                                                                              collection_sample)
    archive = open_archive(claims, embedder=embedder, folder=workspace, name=collection_name(vclaims_path),
                           settings=settings)
    return bench, archive


def run_retrieval_benchmark(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                            embedder: TextEmbedder, method: str = "product", top_k: int = 5,
                            workspace: str | Path | None = None, verifier: str | Path | None = None,
                            ranker: LinearRanker | str | Path | None = None, transcripts: str | Path | None = None,
                            query_ids: Collection[str] | None = None, collection_sample: int | None = None,
                            settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Import the collection through the product, match every query with its matcher, score the cards.

    ``query_ids`` restricts the queries (a carved split); ``collection_sample`` keeps only the
    qrels' claims plus that many others (a seeded sample, for quick tests); ``settings`` override
    the bench workspace's settings (``lexical_weight``, ``verify_depth`` …).

    Returns the scores of :func:`score_run` plus ``method``, ``kind``, ``top_k``, ``collection``
    (statements in the archive), ``seconds`` (everything: reading, importing, matching, scoring),
    ``seconds_import``, ``seconds_match`` and ``matcher`` (its settings).
    """
    started = time.perf_counter()
    bench, archive = _load_and_import(vclaims_path, queries_path, qrels_path, embedder=embedder, workspace=workspace,
                                      transcripts=transcripts, query_ids=query_ids,
                                      collection_sample=collection_sample, settings=settings)
    try:
        matched = time.perf_counter()
        found = rank_benchmark(archive, bench_queries(bench), method=method, top_k=top_k, verifier=verifier,
                               ranker=_resolve_ranker(ranker))
        match_seconds = time.perf_counter() - matched
        scores: dict[str, Any] = dict(score_cards(bench, archive, found))
        scores.update({
            "method": method, "kind": bench.kind, "top_k": top_k, "collection": len(archive.vclaim_of),
            "seconds": round(time.perf_counter() - started, 2), "seconds_import": round(archive.seconds_import, 2),
            "seconds_match": round(match_seconds, 2),
            "matcher": method_matcher(archive.workspace, "product" if method == "rerank" else method,
                                      verifier=verifier).describe(),
        })
    finally:
        archive.workspace.close()
    return scores


def bench_retrieval(vclaims: str | Path, queries: str | Path, qrels: str | Path, *, method: str = "product",
                    top_k: int = 5, ranker: str | Path | None = None, verifier: str | Path | None = None,
                    dev_ids_from: str | Path | None = None, carve: str | None = None,
                    transcripts: str | Path | None = None, workspace: str | Path | None = None,
                    model_path: str | Path | None = None) -> dict[str, Any]:
    """``claimdesk bench retrieval``: one benchmark with the bundled model in a bench workspace.

    ``dev_ids_from`` names a queries file whose ids' trailing numbers pick the dev queries out of
    ``qrels`` (:func:`carve_dev_ids`; the CLEF 2021/2022 carved dev); ``carve`` (``train`` or
    ``dev``) keeps one side of :func:`carve_split`. Returns the :data:`JSON_KEYS`.
    """
    from claims.settings import load_settings
    from index.embed import Embedder

    for path in (vclaims, queries, qrels):
        _require_file(Path(path))  # before the model loads
    # The product's backend (CLAIMDESK_EMBED_BACKEND), so the figures are those of the product.
    embedder = Embedder.from_settings(load_settings({"model_path": model_path}))
    result = run_retrieval_benchmark(vclaims, queries, qrels, embedder=embedder, method=method,
                                     top_k=top_k, workspace=workspace, verifier=verifier, ranker=ranker,
                                     transcripts=transcripts, query_ids=_query_ids(qrels, dev_ids_from, carve))
    return {key: result[key] for key in JSON_KEYS}


# -- the open-world tier benchmark -----------------------------------------------------------------

THRESHOLDS = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))
"""The thresholds of the tier table: 0.30 to 0.99 (a probability with a verifier, a cosine without)."""

TARGET_PRECISION = 0.95
TARGET_FALSE_SAME = 0.01


@dataclass(frozen=True)
class TierOutcome:
    """One query's top cards, with and without its gold in the archive, as the tiers see them.

    ``*_score`` is what the tier is decided on (P(same claim), or the cosine without a verifier);
    ``gold_score`` is the highest score among the gold cards shown (None when no gold is shown).
    """

    query_id: str
    top_is_gold: bool
    top_score: float | None
    gold_score: float | None
    unseen_top_score: float | None
    top_reason: str = ""
    unseen_reason: str = ""


def _decision(candidate: Candidate[Any]) -> float:
    return candidate.probability if candidate.probability is not None else candidate.cosine


def tier_outcomes(bench: Benchmark, archive: BenchArchive, *, method: str = "product", top_k: int = 5,
                  verifier: str | Path | None = None) -> list[TierOutcome]:
    """Each query matched twice (gold imported; gold left out), as :class:`TierOutcome`."""
    seen = rank_benchmark(archive, bench_queries(bench, archive), method=method, top_k=top_k, verifier=verifier)
    unseen = rank_benchmark(archive, bench_queries(bench, archive, without_gold=True), method=method, top_k=top_k,
                            verifier=verifier)
    out = []
    for query, cards, other in zip(bench.queries, seen, unseen):
        gold = archive.gold(bench.qrels.get(query.id, ()))
        gold_scores = [_decision(c) for c in cards if c.statement.id in gold]
        out.append(TierOutcome(
            query_id=query.id, top_is_gold=bool(cards) and cards[0].statement.id in gold,
            top_score=_decision(cards[0]) if cards else None, gold_score=max(gold_scores) if gold_scores else None,
            unseen_top_score=_decision(other[0]) if other else None,
            top_reason=cards[0].reason if cards else "", unseen_reason=other[0].reason if other else ""))
    return out


def tier_table(outcomes: Sequence[TierOutcome], thresholds: Sequence[float] = THRESHOLDS) -> list[dict[str, Any]]:
    """Per threshold: ``precision`` of "same claim" on top cards (both halves together; None with no
    call), ``recall`` (queries with gold whose best gold card is called same claim),
    ``false_same_rate`` (gold-left-out queries whose top card is called same claim), and counts."""
    n = len(outcomes)
    rows = []
    for threshold in thresholds:
        called = sum(1 for o in outcomes if o.top_score is not None and o.top_score >= threshold)
        right = sum(1 for o in outcomes if o.top_is_gold and o.top_score is not None and o.top_score >= threshold)
        false_same = sum(1 for o in outcomes if o.unseen_top_score is not None and o.unseen_top_score >= threshold)
        found = sum(1 for o in outcomes if o.gold_score is not None and o.gold_score >= threshold)
        calls = called + false_same
        rows.append({"threshold": round(float(threshold), 4),
                     "precision": round(right / calls, 4) if calls else None,
                     "recall": round(found / n, 4) if n else 0.0,
                     "false_same_rate": round(false_same / n, 4) if n else 0.0,
                     "same_calls": calls, "right_calls": right})
    return rows


def choose_threshold(rows: Sequence[Mapping[str, Any]], *, min_precision: float = TARGET_PRECISION,
                     max_false_same: float = TARGET_FALSE_SAME) -> dict[str, Any] | None:
    """The row with the highest recall whose precision and false-same rate meet the targets (the
    lowest such threshold on a tie); None when no threshold does."""
    fit = [r for r in rows if r["precision"] is not None and r["precision"] >= min_precision
           and r["false_same_rate"] <= max_false_same]
    if not fit:
        return None
    return max(fit, key=lambda r: (r["recall"], -r["threshold"]))


TIERS_JSON_KEYS = ("threshold", "precision", "recall", "false_same_rate", "by_threshold", "chosen_here",
                   "n_queries", "method", "decided_on", "seconds", "qrels", "qrels_added")


def run_tiers_benchmark(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                        embedder: TextEmbedder, method: str = "product", top_k: int = 5,
                        threshold: float | None = None, workspace: str | Path | None = None,
                        verifier: str | Path | None = None, transcripts: str | Path | None = None,
                        query_ids: Collection[str] | None = None, collection_sample: int | None = None,
                        settings: Mapping[str, Any] | None = None,
                        same_pairs: str | Path | None = None) -> dict[str, Any]:
    """The open-world tier benchmark (see the module docstring).

    ``same_pairs``: a labels file (:data:`SAME_PAIRS_FILE`) whose *same* pairs complete the qrels
    (:func:`complete_qrels`): other fact-checks of a query's claim count as gold in both halves.

    The figures at ``threshold`` (default: the matcher's own: the verifier's, or the cosine rule
    of the settings without one) come first; ``by_threshold`` holds the whole table;
    ``chosen_here`` is the row :func:`choose_threshold` would pick on this split (None if none
    meets the targets); ``outcomes`` lists each query's top cards.
    """
    started = time.perf_counter()
    bench, archive = _load_and_import(vclaims_path, queries_path, qrels_path, embedder=embedder, workspace=workspace,
                                      transcripts=transcripts, query_ids=query_ids,
                                      collection_sample=collection_sample, settings=settings)
    completed = 0
    try:
        if same_pairs is not None:
            bench, completed = complete_qrels(bench, collection_name(vclaims_path), read_same_pairs(same_pairs))
        matcher = method_matcher(archive.workspace, method, verifier=verifier)
        outcomes = tier_outcomes(bench, archive, method=method, top_k=top_k, verifier=verifier)
    finally:
        archive.workspace.close()
    chosen = threshold if threshold is not None else matcher.same_claim_threshold
    rows = tier_table(outcomes, sorted(set(THRESHOLDS) | {round(float(chosen), 4)}))
    at = next(r for r in rows if r["threshold"] == round(float(chosen), 4))
    return {
        "threshold": at["threshold"], "precision": at["precision"], "recall": at["recall"],
        "false_same_rate": at["false_same_rate"], "by_threshold": rows, "chosen_here": choose_threshold(rows),
        "n_queries": len(outcomes), "method": method, "kind": bench.kind,
        "decided_on": "probability" if matcher.verifier is not None else "cosine",
        "seconds": round(time.perf_counter() - started, 2), "outcomes": [o.__dict__ for o in outcomes],
        "qrels": "completed" if same_pairs is not None else "official", "qrels_added": completed,
    }


def bench_tiers(vclaims: str | Path, queries: str | Path, qrels: str | Path, *, method: str = "product",
                threshold: float | None = None, verifier: str | Path | None = None,
                dev_ids_from: str | Path | None = None, carve: str | None = None,
                transcripts: str | Path | None = None, workspace: str | Path | None = None,
                model_path: str | Path | None = None, same_pairs: str | Path | None = None) -> dict[str, Any]:
    """``claimdesk bench tiers``: :func:`run_tiers_benchmark` with the bundled model.

    Returns the :data:`TIERS_JSON_KEYS`.
    """
    from claims.settings import load_settings
    from index.embed import Embedder

    if method == "rerank":
        raise InvalidValueError("tiers are decided by the verifier or by the cosine: use --method product, "
                                "hybrid or dense")
    for path in (vclaims, queries, qrels, *([same_pairs] if same_pairs is not None else [])):
        _require_file(Path(path))  # before the model loads
    # The product's backend (CLAIMDESK_EMBED_BACKEND), so the figures are those of the product.
    embedder = Embedder.from_settings(load_settings({"model_path": model_path}))
    result = run_tiers_benchmark(vclaims, queries, qrels, embedder=embedder, method=method,
                                 threshold=threshold, workspace=workspace, verifier=verifier,
                                 transcripts=transcripts, query_ids=_query_ids(qrels, dev_ids_from, carve),
                                 same_pairs=same_pairs)
    return {key: result[key] for key in TIERS_JSON_KEYS}


# -- completed qrels: other fact-checks of the same claim, labelled by reading ----------------------

SAME_PAIRS_FILE = Path(__file__).resolve().parent / "data" / "clef_same_pairs.tsv"
SAME_PAIR_COLUMNS = ("collection", "query_id", "query_sha1", "vclaim_id", "vclaim_sha1", "label")
SAME_TODO_COLUMNS = (*SAME_PAIR_COLUMNS, "split", "half", "query_text", "vclaim_text")
SAME_PAIR_FLOOR = 0.5
"""Cards with P(same claim) at or above this are labelled when the qrels do not name them."""


def _sha1(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def read_same_pairs(path: str | Path = SAME_PAIRS_FILE) -> dict[tuple[str, str, str], tuple[bool, str, str]]:
    """The labelled (collection, query id, fact-check id) pairs: same or not, with the two texts' digests."""
    out: dict[tuple[str, str, str], tuple[bool, str, str]] = {}
    with open(path, encoding="utf-8", newline="") as fp:
        reader = csv.DictReader(fp, delimiter="\t")
        if tuple(reader.fieldnames or ())[:len(SAME_PAIR_COLUMNS)] != SAME_PAIR_COLUMNS:
            raise InvalidValueError(f"{path}: the header must start with {', '.join(SAME_PAIR_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip()
            if label not in ("same", "different"):
                raise InvalidValueError(f"{path}, line {line}: label {label!r} is neither same nor different")
            key = (row["collection"], row["query_id"], row["vclaim_id"])
            if key in out and out[key][0] != (label == "same"):
                raise InvalidValueError(f"{path}, line {line}: the pair is labelled both ways")
            out[key] = (label == "same", row["query_sha1"], row["vclaim_sha1"])
    return out


def complete_qrels(bench: Benchmark, collection: str,
                   labels: Mapping[tuple[str, str, str], tuple[bool, str, str]]) -> tuple[Benchmark, int]:
    """``bench`` with each query's qrels completed by the fact-checks labelled *same* for it, and how many
    were added. A CLEF query's qrels name one fact-check; PolitiFact and Snopes often checked a claim
    more than once, and an open-world run that leaves out only the named one finds the others.
    Refuses a label whose query or fact-check text changed since it was labelled."""
    texts = {c.id: c.text for c in bench.claims}
    queries = {q.id: q.text for q in bench.queries}
    qrels = {qid: set(docs) for qid, docs in bench.qrels.items()}
    added = 0
    for (name, qid, vid), (same, query_sha1, vclaim_sha1) in labels.items():
        if name != collection or qid not in queries:
            continue
        if vid not in texts or _sha1(queries[qid]) != query_sha1 or _sha1(texts[vid]) != vclaim_sha1:
            raise InvalidValueError(f"the label of query {qid} and fact-check {vid} names texts this "
                                    f"{collection} does not hold (changed since labelling?)")
        if same and vid not in qrels.setdefault(qid, set()):
            qrels[qid].add(vid)
            added += 1
    return replace(bench, qrels={qid: frozenset(docs) for qid, docs in qrels.items()}), added


def same_pairs_todo(bench: Benchmark, archive: BenchArchive, collection: str,
                    labels: Mapping[tuple[str, str, str], tuple[bool, str, str]], *, split: str = "",
                    floor: float = SAME_PAIR_FLOOR, verifier: str | Path | None = None) -> list[dict[str, str]]:
    """The pairs still to label: each query's top card, with its (completed) qrels in the archive and
    with them left out, when it is no gold, carries no label and has P(same claim) >= ``floor``."""
    bench, _ = complete_qrels(bench, collection, labels)
    seen = rank_benchmark(archive, bench_queries(bench, archive), top_k=1, verifier=verifier)
    unseen = rank_benchmark(archive, bench_queries(bench, archive, without_gold=True), top_k=1, verifier=verifier)
    texts = {c.id: c.text for c in bench.claims}
    out, listed = [], set()
    for query, *halves in zip(bench.queries, seen, unseen):
        gold = archive.gold(bench.qrels.get(query.id, ()))
        for half, cards in zip(("seen", "unseen"), halves):
            if not cards or (cards[0].probability or 0.0) < floor or cards[0].statement.id in gold:
                continue
            vid = archive.vclaim_of[cards[0].statement.id]
            if (collection, query.id, vid) in labels or (query.id, vid) in listed:
                continue
            listed.add((query.id, vid))
            out.append({"collection": collection, "query_id": query.id, "query_sha1": _sha1(query.text),
                        "vclaim_id": vid, "vclaim_sha1": _sha1(texts[vid]), "label": "", "split": split,
                        "half": half, "query_text": " ".join(query.text.split()),
                        "vclaim_text": " ".join(texts[vid].split())})
    return out


def merge_same_pairs(todo: str | Path, path: str | Path = SAME_PAIRS_FILE) -> int:
    """Add the labelled rows of a todo file to the labels file (kept sorted); returns how many were new."""
    labels = read_same_pairs(path) if Path(path).exists() else {}
    new = read_same_pairs(todo)
    before = len(labels)
    for key, value in new.items():
        if key in labels and labels[key][0] != value[0]:
            raise InvalidValueError(f"{todo}: query {key[1]} and fact-check {key[2]} are labelled the other way "
                                    f"in {path}")
        labels[key] = value
    with open(path, "w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, delimiter="\t", lineterminator="\n")
        writer.writerow(SAME_PAIR_COLUMNS)
        for (name, qid, vid), (same, qsha, vsha) in sorted(labels.items()):
            writer.writerow((name, qid, qsha, vid, vsha, "same" if same else "different"))
    return len(labels) - before


# -- training data for the verifier and the re-ranker ----------------------------------------------


def training_pairs(bench: Benchmark, archive: BenchArchive, *, pool: int = 20,
                   open_world: bool = True) -> list[tuple[str, str, list[Mapping[str, float]], list[bool]]]:
    """The matcher's candidates of each query with their features and whether each is a gold.

    Each query gives one group ``(query id, "seen", rows, labels)`` with its gold in the archive,
    and with ``open_world`` a second ``(query id, "unseen", rows, labels)`` with the gold left
    out (every label False): the negatives a claim never checked before brings.
    """
    workspace = archive.workspace
    matcher = workspace.matcher().replace(verifier=None)
    groups = []
    conditions = [("seen", False)] + ([("unseen", True)] if open_world else [])
    for condition, without_gold in conditions:
        queries = bench_queries(bench, archive, without_gold=without_gold)
        found = matcher.candidates(queries, _embed_queries(workspace, queries), pool)
        for query, candidates in zip(bench.queries, found):
            gold = archive.gold(bench.qrels.get(query.id, ()))
            groups.append((query.id, condition, [c.features for c in candidates],
                           [c.statement.id in gold for c in candidates]))
    return groups


def ranker_training_groups(bench: Benchmark, archive: BenchArchive, *,
                           pool: int = 20) -> list[tuple[list[Mapping[str, float]], list[bool]]]:
    """For each query, its candidates' features and whether each is relevant (gold imported)."""
    return [(rows, labels) for _, _, rows, labels in training_pairs(bench, archive, pool=pool, open_world=False)]


def _fingerprint(path: str | Path) -> dict[str, str]:
    return {"file": Path(path).name, "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def train_ranker(vclaims_path: str | Path, queries_path: str | Path, qrels_path: str | Path, *,
                 embedder: TextEmbedder, name: str, exclude_ids: Collection[str] = (),
                 transcripts: str | Path | None = None, workspace: str | Path | None = None,
                 pool: int = 20, c: float = 0.1) -> LinearRanker:
    """``claimdesk train ranker``: fit the pairwise linear re-ranker on the matcher's candidates.

    The candidates are the first ``pool`` of the product's fused list; queries in
    ``exclude_ids`` (a carved dev split) are left out. The ranker's provenance names the files
    (with sha256), the split and the settings.
    """
    from lab.rerank import train_linear_ranker

    bench = load_benchmark(vclaims_path, queries_path, qrels_path, transcripts=transcripts)
    excluded = set(exclude_ids)
    if excluded:
        bench.queries = [q for q in bench.queries if q.id not in excluded]
        bench.qrels = {q: d for q, d in bench.qrels.items() if q not in excluded}
    archive = open_archive(bench.claims, embedder=embedder, folder=workspace, name=collection_name(vclaims_path))
    try:
        groups = ranker_training_groups(bench, archive, pool=pool)
    finally:
        archive.workspace.close()
    provenance = {
        "name": name,
        "trained_on": [_fingerprint(vclaims_path), _fingerprint(queries_path), _fingerprint(qrels_path)],
        "kind": bench.kind, "queries": len(bench.queries), "excluded_queries": len(excluded), "pool": pool,
        "embedder": getattr(embedder, "name", "?"),
        "method": "pairwise logistic regression (scikit-learn, lbfgs, no intercept) on standardised features "
                  "of the product matcher's candidates",
    }
    return train_linear_ranker(groups, c=c, provenance=provenance)


def train_ranker_file(vclaims: str | Path, queries: str | Path, qrels: str | Path, *, out: str | Path, name: str,
                      dev_ids_from: str | Path | None = None, transcripts: str | Path | None = None,
                      cache_path: str | Path | None = None, model_path: str | Path | None = None) -> LinearRanker:
    """``claimdesk train ranker``: fit the re-ranker on ``qrels`` less the dev carved by ``dev_ids_from``
    and write it as JSON to ``out``; returns the ranker.

    ``cache_path`` (the command's ``--cache FILE``) names the bench workspace: the folder of that path
    less its suffix (``cache.db`` → ``cache/``); default one per collection under :data:`DEFAULT_WORKSPACES`.
    """
    from index.embed import Embedder

    exclude = _query_ids(qrels, dev_ids_from, None) or ()
    workspace = Path(cache_path).with_suffix("") if cache_path is not None else None
    ranker = train_ranker(vclaims, queries, qrels, embedder=Embedder(model_path), name=name, exclude_ids=exclude,
                          transcripts=transcripts, workspace=workspace)
    info = dict(ranker.provenance)
    info["split"] = Path(qrels).name + (" less the dev carved by " + Path(dev_ids_from).name if dev_ids_from else "")
    ranker = replace(ranker, provenance=info)
    ranker.save(out)
    return ranker
