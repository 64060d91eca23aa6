"""Split news articles, transcripts and posts into sentences with character offsets.

Every :class:`~claims.models.Sentence` returned by :func:`segment` satisfies
``text[s.start:s.end] == s.text``, so the review screen can highlight a claim inside its
document and the store can keep offsets instead of copies.

How a text is cut:

1. **Paragraphs.** Each non-blank line is a paragraph (news articles put one paragraph per
   line and the headline on the first line). A hard-wrapped line, one that does not end a
   sentence and is followed by a line starting in lower case, is joined to the next.
2. **Boilerplate.** Whole lines such as ``SEE ALSO:``, ``READ MORE: ...``, ``Advertisement``,
   ``Subscribe ...``, bylines (``By Jane Doe``), copyright notices and bare URLs are dropped.
3. **Datelines.** A leading ``JAKARTA -``, ``WASHINGTON (Reuters) -`` or
   ``LONDON, March 3 —`` is cut off, so the first sentence starts after it.
4. **Sentences.** The maintained rule-based splitter ``pysbd`` (English, non-destructive) cuts
   each paragraph; it keeps abbreviations (U.S., Jan., Mr., Gov., Dr.), decimal numbers and
   quotations intact. Its pieces are then repaired: a piece glued to the previous one with
   no space between them (``D-Mass.`` + ``, said``; a URL cut at ``?``) or one that starts in
   lower case is merged back, and a quotation left open is merged with the pieces up to its
   closing mark. Offsets are computed here by searching forward in the paragraph, never
   taken from pysbd.
5. **Transcripts.** When at least two lines open with a speaker label (``COOPER: ...``), the
   labels are cut off the sentences; :func:`transcript_turns` says who speaks where.
"""

from __future__ import annotations

import bisect
import re

import pysbd

from claims.models import Sentence

__all__ = [
    "segment",
    "split_paragraphs",
    "is_boilerplate",
    "dateline_length",
    "transcript_label",
    "transcript_turns",
    "headline_span",
    "is_headline",
]

# A line ends a sentence when its last visible character is one of these (closing quotes and
# brackets may follow the punctuation); otherwise a lower-case next line continues it.
_SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*\s*$""")

# A wrapped line goes on with a lower-case word (not a link such as "https://...").
_CONTINUATION = re.compile(r"(?!https?:|www\.)[a-z]")

_BOILERPLATE = [
    # Link lists and labels that introduce another story, not this one.
    re.compile(
        r"^(?:see also|read more|read also|also read|related(?: articles?| stories| coverage)?|"
        r"more from [^:]{1,40}|recommended(?: reading)?|editor'?s picks?|watch|listen)\s*:.*$",
        re.I,
    ),
    re.compile(r"^(?:advertisement|sponsored(?: content)?|story continues below(?: advertisement)?)$", re.I),
    re.compile(r"^(?:subscribe|sign up|click here|tap here|follow us|share this|download our app)\b.*$", re.I),
    re.compile(r"^(?:©|\(c\)|copyright\b).*$", re.I),
    re.compile(r"^.*\ball rights reserved\b.*$", re.I),
    re.compile(r"^(?:photo|image|picture)(?: credit)?\s*:.*$", re.I),
    # A line that is only a link.
    re.compile(r"^<?(?:https?://|www\.)\S+>?$", re.I),
]

_NAME = r"(?:[A-Z][A-Za-z'’.-]*)"
_BYLINE = re.compile(
    rf"^By\s+{_NAME}(?:\s+{_NAME}){{0,3}}"
    rf"(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_NAME}(?:\s+{_NAME}){{0,3}})*"
    r"(?:\s*[,|•·–—-]\s*[^.!?]{0,60})?$"
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = rf"(?:,?\s+{_MONTH}\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?)"
_AGENCY = r"(?:\s*\([A-Za-z][A-Za-z&.' ]{1,30}\))"
_DASH = r"(?:\s*[-–—]+\s+|\s*[–—]\s*|\s+-(?=\S))"
_REGION = r"(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2})"
_DATELINE = re.compile(
    r"^(?:"
    # An upper-case place (JAKARTA, NEW YORK, ST. LOUIS), optional region, date and agency.
    rf"[A-Z][A-Z.'’-]{{2,}}(?:\s+[A-Z][A-Z.'’-]+){{0,3}}{_REGION}?{_DATE}?{_AGENCY}?"
    r"|"
    # A Title-case place needs a date or an agency to be told from a sentence subject.
    rf"[A-Z][a-z]+(?:\s+[A-Z][a-z]+){{0,2}}{_REGION}?(?:{_DATE}{_AGENCY}?|{_AGENCY})"
    rf"){_DASH}"
)


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the paragraphs of ``text``, trimmed of surrounding space.

    A paragraph is a non-blank line; a line that does not end a sentence and is followed by a
    line starting in lower case (hard-wrapped text) runs on into it.
    """
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]+", text)]
    spans: list[tuple[int, int]] = []
    for start, end in lines:
        stripped = text[start:end]
        if not stripped.strip():
            continue
        lead = len(stripped) - len(stripped.lstrip())
        trail = len(stripped) - len(stripped.rstrip())
        start, end = start + lead, end - trail
        if spans:
            prev_start, prev_end = spans[-1]
            gap = text[prev_end:start]
            joins = (
                gap.count("\n") <= 1
                and not _SENTENCE_END.search(text[prev_start:prev_end])
                and _CONTINUATION.match(text, start) is not None
                and not is_boilerplate(text[prev_start:prev_end])
                and not is_boilerplate(text[start:end])
            )
            if joins:
                spans[-1] = (prev_start, end)
                continue
        spans.append((start, end))
    return spans


def is_boilerplate(line: str) -> bool:
    """Whether a line or sentence is page furniture (link labels, bylines, ads, copyright, URLs)."""
    line = line.strip()
    if not line:
        return True
    if any(p.match(line) for p in _BOILERPLATE):
        return True
    return len(line) <= 100 and bool(_BYLINE.match(line))


# "ANDERSON COOPER:", "SEN. JOHN SMITH (R-TX):", "Joe Biden:" at the start of a line.
_LABEL = re.compile(
    r"(?P<name>[A-Z][A-Z.'’-]*(?:[ ][A-Z][A-Z.'’-]*){0,3}"
    r"|[A-Z][a-z.'’-]+(?:[ ](?:[A-Z][A-Za-z.'’-]+|de|van|von|bin|al)){0,3})"
    r"(?:[ ]\([^()]{1,20}\))?[ ]?:[ ]+(?=\S)"
)
_NOT_LABELS = {
    "note", "update", "updated", "editor's note", "editor’s note", "correction", "source", "sources",
    "photo", "video", "watch", "listen", "breaking", "exclusive", "analysis", "opinion", "comment",
    "warning", "disclaimer", "summary", "transcript", "see also", "read more", "related", "tags",
    "topics", "posted", "published", "date", "time", "location", "subject", "re", "fwd", "to", "from", "cc",
    "key points", "background", "context", "pictured", "caption", "credit", "image", "contact", "email",
    "tel", "phone", "fax", "web", "website", "twitter", "facebook", "follow", "tip", "tips", "important",
}


def transcript_label(line: str) -> tuple[str | None, int]:
    """The speaker named by a transcript label at the start of ``line`` and the label's length.

    A label is a name in capitals or Title Case, optionally with a short parenthesis such as a
    party, followed by a colon and the words spoken: ``"COOPER: Good evening."`` gives
    ``("COOPER", 8)``. Words such as ``Note:`` or ``Update:`` are not speakers; a line without
    a label gives ``(None, 0)``.
    """
    m = _LABEL.match(line)
    if not m:
        return None, 0
    name = m.group("name").strip()
    if name.lower() in _NOT_LABELS or (len(name) < 2 and name not in {"Q", "A"}):
        return None, 0
    return name, m.end()


def dateline_length(paragraph: str) -> int:
    """How many leading characters of ``paragraph`` are a dateline such as ``JAKARTA -``; 0 if none.

    The dateline is only cut when a sentence follows it.
    """
    m = _DATELINE.match(paragraph)
    if not m or not paragraph[m.end():].strip():
        return 0
    return m.end()


def headline_span(text: str) -> tuple[int, int] | None:
    """The span of the first line when it reads as a title, else None.

    A title is the first line that is not boilerplate, in a text with more lines after it; it
    has at most 30 words, does not end with a full stop or colon (so a one-line post or a
    first paragraph is not a headline, while "Will China Help Russia?" is) and is not a
    transcript turn.
    """
    paragraphs = [
        (start, end, speaker)
        for start, end, speaker in transcript_turns(text)
        if not is_boilerplate(text[start:end])
    ]
    if len(paragraphs) < 2:
        return None
    start, end, speaker = paragraphs[0]
    first = text[start:end]
    if speaker is not None or "\n" in first or "\r" in first:
        return None
    if re.search(r"""[.:;,]["'”’)\]]*$""", first) or len(first.split()) > 30:
        return None
    return start, end


def is_headline(sentence: Sentence, text: str) -> bool:
    """Whether ``sentence`` (from :func:`segment` of ``text``) lies in the text's headline."""
    span = headline_span(text)
    return span is not None and span[0] <= sentence.start and sentence.end <= span[1]


def transcript_turns(text: str) -> list[tuple[int, int, str | None]]:
    """The paragraphs of ``text`` as ``(start, end, speaker)``, with transcript labels cut off.

    A text is a transcript when at least two of its paragraphs open with a label
    (``COOPER: ...``, see :func:`transcript_label`); then each labelled paragraph starts
    after its label, and an unlabelled one continues the turn of the last speaker. In any
    other text no label is cut (``Beijing: talks resume`` stays a headline) and every
    speaker is None.
    """
    spans = split_paragraphs(text)
    labels = [transcript_label(text[start:end]) for start, end in spans]
    if sum(1 for name, _ in labels if name) < 2:
        return [(start, end, None) for start, end in spans]
    turns: list[tuple[int, int, str | None]] = []
    speaker: str | None = None
    for (start, end), (name, length) in zip(spans, labels):
        if name:
            speaker = name
        turns.append((start + length, end, speaker))
    return turns


def segment(text: str) -> list[Sentence]:
    """The sentences of ``text``, in order, with boilerplate dropped and datelines cut off.

    Returns one :class:`Sentence` per sentence, with ``text[s.start:s.end] == s.text``; an
    empty or blank text gives an empty list. In a transcript the ``SPEAKER:`` labels are
    not part of the sentences.
    """
    sentences: list[Sentence] = []
    for start, end, _speaker in transcript_turns(text):
        paragraph = text[start:end]
        if is_boilerplate(paragraph):
            continue
        skip = dateline_length(paragraph)
        for s_start, s_end in _split_sentences(paragraph, skip):
            piece = paragraph[s_start:s_end]
            if is_boilerplate(piece):
                continue
            sentences.append(Sentence(piece, start + s_start, start + s_end))
    return sentences


# pysbd takes time quadratic in its input; a long paragraph (a whole article on one line) is
# fed to it a window at a time.
_WINDOW = 2000


def _split_sentences(paragraph: str, begin: int) -> list[tuple[int, int]]:
    """Sentence spans of ``paragraph[begin:]``, relative to ``paragraph``."""
    # pysbd sees a copy with line breaks turned into spaces (same length, so the offsets
    # found in it hold for the original); a wrapped line must not end a sentence.
    flat = re.sub(r"[\r\n]", " ", paragraph)
    spans: list[tuple[int, int]] = []
    cursor = begin
    while cursor < len(flat):
        stop = min(len(flat), cursor + _WINDOW)
        window = _pysbd_spans(flat, cursor, stop)
        if stop < len(flat) and len(window) > 1:
            # The window's last sentence may be cut short: split again from its start.
            window.pop()
            stop = window[-1][1]
        spans.extend(window)
        cursor = stop
    return _repair(flat, spans)


def _pysbd_spans(flat: str, start: int, stop: int) -> list[tuple[int, int]]:
    """The spans of the sentences pysbd finds in ``flat[start:stop]``, located by search."""
    pieces = pysbd.Segmenter(language="en", clean=False).segment(flat[start:stop])
    spans: list[tuple[int, int]] = []
    cursor = start
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = flat.find(piece, cursor, stop)
        if found < 0:
            # pysbd changed the text after all: keep the rest whole rather than guess offsets.
            break
        spans.append((found, found + len(piece)))
        cursor = found + len(piece)
    rest = flat[cursor:stop]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        spans.append((cursor + lead, cursor + len(rest.rstrip())))
    return spans


# A quotation merged across pysbd's cuts stays under this length, so a stray opening mark
# cannot swallow the rest of a long paragraph.
_MAX_QUOTED = 1000


def _repair(flat: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge pieces pysbd cut wrongly: glued pieces, lower-case starts, open quotations."""
    straight = [i for i, ch in enumerate(flat) if ch == '"']
    last_curly_close = flat.rfind("”")
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged:
            prev_start, prev_end = merged[-1]
            glued = prev_end == start
            continues = flat[start].islower() or flat[start] in ",;)]"
            quoting = (
                end - prev_start <= _MAX_QUOTED
                and _quote_open(flat[prev_start:prev_end])
                # Closed later: by a curly mark, or by an odd number of straight ones (the
                # closing one plus balanced pairs); otherwise the open mark is a stray.
                and (last_curly_close >= start or (len(straight) - bisect.bisect_left(straight, start)) % 2 == 1)
            )
            if glued or continues or quoting:
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged


def _quote_open(piece: str) -> bool:
    """Whether ``piece`` leaves a quotation open (curly quotes, or an odd number of straight ones)."""
    return piece.count("“") > piece.count("”") or piece.count('"') % 2 == 1
