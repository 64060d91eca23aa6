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
  but one says *not* (and no number differs, which would be another claim).
- **Opposite verdicts** among the earlier statements that are the same claim as this one: the archive
  disagrees with itself, and the reviewer should know.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DENIAL_MIN_WORDS = 4.0
"""The least weight of rare content words a denial and the claim it denies must share."""
DENIAL_MIN_COSINE = 0.45
"""The least cosine between a denial (or its lead-in) and the claim it denies, where both have vectors."""
COSINE_WEIGHT = 5.0
"""How much the cosine counts beside the shared words (chosen on the dev split of the benchmark)."""
DISTANCE_WEIGHT = 0.3
"""The pull towards the nearer claim, per log of sentences between."""

__all__ = ["Hint", "denial_cue", "content_words", "denials_in_document", "negation_flip"]

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
    """``denial`` | ``negation`` | ``opposite_verdicts``"""
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


def negation_flip(claim_text: str, statement_text: str, min_shared: float = 0.6) -> bool:
    """Whether the two texts say the same thing but one negates it: most content words shared, a
    negation in one only (an instruction's "not to" is no negation), and the same numbers."""
    def negated(text: str) -> bool:
        return any(not re.match(r"\s+to\b", text[m.end():], re.IGNORECASE) for m in _NEGATION.finditer(text))

    if negated(claim_text) == negated(statement_text):
        return False
    if set(_NUMBER.findall(claim_text)) != set(_NUMBER.findall(statement_text)):
        return False
    a, b = content_words(claim_text), content_words(statement_text)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= min_shared
