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
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click

from claims.errors import ClaimdeskError, InputError, InvalidValueError
from claims.settings import Settings, load_settings
from claims.workspace import Workspace

__all__ = ["main", "run", "CliContext", "fail_cleanly", "pass_ctx", "COMMAND_GROUPS"]


def fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
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


def _parse_day(value: str | None, option: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


class CliContext:
    """The global options' settings; the workspace opens on first use (its database and model load
    only when a command needs them, so ``claims`` or ``status`` never load the model)."""

    def __init__(self, overrides: dict[str, Any]) -> None:
        self.overrides = overrides
        self._workspace: Workspace | None = None

    @property
    def settings(self) -> Settings:
        """Settings from the environment and every global option this command was given."""
        return load_settings(self.overrides)

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace(self.settings)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


pass_ctx = click.make_pass_decorator(CliContext)

COMMAND_GROUPS = "claimdesk.commands"


class _Commands(click.Group):
    """claimdesk's commands, then the command groups installed packages register under :data:`COMMAND_GROUPS`.

    This is how ``claimdesk bench …`` and ``claimdesk train …`` exist without the product
    importing the lab: pyproject.toml names ``lab.cli:bench_group`` and ``lab.cli:train_group``
    as entry points, and a group is imported only when it is run or listed. Without the lab
    installed they are simply absent.
    """

    @staticmethod
    def _registered() -> dict[str, EntryPoint]:
        return {entry.name: entry for entry in entry_points(group=COMMAND_GROUPS)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._registered()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in (registered := self._registered()):
            command = registered[cmd_name].load()
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the workspace (env CLAIMDESK_DB).")
@click.option("--index-dir", type=click.Path(file_okay=False), help="FAISS cache folder (env CLAIMDESK_INDEX_DIR).")
@click.option("--model-path", type=click.Path(file_okay=False), help="Model folder (env CLAIMDESK_MODEL_PATH).")
@click.version_option(package_name="claimdesk")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, index_dir: str | None, model_path: str | None) -> None:
    """claimdesk: find check-worthy claims and match them against earlier fact-checks."""
    state = CliContext({"db_url": db_url, "index_dir": index_dir, "model_path": model_path})
    ctx.obj = state
    ctx.call_on_close(state.close)


@main.command("extract")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per sentence.")
@pass_ctx
@fail_cleanly
def extract_cmd(state: CliContext, file: str, as_json: bool) -> None:
    """Split FILE into sentences and flag claims, without a database.

    Each sentence has text, start and end (character offsets into the file's text; for a .csv or
    .jsonl batch, into each post's text), checkworthiness (0..1), is_claim and speaker.
    """
    out, scorer = state.workspace.extract_file(_read_file(file), file)
    if scorer.fallback:
        click.echo(f"warning: {scorer.reason}", err=True)
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
@click.option("--again", is_flag=True, help="Add a text that is already in the workspace as a new document.")
@click.option("--as", "actor", envvar="CLAIMDESK_REVIEWER", metavar="NAME",
              help="Who ingests (recorded in each claim's audit trail; env CLAIMDESK_REVIEWER).")
@pass_ctx
@fail_cleanly
def ingest_cmd(state: CliContext, files: tuple[str, ...], source: str | None, url: str | None,
               day: str | None, again: bool, actor: str | None) -> None:
    """Store, embed and match the claims of each FILE (.txt .md .html, or .csv/.jsonl posts)."""
    published = _parse_day(day)
    payloads = [(f, _read_file(f)) for f in files]
    for name, data in payloads:
        started = time.perf_counter()
        results = state.workspace.ingest_file(data, name, source=source, url=url, published=published,
                                              allow_duplicate_text=again, actor=actor)
        seconds = time.perf_counter() - started
        for r in results:
            if r.duplicate_of is not None:
                click.echo(f"{name}: the same text is already document {r.document.id} ({r.document.label}): "
                           "nothing added (--again adds it as a new document)")
                continue
            status = "ingested" if r.created else "already ingested"
            click.echo(f"{name}: {status} document {r.document.id} \"{r.document.title}\": "
                       f"{r.n_sentences} sentences, {r.n_claims} claims, "
                       f"{r.n_same_claim} with a same-claim match, {r.n_related} related")
        click.echo(f"{name}: {len(results)} document(s) in {seconds:.2f}s")


@main.command("import-statements")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--verdict-map", metavar="RATING=VERDICT,...",
              help="Map rating words to verdicts, e.g. 'half true=disputed,satire=disputed'.")
@pass_ctx
@fail_cleanly
def import_cmd(state: CliContext, files: tuple[str, ...], verdict_map: str | None) -> None:
    """Add earlier statements from CSV or JSONL archives (text required; speaker, date,
    source, url, verdict, rating optional; other columns kept as metadata), or from schema.org
    ClaimReview JSON-LD (a .json/.jsonld file, as fact-checkers publish it and `export` writes it).

    Each file is imported all or nothing, in the order given, with a progress bar while its
    statements are embedded. A large archive goes in as several files (each at most
    CLAIMDESK_MAX_FILE_MB): run the same command again after an interruption and the files already
    in are skipped, and the texts embedded before it stopped are not embedded again.
    """
    for file in files:
        data = _read_file(file)
        if verdict_map is None and state.workspace.archive_file_imported(data):
            click.echo(f"{file}: already imported (same content), skipped")
            continue
        if not sys.stderr.isatty():  # a script or a log: the summary line below is enough
            result = state.workspace.import_statements(data, file, verdict_map=verdict_map)
        else:
            with click.progressbar(length=1, label=f"{file}: embedding", file=sys.stderr, show_pos=True) as bar:

                def advance(done: int, total: int, bar=bar) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                result = state.workspace.import_statements(data, file, verdict_map=verdict_map,
                                                           progress=advance)
        filled = f" ({result.updated} given a verdict they lacked)" if result.updated else ""
        click.echo(f"{file}: {result.added} statements added, {result.skipped} already in the archive{filled}")
        if result.unmapped_ratings:
            words = ", ".join(repr(w) for w in result.unmapped_ratings)
            click.echo(f"{file}: ratings with no verdict (add them with --verdict-map): {words}")


@main.command("load-demo")
@pass_ctx
@fail_cleanly
def load_demo_cmd(state: CliContext) -> None:
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
@fail_cleanly
def match_cmd(state: CliContext, text: str, top_k: int | None, as_json: bool) -> None:
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
@click.option("--with-archive", is_flag=True,
              help="With --json: add the contradictions with earlier statements (opposite numbers, opposite "
                   "verdicts), as the Review page shows them. Matches every listed claim, so it loads the model.")
@pass_ctx
@fail_cleanly
def claims_cmd(state: CliContext, document_id: int | None, status: str | None, as_json: bool,
               with_archive: bool) -> None:
    """List claims with their ids, speakers and verdicts."""
    if with_archive and not as_json:
        raise InvalidValueError("--with-archive adds to the JSON listing: use it with --json")
    ws = state.workspace
    claims = ws.list_claims(document_id=document_id, status=status)
    if as_json:
        # Contradictions between claims of one document (a denial of an accusation) need no model; those
        # with earlier statements need each claim matched (--with-archive), as on the Review page.
        hints: dict[int, list] = {}
        if with_archive:
            found = ws.match_claims([c.id for c in claims]) if claims else {}
            for c in claims:
                hints[c.id] = ws.contradictions(c.id, found[c.id])
        else:
            for doc_id in sorted({c.document_id for c in claims}):
                hints.update(ws.document_contradictions(doc_id))
        click.echo(json.dumps([{
            "id": c.id, "document_id": c.document_id, "text": c.text, "speaker": c.speaker,
            "checkworthiness": round(c.checkworthiness, 4),
            "verdict": c.verdict.value if c.verdict else None, "status": c.status.value,
            "reviewer_verdicts": [{"reviewer": v.reviewer, "verdict": v.verdict.value} for v in c.reviewer_verdicts],
            "contradictions": [h.to_json() for h in hints.get(c.id, [])]}
            for c in claims], ensure_ascii=False, indent=2))
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
@fail_cleanly
def label_cmd(state: CliContext, claim_id: int, verdict: str, note: str | None, evidence: tuple[str, ...],
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
@fail_cleanly
def undo_cmd(state: CliContext, claim_id: int, reviewer: str | None) -> None:
    """Take back the reviewer's latest verdict on CLAIM_ID (recorded in the log, never erased)."""
    if not reviewer:
        raise InvalidValueError("say whose verdict to undo with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    state.workspace.undo(claim_id, reviewer)
    claim = state.workspace.get_claim(claim_id)
    now = claim.verdict.value if claim.verdict else "no verdict"
    click.echo(f"claim {claim_id}: undone; now {now}")


@main.command("judge")
@click.argument("claim_id", type=int)
@click.argument("statement_id", type=int)
@click.argument("answer", type=click.Choice(["yes", "no"], case_sensitive=False))
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="Who answers (env CLAIMDESK_REVIEWER).")
@pass_ctx
@fail_cleanly
def judge_cmd(state: CliContext, claim_id: int, statement_id: int, answer: str, reviewer: str | None) -> None:
    """Answer "same claim?" for the card of earlier statement STATEMENT_ID under CLAIM_ID: yes or no.

    The answer is stored with the tier, P(same claim) and cosine the card shows now (the ids are
    those of `claimdesk claims` and `claimdesk match`); a later answer replaces yours. `claimdesk
    calibrate` proposes thresholds from the answers.
    """
    if not reviewer:
        raise InvalidValueError("say who answers with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    judged = state.workspace.judge_match(claim_id, statement_id, answer.lower() == "yes", reviewer)
    probability = f", P(same claim) {judged.probability:.2f}" if judged.probability is not None else ""
    click.echo(f"claim {claim_id}, statement {statement_id}: {'same claim' if judged.same else 'not the same claim'} "
               f"by {judged.reviewer} (the card said {judged.tier.value}, cosine {judged.cosine:.3f}{probability})")


def _rate(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.3f}"


@main.command("calibrate")
@click.option("--target", type=click.FloatRange(0.0, 1.0, min_open=True), default=0.95, show_default=True,
              help="The precision \"same claim\" must reach.")
@click.option("--min-answers", type=click.IntRange(min=1), default=30, show_default=True,
              help="Refuse to propose from fewer answers than this.")
@click.option("--rule", type=click.Choice(["probability", "cosine"]), default=None,
              help="Calibrate the verifier's P(same claim) (CLAIMDESK_SAME_CLAIM_P) or the cosine rule "
                   "(CLAIMDESK_SAME_CLAIM); default the rule of the latest answer.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@fail_cleanly
def calibrate_cmd(state: CliContext, target: float, min_answers: int, rule: str | None, as_json: bool) -> None:
    """Propose a "same claim" threshold from the reviewers' yes/no answers on match cards.

    Shows precision per tier (the share of answers that said "same claim" on cards shown as same
    claim, related, distant), then, per threshold, the precision and recall of "same claim" and the
    share of "no" answers it would call same, and the lowest threshold whose precision reaches
    --target: the value to set. Reads the stored answers only; loads no model.
    """
    ws = state.workspace
    summary = ws.judgement_summary()
    result = ws.calibrate(target=target, min_answers=min_answers, rule=rule)
    if as_json:
        click.echo(json.dumps({**result.to_json(), "by_tier": [t.to_json() for t in summary.tiers]}, indent=2))
        return
    reviewers = f"{summary.reviewers} reviewer{'' if summary.reviewers == 1 else 's'}"
    click.echo(f"\"Same claim?\" answers by the tier the card showed ({summary.answered} answers, {reviewers}; "
               "each reviewer's latest per card):")
    click.echo(f"  {'tier':<12}{'answered':>9}{'yes':>6}{'precision':>11}")
    for t in summary.tiers:
        click.echo(f"  {t.tier.value:<12}{t.answered:>9}{t.yes:>6}{_rate(t.precision):>11}")
    scored_by = "P(same claim)" if result.rule == "probability" else "cosine"
    left_out = f"; {result.left_out} given under the cosine rule left out" if result.left_out else ""
    now = f"{result.current:g}" if result.current is not None else "unknown"
    click.echo("")
    click.echo(f"Thresholds on {scored_by} over {result.answers} answers ({result.yes} yes){left_out}; "
               f"now {result.setting}={now}:")
    marks = {}
    if result.at_current is not None:
        marks[result.at_current.threshold] = "now"
    if result.proposed is not None:
        marks[result.proposed.threshold] = (marks.get(result.proposed.threshold, "") + " proposed").strip()
    rows = list(result.by_threshold)
    if len(rows) > 25:  # the fixed steps, and the rows that matter
        rows = [p for p in rows if abs(p.threshold * 20 - round(p.threshold * 20)) < 1e-9 or p.threshold in marks]
    if result.at_current is not None and result.at_current.threshold not in {p.threshold for p in rows}:
        rows = sorted([*rows, result.at_current], key=lambda p: p.threshold)
    click.echo(f"  {'threshold':>9}{'called same':>13}{'precision':>11}{'recall':>8}{'no called same':>16}")
    for p in rows:
        mark = f"  <- {marks[p.threshold]}" if p.threshold in marks else ""
        click.echo(f"  {p.threshold:>9.4f}{p.called_same:>13}{_rate(p.precision):>11}{_rate(p.recall):>8}"
                   f"{_rate(p.false_same_rate, percent=True):>16}{mark}")
    click.echo("")
    click.echo(result.message)


@main.command("sentences")
@click.argument("document_id", type=int)
@pass_ctx
@fail_cleanly
def sentences_cmd(state: CliContext, document_id: int) -> None:
    """List every sentence of DOCUMENT_ID with its id, score and claim flag (to promote or dismiss one)."""
    for s in state.workspace.document_sentences(document_id):
        flag = "CLAIM" if s.is_claim else "     "
        who = f" [{s.speaker}]" if s.speaker else ""
        click.echo(f"#{s.id:<5} {flag} {s.checkworthiness:.2f}{who} {s.text}")


@main.command("mark")
@click.argument("sentence_id", type=int)
@click.argument("call", type=click.Choice(["claim", "not-claim"]))
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="Who makes the call (env CLAIMDESK_REVIEWER).")
@pass_ctx
@fail_cleanly
def mark_cmd(state: CliContext, sentence_id: int, call: str, reviewer: str | None) -> None:
    """Promote SENTENCE_ID to a claim or dismiss it as not a claim (logged as detector feedback)."""
    if not reviewer:
        raise InvalidValueError("say who makes the call with --reviewer NAME (or set CLAIMDESK_REVIEWER)")
    state.workspace.mark_claim(sentence_id, call == "claim", reviewer)
    click.echo(f"sentence {sentence_id}: {'a claim' if call == 'claim' else 'not a claim'} ({reviewer})")


@main.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "claimreview"]), default="csv",
              show_default=True,
              help="The verdict CSV, JSON Lines, or schema.org ClaimReview JSON-LD of final verdicts.")
@click.option("--document", "document_id", type=int, help="Only this document's claims.")
@click.option("--verdict", type=click.Choice(["supported", "disputed", "unverified"]), help="Only this final verdict.")
@click.option("--reviewer", "by_reviewer", metavar="NAME", help="Only claims this user gave a verdict on.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only claims with a verdict on or after this day.")
@click.option("--status", type=click.Choice(["reviewed", "unreviewed", "supported", "disputed", "unverified",
                                             "pending", "disagreement", "agreed", "adjudicated"]),
              help="Only claims with this status.")
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 byte-order mark (for Excel).")
@click.option("--include-unverified", is_flag=True, help="ClaimReview: include unverified claims too.")
@click.option("--as", "actor", envvar="CLAIMDESK_REVIEWER", metavar="NAME",
              help="Who exports (recorded in each claim's audit trail; env CLAIMDESK_REVIEWER).")
@pass_ctx
@fail_cleanly
def export_cmd(state: CliContext, out: str | None, fmt: str, document_id: int | None, verdict: str | None,
               by_reviewer: str | None, since: str | None, status: str | None, bom: bool,
               include_unverified: bool, actor: str | None) -> None:
    """Write the chosen claims: CSV (final verdict and each reviewer's, top earlier match), JSON Lines,
    or ClaimReview JSON-LD (final supported/disputed verdicts; unverified with --include-unverified)."""
    filters = {"status": status, "document_id": document_id, "verdict": verdict, "reviewer": by_reviewer,
               "since": _parse_day(since, "--since")}
    options = {"actor": actor, "bom": bom, "include_unverified": include_unverified}
    if out is None:
        state.workspace.export(click.get_text_stream("stdout"), fmt, **options, **filters)
        return
    count = state.workspace.export_file(out, fmt, **options, **filters)
    click.echo(f"{out}: {count} claims", err=True)


@main.command("adjudicate")
@click.argument("claim_id", type=int)
@click.argument("verdict", type=click.Choice(["supported", "disputed", "unverified"], case_sensitive=False))
@click.option("--reviewer", envvar="CLAIMDESK_REVIEWER", help="The admin who decides (env CLAIMDESK_REVIEWER).")
@click.option("--reason", help="Why this is the final verdict (required).")
@pass_ctx
@fail_cleanly
def adjudicate_cmd(state: CliContext, claim_id: int, verdict: str, reviewer: str | None, reason: str | None) -> None:
    """Set the final VERDICT of CLAIM_ID over the reviewers' (admins only), with a reason."""
    event = state.workspace.adjudicate(claim_id, verdict, reviewer or "", reason=reason or "")
    click.echo(f"claim {claim_id}: final verdict {event.verdict.value} by {event.reviewer}")


@main.command("agreement")
@click.option("--document", "document_id", type=int, help="Only this document's claims.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (overall and per document).")
@pass_ctx
@fail_cleanly
def agreement_cmd(state: CliContext, document_id: int | None, as_json: bool) -> None:
    """How far reviewers agree: Cohen's kappa (two reviewers), Krippendorff's alpha, over the claims
    with at least two reviewers' verdicts."""
    ws = state.workspace
    overall = ws.agreement(document_id)
    per_document = ({document_id: overall} if document_id is not None else ws.agreement_by_document())
    if as_json:
        click.echo(json.dumps({**overall.to_json(), "by_document": {
            str(doc): value.to_json() for doc, value in per_document.items()}}, indent=2))
        return

    def line(a) -> str:
        def fmt(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"
        return (f"{a.n_items} claims with 2+ verdicts, {a.n_reviewers} reviewers: kappa {fmt(a.kappa)}, "
                f"alpha {fmt(a.alpha)}, all agree on {fmt(a.percent_agreement)}")

    click.echo(f"overall: {line(overall)}")
    for doc, value in per_document.items():
        click.echo(f"document {doc}: {line(value)}")


@main.command("history")
@click.argument("claim_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per event.")
@pass_ctx
@fail_cleanly
def history_cmd(state: CliContext, claim_id: int, as_json: bool) -> None:
    """The audit trail of CLAIM_ID: ingested, matched, each verdict, undo, adjudication, export."""
    events = state.workspace.audit_trail(claim_id)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in events], ensure_ascii=False, indent=2))
        return
    for e in events:
        record = e.to_json()
        extra = ", ".join(f"{k}={v}" for k, v in record.items() if k not in ("event", "reviewer", "at"))
        click.echo(f"{record['at']}  {e.event.value:<10} {e.reviewer}" + (f"  ({extra})" if extra else ""))


@main.command("exports")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many, newest first (at most 100,000).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per export.")
@pass_ctx
@fail_cleanly
def exports_cmd(state: CliContext, limit: int, as_json: bool) -> None:
    """The latest exports, newest first: when, who, which format, how many claims (each claim's
    `history` lists the exports that held it)."""
    records = state.workspace.export_history(limit)
    if as_json:
        click.echo(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("no exports yet")
    for r in records:
        record = r.to_json()
        click.echo(f"{record['at']}  {r.format:<11} {r.claims:>9,} claim{'' if r.claims == 1 else 's'}  {r.actor}")


@main.group("users")
def users_group() -> None:
    """Who may sign in and review: add users, list them, change a password."""


def _read_password(prompt: str) -> str:
    """The password from standard input when it is not a terminal (scripts), else asked twice."""
    stdin = click.get_text_stream("stdin")
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer", show_default=True)
@pass_ctx
@fail_cleanly
def users_add_cmd(state: CliContext, name: str, role: str) -> None:
    """Add the user NAME (password from standard input, or asked for at a terminal)."""
    user = state.workspace.add_user(name, role, _read_password(f"Password for {name}"))
    click.echo(f"user {user.name} added ({user.role.value})")


@users_group.command("password")
@click.argument("name")
@pass_ctx
@fail_cleanly
def users_password_cmd(state: CliContext, name: str) -> None:
    """Set a new password for NAME (from standard input, or asked for); their sessions end."""
    state.workspace.set_password(name, _read_password(f"New password for {name}"))
    click.echo(f"password of {name} changed; their sessions have ended")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
@fail_cleanly
def users_list_cmd(state: CliContext, as_json: bool) -> None:
    """List the users with their roles."""
    users = state.workspace.list_users()
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role.value,
                                "created_at": u.created_at.isoformat(timespec="seconds")} for u in users], indent=2))
        return
    for u in users:
        click.echo(f"{u.name}\t{u.role.value}")


@main.command("rebuild-index")
@pass_ctx
@fail_cleanly
def rebuild_cmd(state: CliContext) -> None:
    """Rebuild the FAISS cache from the vectors stored in the database."""
    report = state.workspace.rebuild_index()
    click.echo(f"index rebuilt: {report.added} statements in {state.workspace.settings.index_dir}")


@main.command("status")
@pass_ctx
@fail_cleanly
def status_cmd(state: CliContext) -> None:
    """Show the workspace: database, counts, index and review progress."""
    status = state.workspace.status()
    click.echo(f"database: {status.database}")
    click.echo(f"index:    {status.index_dir}")
    click.echo(f"documents {status.documents}, sentences {status.sentences}, "
               f"earlier statements {status.statements}, review events {status.review_events}")
    click.echo(f"claims reviewed: {status.progress.reviewed} of {status.progress.total}")
    answers = state.workspace.judgement_summary()
    click.echo(f"\"same claim?\" answers: {answers.answered} (claimdesk calibrate proposes thresholds from them)")


@main.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@pass_ctx
@fail_cleanly
def backup_cmd(state: CliContext, out: str, force: bool) -> None:
    """Copy the SQLite workspace database to OUT while it is in use (PostgreSQL: use pg_dump).

    OUT opens as a workspace of its own (``--db sqlite:///OUT``); the FAISS cache is rebuilt from it.
    """
    target = state.workspace.backup(out, overwrite=force)
    click.echo(f"{target}: backup written ({target.stat().st_size:,} bytes)")


def run() -> None:
    """Entry point of the console script."""
    main(prog_name="claimdesk")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
