"""Check-worthiness: how much a sentence reads like a factual claim worth checking.

:func:`score_checkworthiness` is a transparent heuristic: a weighted sum of cues pushed
through a logistic function, so the score lies in [0, 1] and each cue's effect can be read
off :data:`CUE_WEIGHTS`. The trained detector of :mod:`claims.detector` scores sentences when
its weights are present (its features include these cues); this heuristic is the fallback when
they are missing (:class:`HeuristicScorer`, flagged ``fallback=True``), and the cue values
remain the explanation the UI can show for a score.

Cues that raise the score are what checkable statements are made of: numbers, percentages,
money, years and dates; names (capitalised words after the first); factual verb forms
(``has captured``, ``increased``, ``voted``, ``said that``); comparisons and superlatives;
quantity words. Cues that lower it mark sentences that assert nothing checkable: questions,
first-person opinions (``I think``), promises and intentions (``we will``, ``going to``),
obligations (``we must``), imperatives, greetings and thanks, fillers; and a very short
sentence scores low because length itself is a (positive, logarithmic) cue.

The weights were fitted once, by scikit-learn's ``LogisticRegression(C=1.0)`` on the
:func:`cue_values` of the 22,501 sentences of the ClaimBuster / CheckThat! 2024 English
training set (``train.tsv``; US presidential debates), then rounded and frozen here. The one
number tuned on ``dev.tsv`` (1,032 sentences, 238 check-worthy) is the intercept: it was
shifted so that the threshold maximising F1 of the check-worthy class on dev is exactly the
default 0.5. Measured F1 (Yes class) on ``dev.tsv``::

    threshold  0.30   0.40   0.45   0.50   0.55   0.60   0.70
    F1         0.752  0.809  0.804  0.824  0.805  0.789  0.749

At the default 0.5: precision 0.842, recall 0.807 (192 of 238 found, 36 false alarms).
The peak is narrow (dev is small), so expect about 0.80 on unseen debate text; on the
noisier crowd-labelled train.tsv the same scores give F1 0.59 at 0.5 and 0.62 at best.

Reproduce with ``.venv/bin/python -m pytest tests/test_detect.py -k dev_f1 -s`` (it reads
``../shared/bench/checkworthiness-claimbuster-ct24-en/dev.tsv`` and skips when absent). For
comparison the curator's TF-IDF + logistic regression reaches 0.859 and random guessing 0.32:
a cue count cannot read meaning, so treat the score as a ranking aid, not a verdict.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_CLAIM_THRESHOLD",
    "CUE_WEIGHTS",
    "score_checkworthiness",
    "is_check_worthy",
    "cue_values",
    "HeuristicScorer",
]

DEFAULT_CLAIM_THRESHOLD = 0.5

# Weights per cue (logistic-regression coefficients fitted on train.tsv, rounded).
CUE_WEIGHTS: dict[str, float] = {
    "number": +0.87,
    "number_word": +0.69,
    "money_percent": +0.90,
    "date": +0.52,
    "names": +0.27,
    "perfect": +0.41,
    "fact_verb": +0.76,
    "reporting": +0.69,
    "comparison": +0.63,
    "quantity_noun": +0.48,
    "past_be": +0.45,
    "question": -2.19,
    "opinion": -0.96,
    "promise": -0.50,
    "future": -0.74,
    "obligation": -0.94,
    "imperative": -0.85,
    "greeting": -1.19,
    "second_person": -0.21,
    "filler": -0.21,
    "evaluative": -0.38,
    "first_person": -0.22,
    "log_words": +0.51,
}

# The fitted intercept (-2.83) plus 0.49 (= -logit(0.38)): the dev-F1-maximising threshold
# of the fitted model, 0.38, becomes 0.5.
INTERCEPT = -2.34


def _rx(words: list[str]) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of ``words`` as whole words."""
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I)


# Positive cues: the stuff of checkable statements.
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d[\d,.]*(?:%|\w{0,2})?(?!\w)")
_NUMBER_WORD = _rx([
    "million", "millions", "billion", "billions", "trillion", "thousand", "thousands", "hundred", "hundreds",
    "dozen", "dozens", "half", "twice", "double", "doubled", "triple", "tripled", "percent", "per cent",
    "quarter", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
])
_MONEY_PERCENT = re.compile(
    r"[%$€£]|\b(?:percent|per cent|percentage|dollars?|cents?|euros?|pounds sterling)\b", re.I
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DATE = re.compile(
    rf"\b(?:1[6-9]\d\d|20\d\d)s?\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}"
    r"|\b(?:last|this|next) (?:year|month|week|decade|century)\b|\b(?:years?|months?|decades?) ago\b"
    r"|\bsince\b|\bin the (?:last|past) \w+ (?:years|months)\b"
)
# "has not captured", "have requested", "had been": a completed, checkable event.
_PERFECT = re.compile(
    r"\b(?:has|have|had|'ve|hasn't|haven't|hadn't)\s+"
    r"(?:not\s+|never\s+|already\s+|also\s+|just\s+|recently\s+|repeatedly\s+)?"
    r"(?:\w+ed|been|done|made|taken|given|seen|gone|won|lost|cut|put|spent|paid|sent|brought|built|risen|"
    r"fallen|grown|held|led|left|met|sold|told|said|voted|become|gotten|got|kept|run|shown|written)\b",
    re.I,
)
_FACT_VERB = _rx([
    "increased", "decreased", "rose", "risen", "fell", "fallen", "grew", "grown", "declined", "dropped",
    "doubled", "tripled", "cut", "raised", "voted", "passed", "signed", "vetoed", "created", "lost", "spent",
    "cost", "costs", "killed", "captured", "invaded", "requested", "reported", "announced", "approved",
    "banned", "closed", "opened", "elected", "appointed", "received", "paid", "funded", "launched", "sold",
    "bought", "supported", "opposed", "proposed", "introduced", "provides", "provided", "sent", "imposed",
    "denied", "admitted", "confirmed", "accused", "denounced", "signaled", "signalled", "warned", "attacked",
    "invested", "borrowed", "owns", "owned", "employs", "employed", "produces", "produced", "exports",
    "imported", "exported", "hired", "fired", "won",
])
_REPORTING = re.compile(
    r"\baccording to\b|\b(?:said|says|say|stated|found|showed|shows|reported|estimated|concluded) that\b"
    r"|\b(?:study|studies|report|reports|data|statistics|figures|survey|poll|census|analysis)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|greater|higher|lower|larger|smaller|bigger|faster|slower|cheaper|richer|poorer) than\b"
    r"|\b(?:largest|biggest|highest|lowest|smallest|fastest|slowest|worst|greatest|strongest|weakest|richest|"
    r"poorest|oldest|youngest|deadliest|longest|shortest|most|least)\b"
    r"|\brecord\b|\bfirst time\b|\btimes as\b|\bthe only\b|\bnumber one\b",
    re.I,
)
_QUANTITY_NOUN = _rx([
    "jobs", "tax", "taxes", "deficit", "deficits", "debt", "budget", "unemployment", "rate", "rates",
    "spending", "funding", "income", "incomes", "wages", "prices", "inflation", "crime", "cases", "deaths",
    "troops", "weapons", "barrels", "tons", "acres", "votes", "population", "salary", "revenue", "gdp",
    "growth", "premiums", "insurance", "program", "programs", "bill", "law", "sanctions", "equipment",
    "assistance", "offensive", "cities",
])
_PAST_BE = _rx(["was", "were", "wasn't", "weren't"])

# Negative cues: questions, opinions, promises, obligations, commands, courtesies.
_QUESTION = re.compile(r"\?")
_OPINION = re.compile(
    r"\b(?:I|we)\s+(?:really\s+|do\s+|don't\s+|just\s+|also\s+|still\s+)?"
    r"(?:think|believe|feel|hope|guess|suppose|want|wish|mean|agree|disagree|trust|doubt|expect|suspect)\b"
    r"|\bI'm (?:sure|convinced|not sure|confident|proud|concerned|worried)\b"
    r"|\bin my (?:opinion|view|judgment)\b|\bI'd\b|\bpersonally\b",
    re.I,
)
_PROMISE = re.compile(
    r"\b(?:I|we)(?:'ll|\s+will|\s+shall|\s+would|'d|\s+are going to|'re going to|\s+am going to|'m going to"
    r"|\s+must|\s+should|\s+need to|\s+have to|\s+ought|\s+want to|\s+intend|\s+plan to|\s+promise"
    r"|\s+won't|\s+can)\b",
    re.I,
)
_FUTURE = re.compile(r"\b(?:will|won't|shall|gonna)\b|'ll\b|\bgoing to\b", re.I)
_OBLIGATION = re.compile(r"\b(?:should|must|ought|need to|needs to|have to|has to|got to|let's|let us)\b", re.I)
_IMPERATIVE = re.compile(
    r"^[\"“']?(?:let|look|think|imagine|consider|please|don't|do not|go|listen|remember|ask|tell|give|take|"
    r"make|stop|vote|join|check|read|watch|see|help|keep|forget)\b",
    re.I,
)
_GREETING = re.compile(
    r"\b(?:thank|thanks|good (?:evening|morning|night|afternoon)|hello|welcome|congratulat\w*|pleasure|"
    r"honou?red|appreciate|applause|laughter)\b",
    re.I,
)
_SECOND_PERSON = _rx(["you", "your", "you're", "yours"])
_FILLER = re.compile(r"^[\"“']?(?:well|uh|um|oh|ok|okay|yes|no|now|look)\b|\b(?:uh|um|you know)\b", re.I)
_EVALUATIVE = _rx([
    "great", "wonderful", "terrible", "good", "bad", "important", "critical", "serious", "best", "right",
    "wrong", "fair", "clear", "strong", "better", "worse", "proud", "ridiculous", "absolutely", "really",
    "very", "disaster", "horrible", "tremendous", "incredible", "believe",
])
# "us" but not "US" (the country, as in "US officials"), which news writes in capitals.
_FIRST_PERSON = re.compile(r"\b(?:(?i:i|me|my|we|our|i'm|we're|i've|we've|myself)|us|Us)\b")

_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")
_CAPITAL = re.compile(r"[A-Z][a-zA-Z'’.-]*")
_NOT_NAMES = {"I", "I'm", "I've", "I'd", "I'll", "OK", "Mr.", "Mrs.", "Ms.", "Dr."}


def _names(text: str) -> int:
    """Capitalised words after the first one: a cheap stand-in for named entities."""
    words = _WORD.findall(text)
    return sum(1 for w in words[1:] if _CAPITAL.fullmatch(w) and w not in _NOT_NAMES)


def _count(pattern: re.Pattern[str], text: str, cap: int) -> int:
    """How often ``pattern`` occurs in ``text``, capped so one long list cannot dominate."""
    return min(len(pattern.findall(text)), cap)


def cue_values(text: str) -> dict[str, float]:
    """The value of each cue of :data:`CUE_WEIGHTS` for ``text`` (capped counts, flags, log length).

    Exposed so the UI can show why a sentence scored as it did.
    """
    t = text.strip()
    n_words = len(_WORD.findall(t))
    return {
        "number": _count(_NUMBER, t, 3),
        "number_word": _count(_NUMBER_WORD, t, 3),
        "money_percent": _count(_MONEY_PERCENT, t, 2),
        "date": _count(_DATE, t, 2),
        "names": min(_names(t), 4),
        "perfect": _count(_PERFECT, t, 2),
        "fact_verb": _count(_FACT_VERB, t, 3),
        "reporting": _count(_REPORTING, t, 2),
        "comparison": _count(_COMPARISON, t, 2),
        "quantity_noun": _count(_QUANTITY_NOUN, t, 3),
        "past_be": _count(_PAST_BE, t, 2),
        "question": 1 if _QUESTION.search(t) else 0,
        "opinion": _count(_OPINION, t, 2),
        "promise": _count(_PROMISE, t, 2),
        "future": _count(_FUTURE, t, 2),
        "obligation": _count(_OBLIGATION, t, 2),
        "imperative": 1 if _IMPERATIVE.search(t) else 0,
        "greeting": 1 if _GREETING.search(t) else 0,
        "second_person": _count(_SECOND_PERSON, t, 3),
        "filler": _count(_FILLER, t, 2),
        "evaluative": _count(_EVALUATIVE, t, 3),
        "first_person": _count(_FIRST_PERSON, t, 4),
        "log_words": math.log1p(n_words),
    }


def score_checkworthiness(text: str) -> float:
    """How check-worthy ``text`` (one sentence) is, from 0 (nothing to check) to 1.

    The logistic of the intercept plus the weighted cues of :func:`cue_values`; a blank text
    scores 0. Deterministic and cheap (a few regular expressions).
    """
    if not text.strip():
        return 0.0
    values = cue_values(text)
    z = INTERCEPT + sum(CUE_WEIGHTS[name] * value for name, value in values.items())
    return 1.0 / (1.0 + math.exp(-z))


def is_check_worthy(score: float, threshold: float = DEFAULT_CLAIM_THRESHOLD) -> bool:
    """Whether a check-worthiness ``score`` makes its sentence a claim (``score >= threshold``)."""
    return score >= threshold


@dataclass(frozen=True)
class HeuristicScorer:
    """:func:`score_checkworthiness` as a sentence scorer for :func:`claims.extract.extract`.

    It is the fallback when no trained detector is available: ``fallback`` is True and
    ``reason`` says why (for example, the weight files are missing), so callers can say so.
    """

    reason: str | None = None
    name: str = "heuristic"
    fallback: bool = True
    threshold: float = DEFAULT_CLAIM_THRESHOLD

    def __call__(self, texts: Sequence[str]) -> list[float]:
        """The heuristic score of each text."""
        return [score_checkworthiness(text) for text in texts]
