"""Fusing ranked lists from several retrievers (dense, BM25) into one ranking.

Pure functions over ranked lists of ``(id, score)``, best first, as :meth:`VectorIndex.search`
and :meth:`LexicalIndex.search` return them:

- :func:`reciprocal_rank_fusion` (Cormack, Clarke and Büttcher, SIGIR 2009) uses ranks only,
  so scores on different scales (cosine, BM25) need no calibration. Each list may carry a
  weight.
- :func:`weighted_score_fusion` uses the scores themselves after putting each list on a common
  scale (min-max or z-score within the list); it keeps the margin between a clear winner and
  the rest, which ranks throw away.

Equal fused scores are ordered by id, so a fused ranking never depends on dict order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from claims.errors import InvalidValueError

__all__ = ["Ranking", "reciprocal_rank_fusion", "weighted_score_fusion", "normalise_scores", "RRF_K"]

Ranking = Sequence[tuple[int, float]]

# The constant of the original paper; it damps the weight of the very first ranks.
RRF_K = 60


def _check_weights(rankings: Sequence[Ranking], weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise InvalidValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    if any(w < 0 or math.isnan(w) for w in weights):
        raise InvalidValueError(f"fusion weights must be non-negative numbers, got {list(weights)}")
    return [float(w) for w in weights]


def _ranked(scores: dict[int, float], limit: int | None) -> list[tuple[int, float]]:
    fused = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return fused if limit is None else fused[:limit]


def reciprocal_rank_fusion(rankings: Sequence[Ranking], *, k: float = RRF_K,
                           weights: Sequence[float] | None = None,
                           limit: int | None = None) -> list[tuple[int, float]]:
    """One ranking whose score for an id is ``sum(weight / (k + rank))`` over the lists holding it.

    Ranks start at 1. An id missing from a list gets nothing from it. Returns at most ``limit``
    ``(id, fused score)``, best first.
    """
    if k < 0:
        raise InvalidValueError(f"the RRF constant k must be non-negative, got {k}")
    weights = _check_weights(rankings, weights)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        seen: set[int] = set()
        for rank, (doc_id, _score) in enumerate(ranking, start=1):
            if doc_id in seen:  # a list that repeats an id counts it at its best rank only
                continue
            seen.add(doc_id)
            fused[doc_id] = fused.get(doc_id, 0.0) + weight / (k + rank)
    return _ranked(fused, limit)


def normalise_scores(ranking: Ranking, method: str = "minmax") -> list[tuple[int, float]]:
    """The ranking with scores rescaled within the list: ``minmax`` to [0, 1], ``zscore`` to mean 0, sd 1.

    A list whose scores are all equal maps to 1.0 (minmax) or 0.0 (zscore) for every id.
    """
    if method not in ("minmax", "zscore"):
        raise InvalidValueError(f"unknown normalisation {method!r}: use 'minmax' or 'zscore'")
    if not ranking:
        return []
    values = [float(s) for _, s in ranking]
    if method == "minmax":
        low, high = min(values), max(values)
        span = high - low
        return [(i, (s - low) / span if span > 0 else 1.0) for (i, _), s in zip(ranking, values)]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((s - mean) ** 2 for s in values) / len(values))
    return [(i, (s - mean) / sd if sd > 0 else 0.0) for (i, _), s in zip(ranking, values)]


def weighted_score_fusion(rankings: Sequence[Ranking], weights: Sequence[float] | None = None, *,
                          normalise: str = "minmax", missing: float | None = None,
                          limit: int | None = None) -> list[tuple[int, float]]:
    """One ranking whose score for an id is the weighted sum of its normalised scores.

    An id absent from a list gets ``missing`` from it; by default the lowest normalised score
    of that list (it ranked below everything the list returned). Returns at most ``limit``
    ``(id, fused score)``, best first.
    """
    weights = _check_weights(rankings, weights)
    normalised = [dict(normalise_scores(r, normalise)) for r in rankings]
    all_ids = {doc_id for scores in normalised for doc_id in scores}
    fused = dict.fromkeys(all_ids, 0.0)
    for scores, weight in zip(normalised, weights):
        if weight == 0:
            continue
        floor = missing if missing is not None else (min(scores.values()) if scores else 0.0)
        for doc_id in all_ids:
            fused[doc_id] += weight * scores.get(doc_id, floor)
    return _ranked(fused, limit)
