"""Is an earlier statement the *same claim*? A calibrated probability over the pair, with its reason.

A cosine between two embeddings says two texts are about the same thing; it does not say they
claim the same thing. "China has signalled it will help Russia" and "The US warned China not to
help Russia" are close in any embedding. The verifier looks at what a fact-checker looks at: how
close the two are (cosine, BM25, ranks among the candidates), how much of each one's wording the
other holds, and what differs: numbers, years, negation, names, the speaker. A logistic
regression over :data:`FEATURES` turns that into a probability; the tier "same claim" is that
probability over a threshold chosen on a dev split (see docs/BENCHMARKS.md).

The weights are data, not code: a JSON file (``claims/weights/verifier.json`` ships with the
product) holding the feature names, their standardisation, the coefficients, the threshold and
the provenance (what it was trained on, how, the dev figures behind the threshold). Scoring needs
numpy only; the lab fits it (:func:`lab.rerank.train_verifier`).

Features of one (claim, earlier statement) pair, all from :func:`pair_features`:

``cosine``               cosine of the two embeddings
``cosine_margin``        that cosine minus the best cosine of the query's other candidates (how far it stands out)
``dense_rrank``          1 / rank in the dense list (0 when outside it)
``lexical_rrank``        1 / rank in the BM25 list (0 when outside it)
``fused_rrank``          1 / rank in the fused list
``bm25``                 log(1 + BM25 score)
``bm25_margin``          log(1 + BM25) minus the same for the best of the other candidates
``claim_words_found``    share of the claim's content words (stemmed) the statement holds
``statement_words_found`` share of the statement's content words the claim holds
``numbers_differ``       share of the statement's numbers the claim lacks, when both carry numbers
``numbers_shared``       1 when the two share a number
``years_differ``         1 when both name years and share none
``negation_differs``     1 when exactly one of the two is negated
``names_found``          share of the statement's names (capitalised words inside a sentence) in the claim
                         (a country is found under any of its names: "US" in "the United States", "Beijing"
                         in "China", "Russian" in "Russia"; see :data:`PLACE_NAMES`)
``names_missing``        1 when both name someone or something and share no name
``speaker_match``        1 when both speakers are known and their surnames agree
``speaker_differs``      1 when both speakers are known and their surnames differ
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from claims.errors import InputError, InvalidValueError
from index.lexical import english_stemmer

__all__ = [
    "FEATURES",
    "PairContext",
    "TextFacts",
    "facts",
    "Verifier",
    "pair_features",
    "differences",
    "reason",
    "content_words",
    "numbers_in",
    "years_in",
    "names_in",
    "places_in",
    "PLACE_NAMES",
    "negated",
    "load_verifier",
    "VERIFIER_FILE",
]

VERIFIER_FILE = "verifier.json"
"""The file name of the shipped verifier, in ``claims/weights/``."""

FEATURES: tuple[str, ...] = (
    "cosine",
    "cosine_margin",
    "dense_rrank",
    "lexical_rrank",
    "fused_rrank",
    "bm25",
    "bm25_margin",
    "claim_words_found",
    "statement_words_found",
    "numbers_differ",
    "numbers_shared",
    "years_differ",
    "negation_differs",
    "names_found",
    "names_missing",
    "speaker_match",
    "speaker_differs",
)

# -- what the texts say -----------------------------------------------------------------------

_WORD = re.compile(r"(?u)\b\w\w+\b")
_STOP = frozenset(
    "the a an and or but of to in on at for with by from as is are was were be been being it its this that "
    "these those he she they we you i his her their our your has have had do does did so than then there here "
    "what which who whom whose when where why how all any some about into over after before will would can "
    "could should may might must said says say just also more most very".split())
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
    "ninety": "90", "hundred": "100", "dozen": "12",
}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[,.]\d+)*")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without",
                        "cannot"})
_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_NAME = re.compile(r"\b[A-Z][\w'’\-]*[A-Za-z]")
_NAME_WORD = re.compile(r"[\w'’\-]*\w")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“‘(\[]\s*|\n\s*)$")


_local = threading.local()


def _stem(words: list[str]) -> list[str]:
    """Snowball stems of the words (PyStemmer, one stemmer per thread: its objects are not thread-safe);
    the words as given when PyStemmer is not installed."""
    if not hasattr(_local, "stem"):
        _local.stem = english_stemmer()
    return _local.stem(words) if _local.stem is not None and words else words


def content_words(text: str) -> frozenset[str]:
    """The text's words less stop words, lower-cased and stemmed (Snowball, when PyStemmer is there)."""
    return frozenset(_stem([w for w in _WORD.findall(text.lower()) if w not in _STOP and not w.isdigit()]))


def _number_value(raw: str) -> str:
    value = raw.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".") or "0"
    return value


def numbers_in(text: str) -> dict[str, str]:
    """The numbers of a text other than years: comparable form (``4300``, ``10``) -> as written.

    Digits and the number words up to a hundred count ("ten" is "10"); a capitalised number word
    inside a sentence is part of a name ("World War Two") and does not.
    """
    found: dict[str, str] = {}
    for m in _NUMBER.finditer(text):
        value = _number_value(m.group())
        if not _YEAR.match(value):
            found.setdefault(value, m.group())
    for m in _TOKEN.finditer(text):
        word = m.group()
        value = _NUMBER_WORDS.get(word.lower())
        if value is not None and (word.islower() or _SENTENCE_START.search(text[:m.start()])):
            found.setdefault(value, word)
    return found


def years_in(text: str) -> set[str]:
    """The four-digit years (1800-2099) a text names."""
    return {m.group() for m in _NUMBER.finditer(text) if _YEAR.match(m.group())}


def negated(text: str) -> str | None:
    """The first negating word of a text ("not", "never", "hasn't"), or None.

    A "not" or "never" before "to" is the content of an instruction ("warned China not to assist
    Moscow" reports a warning; it denies nothing), so it does not count.
    """
    for m in _TOKEN.finditer(text):
        lower = m.group().lower().replace("’", "'")
        if lower in _NEGATIONS or lower.endswith("n't"):
            if lower in ("not", "never") and re.match(r"\s+to\b", text[m.end():], re.IGNORECASE):
                continue
            return m.group()
    return None


_CALENDAR = frozenset(
    "january february march april may june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday".split())


def names_in(text: str) -> dict[str, str]:
    """Capitalised words that do not start a sentence (mostly names and places): lower-cased -> as written.

    Months and weekdays are not names; a headline written in Title Case or in capitals has no
    telling capitals, so it gives none.
    """
    inside = [m.group() for m in _TOKEN.finditer(text) if not _SENTENCE_START.search(text[:m.start()])]
    if len(inside) >= 4 and sum(1 for w in inside if w[0].isupper()) > 0.6 * len(inside):
        return {}
    found: dict[str, str] = {}
    for m in _NAME.finditer(text):
        if _SENTENCE_START.search(text[:m.start()]):
            continue
        word = m.group()[:-2] if m.group().endswith(("'s", "’s")) else m.group()
        lower = word.lower()
        if lower not in _STOP and lower not in _NUMBER_WORDS and lower not in _CALENDAR and len(lower) > 1:
            found.setdefault(lower, word)
    return found


# Countries and unions under the names news and fact-checks use for them: the country, its people
# (adjective and plural) and the capital or seat that stands for its government ("Beijing warned",
# "the Kremlin said"). Case matters: "US" is the country, "us" is not. The continents named after
# America are excluded by the pattern ("Latin America" is not the United States). Capitals that are
# mostly places rather than governments in the news (London, Paris) are left out, and so is
# Washington (a state, a newspaper, a president).
PLACE_NAMES: dict[str, str] = {
    "united-states": r"United States(?: of America)?|U\.S\.(?:A\.)?|USA|US|(?<!Latin )(?<!South )(?<!North )"
                     r"(?<!Central )America(?:ns?)?",
    "china": r"China|Chinese|Beijing|PRC",
    "russia": r"Russia(?:ns?)?|Moscow|Kremlin|Soviet Union|USSR",
    "ukraine": r"Ukraine|Ukrainians?|Kyiv|Kiev",
    "united-kingdom": r"United Kingdom|U\.K\.|UK|(?:Great )?Britain|British|Britons?",
    "european-union": r"European Union|E\.U\.|EU|Brussels",
    "north-korea": r"North Koreans?|Pyongyang|DPRK",
    "south-korea": r"South Koreans?|Seoul",
    "iran": r"Iran(?:ians?)?|Tehran",
    "iraq": r"Iraq(?:is?)?|Baghdad",
    "israel": r"Israel(?:is?)?",
    "syria": r"Syria(?:ns?)?|Damascus",
    "afghanistan": r"Afghanistan|Afghans?|Kabul",
    "taiwan": r"Taiwan(?:ese)?|Taipei",
    "japan": r"Japan(?:ese)?|Tokyo",
    "india": r"India(?:ns?)?|New Delhi",
    "pakistan": r"Pakistan(?:is?)?|Islamabad",
    "mexico": r"Mexico|Mexicans?",
    "canada": r"Canada|Canadians?|Ottawa",
    "germany": r"Germany|Germans?|Berlin",
    "france": r"France|French",
    "cuba": r"Cuba(?:ns?)?|Havana",
    "venezuela": r"Venezuela(?:ns?)?|Caracas",
    "saudi-arabia": r"Saudi Arabia|Saudis?|Riyadh",
    "turkey": r"Turkey|Turkish|Turks|Ankara",
    "vietnam": r"Vietnam(?:ese)?|Hanoi",
    "palestine": r"Palestin(?:e|ians?)",
}
_PLACES = [(place, re.compile(r"(?<![\w.])(?:" + pattern + r")(?![\w])")) for place, pattern in PLACE_NAMES.items()]


def places_in(text: str) -> dict[str, str]:
    """The countries a text names under any of their names: each name as written and each of its words,
    lower-cased (as :func:`names_in` gives them) -> the country (``"beijing" -> "china"``,
    ``"united" -> "united-states"``, ``"u.s." -> "united-states"``)."""
    found: dict[str, str] = {}
    for place, pattern in _PLACES:
        for m in pattern.finditer(text):
            found.setdefault(m.group().lower(), place)
            for word in _NAME.findall(m.group()):
                found.setdefault(word.lower(), place)
    return found


def _lower_words(text: str) -> frozenset[str]:
    """The text's words, lower-cased (a name is found in a text when one of these is it)."""
    words = {m.group().lower().replace("’", "'") for m in _NAME_WORD.finditer(text)}
    return frozenset(words | {w[:-2] for w in words if w.endswith("'s")})


_NOT_PEOPLE = frozenset(
    "states kingdom union nations republic government ministry department house office party committee council "
    "agency news times post media network campaign administration officials official spokesperson spokesman "
    "police army military court".split())


def _surname(name: str | None) -> str:
    """The surname of a speaker who reads as a person ("Donald Trump", "TRUMP"), lower-cased; "" otherwise.

    "US officials" (a lower-case word), "United States" or "Foreign Ministry" (words of institutions)
    name no one whose surname could be compared.
    """
    words = [w for w in re.findall(r"[A-Za-z'’\-.]+", name or "") if w.lower().strip(".") not in
             {"jr", "sr", "ii", "iii", "mr", "mrs", "ms", "dr"}]
    if not words or len(words) > 4 or any(not w[0].isupper() for w in words):
        return ""
    if any(w.lower().strip(".") in _NOT_PEOPLE for w in words):
        return ""
    return words[-1].lower().strip(".")


@dataclass(frozen=True)
class TextFacts:
    """What the verifier reads in one text, computed once per text (:func:`facts`)."""

    words: frozenset[str]
    numbers: Mapping[str, str]
    years: frozenset[str]
    names: Mapping[str, str]
    negation: str | None
    lower_words: frozenset[str]
    places: Mapping[str, str] = field(default_factory=dict)

    def holds_name(self, name: str, other: TextFacts) -> bool:
        """Whether this text holds ``name``, a name of ``other``: as a word, or as the country it names
        under another of its names ("US" is held by "the United States warned …")."""
        if name in self.lower_words:
            return True
        place = other.places.get(name)
        return place is not None and place in self.places.values()


@functools.lru_cache(maxsize=50_000)
def facts(text: str) -> TextFacts:
    """The content words, numbers, years, names and negation of a text (cached: archive texts recur)."""
    return TextFacts(words=content_words(text), numbers=numbers_in(text), years=frozenset(years_in(text)),
                     names=names_in(text), negation=negated(text), lower_words=_lower_words(text),
                     places=places_in(text))


# -- features ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairContext:
    """Where a candidate stood among the query's candidates: its scores, the best scores of the *other*
    candidates, and its ranks (1 = first; None = absent from that list)."""

    cosine: float
    other_cosine: float
    dense_rank: int | None
    lexical_rank: int | None
    fused_rank: int
    bm25: float
    other_bm25: float


def pair_features(claim: str, statement: str, where: PairContext, *, claim_speaker: str | None = None,
                  statement_speaker: str | None = None) -> dict[str, float]:
    """The :data:`FEATURES` of one (claim, earlier statement) pair."""
    a, b = facts(claim), facts(statement)
    shared = a.words & b.words
    speaker_a, speaker_b = _surname(claim_speaker), _surname(statement_speaker)
    both_numbers = bool(a.numbers) and bool(b.numbers)
    return {
        "cosine": float(where.cosine),
        "cosine_margin": float(where.cosine - where.other_cosine),
        "dense_rrank": 1.0 / where.dense_rank if where.dense_rank else 0.0,
        "lexical_rrank": 1.0 / where.lexical_rank if where.lexical_rank else 0.0,
        "fused_rrank": 1.0 / where.fused_rank,
        "bm25": math.log1p(max(where.bm25, 0.0)),
        "bm25_margin": math.log1p(max(where.bm25, 0.0)) - math.log1p(max(where.other_bm25, 0.0)),
        "claim_words_found": len(shared) / len(a.words) if a.words else 0.0,
        "statement_words_found": len(shared) / len(b.words) if b.words else 0.0,
        "numbers_differ": (sum(1 for n in b.numbers if n not in a.numbers) / len(b.numbers)
                           if both_numbers else 0.0),
        "numbers_shared": 1.0 if set(a.numbers) & set(b.numbers) else 0.0,
        "years_differ": 1.0 if a.years and b.years and not a.years & b.years else 0.0,
        "negation_differs": 1.0 if (a.negation is None) != (b.negation is None) else 0.0,
        "names_found": (sum(1 for n in b.names if a.holds_name(n, b)) / len(b.names) if b.names else 0.0),
        "names_missing": 1.0 if a.names and b.names and not any(a.holds_name(n, b) for n in b.names) else 0.0,
        "speaker_match": 1.0 if speaker_a and speaker_b and speaker_a == speaker_b else 0.0,
        "speaker_differs": 1.0 if speaker_a and speaker_b and speaker_a != speaker_b else 0.0,
    }


def differences(claim: str, statement: str, *, claim_speaker: str | None = None,
                statement_speaker: str | None = None) -> list[str]:
    """What differs between the two, in words a reviewer reads on the card, most telling first:
    ``"numbers differ: 3 vs 10"``, ``"years differ: 2016 vs 2019"``, ``"negation: only the claim says
    'not'"``, ``"other speaker: Obama vs Trump"``, ``"names differ: China vs Brazil"``."""
    a, b = facts(claim), facts(statement)
    out: list[str] = []
    only_a = [w for k, w in a.numbers.items() if k not in b.numbers]
    only_b = [w for k, w in b.numbers.items() if k not in a.numbers]
    if a.numbers and b.numbers and only_b:
        out.append(f"numbers differ: {', '.join(only_a[:3]) or 'none'} vs {', '.join(only_b[:3])}")
    if a.years and b.years and not a.years & b.years:
        out.append(f"years differ: {', '.join(sorted(a.years))} vs {', '.join(sorted(b.years))}")
    if (a.negation is None) != (b.negation is None):
        out.append(f"negation: only the claim says '{a.negation}'" if a.negation else
                   f"negation: only the earlier statement says '{b.negation}'")
    surname_a, surname_b = _surname(claim_speaker), _surname(statement_speaker)
    if surname_a and surname_b and surname_a != surname_b:
        out.append(f"other speaker: {claim_speaker} vs {statement_speaker}")
    missing = [w for k, w in b.names.items() if not a.holds_name(k, b)]
    if a.names and b.names and len(missing) == len(b.names):
        out.append(f"names differ: {', '.join(list(a.names.values())[:2])} vs {', '.join(missing[:2])}")
    return out


def reason(claim: str, statement: str, probability: float, threshold: float, *,
           claim_speaker: str | None = None, statement_speaker: str | None = None) -> str:
    """One short line for the card: what differs, or why the two read as one claim."""
    found = differences(claim, statement, claim_speaker=claim_speaker, statement_speaker=statement_speaker)
    if found:
        return "; ".join(found[:2])
    if probability >= threshold:
        return "same wording, numbers and names" if facts(statement).words <= facts(claim).words else \
            "same numbers and names, close wording"
    return "no difference in numbers, years, negation or names; the wording is further apart"


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A logistic regression over standardised :data:`FEATURES`, its threshold and where it came from.

    ``probability`` is the model's P(same claim); ``threshold`` is where "same claim" begins, as
    chosen on the dev split named in ``provenance``.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    provenance: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise InvalidValueError("a verifier needs one mean, scale and weight per feature")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise InvalidValueError(f"unknown verifier features: {', '.join(sorted(unknown))}")
        if not 0.0 <= self.threshold <= 1.0:
            raise InvalidValueError(f"a verifier's threshold must lie between 0 and 1, got {self.threshold}")
        if any(s <= 0 for s in self.scale):
            raise InvalidValueError("a verifier's feature scales must be positive")

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """The rows' features in this verifier's order, as a float64 matrix."""
        return np.array([[row[name] for name in self.features] for row in rows],
                        dtype=np.float64).reshape(len(rows), len(self.features))

    def logits(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        x = (self.matrix(rows) - np.asarray(self.mean)) / np.asarray(self.scale)
        return x @ np.asarray(self.weights) + self.intercept

    def probability(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """P(same claim) of each row."""
        return 1.0 / (1.0 + np.exp(-self.logits(rows)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "logistic-regression", "format": 1, "features": list(self.features),
                "mean": list(self.mean), "scale": list(self.scale), "weights": list(self.weights),
                "intercept": self.intercept, "threshold": self.threshold, "provenance": self.provenance}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save(self, path: str | Path) -> None:
        from index.atomic import atomic_write_text

        atomic_write_text(Path(path), self.to_json())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "verifier") -> Verifier:
        if not isinstance(data, Mapping) or data.get("kind") != "logistic-regression":
            raise InputError("not a claimdesk verifier (kind is not 'logistic-regression')", source=source)
        try:
            return cls(features=tuple(data["features"]), mean=tuple(map(float, data["mean"])),
                       scale=tuple(map(float, data["scale"])), weights=tuple(map(float, data["weights"])),
                       intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                       provenance=dict(data.get("provenance", {})), source=source)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a claimdesk verifier ({exc.__class__.__name__}: {exc})", source=source) from None

    @classmethod
    def load(cls, path: str | Path) -> Verifier:
        """The verifier saved at ``path``; an :class:`~claims.errors.InputError` names a missing or damaged file."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("no such verifier file", source=str(path)) from None
        except OSError as exc:
            raise InputError(f"cannot read the verifier: {exc.strerror}", source=str(path)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"the verifier is not JSON: {exc}", source=str(path)) from None
        return cls.from_dict(data, source=str(path))

    def describe(self) -> str:
        """How it did where its threshold was chosen, in words: ``"precision 0.97, …"``."""
        dev = self.provenance.get("dev") or {}
        if not dev:
            return f"threshold {self.threshold:.2f}"
        return (f"threshold {self.threshold:.2f}: on {dev.get('name', 'dev')}, "
                f"precision {dev.get('precision', 0):.2f}, "
                f"recall {dev.get('recall', 0):.2f}, new claims called same {dev.get('false_same_rate', 0):.1%}")


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, size: int, mtime_ns: int) -> Verifier:
    return Verifier.load(path)


def load_verifier(path: str | Path) -> Verifier:
    """:meth:`Verifier.load`, cached per process for as long as the file stays the same."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError("no such verifier file", source=str(path)) from None
    return _load_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
