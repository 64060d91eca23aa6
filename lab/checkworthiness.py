"""The check-worthiness lab: labelled data files, F1 and thresholds, training the detector, scoring a file.

The detector itself (features, weights, scoring) is the product's :mod:`claims.detector`; this
module makes its weights. Training (:func:`train_detector`, behind ``claimdesk train detector``)
fits on the training file only and uses the dev file to choose the regularisation ``C``,
``mlp_weight`` and the threshold. It needs scikit-learn (and scipy), the lab's extra; the product
scores with numpy alone. The weights are written as the ``.npz`` + ``.json`` pair that
:meth:`claims.detector.Detector.load` reads, the ``.json`` holding the provenance: the data files
and their sha256, the command, the date, the choices and the dev F1. Training is deterministic:
the same files give byte-identical weights.

:func:`score_file` (behind ``claimdesk bench checkworthiness``) measures a detector, or the
heuristic of :mod:`claims.detect`, on a labelled file. :func:`source_held_out` (behind
``claimdesk bench checkworthiness-heldout``) measures the recipe on sources it never saw: dev's
sentences come from the same debates as train's, so dev alone flatters it. It retrains the recipe
without each group of debate years (and news articles), scores each group with the model that
never saw it, and reports the drop from the model that did.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from claims.detect import DEFAULT_CLAIM_THRESHOLD, HeuristicScorer
from claims.detector import (
    CUE_NAMES,
    FORMAT_VERSION,
    WEIGHT_ARRAYS,
    WEIGHTS_JSON,
    WEIGHTS_NPZ,
    Detector,
    cue_matrix,
    ngram_rows,
    ngram_terms,
)
from claims.errors import BadRecordError, EmptyInputError, InvalidValueError, MissingColumnError
from claims.readers import read_utf8_file
from index.atomic import atomic_write_bytes, atomic_write_text
from index.embed import embed_cached

__all__ = [
    "LabelledSentence",
    "TrainReport",
    "read_checkworthiness",
    "read_checkworthiness_file",
    "fit_vocabulary",
    "ngram_matrix",
    "f1_scores",
    "best_cut",
    "mean_best_cut",
    "train_detector",
    "score_file",
    "FOLD_RULE",
    "Fold",
    "read_file_ids",
    "debate_year",
    "year_folds",
    "news_article",
    "plan_folds",
    "write_checkworthiness",
    "bootstrap_f1",
    "source_held_out",
]

# Training choices fixed in code (the dev set chooses among the grid below, nothing else).
MIN_DF = 2                      # a term must occur in two training sentences to enter the vocabulary
CUE_SCALE = 0.5                 # weight of the standardised cues next to the unit-length blocks
C_GRID = (1.0, 3.0)             # logistic-regression inverse regularisation
# The MLP always takes part: holding out whole debate years of train showed the mix generalising
# better than the logistic regression alone (docs/BENCHMARKS.md), though dev alone cannot tell.
MLP_WEIGHT_GRID = (0.3, 0.5)
MLP_HIDDEN = 128
MLP_ALPHA = 1e-2
SEED = 0
FEEDBACK_WEIGHT = 5.0           # a reviewer's decision counts as much as five crowd-labelled sentences
EXTRA_WEIGHT = 5.0              # an in-domain labelled sentence (e.g. news) counts as five crowd-labelled ones
LABELS = {"Yes": True, "No": False}
COLUMNS = ("Sentence_id", "Text", "class_label")


# -- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledSentence:
    """One row of a check-worthiness file: its id, text, label (True = check-worthy) and line."""

    sentence_id: str
    text: str
    label: bool
    line: int


def read_checkworthiness(fp: TextIO, source: str) -> list[LabelledSentence]:
    """The rows of a CheckThat! check-worthiness file (``Sentence_id<TAB>Text<TAB>class_label``).

    Text may be CSV-quoted; labels are ``Yes`` or ``No``. Raises an InputError subclass naming
    ``source`` and the line for a missing column, a row with the wrong number of fields, an empty
    text or an unknown label, and EmptyInputError for a file without rows.
    """
    reader = csv.reader(fp, delimiter="\t")
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BadRecordError(f"unreadable header: {exc}", source=source, line=1) from None
    if header is None:
        raise EmptyInputError("the file is empty", source=source)
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise MissingColumnError(
            f"missing column(s) {', '.join(missing)}; expected a header "
            f"{'<TAB>'.join(COLUMNS)}, found {'<TAB>'.join(header)}", source=source, line=1)
    at = {c: header.index(c) for c in COLUMNS}
    rows: list[LabelledSentence] = []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader, None)
        except csv.Error as exc:
            raise BadRecordError(f"malformed row: {exc}", source=source, line=line) from None
        if record is None:
            break
        if record and any(cell.strip() for cell in record):
            if len(record) != len(header):
                raise BadRecordError(
                    f"expected {len(header)} tab-separated fields, found {len(record)}", source=source, line=line)
            text = record[at["Text"]].strip()
            label = record[at["class_label"]].strip()
            if not text:
                raise BadRecordError("empty Text", source=source, line=line)
            if label not in LABELS:
                raise BadRecordError(f"class_label {label!r} is neither Yes nor No", source=source, line=line)
            rows.append(LabelledSentence(record[at["Sentence_id"]].strip(), text, LABELS[label], line))
        line = reader.line_num + 1
    if not rows:
        raise EmptyInputError("no labelled sentences", source=source)
    return rows


def read_checkworthiness_file(path: str | Path) -> list[LabelledSentence]:
    """:func:`read_checkworthiness` of a file on disk; InputError if it is absent or not UTF-8."""
    return read_checkworthiness(io.StringIO(read_utf8_file(path), newline=""), str(path))


def _sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- features for training -----------------------------------------------------------------------


def fit_vocabulary(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The sorted terms in at least :data:`MIN_DF` texts and their smoothed IDF (as scikit-learn's)."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(ngram_terms(text)))
    terms = sorted(t for t, n in df.items() if n >= MIN_DF)
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float64)
    return terms, idf



def ngram_matrix(texts: Sequence[str], terms: Sequence[str], idf: np.ndarray) -> Any:
    """The n-gram features of ``texts`` as a scipy CSR matrix (rows unit length), for training."""
    import scipy.sparse as sp

    rows = ngram_rows(texts, {t: i for i, t in enumerate(terms)}, np.asarray(idf, dtype=np.float64))
    indptr = np.cumsum([0] + [len(idx) for idx, _ in rows])
    values = np.concatenate([v for _, v in rows]) if rows else np.zeros(0)
    columns = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((values, columns, indptr), shape=(len(texts), len(terms)))



# -- metrics -------------------------------------------------------------------------------------


def f1_scores(scores: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray,
              threshold: float) -> dict[str, float]:
    """F1, precision and recall of the check-worthy class when ``score >= threshold`` flags a claim.

    Precision is 0 when nothing is flagged, recall 0 when nothing is check-worthy, F1 0 then too.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    flagged = s >= threshold
    tp = int(np.sum(flagged & y))
    fp = int(np.sum(flagged & ~y))
    fn = int(np.sum(~flagged & y))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def best_cut(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold maximising F1 and that F1: halfway between the lowest flagged score and the next.

    Ties in F1 go to the higher threshold (fewer flags).
    """
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    f1 = 2 * tp / (2 * tp + fp + (y.sum() - tp))
    distinct = np.r_[s[1:] != s[:-1], True]  # a cut can only fall between different scores
    f1 = np.where(distinct, f1, -1.0)
    i = int(np.argmax(f1))
    below = s[i + 1] if i + 1 < len(s) else s[i] - 1.0
    return float((s[i] + below) / 2.0), float(f1[i])


def mean_best_cut(scores: np.ndarray, labels: np.ndarray, parts: Sequence[slice]) -> tuple[float, float]:
    """The one threshold maximising the mean F1 over ``parts`` of the data, and that mean.

    With one part this is :func:`best_cut`. With several (dev sets of different domains), every
    midpoint between distinct scores is a candidate; ties go to the higher threshold.
    """
    if len(parts) == 1:
        return best_cut(scores[parts[0]], labels[parts[0]])
    distinct = np.unique(scores)
    cuts = np.r_[distinct[0] - 1.0, (distinct[1:] + distinct[:-1]) / 2.0]
    means = np.zeros(len(cuts))
    for part in parts:
        s, y = scores[part], labels[part].astype(bool)
        order = np.argsort(s, kind="stable")
        s, y = s[order], y[order]
        # flagged at a cut = the scores at or above it; count them from the top
        below = np.searchsorted(s, cuts, side="left")
        yes_below = np.r_[0, np.cumsum(y)][below]
        tp = y.sum() - yes_below
        fp = (len(s) - below) - tp
        fn = y.sum() - tp
        means += np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    means /= len(parts)
    i = len(cuts) - 1 - int(np.argmax(means[::-1]))
    return float(cuts[i]), float(means[i])


# -- training ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainReport:
    """What :func:`train_detector` did: where the weights went, what dev chose, how well it scores."""

    npz_path: Path
    json_path: Path
    dev: dict[str, float]
    threshold: float
    choice: dict[str, float]
    grid: list[dict[str, float]]
    n_train: int
    n_feedback: int
    n_dev: int
    n_extra: int
    extra_dev: dict[str, dict[str, float]]
    n_terms: int
    weights_bytes: int
    seconds: float
    provenance: dict[str, Any] = field(repr=False)


def _feedback_rows(feedback: Iterable[Any]) -> list[tuple[str, bool]]:
    """Reviewer feedback as (text, is_claim): pairs, or objects with ``text`` and ``is_claim``.

    The last decision on the same (whitespace-normalised) text wins.
    """
    latest: dict[str, tuple[str, bool]] = {}
    for item in feedback:
        if isinstance(item, tuple):
            text, is_claim = item
        else:
            text, is_claim = item.text, item.is_claim
        text = " ".join(str(text).split())
        if text:
            latest[text] = (text, bool(is_claim))
    return list(latest.values())


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed .npz with fixed timestamps and order, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in WEIGHT_ARRAYS:
            member = io.BytesIO()
            array = np.asarray(arrays[name])
            np.lib.format.write_array(member, array if array.flags.c_contiguous else array.copy(order="C"),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=9)
    data = buffer.getvalue()
    atomic_write_bytes(path, data)
    return data


def train_detector(train_path: str | Path, dev_path: str | Path, *, embedder: Any, cache: Any,
                   out_dir: str | Path, feedback: Iterable[Any] = (),
                   extra_train: Sequence[str | Path] = (), extra_dev: Sequence[str | Path] = (),
                   extra_weight: float = EXTRA_WEIGHT, command: str | None = None,
                   progress: Callable[[str], None] | None = None) -> TrainReport:
    """Train the detector on ``train_path``, choose on ``dev_path``, and write detector.npz/.json to ``out_dir``.

    Fitting sees the training file, the ``extra_train`` files (labelled sentences of another
    domain, such as news; each weighs ``extra_weight`` sentences) and reviewer ``feedback``
    ((text, is_claim) pairs or objects with those attributes; each weighs :data:`FEEDBACK_WEIGHT`).
    The dev files only choose ``C`` from :data:`C_GRID`, ``mlp_weight`` from
    :data:`MLP_WEIGHT_GRID` and the one threshold, by F1 of the check-worthy class: of
    ``dev_path`` alone, or the mean F1 over ``dev_path`` and the ``extra_dev`` files, so that one
    cut serves every domain. Then the intercepts are shifted so that threshold becomes 0.5.
    Embeddings go through ``cache`` (an :class:`index.embed.EmbeddingCache`), so each sentence is
    embedded once across runs. Deterministic: same inputs, same bytes.
    """
    import scipy.sparse as sp
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    started = time.perf_counter()
    say = progress or (lambda message: None)
    train = read_checkworthiness_file(train_path)
    dev = read_checkworthiness_file(dev_path)
    extra_files = [(Path(p), read_checkworthiness_file(p)) for p in extra_train]
    domain = [row for _, rows in extra_files for row in rows]
    extra = _feedback_rows(feedback)
    texts = [r.text for r in train] + [r.text for r in domain] + [t for t, _ in extra]
    labels = np.array([r.label for r in train] + [r.label for r in domain] + [y for _, y in extra], dtype=bool)
    weights = np.array([1.0] * len(train) + [extra_weight] * len(domain) + [FEEDBACK_WEIGHT] * len(extra))
    if labels.all() or not labels.any():
        raise InvalidValueError(f"{train_path}: the training data needs both Yes and No sentences")
    dev_sets = [(Path(dev_path), dev)] + [(Path(p), read_checkworthiness_file(p)) for p in extra_dev]
    names = [path.name for path, _ in dev_sets]
    if len(set(names)) != len(names):  # the provenance reports each dev file by its name
        raise InvalidValueError(f"dev files must have different names, got {', '.join(map(str, extra_dev))} "
                                f"next to {dev_path}")
    for path, rows in dev_sets:
        if not any(r.label for r in rows):
            raise InvalidValueError(f"{path}: the dev data needs at least one Yes sentence")
    dev_texts = [r.text for _, rows in dev_sets for r in rows]
    dev_labels = np.array([r.label for _, rows in dev_sets for r in rows], dtype=bool)
    bounds = np.cumsum([0] + [len(rows) for _, rows in dev_sets])
    parts = [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]

    say(f"embedding {len(texts) + len(dev_texts)} sentences (cached ones are not embedded again)")
    vectors = []
    everything = texts + dev_texts
    for start in range(0, len(everything), 2000):  # chunks, so an interrupted run keeps what it embedded
        vectors.append(embed_cached(everything[start:start + 2000], embedder, cache))
    emb_all = np.vstack(vectors).astype(np.float64)
    emb, dev_emb = emb_all[:len(texts)], emb_all[len(texts):]

    say("building features")
    terms, idf = fit_vocabulary(texts)
    ngrams = ngram_matrix(texts, terms, idf)
    raw_cues = cue_matrix(texts)
    cue_mean = raw_cues.mean(axis=0)
    cue_std = raw_cues.std(axis=0)
    cue_std[cue_std == 0] = 1.0
    cues = (raw_cues - cue_mean) / cue_std
    features = sp.hstack([ngrams, sp.csr_matrix(emb), sp.csr_matrix(CUE_SCALE * cues)]).tocsr()
    dense = np.hstack([emb, cues])

    say(f"fitting the MLP ({MLP_HIDDEN} hidden units)")
    mlp = MLPClassifier((MLP_HIDDEN,), alpha=MLP_ALPHA, early_stopping=True, random_state=SEED,
                        max_iter=200).fit(dense, labels, sample_weight=weights)
    base = {
        "vocabulary": np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8),
        "idf": idf.astype(np.float32),
        "cue_mean": cue_mean.astype(np.float32),
        "cue_std": cue_std.astype(np.float32),
        "mlp_w0": mlp.coefs_[0].astype(np.float32),
        "mlp_b0": mlp.intercepts_[0].astype(np.float32),
        "mlp_w1": mlp.coefs_[1][:, 0].astype(np.float32),
        "mlp_b1": np.float32(mlp.intercepts_[1][0]),
    }
    provenance_base = {"embedding_model": getattr(embedder, "name", ""), "cues": list(CUE_NAMES),
                       "format": FORMAT_VERSION}

    grid: list[dict[str, float]] = []
    candidates: list[tuple[float, dict[str, Any], float, dict[str, float]]] = []
    for c in C_GRID:
        say(f"fitting the logistic regression, C={c:g}")
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(
            features, labels, sample_weight=weights)
        coef = lr.coef_[0]
        arrays = dict(base,
                      coef_ngram=coef[:len(terms)].astype(np.float32),
                      coef_embedding=coef[len(terms):len(terms) + emb.shape[1]].astype(np.float32),
                      coef_cues=(CUE_SCALE * coef[len(terms) + emb.shape[1]:]).astype(np.float32),
                      intercept=np.float32(lr.intercept_[0]), mix=np.float32(0.0), offset=np.float32(0.0))
        candidate = Detector(arrays, provenance_base)
        dev_logits = candidate.logits(dev_texts, dev_emb)
        for w in MLP_WEIGHT_GRID:
            cut, f1 = mean_best_cut(candidate.mixed_logits(dev_logits, w), dev_labels, parts)
            grid.append({"C": c, "mlp_weight": w, "dev_f1": round(f1, 4)})
            candidates.append((f1, arrays, cut, {"C": c, "mlp_weight": w}))
    _, arrays, cut, choice = max(candidates, key=lambda entry: entry[0])  # ties: the earlier grid entry
    arrays = dict(arrays, mix=np.float32(choice["mlp_weight"]), offset=np.float32(cut))

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    npz_path, json_path = out / WEIGHTS_NPZ, out / WEIGHTS_JSON
    data = _write_npz(npz_path, arrays)
    detector = Detector({name: np.asarray(v) for name, v in arrays.items()},
                        dict(provenance_base, threshold=DEFAULT_CLAIM_THRESHOLD), npz_path)
    dev_scores = detector.score(dev_texts, dev_emb)
    per_dev = {path.name: dict({k: round(v, 4) for k, v in f1_scores(
        dev_scores[part], dev_labels[part], detector.threshold).items()}, n=part.stop - part.start)
        for (path, _), part in zip(dev_sets, parts)}
    dev_metrics = {k: v for k, v in per_dev[Path(dev_path).name].items() if k != "n"}
    train_metrics = {k: round(v, 4) for k, v in f1_scores(
        detector.score(texts[:len(train)], emb[:len(train)]), labels[:len(train)], detector.threshold).items()}
    feedback_digest = hashlib.sha256(json.dumps(extra, ensure_ascii=False).encode("utf-8")).hexdigest()
    command = command or " ".join(
        ["claimdesk train detector", f"--train {train_path}", f"--dev {dev_path}"]
        + [f"--extra-train {p}" for p in extra_train] + [f"--extra-dev {p}" for p in extra_dev])

    provenance = {
        "format": FORMAT_VERSION,
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "command": command,
        "data": {
            "train": {"file": Path(train_path).name, "sha256": _sha256_file(train_path), "rows": len(train)},
            "dev": {"file": Path(dev_path).name, "sha256": _sha256_file(dev_path), "rows": len(dev)},
            "extra_train": [{"file": path.name, "sha256": _sha256_file(path), "rows": len(rows),
                             "weight": extra_weight} for path, rows in extra_files],
            "extra_dev": [{"file": path.name, "sha256": _sha256_file(path), "rows": len(rows)}
                          for path, rows in dev_sets[1:]],
            "feedback": {"rows": len(extra), "weight": FEEDBACK_WEIGHT,
                         "sha256": feedback_digest if extra else None},
        },
        "selection": ("fitted on the training files (and feedback) only; C, mlp_weight and the threshold "
                      "chosen by F1 of the Yes class on the dev file (the mean F1 over the dev files when "
                      "there are several, at one threshold); logits shifted so that threshold is 0.5"),
        "embedding_model": getattr(embedder, "name", ""),
        "embedding_dim": int(emb.shape[1]),
        "cues": list(CUE_NAMES),
        "features": {"ngrams": "unigrams+bigrams of claims.detector.tokens, sublinear TF-IDF, L2",
                     "min_df": MIN_DF, "terms": len(terms), "cue_scale": CUE_SCALE},
        "model": {"logistic_regression": {"C": choice["C"], "class_weight": "balanced", "solver": "lbfgs"},
                  "mlp": {"hidden": MLP_HIDDEN, "alpha": MLP_ALPHA, "activation": "relu", "early_stopping": True,
                          "seed": SEED, "iterations": int(mlp.n_iter_)},
                  "mlp_weight": choice["mlp_weight"], "logit_offset": round(float(cut), 6)},
        "grid": grid,
        "threshold": DEFAULT_CLAIM_THRESHOLD,
        "dev": dict(dev_metrics, n=len(dev)),
        "dev_by_file": per_dev,
        "train_fit": dict(train_metrics, n=len(train)),
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "weights_sha256": hashlib.sha256(data).hexdigest(),
        "weights_bytes": len(data),
    }
    atomic_write_text(json_path, json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
    say(f"dev F1 {dev_metrics['f1']:.3f} (C={choice['C']:g}, mlp_weight={choice['mlp_weight']:g})")
    return TrainReport(
        npz_path=npz_path, json_path=json_path, dev=dev_metrics, threshold=DEFAULT_CLAIM_THRESHOLD,
        choice=choice, grid=grid, n_train=len(train), n_feedback=len(extra), n_dev=len(dev),
        n_extra=len(domain), extra_dev={name: m for name, m in per_dev.items() if name != Path(dev_path).name},
        n_terms=len(terms), weights_bytes=len(data), seconds=time.perf_counter() - started,
        provenance=provenance)


# -- benchmark -----------------------------------------------------------------------------------


def score_file(path: str | Path, detector: Detector | None, embedder: Any = None, cache: Any = None, *,
               threshold: float | None = None) -> dict[str, float]:
    """F1, precision and recall of the check-worthy (Yes) class on a check-worthiness file.

    Scores with ``detector`` (``None``: the heuristic of :mod:`claims.detect`) at ``threshold``
    (default: the detector's own). Returns exactly the keys f1, precision, recall, threshold, n.
    """
    rows = read_checkworthiness_file(path)
    texts = [r.text for r in rows]
    labels = [r.label for r in rows]
    if detector is None:
        heuristic = HeuristicScorer()
        scores = np.asarray(heuristic(texts))
        cut = heuristic.threshold if threshold is None else threshold
    else:
        scores = detector.score(texts, embedder=embedder, cache=cache)
        cut = detector.threshold if threshold is None else threshold
    metrics = f1_scores(scores, labels, cut)
    return {"f1": round(metrics["f1"], 4), "precision": round(metrics["precision"], 4),
            "recall": round(metrics["recall"], 4), "threshold": float(cut), "n": len(rows)}


# -- source-held-out evaluation --------------------------------------------------------------------

#: The ClaimBuster files that say which debate (``File_id``, the debate's date) each sentence of
#: ``train.tsv`` and ``dev.tsv`` comes from: the same sentences, the same ids.
FILE_ID_SOURCES = ("claimbuster_crowdsourced.csv", "claimbuster_groundtruth.csv")
#: The rule that makes the folds, written down before any fold was scored.
FOLD_RULE = ("the debate years of dev.tsv (File_id[:4]), sorted, cut into k consecutive groups whose sizes differ "
             "by at most one, the earlier groups the larger; each fold's years leave training (every train.tsv "
             "file of those years) and choosing (their dev.tsv sentences) and are scored; years only in "
             "train.tsv (2016) always train. News dev articles, sorted by id, go to the folds in turn "
             "(article i to fold i mod k)")


@dataclass(frozen=True)
class Fold:
    """One fold of :func:`plan_folds`: what its model fits on, chooses on, and is scored on.

    ``train`` and ``choose`` are debate sentences (from ``train.tsv`` and ``dev.tsv``) of other
    years than ``years``; ``choose_news`` the news dev sentences of the other folds' articles.
    ``test`` and ``test_news`` are the sentences this fold's model scores; ``test_crowd`` are the
    ``train.tsv`` sentences of its years (crowd labels), scored only to set the expert figure beside
    the crowd one.
    """

    index: int
    years: tuple[str, ...]
    train: tuple[LabelledSentence, ...]
    choose: tuple[LabelledSentence, ...]
    test: tuple[LabelledSentence, ...]
    choose_news: tuple[LabelledSentence, ...] = ()
    test_news: tuple[LabelledSentence, ...] = ()
    test_crowd: tuple[LabelledSentence, ...] = ()


def read_file_ids(path: str | Path) -> dict[str, str]:
    """``Sentence_id`` → ``File_id`` (the debate) of a ClaimBuster CSV; InputError naming the file."""
    reader = csv.DictReader(io.StringIO(read_utf8_file(path), newline=""))
    if reader.fieldnames is None:
        raise EmptyInputError("the file is empty", source=str(path))
    missing = [c for c in ("Sentence_id", "File_id") if c not in reader.fieldnames]
    if missing:
        raise MissingColumnError(f"missing column(s) {', '.join(missing)}", source=str(path), line=1)
    return {row["Sentence_id"].strip(): row["File_id"].strip() for row in reader}


def debate_year(file_id: str) -> str:
    """The year of a ClaimBuster debate file (``1988-09-25.txt`` → ``1988``)."""
    year = file_id[:4]
    if not (len(year) == 4 and year.isdigit()):
        raise InvalidValueError(f"File_id {file_id!r} does not start with a year")
    return year


def year_folds(years: Iterable[str], k: int) -> list[tuple[str, ...]]:
    """The fold rule (:data:`FOLD_RULE`): distinct ``years`` sorted, cut into ``k`` consecutive groups.

    Consecutive years go together, so a fold also holds out its neighbours' campaigns (the same
    candidates, the same issues): a stricter test than leaving out one debate. Sizes differ by at
    most one, the earlier groups larger. InvalidValueError unless 2 <= k <= the number of years.
    """
    distinct = sorted(set(years))
    if not 2 <= k <= len(distinct):
        raise InvalidValueError(f"folds must be between 2 and the number of debate years ({len(distinct)}), got {k}")
    size, extra = divmod(len(distinct), k)
    groups, start = [], 0
    for i in range(k):
        end = start + size + (1 if i < extra else 0)
        groups.append(tuple(distinct[start:end]))
        start = end
    return groups


def news_article(sentence_id: str) -> str:
    """The article a news sentence belongs to: its ``Sentence_id`` up to the first ``:``."""
    return sentence_id.split(":", 1)[0]


def plan_folds(train: Sequence[LabelledSentence], dev: Sequence[LabelledSentence], file_ids: dict[str, str],
               k: int, news_dev: Sequence[LabelledSentence] = ()) -> list[Fold]:
    """Split the data into ``k`` source-held-out folds by :data:`FOLD_RULE`.

    ``file_ids`` maps every Sentence_id of ``train`` and ``dev`` to its debate file. Each fold
    holds out a group of debate years (from fitting and choosing) and, when ``news_dev`` is given,
    a share of its articles (from choosing). Every ``dev`` sentence and every news dev sentence is
    in exactly one fold's test. InvalidValueError for a sentence without a File_id.
    """
    def year_of(row: LabelledSentence, name: str) -> str:
        if row.sentence_id not in file_ids:
            raise InvalidValueError(f"{name} sentence {row.sentence_id} (line {row.line}) has no File_id in the "
                                    f"ClaimBuster files")
        return debate_year(file_ids[row.sentence_id])

    train_years = [year_of(r, "train") for r in train]
    dev_years = [year_of(r, "dev") for r in dev]
    articles = sorted({news_article(r.sentence_id) for r in news_dev})
    article_fold = {a: i % k for i, a in enumerate(articles)}
    folds = []
    for i, years in enumerate(year_folds(dev_years, k)):
        held = set(years)
        folds.append(Fold(
            index=i + 1, years=years,
            train=tuple(r for r, y in zip(train, train_years) if y not in held),
            choose=tuple(r for r, y in zip(dev, dev_years) if y not in held),
            test=tuple(r for r, y in zip(dev, dev_years) if y in held),
            choose_news=tuple(r for r in news_dev if article_fold[news_article(r.sentence_id)] != i),
            test_news=tuple(r for r in news_dev if article_fold[news_article(r.sentence_id)] == i),
            test_crowd=tuple(r for r, y in zip(train, train_years) if y in held)))
    return folds


def write_checkworthiness(rows: Iterable[LabelledSentence], path: str | Path) -> Path:
    """Write ``rows`` as a check-worthiness TSV that :func:`read_checkworthiness_file` reads back."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([r.sentence_id, r.text, "Yes" if r.label else "No"] for r in rows)
    atomic_write_text(Path(path), buffer.getvalue())
    return Path(path)


def _metrics(flags: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """F1 / precision / recall (rounded) and n of boolean decisions against labels."""
    m = f1_scores(flags.astype(np.float64), labels, 0.5)
    return dict({key: round(value, 4) for key, value in m.items()}, n=int(len(labels)))


def bootstrap_f1(flags: np.ndarray, labels: np.ndarray, *, draws: int = 1000, seed: int = SEED) -> list[float]:
    """The 95 % interval of F1 over sentences resampled with replacement (seeded, so reproducible).

    Says how far a figure on a thousand sentences can be trusted: the folds are few, the sentences many.
    """
    f = np.asarray(flags, dtype=bool)
    y = np.asarray(labels, dtype=bool)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(draws):
        pick = rng.integers(0, len(y), len(y))
        tp = int(np.sum(f[pick] & y[pick]))
        wrong = int(np.sum(f[pick] != y[pick]))
        values.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    low, high = np.percentile(values, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def _with_drop(held: dict[str, float], seen: dict[str, float]) -> dict[str, float]:
    """``held`` with ``drop``: the F1 the same sentences lose when their source was not seen."""
    return dict(held, drop=round(seen["f1"] - held["f1"], 4))


def source_held_out(data_dir: str | Path, *, embedder: Any, cache: Any, folds: int = 4,
                    news_dir: str | Path | None = None, extra_weight: float = EXTRA_WEIGHT,
                    genre_out: bool = True, work_dir: str | Path | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The detector's source-held-out F1: each expert-labelled sentence scored by a model that never saw its debate.

    ``data_dir`` holds ``train.tsv``, ``dev.tsv`` and the two ClaimBuster CSVs (for ``File_id``);
    ``news_dir`` (optional) ``news_train.tsv`` and ``news_dev.tsv`` from ``claimdesk bench news-set``.
    Runs the shipped recipe (:func:`train_detector`, news training sentences weighing
    ``extra_weight``) ``folds + 1`` times, ``+ 1`` more with ``genre_out``:

    - **seen** (as shipped): fitted on all training files, chosen on all dev files; its F1 on dev
      is the in-source figure every ``drop`` is measured from, on the same sentences.
    - **one per fold** (:func:`plan_folds`): fitted and chosen without the fold's debate years
      (and, for choosing, without its news dev articles), scored on them at its own threshold.
      The folds' decisions are pooled: F1 over all of ``dev.tsv`` (expert labels) and of
      ``news_dev.tsv``.
    - **genre held out**: fitted on debates alone, chosen on ``dev.tsv`` alone, scored on news dev,
      a genre (and outlet) it never saw.

    Returns one JSON-ready dict: ``seen``, ``source_held_out`` (pooled ``debates`` and ``news``,
    each with ``drop`` and ``ci95`` (:func:`bootstrap_f1`), and ``crowd``: the same models on the ``train.tsv`` sentences of the
    held-out years, whose labels are the crowd's, for comparison with the expert figure),
    ``folds`` (per fold: years, sizes, choices, F1 and drop), ``genre_held_out``, ``rule``,
    the embedding model and seconds per run. ``work_dir`` keeps each run's files (data and
    weights) there instead of in a temporary folder.
    """
    import tempfile

    started = time.perf_counter()
    say = progress or (lambda message: None)
    data = Path(data_dir)
    train = read_checkworthiness_file(data / "train.tsv")
    dev = read_checkworthiness_file(data / "dev.tsv")
    file_ids: dict[str, str] = {}
    for name in FILE_ID_SOURCES:
        file_ids.update(read_file_ids(data / name))
    news_train_path = news_dev_path = None
    news_dev: list[LabelledSentence] = []
    if news_dir is not None:
        news_train_path, news_dev_path = Path(news_dir) / "news_train.tsv", Path(news_dir) / "news_dev.tsv"
        news_dev = read_checkworthiness_file(news_dev_path)
        shared = ({news_article(r.sentence_id) for r in read_checkworthiness_file(news_train_path)}
                  & {news_article(r.sentence_id) for r in news_dev})
        if shared:
            raise InvalidValueError(f"{len(shared)} article(s) are in both news_train.tsv and news_dev.tsv "
                                    f"(e.g. {sorted(shared)[0]}): news dev would not be held out")
    plan = plan_folds(train, dev, file_ids, folds, news_dev)
    say(f"{folds} folds: " + "; ".join(f"{i + 1}: {'/'.join(f.years)}" for i, f in enumerate(plan)))

    def flags(detector: Detector, rows: Sequence[LabelledSentence]) -> np.ndarray:
        texts = [r.text for r in rows]
        if not texts:
            return np.zeros(0, dtype=bool)
        return detector.score(texts, embed_cached(texts, embedder, cache)) >= detector.threshold

    def labels(rows: Sequence[LabelledSentence]) -> np.ndarray:
        return np.array([r.label for r in rows], dtype=bool)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(work_dir) if work_dir is not None else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        extra_train = [news_train_path] if news_train_path else []

        say("seen: the shipped recipe on all the data")
        seen = train_detector(data / "train.tsv", data / "dev.tsv", embedder=embedder, cache=cache,
                              out_dir=root / "seen", extra_train=extra_train,
                              extra_dev=[news_dev_path] if news_dev_path else [], extra_weight=extra_weight)
        seen_model = Detector.load(root / "seen")
        seen_by_id = dict(zip([r.sentence_id for r in dev], flags(seen_model, dev)))
        seen_news_by_id = dict(zip([r.sentence_id for r in news_dev], flags(seen_model, news_dev)))
        result: dict[str, Any] = {
            "rule": FOLD_RULE, "k": folds, "extra_weight": extra_weight,
            "embedding_model": getattr(embedder, "name", ""),
            "seen": {"debates": _metrics(np.array([seen_by_id[r.sentence_id] for r in dev]), labels(dev)),
                     "choice": seen.choice, "seconds": round(seen.seconds, 1)},
        }
        if news_dev:
            result["seen"]["news"] = _metrics(np.array([seen_news_by_id[r.sentence_id] for r in news_dev]),
                                              labels(news_dev))

        pooled: dict[str, list[np.ndarray]] = {"flags": [], "labels": [], "seen": [], "news_flags": [],
                                               "news_labels": [], "news_seen": [], "crowd_flags": [],
                                               "crowd_labels": []}
        per_fold = []
        for fold in plan:
            say(f"fold {fold.index}: without {', '.join(fold.years)}")
            where = root / f"fold{fold.index}"
            where.mkdir(parents=True, exist_ok=True)
            report = train_detector(
                write_checkworthiness(fold.train, where / "train.tsv"),
                write_checkworthiness(fold.choose, where / "dev.tsv"), embedder=embedder, cache=cache,
                out_dir=where, extra_train=extra_train, extra_weight=extra_weight,
                extra_dev=[write_checkworthiness(fold.choose_news, where / "news_dev.tsv")] if news_dev else [])
            model = Detector.load(where)
            f, y = flags(model, fold.test), labels(fold.test)
            s = np.array([seen_by_id[r.sentence_id] for r in fold.test], dtype=bool)
            pooled["flags"].append(f)
            pooled["labels"].append(y)
            pooled["seen"].append(s)
            entry: dict[str, Any] = {
                "fold": fold.index, "years": list(fold.years),
                "files": sorted({file_ids[r.sentence_id] for r in fold.test}),
                "n_train": len(fold.train), "n_choose": len(fold.choose), "choice": report.choice,
                "debates": _with_drop(_metrics(f, y), _metrics(s, y)), "seconds": round(report.seconds, 1)}
            # the same model on the crowd labels of its held-out years: the older year-out figure's labels
            fc, yc = flags(model, fold.test_crowd), labels(fold.test_crowd)
            pooled["crowd_flags"].append(fc)
            pooled["crowd_labels"].append(yc)
            entry["crowd"] = _metrics(fc, yc)
            if news_dev:
                fn, yn = flags(model, fold.test_news), labels(fold.test_news)
                sn = np.array([seen_news_by_id[r.sentence_id] for r in fold.test_news], dtype=bool)
                pooled["news_flags"].append(fn)
                pooled["news_labels"].append(yn)
                pooled["news_seen"].append(sn)
                entry["news"] = _with_drop(_metrics(fn, yn), _metrics(sn, yn))
                entry["n_choose_news"] = len(fold.choose_news)
            per_fold.append(entry)
            debates = entry["debates"]
            say(f"fold {fold.index}: debates F1 {debates['f1']:.3f} (drop {debates['drop']:+.3f}), "
                f"{report.seconds:.0f}s")

        def pool(prefix: str) -> dict[str, Any]:
            f, y = np.concatenate(pooled[prefix + "flags"]), np.concatenate(pooled[prefix + "labels"])
            seen_f = np.concatenate(pooled[prefix + "seen"])
            return dict(_with_drop(_metrics(f, y), _metrics(seen_f, y)), ci95=bootstrap_f1(f, y))

        held = {"debates": pool("")}
        if news_dev:
            held["news"] = pool("news_")
        held["crowd"] = _metrics(np.concatenate(pooled["crowd_flags"]), np.concatenate(pooled["crowd_labels"]))
        result["source_held_out"] = held
        result["folds"] = per_fold

        if genre_out and news_dev:
            say("genre held out: debates only, scored on news dev")
            debates_only = train_detector(data / "train.tsv", data / "dev.tsv", embedder=embedder, cache=cache,
                                          out_dir=root / "debates-only")
            model = Detector.load(root / "debates-only")
            yn = labels(news_dev)
            result["genre_held_out"] = {
                "news": _with_drop(_metrics(flags(model, news_dev), yn), result["seen"]["news"]),
                "debates": _metrics(flags(model, dev), labels(dev)),
                "choice": debates_only.choice, "seconds": round(debates_only.seconds, 1)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
