"""Check-worthiness detectors compared on the CheckThat! 2024 / ClaimBuster English dev set.

Every variant is fitted on ``train.tsv`` only; ``dev.tsv`` chooses the threshold (and nothing
else here). Prints, per variant, F1 of the Yes class at the dev-best threshold and, as a check on
how much that choice flatters it, the mean F1 on each half of dev at the threshold chosen on the
other half. ``--year-out`` also holds out whole debate years of the training set (years from
``claimbuster_crowdsourced.csv``; crowd labels) and retrains the shipped recipe without them: a
stand-in for the harder held-out test from another year. ``--news DIR`` (the labelled news
sentences, from ``claimdesk bench news-set``) compares the recipe with and without them instead of
the variants, and trains with them in ``--year-out``. Figures go to docs/BENCHMARKS.md.

``--year-out`` scores against the crowd labels of ``train.tsv``, which are noisier than dev's expert
labels: use it to compare recipes. The headline figure on unseen debates, on the expert labels, is
``claimdesk bench checkworthiness-heldout`` (:func:`lab.checkworthiness.source_held_out`).

    .venv/bin/python benchmarks/bench_checkworthiness.py [--data DIR] [--cache sqlite:///PATH] [--year-out]
        [--news DIR] [--skip-variants]

Embeddings are cached in ``--cache`` (default /tmp/claimdesk-bench/embeddings.db), so each sentence
is embedded once across runs. Needs the lab's extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from claims.detect import score_checkworthiness  # noqa: E402
from claims.detector import Detector, cue_matrix, tokens  # noqa: E402
from claims.store import Store  # noqa: E402
from index.embed import Embedder, embed_cached  # noqa: E402
from lab.checkworthiness import (  # noqa: E402
    CUE_SCALE,
    MLP_ALPHA,
    MLP_HIDDEN,
    SEED,
    best_cut,
    f1_scores,
    fit_vocabulary,
    ngram_matrix,
    read_checkworthiness_file,
    train_detector,
)

DATA = ROOT.parent / "shared" / "bench" / "checkworthiness-claimbuster-ct24-en"
YEARS = ("1960", "1980", "1992", "2000", "2008", "2012", "2016")


def halves_f1(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean F1 on two halves of dev (alternate rows), each at the threshold chosen on the other half."""
    a, b = np.arange(len(scores)) % 2 == 0, np.arange(len(scores)) % 2 == 1
    out = []
    for pick, judge in ((a, b), (b, a)):
        cut, _ = best_cut(scores[pick], labels[pick])
        out.append(f1_scores(scores[judge], labels[judge], cut)["f1"])
    return float(np.mean(out))


def report(name: str, scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    cut, f1 = best_cut(np.asarray(scores, dtype=np.float64), labels)
    row = {"variant": name, "dev_f1": round(f1, 3), "halves_f1": round(halves_f1(np.asarray(scores), labels), 3)}
    print(f"{name:<58} dev F1 {row['dev_f1']:.3f}   other-half threshold {row['halves_f1']:.3f}", flush=True)
    return row


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def variants(data: Path, embedder: Embedder, cache: Store) -> None:
    """Each feature set and model on its own, then together; fitted on train, threshold on dev."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    train = read_checkworthiness_file(data / "train.tsv")
    dev = read_checkworthiness_file(data / "dev.tsv")
    xt, yt = [r.text for r in train], np.array([r.label for r in train])
    xd, yd = [r.text for r in dev], np.array([r.label for r in dev])
    et, ed = embed_cached(xt, embedder, cache).astype(np.float64), embed_cached(xd, embedder, cache).astype(np.float64)
    raw_ct, raw_cd = cue_matrix(xt), cue_matrix(xd)
    mean, std = raw_ct.mean(0), raw_ct.std(0)
    std[std == 0] = 1
    ct, cd = (raw_ct - mean) / std, (raw_cd - mean) / std

    def lr(c: float, x, y):
        return LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x, y)

    report("heuristic (claims.detect, 23 cues)", np.array([score_checkworthiness(t) for t in xd]), yd)
    sk = TfidfVectorizer(ngram_range=(1, 2))
    a_t, a_d = sk.fit_transform(xt), None
    a_d = sk.transform(xd)
    report("TF-IDF 1-2 (sklearn tokens) + LR C=1 (curator baseline)", lr(1, a_t, yt).decision_function(a_d), yd)
    sk2 = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    report("TF-IDF 1-2 sublinear min_df=2 + LR C=3", lr(3, sk2.fit_transform(xt), yt).decision_function(
        sk2.transform(xd)), yd)
    terms, idf = fit_vocabulary(xt)
    n_t, n_d = ngram_matrix(xt, terms, idf), ngram_matrix(xd, terms, idf)
    report("n-grams of claims.detector.tokens (numbers -> <num>) + LR C=3", lr(3, n_t, yt).decision_function(n_d), yd)
    report("cues (standardised) + LR", lr(1, ct, yt).decision_function(cd), yd)
    for c in (1, 10):
        report(f"MiniLM embedding + LR C={c}", lr(c, et, yt).decision_function(ed), yd)
    report("n-grams + embedding + LR C=3", lr(3, sp.hstack([n_t, et]).tocsr(), yt).decision_function(
        sp.hstack([n_d, ed]).tocsr()), yd)
    f_t = sp.hstack([n_t, et, CUE_SCALE * ct]).tocsr()
    f_d = sp.hstack([n_d, ed, CUE_SCALE * cd]).tocsr()
    z_lr = {}
    for c in (1, 3):
        z_lr[c] = lr(c, f_t, yt).decision_function(f_d)
        report(f"n-grams + embedding + cues + LR C={c}", z_lr[c], yd)
    mlp = MLPClassifier((MLP_HIDDEN,), alpha=MLP_ALPHA, early_stopping=True, random_state=SEED, max_iter=200)
    z_mlp = logit(mlp.fit(np.hstack([et, ct]), yt).predict_proba(np.hstack([ed, cd]))[:, 1])
    report(f"MLP ({MLP_HIDDEN} relu) on embedding + cues", z_mlp, yd)
    for w in (0.3, 0.5):
        report(f"0.{int(w * 10)}*MLP + LR(n-grams+emb+cues, C=3), logits", (1 - w) * z_lr[3] + w * z_mlp, yd)
    crowd = data / "claimbuster_crowdsourced.csv"
    if crowd.exists():
        verdict = three_class(crowd, [r.sentence_id for r in train])
        m3 = LogisticRegression(C=3, class_weight="balanced", max_iter=5000).fit(f_t, verdict)
        lp = m3.predict_log_proba(f_d)
        k = list(m3.classes_)
        report("3-class (CFS/UFS/NFS) LR on all features: P(CFS) vs rest",
               lp[:, k.index(1)] - np.logaddexp(lp[:, k.index(0)], lp[:, k.index(-1)]), yd)
    shipped = Detector.load()
    report("shipped detector (claims/weights)", shipped.score(xd, ed), yd)


def three_class(crowd: Path, ids: list[str]) -> np.ndarray:
    """ClaimBuster's Verdict (1 CFS, 0 UFS, -1 NFS) for each training sentence id."""
    with crowd.open(newline="", encoding="utf-8") as fh:
        verdict = {r["Sentence_id"]: int(r["Verdict"]) for r in csv.DictReader(fh)}
    return np.array([verdict[i] for i in ids])


def tfidf_baseline(texts: list[str], labels: list[bool], held: list[str], held_labels: np.ndarray) -> float:
    """The curator's TF-IDF (1-2-grams) + balanced LR, fitted on ``texts``: best F1 on ``held``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    model = LogisticRegression(C=1, class_weight="balanced", max_iter=5000).fit(vectorizer.fit_transform(texts), labels)
    return best_cut(model.decision_function(vectorizer.transform(held)), held_labels)[1]


def year_out(data: Path, embedder: Embedder, cache: Store, news: Path | None = None) -> None:
    """Retrain the shipped recipe without one debate year; score that year (crowd labels).

    With ``news`` (the folder of ``claimdesk bench news-set``) the recipe includes the news
    sentences (training and choosing), as the shipped detector does.
    """
    crowd = data / "claimbuster_crowdsourced.csv"
    with crowd.open(newline="", encoding="utf-8") as fh:
        year = {r["Sentence_id"]: r["File_id"][:4] for r in csv.DictReader(fh)}
    train = read_checkworthiness_file(data / "train.tsv")
    dev = read_checkworthiness_file(data / "dev.tsv")
    xd, yd = [r.text for r in dev], np.array([r.label for r in dev])
    ed = embed_cached(xd, embedder, cache)
    print("\nheld-out year (crowd labels): F1 at the year's best threshold (baselines), and for the shipped recipe "
          "per mlp_weight w: F1 at the year's best threshold / at the threshold chosen on dev")
    totals: dict[float, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for held in YEARS:
            keep = [r for r in train if year[r.sentence_id] != held]
            out = [r for r in train if year[r.sentence_id] == held]
            path = Path(tmp) / f"train-without-{held}.tsv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
                writer.writerow(["Sentence_id", "Text", "class_label"])
                writer.writerows([r.sentence_id, r.text, "Yes" if r.label else "No"] for r in keep)
            started = time.perf_counter()
            rep = train_detector(path, data / "dev.tsv", embedder=embedder, cache=cache, out_dir=Path(tmp) / held,
                                 extra_train=[news / "news_train.tsv"] if news else [],
                                 extra_dev=[news / "news_dev.tsv"] if news else [])
            det = Detector.load(Path(tmp) / held)
            xo, yo = [r.text for r in out], np.array([r.label for r in out])
            lo = det.logits(xo, embed_cached(xo, embedder, cache))
            ld = det.logits(xd, ed)
            cells = [f"heuristic {best_cut(np.array([score_checkworthiness(t) for t in xo]), yo)[1]:.3f}",
                     f"TF-IDF LR {tfidf_baseline([r.text for r in keep], [r.label for r in keep], xo, yo):.3f}"]
            for w in (0.0, 0.3, 0.5):
                cut, _ = best_cut(det.mixed_logits(ld, w), yd)
                zo = det.mixed_logits(lo, w)
                pair = (best_cut(zo, yo)[1], f1_scores(zo, yo, cut)["f1"])
                totals.setdefault(w, []).append(pair)
                cells.append(f"w={w}: {pair[0]:.3f}/{pair[1]:.3f}")
            print(f"{held} ({len(out)} sentences, {int(yo.sum())} Yes; C={rep.choice['C']:g}, "
                  f"{time.perf_counter() - started:.0f}s)  " + "  ".join(cells), flush=True)
    print("mean  " + "  ".join(f"w={w}: {np.mean([p[0] for p in v]):.3f}/{np.mean([p[1] for p in v]):.3f}"
                                for w, v in totals.items()))


def _subset(path: Path, keep_article, out: Path) -> Path:
    rows = read_checkworthiness_file(path)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["Sentence_id", "Text", "class_label"])
        writer.writerows([r.sentence_id, r.text, "Yes" if r.label else "No"]
                         for r in rows if keep_article(r.sentence_id.split(":")[0]))
    return out


def news_domain(data: Path, news: Path, embedder: Embedder, cache: Store) -> None:
    """The shipped recipe with the labelled news sentences: weight, selection and amount of news data.

    ``news`` holds news_train.tsv and news_dev.tsv (``claimdesk bench news-set``). Prints, per
    setting, F1 on the debate dev set and on the news dev set at the one threshold the recipe chose.
    """
    import hashlib

    train, dev = data / "train.tsv", data / "dev.tsv"
    news_train, news_dev = news / "news_train.tsv", news / "news_dev.tsv"
    print("\nnews domain: debate dev F1 / news dev F1 at the chosen threshold (0.5)")
    settings = [("debates only, dev chooses", 0.0, False, 1.0),
                ("debates only, dev + news dev choose", 0.0, True, 1.0)]
    settings += [(f"+ news train x{w:g}, dev + news dev choose", w, True, 1.0) for w in (1.0, 3.0, 5.0)]
    settings += [("+ news train x3, dev chooses", 3.0, False, 1.0)]
    settings += [(f"+ {share:.0%} of news train (by article) x3, dev + news dev choose", 3.0, True, share)
                 for share in (0.25, 0.5)]
    with tempfile.TemporaryDirectory() as tmp:
        for name, weight, joint, share in settings:
            extra = []
            if weight:
                extra = [news_train]
                if share < 1.0:
                    def keep(article: str, share: float = share) -> bool:
                        return int(hashlib.sha1(article.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < share
                    extra = [_subset(news_train, keep, Path(tmp) / f"news-{share}.tsv")]
            rep = train_detector(train, dev, embedder=embedder, cache=cache, out_dir=Path(tmp) / "det",
                                 extra_train=extra, extra_dev=[news_dev] if joint else [],
                                 extra_weight=weight or 1.0)
            det = Detector.load(Path(tmp) / "det")
            rows = read_checkworthiness_file(news_dev)
            scores = det.score([r.text for r in rows], embedder=embedder, cache=cache)
            nm = f1_scores(scores, [r.label for r in rows], det.threshold)
            print(f"{name:<62} n_news={rep.n_extra:>5}  debates {rep.dev['f1']:.3f}  news {nm['f1']:.3f} "
                  f"(P {nm['precision']:.3f} R {nm['recall']:.3f})  C={rep.choice['C']:g} "
                  f"w={rep.choice['mlp_weight']:g}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder with train.tsv, dev.tsv (and the ClaimBuster CSVs)")
    parser.add_argument("--cache", default="sqlite:////tmp/claimdesk-bench/embeddings.db",
                        help="SQLAlchemy URL of the embedding cache")
    parser.add_argument("--year-out", action="store_true", help="also run the held-out-year check (slow)")
    parser.add_argument("--skip-variants", action="store_true", help="only the held-out-year check")
    parser.add_argument("--news", type=Path,
                        help="folder with news_train.tsv / news_dev.tsv (claimdesk bench news-set): run the "
                             "news-domain comparison (instead of the variants) and train with it in --year-out")
    args = parser.parse_args()
    if args.cache.startswith("sqlite:///"):
        Path(args.cache[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    cache = Store(args.cache)
    embedder = Embedder()
    if args.news and not args.skip_variants:
        news_domain(args.data, args.news, embedder, cache)
    elif not args.skip_variants:
        variants(args.data, embedder, cache)
    if args.year_out or args.skip_variants:
        year_out(args.data, embedder, cache, args.news)
    print("tokens example:", tokens("Unemployment fell to 3.7% in 2019?"))


if __name__ == "__main__":
    main()
