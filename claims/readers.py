"""Readers that turn uploaded bytes into plain documents and records.

Every reader takes bytes and a name (the upload's or the file's), never a path, so the CLI and
the UI share them. Problems raise an :class:`~claims.errors.InputError` subclass that names the
file and the line: empty input, binary data, text that is not UTF-8, a batch without a text
column, a CSV row or JSONL line that cannot be parsed.

Supported document formats: ``.txt``, ``.md``, ``.html``/``.htm`` (one document each; a ``.txt``
whose lines start ``SPEAKER:`` is a transcript), ``.tsv`` debate transcripts (``line <TAB> speaker <TAB>
sentence``, as in CLEF CheckThat! 2B; one document) and ``.csv``/``.jsonl`` batches of posts (one
document per row, text column required).

The readers expect hostile files (see ``tests/test_hostile.py``): the whole input is checked for
NUL bytes, an image or PDF renamed to ``.txt`` is named as such, UTF-16 needs its byte-order mark,
a CSV quote that is never closed is an error at its row, a file over :data:`MAX_FILE_BYTES` is
refused before it is decoded, the content of ``<script>``, ``<style>`` and ``<iframe>`` never
becomes text, zero-width and bidirectional-override characters are removed
(:func:`claims.safety.strip_invisible`), and a row's link must be http(s).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import Any

from claims.errors import (
    BadRecordError,
    BinaryInputError,
    EmptyInputError,
    EncodingError,
    InputError,
    InputTooLargeError,
    MissingColumnError,
    UnsupportedFormatError,
)
from claims.models import SourceText
from claims.safety import safe_url, strip_cell, strip_invisible

__all__ = [
    "DOCUMENT_FORMATS",
    "RECORD_FORMATS",
    "MAX_FILE_BYTES",
    "MAX_ROW_CHARS",
    "TEXT_COLUMNS",
    "content_hash",
    "decode_text",
    "read_utf8_file",
    "read_records",
    "pick_column",
    "require_text_column",
    "parse_date",
    "parse_loose_date",
    "read_documents",
    "pasted_document",
    "html_to_text",
    "markdown_to_text",
]

DOCUMENT_FORMATS = (".txt", ".md", ".markdown", ".html", ".htm", ".tsv", ".csv", ".jsonl")
RECORD_FORMATS = (".csv", ".jsonl")
TEXT_COLUMNS = ("text", "claim", "statement", "content", "body", "post", "tweet", "vclaim")
_SPEAKER_COLUMNS = ("speaker", "author", "claimant", "user", "username")
_DATE_COLUMNS = ("date", "published", "created_at", "claim_date", "stated_on")
_TITLE_COLUMNS = ("title", "headline")
_URL_COLUMNS = ("url", "link")
_SOURCE_COLUMNS = ("source", "publisher", "outlet", "platform")


def content_hash(data: bytes | str) -> str:
    """sha256 of the content: what makes re-ingesting or re-importing the same file a no-op."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def read_utf8_file(path: str | Path) -> str:
    """The text of a UTF-8 file (a BOM is dropped): data files of the benchmarks and training.

    InputError when the file is absent, EncodingError naming the line when it is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", source=str(path))
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingError("not UTF-8 text", source=str(path), line=data[:exc.start].count(b"\n") + 1) from None


MAX_FILE_BYTES = 50 * 1024 * 1024
"""The largest file the readers accept (50 MB), checked before anything is decoded."""

MAX_ROW_CHARS = 200_000
"""The longest text one row of a batch of posts may have, in characters."""

# What a binary file renamed to .txt usually is: its first bytes ("magic numbers") say so.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx, .xlsx or .odt document)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc, .xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _check_file_size(data: bytes, origin: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise InputTooLargeError(
            f"the file has {len(data):,} bytes; claimdesk reads files of at most {MAX_FILE_BYTES:,} bytes "
            f"({MAX_FILE_BYTES // (1024 * 1024)} MB). Split it into parts", source=origin)


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _bomless_utf16(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the start of ``data`` reads as UTF-16 without a byte-order
    mark (every other byte NUL, as Latin letters, digits and spaces are in UTF-16); else None."""
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4 or data.startswith(b"\xef\xbb\xbf"):  # short, or marked as UTF-8
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for codec, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= half * 0.1 and others <= half * 0.02:
            try:
                text = sample.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(_CONTROL.findall(text)) <= max(2, len(text) // 50):
                return codec
    return None


def _decode(data: bytes, origin: str) -> str:
    """The text of ``data``: UTF-8, or UTF-16/UTF-32 with a byte-order mark; an error for anything else."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BinaryInputError(f"this is a binary file, not text: it looks like {kind}", source=origin)
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(codec)
            except UnicodeDecodeError as exc:
                line = body[: exc.start].decode(codec, errors="replace").count("\n") + 1
                raise EncodingError(f"not valid {name} (at byte {exc.start + len(bom)}); save the file as UTF-8 "
                                    "and try again", source=origin, line=line) from None
    if _bomless_utf16(data):
        raise EncodingError("this looks like UTF-16 without a byte-order mark; save it as UTF-8 and try again",
                            source=origin)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BinaryInputError("this is a binary file, not text (it contains a NUL byte)", source=origin,
                               line=_line_at(data, nul))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 and try again", source=origin, line=_line_at(data, exc.start)) from None


def decode_text(data: bytes, origin: str) -> str:
    """The text of an uploaded file, with the characters a reader cannot see removed.

    UTF-8 (a BOM is dropped), or UTF-16/UTF-32 with a byte-order mark. Invisible characters
    (zero-width, bidirectional overrides, a few stray control characters) are removed, see
    :func:`claims.safety.strip_invisible`. A clear error, naming the file and where known the
    line, for a file over :data:`MAX_FILE_BYTES`, an empty or whitespace-only file, a binary file
    (a NUL byte anywhere, many control characters, an image or PDF renamed to ``.txt``), UTF-16
    without a byte-order mark, and text that is not UTF-8 (Latin-1, Windows-1252).
    """
    _check_file_size(data, origin)
    if not data.strip():
        raise EmptyInputError("the file is empty", source=origin)
    text = _decode(data, origin)
    if (nul := text.find("\x00")) >= 0:
        raise BinaryInputError("this is a binary file, not text (it contains a NUL character)", source=origin,
                               line=text.count("\n", 0, nul) + 1)
    if first := _CONTROL.search(text):
        if sum(1 for _ in _CONTROL.finditer(text)) > max(8, len(text) // 50):
            raise BinaryInputError("this looks like a binary file, not text (control characters)", source=origin,
                                   line=text.count("\n", 0, first.start()) + 1)
    text = strip_invisible(text)
    if not text.strip():
        raise EmptyInputError("the file is empty" if not text else "the file holds only whitespace",
                              source=origin)
    return text


def _lines(text: str) -> list[str]:
    # Only CR and LF end a line, as in an editor: str.splitlines() also splits at U+2028, U+0085
    # and others, which JSON strings may hold, and would break a valid JSONL record in two.
    return _LINE_BREAK.split(text)


def read_records(data: bytes, origin: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Columns and (line number, record) pairs of a ``.csv``, ``.tsv`` or ``.jsonl`` file.

    CSV keys are the header's names; a JSONL file's columns are the union of its objects' keys.
    """
    suffix = PurePath(origin).suffix.lower()
    text = decode_text(data, origin)
    if suffix == ".csv":
        return _csv_records(text, origin)
    if suffix == ".tsv":
        return _csv_records(text, origin, delimiter="\t")
    if suffix == ".jsonl":
        return _jsonl_records(text, origin)
    raise UnsupportedFormatError(f"expected a .csv, .tsv or .jsonl file, got {suffix or 'no extension'}",
                                 source=origin)


def _csv_error(exc: csv.Error, origin: str, line: int) -> BadRecordError:
    """A csv module error as a message a user can act on, at the line where the row begins."""
    message = str(exc)
    if "unexpected end of data" in message:
        problem = ("a quoted cell in the row starting here is never closed (a \" is missing), so the rest of "
                   "the file would be read as one cell")
    elif "expected after" in message:
        problem = ("a quoted cell in the row starting here goes on after its closing quote: a \" is missing, or "
                   "a \" inside a quoted cell is not doubled (\"\")")
    elif "field larger than field limit" in message:
        problem = (f"a cell in the row starting here is longer than {csv.field_size_limit():,} characters, the "
                   "most a CSV cell may hold")
    else:
        problem = f"cannot parse the CSV: {message}"
    return BadRecordError(problem, source=origin, line=line)


def _csv_records(text: str, origin: str,
                 delimiter: str = ",") -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    # strict: a quote that is never closed is an error at its row, not the rest of the file as one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise _csv_error(exc, origin, 1) from None
    columns = [h.strip() for h in header]
    if not any(columns):
        raise MissingColumnError("the CSV header row is empty", source=origin, line=1)
    records = []
    line = reader.line_num
    try:
        for row in reader:
            start_line = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                raise BadRecordError(f"the row has {len(row)} fields but the header has {len(columns)}",
                                     source=origin, line=start_line)
            records.append((start_line, dict(zip(columns, row + [""] * (len(columns) - len(row))))))
    except csv.Error as exc:
        raise _csv_error(exc, origin, line + 1) from None
    return columns, records


def _jsonl_records(text: str, origin: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    records, columns = [], {}
    for number, raw in enumerate(_lines(text), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRecordError(f"invalid JSON: {exc.msg} (column {exc.colno})", source=origin,
                                 line=number) from None
        except RecursionError:
            raise BadRecordError("invalid JSON: nested too deeply", source=origin, line=number) from None
        if not isinstance(value, dict):
            raise BadRecordError(f"expected a JSON object, got {type(value).__name__}", source=origin,
                                 line=number)
        columns.update(dict.fromkeys(value))
        records.append((number, value))
    return list(columns), records


def pick_column(columns: Sequence[str], candidates: Iterable[str]) -> str | None:
    """The first column whose name matches a candidate, ignoring case; None if none does."""
    by_lower = {c.lower().strip(): c for c in columns}
    for name in candidates:
        if name in by_lower:
            return by_lower[name]
    return None


def require_text_column(columns: Sequence[str], origin: str) -> str:
    """The name of the text column; MissingColumnError (on the CSV header line) when there is none."""
    text_col = pick_column(columns, TEXT_COLUMNS)
    if text_col is None:
        raise MissingColumnError(
            f"no text column: expected one of {', '.join(TEXT_COLUMNS)}; found {', '.join(columns) or 'none'}",
            source=origin, line=1 if PurePath(origin).suffix.lower() == ".csv" else None)
    return text_col


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_FIRST = re.compile(r"\b([A-Z][a-z]+)\.? (\d{1,2}), (\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]+) (\d{4})\b")


def _make_date(year: str, month: str, day: str) -> dt.date | None:
    word = month.lower()
    # a full month name or an abbreviation of one ("Sept", "Oct"); anything else is no month
    number = next((n for name, n in _MONTHS.items() if len(word) >= 3 and name.startswith(word)), None)
    try:
        return dt.date(int(year), number, int(day)) if number else None
    except ValueError:
        return None


def parse_loose_date(text: str) -> dt.date | None:
    """The first ``Month D, YYYY`` or ``D Month YYYY`` date in a text, or None."""
    if found := _MONTH_FIRST.search(text):
        return _make_date(found.group(3), found.group(1), found.group(2))
    if found := _DAY_FIRST.search(text):
        return _make_date(found.group(3), found.group(2), found.group(1))
    return None


def parse_date(value: Any, *, origin: str, line: int | None = None) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, an ISO 8601 timestamp, or a written date inside the text
    (``stated on October 22, 2019 in a mailer``, ``3 March 2022``); None for empty; an error otherwise."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    written = parse_loose_date(text)
    if written is None:
        raise BadRecordError(f"cannot read the date {text!r}: use YYYY-MM-DD", source=origin, line=line)
    return written


def _cell(record: dict[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = record.get(column)
    if value is None:
        return None
    # JSON escapes ("\u202e") are decoded only now, so invisible characters are removed again; trimmed,
    # but "\t=cmd|..." stays as given: trimming must not turn a cell into a formula
    text = strip_cell(strip_invisible(str(value)))
    return text or None


# -- document formats ----------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote",
               "section", "article", "header", "pre", "figcaption", "dd", "dt", "table"}
# Code, styles, embedded frames and fallback content a browser does not show as text, and page furniture
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "object", "applet", "noembed", "noframes", "template",
              "canvas", "nav", "footer", "aside", "form", "svg", "math", "head"}
# A browser ignores the "/" of "<script/>": what follows is still script, up to "</script>"
_NEVER_SELF_CLOSING = {"script", "style", "noscript", "iframe", "noembed", "noframes", "template"}
_HEAD_TAGS = {"title", "meta", "link", "style", "script", "noscript", "base", "template"}


class _TextExtractor(HTMLParser):
    """Collects the text a reader sees: never the content of script, style, iframe and the like, never
    an attribute (``onerror=``, ``onclick=`` and other event handlers are dropped with their tags)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skipping: list[str] = []  # the open skipped elements, innermost last
        self._in_title = False

    def _leave_head(self) -> None:
        # a page that never closes <head> still has a body: body content closes the head, as in a browser
        if "head" in self._skipping:
            self._skipping.remove("head")

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in _HEAD_TAGS and tag != "head":
            self._leave_head()
        if tag == "title":
            self._in_title = all(t == "head" for t in self._skipping)
        elif tag in _SKIP_TAGS:
            self._skipping.append(tag)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _NEVER_SELF_CLOSING:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._skipping:
            while self._skipping.pop() != tag:
                pass
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif self._skipping == ["head"] and data.strip():
            self._leave_head()
            self.parts.append(data)
        elif not self._skipping:
            self.parts.append(data)


def _tidy_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> tuple[str, str | None]:
    """The visible text of an HTML page, one block per line, and its <title> if any.

    The content of ``<script>``, ``<style>``, ``<iframe>``, ``<noscript>``, ``<template>`` and
    other elements a browser does not show as text is dropped, and so are all attributes, event
    handlers included; invisible characters written as character references (``&#x202E;``) are
    removed like those in the file.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    title = " ".join(strip_invisible("".join(parser.title_parts)).split()) or None
    return _tidy_lines(strip_invisible("".join(parser.parts))), title


_MD_RULES = [
    (re.compile(r"^```.*?^```", re.M | re.S), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),
    (re.compile(r"^\s*[-*+]\s+", re.M), ""),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"^\s*([-*_]\s*){3,}$", re.M), ""),
]


def markdown_to_text(md: str) -> str:
    """Markdown with its markup removed: headings, emphasis, links (their text kept), code fences."""
    text = md
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return _tidy_lines(text)


def _title_from_text(text: str, fallback: str) -> str:
    first = next((strip_cell(line) for line in text.splitlines() if line.strip()), "")
    if first and len(first) <= 200 and not first.endswith((".", "?", "!", '"', "”")):
        return first
    return fallback


def pasted_document(text: str, *, title: str | None = None, source: str | None = None,
                    url: str | None = None, published: dt.date | None = None,
                    speaker: str | None = None) -> SourceText:
    """A document from text pasted into the UI (invisible characters removed, as from a file)."""
    text = strip_invisible(text)
    if not text.strip():
        raise EmptyInputError("the pasted text is empty", source="pasted text")
    return SourceText(text=text, title=title or _title_from_text(text, "Pasted text"), origin="pasted text",
                      kind="article", source=source, url=url, published=published, speaker=speaker)


def read_documents(data: bytes, origin: str, *, source: str | None = None, url: str | None = None,
                   published: dt.date | None = None) -> list[SourceText]:
    """The documents in one uploaded file: one for an article, one per row for a batch of posts.

    ``source``, ``url`` and ``published`` fill in what a batch row does not say itself. A file
    over :data:`MAX_FILE_BYTES` is refused before it is decoded, a row whose text is longer than
    :data:`MAX_ROW_CHARS` is refused by its line; a row's link that is not a plain http(s) URL
    (``javascript:``, ``file://``, ``data:``) is dropped, as if the cell were empty.
    """
    _check_file_size(data, origin)
    suffix = PurePath(origin).suffix.lower()
    stem = PurePath(origin).stem
    if suffix not in DOCUMENT_FORMATS:
        supported = ", ".join(DOCUMENT_FORMATS)
        raise UnsupportedFormatError(f"cannot read {suffix or 'files without an extension'}: "
                                     f"supported formats are {supported}", source=origin)
    if suffix in RECORD_FORMATS:
        return _read_posts(data, origin, source=source, url=url, published=published)
    if suffix == ".tsv":
        return [_read_transcript_tsv(data, origin, source=source, url=url, published=published)]
    text = decode_text(data, origin)
    title = None
    if suffix in (".html", ".htm"):
        text, title = html_to_text(text)
    elif suffix in (".md", ".markdown"):
        text = markdown_to_text(text)
    if not text.strip():
        raise EmptyInputError("the file holds no readable text", source=origin)
    return [SourceText(text=text, title=title or _title_from_text(text, stem), origin=origin,
                       kind="article", source=source, url=url, published=published)]


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


def _read_transcript_tsv(data: bytes, origin: str, *, source: str | None, url: str | None,
                         published: dt.date | None) -> SourceText:
    """A debate transcript with one ``line <TAB> speaker <TAB> sentence`` row per line.

    The document's text is one ``SPEAKER: sentence`` line per row, so the segmenter attributes
    every sentence to its turn. A date in the file name (``20121023_…``) is the publication date.
    """
    text = decode_text(data, origin)
    lines = []
    for number, raw in enumerate(_lines(text), start=1):
        if not raw.strip():
            continue
        cells = raw.split("\t")
        if len(cells) != 3:
            raise BadRecordError(f"expected 3 tab-separated fields (line number, speaker, sentence), "
                                 f"got {len(cells)}", source=origin, line=number)
        _, speaker, sentence = (c.strip() for c in cells)
        if not speaker or not sentence:
            raise BadRecordError("the speaker or the sentence is empty", source=origin, line=number)
        lines.append(f"{speaker.replace(':', ' ')}: {' '.join(sentence.split())}")
    if published is None:
        found = _DATE_IN_NAME.search(PurePath(origin).stem)
        if found:
            try:
                published = dt.date(*(int(g) for g in found.groups()))
            except ValueError:
                published = None
    stem = PurePath(origin).stem
    return SourceText(text="\n".join(lines), title=stem.replace("_", " "), origin=origin, kind="transcript",
                      source=source, url=url, published=published)


def _read_posts(data: bytes, origin: str, *, source: str | None, url: str | None,
                published: dt.date | None) -> list[SourceText]:
    columns, records = read_records(data, origin)
    text_col = require_text_column(columns, origin)
    speaker_col = pick_column(columns, _SPEAKER_COLUMNS)
    date_col = pick_column(columns, _DATE_COLUMNS)
    title_col = pick_column(columns, _TITLE_COLUMNS)
    url_col = pick_column(columns, _URL_COLUMNS)
    source_col = pick_column(columns, _SOURCE_COLUMNS)
    posts = []
    for line, record in records:
        text = _cell(record, text_col)
        if text is None:
            raise BadRecordError(f"the {text_col!r} value is empty", source=origin, line=line)
        if len(text) > MAX_ROW_CHARS:
            raise BadRecordError(f"the text has {len(text):,} characters; one row may have at most "
                                 f"{MAX_ROW_CHARS:,}. Put a longer text in a file of its own", source=origin,
                                 line=line)
        speaker = _cell(record, speaker_col)
        link = _cell(record, url_col)
        title = _cell(record, title_col) or (f"{speaker}: " if speaker else "") + _shorten(text, 80)
        posts.append(SourceText(
            text=text, title=title, origin=origin, kind="post",
            source=_cell(record, source_col) or source, url=(safe_url(link) if link else None) or url,
            published=parse_date(_cell(record, date_col), origin=origin, line=line) or published,
            speaker=speaker, line=line))
    if not posts:
        raise EmptyInputError("the file has a header but no rows", source=origin)
    return posts


def _shorten(text: str, width: int) -> str:
    flat = strip_cell(text, collapse=True)
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"
