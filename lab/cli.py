"""The lab's commands: ``claimdesk bench …`` (measure) and ``claimdesk train …`` (fit), on public data.

They are not part of the product's command line: pyproject.toml registers :data:`bench_group`
and :data:`train_group` under the ``claimdesk.commands`` entry points, and ``claimdesk``
(:mod:`claims.cli`) finds them there when the lab is installed. Like every claimdesk command,
each one calls one function of the core (here the lab's) and turns claimdesk's errors into
``Error: ...`` and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from claims.cli import CliContext, fail_cleanly, pass_ctx
from claims.errors import EmptyInputError, InvalidValueError
from claims.settings import load_settings

__all__ = ["bench_group", "train_group"]


@click.group("bench")
def bench_group() -> None:
    """Measure claimdesk on public benchmark data (CLEF CheckThat!, ClaimBuster)."""


def _split_options(command):
    """The options that say which queries and which workspace a matching benchmark uses."""
    options = [
        click.option("--vclaims", required=True, type=click.Path(dir_okay=False), help="Verified claims TSV."),
        click.option("--queries", required=True, type=click.Path(dir_okay=False),
                     help="Queries TSV (tweets or debate lines)."),
        click.option("--qrels", required=True, type=click.Path(dir_okay=False),
                     help="Relevance judgements (TREC qrels)."),
        click.option("--method", type=click.Choice(["product", "hybrid", "dense", "rerank"]), default="product",
                     show_default=True,
                     help="product: the matcher as shipped (verifier); hybrid: without the verifier (cosine "
                          "order and tiers); dense: FAISS alone; rerank: a lab re-ranker (--ranker) orders the pool."),
        click.option("--verifier", type=click.Path(dir_okay=False),
                     help="A verifier JSON to use instead of the shipped one."),
        click.option("--dev-ids-from", type=click.Path(dir_okay=False),
                     help="Keep only the queries whose ids' numbers appear in this queries file (CLEF 2021/2022 dev)."),
        click.option("--carve", type=click.Choice(["train", "dev"]),
                     help="Keep one side of the carved split (1 debate or tweet in 4 is dev, by hash)."),
        click.option("--transcripts", type=click.Path(file_okay=False), help="Debate transcripts folder (speakers)."),
        click.option("--workspace", "workspace_dir", type=click.Path(file_okay=False),
                     help="Folder of the bench workspace the collection is imported into (default: one per "
                          "collection under .claimdesk/bench-workspaces, reused so only the first run embeds)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@bench_group.command("retrieval")
@_split_options
@click.option("--top-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Cards per query (the run scored is what a reviewer sees).")
@click.option("--ranker", type=click.Path(dir_okay=False), help="Re-ranker JSON file (with --method rerank).")
@pass_ctx
@fail_cleanly
def bench_retrieval_cmd(state: CliContext, vclaims: str, queries: str, qrels: str, method: str, verifier: str | None,
                        dev_ids_from: str | None, carve: str | None, transcripts: str | None,
                        workspace_dir: str | None, as_json: bool, top_k: int, ranker: str | None) -> None:
    """Import the verified claims as an archive, match each query as the product does, score the cards
    as the official CLEF scorer does."""
    from lab import bench

    result = bench.bench_retrieval(vclaims, queries, qrels, method=method, top_k=top_k, ranker=ranker,
                                   verifier=verifier, dev_ids_from=dev_ids_from, carve=carve, transcripts=transcripts,
                                   workspace=workspace_dir, model_path=load_settings(state.overrides).model_path)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['method']} on {result['n_queries']} queries, top {result['top_k']} cards, "
               f"in {result['seconds']:.1f}s")
    for key in ("map@1", "map@3", "map@5", "mrr", "p@1"):
        click.echo(f"  {key:<7} {result[key]:.4f}")


@bench_group.command("tiers")
@_split_options
@click.option("--threshold", type=click.FloatRange(0.0, 1.0),
              help="Report at this threshold (default: the verifier's own; the cosine rule without one).")
@click.option("--completed", is_flag=True,
              help="Complete the qrels with the fact-checks labelled as the same claim (lab/data/clef_same_pairs.tsv).")
@pass_ctx
@fail_cleanly
def bench_tiers_cmd(state: CliContext, vclaims: str, queries: str, qrels: str, method: str, verifier: str | None,
                    dev_ids_from: str | None, carve: str | None, transcripts: str | None, workspace_dir: str | None,
                    as_json: bool, threshold: float | None, completed: bool) -> None:
    """Open-world tiers: each query once with its gold fact-checks imported and once without them;
    precision and recall of "same claim", and the share of new claims called "same claim"."""
    from lab import bench

    result = bench.bench_tiers(vclaims, queries, qrels, method=method, threshold=threshold, verifier=verifier,
                               dev_ids_from=dev_ids_from, carve=carve, transcripts=transcripts,
                               workspace=workspace_dir, model_path=load_settings(state.overrides).model_path,
                               same_pairs=bench.SAME_PAIRS_FILE if completed else None)
    if as_json:
        click.echo(json.dumps(result))
        return

    def fmt(value: float | None) -> str:
        return "  -  " if value is None else f"{value:.3f}"

    click.echo(f"{result['method']} on {result['n_queries']} queries, each with and without its gold; "
               f"same claim decided on the {result['decided_on']}; {result['qrels']} qrels"
               + (f" ({result['qrels_added']} fact-checks added)" if result["qrels"] == "completed" else ""))
    click.echo(f"  at {result['threshold']:.2f}: precision {fmt(result['precision'])}, recall "
               f"{fmt(result['recall'])}, new claims called same claim {result['false_same_rate']:.1%}")
    chosen = result["chosen_here"]
    if chosen is None:
        click.echo("  no threshold reaches precision 0.95 with at most 1% of new claims called same claim")
    else:
        click.echo(f"  this split would choose {chosen['threshold']:.2f} (precision {fmt(chosen['precision'])}, "
                   f"recall {fmt(chosen['recall'])}, false same {chosen['false_same_rate']:.1%})")
    click.echo("  threshold  precision  recall  false same")
    for row in result["by_threshold"]:
        if round(row["threshold"] * 100) % 5 == 0 or row["threshold"] == result["threshold"]:
            click.echo(f"  {row['threshold']:>9.2f}  {fmt(row['precision']):>9}  {fmt(row['recall']):>6}  "
                       f"{row['false_same_rate']:>10.1%}")


@bench_group.command("checkworthiness")
@click.option("--data", required=True, type=click.Path(dir_okay=False),
              help="A TSV with Sentence_id, Text and class_label (Yes/No).")
@click.option("--heuristic", is_flag=True, help="Score with the heuristic instead of the trained detector.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@fail_cleanly
def bench_checkworthiness_cmd(state: CliContext, data: str, heuristic: bool, as_json: bool) -> None:
    """F1, precision and recall of the check-worthy (Yes) class on a labelled file."""
    from claims.detector import Detector
    from lab.checkworthiness import score_file

    settings = load_settings(state.overrides)
    detector = None if heuristic else Detector.load(settings.detector_path)
    ws = state.workspace
    result = score_file(data, detector, ws.embedder, ws.store)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{'heuristic' if heuristic else 'detector'} on {result['n']} sentences, threshold "
               f"{result['threshold']}: F1 {result['f1']:.4f}, precision {result['precision']:.4f}, "
               f"recall {result['recall']:.4f}")


@bench_group.command("checkworthiness-heldout")
@click.option("--data", required=True, type=click.Path(file_okay=False),
              help="Folder with train.tsv, dev.tsv and the ClaimBuster CSVs (File_id of each sentence).")
@click.option("--news", "news_dir", type=click.Path(file_okay=False),
              help="Folder with news_train.tsv / news_dev.tsv (claimdesk bench news-set): trains with them as "
                   "shipped, holds out news dev articles by fold, and scores a debates-only model on news dev.")
@click.option("--folds", type=click.IntRange(min=2), default=4, show_default=True,
              help="Groups of consecutive debate years, each held out in turn.")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Keep each run's data files and weights here (default: a temporary folder).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@fail_cleanly
def bench_checkworthiness_heldout_cmd(state: CliContext, data: str, news_dir: str | None, folds: int,
                                      work_dir: str | None, as_json: bool) -> None:
    """Source-held-out F1 of the detector's recipe: retrained without each group of debate years (and news
    articles), scored on them; with the drop from the F1 of the model that saw them (docs/BENCHMARKS.md)."""
    from lab.checkworthiness import source_held_out

    ws = state.workspace
    result = source_held_out(data, embedder=ws.embedder, cache=ws.store, folds=folds, news_dir=news_dir,
                             work_dir=work_dir, progress=lambda line: click.echo(line, err=True))
    if as_json:
        click.echo(json.dumps(result))
        return

    def cell(m: dict) -> str:
        drop = f"  drop {m['drop']:+.3f}" if "drop" in m else ""
        ci = f", 95% {m['ci95'][0]:.3f}-{m['ci95'][1]:.3f}" if "ci95" in m else ""
        return f"F1 {m['f1']:.3f} (P {m['precision']:.3f} R {m['recall']:.3f}, n {m['n']}{ci}){drop}"

    click.echo(f"seen (all sources, as shipped): debates dev {cell(result['seen']['debates'])}")
    if "news" in result["seen"]:
        click.echo(f"                                news dev {cell(result['seen']['news'])}")
    click.echo(f"source held out, {result['k']} folds pooled: debates {cell(result['source_held_out']['debates'])}")
    if "news" in result["source_held_out"]:
        click.echo(f"                                news {cell(result['source_held_out']['news'])}")
    click.echo(f"  the same models on the crowd labels of those years' train.tsv: "
               f"{cell(result['source_held_out']['crowd'])}")
    for fold in result["folds"]:
        click.echo(f"  fold {fold['fold']} ({', '.join(fold['years'])}): debates {cell(fold['debates'])}")
    if "genre_held_out" in result:
        click.echo(f"genre held out (debates only) on news dev: {cell(result['genre_held_out']['news'])}")
    click.echo(f"{result['seconds']:.0f}s")


@bench_group.command("news-sample")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the sample TSV.")
@click.option("--articles-drawn", "n_articles", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--per-article", type=click.IntRange(min=1), default=7, show_default=True)
@click.option("--seed", type=int, default=20261128, show_default=True)
@click.option("--exclude-labelled", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Leave out the articles this labels or sample file covers (a further round); repeatable.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists (it may hold someone's labels).")
@click.option("--split", type=click.Choice(["train", "dev"]), help="Draw only from the articles of this split.")
@click.option("--quotes-only", is_flag=True,
              help="Only attributed quotations (a hard case); use with --split train to keep dev a random sample.")
@fail_cleanly
def bench_news_sample_cmd(articles: str, out: str, n_articles: int, per_article: int, seed: int,
                          exclude_labelled: tuple[str, ...], force: bool, split: str | None,
                          quotes_only: bool) -> None:
    """Draw news sentences for annotation (docs/ANNOTATION.md), with empty labels to fill in."""
    from lab import newsset

    if Path(out).exists() and not force:
        raise InvalidValueError(f"{out} exists and may hold labels; choose another --out or add --force")
    exclude = set().union(*(newsset.labelled_articles(path) for path in exclude_labelled))
    sentences = newsset.sample_sentences(newsset.read_articles(articles), n_articles=n_articles,
                                         per_article=per_article, seed=seed, exclude=exclude, split=split,
                                         quotes_only=quotes_only)
    rows = newsset.write_sample(sentences, out)
    click.echo(f"{out}: {rows} sentences from {len({s.article_id for s in sentences})} articles")


@bench_group.command("news-set")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--labels", type=click.Path(dir_okay=False),
              help="Labels file (default: the lab's lab/data/news_labels.tsv).")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for news_train.tsv and news_dev.tsv (check-worthiness format).")
@fail_cleanly
def bench_news_set_cmd(articles: str, labels: str | None, out: str) -> None:
    """Rebuild the labelled news sentences from their labels and the article texts."""
    from lab import newsset
    from lab.checkworthiness import read_checkworthiness_file

    paths = newsset.build_set(labels or newsset.LABELS_FILE, articles, out)
    for split, path in paths.items():
        try:
            rows = read_checkworthiness_file(path)
        except EmptyInputError:  # a small labels file may have no article in one split
            rows = []
        click.echo(f"{path}: {split}, {len(rows)} sentences, {sum(r.label for r in rows)} check-worthy")


@bench_group.command("speed")
@click.option("--quick", is_flag=True, help="Small sizes (a 20,000-vector index, 400 statements, no quality runs).")
@click.option("--quality/--no-quality", default=None,
              help="MAP@5 of both backends on the CLEF 2020 tweets dev set (default: on, off with --quick).")
@click.option("--bench-dir", type=click.Path(file_okay=False), default=str(Path("..") / "shared" / "bench"),
              show_default=True, help="Folder of the CLEF benchmark data.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@fail_cleanly
def bench_speed_cmd(state: CliContext, quick: bool, quality: bool | None, bench_dir: str, as_json: bool) -> None:
    """Time the product's own code: embedding (plain fp32 vs claimdesk), search, import, clicks, export, first page."""
    from lab.speed import SPEED_KEYS, bench_speed

    result = bench_speed(quick=quick, quality=quality, bench_dir=bench_dir, settings=load_settings(state.overrides),
                         progress=lambda message: click.echo(message, err=True))
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"  {key:<24} {value}" if key in SPEED_KEYS else f"  ({key}) {value}")


@click.group("train")
def train_group() -> None:
    """Train claimdesk's small learned parts from public data, reproducibly."""


@train_group.command("detector")
@click.option("--train", "train_path", required=True, type=click.Path(dir_okay=False),
              help="Training TSV (Sentence_id, Text, class_label).")
@click.option("--dev", "dev_path", required=True, type=click.Path(dir_okay=False),
              help="Dev TSV: chooses the regularisation, the ensemble weight and the threshold.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Folder for detector.npz/.json (default: <data folder>/detector; use it with CLAIMDESK_DETECTOR).")
@click.option("--extra-train", multiple=True, type=click.Path(dir_okay=False),
              help="More labelled sentences of another domain (same format), e.g. the news set; repeatable.")
@click.option("--extra-dev", multiple=True, type=click.Path(dir_okay=False),
              help="More dev files; the choice then maximises the mean F1 over all dev files; repeatable.")
@click.option("--no-feedback", is_flag=True,
              help="Leave out the workspace's promote/dismiss calls (to reproduce the shipped weights).")
@pass_ctx
@fail_cleanly
def train_detector_cmd(state: CliContext, train_path: str, dev_path: str, out: str | None,
                       extra_train: tuple[str, ...], extra_dev: tuple[str, ...], no_feedback: bool) -> None:
    """Fit the check-worthiness detector, with the reviewers' promote/dismiss calls as extra examples."""
    from lab.checkworthiness import train_detector

    ws = state.workspace
    feedback = [] if no_feedback else ws.store.feedback_examples()
    out_dir = Path(out) if out else ws.settings.data_dir / "detector"
    report = train_detector(train_path, dev_path, embedder=ws.embedder, cache=ws.store, out_dir=out_dir,
                            feedback=feedback, extra_train=extra_train, extra_dev=extra_dev,
                            command="claimdesk " + " ".join(sys.argv[1:]),
                            progress=lambda line: click.echo(line, err=True))
    click.echo(f"{out_dir}: detector trained on {report.n_train} sentences, {report.n_extra} in-domain "
               f"sentences and {report.n_feedback} reviewer calls; dev F1 {report.dev['f1']:.4f} at threshold "
               f"{report.threshold}")
    for name, metrics in report.extra_dev.items():
        click.echo(f"  {name}: F1 {metrics['f1']:.4f}, precision {metrics['precision']:.4f}, "
                   f"recall {metrics['recall']:.4f} ({metrics['n']} sentences)")


@train_group.command("ranker")
@click.option("--vclaims", required=True, type=click.Path(dir_okay=False), help="Verified claims TSV.")
@click.option("--queries", required=True, type=click.Path(dir_okay=False), help="Training queries TSV.")
@click.option("--qrels", required=True, type=click.Path(dir_okay=False), help="Training qrels.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the ranker JSON.")
@click.option("--name", required=True, help="A name for the ranker (kept in its provenance).")
@click.option("--dev-ids-from", type=click.Path(dir_okay=False),
              help="Leave out the queries whose ids appear in this file (the carved dev split).")
@click.option("--transcripts", type=click.Path(file_okay=False), help="Debate transcripts folder (context).")
@click.option("--cache", "cache_path", type=click.Path(file_okay=False),
              help="Folder of the benchmark workspace (its SQLite database holds the embedding cache).")
@pass_ctx
@fail_cleanly
def train_ranker_cmd(state: CliContext, vclaims: str, queries: str, qrels: str, out: str, name: str,
                     dev_ids_from: str | None, transcripts: str | None, cache_path: str | None) -> None:
    """Fit the re-ranker (pairwise logistic regression over match features) and save it with its provenance."""
    from lab import bench

    kwargs = {"cache_path": cache_path} if cache_path else {}
    ranker = bench.train_ranker_file(vclaims, queries, qrels, out=out, name=name, dev_ids_from=dev_ids_from,
                                     transcripts=transcripts,
                                     model_path=load_settings(state.overrides).model_path, **kwargs)
    click.echo(f"{out}: ranker {name!r} trained on {ranker.provenance.get('queries')} queries")


@bench_group.command("news-tiers")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--vclaims", required=True, type=click.Path(dir_okay=False),
              help="vclaims.tsv of the same folder: the archive the sentences are matched against.")
@click.option("--labels", type=click.Path(dir_okay=False),
              help="Pair labels file (default: the lab's lab/data/news_pairs.tsv).")
@click.option("--split", type=click.Choice(["dev", "heldout"]), default="heldout", show_default=True,
              help="The split of the top-level figures (both are always in 'splits', with the drop).")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0),
              help="Report at this threshold (default: the matcher's own, the verifier's).")
@click.option("--workspace", "workspace_dir", type=click.Path(file_okay=False),
              help="Folder of the bench workspace (default: the one bench tiers uses for this collection).")
@click.option("--no-seed", is_flag=True, help="Leave out the seed article against the demo archive.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_ctx
@fail_cleanly
def bench_news_tiers_cmd(state: CliContext, articles: str, vclaims: str, labels: str | None, split: str,
                         threshold: float | None, workspace_dir: str | None, no_seed: bool, as_json: bool) -> None:
    """News-style "same claim": labelled pairs of article sentences and PolitiFact fact-checks, each
    sentence matched with and without the statements labelled same (docs/BENCHMARKS.md)."""
    from lab import newspairs

    result = newspairs.bench_news_tiers(articles, vclaims, labels=labels, split=split, threshold=threshold,
                                        workspace=workspace_dir, seed=not no_seed,
                                        model_path=load_settings(state.overrides).model_path)
    if as_json:
        click.echo(json.dumps(result))
        return

    def fmt(value: float | None) -> str:
        return "  -  " if value is None else f"{value:.3f}"

    click.echo(f"news pairs: {result['n_queries']} {split} queries, {result['n_pairs']} labelled pairs; same claim "
               f"decided on the {result['decided_on']}, at {result['threshold']:.2f}")
    click.echo("  split     queries  precision  recall  false same")
    for name in ("dev", "heldout"):
        row = result["splits"][name]
        click.echo(f"  {name:<8} {row['n_queries']:>8}  {fmt(row['precision']):>9}  {fmt(row['recall']):>6}  "
                   f"{row['false_same_rate']:>10.1%}")
    drop = result["splits"]["drop"]
    click.echo(f"  drop               {fmt(drop['precision']):>9}  {fmt(drop['recall']):>6}  "
               f"{fmt(drop['false_same_rate']):>10}")
    seed = result["seed"]
    if seed and seed["first_claim"]:
        first = seed["first_claim"]
        click.echo(f"  seed article: first claim called same claim: {'yes' if first['called_same'] else 'no'}")
        for card in first["cards"]:
            click.echo(f"    P {card['probability']:.2f}  {card['tier']:<10}  [{card['label'] or 'unlabelled'}]  "
                       f"{card['text'][:90]}")
    click.echo("  threshold  precision  recall  false same")
    for row in result["by_threshold"]:
        if round(row["threshold"] * 100) % 5 == 0 or row["threshold"] == result["threshold"]:
            click.echo(f"  {row['threshold']:>9.2f}  {fmt(row['precision']):>9}  {fmt(row['recall']):>6}  "
                       f"{row['false_same_rate']:>10.1%}")


@bench_group.command("news-pairs-todo")
@click.option("--articles", required=True, type=click.Path(dir_okay=False),
              help="vclaims_article_text.jsonl.gz of the CLEF 2021 debates data (PolitiFact articles).")
@click.option("--vclaims", required=True, type=click.Path(dir_okay=False), help="vclaims.tsv of the same folder.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the pairs to label.")
@click.option("--labels", type=click.Path(dir_okay=False),
              help="Pair labels file (default: lab/data/news_pairs.tsv; need not exist yet).")
@click.option("--draw", type=click.IntRange(min=1),
              help="Also draw this many new queries per stratum and split (articles the labels do not cover).")
@click.option("--draw-split", "draw_splits", multiple=True, type=click.Choice(["train", "dev", "heldout"]),
              help="The splits --draw draws for (repeatable; default dev and heldout). 'train' queries fit the "
                   "verifier and are never scored.")
@click.option("--seed", type=int, default=20261201, show_default=True, help="Seed of the draw.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists (it may hold labels).")
@pass_ctx
@fail_cleanly
def bench_news_pairs_todo_cmd(state: CliContext, articles: str, vclaims: str, out: str, labels: str | None,
                              draw: int | None, draw_splits: tuple[str, ...], seed: int, force: bool) -> None:
    """Write the (query, card) pairs the news-tiers benchmark needs that have no label yet, with their texts."""
    from lab import newspairs

    if Path(out).exists() and not force:
        raise InvalidValueError(f"{out} exists and may hold labels; choose another --out or add --force")
    result = newspairs.news_pairs_todo(articles, vclaims, out, labels=labels, draw=draw, seed=seed,
                                       draw_splits=draw_splits or newspairs.SPLITS,
                                       model_path=load_settings(state.overrides).model_path)
    click.echo(f"{out}: {result['pairs']} pairs to label for {result['queries']} queries")


@bench_group.command("news-pairs-add")
@click.option("--todo", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A to-label file with 'same' or 'different' filled in (empty labels are skipped).")
@click.option("--labels", type=click.Path(dir_okay=False), help="Pair labels file (default: lab/data/news_pairs.tsv).")
@fail_cleanly
def bench_news_pairs_add_cmd(todo: str, labels: str | None) -> None:
    """Add labelled pairs to the label file; a pair labelled before, or a changed text, is refused."""
    from lab import newspairs

    added, total = newspairs.merge_labels(todo, labels or newspairs.PAIRS_FILE)
    click.echo(f"{labels or newspairs.PAIRS_FILE}: {added} pairs added, {total} in all")
