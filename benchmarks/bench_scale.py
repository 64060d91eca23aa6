"""A newsroom-sized archive: the 19,250 PolitiFact fact-checks of CLEF CheckThat! 2B as earlier statements.

Run by hand: `python benchmarks/bench_scale.py [--cache DB]`. Measures, in one process on a fresh SQLite
workspace: the import (embedding dominates; --cache primes the workspace's embedding cache from a store
that already holds the vectors, e.g. the retrieval benchmark's, so the figure shows the rest), matching latency, the first match after a verdict (BM25 rebuilt, FAISS caught up), opening
the workspace again (FAISS loaded from disk), and a full rebuild of the FAISS cache. Skips without
../shared/bench.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.settings import load_settings  # noqa: E402
from claims.workspace import DEMO_ARTICLE, Workspace, demo_bytes  # noqa: E402
from index.embed import Embedder  # noqa: E402

VCLAIMS = ROOT.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", help="SQLite file of an embedding store to copy vectors from")
    args = parser.parse_args()
    if not VCLAIMS.exists():
        print(f"skipped: {VCLAIMS} is absent")
        return
    data = VCLAIMS.read_bytes()
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"db_url": f"sqlite:///{Path(tmp) / 'ws.db'}", "index_dir": str(Path(tmp) / "idx")},
                                 environ={})
        ws = Workspace(settings, embedder=embedder)
        if args.cache:
            # Prime the workspace's embedding cache from a store that already holds these texts' vectors.
            from claims.archive import read_statements
            from claims.store import Store

            prepared = Store(f"sqlite:///{args.cache}")
            hashes = [row["text_hash"] for row in read_statements(data, "vclaims.tsv").rows]
            ws.store.put_embeddings(embedder.name, prepared.get_embeddings(embedder.name, hashes))
            prepared.dispose()
        encoded_before = embedder.texts_encoded
        start = time.perf_counter()
        result = ws.import_statements(data, "vclaims.tsv")
        import_s = time.perf_counter() - start
        print(f"texts embedded during the import: {embedder.texts_encoded - encoded_before}")
        print(f"import {result.added} statements ({result.skipped} duplicates skipped, unmapped ratings: "
              f"{list(result.unmapped_ratings)}): {import_s:.1f}s"
              + (" (vectors primed from --cache; the few missing ones embedded)" if args.cache
                 else " (embedding included)"))

        (doc,) = ws.ingest_file(demo_bytes(DEMO_ARTICLE), "seed.txt")
        claims = ws.list_claims(document_id=doc.document.id)
        ws.match_claim(claims[0].id)  # builds BM25 once
        times = []
        for _ in range(3):
            for claim in claims:
                start = time.perf_counter()
                ws.match_claim(claim.id)
                times.append((time.perf_counter() - start) * 1000)
        print(f"match one claim against {ws.index.count} statements (hybrid, top 5): median "
              f"{statistics.median(times):.1f} ms over {len(times)} calls")

        start = time.perf_counter()
        ws.label(claims[0].id, "disputed", "bench")
        label_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        ws.match_claim(claims[1].id)
        after_ms = (time.perf_counter() - start) * 1000
        print(f"record a verdict: {label_ms:.0f} ms; the next match (BM25 rebuilt over the archive): {after_ms:.0f} ms")
        ws.close()

        start = time.perf_counter()
        again = Workspace(settings, embedder=embedder)
        again.index  # noqa: B018
        print(f"open the workspace again (FAISS cache loaded from disk, caught up): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
        start = time.perf_counter()
        again.rebuild_index()
        print(f"rebuild the FAISS cache from the database: {time.perf_counter() - start:.2f}s")
        sizes = {p.name: p.stat().st_size for p in settings.index_dir.iterdir()}
        db = Path(tmp) / "ws.db"
        print(f"sizes: database {db.stat().st_size / 1e6:.1f} MB, "
              + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
        again.close()


if __name__ == "__main__":
    main()
