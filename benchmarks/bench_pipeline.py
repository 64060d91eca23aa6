"""Pipeline timings on this machine: model load, ingest of the seed article to matches, matching, export.

Run by hand (`make bench` or `python benchmarks/bench_pipeline.py`); prints medians over repeated runs,
measured side by side in one process. Figures go to docs/BENCHMARKS.md with the command.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
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


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def fresh_workspace(folder: Path, embedder: Embedder) -> Workspace:
    settings = load_settings({"db_url": f"sqlite:///{folder / 'ws.db'}", "index_dir": str(folder / "index")},
                             environ={})
    return Workspace(settings, embedder=embedder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    article = demo_bytes(DEMO_ARTICLE)

    load_s, embedder = timed(Embedder)
    print(f"model load (first in process, includes sha256 check): {load_s:.2f}s")

    cold, warm, match_ms, export_s = [], [], [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            ws = fresh_workspace(Path(tmp), embedder)
            ws.load_demo_archive()
            ws.index  # noqa: B018  (FAISS loaded before timing, as in the running app)
            seconds, (result,) = timed(lambda: ws.ingest_file(article, "seed.txt"))
            cold.append(seconds)
            # the same sentences under another title: a new document, every embedding cached
            seconds, _ = timed(lambda: ws.ingest_file(article, "seed-copy.txt", source=f"copy {run}"))
            warm.append(seconds)
            claims = ws.list_claims(document_id=result.document.id)
            for claim in claims:
                seconds, _ = timed(lambda: ws.match_claim(claim.id))
                match_ms.append(seconds * 1000)
            seconds, _ = timed(lambda: ws.export_csv(io.StringIO()))
            export_s.append(seconds)
            ws.close()

    med = statistics.median
    print(f"runs: {args.runs}; seed article: {result.n_sentences} sentences, {result.n_claims} claims; "
          f"archive: demo ({ws.index.count} statements after the run)")
    print(f"ingest seed → matches, model warm, embeddings new:    median {med(cold) * 1000:.0f} ms "
          f"(min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f})")
    print(f"ingest seed → matches, model warm, embeddings cached: median {med(warm) * 1000:.0f} ms "
          f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f}); ratio new/cached {med(cold) / med(warm):.1f}x")
    print(f"match one stored claim (top 5):                        median {med(match_ms):.1f} ms over "
          f"{len(match_ms)} calls")
    print(f"export verdict CSV (2 documents):                      median {med(export_s) * 1000:.0f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.txt"
        seed.write_bytes(article)
        env = dict(os.environ, CLAIMDESK_DATA=str(Path(tmp) / "data"))
        subprocess.run([sys.executable, "-m", "claims", "load-demo"], env=env, check=True, capture_output=True)
        seconds, out = timed(lambda: subprocess.run([sys.executable, "-m", "claims", "ingest", str(seed)],
                                                    env=env, check=True, capture_output=True, text=True))
        print(f"`claimdesk ingest seed.txt` as a new process (Python start + model load + ingest): {seconds:.2f}s")
        print("   " + out.stdout.strip().splitlines()[0])


if __name__ == "__main__":
    main()
