"""Claim-retrieval scores on the CLEF CheckThat! dev splits: BM25, dense, hybrid and re-ranked, side by side.

Run by hand (``python benchmarks/bench_retrieval.py``); needs ``../shared/bench``. Every method
goes through :func:`lab.bench.run_retrieval_benchmark`, the same code as ``claimdesk bench
retrieval``; embeddings are cached in a SQLite file (``--cache``), so only the first run embeds.

Splits: CLEF 2020 2A dev (197 tweets); CLEF 2021/2022 2A against ``vclaims_2022.tsv`` with a dev
carved from train (the 197 train tweets whose number is a CLEF 2020 dev id, as that folder's
README proposes; the other 800 are the train part); CLEF 2021 2B dev (119 debate sentences).

``--train`` first re-fits the three re-rankers on the train parts and writes them, with their
provenance, in the format of ``lab/data/rankers.json`` (to ``--rankers-out``, or printed); the
scores below then use them. Figures go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.bench import (  # noqa: E402
    carve_dev_ids,
    load_benchmark,
    read_qrels,
    read_queries,
    recipe,
    run_retrieval_benchmark,
    train_ranker,
)
from claims.store import Store  # noqa: E402
from index.embed import Embedder  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"
T20 = BENCH / "clef2020-t2-en-tweets"
T22 = BENCH / "clef2021-2022-t2a-en-tweets"
DEB = BENCH / "clef2021-t2b-en-debates"


def carved_dev() -> set[str]:
    """CLEF 2021/2022 2A dev: the train tweets whose number is a CLEF 2020 dev id."""
    reference = [q.id for q in read_queries(T20 / "dev_queries.tsv")]
    return carve_dev_ids(list(read_qrels(T22 / "train_qrels.tsv")), reference)


DATASETS = {
    "clef2020-tweets": {"dev": (T20 / "vclaims.tsv", T20 / "dev_queries.tsv", T20 / "dev_qrels.tsv"), "ids": None,
                        "train": (T20 / "vclaims.tsv", T20 / "train_queries.tsv", T20 / "train_qrels.tsv")},
    "clef2022-tweets": {"dev": (T22 / "vclaims_2022.tsv", T22 / "train_queries.tsv", T22 / "train_qrels.tsv"),
                        "ids": "carved",
                        "train": (T22 / "vclaims_2022.tsv", T22 / "train_queries.tsv", T22 / "train_qrels.tsv")},
    "clef2021-debates": {"dev": (DEB / "vclaims.tsv", DEB / "train_dev_queries.tsv", DEB / "dev_qrels.tsv"),
                         "ids": None,
                         "train": (DEB / "vclaims.tsv", DEB / "train_dev_queries.tsv", DEB / "train_qrels.tsv")},
}


def train_all(embedder: Embedder, cache: Store) -> dict[str, dict]:
    rankers = {}
    for name, spec in DATASETS.items():
        exclude = carved_dev() if spec["ids"] == "carved" else ()
        ranker = train_ranker(*spec["train"], embedder=embedder, cache=cache, name=name, exclude_ids=exclude)
        info = dict(ranker.provenance)
        info["split"] = ("train_qrels.tsv less the carved dev (CLEF 2020 dev ids)" if exclude else
                         spec["train"][2].name)
        info["command"] = "python benchmarks/bench_retrieval.py --train"
        ranker = replace(ranker, provenance=info)
        rankers[name] = ranker.to_dict()
        print(f"trained {name}: {info['queries']} queries, {info['pairs']} pairs", file=sys.stderr)
    return rankers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", default=str(ROOT / ".claimdesk" / "bench-cache" / "embeddings.db"))
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--methods", nargs="*", default=["bm25", "dense-raw", "dense", "hybrid-rrf", "hybrid",
                                                         "rerank"])
    parser.add_argument("--train", action="store_true", help="re-fit the rankers on train first and print them")
    parser.add_argument("--rankers-out", type=Path,
                        help="with --train, write the rankers here (lab/data/rankers.json to ship them)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON lines too")
    args = parser.parse_args()
    if not BENCH.exists():
        sys.exit(f"{BENCH} is absent")
    embedder = Embedder()
    cache = Store(f"sqlite:///{args.cache}")
    rankers = None
    if args.train:
        rankers = train_all(embedder, cache)
        text = json.dumps(rankers, indent=2, sort_keys=True) + "\n"
        if args.rankers_out:
            args.rankers_out.write_text(text, encoding="utf-8")
            print(f"{args.rankers_out}: {len(rankers)} rankers", file=sys.stderr)
        else:
            print(text)
    print("| dataset | method | MAP@1 | MAP@5 | MRR | P@1 | queries | collection | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        spec = DATASETS[name]
        ids = carved_dev() if spec["ids"] == "carved" else None
        kind = load_benchmark(*spec["dev"], query_ids=ids).kind
        for method in args.methods:
            config = None
            if method == "dense-raw":  # zero-shot dense: raw texts, copies kept, nothing tuned
                config = replace(recipe(kind, "dense"), clean_tweets=False, speaker=False, deduplicate=False)
            elif method == "hybrid-rrf":
                config = replace(recipe(kind, "hybrid"), fusion="rrf", rrf_k=60.0, lexical_weight=1.0)
            elif method == "rerank" and rankers is not None:
                from lab.rerank import LinearRanker

                config = recipe(kind, "rerank", ranker=LinearRanker.from_dict(rankers[name]))
            result = run_retrieval_benchmark(*spec["dev"], method=method.split("-")[0], embedder=embedder,
                                             cache=cache, query_ids=ids, config=config)
            print(f"| {name} | {method} | {result['map@1']:.3f} | {result['map@5']:.3f} | {result['mrr']:.3f} | "
                  f"{result['p@1']:.3f} | {result['n_queries']} | {result['collection']} | {result['seconds']:.1f} |",
                  flush=True)
            if args.json:
                print(json.dumps({"dataset": name, "variant": method, **result}), file=sys.stderr)
    cache.dispose()


if __name__ == "__main__":
    main()
