"""The product's matcher on CLEF CheckThat!: retrieval (MAP@5) and open-world tiers, dev beside held-out.

Run by hand (``python benchmarks/bench_retrieval.py``); needs ``../shared/bench``. Everything goes
through :mod:`lab.bench`, the same code as ``claimdesk bench retrieval`` / ``claimdesk bench tiers``:
each collection is imported into a bench workspace (``.claimdesk/bench-workspaces``, reused, so
only the first run embeds) and every query is matched by the product's ``index.match.Matcher``.

Splits (nothing is chosen on a held-out split):

- **train**: CLEF 2020 2A train tweets and CLEF 2021 2B train debate sentences, less the carved dev;
  the verifier and the lab re-ranker are fitted here;
- **dev**: carved from those train files (:func:`lab.bench.carve_split`: 1 tweet in 4, 1 debate in 4,
  by hash); the verifier's threshold is chosen here;
- **held-out**: the official dev files (CLEF 2020 dev tweets; CLEF 2021 2B dev sentences, from 19
  debates none of which is in train); only reported.

``--train-verifier`` fits the verifier on train, chooses its threshold on dev and writes it with its
provenance (``--out``, default ``claims/weights/verifier.json``); ``--fixed-threshold T`` keeps T instead,
after checking it on dev. ``--train-ranker`` fits the lab's
pairwise re-ranker on the same train candidates and adds ``rerank`` to the retrieval table. Figures
go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from claims.settings import load_settings  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.verify import Verifier  # noqa: E402
from lab import bench as B  # noqa: E402
from lab.rerank import calibration_table, train_linear_ranker, train_verifier  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"
T20 = BENCH / "clef2020-t2-en-tweets"
DEB = BENCH / "clef2021-t2b-en-debates"
DATASETS = {
    "tweets": {"vclaims": T20 / "vclaims.tsv", "train": (T20 / "train_queries.tsv", T20 / "train_qrels.tsv"),
               "held-out": (T20 / "dev_queries.tsv", T20 / "dev_qrels.tsv")},
    "debates": {"vclaims": DEB / "vclaims.tsv", "train": (DEB / "train_dev_queries.tsv", DEB / "train_qrels.tsv"),
                "held-out": (DEB / "train_dev_queries.tsv", DEB / "dev_qrels.tsv")},
}
POOL = 20  # the verifier's pool: CLAIMDESK_VERIFY_DEPTH's default
C = 1.0


COMPLETED = False
"""Whether the qrels are completed by lab/data/clef_same_pairs.tsv (``--completed``)."""
NEWS_ARTICLES = DEB / "vclaims_article_text.jsonl.gz"
NEWS_WEIGHT: float | None = None
"""With ``--news-weight W``: the verifier also fits the news pairs' train queries, each row counting W,
and its threshold is chosen on three dev sets (tweets, debates, news pairs dev)."""


def news_pairs():
    """The labelled news pairs (lab/data/news_pairs.tsv) with their texts, against the debates' archive."""
    from lab import newspairs

    pairs, _ = newspairs.open_pairs(newspairs.PAIRS_FILE, NEWS_ARTICLES, DATASETS["debates"]["vclaims"])
    return pairs


def split(name: str, part: str, *, completed: bool | None = None) -> B.Benchmark:
    """``part`` is train, dev (both carved from the train files) or held-out (the official dev files);
    with ``--completed`` (or ``completed``) the qrels also name the fact-checks labelled as the same claim."""
    spec = DATASETS[name]
    queries, qrels = spec["held-out" if part == "held-out" else "train"]
    ids = None if part == "held-out" else B.carve_split(list(B.read_qrels(qrels)), part)
    bench = B.load_benchmark(spec["vclaims"], queries, qrels, query_ids=ids)
    if (COMPLETED if completed is None else completed) and B.SAME_PAIRS_FILE.exists():
        bench, _ = B.complete_qrels(bench, B.collection_name(spec["vclaims"]), B.read_same_pairs())
    return bench


def write_todo(embedder: Embedder, out: Path) -> None:
    """The (query, fact-check) pairs of every split still to label, with their texts, to ``out``."""
    import csv

    labels = B.read_same_pairs() if B.SAME_PAIRS_FILE.exists() else {}
    rows = []
    for name in DATASETS:
        arch = archive(name, embedder)
        try:
            for part in ("train", "dev", "held-out"):
                bench = split(name, part)
                found = B.same_pairs_todo(bench, arch, B.collection_name(DATASETS[name]["vclaims"]), labels,
                                          split=part)
                print(f"{name} {part}: {len(found)} pairs to label", file=sys.stderr)
                rows.extend(found)
        finally:
            arch.workspace.close()
    with open(out, "w", encoding="utf-8", newline="") as fp:
        writer = csv.DictWriter(fp, fieldnames=B.SAME_TODO_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out}: {len(rows)} pairs", file=sys.stderr)


WORKSPACE_SETTINGS: dict[str, object] = {}
"""Settings of the bench workspaces' matcher (``--copy-cosine``); the defaults otherwise."""


def archive(name: str, embedder: Embedder) -> B.BenchArchive:
    path = DATASETS[name]["vclaims"]
    return B.open_archive(B.read_vclaims(path), embedder=embedder, name=B.collection_name(path),
                          settings=WORKSPACE_SETTINGS)


def fingerprint(path: Path) -> dict[str, str]:
    import hashlib

    return {"file": f"{path.parent.name}/{path.name}", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def meets_targets(row: dict) -> bool:
    """A tier row within the targets: precision >= 0.95 (or no call) and at most 1% of new claims called same."""
    return row["false_same_rate"] <= B.TARGET_FALSE_SAME and (row["precision"] is None or row["precision"] >= 0.95)


def choose(tables: dict[str, list[dict]]) -> tuple[float | None, dict[str, dict]]:
    """The threshold with the highest mean recall over the dev sets among those where every dev set
    has precision >= 0.95 and at most 1% of new claims called same claim (``tables``: each dev set's
    rows at :data:`lab.bench.THRESHOLDS`)."""
    best, best_recall = None, -1.0
    for i, threshold in enumerate(B.THRESHOLDS):
        rows = [table[i] for table in tables.values()]
        if all(meets_targets(r) for r in rows) and any(r["precision"] is not None for r in rows):
            recall = sum(r["recall"] for r in rows) / len(rows)
            if recall > best_recall:
                best, best_recall = threshold, recall
    at = {name: next(r for r in table if r["threshold"] == best) for name, table in tables.items()} if best else {}
    return best, at


def dev_tables(embedder: Embedder, verifier: Path, *, news: bool) -> dict[str, list[dict]]:
    """Each dev set's tier rows (:data:`lab.bench.THRESHOLDS`) with ``verifier``, through the product's
    matcher: the carved CLEF dev splits and, with ``news``, the news pairs' dev split. With ``news`` the
    CLEF qrels are always the completed ones (the rule that names three dev sets says so)."""
    from lab import newspairs

    tables = {}
    for name in DATASETS:
        arch = archive(name, embedder)
        try:
            bench = split(name, "dev", completed=True if news else None)
            tables[name] = B.tier_table(B.tier_outcomes(bench, arch, verifier=verifier))
            if news and name == "debates":
                matcher = B.method_matcher(arch.workspace, "product", verifier=verifier)
                outcomes = newspairs.split_outcomes(news_pairs(), arch, "dev", matcher=matcher)
                tables["news"] = newspairs.pair_table(outcomes, B.THRESHOLDS)
        finally:
            arch.workspace.close()
    return tables


def at_threshold(tables: dict[str, list[dict]], threshold: float) -> dict[str, dict]:
    """Each dev set's tier row at a threshold given beforehand; exits when a set misses a target."""
    at = {name: next(r for r in rows if r["threshold"] == threshold) for name, rows in tables.items()}
    missed = [name for name, r in at.items() if not meets_targets(r)]
    if missed:
        raise SystemExit(f"at {threshold} the dev sets {missed} miss precision 0.95 or 1% false same: {at}")
    return at


def train_the_verifier(embedder: Embedder, out: Path, fixed_threshold: float | None = None) -> Verifier:
    from lab import newspairs

    rows, labels, weights, trained_on, counts = [], [], [], [], {}
    for name in DATASETS:
        arch = archive(name, embedder)
        try:
            bench = split(name, "train")
            for _, _, r, y in B.training_pairs(bench, arch, pool=POOL):
                rows.extend(r)
                labels.extend(y)
                weights.extend([1.0] * len(r))
            counts[name] = len(bench.queries)
            if NEWS_WEIGHT and name == "debates":
                pairs = news_pairs()
                for _, _, r, y in newspairs.training_pairs(pairs, arch, pool=POOL):
                    rows.extend(r)
                    labels.extend(y)
                    weights.extend([NEWS_WEIGHT] * len(r))
                counts["news"] = sum(q.split == newspairs.TRAIN for q in pairs.queries)
                trained_on += [fingerprint(NEWS_ARTICLES), {"file": "lab/data/news_pairs.tsv (split train)",
                                                            "sha256": fingerprint(newspairs.PAIRS_FILE)["sha256"]}]
                print(f"news: {counts['news']} train queries", file=sys.stderr)
        finally:
            arch.workspace.close()
        spec = DATASETS[name]
        trained_on += [fingerprint(spec["vclaims"]), fingerprint(spec["train"][0]), fingerprint(spec["train"][1])]
        print(f"{name}: {counts[name]} train queries", file=sys.stderr)
    provenance = {
        "name": "clef-tweets-debates" + ("-news" if NEWS_WEIGHT else ""),
        "trained_on": trained_on,
        "split": "CLEF 2020 2A train tweets and CLEF 2021 2B train sentences, less the dev carved by "
                 "lab.bench.carve_split (1 tweet / debate in 4, by sha256 of its id / debate)",
        "train_queries": counts,
        "candidates": f"the first {POOL} of the product matcher's fused list, each query twice: with its gold "
                      "imported, and with it left out (all negatives)",
        "embedder": embedder.name,
        "method": f"logistic regression (scikit-learn, lbfgs, C={C}) on standardised features"
                  + (f"; a news pairs row counts {NEWS_WEIGHT:g}" if NEWS_WEIGHT else ""),
        "qrels": "completed by lab/data/clef_same_pairs.tsv (other checks of the same claim are positives)"
                 if COMPLETED else "official",
        "command": "python benchmarks/bench_retrieval.py --train-verifier"
                   + (" --completed" if COMPLETED else "")
                   + (f" --fixed-threshold {fixed_threshold}" if fixed_threshold is not None else "")
                   + (f" --news-weight {NEWS_WEIGHT:g}" if NEWS_WEIGHT else ""),
        "date": dt.date.today().isoformat(),
    }
    if NEWS_WEIGHT:
        provenance["split"] += ("; news pairs: the train queries of lab/data/news_pairs.tsv (articles of the dev "
                                "side that no dev query uses), first 20 candidates, labelled same or not")
    verifier = train_verifier(rows, labels, c=C, sample_weight=weights, provenance=provenance)
    # The threshold: chosen on the dev splits, through the product's own matcher.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "verifier.json"
        verifier.save(path)
        tables = dev_tables(embedder, path, news=bool(NEWS_WEIGHT))
        probabilities, golds = [], []
        for name in DATASETS:
            arch = archive(name, embedder)
            try:
                for _, _, r, y in B.training_pairs(split(name, "dev"), arch, pool=POOL):
                    probabilities.extend(verifier.probability(r) if r else [])
                    golds.extend(y)
            finally:
                arch.workspace.close()
    sets = ("three dev splits (tweets and debates, with the completed qrels; news pairs)" if NEWS_WEIGHT
            else "two dev splits")
    if fixed_threshold is None:
        threshold, at = choose(tables)
        if threshold is None:
            raise SystemExit("no threshold meets the targets on dev")
        rule = (f"the threshold (0.30-0.99, step 0.01) with the highest mean recall over the {sets} among "
                "those where each has precision >= 0.95 and calls at most 1% of new claims the same claim")
    else:
        threshold, at = fixed_threshold, at_threshold(tables, fixed_threshold)
        rule = (f"fixed at {fixed_threshold} before the fit (the shipped operating point; two dev sets of 191 "
                "queries cannot tell 0% from 1% of new claims called the same claim), checked on dev: each has "
                "precision >= 0.95 and calls at most 1% of new claims the same claim")
    info = dict(verifier.provenance)
    info["threshold_rule"] = rule
    info["dev"] = {"name": "carved dev (tweets + debates)" + (" + news pairs dev" if NEWS_WEIGHT else ""),
                   "precision": min(r["precision"] for r in at.values() if r["precision"] is not None),
                   "recall": round(sum(r["recall"] for r in at.values()) / len(at), 4),
                   "false_same_rate": max(r["false_same_rate"] for r in at.values()),
                   "by_set": at}
    info["calibration_dev"] = calibration_table(probabilities, golds)
    from dataclasses import replace

    verifier = replace(verifier, threshold=threshold, provenance=info)
    verifier.save(out)
    print(f"{out}: threshold {threshold}; dev {json.dumps(at)}", file=sys.stderr)
    return verifier


def train_the_ranker(embedder: Embedder) -> dict[str, object]:
    rankers = {}
    for name in DATASETS:
        arch = archive(name, embedder)
        try:
            groups = B.ranker_training_groups(split(name, "train"), arch, pool=POOL)
        finally:
            arch.workspace.close()
        rankers[name] = train_linear_ranker(groups, c=0.1, provenance={"name": f"{name}-train", "pool": POOL})
    return rankers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--methods", nargs="*", default=["dense", "hybrid", "product"])
    parser.add_argument("--train-verifier", action="store_true", help="fit the verifier and choose its threshold")
    parser.add_argument("--fixed-threshold", type=float, metavar="T",
                        help="with --train-verifier: keep threshold T (checked on dev) instead of choosing one")
    parser.add_argument("--out", type=Path, default=ROOT / "claims" / "weights" / "verifier.json")
    parser.add_argument("--train-ranker", action="store_true", help="fit the lab re-ranker and add 'rerank'")
    parser.add_argument("--no-tiers", action="store_true", help="skip the tier tables")
    parser.add_argument("--json", action="store_true", help="print every result as a JSON line on stderr too")
    parser.add_argument("--completed", action="store_true",
                        help="complete the qrels with lab/data/clef_same_pairs.tsv (fitting, choosing, tables)")
    parser.add_argument("--news-weight", type=float, metavar="W",
                        help="with --train-verifier: also fit the news pairs' train queries (each row counts W) "
                             "and choose the threshold on the news pairs' dev split too")
    parser.add_argument("--dev-rule", type=Path, metavar="VERIFIER",
                        help="print what the threshold rule picks for this verifier file on the three dev sets "
                             "(tweets, debates, news pairs dev), with each set's row there, and stop")
    parser.add_argument("--copy-cosine", type=float, metavar="C",
                        help="the matcher's copy cosine (CLAIMDESK_COPY_COSINE; above 1: off) in every bench workspace")
    parser.add_argument("--tier-methods", nargs="*", default=["hybrid", "product"], choices=["hybrid", "product"],
                        help="the methods of the tier tables")
    parser.add_argument("--same-pairs-todo", type=Path, metavar="OUT",
                        help="write the top cards still to label (P >= 0.5, not in the qrels) and stop")
    parser.add_argument("--same-pairs-add", type=Path, metavar="TODO",
                        help="add a labelled todo file to lab/data/clef_same_pairs.tsv and stop")
    args = parser.parse_args()
    if args.same_pairs_add:
        print(f"{B.merge_same_pairs(args.same_pairs_add)} new labels in {B.SAME_PAIRS_FILE}", file=sys.stderr)
        return
    if not BENCH.exists():
        sys.exit(f"{BENCH} is absent")
    global COMPLETED, NEWS_WEIGHT
    COMPLETED = args.completed or bool(args.same_pairs_todo)
    if args.news_weight is not None and not args.news_weight > 0:
        sys.exit("--news-weight must be above 0")
    NEWS_WEIGHT = args.news_weight
    if args.copy_cosine is not None:
        WORKSPACE_SETTINGS["copy_cosine"] = args.copy_cosine
    # The product's embedder (CLAIMDESK_EMBED_BACKEND, onnx-int8 by default): the verifier is fitted on the
    # vectors the product computes.
    embedder = Embedder.from_settings(load_settings())
    if args.same_pairs_todo:
        write_todo(embedder, args.same_pairs_todo)
        return
    if args.dev_rule:
        tables = dev_tables(embedder, args.dev_rule, news=True)
        own = round(Verifier.load(args.dev_rule).threshold, 2)
        threshold, at = choose(tables)
        recall = round(sum(r["recall"] for r in at.values()) / len(at), 4) if at else None
        print(json.dumps({"verifier": str(args.dev_rule), "completed": COMPLETED, "threshold": threshold,
                          "mean_recall": recall, "at": at,
                          "at_own_threshold": {n: next(r for r in rows if r["threshold"] == own)
                                               for n, rows in tables.items()},
                          "by_threshold": tables}))
        return
    if args.train_verifier:
        train_the_verifier(embedder, args.out, args.fixed_threshold)
    verifier = args.out if args.out.exists() else None
    rankers = train_the_ranker(embedder) if args.train_ranker else {}
    methods = list(args.methods) + (["rerank"] if rankers else [])

    print("| dataset | method | dev MAP@5 | held-out MAP@5 | drop | held-out MAP@1 | held-out MRR@5 | "
          "queries (dev / held-out) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        arch = archive(name, embedder)
        try:
            for method in methods:
                scores = {}
                for part in ("dev", "held-out"):
                    bench = split(name, part)
                    started = time.perf_counter()
                    found = B.rank_benchmark(arch, B.bench_queries(bench), method=method, verifier=verifier,
                                             ranker=rankers.get(name))
                    scores[part] = B.score_cards(bench, arch, found)
                    scores[part]["seconds"] = round(time.perf_counter() - started, 1)
                    if args.json:
                        print(json.dumps({"dataset": name, "split": part, "method": method, **scores[part]}),
                              file=sys.stderr)
                dev, held = scores["dev"], scores["held-out"]
                print(f"| {name} | {method} | {dev['map@5']:.3f} | {held['map@5']:.3f} | "
                      f"{held['map@5'] - dev['map@5']:+.3f} | {held['map@1']:.3f} | {held['mrr']:.3f} | "
                      f"{dev['n_queries']} / {held['n_queries']} |", flush=True)
        finally:
            arch.workspace.close()

    if args.no_tiers:
        return
    print()
    print("| dataset | split | decided on | threshold | precision | recall | new claims called same | best here |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        arch = archive(name, embedder)
        try:
            for method, label in (("hybrid", "cosine (before)"), ("product", "verifier")):
                if method not in args.tier_methods:
                    continue
                for part in ("dev", "held-out"):
                    bench = split(name, part)
                    outcomes = B.tier_outcomes(bench, arch, method=method, verifier=verifier)
                    matcher = B.method_matcher(arch.workspace, method, verifier=verifier)
                    threshold = round(matcher.same_claim_threshold, 2)
                    rows = B.tier_table(outcomes, sorted(set(B.THRESHOLDS) | {threshold}))
                    at = next(r for r in rows if r["threshold"] == threshold)
                    best = B.choose_threshold(rows)

                    def fmt(v):
                        return "–" if v is None else f"{v:.3f}"

                    best_text = "none" if best is None else f"{best['threshold']:.2f} (recall {best['recall']:.3f})"
                    print(f"| {name} | {part} | {label} | {threshold:.2f} | {fmt(at['precision'])} | "
                          f"{fmt(at['recall'])} | {at['false_same_rate']:.1%} | {best_text} |", flush=True)
                    if args.json:
                        print(json.dumps({"dataset": name, "split": part, "method": method, "at": at,
                                          "by_threshold": rows}), file=sys.stderr)
            if name == "debates" and "product" in args.tier_methods:
                news_tiers(arch, verifier, args.json)
        finally:
            arch.workspace.close()


def news_tiers(arch: B.BenchArchive, verifier: Path | None, as_json: bool) -> None:
    """The news pairs' rows of the tier table (dev and held-out), ranked in the debates' workspace."""
    from lab import newspairs

    pairs = news_pairs()
    matcher = B.method_matcher(arch.workspace, "product", verifier=verifier)
    threshold = round(matcher.same_claim_threshold, 2)
    for part, name in (("dev", "dev"), ("heldout", "held-out")):
        outcomes = newspairs.split_outcomes(pairs, arch, part, matcher=matcher)
        rows = newspairs.pair_table(outcomes, sorted(set(B.THRESHOLDS) | {threshold}))
        at = next(r for r in rows if r["threshold"] == threshold)
        best = B.choose_threshold(rows)
        best_text = "none" if best is None else f"{best['threshold']:.2f} (recall {best['recall']:.3f})"
        precision = "–" if at["precision"] is None else f"{at['precision']:.3f}"
        print(f"| news pairs | {name} | verifier | {threshold:.2f} | {precision} | {at['recall']:.3f} | "
              f"{at['false_same_rate']:.1%} | {best_text} | {at['right_calls']} of {at['same_calls']} calls, "
              f"{at['unlabelled_calls']} unlabelled |", flush=True)
        if as_json:
            print(json.dumps({"dataset": "news pairs", "split": name, "method": "product", "at": at,
                              "by_threshold": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
