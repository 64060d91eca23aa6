"""The verdict CSV: one row per claim, written to any text stream.

RFC 4180 quoting (``csv`` with ``\\r\\n`` line ends), UTF-8, a header row. Times are ISO 8601 in
UTC; evidence URLs are separated by spaces in one cell; the top match is the closest earlier
statement at export time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from typing import Any, TextIO

from claims.models import Claim, Match

__all__ = ["EXPORT_COLUMNS", "ExportRow", "export_row", "export_verdicts_csv", "claim_review",
           "export_claimreview_json"]

_RATING_VALUES = {"disputed": 1, "unverified": 2, "supported": 3}


@dataclass(frozen=True)
class ExportRow:
    """One line of the verdict CSV; the field names are its header."""

    claim_id: int
    text: str
    speaker: str
    document_title: str
    source: str
    url: str
    published: str
    checkworthiness: str
    verdict: str
    reviewer: str
    reviewed_at: str
    note: str
    evidence_urls: str
    top_match_text: str
    top_match_similarity: str
    top_match_verdict: str
    top_match_source: str
    model: str


EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow))


def export_row(claim: Claim, top: Match | None, model: str) -> ExportRow:
    """The CSV row of a claim and its closest earlier statement."""
    reviewed_at = ""
    if claim.reviewed_at is not None:
        reviewed_at = claim.reviewed_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    statement = top.statement if top else None
    return ExportRow(
        claim_id=claim.id,
        text=claim.text,
        speaker=claim.speaker or "",
        document_title=claim.document_title,
        source=claim.source or "",
        url=claim.url or "",
        published=claim.published.isoformat() if claim.published else "",
        checkworthiness=f"{claim.checkworthiness:.3f}",
        verdict=claim.verdict.value if claim.verdict else "",
        reviewer=claim.reviewer or "",
        reviewed_at=reviewed_at,
        note=claim.note or "",
        evidence_urls=" ".join(claim.evidence),
        top_match_text=statement.text if statement else "",
        top_match_similarity=f"{top.similarity:.4f}" if top else "",
        top_match_verdict=statement.verdict.value if statement and statement.verdict else "",
        top_match_source=(statement.source or "") if statement else "",
        model=model,
    )


def export_verdicts_csv(rows: Iterable[ExportRow], fp: TextIO) -> int:
    """Write the header and ``rows`` to ``fp``; returns the number of rows written."""
    writer = csv.writer(fp, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(astuple(row))
        count += 1
    return count


def claim_review(row: ExportRow) -> dict[str, Any] | None:
    """The schema.org ClaimReview of a reviewed claim; None for a claim without a verdict."""
    if not row.verdict:
        return None
    claim: dict[str, Any] = {"@type": "Claim"}
    if row.speaker:
        claim["author"] = {"@type": "Person", "name": row.speaker}
    if row.published:
        claim["datePublished"] = row.published
    appearance = {"@type": "CreativeWork", "headline": row.document_title}
    if row.url:
        appearance["url"] = row.url
    claim["appearance"] = appearance
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": row.text,
        "itemReviewed": claim,
        "author": {"@type": "Person", "name": row.reviewer},
        "datePublished": row.reviewed_at[:10],
        "reviewRating": {"@type": "Rating", "ratingValue": _RATING_VALUES[row.verdict], "bestRating": 3,
                         "worstRating": 1, "alternateName": row.verdict.capitalize()},
        "identifier": f"claimdesk-claim-{row.claim_id}",
    }
    if row.note:
        review["reviewBody"] = row.note
    if row.evidence_urls:
        review["citation"] = row.evidence_urls.split()
    return review


def export_claimreview_json(rows: Iterable[ExportRow], fp: TextIO) -> int:
    """Write a JSON array of ClaimReview objects for the reviewed rows; returns how many."""
    reviews = [r for r in (claim_review(row) for row in rows) if r is not None]
    json.dump(reviews, fp, ensure_ascii=False, indent=2)
    fp.write("\n")
    return len(reviews)
