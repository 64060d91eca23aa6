"""Export of N verdicts: the product's ``Workspace.export`` (what ``claimdesk export`` runs) on a large workspace.

Builds (once, in ``--folder``) a SQLite workspace with N claims, every one with a verdict, against an
archive of 20,000 statements, through the product's own ingest, import and review-log writes. The
vectors are the test suite's hash embedder widened to 384 dimensions (bag of words), since embedding 100,000 claims
with MiniLM would take hours here and an export with a fresh match cache embeds nothing; the texts are
random draws from a 5,000-word vocabulary, so claims are rarely near one another. A folder built before
is reused (the file ``built`` in it says the build finished); delete the folder to build again.

Reported, each the median of ``--runs`` with the load average beside it: what ``Workspace.warm_up``
reads at the app's start for the exports (review states, every claim's vector); the first export of the run
(a new process: nothing kept yet, so it reads and writes everything, as ``claimdesk export`` does;
after a fresh build it also re-ranks the claims that a new reviewed statement came near), then exports
with nothing changed (every card from the match cache, every line kept by ``store.export_lines``):
``Workspace.export`` to CSV as the Export page and ``claimdesk export`` run it (the export's audit
record included: one ``exports`` row naming every claim), ``Workspace.export_csv`` (the same file,
nothing recorded), the audit record alone, and with ``--earlier`` the export as it was before the
set-based path (one ``Claim``, ``Match`` and ``ExportRow`` per claim; the oracle of
``tests/test_export_columnar.py``) in the same run; then the
export after one more verdict; with ``--pages``, what the Dashboard (``desk_tallies``; before,
``list_claims``) and the Export page (``export_text`` and a 500-row preview; before, ``export_rows`` and a
preview of every row) read after a verdict; then what ``store.export_lines`` holds, measured by
``tracemalloc`` over an export that fills it from nothing.

    .venv/bin/python benchmarks/bench_export.py --claims 100000 --folder /tmp/export-bench --runs 3 --earlier
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import HashEmbedder, add_test_users  # noqa: E402

from claims.models import ReviewAction, SourceText, Verdict  # noqa: E402
from claims.settings import load_settings  # noqa: E402
from claims.store import Store  # noqa: E402
from claims.workspace import Workspace  # noqa: E402

SENTENCES_PER_DOC = 20
BUILT = "built"  # written into the folder when the build has finished


def _words(rnd: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rnd.choice(letters) for _ in range(rnd.randint(4, 9))) for _ in range(5000)]


def _sentence(rnd: random.Random, vocab: list[str]) -> str:
    words = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(8, 16)))
    return f"{words.capitalize()} {rnd.randint(2, 99)} percent."


class WideHashEmbedder(HashEmbedder):
    """The test suite's hash embedder at MiniLM's 384 dimensions: unrelated texts land far apart."""

    name = "hash-embedder-384"
    dim = 384


def build(folder: Path, n_claims: int, workspace: Workspace) -> None:
    rnd = random.Random(20261130)
    vocab = _words(rnd)
    archive = "\n".join(json.dumps({"text": _sentence(rnd, vocab), "rating": "False"}) for _ in range(20_000))
    workspace.import_statements(archive.encode(), "archive.jsonl")
    n_docs = n_claims // SENTENCES_PER_DOC
    started = time.perf_counter()
    for batch in range(0, n_docs, 250):
        docs = [SourceText(text=" ".join(_sentence(rnd, vocab) for _ in range(SENTENCES_PER_DOC)),
                           title=f"doc {d}", origin=f"doc{d}.txt") for d in range(batch, min(n_docs, batch + 250))]
        workspace.ingest_documents(docs)
        print(f"  ingested {min(n_docs, batch + 250):,} of {n_docs:,} documents "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    claims = workspace.list_claims()
    store = workspace.store
    for start in range(0, len(claims), 5000):
        with store.transaction() as conn:
            for claim in claims[start:start + 5000]:
                store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action=ReviewAction.LABEL,
                                            verdict=rnd.choice(list(Verdict)), note="checked", evidence=())
    print(f"  {len(claims):,} claims, each with a verdict ({time.perf_counter() - started:.0f} s)", flush=True)
    (folder / BUILT).write_text(f"{len(claims)} claims\n")


def _load() -> str:
    return "load {:.2f}".format(os.getloadavg()[0])


def _audit_rows(workspace: Workspace) -> str:
    """Rows of the audit and exports tables: an export adds one exports row, whatever its size (it used to
    add one audit row per claim, and that insert slowed as the table grew)."""
    import sqlalchemy as sa

    from claims.store.schema import audit, exports

    with workspace.store.engine.connect() as conn:
        counts = [int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()) for t in (audit, exports)]
    return f"{counts[0]:,} audit rows, {counts[1]:,} exports rows"


def timed(export: Callable[[io.StringIO], object]) -> tuple[float, str, int]:
    """Seconds one export into memory took, the load average after it, and the bytes written."""
    buffer = io.StringIO(newline="")
    started = time.perf_counter()
    export(buffer)
    seconds = time.perf_counter() - started
    return seconds, _load(), len(buffer.getvalue())


def report(label: str, runs: list[tuple[float, str, int]]) -> None:
    times = ", ".join(f"{s:.2f} s ({load})" for s, load, _ in runs)
    print(f"{label}: median {statistics.median(s for s, _, _ in runs):.2f} s over {len(runs)} runs [{times}]",
          flush=True)


def pages(workspace: Workspace, runs: int) -> None:
    """What the Dashboard and the Export page read at this size, now and as they read it before, side by side."""
    import dataclasses

    def clock(read: Callable[[], object]) -> list[tuple[float, str, int]]:
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            read()
            out.append((time.perf_counter() - started, _load(), 0))
        return out

    claim = workspace.store.export_lines.query.queue("")[1][0]
    verdicts = iter(("supported", "disputed", "unverified") * (2 * runs))

    def after_verdict(read: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            workspace.label(claim, next(verdicts), "ben")
            return read()
        return run

    report("Dashboard: desk_tallies after a verdict (label included)", clock(after_verdict(workspace.desk_tallies)))
    report("Dashboard before: list_claims after a verdict (label included)", clock(after_verdict(workspace.list_claims)))
    report("Export page: export_text csv + preview of 500 rows after a verdict (label included)", clock(after_verdict(
        lambda: (workspace.export_text("csv"), [dataclasses.asdict(r) for r in workspace.export_rows(limit=500)]))))
    report("Export page before: export_rows + CSV of them + preview of every row, after a verdict (label included)",
           clock(after_verdict(lambda: [dataclasses.asdict(r) for r in rows_and_csv(workspace)])))


def rows_and_csv(workspace: Workspace) -> list:
    rows = workspace.export_rows()
    workspace.write_export(rows, io.StringIO(newline=""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", action="store_true",
                        help="also time what the Dashboard and the Export page read, now and as before")
    parser.add_argument("--earlier", action="store_true",
                        help="also time the export as it was before the set-based path, in the same run")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    if (args.folder / "ws.db").exists() and not (args.folder / BUILT).exists():
        raise SystemExit(f"{args.folder} holds a build that did not finish: delete the folder and run again")
    settings = load_settings({"db_url": f"sqlite:///{args.folder / 'ws.db'}",
                              "index_dir": str(args.folder / "index")}, environ={})
    store = Store(settings.db_url)
    add_test_users(store)
    workspace = Workspace(settings, store=store, embedder=WideHashEmbedder())
    if not (args.folder / BUILT).exists():
        build(args.folder, args.claims, workspace)
    # only an id: 100,000 Claim objects kept alive would slow every export's garbage collection
    first_claim = workspace.list_claims()[0].id

    def product(fp: io.StringIO) -> object:
        return workspace.export(fp, "csv")

    started = time.perf_counter()  # what the app's warm_up does at start for the exports
    workspace.store.export_lines.review_states()
    workspace._claim_vectors(workspace.model_name).rows(list(workspace.store.export_lines.text_hashes().values()))
    print(f"warm-up part for exports (review states, claims' vectors): {time.perf_counter() - started:.2f} s "
          f"({_load()})", flush=True)
    first = timed(product)
    n = workspace.progress().total
    print(f"{n:,} claims, {first[2] / 1e6:.1f} MB of CSV; first export of this run: {first[0]:.2f} s ({first[1]}); "
          f"{_audit_rows(workspace)}", flush=True)
    report("export, nothing changed (Workspace.export: CSV and audit trail)",
           [timed(product) for _ in range(args.runs)])
    report("export_csv, nothing changed (the CSV alone)",
           [timed(lambda fp: workspace.export_csv(fp)) for _ in range(args.runs)])
    if args.earlier:
        from test_export_columnar import earlier_csv, earlier_export_rows

        report("the earlier export (export_rows + CSV, object per claim)",
               [timed(lambda fp: fp.write(earlier_csv(earlier_export_rows(workspace)))) for _ in range(args.runs)])
    ids = [record[0] for record in workspace._export_records()]  # every claim, in queue order

    def audit_only(fp: io.StringIO) -> object:
        return workspace._record_exported(ids, "csv", "bench")

    report("the audit record alone (one exports row naming every claim)", [timed(audit_only) for _ in range(args.runs)])
    after = []
    for verdict in ("supported", "disputed", "unverified")[:args.runs]:
        workspace.label(first_claim, verdict, "ben")
        after.append(timed(product))
    report("export after one more verdict (Workspace.export)", after)
    if args.pages:
        pages(workspace, args.runs)
    import tracemalloc

    workspace.store.export_lines.forget()
    tracemalloc.start()
    workspace.export_csv(io.StringIO(newline=""))
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"store.export_lines filled from nothing: {held / 2**20:.0f} MiB held after the export "
          f"(peak during it {peak / 2**20:.0f} MiB; tracemalloc)", flush=True)
    workspace.close()


if __name__ == "__main__":
    main()
