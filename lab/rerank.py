"""A small learned re-ranker for claim matching: features of a (claim, fact-check) pair, a linear model.

Dense similarity and BM25 each miss things the other sees, and neither sees that a fact-check
about "$4,300" or "Romney" is more likely the one when the claim says the same. The re-ranker
scores each candidate of the fused list by a weighted sum of :data:`FEATURES` (standardised),
learned pairwise (a relevant candidate must outscore an irrelevant one of the same query) with
scikit-learn's logistic regression, then frozen as a few dozen numbers in JSON with their
provenance. Scoring needs numpy only.

Features (all computed by :func:`pair_features` from texts and the two retrievers' outputs):

``dense``             cosine similarity of the embeddings
``dense_gap``         that similarity minus the best one for the query (0 for the top candidate)
``dense_rrank``       1 / rank in the dense list (0 when outside it)
``lexical``           BM25 score divided by the query's best BM25 score (0..1)
``lexical_rrank``     1 / rank in the BM25 list (0 when outside it)
``number_overlap``    share of the claim's numbers found in the fact-check (0 without numbers)
``number_conflict``   1 when both carry numbers and share none
``name_overlap``      share of the claim's capitalised words (names) found in the fact-check
``word_overlap``      share of the fact-check's content words found in the claim
``speaker_match``     1 when the claim's speaker's surname is the fact-check's speaker's
``date_known``        1 when both dates are known
``date_distance``     log(1 + days between the claim and the fact-checked statement) / 10
``same_day``          1 when both were made within a day of each other
``date_after``        1 when the fact-checked statement is dated after the claim
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from claims.errors import InputError, InvalidValueError
from lab import DATA_DIR

__all__ = [
    "FEATURES",
    "LinearRanker",
    "pair_features",
    "train_linear_ranker",
    "numbers_in",
    "names_in",
    "RANKERS_FILE",
    "read_shipped_rankers",
    "SHIPPED_RANKERS",
    "shipped_ranker",
]

FEATURES: tuple[str, ...] = (
    "dense",
    "dense_gap",
    "dense_rrank",
    "lexical",
    "lexical_rrank",
    "number_overlap",
    "number_conflict",
    "name_overlap",
    "word_overlap",
    "speaker_match",
    "date_known",
    "date_distance",
    "same_day",
    "date_after",
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’\-]+")
_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOP = frozenset(
    "the a an and or but of to in on at for with by from as is are was were be been being it its this that "
    "these those he she they we you i his her their our your has have had do does did not no so than then "
    "there here what which who whom whose when where why how all any some about into over after before "
    "will would can could should may might must said says say".split())
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|[\"“‘(]\s*)$")


def numbers_in(text: str) -> set[str]:
    """The numbers of a text, separators dropped (``4,300`` → ``4300``)."""
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def names_in(text: str) -> set[str]:
    """Lower-cased capitalised words that do not start a sentence: mostly names and places."""
    names = set()
    for m in _NAME.finditer(text):
        if _SENTENCE_START.search(text[:m.start()]):
            continue
        word = m.group(0).lower()
        if word not in _STOP:
            names.add(word)
    return names


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _surname(name: str) -> str:
    words = re.findall(r"[A-Za-z'’\-]+", name)
    return words[-1].lower() if words else ""


def pair_features(claim: str, fact_check: str, *, dense: float, dense_best: float, dense_rank: int | None,
                  lexical: float, lexical_best: float, lexical_rank: int | None,
                  claim_speaker: str = "", fact_check_speaker: str = "",
                  days_apart: float | None = None) -> dict[str, float]:
    """The :data:`FEATURES` of one candidate fact-check for one claim.

    Ranks start at 1; None means the candidate was not in that retriever's list. ``days_apart``
    is the claim's date minus the fact-checked statement's date, in days (None when unknown).
    """
    claim_numbers, check_numbers = numbers_in(claim), numbers_in(fact_check)
    claim_names = names_in(claim)
    check_lower = fact_check.lower()
    check_words = _content_words(fact_check)
    claim_words = _content_words(claim)
    speaker_a, speaker_b = _surname(claim_speaker), _surname(fact_check_speaker)
    return {
        "dense": float(dense),
        "dense_gap": float(dense - dense_best),
        "dense_rrank": 1.0 / dense_rank if dense_rank else 0.0,
        "lexical": float(lexical / lexical_best) if lexical_best > 0 else 0.0,
        "lexical_rrank": 1.0 / lexical_rank if lexical_rank else 0.0,
        "number_overlap": len(claim_numbers & check_numbers) / len(claim_numbers) if claim_numbers else 0.0,
        "number_conflict": 1.0 if claim_numbers and check_numbers and not claim_numbers & check_numbers else 0.0,
        "name_overlap": (sum(1 for n in claim_names if n in check_lower) / len(claim_names)) if claim_names else 0.0,
        "word_overlap": len(check_words & claim_words) / len(check_words) if check_words else 0.0,
        "speaker_match": 1.0 if speaker_a and speaker_a == speaker_b else 0.0,
        "date_known": 1.0 if days_apart is not None else 0.0,
        "date_distance": math.log1p(abs(days_apart)) / 10.0 if days_apart is not None else 0.0,
        "same_day": 1.0 if days_apart is not None and abs(days_apart) <= 1 else 0.0,
        "date_after": 1.0 if days_apart is not None and days_apart < -1 else 0.0,
    }


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

    def matrix(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        """The rows' features in this ranker's order, as a float64 matrix."""
        return np.array([[row[name] for name in self.features] for row in rows], dtype=np.float64).reshape(
            len(rows), len(self.features))

    def score(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
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


def train_linear_ranker(groups: Sequence[tuple[Sequence[dict[str, float]], Sequence[bool]]], *,
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
    probe = LinearRanker(features, (0.0,) * len(features), (1.0,) * len(features), (0.0,) * len(features))
    x_all = probe.matrix(all_rows)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale == 0] = 1.0
    diffs = []
    for rows, labels in groups:
        if not rows:
            continue
        x = (probe.matrix(rows) - mean) / scale
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


# Rankers fitted on the CLEF train splits (never on a dev split) by lab.bench.train_ranker, as
# ``python benchmarks/bench_retrieval.py --train`` writes them to RANKERS_FILE; each carries its
# provenance: the files with their sha256, the split, the candidate depth, the query context and
# the settings. ``clef2020-tweets`` for tweets against undated fact-checks, ``clef2022-tweets``
# for tweets against dated ones, ``clef2021-debates`` for transcript sentences with speakers and dates.
RANKERS_FILE = DATA_DIR / "rankers.json"


def read_shipped_rankers(path: str | Path = RANKERS_FILE) -> dict[str, dict[str, Any]]:
    """The rankers in ``path`` (default: the shipped ones) by name, each as :meth:`LinearRanker.to_dict` gives it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the rankers: {exc}", source=str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InputError("not a JSON object of rankers by name", source=str(path))
    return data


SHIPPED_RANKERS: dict[str, dict[str, Any]] = read_shipped_rankers()


def shipped_ranker(name: str) -> LinearRanker:
    """The shipped ranker called ``name`` (one of :data:`SHIPPED_RANKERS`)."""
    if name not in SHIPPED_RANKERS:
        known = ", ".join(sorted(SHIPPED_RANKERS)) or "none"
        raise InvalidValueError(f"no shipped ranker {name!r}: shipped are {known}")
    return LinearRanker.from_dict(SHIPPED_RANKERS[name], source=f"shipped ranker {name}")
