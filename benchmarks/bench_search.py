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

Two more figures say what a miss costs. ``recall_by_cosine`` splits the exact ten nearest by their cosine to the
query (a card the verifier could call "same claim" sits at 0.7 and above). With ``--clef FOLDER`` (CLEF 2020
tweets), the collection's fact-checks join the archive after the synthetic statements, and its dev tweets,
prepared as the matcher prepares a pasted post (``index.match.prepare_query``), are searched too:
``gold_at_10`` is the share whose fact-check (a qrel) is among the first ten, against exact search's share.

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


COSINE_BANDS = ((0.7, 1.01), (0.5, 0.7), (-1.0, 0.5))


def clef_set(folder: Path, first_id: int, embedder) -> tuple[np.ndarray, np.ndarray, list[set[int]]]:
    """CLEF 2020's fact-checks (vectors, to be stored from ``first_id``), its dev tweets' vectors as the
    matcher embeds them, and each tweet's fact-check ids in the archive."""
    from index.match import prepare_query
    from lab.bench import read_qrels, read_queries, read_vclaims

    claims = read_vclaims(folder / "vclaims.tsv")
    ids = {c.id: first_id + i for i, c in enumerate(claims)}
    qrels = read_qrels(folder / "dev_qrels.tsv")
    queries = [q for q in read_queries(folder / "dev_queries.tsv") if q.id in qrels]
    checks = embedder.encode([c.text for c in claims]).astype(np.float32)
    tweets = embedder.encode([prepare_query(q.text).dense for q in queries]).astype(np.float32)
    return checks, tweets, [{ids[d] for d in qrels[q.id] if d in ids} for q in queries]


def timed_search(index, queries: np.ndarray, k: int) -> tuple[list[set[int]], np.ndarray]:
    """Each query alone, as a click asks: the ids found and the times in ms."""
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        hits = index.search(q, k)[0]
        times.append(time.perf_counter() - t)
        found.append({i for i, _ in hits})
    return found, np.array(times) * 1000


def main() -> None:
    from claims.settings import load_settings
    from index.embed import Embedder
    from index.vectors import VectorIndex
    from lab.speed import ArraySource, bench_texts, exact_top

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--vectors", type=Path, required=True, help="folder of the .npy parts (kept, reused)")
    parser.add_argument("--folder", type=Path, required=True, help="folder of the saved index (kept, reused)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--ef", default="64,100,128,192,256,512", help="efSearch values, comma-separated")
    parser.add_argument("--clef", type=Path, help="the CLEF 2020 tweets folder: its fact-checks join the archive")
    args = parser.parse_args()

    settings = load_settings({}, environ=os.environ)
    embedder = Embedder.from_settings(settings)
    paths = embed_parts(args.statements, args.vectors, embedder)
    vectors = np.concatenate([np.load(p) for p in paths])[:args.statements]
    texts = bench_texts(BENCH, args.queries + 2200)[-args.queries:]  # not the texts the vocabulary came from
    queries = embedder.encode(texts).astype(np.float32)
    gold: list[set[int]] = []
    if args.clef:
        checks, tweets, gold = clef_set(args.clef, len(vectors) + 1, embedder)
        vectors = np.concatenate([vectors, checks])

    index = VectorIndex(args.folder, embedder.name, vectors.shape[1])
    started = time.perf_counter()
    report = index.sync(ArraySource(vectors))
    build_s = time.perf_counter() - started
    exact, exact_cos = exact_top(vectors, queries, 10)
    bands = [(lo, hi, (exact_cos >= lo) & (exact_cos < hi)) for lo, hi in COSINE_BANDS]
    if gold:
        tweet_exact = exact_top(vectors, tweets, 10)[0]
        exact_gold = float(np.mean([bool(g & set(row.tolist())) for g, row in zip(gold, tweet_exact)]))
    depth = settings.candidate_depth
    for ef in [int(e) for e in args.ef.split(",")]:
        index.ef_search = ef
        for k in (10, depth):
            found, ms = timed_search(index, queries, k)
            hit = np.array([[i in f for i in row.tolist()] for f, row in zip(found, exact)])
            line = {"n": len(vectors), "kind": index.kind, "ef": ef, "k": k,
                    "recall_10": round(float(hit.mean()), 4),
                    "queries_all_10": round(float(hit.all(axis=1).mean()), 4),
                    "p50_ms": round(float(np.percentile(ms, 50)), 3),
                    "p99_ms": round(float(np.percentile(ms, 99)), 3),
                    "recall_by_cosine": {f"{lo:g}-{min(hi, 1):g}": [round(float(hit[m].mean()), 4), int(m.sum())]
                                         for lo, hi, m in bands if m.any()}}
            if gold and k == 10:
                tweet_found, _ = timed_search(index, tweets, 10)
                line["gold_at_10"] = round(float(np.mean([bool(g & f) for g, f in zip(gold, tweet_found)])), 4)
                line["gold_at_10_exact"] = round(exact_gold, 4)
            print(json.dumps(line), flush=True)
    print(json.dumps({"n": len(vectors), "kind": index.kind, "queries": len(queries), "clef_tweets": len(gold),
                      "embedder": embedder.name, "built": report.rebuilt, "sync_s": round(build_s, 1),
                      "index_mb": round(index.index_path.stat().st_size / 2**20, 1)}), flush=True)


if __name__ == "__main__":
    main()
