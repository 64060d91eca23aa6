"""Opposite verdicts among same-claim cards, on CLEF queries with the completed qrels.

The hint (``claims.contradict.statement_hints``, kind ``opposite_verdicts``) fires when a claim's *same claim*
cards carry verdicts that disagree (supported against disputed): earlier checks of one claim that contradict
each other. The news set of ``bench_contradictions.py`` never gave one. The CLEF debates do: PolitiFact checked
many debate lines more than once, and ``lab/data/clef_same_pairs.tsv`` names those other checks
(docs/ANNOTATION.md, "Completing the CLEF qrels").

For each query of each split, the product's five cards (``Workspace.rank``, converted to the ``Match`` the
Review page reads) go through ``statement_hints``, and are scored against the completed qrels:

- **opportunities**: queries whose completed qrels hold checks of both verdicts in the archive;
- **shown**: of those, the queries whose five cards include both;
- **hints**: queries with an ``opposite_verdicts`` hint; **right** when every card it names is a check of the
  query's claim (in the completed qrels) and the named verdicts disagree; **unjudged** when a named card is
  neither in the qrels nor labelled (printed with its text, to read).

Nothing here is tuned: the hint has no parameter beyond the verifier's threshold, so every split is reported.

    CLAIMDESK_MODELS_DIR=.claimdesk/models .venv/bin/python benchmarks/bench_opposite_verdicts.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import bench_retrieval as R  # noqa: E402

from claims.contradict import statement_hints  # noqa: E402
from claims.models import Verdict  # noqa: E402
from claims.settings import load_settings  # noqa: E402
from index.embed import Embedder  # noqa: E402
from lab import bench as B  # noqa: E402

OPPOSITE = {Verdict.SUPPORTED, Verdict.DISPUTED}


def main() -> None:
    if not R.BENCH.exists():
        sys.exit(f"{R.BENCH} is absent")
    R.COMPLETED = True
    labels = B.read_same_pairs()
    embedder = Embedder.from_settings(load_settings())
    rows = []
    for name in R.DATASETS:
        collection = B.collection_name(R.DATASETS[name]["vclaims"])
        arch = R.archive(name, embedder)
        ws = arch.workspace
        try:
            for part in ("train", "dev", "held-out"):
                bench = R.split(name, part)
                queries = B.bench_queries(bench, arch)
                cards = ws.rank(queries, 5)
                counts = {"dataset": name, "split": part, "queries": len(queries), "opportunities": 0, "shown": 0,
                          "hints": 0, "right": 0, "wrong": 0, "unjudged": 0}
                for query, bench_query, found in zip(queries, bench.queries, cards):
                    gold = arch.gold(bench.qrels.get(bench_query.id, ()))
                    verdicts = {s.verdict for s in ws.store.statements.get_statements(list(gold)).values()} & OPPOSITE
                    matches = [ws._as_match(c) for c in found]
                    if verdicts == OPPOSITE:
                        counts["opportunities"] += 1
                        both = {m.statement.verdict for m in matches if m.statement.id in gold} & OPPOSITE == OPPOSITE
                        counts["shown"] += both
                        if both:
                            print(f"[{name} {part}] both verdicts shown: {bench_query.text[:140]}", file=sys.stderr)
                            for m in matches:
                                mark = "gold" if m.statement.id in gold else "not gold"
                                print(f"    {m.statement.verdict.value if m.statement.verdict else '-':<10} "
                                      f"P={m.probability or 0:.2f} {m.tier.value} {mark}: {m.statement.text[:120]}",
                                      file=sys.stderr)
                    hints = [h for h in statement_hints(query.text, matches,
                                                        related_threshold=ws.settings.related_threshold)
                             if h.kind == "opposite_verdicts"]
                    if not hints:
                        continue
                    counts["hints"] += 1
                    named = [m for m in matches if m.statement.id in {h.other_statement_id for h in hints}]
                    outside = [m for m in named if m.statement.id not in gold
                               and (collection, bench_query.id, arch.vclaim_of[m.statement.id]) not in labels]
                    if outside:
                        counts["unjudged"] += 1
                        verdict = "unjudged"
                    elif all(m.statement.id in gold for m in named):
                        counts["right"] += 1
                        verdict = "right"
                    else:
                        counts["wrong"] += 1
                        verdict = "wrong"
                    print(f"[{name} {part}] {verdict}: {bench_query.text[:140]}", file=sys.stderr)
                    for m in named:
                        mark = "gold" if m.statement.id in gold else "not gold"
                        print(f"    {m.statement.verdict.value:<10} P={m.probability:.2f} {mark}: "
                              f"{m.statement.text[:140]}", file=sys.stderr)
                rows.append(counts)
                print(json.dumps(counts), flush=True)
        finally:
            ws.close()
    print("| dataset | split | queries | archive holds both verdicts | both among the 5 cards | hints | right | "
          "wrong | unjudged |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dataset']} | {r['split']} | {r['queries']} | {r['opportunities']} | {r['shown']} | "
              f"{r['hints']} | {r['right']} | {r['wrong']} | {r['unjudged']} |")


if __name__ == "__main__":
    main()
