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
heuristic of :mod:`claims.detect`, on a labelled file.
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
