"""How far reviewers agree: Cohen's kappa for two, Krippendorff's alpha for any number.

Both are computed from nominal labels (the three verdicts), as the literature defines them:
Cohen (1960) over the items both reviewers labelled; Krippendorff's alpha over the coincidence
matrix of every item with at least two labels, so missing labels are fine. The test suite checks
them against published worked examples (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability": alpha 0.743 for its 4-coder, 12-unit nominal example).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Agreement", "cohen_kappa", "krippendorff_alpha", "agreement"]


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items; None when undefined.

    Undefined without items, or when chance agreement is 1 (both gave one and the same label to
    everything): kappa divides by ``1 - p_e``.
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) of the labels each unit received; None when undefined.

    Each unit is the list of labels its raters gave (any number, any rater). Units with fewer
    than two labels are not pairable and are left out. Undefined when fewer than two labels are
    pairable or every pairable label is the same (no expected disagreement).
    """
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for labels in units:
        m = len(labels)
        if m < 2:
            continue
        counts = Counter(labels)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[(c, k)] += pairs / (m - 1)
    totals: Counter[Hashable] = Counter()
    for (c, _k), value in coincidences.items():
        totals[c] += value
    n = sum(totals.values())
    if n < 2:
        return None
    observed = sum(value for (c, k), value in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
    if expected == 0:
        return None
    return 1.0 - observed / expected


@dataclass(frozen=True)
class Agreement:
    """Agreement over a set of claims: ``kappa`` when exactly two reviewers took part."""

    n_items: int
    """Claims with at least two reviewers' verdicts (the pairable ones)."""
    n_reviewers: int
    kappa: float | None
    alpha: float | None
    percent_agreement: float | None
    """Share of pairable claims on which every verdict was the same."""

    def to_json(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {"n_items": self.n_items, "n_reviewers": self.n_reviewers, "kappa": rounded(self.kappa),
                "alpha": rounded(self.alpha), "percent_agreement": rounded(self.percent_agreement)}


def agreement(verdicts: Mapping[Hashable, Mapping[str, Hashable]]) -> Agreement:
    """Agreement from ``{item: {reviewer: label}}`` (each reviewer's standing verdict per item)."""
    reviewers = sorted({r for by_reviewer in verdicts.values() for r in by_reviewer})
    pairable = [by_reviewer for by_reviewer in verdicts.values() if len(by_reviewer) >= 2]
    kappa = None
    if len(reviewers) == 2:
        a, b = reviewers
        kappa = cohen_kappa([(v[a], v[b]) for v in pairable])
    alpha = krippendorff_alpha([list(v.values()) for v in pairable])
    unanimous = sum(len(set(v.values())) == 1 for v in pairable)
    return Agreement(n_items=len(pairable), n_reviewers=len(reviewers), kappa=kappa, alpha=alpha,
                     percent_agreement=unanimous / len(pairable) if pairable else None)
