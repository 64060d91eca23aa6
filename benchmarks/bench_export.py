"""Export of N verdicts: the product's ``Workspace.export_rows`` + ``write_export`` on a large workspace.

Builds (once, in ``--folder``) a SQLite workspace with N claims, every one with a verdict, against an
archive of 20,000 statements, through the product's own ingest, import and review-log writes. The
vectors are the test suite's hash embedder widened to 384 dimensions (bag of words), since embedding 100,000 claims
with MiniLM would take hours here and an export with a fresh match cache embeds nothing; the texts are
random draws from a 5,000-word vocabulary, so claims are rarely near one another.

Reported, each the median of ``--runs``: the first export after all the verdicts (it re-ranks the
claims that a new reviewed statement came near), then exports with nothing changed (every card from the
match cache), then after one more verdict, and the CSV writing alone.

    .venv/bin/python benchmarks/bench_export.py --claims 100000 --folder /tmp/export-bench
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import HashEmbedder, add_test_users  # noqa: E402

from claims.models import ReviewAction, SourceText, Verdict  # noqa: E402
from claims.settings import load_settings  # noqa: E402
from claims.store import Store  # noqa: E402
from claims.workspace import Workspace  # noqa: E402

SENTENCES_PER_DOC = 20


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


def timed_export(workspace: Workspace) -> tuple[float, float, int]:
    started = time.perf_counter()
    rows = workspace.export_rows()
    ranked = time.perf_counter() - started
    buffer = io.StringIO()
    written = workspace.write_export(rows, buffer)
    return ranked + (time.perf_counter() - started - ranked), time.perf_counter() - started - ranked, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    settings = load_settings({"db_url": f"sqlite:///{args.folder / 'ws.db'}",
                              "index_dir": str(args.folder / "index")}, environ={})
    store = Store(settings.db_url)
    add_test_users(store)
    workspace = Workspace(settings, store=store, embedder=WideHashEmbedder())
    if not workspace.list_documents():
        build(args.folder, args.claims, workspace)
    first, _, n = timed_export(workspace)
    print(f"first export after the verdicts: {first:.2f} s for {n:,} claims", flush=True)
    steady = [timed_export(workspace) for _ in range(args.runs)]
    print(f"export, nothing changed: median {statistics.median(t for t, _, _ in steady):.2f} s "
          f"(CSV writing alone {statistics.median(w for _, w, _ in steady):.2f} s) over {args.runs} runs", flush=True)
    claim = workspace.list_claims()[0]
    after = []
    for verdict in ("supported", "disputed", "unverified")[:args.runs]:
        workspace.label(claim.id, verdict, "ben")
        after.append(timed_export(workspace)[0])
    print(f"export after one more verdict: median {statistics.median(after):.2f} s over {len(after)} runs")
    workspace.close()


if __name__ == "__main__":
    main()
