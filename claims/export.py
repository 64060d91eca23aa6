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
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TextIO

from claims.models import Claim, Match
from claims.safety import FORMULA_TRIGGERS, escape_url, neutralise_cell

__all__ = ["EXPORT_COLUMNS", "EXPORT_FORMATS", "MAX_CELL_CHARS", "ExportRow", "TopCard", "ReviewerEntry",
           "export_cells", "export_row", "reviewer_records", "write_verdicts_csv", "write_verdict_lines",
           "verdict_csv_lines", "export_verdicts_csv",
           "export_jsonl", "claim_review", "in_claim_review", "export_claimreview_json", "ExportFile"]

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


@dataclass(frozen=True)
class ExportFile:
    """An export written out and not yet recorded: what the Export page's download button hands over.

    ``claim_ids`` are the claims the file holds, in its order (ClaimReview leaves out claims without a
    published verdict); ``chosen`` is how many claims the filters chose.
    """

    text: str
    claim_ids: tuple[int, ...]
    chosen: int


EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExportRow) if f.metadata.get("column", True))
# columns of numbers that export_row formats itself: a cell there that is a plain decimal number
# (``-0.0123``) is nothing a user typed and is written as it is; anything else is treated as text
_NUMBER_COLUMNS = frozenset({"claim_id", "document_id", "checkworthiness", "top_match_similarity"})


def _utc(value: dt.datetime | None) -> str:
    """``value`` in ISO 8601 to the second, in UTC with a ``Z``; a naive time is UTC already (the store
    keeps every time in UTC, and SQLite hands them back without a zone)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        return value.isoformat(timespec="seconds") + "Z"
    if value.utcoffset():
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


TopCard = tuple[str, float, str | None, str | None]
"""A claim's top match as the CSV shows it: the statement's text, the cosine, its verdict word and its source."""

ReviewerEntry = tuple[str, str, dt.datetime, str | None]
"""One reviewer's standing verdict as the CSV lists it: who, the verdict word, when, the note (a
longer tuple that begins with these four serves as well)."""


def _reviewer_listing(entries: Sequence[ReviewerEntry], final_at: dt.datetime | None, final_text: str) -> str:
    """who · verdict · when · note, one reviewer a line; an empty part is left out with its separator.
    (``final_text`` is ``final_at`` formatted: usually one of the entries' times, written once.)"""
    lines = []
    for entry in entries:  # a ReviewerEntry, or a longer record that begins with one
        reviewer, verdict, at, note = entry[0], entry[1], entry[2], entry[3]
        when = final_text if at is final_at else _utc(at)
        if reviewer and verdict and when and note:
            lines.append(f"{reviewer} · {verdict} · {when} · {note}")
        else:
            lines.append(" · ".join([x for x in (reviewer, verdict, when, note) if x]))
    return "\n".join(lines)


def export_cells(claim_id: int, document_id: int, text: str, speaker: str | None, document_title: str,
                 source: str | None, url: str | None, published: dt.date | None, checkworthiness: float,
                 verdict: str, status: str, reviewer: str | None, reviewed_at: dt.datetime | None,
                 note: str | None, evidence: Sequence[str], reviewer_verdicts: Sequence[ReviewerEntry],
                 top: TopCard | None, model: str) -> tuple[Any, ...]:
    """The values of one claim's CSV columns, in :data:`EXPORT_COLUMNS` order, before the cell guards.

    The one place the export formats a claim: :func:`export_row` builds its row from these values,
    and the workspace's export, which reads plain database rows instead of :class:`Claim` objects,
    writes them to the CSV as they are (:func:`write_verdicts_csv`). ``verdict`` is the final
    verdict's word ("" without one), ``status`` a :class:`~claims.models.ReviewStatus` word.
    """
    reviewed = _utc(reviewed_at)
    return (
        claim_id,
        document_id,
        text,
        speaker or "",
        document_title,
        source or "",
        url or "",
        published.isoformat() if published else "",
        f"{checkworthiness:.3f}",
        verdict,
        status,
        reviewer or "",
        reviewed,
        note or "",
        " ".join(escape_url(u) for u in evidence) if evidence else "",
        _reviewer_listing(reviewer_verdicts, reviewed_at, reviewed) if reviewer_verdicts else "",
        top[0] if top else "",
        f"{top[1]:.4f}" if top else "",
        (top[2] or "") if top else "",
        (top[3] or "") if top else "",
        model,
    )


def reviewer_records(entries: Iterable[tuple[str, str, dt.datetime, str | None, Sequence[str]]]
                     ) -> tuple[dict[str, Any], ...]:
    """Each reviewer's standing verdict (who, verdict word, when, note, evidence links) as the record
    JSON Lines writes (:attr:`ExportRow.reviews`)."""
    return tuple({"reviewer": reviewer, "verdict": verdict, "at": _utc(at), "note": note or "",
                  "evidence": list(evidence)} for reviewer, verdict, at, note, evidence in entries)


def export_row(claim: Claim, top: Match | None, model: str) -> ExportRow:
    """The CSV row of a claim and its closest earlier statement."""
    statement = top.statement if top else None
    card: TopCard | None = None
    if top is not None and statement is not None:
        card = (statement.text, top.similarity, statement.verdict.value if statement.verdict else None,
                statement.source)
    cells = export_cells(
        claim.id, claim.document_id, claim.text, claim.speaker, claim.document_title, claim.source, claim.url,
        claim.published, claim.checkworthiness, claim.verdict.value if claim.verdict else "", claim.status.value,
        claim.reviewer, claim.reviewed_at, claim.note, claim.evidence,
        [(v.reviewer, v.verdict.value, v.at, v.note) for v in claim.reviewer_verdicts], card, model)
    reviews = reviewer_records((v.reviewer, v.verdict.value, v.at, v.note, v.evidence) for v in claim.reviewer_verdicts)
    return ExportRow(*cells, evidence=tuple(claim.evidence), reviews=reviews)


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


_SEPARATOR = "\x00"
# a formula trigger at the start of a cell other than the first, in a line joined with _SEPARATOR
_TRIGGER_AFTER = re.compile(re.escape(_SEPARATOR) + "(?:" + "|".join(map(re.escape, FORMULA_TRIGGERS)) + ")")


def write_verdicts_csv(records: Iterable[Sequence[Any]], fp: TextIO, *, bom: bool = False) -> int:
    """Write the header and ``records`` (each the values of :data:`EXPORT_COLUMNS`, in order, as
    :func:`export_cells` gives them) to ``fp``; returns the number of records written.

    Text cells are neutralised against formula injection and bounded in length (see the module
    docstring), and every cell is quoted. ``bom`` starts the file with a UTF-8 byte-order mark,
    which Excel needs to read the text as UTF-8. The lines are :func:`verdict_csv_lines`.
    """
    return write_verdict_lines(verdict_csv_lines(records), fp, bom=bom)


def write_verdict_lines(lines: Iterable[str], fp: TextIO, *, bom: bool = False) -> int:
    """Write the header and lines of :func:`verdict_csv_lines` to ``fp``; returns how many lines."""
    if bom:
        fp.write("\ufeff")
    csv.writer(fp, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(EXPORT_COLUMNS)
    count = 0
    write = fp.write
    for line in lines:
        write(line)
        count += 1
    return count


def verdict_csv_lines(records: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Each record (the values of :data:`EXPORT_COLUMNS`, in order, as :func:`export_cells` gives
    them) as its line of the verdict CSV, line end included, guarded as the module docstring says.

    Writing 100,000 lines cell by cell costs seconds, so a line that needs nothing but quoting (two
    whole-number ids, then text; no cell after the first starting with a formula trigger, none too
    long) is quoted by string operations on the whole line: each cell in quotes, a quote inside
    doubled, which is byte for byte what ``csv.writer`` with ``QUOTE_ALL`` writes. Any other line (a
    cell to guard, a negative number, a NUL inside a cell, a value of another type) is guarded cell
    by cell by :func:`_csv_cell` and written by ``csv.writer`` itself.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    separator, triggered, limit = _SEPARATOR, _TRIGGER_AFTER.search, MAX_CELL_CHARS
    width = len(EXPORT_COLUMNS)
    for record in records:
        if len(record) == width and type(record[0]) is int and type(record[1]) is int:
            try:
                text = separator.join(record[2:])  # TypeError: a cell that is not text
            except TypeError:
                text = None
            if text is not None:
                line = f"{record[0]}{separator}{record[1]}{separator}{text}"
                if len(line) <= limit and line.count(separator) == width - 1 and triggered(line) is None:
                    yield '"' + line.replace('"', '""').replace(separator, '","') + '"\r\n'
                    continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(column, value) for column, value in zip(EXPORT_COLUMNS, record)])
        yield buffer.getvalue()


def export_verdicts_csv(rows: Iterable[ExportRow], fp: TextIO, *, bom: bool = False) -> int:
    """Write the header and ``rows`` to ``fp`` as :func:`write_verdicts_csv` does; returns the number
    of rows written."""
    return write_verdicts_csv(([getattr(row, column) for column in EXPORT_COLUMNS] for row in rows), fp, bom=bom)


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


def in_claim_review(verdict: str, include_unverified: bool = False) -> bool:
    """Whether a claim whose final verdict is ``verdict`` ("" for none) is in the ClaimReview export: a
    published check is supported or disputed; unverified only with ``include_unverified``."""
    return bool(verdict) and (verdict != "unverified" or include_unverified)


def claim_review(row: ExportRow, *, include_unverified: bool = False, review_url: str = "") -> dict[str, Any] | None:
    """The schema.org ClaimReview of a claim with a final verdict; None for a claim without one, and
    for an unverified claim unless ``include_unverified`` (an unverified claim is no published check).

    Google's fact-check markup requires ``claimReviewed``, ``reviewRating`` (with its
    ``alternateName``) and ``url``, the page where the desk publishes the check: ``review_url`` is
    its template, with ``{claim_id}`` for the claim's id (setting ``CLAIMDESK_REVIEW_URL``); without
    one the markup has no ``url`` and must get it where it is published.
    """
    if not in_claim_review(row.verdict, include_unverified):
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
