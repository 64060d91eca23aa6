"""The ``claimdesk`` command line: a thin layer over :class:`claims.workspace.Workspace`.

Every command opens the workspace named by ``--db`` / ``CLAIMDESK_DB`` (default: a SQLite file
in ./data), calls one method, and prints. Any :class:`~claims.errors.ClaimdeskError` becomes
``Error: <message>`` on stderr and exit code 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from claims.archive import parse_verdict_map
from claims.errors import ClaimdeskError, InputError, InvalidValueError
from claims.settings import load_settings

__all__ = ["main"]


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn claimdesk's own errors into click errors: ``Error: ...`` and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ClaimdeskError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _read_file(path: str) -> bytes:
    file = Path(path)
    if not file.exists():
        raise InputError("no such file", source=path)
    if file.is_dir():
        raise InputError("is a folder, not a file", source=path)
    return file.read_bytes()


def _parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(f"--date {value!r} is not a date: use YYYY-MM-DD") from None


class _Context:
    """Settings from the global options; the workspace opens on first use."""

    def __init__(self, overrides: dict[str, Any]) -> None:
        self.overrides = overrides
        self._workspace = None

    @property
    def workspace(self):
        if self._workspace is None:
            from claims.workspace import Workspace

            self._workspace = Workspace(load_settings(self.overrides))
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


pass_ctx = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the workspace (env CLAIMDESK_DB).")
@click.option("--index-dir", type=click.Path(file_okay=False), help="FAISS cache folder (env CLAIMDESK_INDEX_DIR).")
@click.option("--model-path", type=click.Path(file_okay=False), help="Model folder (env CLAIMDESK_MODEL_PATH).")
@click.version_option(package_name="claimdesk")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, index_dir: str | None, model_path: str | None) -> None:
    """claimdesk: find check-worthy claims and match them against earlier fact-checks."""
    state = _Context({"db_url": db_url, "index_dir": index_dir, "model_path": model_path})
    ctx.obj = state
    ctx.call_on_close(state.close)


@main.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per sentence.")
@_fail_cleanly
def extract_cmd(file: str, as_json: bool) -> None:
    """Split FILE into sentences and flag claims, without a database.

    Each sentence has text, start and end (character offsets into the file's text; for a .csv or
    .jsonl batch, into each post's text), checkworthiness (0..1), is_claim and speaker.
    """
    from claims.detector import build_scorer
    from claims.extract import extract
    from claims.readers import read_documents
    from index.embed import Embedder

    settings = load_settings()
    docs = read_documents(_read_file(file), file)
    scorer = build_scorer(Embedder(settings.model_path), settings.detector_path)
    if scorer.fallback:
        click.echo(f"warning: {scorer.reason}", err=True)
    out = []
    for doc in docs:
        out.extend(extract(doc.text, default_speaker=doc.speaker, claim_threshold=settings.claim_threshold,
                           scorer=scorer))
    if as_json:
        click.echo(json.dumps([s.to_json() for s in out], ensure_ascii=False, indent=2))
        return
    for s in out:
        flag = "CLAIM" if s.is_claim else "     "
        who = f" [{s.speaker}]" if s.speaker else ""
        click.echo(f"{flag} {s.checkworthiness:.2f}{who} {s.text}")


@main.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--source", help="Where the documents come from (outlet, show, platform).")
@click.option("--url", help="Link to the original.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Publication date.")
@pass_ctx
@_fail_cleanly
def ingest_cmd(state: _Context, files: tuple[str, ...], source: str | None, url: str | None,
               day: str | None) -> None:
    """Store, embed and match the claims of each FILE (.txt .md .html, or .csv/.jsonl posts)."""
    published = _parse_day(day)
    payloads = [(f, _read_file(f)) for f in files]
    for name, data in payloads:
        started = time.perf_counter()
        results = state.workspace.ingest_file(data, name, source=source, url=url, published=published)
        seconds = time.perf_counter() - started
        for r in results:
            status = "ingested" if r.created else "already ingested"
            click.echo(f"{name}: {status} document {r.document.id} \"{r.document.title}\": "
                       f"{r.n_sentences} sentences, {r.n_claims} claims, "
                       f"{r.n_same_claim} with a same-claim match, {r.n_related} related")
        click.echo(f"{name}: {len(results)} document(s) in {seconds:.2f}s")


@main.command("import-statements")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--verdict-map", metavar="RATING=VERDICT,...",
              help="Map rating words to verdicts, e.g. 'half true=disputed,satire=disputed'.")
@pass_ctx
@_fail_cleanly
def import_cmd(state: _Context, file: str, verdict_map: str | None) -> None:
    """Add earlier statements from a CSV or JSONL archive (text required; speaker, date,
    source, url, verdict, rating optional; other columns kept as metadata)."""
    overrides = parse_verdict_map(verdict_map)
    result = state.workspace.import_statements(_read_file(file), file, overrides)
    filled = f" ({result.updated} given a verdict they lacked)" if result.updated else ""
    click.echo(f"{file}: {result.added} statements added, {result.skipped} already in the archive{filled}")
    if result.unmapped_ratings:
        words = ", ".join(repr(w) for w in result.unmapped_ratings)
        click.echo(f"{file}: ratings with no verdict (add them with --verdict-map): {words}")


@main.command("load-demo")
@pass_ctx
@_fail_cleanly
def load_demo_cmd(state: _Context) -> None:
    """Import the bundled demo archive of earlier statements (once)."""
    result = state.workspace.load_demo_archive()
    if result is None:
        click.echo("demo archive: already imported")
    else:
        click.echo(f"demo archive: {result.added} statements added")


@main.command("match")
@click.argument("text")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="How many matches (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of matches.")
@pass_ctx
@_fail_cleanly
def match_cmd(state: _Context, text: str, top_k: int | None, as_json: bool) -> None:
    """Find the earlier statements closest to TEXT."""
    matches = state.workspace.match_text(text, top_k)
    if as_json:
        click.echo(json.dumps([m.to_json() for m in matches], ensure_ascii=False, indent=2))
        return
    if not matches:
        click.echo("no earlier statements in the archive yet")
    for m in matches:
        s = m.statement
        verdict = s.verdict.value if s.verdict else "no verdict"
        click.echo(f"{m.similarity:.3f} {m.tier.value:<10} {verdict:<10} #{s.id} {s.text}"
                   + (f" ({s.speaker})" if s.speaker else ""))


@main.command("claims")
@click.option("--document", "document_id", type=int, help="Only this document's claims.")
@click.option("--status", type=click.Choice(["reviewed", "unreviewed", "supported", "disputed", "unverified"]))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
@_fail_cleanly
def claims_cmd(state: _Context, document_id: int | None, status: str | None, as_json: bool) -> None:
    """List claims with their ids, speakers and verdicts."""
    claims = state.workspace.list_claims(document_id=document_id, status=status)
    if as_json:
        click.echo(json.dumps([{
            "id": c.id, "document_id": c.document_id, "text": c.text, "speaker": c.speaker,
            "checkworthiness": round(c.checkworthiness, 4),
            "verdict": c.verdict.value if c.verdict else None} for c in claims], ensure_ascii=False, indent=2))
        return
    for c in claims:
        verdict = c.verdict.value if c.verdict else "-"
        who = f" [{c.speaker}]" if c.speaker else ""
        click.echo(f"#{c.id:<5} {verdict:<10} {c.checkworthiness:.2f}{who} {c.text}")


@main.command("label")
@click.argument("claim_id", type=int)
@click.argument("verdict", type=click.Choice(["supported", "disputed", "unverified"], case_sensitive=False))
@click.option("--note", help="The reviewer's note.")
@click.option("--evidence", multiple=True, metavar="URL", help="An evidence link (repeatable).")
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="Who gives the verdict (env CLAIMDESK_REVIEWER).")
@pass_ctx
@_fail_cleanly
def label_cmd(state: _Context, claim_id: int, verdict: str, note: str | None, evidence: tuple[str, ...],
              reviewer: str | None) -> None:
    """Record VERDICT for CLAIM_ID; the claim becomes an earlier statement for later matches."""
    if not reviewer:
        raise InvalidValueError("say who reviews with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    event = state.workspace.label(claim_id, verdict, reviewer, note=note, evidence=evidence)
    click.echo(f"claim {claim_id}: {event.verdict.value} by {event.reviewer}")


@main.command("undo")
@click.argument("claim_id", type=int)
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="Whose latest verdict to take back.")
@pass_ctx
@_fail_cleanly
def undo_cmd(state: _Context, claim_id: int, reviewer: str | None) -> None:
    """Take back the reviewer's latest verdict on CLAIM_ID (recorded in the log, never erased)."""
    if not reviewer:
        raise InvalidValueError("say whose verdict to undo with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    state.workspace.undo(claim_id, reviewer)
    claim = state.workspace.get_claim(claim_id)
    now = claim.verdict.value if claim.verdict else "no verdict"
    click.echo(f"claim {claim_id}: undone; now {now}")


@main.command("sentences")
@click.argument("document_id", type=int)
@pass_ctx
@_fail_cleanly
def sentences_cmd(state: _Context, document_id: int) -> None:
    """List every sentence of DOCUMENT_ID with its id, score and claim flag (to promote or dismiss one)."""
    for s in state.workspace.document_sentences(document_id):
        flag = "CLAIM" if s["is_claim"] else "     "
        who = f" [{s['speaker']}]" if s["speaker"] else ""
        click.echo(f"#{s['id']:<5} {flag} {s['checkworthiness']:.2f}{who} {s['text']}")


@main.command("mark")
@click.argument("sentence_id", type=int)
@click.argument("call", type=click.Choice(["claim", "not-claim"]))
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="Who makes the call (env CLAIMDESK_REVIEWER).")
@pass_ctx
@_fail_cleanly
def mark_cmd(state: _Context, sentence_id: int, call: str, reviewer: str | None) -> None:
    """Promote SENTENCE_ID to a claim or dismiss it as not a claim (logged as detector feedback)."""
    if not reviewer:
        raise InvalidValueError("say who makes the call with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    state.workspace.mark_claim(sentence_id, call == "claim", reviewer)
    click.echo(f"sentence {sentence_id}: {'a claim' if call == 'claim' else 'not a claim'} ({reviewer})")


@main.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--status", type=click.Choice(["reviewed", "unreviewed", "supported", "disputed", "unverified"]),
              help="Only claims with this status.")
@click.option("--format", "fmt", type=click.Choice(["csv", "claimreview"]), default="csv", show_default=True,
              help="The verdict CSV, or schema.org ClaimReview JSON-LD of the reviewed claims.")
@pass_ctx
@_fail_cleanly
def export_cmd(state: _Context, out: str | None, status: str | None, fmt: str) -> None:
    """Write the verdict CSV (one row per claim with its verdict and top earlier match) or ClaimReview JSON-LD."""
    import io
    import os

    from claims.export import export_claimreview_json, export_verdicts_csv

    writer = export_verdicts_csv if fmt == "csv" else export_claimreview_json
    buffer = io.StringIO()
    count = writer(state.workspace.export_rows(status=status), buffer)
    if out is None:
        click.get_text_stream("stdout").write(buffer.getvalue())
        return
    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as fp:
        fp.write(buffer.getvalue())
    os.replace(tmp, out)
    click.echo(f"{out}: {count} claims", err=True)


@main.command("rebuild-index")
@pass_ctx
@_fail_cleanly
def rebuild_cmd(state: _Context) -> None:
    """Rebuild the FAISS cache from the vectors stored in the database."""
    report = state.workspace.rebuild_index()
    click.echo(f"index rebuilt: {report.added} statements in {state.workspace.settings.index_dir}")


@main.command("status")
@pass_ctx
@_fail_cleanly
def status_cmd(state: _Context) -> None:
    """Show the workspace: database, counts, index and review progress."""
    ws = state.workspace
    counts = ws.store.count_rows()
    progress = ws.progress()
    click.echo(f"database: {ws.store.safe_url}")
    click.echo(f"index:    {ws.settings.index_dir}")
    click.echo(f"documents {counts['documents']}, sentences {counts['sentences']}, "
               f"earlier statements {counts['statements']}, review events {counts['reviews']}")
    click.echo(f"claims reviewed: {progress.reviewed} of {progress.total}")


@main.group("bench")
def bench_group() -> None:
    """Measure claimdesk on public benchmark data (CLEF CheckThat!, ClaimBuster)."""


@bench_group.command("retrieval")
@click.option("--vclaims", required=True, type=click.Path(dir_okay=False), help="Verified claims TSV.")
@click.option("--queries", required=True, type=click.Path(dir_okay=False), help="Queries TSV (tweets or debate lines).")
@click.option("--qrels", required=True, type=click.Path(dir_okay=False), help="Relevance judgements (TREC qrels).")
@click.option("--method", type=click.Choice(["bm25", "dense", "hybrid", "rerank"]), default="hybrid",
              show_default=True, help="Retrieval method.")
@click.option("--depth", type=click.IntRange(min=1), help="Candidates taken from each retriever.")
@click.option("--ranker", help="Re-ranker JSON file or shipped name (with --method rerank).")
@click.option("--dev-ids-from", type=click.Path(dir_okay=False),
              help="Score only the queries whose ids appear in this queries file (a carved dev split).")
@click.option("--transcripts", type=click.Path(file_okay=False), help="Debate transcripts folder (context).")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False),
              help="SQLite embedding cache (default .claimdesk/bench-cache/embeddings.db).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_fail_cleanly
def bench_retrieval_cmd(vclaims: str, queries: str, qrels: str, method: str, depth: int | None,
                        ranker: str | None, dev_ids_from: str | None, transcripts: str | None,
                        cache_path: str | None, as_json: bool) -> None:
    """Rank the verified claims for each query and score the run as the official CLEF scorer does."""
    from claims import bench

    kwargs = {"cache_path": cache_path} if cache_path else {}
    result = bench.bench_retrieval(vclaims, queries, qrels, method=method, depth=depth, ranker=ranker,
                                   dev_ids_from=dev_ids_from, transcripts=transcripts,
                                   model_path=load_settings().model_path, **kwargs)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['method']} on {result['n_queries']} queries in {result['seconds']:.1f}s")
    for key in ("map@1", "map@3", "map@5", "map@10", "mrr", "p@1", "p@5"):
        click.echo(f"  {key:<7} {result[key]:.4f}")


@bench_group.command("checkworthiness")
@click.option("--data", required=True, type=click.Path(dir_okay=False),
              help="A TSV with Sentence_id, Text and class_label (Yes/No).")
@click.option("--heuristic", is_flag=True, help="Score with the heuristic instead of the trained detector.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@_fail_cleanly
def bench_checkworthiness_cmd(state: _Context, data: str, heuristic: bool, as_json: bool) -> None:
    """F1, precision and recall of the check-worthy (Yes) class on a labelled file."""
    from claims.detector import Detector, score_file

    settings = load_settings(state.overrides)
    detector = None if heuristic else Detector.load(settings.detector_path)
    ws = state.workspace
    result = score_file(data, detector, ws.embedder, ws.store)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{'heuristic' if heuristic else 'detector'} on {result['n']} sentences, threshold "
               f"{result['threshold']}: F1 {result['f1']:.4f}, precision {result['precision']:.4f}, "
               f"recall {result['recall']:.4f}")


@bench_group.command("news-sample")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the sample TSV.")
@click.option("--articles-drawn", "n_articles", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--per-article", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--seed", type=int, default=20261128, show_default=True)
@click.option("--exclude-labelled", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Leave out the articles this labels or sample file covers (a further round); repeatable.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists (it may hold someone's labels).")
@click.option("--split", type=click.Choice(["train", "dev"]), help="Draw only from the articles of this split.")
@click.option("--quotes-only", is_flag=True,
              help="Only attributed quotations (a hard case); use with --split train to keep dev a random sample.")
@_fail_cleanly
def bench_news_sample_cmd(articles: str, out: str, n_articles: int, per_article: int, seed: int,
                          exclude_labelled: tuple[str, ...], force: bool, split: str | None,
                          quotes_only: bool) -> None:
    """Draw news sentences for annotation (docs/ANNOTATION.md), with empty labels to fill in."""
    from claims import newsset
    from claims.errors import InvalidValueError

    if Path(out).exists() and not force:
        raise InvalidValueError(f"{out} exists and may hold labels; choose another --out or add --force")
    exclude = set().union(*(newsset.labelled_articles(path) for path in exclude_labelled))
    sentences = newsset.sample_sentences(newsset.read_articles(articles), n_articles=n_articles,
                                         per_article=per_article, seed=seed, exclude=exclude, split=split,
                                         quotes_only=quotes_only)
    rows = newsset.write_sample(sentences, out)
    click.echo(f"{out}: {rows} sentences from {len({s.article_id for s in sentences})} articles")


@bench_group.command("news-set")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--labels", type=click.Path(dir_okay=False),
              help="Labels file (default: the shipped claims/weights/news_labels.tsv).")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for news_train.tsv and news_dev.tsv (check-worthiness format).")
@_fail_cleanly
def bench_news_set_cmd(articles: str, labels: str | None, out: str) -> None:
    """Rebuild the labelled news sentences from their labels and the article texts."""
    from claims import newsset
    from claims.detector import read_checkworthiness_file
    from claims.errors import EmptyInputError

    paths = newsset.build_set(labels or newsset.LABELS_FILE, articles, out)
    for split, path in paths.items():
        try:
            rows = read_checkworthiness_file(path)
        except EmptyInputError:  # a small labels file may have no article in one split
            rows = []
        click.echo(f"{path}: {split}, {len(rows)} sentences, {sum(r.label for r in rows)} check-worthy")


@main.group("train")
def train_group() -> None:
    """Train claimdesk's small learned parts from public data, reproducibly."""


@train_group.command("detector")
@click.option("--train", "train_path", required=True, type=click.Path(dir_okay=False),
              help="Training TSV (Sentence_id, Text, class_label).")
@click.option("--dev", "dev_path", required=True, type=click.Path(dir_okay=False),
              help="Dev TSV: chooses the regularisation, the ensemble weight and the threshold.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Folder for detector.npz/.json (default: <data folder>/detector; use it with CLAIMDESK_DETECTOR).")
@click.option("--extra-train", multiple=True, type=click.Path(dir_okay=False),
              help="More labelled sentences of another domain (same format), e.g. the news set; repeatable.")
@click.option("--extra-dev", multiple=True, type=click.Path(dir_okay=False),
              help="More dev files; the choice then maximises the mean F1 over all dev files; repeatable.")
@click.option("--no-feedback", is_flag=True,
              help="Leave out the workspace's promote/dismiss calls (to reproduce the shipped weights).")
@pass_ctx
@_fail_cleanly
def train_detector_cmd(state: _Context, train_path: str, dev_path: str, out: str | None,
                       extra_train: tuple[str, ...], extra_dev: tuple[str, ...], no_feedback: bool) -> None:
    """Fit the check-worthiness detector, with the reviewers' promote/dismiss calls as extra examples."""
    from claims.detector import train_detector

    ws = state.workspace
    feedback = [] if no_feedback else ws.store.feedback_examples()
    out_dir = Path(out) if out else ws.settings.data_dir / "detector"
    report = train_detector(train_path, dev_path, embedder=ws.embedder, cache=ws.store, out_dir=out_dir,
                            feedback=feedback, extra_train=extra_train, extra_dev=extra_dev,
                            command="claimdesk " + " ".join(sys.argv[1:]),
                            progress=lambda line: click.echo(line, err=True))
    click.echo(f"{out_dir}: detector trained on {report.n_train} sentences, {report.n_extra} in-domain "
               f"sentences and {report.n_feedback} reviewer calls; dev F1 {report.dev['f1']:.4f} at threshold "
               f"{report.threshold}")
    for name, metrics in report.extra_dev.items():
        click.echo(f"  {name}: F1 {metrics['f1']:.4f}, precision {metrics['precision']:.4f}, "
                   f"recall {metrics['recall']:.4f} ({metrics['n']} sentences)")


@train_group.command("ranker")
@click.option("--vclaims", required=True, type=click.Path(dir_okay=False), help="Verified claims TSV.")
@click.option("--queries", required=True, type=click.Path(dir_okay=False), help="Training queries TSV.")
@click.option("--qrels", required=True, type=click.Path(dir_okay=False), help="Training qrels.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the ranker JSON.")
@click.option("--name", required=True, help="A name for the ranker (kept in its provenance).")
@click.option("--dev-ids-from", type=click.Path(dir_okay=False),
              help="Leave out the queries whose ids appear in this file (the carved dev split).")
@click.option("--transcripts", type=click.Path(file_okay=False), help="Debate transcripts folder (context).")
@click.option("--cache", "cache_path", type=click.Path(dir_okay=False), help="SQLite embedding cache.")
@_fail_cleanly
def train_ranker_cmd(vclaims: str, queries: str, qrels: str, out: str, name: str, dev_ids_from: str | None,
                     transcripts: str | None, cache_path: str | None) -> None:
    """Fit the re-ranker (pairwise logistic regression over match features) and save it with its provenance."""
    from claims import bench

    kwargs = {"cache_path": cache_path} if cache_path else {}
    ranker = bench.train_ranker_file(vclaims, queries, qrels, out=out, name=name, dev_ids_from=dev_ids_from,
                                     transcripts=transcripts, model_path=load_settings().model_path, **kwargs)
    click.echo(f"{out}: ranker {name!r} trained on {ranker.provenance.get('queries')} queries")


def run() -> None:
    """Entry point of the console script."""
    main(prog_name="claimdesk")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
