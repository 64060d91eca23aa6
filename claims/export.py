"""The verdict exports: CSV, JSON Lines and ClaimReview JSON-LD, one record per claim, to any text stream.

CSV: RFC 4180 quoting (``csv`` with ``\\r\\n`` line ends), UTF-8 (optionally with a byte-order
mark, which Excel needs to read UTF-8), a header row. Times are ISO 8601 in UTC; evidence URLs are
separated by spaces in one cell; ``verdict`` is the final verdict and ``reviewer_verdicts`` lists
each reviewer's (who · verdict · when · note, one per line); the top match is the closest earlier
statement at export time.

The file is opened in spreadsheets, and its text comes from people claimdesk checks, so every cell
is written defensively:

- Formula injection (OWASP "CSV Injection"): every text cell that begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading ``'`` (:func:`claims.safety.neutralise_cell`),
  so a spreadsheet shows it as text instead of running it. The numbers claimdesk formats itself
  (``claim_id``, ``checkworthiness``, ``top_match_similarity``) are left alone: a similarity of
  ``-0.0123`` stays a number. Every cell is quoted (``csv.QUOTE_ALL``), so a separator, quote or
  line break inside a cell cannot end it early, whatever separator the spreadsheet assumes.
- Bounded cells: a cell longer than :data:`MAX_CELL_CHARS` characters is cut to that length, its
  end replaced by the marker ``… [truncated, N characters omitted]``, so that Python's ``csv``
  (field limit 131,072) and spreadsheets (32,767 characters a cell) read every file we write.
- Evidence URLs: each URL's whitespace, quotes and control characters are percent-encoded before
  the URLs are joined with single spaces, so the cell splits back into exactly the stored links.

The ClaimReview JSON-LD is not a spreadsheet: it carries the text as stored, citations as a list.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, TextIO

from claims.models import Claim, Match
from claims.safety import escape_url, neutralise_cell

__all__ = ["EXPORT_COLUMNS", "EXPORT_FORMATS", "MAX_CELL_CHARS", "ExportRow", "export_row", "export_verdicts_csv",
           "export_jsonl", "claim_review", "export_claimreview_json"]

EXPORT_FORMATS = ("csv", "jsonl", "claimreview")

MAX_CELL_CHARS = 32_000
"""The longest cell the CSV holds, marker included: below Excel's 32,767 and ``csv``'s 131,072."""

_RATING_VALUES = {"disputed": 1, "unverified": 2, "supported": 3}


@dataclass(frozen=True)
class ExportRow:
    """One line of the verdict CSV; the field names are its header."""

    claim_id: int
    document_id: int
    text: str
    speaker: str
    document_title: str
    source: str
    url: str
    published: str
    checkworthiness: str
    verdict: str
    status: str
    reviewer: str
    reviewed_at: str
    note: str
    evidence_urls: str
    reviewer_verdicts: str
    top_match_text: str
    top_match_similarity: str
    top_match_verdict: str
    top_match_source: str
    model: str
    # the evidence links as stored, for the JSON-LD citations; not a CSV column
    evidence: tuple[str, ...] = field(default=(), metadata={"column": False})
    # each reviewer's verdict as a record, for JSON Lines; not a CSV column
    reviews: tuple[dict[str, Any], ...] = field(default=(), metadata={"column": False})


EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow) if f.metadata.get("column", True))
# columns of numbers that export_row formats itself: a cell there that is a plain decimal number
# (``-0.0123``) is nothing a user typed and is written as it is; anything else is treated as text
_NUMBER_COLUMNS = frozenset({"claim_id", "document_id", "checkworthiness", "top_match_similarity"})


def _utc(value: Any) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value is not None else ""
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def export_row(claim: Claim, top: Match | None, model: str) -> ExportRow:
    """The CSV row of a claim and its closest earlier statement."""
    statement = top.statement if top else None
    reviews = tuple({"reviewer": v.reviewer, "verdict": v.verdict.value, "at": _utc(v.at), "note": v.note or "",
                     "evidence": list(v.evidence)} for v in claim.reviewer_verdicts)
    listing = "\n".join(" · ".join(x for x in (r["reviewer"], r["verdict"], r["at"], r["note"]) if x)
                        for r in reviews)
    return ExportRow(
        claim_id=claim.id,
        document_id=claim.document_id,
        text=claim.text,
        speaker=claim.speaker or "",
        document_title=claim.document_title,
        source=claim.source or "",
        url=claim.url or "",
        published=claim.published.isoformat() if claim.published else "",
        checkworthiness=f"{claim.checkworthiness:.3f}",
        verdict=claim.verdict.value if claim.verdict else "",
        status=claim.status.value,
        reviewer=claim.reviewer or "",
        reviewed_at=_utc(claim.reviewed_at),
        note=claim.note or "",
        evidence_urls=" ".join(escape_url(u) for u in claim.evidence),
        reviewer_verdicts=listing,
        top_match_text=statement.text if statement else "",
        top_match_similarity=f"{top.similarity:.4f}" if top else "",
        top_match_verdict=statement.verdict.value if statement and statement.verdict else "",
        top_match_source=(statement.source or "") if statement else "",
        model=model,
        evidence=tuple(claim.evidence),
        reviews=reviews,
    )


def _bounded(value: str) -> str:
    """``value`` cut to :data:`MAX_CELL_CHARS` characters, the marker saying how many were left out."""
    if len(value) <= MAX_CELL_CHARS:
        return value
    keep = MAX_CELL_CHARS - 40  # room for the marker, whose number has at most 20 digits
    return f"{value[:keep]}… [truncated, {len(value) - keep} characters omitted]"


def _csv_cell(column: str, value: Any) -> Any:
    """A cell as the CSV holds it: text neutralised against formulas and bounded; our numbers as they are."""
    if not isinstance(value, str) or (column in _NUMBER_COLUMNS and _PLAIN_NUMBER.fullmatch(value)):
        return value
    return _bounded(neutralise_cell(value))


def export_verdicts_csv(rows: Iterable[ExportRow], fp: TextIO, *, bom: bool = False) -> int:
    """Write the header and ``rows`` to ``fp``; returns the number of rows written.

    Text cells are neutralised against formula injection and bounded in length (see the module
    docstring), and every cell is quoted. ``bom`` starts the file with a UTF-8 byte-order mark,
    which Excel needs to read the text as UTF-8.
    """
    if bom:
        fp.write("\ufeff")
    writer = csv.writer(fp, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(column, getattr(row, column)) for column in EXPORT_COLUMNS])
        count += 1
    return count


def export_jsonl(rows: Iterable[ExportRow], fp: TextIO) -> int:
    """One JSON object per line and claim: every CSV column as stored (no formula guards: JSON is not
    a spreadsheet), the evidence links as a list and each reviewer's verdict as a record."""
    count = 0
    for row in rows:
        record: dict[str, Any] = {column: getattr(row, column) for column in EXPORT_COLUMNS
                                  if column not in ("evidence_urls", "reviewer_verdicts")}
        record["evidence"] = list(row.evidence)
        record["reviewer_verdicts"] = list(row.reviews)
        fp.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def claim_review(row: ExportRow, *, include_unverified: bool = False, review_url: str = "") -> dict[str, Any] | None:
    """The schema.org ClaimReview of a claim with a final verdict; None for a claim without one, and
    for an unverified claim unless ``include_unverified`` (an unverified claim is no published check).

    Google's fact-check markup requires ``claimReviewed``, ``reviewRating`` (with its
    ``alternateName``) and ``url``, the page where the desk publishes the check: ``review_url`` is
    its template, with ``{claim_id}`` for the claim's id (setting ``CLAIMDESK_REVIEW_URL``); without
    one the markup has no ``url`` and must get it where it is published.
    """
    if not row.verdict or (row.verdict == "unverified" and not include_unverified):
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
    if review_url:
        review["url"] = review_url.replace("{claim_id}", str(row.claim_id))
    if row.note:
        review["reviewBody"] = row.note
    if row.evidence:
        review["citation"] = list(row.evidence)
    return review


def export_claimreview_json(rows: Iterable[ExportRow], fp: TextIO, *, include_unverified: bool = False,
                            review_url: str = "") -> int:
    """Write a JSON array of ClaimReview objects for the rows with a final supported or disputed verdict
    (unverified too with ``include_unverified``); returns how many."""
    reviews = [r for r in (claim_review(row, include_unverified=include_unverified, review_url=review_url)
                           for row in rows) if r is not None]
    json.dump(reviews, fp, ensure_ascii=False, indent=2)
    fp.write("\n")
    return len(reviews)
