"""Archives of earlier statements: reading them and mapping outlets' ratings to verdicts.

An archive file is CSV or JSONL with a ``text`` column (required) and optionally speaker, date,
source, url, verdict and rating columns; any other column is kept as metadata. Outlets rate
claims on their own scales (PolitiFact's True … Pants on Fire, Snopes' Mixture, Full Fact's
free text): :data:`DEFAULT_RATING_MAP` maps the common words to claimdesk's three verdicts, and
the user can override or extend it (``--verdict-map "half true=disputed,satire=disputed"``).

Hostile files are read as :func:`claims.readers.decode_text` reads any file (size limit, binary,
encoding, invisible characters); a statement longer than :data:`MAX_STATEMENT_CHARS` refuses the
whole file, naming its line; a link that is not a plain http(s) URL is dropped from its row and
counted in :attr:`ArchiveRows.dropped_links`, the row itself kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from claims.errors import BadRecordError, EmptyInputError, InvalidValueError
from claims.models import Verdict
from claims.readers import decode_text, parse_date, pick_column, read_records, require_text_column
from claims.safety import safe_url, strip_cell, strip_invisible
from index.embed import text_hash

__all__ = [
    "DEFAULT_RATING_MAP",
    "MAX_STATEMENT_CHARS",
    "ArchiveRows",
    "normalise_rating",
    "parse_verdict_map",
    "map_rating",
    "read_statements",
]

MAX_STATEMENT_CHARS = 5_000
"""The longest statement an archive row may hold, in characters (a fact-check's claim is a sentence or two)."""

_S, _D, _U = Verdict.SUPPORTED, Verdict.DISPUTED, Verdict.UNVERIFIED

DEFAULT_RATING_MAP: dict[str, Verdict] = {
    # claimdesk's own words
    "supported": _S, "disputed": _D, "unverified": _U,
    # PolitiFact
    "true": _S, "mostly true": _S, "half true": _U, "mostly false": _D, "false": _D,
    "pants on fire": _D, "pants fire": _D, "barely true": _D, "full flop": _U, "half flip": _U,
    "no flip": _U,
    # Snopes
    "mixture": _U, "unproven": _U, "outdated": _U, "miscaptioned": _D, "misattributed": _D,
    "correct attribution": _S, "incorrect attribution": _D, "scam": _D, "legend": _D,
    "labeled satire": _U, "satire": _U, "research in progress": _U, "lost legend": _U,
    "legit": _S, "fake": _D, "originated as satire": _U,
    # Full Fact, AFP, Reuters, Washington Post and others
    "correct": _S, "accurate": _S, "incorrect": _D, "inaccurate": _D, "misleading": _D,
    "needs context": _U, "missing context": _U, "lacks context": _U, "partly false": _D,
    "partly true": _U, "altered": _D, "altered photo": _D, "no evidence": _U, "unsupported": _U,
    "exaggerated": _D, "distorts the facts": _D, "cherry picks": _U, "spins the facts": _D,
    "four pinocchios": _D, "three pinocchios": _D, "two pinocchios": _U, "one pinocchio": _S,
    "geppetto checkmark": _S, "verified": _S, "debunked": _D, "unsubstantiated": _U,
}

_SPEAKER_COLUMNS = ("speaker", "claimant", "author", "said_by")
_DATE_COLUMNS = ("date", "stated_on", "claim_date", "published", "review_date")
_SOURCE_COLUMNS = ("source", "publisher", "outlet", "fact_checker", "factchecker")
_URL_COLUMNS = ("url", "link", "review_url")
_RATING_COLUMNS = ("rating", "truth_label", "textual_rating", "textualrating", "label", "ruling")


def normalise_rating(word: str) -> str:
    """A rating word as looked up: lower case, hyphens, underscores and punctuation as spaces."""
    return " ".join(re.sub(r"[-_!.,:;'’\"]+", " ", word.lower()).split())


def parse_verdict_map(spec: str | None) -> dict[str, Verdict]:
    """``"mostly false=disputed,half true=supported"`` as a mapping; an error names a bad pair."""
    result: dict[str, Verdict] = {}
    if not spec:
        return result
    for pair in spec.split(","):
        if not pair.strip():
            continue
        if "=" not in pair:
            raise InvalidValueError(f"verdict map entry {pair.strip()!r} must look like rating=verdict")
        rating, verdict = pair.split("=", 1)
        if not rating.strip():
            raise InvalidValueError(f"verdict map entry {pair.strip()!r} has no rating word")
        result[normalise_rating(rating)] = Verdict.parse(verdict)
    return result


def map_rating(rating: str | None, overrides: Mapping[str, Verdict] | None = None) -> Verdict | None:
    """The verdict for an outlet's rating word (overrides first, then the default table)."""
    if not rating:
        return None
    key = normalise_rating(rating)
    if overrides and key in overrides:
        return overrides[key]
    return DEFAULT_RATING_MAP.get(key)


@dataclass(frozen=True)
class ArchiveRows:
    """Statements ready to store (dicts of the statements table's columns), unmapped ratings, and how
    many rows' links were dropped for not being plain http(s) URLs (``javascript:``, ``file://``, ``data:``)."""

    rows: list[dict[str, Any]]
    unmapped: tuple[str, ...]
    dropped_links: int = 0


def _row_hash(text: str, speaker: str | None, date: Any, source: str | None, url: str | None) -> str:
    # whitespace-normalised, so a cell kept with its leading tab (see _clean) hashes as before
    key = json.dumps([_normalised(text), _normalised(speaker), str(date) if date else None, _normalised(source),
                      _normalised(url)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _name(value: Any) -> str | None:
    """The name of a schema.org Person/Organization (an object, a list of them, or plain text)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return str(value).strip() or None if value else None


def _claim_reviews(node: Any) -> list[dict[str, Any]]:
    """Every ClaimReview object in a JSON-LD document (a list, an object, or an ``@graph``)."""
    if isinstance(node, list):
        return [review for item in node for review in _claim_reviews(item)]
    if not isinstance(node, dict):
        return []
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    found = [node] if "ClaimReview" in kinds else []
    if "@graph" in node:
        found += _claim_reviews(node["@graph"])
    return found


def claimreview_records(data: bytes, origin: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """schema.org ClaimReview JSON-LD (as fact-checkers publish it, and as claimdesk exports it) as
    archive records: the claim reviewed, its author and date, the review's link, rating and publisher.

    Each record's "line" is its position (1-based) among the ClaimReview objects of the file.
    """
    text = decode_text(data, origin)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecordError(f"invalid JSON: {exc.msg}", source=origin, line=exc.lineno) from None
    except RecursionError:
        raise BadRecordError("the JSON is nested too deeply", source=origin) from None
    reviews = _claim_reviews(document)
    if not reviews:
        raise EmptyInputError("no schema.org ClaimReview objects in this JSON-LD file", source=origin)
    records = []
    for position, review in enumerate(reviews, start=1):
        item = review.get("itemReviewed") if isinstance(review.get("itemReviewed"), dict) else {}
        rating = review.get("reviewRating") if isinstance(review.get("reviewRating"), dict) else {}
        records.append((position, {
            "text": review.get("claimReviewed"),
            "speaker": _name(item.get("author")),
            "date": item.get("datePublished") or review.get("datePublished"),
            "url": review.get("url"),
            "rating": rating.get("alternateName"),
            "source": _name(review.get("author")),
        }))
    return ["text", "speaker", "date", "url", "rating", "source"], records


def read_statements(data: bytes, origin: str,
                    overrides: Mapping[str, Verdict] | None = None, *,
                    max_statement_chars: int = MAX_STATEMENT_CHARS) -> ArchiveRows:
    """The statements in an archive file, each with its verdict mapped; all rows or an error.

    The error names the file and the line: a bad record, an unknown verdict, a statement longer
    than :data:`MAX_STATEMENT_CHARS`, and whatever :func:`~claims.readers.read_records` refuses
    (a file over :data:`~claims.readers.MAX_FILE_BYTES`, binary data, text that is not UTF-8).
    """
    if origin.lower().endswith((".json", ".jsonld")):
        columns, records = claimreview_records(data, origin)
    else:
        columns, records = read_records(data, origin)
    text_col = require_text_column(columns, origin)
    speaker_col = pick_column(columns, _SPEAKER_COLUMNS)
    date_col = pick_column(columns, _DATE_COLUMNS)
    source_col = pick_column(columns, _SOURCE_COLUMNS)
    url_col = pick_column(columns, _URL_COLUMNS)
    verdict_col = pick_column(columns, ("verdict",))
    rating_col = pick_column(columns, _RATING_COLUMNS)
    known = {c for c in (text_col, speaker_col, date_col, source_col, url_col, verdict_col, rating_col) if c}

    rows, unmapped, dropped_links = [], {}, 0
    for line, record in records:
        text = _clean(record.get(text_col))
        if text is None:
            raise BadRecordError(f"the {text_col!r} value is empty", source=origin, line=line)
        if len(text) > max_statement_chars:
            raise BadRecordError(f"the statement has {len(text):,} characters; an archive statement may have at "
                                 f"most {max_statement_chars:,}", source=origin, line=line)
        rating = _clean(record.get(rating_col)) if rating_col else None
        verdict_word = _clean(record.get(verdict_col)) if verdict_col else None
        verdict = map_rating(verdict_word, overrides) if verdict_word else None
        if verdict_word and verdict is None:
            raise BadRecordError(f"unknown verdict {verdict_word!r}: use supported, disputed or unverified, "
                                 "or map it with --verdict-map", source=origin, line=line)
        if verdict is None and rating:
            verdict = map_rating(rating, overrides)
            if verdict is None:
                unmapped[rating] = None
        speaker = _clean(record.get(speaker_col)) if speaker_col else None
        stated_on = parse_date(record.get(date_col), origin=origin, line=line) if date_col else None
        source = _clean(record.get(source_col)) if source_col else None
        link = _clean(record.get(url_col)) if url_col else None
        url = safe_url(link) if link else None
        dropped_links += bool(link and url is None)
        extra = {k: strip_invisible(v) if isinstance(v, str) else v
                 for k, v in record.items() if k not in known and v not in (None, "")}
        rows.append({
            "row_hash": _row_hash(text, speaker, stated_on, source, url),
            "text": text, "text_hash": text_hash(text), "speaker": speaker, "stated_on": stated_on,
            "source": source, "url": url, "rating": rating or verdict_word,
            "verdict": verdict.value if verdict else None, "claim_id": None,
            "extra": json.dumps(extra, sort_keys=True, default=str),
        })
    if not rows:
        raise EmptyInputError("the archive has a header but no rows", source=origin)
    return ArchiveRows(rows=rows, unmapped=tuple(unmapped), dropped_links=dropped_links)


def _normalised(value: str | None) -> str | None:
    return " ".join(value.split()) if value is not None else None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    # invisible characters removed (JSON escapes are decoded only now); whitespace runs made one space,
    # but "\t=cmd|..." keeps its tab: cleaning must not make a formula
    text = strip_cell(strip_invisible(str(value)), collapse=True)
    return text or None
