"""Fitting the matcher's learned parts: the same-claim verifier, and a pairwise re-ranker to compare it with.

Both read the features the product's matcher computes for each candidate
(:data:`index.verify.FEATURES`, by :func:`index.verify.pair_features`), so what is fitted here is
scored on exactly what a reviewer's matches carry.

- :func:`train_verifier`: a logistic regression P(gold | candidate) over standardised features,
  fitted on the candidates of CLEF train queries: positives are the gold fact-checks, negatives
  the other candidates, both with the gold imported and with it left out (a claim never checked
  before). scikit-learn fits it; the product scores it with numpy (:class:`index.verify.Verifier`).
  Its threshold is chosen afterwards on a dev split (:func:`lab.bench.choose_threshold`).
- :func:`train_linear_ranker`: the same features scored by a linear function fitted pairwise (a
  relevant candidate must outscore an irrelevant one of the same query). It only orders, gives
  no probability, and stays in the lab: ``claimdesk bench retrieval --method rerank`` measures it
  beside the verifier's order (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from claims.errors import InputError, InvalidValueError
from index.verify import FEATURES, Verifier

__all__ = [
    "FEATURES",
    "LinearRanker",
    "train_linear_ranker",
    "train_verifier",
    "calibration_table",
]


def _matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> np.ndarray:
    return np.array([[row[name] for name in features] for row in rows], dtype=np.float64).reshape(
        len(rows), len(features))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


@dataclass(frozen=True)
class LinearRanker:
    """A frozen linear scoring function over standardised features, with where it came from."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise InvalidValueError("a ranker needs one mean, scale and weight per feature")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise InvalidValueError(f"unknown ranker features: {', '.join(sorted(unknown))}")

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The rows' features in this ranker's order, as a float64 matrix."""
        return _matrix(rows, self.features)

    def score(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """One score per row (higher ranks first); comparable within a query only."""
        x = (self.matrix(rows) - np.asarray(self.mean)) / np.asarray(self.scale)
        return x @ np.asarray(self.weights)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "linear-pairwise", "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "provenance": self.provenance}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "ranker") -> LinearRanker:
        try:
            return cls(features=tuple(data["features"]), mean=tuple(map(float, data["mean"])),
                       scale=tuple(map(float, data["scale"])), weights=tuple(map(float, data["weights"])),
                       provenance=dict(data.get("provenance", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a claimdesk ranker ({exc.__class__.__name__}: {exc})", source=source) from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LinearRanker:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("no such file", source=str(path)) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the ranker: {exc}", source=str(path)) from None
        return cls.from_dict(data, source=str(path))


def train_linear_ranker(groups: Sequence[tuple[Sequence[Mapping[str, float]], Sequence[bool]]], *,
                        features: Sequence[str] = FEATURES, c: float = 1.0,
                        provenance: dict[str, Any] | None = None) -> LinearRanker:
    """Fit a pairwise logistic-regression ranker on candidate lists with relevance labels.

    Each group is one query's candidates (feature dicts) and whether each is relevant; every
    (relevant, irrelevant) pair of a group becomes one training difference, in both directions.
    Deterministic: the same groups give the same weights.
    """
    from sklearn.linear_model import LogisticRegression

    features = tuple(features)
    all_rows = [row for rows, _ in groups for row in rows]
    if not all_rows:
        raise InvalidValueError("no candidates to train a ranker on")
    mean, scale = _standardise(_matrix(all_rows, features))
    diffs = []
    for rows, labels in groups:
        if not rows:
            continue
        x = (_matrix(rows, features) - mean) / scale
        labels_array = np.asarray(labels, dtype=bool)
        pos, neg = x[labels_array], x[~labels_array]
        if len(pos) == 0 or len(neg) == 0:
            continue
        diffs.append((pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1]))
    if not diffs:
        raise InvalidValueError("no query has both a relevant and an irrelevant candidate")
    d = np.concatenate(diffs)
    x_train = np.concatenate([d, -d])
    y_train = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit(x_train, y_train)
    info = dict(provenance or {})
    info.update({"pairs": int(len(d)), "groups": int(len(groups)), "c": c})
    return LinearRanker(features=features, mean=tuple(float(v) for v in mean), scale=tuple(float(v) for v in scale),
                        weights=tuple(round(float(w), 6) for w in model.coef_[0]), provenance=info)


def train_verifier(rows: Sequence[Mapping[str, float]], labels: Sequence[bool], *,
                   features: Sequence[str] = FEATURES, c: float = 1.0, threshold: float = 0.5,
                   sample_weight: Sequence[float] | None = None,
                   provenance: dict[str, Any] | None = None) -> Verifier:
    """Fit the same-claim verifier: logistic regression on standardised features, with an intercept.

    ``rows`` are candidate feature dicts, ``labels`` whether each is a gold fact-check of its
    query, ``sample_weight`` how much each row counts (all 1 when None: a genre with few rows can
    be made to count more). lbfgs, so the same data gives the same weights. ``threshold`` is
    stored as given; the caller chooses it on a dev split.
    """
    from sklearn.linear_model import LogisticRegression

    features = tuple(features)
    if len(rows) != len(labels):
        raise InvalidValueError(f"got {len(labels)} labels for {len(rows)} rows")
    y = np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        raise InvalidValueError("the verifier needs both gold and other candidates to learn from")
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=float)
        if weights.shape != y.shape or not np.all(np.isfinite(weights)) or np.any(weights <= 0):
            raise InvalidValueError("sample_weight needs one positive finite weight per row")
    x = _matrix(rows, features)
    mean, scale = _standardise(x)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    info = dict(provenance or {})
    info.update({"rows": int(len(y)), "positives": int(y.sum()), "c": c})
    return Verifier(features=features, mean=tuple(float(v) for v in mean), scale=tuple(float(v) for v in scale),
                    weights=tuple(round(float(w), 6) for w in model.coef_[0]),
                    intercept=round(float(model.intercept_[0]), 6), threshold=threshold, provenance=info)


def calibration_table(probabilities: Sequence[float], labels: Sequence[bool],
                      edges: Sequence[float] = (0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001),
                      ) -> list[dict[str, Any]]:
    """Reliability by bin: how many fell in each probability bin, their mean probability, and how
    many of them were right (a calibrated model's two columns agree)."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=bool)
    out = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (p >= low) & (p < high)
        n = int(inside.sum())
        out.append({"bin": f"{low:.2f}-{min(high, 1.0):.2f}", "n": n,
                    "mean_probability": round(float(p[inside].mean()), 4) if n else None,
                    "observed": round(float(y[inside].mean()), 4) if n else None})
    return out
