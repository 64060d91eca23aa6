"""How often claimdesk hints a contradiction inside a document, on articles it was not built on.

Runs the product's own extraction (Workspace.extract_file: segmenter, detector, speakers) and its
in-document contradiction rule (claims.contradict.denials_in_document, what `claimdesk claims --json`
and the Review page show) over a random sample of PolitiFact fact-check articles from ../shared, and
prints how many articles get hints and every hint, so a person can judge each one. Fact-check
articles quote claims and their refutations, so they are a hard test: many true denials, and many
chances for a false one.

    .venv/bin/python benchmarks/bench_contradictions.py --n 150 --seed 7 > hints.txt
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from claims.contradict import denials_in_document  # noqa: E402
from claims.settings import load_settings  # noqa: E402
from claims.workspace import Workspace, demo_bytes  # noqa: E402

ARTICLES = REPO.parent / "shared" / "bench" / "clef2021-t2b-en-debates" / "vclaims_article_text.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with gzip.open(ARTICLES, "rt", encoding="utf-8") as fp:
        articles = [json.loads(line) for line in fp]
    sample = random.Random(args.seed).sample(articles, args.n)
    ws = Workspace(load_settings({"data_dir": "/nonexistent-no-database"}, environ={}))
    started = time.perf_counter()
    per_article, total_claims, shown = [], 0, []
    docs = [("seed article", demo_bytes("article.txt"))] + [(a["vclaim_id"], a["text"].encode()) for a in sample]
    for name, data in docs:
        sentences, _ = ws.extract_file(data, f"{name}.txt")
        rows = [(i, s.text, s.speaker, s.is_claim) for i, s in enumerate(sentences)]
        hints = denials_in_document(rows)
        pairs = {tuple(sorted((i, h.other_claim_id))) for i, hs in hints.items() for h in hs}
        total_claims += sum(s.is_claim for s in sentences)
        if name != "seed article":
            per_article.append(len(pairs))
        for a, b in sorted(pairs):
            reason = next(h.reason for h in hints.get(a, []) + hints.get(b, []))
            shown.append(f"[{name}] {reason}\n   A: {rows[a][1]}\n   B: {rows[b][1]}")
    print("\n\n".join(shown))
    with_hints = sum(1 for n in per_article if n)
    print(json.dumps({"articles": len(per_article), "claims": total_claims, "pairs": sum(per_article),
                      "articles_with_hints": with_hints, "share_with_hints": round(with_hints / len(per_article), 3),
                      "pairs_per_article": round(statistics.mean(per_article), 3),
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
