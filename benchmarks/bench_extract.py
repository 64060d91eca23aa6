"""Is extraction linear in the text? Times ``claims.extract.extract`` on 0.1, 1 and 10 MB of news text.

The text is the seed article repeated, each copy with its numbers changed so no two copies are equal.
Scoring is the heuristic (no model): the trained detector adds one embedding per sentence, which is
linear by construction and measured by ``claimdesk bench speed`` (``encode_claimdesk_per_s``).
A workspace refuses a document over ``CLAIMDESK_MAX_DOCUMENT_CHARS`` (200,000 characters) or
``CLAIMDESK_MAX_SENTENCES`` (3,000) with an error naming the limit; this measures the core function
under those limits, which a batch of documents meets piece by piece.

    .venv/bin/python benchmarks/bench_extract.py [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claims.extract import extract  # noqa: E402
from claims.segment import segment  # noqa: E402
from claims.speakers import attribute_speakers  # noqa: E402

SEED = Path(__file__).resolve().parents[1] / "claims" / "demo" / "article.txt"


def text_of(size: int) -> str:
    """About ``size`` characters of news prose: seed copies whose numbers differ copy by copy."""
    seed = SEED.read_text(encoding="utf-8").strip()
    parts, total, copy = [], 0, 0
    while total < size:
        copy += 1
        part = re.sub(r"\d+", lambda m, c=copy: str(int(m.group()) + c), seed)
        parts.append(part)
        total += len(part) + 2
    return "\n\n".join(parts)[:size]


def timed(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for size in (100_000, 1_000_000, 10_000_000):
        text = text_of(size)
        runs = args.runs if size <= 1_000_000 else 1
        sentences = segment(text)
        row = {"chars": len(text), "sentences": len(sentences), "runs": runs,
               "segment_s": timed(lambda: segment(text), runs),
               "speakers_s": timed(lambda: attribute_speakers(text, sentences), runs),
               "extract_s": timed(lambda: extract(text), runs)}
        row["extract_s_per_mb"] = row["extract_s"] / (len(text) / 1_000_000)
        rows.append(row)
        if not args.json:
            print(f"{len(text):>11,} chars {len(sentences):>7,} sentences: segment {row['segment_s']:.2f} s, "
                  f"speakers {row['speakers_s']:.2f} s, extract {row['extract_s']:.2f} s "
                  f"({row['extract_s_per_mb']:.2f} s/MB)", flush=True)
    ratio = rows[-1]["extract_s_per_mb"] / rows[1]["extract_s_per_mb"]
    if args.json:
        print(json.dumps({"rows": rows, "per_mb_ratio_10mb_vs_1mb": round(ratio, 3)}))
    else:
        print(f"s/MB at 10 MB over s/MB at 1 MB: {ratio:.2f} (1.00 = linear)")


if __name__ == "__main__":
    main()
