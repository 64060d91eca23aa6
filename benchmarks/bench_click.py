"""The verdict click at newsroom scale, server side: 100,000 claims and up to 1,000,000 earlier statements.

A click is what the Review page's process does between a reviewer's verdict and the next claim on
screen. The verdict changes the workspace's revision, so every cached read of the page runs again:
``Workspace.label``, then the page's reads for the next claim (``list_documents`` and ``claim_speakers``
for the filters, ``review_queue``, ``visible_claim``, ``match_claim``, ``contradictions``,
``audit_trail``, ``judgements`` and ``document_sentences``). Each is timed; the click is their sum,
median over ``--clicks``. ``contradictions`` is given the cards ``match_claim`` returned, as the page
gives it. Side by side in the same loop, not part of the click: the queue and the filters read from
the tables (``Documents.review_queue``, ``list_documents``, ``claim_speakers``), as every click read
them before the in-memory queue (``claims.store.queue.QueueIndex``).

The workspace: a copy of the export benchmark's (``benchmarks/bench_export.py``: 100,000 claims with a
verdict each, 20,000 statements, hash vectors of 384 dimensions), to which ``--statements`` synthetic
earlier statements are added through ``Workspace.import_statements`` (texts drawn with the CLEF
fact-checks' word frequencies, one word in five a rare token; ``lab.speed.synthetic_statements``), and
then ``--fresh`` documents of 20 claim sentences that are clicked through (claims without a verdict,
as a reviewer meets them). So that the verifier runs as it does in production, the shipped verifier's
weights are used under the hash vectors' name (``CLAIMDESK_VERIFIER`` pointed at a copy whose
provenance names that embedder): the cosines mean nothing, the code path and the sizes are the
product's. The folder is reused once built (the file ``built`` says so).

    .venv/bin/python benchmarks/bench_export.py --claims 100000 --folder /tmp/export-bench --runs 1
    .venv/bin/python benchmarks/bench_click.py --base /tmp/export-bench --folder /tmp/click-bench \
        --statements 1000000 --clicks 15
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_export import SENTENCES_PER_DOC, WideHashEmbedder, _sentence, _words  # noqa: E402
from conftest import add_test_users  # noqa: E402

from claims.models import SourceText  # noqa: E402
from lab.speed import page_click  # noqa: E402
from claims.settings import load_settings  # noqa: E402
from claims.store import Store  # noqa: E402
from claims.workspace import Workspace  # noqa: E402

BUILT = "built"
PART = 100_000
REVIEWER = "ana"
BENCH = ROOT.parent / "shared" / "bench"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _verifier_for(folder: Path, name: str) -> Path:
    """The shipped verifier's weights, with provenance naming the bench's embedder."""
    data = json.loads((ROOT / "claims" / "weights" / "verifier.json").read_text())
    data["provenance"]["embedder"] = name
    path = folder / "verifier.json"
    path.write_text(json.dumps(data))
    return path


def open_workspace(folder: Path) -> Workspace:
    embedder = WideHashEmbedder()
    settings = load_settings({"db_url": f"sqlite:///{folder / 'ws.db'}", "index_dir": str(folder / "index"),
                              "verifier_path": str(_verifier_for(folder, embedder.name))}, environ={})
    store = Store(settings.db_url)
    add_test_users(store)
    return Workspace(settings, store=store, embedder=embedder)


def statement_texts(n: int) -> list[str]:
    if BENCH.exists():
        from lab.speed import bench_texts, synthetic_statements

        words = " ".join(bench_texts(BENCH, 2200)).split()
        return synthetic_statements(words, n)
    rnd = random.Random(5)
    vocab = _words(rnd)
    return [_sentence(rnd, vocab) for _ in range(n)]


def build(base: Path, folder: Path, n_statements: int, n_fresh: int) -> None:
    if not (base / "built").exists():
        raise SystemExit(f"{base} is not a finished export-benchmark workspace (no 'built' file in it)")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    source = sqlite3.connect(base / "ws.db")
    target = sqlite3.connect(folder / "ws.db")
    source.backup(target)
    source.close()
    target.close()
    print(f"copied {base / 'ws.db'} ({time.perf_counter() - started:.0f} s)", flush=True)
    ws = open_workspace(folder)
    try:
        texts = statement_texts(n_statements)
        for i, start in enumerate(range(0, n_statements, PART)):
            part = "\n".join(json.dumps({"text": t, "rating": "False", "speaker": f"Speaker {j % 5000}"})
                             for j, t in enumerate(texts[start:start + PART], start))
            t0 = time.perf_counter()
            ws.import_statements(part.encode(), f"synthetic-{i:03d}.jsonl")
            print(f"  imported {min(start + PART, n_statements):,} of {n_statements:,} statements "
                  f"({time.perf_counter() - t0:.0f} s for this part; load {_load()})", flush=True)
        rnd = random.Random(20261201)
        vocab = _words(rnd)
        docs = [SourceText(text=" ".join(_sentence(rnd, vocab) for _ in range(SENTENCES_PER_DOC)),
                           title=f"fresh {d}", origin=f"fresh{d}.txt") for d in range(n_fresh)]
        t0 = time.perf_counter()
        ws.ingest_documents(docs)
        print(f"  ingested {n_fresh} fresh documents ({time.perf_counter() - t0:.0f} s, FAISS and BM25 "
              "built on the way)", flush=True)
    finally:
        ws.close()
    (folder / BUILT).write_text("built\n")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


def clicks(folder: Path, n: int) -> dict[str, Any]:
    started = time.perf_counter()
    ws = open_workspace(folder)
    warm_s, _ = timed(ws.warm_up)  # what the app's start-up load does before any reviewer's first click
    queue = ws.review_queue(REVIEWER)
    first_ms, _ = timed(lambda: ws.match_claim(queue.ids[0]))
    open_s = time.perf_counter() - started
    n_statements = ws.store.statements.statement_stats()[0]
    parts: dict[str, list[float]] = {}
    totals, old_queue, old_filters = [], [], []
    try:
        ids = list(queue.ids)
        for current, following in zip(ids, ids[1:n + 1]):
            steps = page_click(ws, current, following, REVIEWER)
            q = ws.review_queue(REVIEWER)
            assert following in q.unreviewed and current not in q.unreviewed
            totals.append(sum(steps.values()))
            for k, v in steps.items():
                parts.setdefault(k, []).append(v)
            # Side by side, not part of the click: the queue and the filters as read from the tables on
            # every click (Documents.review_queue and friends, before the in-memory QueueIndex).
            ms, tables_queue = timed(lambda: ws.store.documents.review_queue(REVIEWER))
            old_queue.append(ms)
            assert tables_queue == q
            ms, _ = timed(lambda: (ws.store.documents.list_documents(), ws.store.documents.claim_speakers()))
            old_filters.append(ms)
        n_claims = ws.review_queue(REVIEWER, status="all").total
    finally:
        ws.close()
    return {"claims": n_claims, "statements": n_statements, "clicks": len(totals),
            "open_and_first_match_s": round(open_s, 1), "warm_up_s": round(warm_s / 1000, 1),
            "first_match_after_warm_up_ms": round(first_ms, 1),
            "click_ms": round(statistics.median(totals), 1),
            "click_p90_ms": round(sorted(totals)[int(0.9 * (len(totals) - 1))], 1),
            "parts_ms": {k: round(statistics.median(v), 1) for k, v in parts.items()},
            "queue_from_tables_ms": round(statistics.median(old_queue), 1),
            "filters_from_tables_ms": round(statistics.median(old_filters), 1),
            "queue_index_loads": ws.store.queue.loads, "load": _load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="a built bench_export.py folder")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--statements", type=int, default=1_000_000, help="synthetic statements to add")
    parser.add_argument("--fresh", type=int, default=5, help="documents of 20 claims without a verdict")
    parser.add_argument("--clicks", type=int, default=15)
    args = parser.parse_args()
    if (args.folder / "ws.db").exists() and not (args.folder / BUILT).exists():
        raise SystemExit(f"{args.folder} holds a build that did not finish: delete the folder and run again")
    if not (args.folder / BUILT).exists():
        build(args.base, args.folder, args.statements, args.fresh)
    print(json.dumps(clicks(args.folder, args.clicks)), flush=True)


if __name__ == "__main__":
    main()
