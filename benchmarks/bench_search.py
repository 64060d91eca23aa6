"""Dense search over a million real-model vectors, as the matcher asks for it.

The statements are ``bench_import``'s synthetic archive (``lab.speed.synthetic_statements``: CLEF word
frequencies, one word in five a rare token), embedded by the product's ``Embedder`` on the configured backend
(ONNX Runtime int8 by default) and written once to ``--vectors`` as ``.npy`` parts of 50,000 (resumable: a part
already written is kept). The index is the product's ``VectorIndex`` over them, of the kind the product picks
for the size (HNSW, M = 32, from 50,000), built once and saved in ``--folder``, then loaded on later runs.

The queries are the 500 CLEF texts ``bench_import.py --recall 500`` used, embedded by the product. Exact search
is brute force over every vector. Each query is searched alone, as a reviewer's click does, at each ``efSearch``
of ``--ef`` and two depths:

- ``k = 10``: recall@10, the share of the exact ten nearest that come back;
- ``k = candidate_depth`` (100, the setting the matcher passes to the index): the share of the exact ten
  nearest among the hundred the matcher receives and fuses with BM25 (recall 10@100).

Prints one JSON line per (ef, k) and a last one with the build figures.

    CLAIMDESK_MODELS_DIR=.claimdesk/models .venv/bin/python benchmarks/bench_search.py \\
        --statements 1000000 --vectors /tmp/vec/m1 --folder /tmp/vec/index
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_click import BENCH, statement_texts  # noqa: E402

PART = 50_000


def embed_parts(n: int, folder: Path, embedder) -> list[Path]:
    """The ``n`` statements' vectors as .npy parts, embedding only the parts not yet written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"part-{i:03d}.npy" for i in range((n + PART - 1) // PART)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        texts = statement_texts(n)
        started = time.perf_counter()
        for path in missing:
            start = int(path.stem.split("-")[1]) * PART
            vectors = embedder.encode(texts[start:start + PART]).astype(np.float32)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            os.replace(tmp, path)
            print(f"embedded {start + len(vectors):,} ({time.perf_counter() - started:.0f} s)", flush=True)
    return paths


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Each query's ``k`` nearest ids (1-based rows), best first, by brute force."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(vectors), 131072):
        scores = queries @ vectors[start:start + 131072].T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        all_s = np.concatenate([best_s, np.take_along_axis(scores, top, axis=1)], axis=1)
        all_i = np.concatenate([best_i, top + start + 1], axis=1)
        keep = np.argsort(-all_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(all_s, keep, axis=1), np.take_along_axis(all_i, keep, axis=1)
    return best_i


def main() -> None:
    from claims.settings import load_settings
    from index.embed import Embedder
    from index.vectors import VectorIndex
    from lab.speed import ArraySource, bench_texts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--vectors", type=Path, required=True, help="folder of the .npy parts (kept, reused)")
    parser.add_argument("--folder", type=Path, required=True, help="folder of the saved index (kept, reused)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--ef", default="64,100,128,192,256,512", help="efSearch values, comma-separated")
    args = parser.parse_args()

    settings = load_settings({}, environ=os.environ)
    embedder = Embedder.from_settings(settings)
    paths = embed_parts(args.statements, args.vectors, embedder)
    vectors = np.concatenate([np.load(p) for p in paths])[:args.statements]
    texts = bench_texts(BENCH, args.queries + 2200)[-args.queries:]  # not the texts the vocabulary came from
    queries = embedder.encode(texts).astype(np.float32)

    index = VectorIndex(args.folder, embedder.name, vectors.shape[1])
    started = time.perf_counter()
    report = index.sync(ArraySource(vectors))
    build_s = time.perf_counter() - started
    exact = exact_top(vectors, queries, 10)
    depth = settings.candidate_depth
    for ef in [int(e) for e in args.ef.split(",")]:
        index.ef_search = ef
        for k in (10, depth):
            times, recalls = [], []
            for q, truth in zip(queries, exact):
                t = time.perf_counter()
                hits = index.search(q, k)[0]
                times.append(time.perf_counter() - t)
                recalls.append(len({i for i, _ in hits} & set(truth.tolist())) / 10)
            ms = np.array(times) * 1000
            print(json.dumps({"n": len(vectors), "kind": index.kind, "ef": ef, "k": k,
                              "recall_10": round(float(np.mean(recalls)), 4),
                              "queries_all_10": round(float(np.mean(np.array(recalls) == 1.0)), 4),
                              "p50_ms": round(float(np.percentile(ms, 50)), 3),
                              "p99_ms": round(float(np.percentile(ms, 99)), 3)}), flush=True)
    print(json.dumps({"n": len(vectors), "kind": index.kind, "queries": len(queries), "embedder": embedder.name,
                      "built": report.rebuilt, "sync_s": round(build_s, 1),
                      "index_mb": round(index.index_path.stat().st_size / 2**20, 1)}), flush=True)


if __name__ == "__main__":
    main()
