"""Contradiction hints: two claims, or a claim and an earlier statement, that say opposite things.

Hints point a reviewer at the other side; they are not verdicts, so the rules favour precision:

- **A denial of an accusation** in the same document: one sentence asserts something (US officials
  say Russia asked China for military equipment) and another, by someone else, calls it false
  ("The accusations … are false information," Zhao said). A denial is a sentence with a denial cue
  (*false information*, *disinformation*, *denied*, *baseless*, *not true* …); it targets an
  assertion — a reported one (*said*, *reported*, *according to* …), since what gets denied is an
  accusation someone made — whose rarer content words best match the denial and the sentences just
  before it (a denial often names its target there: "Beijing has denounced Washington's accusations
  … that Russia is seeking military assistance"), and that is not itself a denial.
- **A flipped negation** between a claim and an earlier statement that is close to it: the same words,
  but one says *not* (and no number differs, which would be another claim). Measured, not shown: it
  was right about 1 time in 4 against the PolitiFact archive (:data:`SHIPPED_STATEMENT_KINDS`).
- **Opposite numbers** between a claim and an earlier statement about the same thing: a denial by
  quantity against a count ("Russia has not captured any of Ukraine's 10 largest cities" against
  "Russian forces captured five of Ukraine's ten largest cities"), or two values of one measured
  quantity that cannot both hold ("unemployment is 3 percent" against "… 10 percent"), read by
  :func:`quantities` and compared by :func:`opposite_numbers`: the same counted noun and whole, close
  embeddings and wording, the same years and months, one figure on each side.
- **Opposite verdicts** among the earlier statements that are the same claim as this one: the archive
  disagrees with itself, and the reviewer should know.

The claim-vs-statement kinds come from :func:`statement_hints`, over the cards the reviewer sees.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from claims.models import Match, Tier, Verdict
from index.verify import content_words as stemmed_words
from index.verify import names_in, years_in

DENIAL_MIN_WORDS = 4.0
"""The least weight of rare content words a denial and the claim it denies must share."""
DENIAL_MIN_COSINE = 0.45
"""The least cosine between a denial (or its lead-in) and the claim it denies, where both have vectors."""
COSINE_WEIGHT = 5.0
"""How much the cosine counts beside the shared words (chosen on the dev split of the benchmark)."""
DISTANCE_WEIGHT = 0.3
"""The pull towards the nearer claim, per log of sentences between."""

__all__ = ["Hint", "Quantity", "denial_cue", "content_words", "denials_in_document", "negation_flip", "quantities",
           "opposite_numbers", "statement_hints", "SHIPPED_STATEMENT_KINDS"]

_FALSEHOOD = (r"(?:false(?: information| news)?|untrue|not true|baseless|groundless|unfounded|fabricated|"
              r"(?:a )?lies?|disinformation|misinformation|fake(?: news)?|nonsense|slander\w*|smears?)")
_TARGET = r"(?:accusations?|allegations?|claims?|reports?|charges?|assertions?|suggestions?|rumou?rs?|stor(?:y|ies))"
# A denial says of something asserted that it is false: a predicate, not a topic ("efforts to combat
# false news" or "his baseless accusations" deny nothing).
_DENIAL = re.compile(
    r"\b(?:(?:is|are|was|were|it's|that's|this is|these are)\s+(?:all\s+|completely\s+|simply\s+)?" + _FALSEHOOD
    + r"|(?:denied|denies|deny|denying|rejected|rejects|refuted|refutes|denounced|denounces|dismissed|dismisses)"
    r"\s+(?:\w+(?:'s|’s)?\s+){0,3}?" + _TARGET
    + r"|(?:called|calls|described|labell?ed|branded)\s+(?:\w+\s+){0,3}?" + _FALSEHOOD
    # A reported denial ("Obama denied that …", "denied to us that …"); the present "no one denies that"
    # and a first-person "we never …" were tried and raised only false hints on dev.
    + r"|denied\s+(?:\w+\s+){0,2}?(?:that|ever|any|having)"
    + r"|there is no truth|no truth to)\b",
    re.IGNORECASE)
_REPORTED = re.compile(r"\b(?:say|says|said|saying|report(?:s|ed)?|according to|claim(?:s|ed)|alleg(?:es|ed)|"
                       r"accus(?:es|ed)|told|stated|asserted)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_STOP = frozenset("""
a an the and or but if of to in on at by for from with as into onto about over under than then that this these
those it its is are was were be been being has have had do does did will would shall should can could may might
must not no nor so such very just also only said says say told according he she they them their his her we our
you your i me my us who whom whose which what when where why how all any some each every other another more most
many much few own same too there here after before since while during until again further once both either
neither one two three said monday tuesday wednesday thursday friday saturday sunday official officials
spokesman spokeswoman statement press reporters recently earlier later week month year time matter
false information disinformation misinformation accusations accusation allegations allegation claims claim
report reports reported denied denies deny denounced
""".split())


@dataclass(frozen=True)
class Hint:
    """One contradiction hint: the other side (a claim id or a statement id, and its text) and why."""

    kind: str
    """``denial`` | ``negation`` | ``opposite_numbers`` | ``opposite_verdicts``"""
    other_claim_id: int | None
    other_statement_id: int | None
    other_text: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "claim_id": self.other_claim_id, "statement_id": self.other_statement_id,
                "text": self.other_text, "reason": self.reason}


def denial_cue(text: str) -> str | None:
    """The words that make ``text`` a denial ("false information"), or None."""
    found = _DENIAL.search(text)
    return found.group(0) if found else None


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'").removesuffix("'s")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The stems of ``text``'s content words (no function words, no reporting verbs)."""
    return {_stem(w) for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


def denials_in_document(sentences: Sequence[tuple[int, str, str | None, bool]],
                        vectors: Mapping[int, np.ndarray] | None = None, *,
                        min_words: float = DENIAL_MIN_WORDS, min_cosine: float = DENIAL_MIN_COSINE,
                        ) -> dict[int, list[Hint]]:
    """Hints between the sentences of one document: ``(id, text, speaker, is_claim)`` in order.

    Each denial is linked to at most one claim: among the claims before it by another speaker (or
    none), that are not denials themselves nor the denial's own lead-in, the one whose content the
    denial refers to, by two measures over the denial and its lead-in (the two sentences before it on
    the denier's side, where a denial often names what it denies):

    - the rarer content words both share, each weighted by how rare it is in this document (a word in
      every sentence, like the story's countries, says nothing), needing ``min_words``;
    - when ``vectors`` (the stored embeddings, by sentence id; claims have them) cover both sides,
      the cosine of the two, needing ``min_cosine``.

    The best match by words plus cosine wins, with a small pull towards the nearer claim, since
    a denial answers what was just said. Returns, for each claim involved, its hints (both sides of
    a pair get one when the denial is a claim too).
    """
    vectors = vectors or {}
    n = len(sentences)
    words = [content_words(text) for _, text, _, _ in sentences]
    denial = [denial_cue(text) for _, text, _, _ in sentences]
    cue_words = [content_words(cue) if cue else set() for cue in denial]
    frequency: dict[str, int] = {}
    for ws in words:
        for w in ws:
            frequency[w] = frequency.get(w, 0) + 1

    def weight(w: str) -> float:
        return math.log((n + 1) / frequency[w])

    hints: dict[int, list[Hint]] = {}
    for d, (d_id, d_text, d_speaker, d_claim) in enumerate(sentences):
        cue = denial[d]
        if cue is None:
            continue
        lead_in = [i for i in range(max(0, d - 2), d)
                   if denial[i] is not None or not sentences[i][2] or not d_speaker or sentences[i][2] == d_speaker]
        query = [d, *lead_in]
        target_words = (words[d] - cue_words[d]).union(*(words[i] for i in lead_in))
        query_vectors = [vectors[sentences[i][0]] for i in query if sentences[i][0] in vectors]
        best: tuple[float, int, set[str]] | None = None
        for a in range(d - 1, -1, -1):
            a_id, a_text, a_speaker, a_claim = sentences[a]
            if denial[a] is not None or not a_claim or a in lead_in:
                continue  # the denial's own lead-in is what it quotes, not the other side
            if a_speaker and d_speaker and a_speaker == d_speaker:
                continue  # one speaker restating, not two sides
            shared = words[a] & target_words
            overlap = sum(weight(w) for w in shared)
            if overlap < min_words:
                continue
            cosine = max((_cosine(v, vectors[a_id]) for v in query_vectors), default=None) \
                if a_id in vectors else None
            if cosine is not None and cosine < min_cosine:
                continue
            score = overlap / min_words + (cosine or 0.0) * COSINE_WEIGHT - DISTANCE_WEIGHT * math.log1p(d - a)
            if best is None or score > best[0]:
                best = (score, a, shared)
        if best is None:
            continue
        _, a, shared = best
        a_id, a_text = sentences[a][0], sentences[a][1]
        shown = ", ".join(sorted(shared, key=lambda w: -weight(w))[:4])
        hints.setdefault(a_id, []).append(Hint("denial", d_id, None, d_text, f"denied as “{cue}” ({shown})"))
        if d_claim:
            hints.setdefault(d_id, []).append(Hint("denial", a_id, None, a_text, f"this denies it (“{cue}”; {shown})"))
    return hints


def _asserts(text: str) -> bool:
    # A sentence that says something beyond who spoke: at least four content words.
    return len(content_words(text)) >= 4


_NEGATION = re.compile(r"\b(not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[,.]\d+)*")


def _negations(text: str) -> list[re.Match[str]]:
    """The negating words of a text; an instruction's "not to" and a "not only" negate nothing."""
    return [m for m in _NEGATION.finditer(text) if not re.match(r"\s+(?:to|only)\b", text[m.end():], re.IGNORECASE)]


def negation_flip(claim_text: str, statement_text: str, min_shared: float = 0.6) -> bool:
    """Whether the two texts say the same thing but one negates it: most content words shared, a
    negation in one only ("not to" and "not only" are none), and the same numbers."""
    if bool(_negations(claim_text)) == bool(_negations(statement_text)):
        return False
    if set(_NUMBER.findall(claim_text)) != set(_NUMBER.findall(statement_text)):
        return False
    a, b = content_words(claim_text), content_words(statement_text)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= min_shared


# -- opposite numbers ---------------------------------------------------------------------------------

NUMBERS_MIN_SHARED = 0.4
"""The least share of the shorter text's content words (numbers aside) the other must hold."""
NUMBERS_MIN_COSINE = 0.75
"""The least cosine between the two texts' embeddings, where the caller has them."""
MAX_RATIO = 10.0
"""Two non-zero numbers further apart than this factor are taken for numbers of different things."""
RELATIVE_TOLERANCE = 0.02
"""Every number is read as at least this share either side of it ("$55 billion" for $55.6 billion)."""
CONTEXT_TOKENS = 8
"""How many tokens either side of a number are read as its context."""

_NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}
# "one" is left out: "one of the largest", "no one", "one day" count nothing.
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split())
_BOUNDS = (
    ("at most", ("less than", "fewer than", "under", "below", "at most", "up to", "no more than", "as many as")),
    ("at least", ("more than", "over", "above", "at least", "upwards of", "exceeding", "greater than",
                  "in excess of")),
    ("about", ("about", "around", "roughly", "approximately", "nearly", "almost", "some", "close to",
               "an estimated", "estimated")),
)
_CHANGE = frozenset("by rose rise rises risen grew grow grows fell fall falls dropped drop drops increased increase "
                    "increases decreased decrease decreases jumped jump jumps climbed climb cut cuts slashed "
                    "declined decline declines shrank shrink shrinks gained gain gains lost".split())
# Words that end a counted noun phrase ("10 largest cities | since ..."): function words.
_FUNCTION = frozenset("""
a an the and or but if of to in on at by for from with as into onto about over under than then that this these
those it its is are was were be been being has have had do does did will would shall should can could may might
must not no nor so such very just also only who whom whose which what when where why how all any some each every
other another more most many much few own same too there here after before since while during until again once
both either neither per percent cent according said says say told within without across against between among
through toward towards up down out off around nearly almost roughly
""".split())
_DURATIONS = frozenset("second minut hour day week month year decad centuri time".split())
_DETERMINERS = frozenset("the its their his her our your my this these those all".split())
_TOKENS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[A-Za-z]+(?:['’][A-Za-z]+)*|\S")
# A denial by quantity: "has not captured any of …", "not a single …", "none of …", "no new jobs", "zero cases".
_ZERO = re.compile(
    r"\b(?:(?:not|never)\b|\w+n['’]t\b)(?:\s+(?!any\b|a\b|one\b)[A-Za-z]+){0,3}\s+(?:any|a\s+single|one)\b"
    r"|\b(?:none|zero)\b|\bno\b(?!\s+(?:more|less|fewer|longer|one|matter|doubt)\b)", re.IGNORECASE)
_NEGATING = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number a text states and what it counts.

    ``low``..``high`` is the value as a range (rounding, "more than" and "about" widen it); ``noun``
    the counted noun, stemmed (``citi``, ``percent``, ``$``); ``base`` the whole it is a part of
    ("five *of ten* cities": 10); ``change`` whether it is a change ("rose *by* 3 percent") rather
    than a level; ``written`` and ``noun_written`` as the text has them. Durations ("six years as
    mayor") are not read: they are seldom what two claims disagree on.
    """

    low: float
    high: float
    noun: str
    written: str
    noun_written: str
    base: float | None = None
    change: bool = False
    of: str | None = None
    """what a share or an amount is of, stemmed ("12 percent *of the budget*": ``budget``)"""
    context: frozenset[str] = frozenset()
    """the content words (stemmed) around the number: what it is a number of, near it"""

    def fits(self, other: Quantity) -> bool:
        """Whether the two ranges overlap: both could be true of the same thing. Ranges that only
        touch do not ("six" is 5.5-6.5, "seven" 6.5-7.5); a single value ("none") fits a range that holds it."""
        overlap = min(self.high, other.high) - max(self.low, other.low)
        return overlap > 0 or (overlap == 0 and (self.low == self.high or other.low == other.high))

    def comparable(self, other: Quantity) -> bool:
        """Whether the two can be numbers of the same thing: the same counted noun, the same whole
        and "of what" where both say, both a level or both a change, a content word in common near
        the numbers, and (unless one is none) within :data:`MAX_RATIO` of each other: a household's
        $113 bill and a state's $17 billion are not two figures for one amount."""
        if self.noun != other.noun or self.change != other.change or not self.context & other.context:
            return False
        if self.base is not None and other.base is not None and self.base != other.base:
            return False
        if self.of is not None and other.of is not None and self.of != other.of:
            return False
        small, large = sorted((self.size, other.size))
        return small <= 0 or large / small <= MAX_RATIO

    @property
    def size(self) -> float:
        """The value a range stands for: its middle, or its floor when it has no ceiling."""
        return self.low if math.isinf(self.high) else (self.low + self.high) / 2


def _rounding(raw: str, value: float, scale: float) -> float:
    """Half a unit of the last digit written: "3.4" is 3.35-3.45, "10" is 9.5-10.5, "4,300" is 4,250-4,350."""
    digits = raw.replace(",", "")
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1]) * scale
    if scale == 1 and value < 1000:
        return 0.5
    zeros = len(digits) - len(digits.rstrip("0"))
    return 0.5 * 10 ** zeros * scale


_IRREGULAR_PLURALS = frozenset("people children men women cattle feet teeth mice geese".split())


def _plural(word: str) -> bool:
    """Whether a word reads as a plural noun ("cities", "people"), the head of what a number counts."""
    lower = word.lower()
    return lower in _IRREGULAR_PLURALS or (len(lower) > 3 and lower.endswith("s")
                                           and not lower.endswith(("ss", "us", "is", "'s")))


class _Reader:
    """Reads the quantities of one text, token by token (see :func:`quantities`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [(m.group(), m.start(), m.end()) for m in _TOKENS.finditer(text)]
        self.used: set[int] = set()  # the wholes of parts ("of ten cities"): no quantity of their own

    def word(self, i: int) -> str:
        return self.tokens[i][0].lower().replace("’", "'") if 0 <= i < len(self.tokens) else ""

    def number(self, i: int) -> tuple[float, int] | None:
        """The value of the number at token ``i`` and the index after it, or None: digits, or number
        words ("twenty-five") that are not part of a name ("World War Two")."""
        if not 0 <= i < len(self.tokens):
            return None
        token = self.tokens[i][0]
        if token[0].isdigit():
            return float(token.replace(",", "")), i + 1
        value = _NUMBER_WORDS.get(token.lower())
        if value is None or (token[0].isupper() and i > 0 and self.tokens[i - 1][0] not in '.!?"“:;('):
            return None
        if 20 <= value < 100 and self.word(i + 1) == "-" and 0 < _NUMBER_WORDS.get(self.word(i + 2), 10) < 10:
            return float(value + _NUMBER_WORDS[self.word(i + 2)]), i + 3
        return float(value), i + 1

    def counts(self, i: int, end: int) -> bool:
        """Whether the number at ``i`` (ending before ``end``) counts something: not a year, a date,
        a time, an ordinal, a decade, a label ("No. 5") or a ratio ("one in five")."""
        token, _, stop = self.tokens[i]
        after, glued = self.word(end), end < len(self.tokens) and self.tokens[end][1] == stop
        if token[0].isdigit():
            if re.fullmatch(r"(?:1[89]|20)\d\d", token) and self.word(i - 1) != "$":
                return False
            if glued and after in ("st", "nd", "rd", "th", "s", ":", "/", "-"):
                return False
            if self.word(i - 1) in ("number", "#", "/", ":"):
                return False
        if self.word(i - 1) in _MONTHS or after in _MONTHS:
            return False
        if after in ("a.m", "p.m", "am", "pm") or (after in ("in", "out") and self.number(end + 1) is not None):
            return False
        if self.word(i - 1) in ("in", "out") and (self.word(i - 2) == "one" or self.number(i - 2) is not None):
            return False  # the "five" of "one in five"
        return True

    def phrase(self, i: int) -> tuple[str, str, float | None, int] | None:
        """The counted noun phrase at token ``i``: (noun stem, as written, base, index after it).

        "of Ukraine's ten largest cities" names a part of a whole: the base is 10, the noun "cities"."""
        base = None
        if self.word(i) == "out" and self.word(i + 1) == "of":
            i += 1  # "80 out of 88 counties"
        if self.word(i) == "of":
            i += 1
            while self.word(i) in _DETERMINERS or self.word(i).endswith(("'s", "s'")):
                i += 1
            if self.word(i).isalpha() and self.word(i) not in _FUNCTION and self.number(i) is None \
                    and self.number(i + 1) is not None:
                i += 1  # "six of the top 10 counties"
            whole = self.number(i)
            if whole is not None:
                self.used.add(i)
                base, i = whole
        words = []
        while i < len(self.tokens) and len(words) < 3:
            w = self.word(i)
            if not w[:1].isalpha() or w in _FUNCTION or w in _SCALES or self.number(i) is not None:
                break
            words.append(self.tokens[i][0])
            i += 1
        if not words:
            return None
        # The head is the first plural ("25 senators | voted"), or the last word ("3 largest city").
        head = next((k for k, w in enumerate(words) if _plural(w)), len(words) - 1)
        stems = stemmed_words(words[head])
        i -= len(words) - head - 1
        return (next(iter(stems)) if stems else words[head].lower()), " ".join(words[:head + 1]), base, i

    def bound(self, i: int) -> tuple[str, int]:
        """What the words before token ``i`` make of its value ("at least", "at most", "about", or "")
        and the index of the first of them."""
        for name, phrases in _BOUNDS:
            for phrase in phrases:
                n = phrase.count(" ") + 1
                if i - n >= 0 and " ".join(self.word(j) for j in range(i - n, i)) == phrase:
                    return name, i - n
        return "", i

    def context(self, start: int, end: int, noun: str) -> frozenset[str]:
        """The content words (stemmed) within :data:`CONTEXT_TOKENS` tokens of tokens ``start``..``end``,
        less the counted noun and the numbers."""
        words = [t for t, _, _ in self.tokens[max(0, start - CONTEXT_TOKENS):end + CONTEXT_TOKENS]]
        return _frame_words(" ".join(words)) - {noun}

    def zeros(self) -> list[Quantity]:
        found = []
        for m in _ZERO.finditer(self.text):
            i = next((k for k, t in enumerate(self.tokens) if t[1] >= m.end()), len(self.tokens))
            phrase = self.phrase(i)
            if phrase is not None and phrase[0] not in _DURATIONS:
                noun, written, base, end = phrase
                first = next(k for k, t in enumerate(self.tokens) if t[1] >= m.start())
                found.append(Quantity(0.0, 0.0, noun, "none", written, base,
                                      context=self.context(first, end, noun)))
        return found

    def counted(self) -> list[Quantity]:
        found = []
        i = 0
        while i < len(self.tokens):
            number = None if i in self.used else self.number(i)
            if number is None or not self.counts(i, number[1]):
                i += 1
                continue
            (value, j), raw, start = number, self.tokens[i][0], i
            money = self.word(i - 1) == "$"
            scale = _SCALES.get(self.word(j), 1.0)
            j += scale != 1.0
            number_end = j
            if self.word(j) in ("%", "percent") or (self.word(j), self.word(j + 1)) == ("per", "cent"):
                noun, written, base, j = "percent", "percent", None, j + (2 if self.word(j) == "per" else 1)
                number_end = j
            elif (self.word(j), self.word(j + 1)) in (("percentage", "point"), ("percentage", "points")):
                noun, written, base, j = "point", "percentage points", None, j + 2
                number_end = j
            elif money:
                noun, written, base = "$", "dollars", None
            else:
                phrase = self.phrase(j)
                if phrase is None:
                    i = j
                    continue
                noun, written, base, j = phrase
            if noun in _DURATIONS:
                i = j
                continue
            of = None
            if self.word(j) == "of" and self.number(j + 1) is None:
                whole = self.phrase(j + 1)
                of = whole[0] if whole is not None else None
            tolerance = max(_rounding(raw, value, scale) if raw[0].isdigit() else 0.5 * scale,
                            RELATIVE_TOLERANCE * value * scale)
            low, high = value * scale - tolerance, value * scale + tolerance
            bound, first = self.bound(start - money)
            if bound == "at least":
                high = math.inf
            elif bound == "at most":
                low = 0.0
            elif bound == "about":
                low, high = min(low, 0.85 * value * scale), max(high, 1.15 * value * scale)
            shown = self.text[self.tokens[first][1]:self.tokens[number_end - 1][2]]
            found.append(Quantity(low, high, noun, shown, written, base, self.word(first - 1) in _CHANGE, of,
                                  self.context(first, j, noun)))
            i = j
        return found


def quantities(text: str) -> list[Quantity]:
    """The quantities a text states, each with the noun it counts.

    Counts ("five of Ukraine's ten largest cities", "3.4 percent", "$5 billion", "more than 200
    people") and denials by quantity ("has not captured any of Ukraine's 10 largest cities", "none
    of the cities", "no new jobs", "zero cases": the value 0). Years, dates, times, ordinals, ratios
    ("one in five") and numbers in names ("World War Two") are no quantities, and neither is a number
    whose counted noun cannot be read: what a number counts is what makes two numbers comparable.
    """
    reader = _Reader(text)
    return reader.zeros() + reader.counted()


def _negated_elsewhere(text: str) -> bool:
    """Whether the text is negated other than by a denial by quantity: its numbers are then not
    asserted ("did not rise 10 percent"). An instruction's "not to" negates nothing."""
    zeros = [(m.start(), m.end()) for m in _ZERO.finditer(text)]
    return any(not re.match(r"\s+to\b", text[m.end():], re.IGNORECASE)
               and not any(a <= m.start() < b for a, b in zeros) for m in _NEGATING.finditer(text))


def _months_in(text: str) -> set[str]:
    """The months a text names (a capitalised "May" or "March"; "may" is a verb)."""
    return {w.lower()[:3] for w in _WORD.findall(text)
            if w.lower() in _MONTHS and (w[0].isupper() or w.lower() not in ("may", "march", "mar"))}


def _share_a_name(first: str, second: str) -> bool:
    """Whether the two texts name a common someone or something, or one of them names nobody.
    A name is found in the other text under a word that starts like it ("Russia" in "Russian",
    "Ukraine" in "Ukrainian": five letters in common, or the whole of a shorter name)."""
    a_names, b_names = set(names_in(first)), set(names_in(second))
    if not a_names or not b_names:
        return True

    def found(name: str, text: str) -> bool:
        prefix = name[:5]
        return any(w.lower().startswith(prefix) for w in _WORD.findall(text))

    return any(found(n, second) for n in a_names) or any(found(n, first) for n in b_names)


def _frame_words(text: str) -> frozenset[str]:
    """The text's content words (stemmed) less its numbers: what the numbers are about."""
    return frozenset(w for w in stemmed_words(text)
                     if w not in _NUMBER_WORDS and w not in _SCALES and not any(c.isdigit() for c in w))


def opposite_numbers(first: str, second: str, *, cosine: float | None = None,
                     min_shared: float = NUMBERS_MIN_SHARED, min_cosine: float = NUMBERS_MIN_COSINE) -> str | None:
    """Why two texts state incompatible quantities of the same thing ("numbers differ: none vs five
    (largest cities)"), or None.

    The two must be about the same thing: at least ``min_shared`` of the shorter one's content words
    (numbers aside) in the other, ``cosine`` (when the caller has it) at least ``min_cosine``, the
    same years or none, the same months where both name some, and a name in common when both name
    someone (Georgia's graduation rate is not Texas's). Then some noun must be counted once on each
    side (a text that gives several values of it is a series or a comparison, whose other figure is
    seldom the same thing), the two comparable (:meth:`Quantity.comparable`) and not fitting each
    other: "none" against "five", "3 percent" against "10 percent", but not "3 percent" against "3.4
    percent" (rounding, and at least :data:`RELATIVE_TOLERANCE` either way) nor "more than 10 percent"
    against "12 percent". A text negated other than by quantity ("did not rise 10 percent") asserts
    no number and gives no hint.
    """
    if cosine is not None and cosine < min_cosine:
        return None
    if years_in(first) != years_in(second):
        return None
    months = [_months_in(first), _months_in(second)]
    if months[0] and months[1] and months[0] != months[1]:
        return None
    a_words, b_words = _frame_words(first), _frame_words(second)
    if not a_words or not b_words or len(a_words & b_words) / min(len(a_words), len(b_words)) < min_shared:
        return None
    if not _share_a_name(first, second):
        return None
    if _negated_elsewhere(first) or _negated_elsewhere(second):
        return None
    a_found, b_found = quantities(first), quantities(second)
    for noun in dict.fromkeys(q.noun for q in a_found):
        a_side = [q for q in a_found if q.noun == noun]
        b_side = [q for q in b_found if q.noun == noun]
        if len(a_side) != 1 or len(b_side) != 1:
            continue  # a series or a comparison ("from $5 trillion to $12 trillion"): not one figure each
        a, b = a_side[0], b_side[0]
        if a.comparable(b) and not a.fits(b):
            counted = "" if noun in ("$", "percent", "point") else f" ({a.noun_written})"
            return f"numbers differ: {a.written} vs {b.written}{counted}"
    return None


SHIPPED_STATEMENT_KINDS = ("opposite_numbers", "opposite_verdicts")
"""The claim-vs-statement kinds the product shows. ``negation`` is measured but not shown: against the
PolitiFact archive it was right about 1 time in 4 (precision 0.22 dev, 0.24 held-out; 1.5-1.7 false hints
per 100 claims; docs/BENCHMARKS.md), and a hint that is mostly wrong teaches reviewers to ignore hints."""


def statement_hints(claim_text: str, matches: Sequence[Match], *, related_threshold: float,
                    min_shared: float = NUMBERS_MIN_SHARED, min_cosine: float = NUMBERS_MIN_COSINE,
                    kinds: Sequence[str] = SHIPPED_STATEMENT_KINDS) -> list[Hint]:
    """The hints of ``kinds`` between a claim and its earlier statements (the cards ``matches``, best first):

    - ``negation`` (measured, not shipped): a card at least ``related_threshold`` close that says the
      same with one negation flipped (:func:`negation_flip`);
    - ``opposite_numbers``: a card that states an incompatible quantity of the same thing
      (:func:`opposite_numbers`, its cosine the card's);
    - ``opposite_verdicts``: *same claim* cards whose verdicts disagree (supported against disputed).
    """
    hints = []
    for m in matches:
        st = m.statement
        if ("negation" in kinds and m.similarity >= related_threshold
                and negation_flip(claim_text, st.text)):
            hints.append(Hint("negation", st.claim_id, st.id, st.text,
                              "says the opposite: only one of the two is negated"))
            continue
        why = (opposite_numbers(claim_text, st.text, cosine=m.similarity, min_shared=min_shared, min_cosine=min_cosine)
               if "opposite_numbers" in kinds else None)
        if why is not None:
            hints.append(Hint("opposite_numbers", st.claim_id, st.id, st.text, why))
    same = [m for m in matches if m.tier is Tier.SAME_CLAIM and m.statement.verdict in
            (Verdict.SUPPORTED, Verdict.DISPUTED)]
    if "opposite_verdicts" in kinds and len({m.statement.verdict for m in same}) > 1:
        for m in same:
            hints.append(Hint("opposite_verdicts", m.statement.claim_id, m.statement.id, m.statement.text,
                              f"earlier checks of this claim disagree: this one is {m.statement.verdict.value}"))
    return hints
