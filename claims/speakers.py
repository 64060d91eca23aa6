"""Who says each sentence: speaker attribution for quotes and reported speech.

:func:`attribute_speakers` gives each sentence of a document its speaker, or None. It reads
the attribution patterns of news writing, strongest first:

1. a quotation with its attribution: ``"…," X said``, ``"…," said X``, ``X said: "…"``;
2. a parenthetical source: ``…, a US official said, …``;
3. ``according to X`` (but not ``X said, according to TASS``, where TASS only relays X);
4. a reporting verb after its subject: ``X said that …``, ``X told reporters``,
   ``X also emphasized that …``, ``Moscow called …``, ``Beijing has denounced …``.

Speakers are cleaned up the way a fact-checker would file them: roles are dropped
(``State Department spokesman Ned Price`` is ``Ned Price``), a bare surname is resolved to
the full name given elsewhere in the document (``Sullivan`` is ``Jake Sullivan``, ``Zhao`` is
``Zhao Lijian``), an unnamed source keeps its description (``a US official`` is
``US official``), and a pronoun (``he stressed``, ``according to him``) is carried to the
last named person who spoke. A quotation that merely continues the previous attributed
quotation keeps its speaker. In a transcript, a sentence without an attribution of its own
belongs to the speaker of its turn (``COOPER: …``).

This is pattern matching, not parsing: it favours leaving a speaker out over inventing one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from claims.models import Sentence
from claims.segment import transcript_label, transcript_turns

__all__ = [
    "attribute_speakers",
    "attribute_sentence",
    "attribute_transcript_line",
    "person_names",
]

_SPEECH_VERBS = [
    "said", "says", "say", "told", "tells", "tell", "stressed", "stresses", "emphasized", "emphasised",
    "emphasizes", "emphasises", "added", "adds", "noted", "warned", "warns", "claimed",
    "insisted", "insists", "stated", "announced", "announces", "argued", "argues", "explained",
    "explains", "asserted", "asserts", "declared", "declares", "wrote", "writes", "tweeted", "tweets",
    "reported", "denied", "denies", "denounced", "denounces", "called", "accused",
    "accuses", "confirmed", "confirms", "acknowledged", "acknowledges", "admitted", "admits", "alleged",
    "alleges", "maintained", "maintains", "suggested", "suggests", "urged", "urges", "replied", "responded",
    "countered", "cautioned", "predicted", "estimated", "observed", "remarked", "revealed", "conceded",
    "vowed", "pledged", "threatened", "complained", "criticized", "criticised", "condemned", "rejected",
    "dismissed", "slammed", "reiterated", "affirmed", "underlined", "underscored", "pointed out",
]
# Plurals that are nouns as often as verbs ("US claims", "news reports") count only before "that".
_NOUN_LIKE_VERBS = ["claims", "notes", "reports", "states", "calls", "remarks"]
_VERB = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(_SPEECH_VERBS, key=len, reverse=True)) + r")\b"
    r"|(?<![\w-])(?:" + "|".join(_NOUN_LIKE_VERBS) + r")(?= that\b)"
)

# Words that may stand between a subject and its verb: "has also denounced", "had earlier said".
_AUX = {
    "has", "have", "had", "also", "previously", "later", "earlier", "repeatedly", "again", "publicly",
    "recently", "separately", "further", "then", "once", "reportedly", "would", "has long", "already",
    "first", "privately", "flatly", "quickly", "immediately", "angrily",
}

# Lower-case words that can belong to a speaker's description ("China's foreign ministry
# spokesman", "a senior US official", "two Western diplomats").
_ROLE_WORDS = {
    "spokesman", "spokeswoman", "spokesperson", "spokespeople", "minister", "secretary", "adviser", "advisor",
    "official", "officials", "diplomat", "diplomats", "ambassador", "envoy", "president", "leader",
    "leaders", "chairman", "chairwoman", "chair", "director", "head", "commander", "general", "analyst",
    "analysts", "expert", "experts", "source", "sources", "lawyer", "lawyers", "attorney", "researcher",
    "researchers", "scientist", "scientists", "economist", "economists", "executive", "ceo",
    "representative", "senator", "governor", "mayor", "lawmaker", "lawmakers", "member", "members",
    "aide", "aides", "correspondent", "reporter", "police", "authorities", "investigators", "prosecutor",
    "prosecutors", "judge", "officer", "officers", "negotiator", "negotiators", "candidate", "activist",
    "activists", "witness", "witnesses", "residents", "spokespersons", "chancellor", "premier", "king",
    "queen", "prince", "mr.", "mrs.", "ms.", "dr.", "prof.", "sen.", "rep.", "gov.", "gen.", "col.", "lt.",
    "capt.", "sgt.", "pres.", "sir", "dame", "lord", "pope", "cardinal", "bishop", "rabbi", "imam",
    "founder", "owner", "manager", "coach", "chief",
}
_DESCRIPTION_WORDS = _ROLE_WORDS | {
    "the", "a", "an", "two", "three", "four", "several", "some", "many", "other", "senior", "top", "former",
    "deputy", "acting", "vice", "prime", "foreign", "ministry", "state", "national", "security", "defense",
    "defence", "interior", "finance", "press", "military", "intelligence", "government", "administration",
    "department", "agency", "unnamed", "anonymous", "local", "health", "election", "city", "county", "court",
    "party", "opposition", "company", "army", "union", "campaign", "white", "house", "federal", "regional",
    "western", "european", "american", "chinese", "russian", "ukrainian", "affairs", "policy", "trade",
    "economic", "communications", "council", "committee", "chief", "staff", "general's",
}
# Words that open a description without describing: "a US official", "two Western diplomats".
_DETERMINERS = {"the", "a", "an", "two", "three", "four", "five", "several", "some", "many", "other"}
# Capitalised words that open a sentence without belonging to its subject.
_LEADING_SKIP = {
    "Earlier", "Later", "Meanwhile", "However", "But", "And", "Also", "Then", "Now", "Yesterday", "Today",
    "Separately", "Still", "So", "Instead", "Previously", "Last", "On", "In", "At", "After", "Before",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Afterwards", "Moreover",
    "Additionally", "Finally", "Recently", "Since", "When", "While", "As", "If", "Although", "Though",
}
_PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "they": "any", "them": "any",
             "it": "group"}
_FIRST_PERSON = {"i", "we", "me", "us", "you"}

# Words that mark a name as a place or an organisation rather than a person.
_ORG_WORDS = {
    "States", "Kingdom", "Nations", "Union", "Times", "Post", "News", "Press", "House", "Department",
    "Ministry", "Office", "Council", "Committee", "Agency", "Bank", "Fund", "Organization", "Organisation",
    "Party", "Government", "Court", "Army", "Forces", "University", "Institute", "Association", "Commission",
    "Parliament", "Congress", "Senate", "Assembly", "Journal", "Reuters", "Group", "Company", "Corporation",
    "Inc.", "Ltd", "Street", "Hall", "Kremlin", "Pentagon", "Republic", "Federation", "Emirates", "Korea",
    "Africa", "America", "Europe", "Asia", "East", "West", "North", "South", "War", "World", "Force",
    "Navy", "Police", "Service", "Services", "Authority", "Bureau", "Administration", "Security",
    "Ministry's", "Street", "Square", "Channel", "Network", "Television", "Radio", "Daily", "Herald",
    "Tribune", "Guardian", "Telegraph", "Sea", "Ocean", "River", "City", "County", "Province", "State",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
    "March", "April", "June", "July", "August", "September", "October", "November", "December",
}
# Places and bodies that speak in the news under one word.
_PLACES = {
    "Moscow", "Beijing", "Washington", "Kyiv", "Kiev", "London", "Paris", "Berlin", "Tokyo", "Brussels",
    "Tehran", "Pyongyang", "Seoul", "Jerusalem", "Ankara", "Delhi", "Islamabad", "Canberra", "Ottawa",
    "Taipei", "Riyadh", "Cairo", "Damascus", "Baghdad", "Kabul", "Minsk", "Warsaw", "Rome", "Madrid",
    "Jakarta", "Manila", "Hanoi", "Bangkok", "Russia", "China", "Ukraine", "Iran", "Israel", "Japan", "India",
    "Germany", "France", "Britain", "Turkey", "Europe", "America", "Taiwan", "Pakistan", "Syria", "Iraq",
    "Indonesia", "Australia", "Canada", "Mexico", "Brazil", "NATO", "EU", "UN", "US", "U.S.", "UK", "Kremlin",
    "Pentagon", "Congress", "Parliament", "Reuters", "TASS", "AP", "AFP", "Xinhua", "Bloomberg", "CNN", "BBC",
    "Washington's", "WHO", "IMF", "OPEC", "Hamas", "Hezbollah", "Taliban", "West",
}

_WORDISH = re.compile(r"[\w'’.-]+")
# A word whose final dot is part of it: initials (U.S.) and abbreviated titles (Mr., Gov.).
_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Capt|Sgt|St|Jr|Sr)\.")
_INITIAL = re.compile(r"[A-Z]\.")
_QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"")
_MASK = "\x00"


def _is_capitalised(word: str) -> bool:
    """Whether ``word`` starts with a capital letter (any script): ``Zhao``, ``U.S.``, ``Şahin``."""
    return word[:1].isupper() and _WORDISH.fullmatch(word) is not None


def _is_title_word(word: str) -> bool:
    """Whether ``word`` is written like part of a name: ``Price``, ``McCain``, ``O'Brien``, ``J.``."""
    if _INITIAL.fullmatch(word):
        return True
    letters = re.sub(r"['’-]", "", word)
    return _is_capitalised(word) and not word.isupper() and letters.isalpha()


# How strongly each pattern ties a speaker to a sentence; the lowest rank found wins.
_RANK_QUOTE = 1  # "…," X said / X said: "…"
_RANK_PARENTHETICAL = 2  # …, a US official said, …
_RANK_ACCORDING = 3  # according to X
_RANK_SUBJECT = 4  # X said that …


@dataclass(frozen=True)
class _Attribution:
    """A speaker phrase found in a sentence, and how strong the pattern that found it is."""

    phrase: str
    rank: int


def attribute_transcript_line(line: str) -> tuple[str | None, str]:
    """The speaker of a plain ``SPEAKER: text`` transcript line, and the words spoken.

    The speaker is a name in capitals or Title Case followed by a colon at the start of the
    line (``"COOPER: Good evening."`` gives ``("COOPER", "Good evening.")``); a line without
    one gives ``(None, line)`` with the line unchanged.
    """
    name, length = transcript_label(line.lstrip())
    if name is None:
        return None, line
    return name, line.lstrip()[length:].strip()


def person_names(text: str) -> list[tuple[int, str]]:
    """The full names of people in ``text`` (two to four Title Case words), with their offsets.

    Role words before a name are not part of it (``US National Security Adviser Jake
    Sullivan`` gives ``Jake Sullivan``); names of places and organisations (``United States``,
    ``Financial Times``, ``White House``) and runs in Title Case headlines are left out.
    """
    names: list[tuple[int, str]] = []
    for line in re.finditer(r"[^\r\n]+", text):
        words = line.group().split()
        capitalised = sum(1 for w in words if w[:1].isupper())
        title_case = len(words) >= 5 and capitalised / len(words) > 0.6
        if title_case and not re.search(r"[.!?][\"”’')]*\s*$", line.group()):
            continue  # a Title Case headline: its runs of capitals are not names
        run: list[tuple[int, str]] = []
        for token in re.finditer(r"\S+", line.group()):
            raw = token.group()
            opened = raw.lstrip("\"“‘('")
            word = opened.rstrip(",;:!?\"”)’'")
            closed = word != opened
            if word.endswith(".") and not _ABBREVIATION.fullmatch(word):
                word, closed = word[:-1], True
            if opened != raw:
                names.extend(_names_in_run(run))
                run = []
            if _is_capitalised(word) and not word.endswith(("'s", "’s")):
                run.append((line.start() + token.start() + len(raw) - len(opened), word))
            else:
                names.extend(_names_in_run(run))
                run = []
            if closed:
                names.extend(_names_in_run(run))
                run = []
        names.extend(_names_in_run(run))
    return names


def _names_in_run(run: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The person name at the end of a run of capitalised words, if it is one."""
    words = [word for _, word in run]
    last_role = max((i for i, w in enumerate(words) if w.lower() in _ROLE_WORDS), default=-1)
    first = last_role + 1
    while first < len(words) and (words[first] in _LEADING_SKIP or words[first].lower() in _DETERMINERS):
        first += 1
    name_words = words[first:]
    if len(name_words) >= 2 and _is_person_name(name_words):
        return [(run[first][0], " ".join(name_words))]
    return []


def _is_person_name(words: Sequence[str]) -> bool:
    """Whether ``words`` read as a person's name (not a place, body or acronym)."""
    if not 1 <= len(words) <= 4:
        return False
    if any(w in _ORG_WORDS or w in _PLACES for w in words):
        return False
    return all(_is_title_word(w) for w in words)


def attribute_speakers(text: str, sentences: Sequence[Sentence]) -> list[str | None]:
    """One speaker (or None) per sentence of ``text``, in order.

    ``sentences`` are those :func:`claims.segment.segment` made of ``text``. Named speakers
    are full names without roles; unnamed sources keep their description (``US officials``);
    places and bodies that speak keep their name (``Moscow``); pronouns are resolved to the
    last named person (or, for ``they``/``it``, the last speaker).
    """
    names = person_names(text)
    full_names = {name for _, name in names}
    registry = _Registry(names)
    turns = transcript_turns(text)
    speakers: list[str | None] = []
    last_person: str | None = None
    last_speaker: str | None = None
    last_was_quote = False
    for sentence in sentences:
        attribution = attribute_sentence(sentence.text)
        speaker: str | None = None
        if attribution is not None:
            kind = _PRONOUNS.get(attribution.lower())
            if kind == "person":
                speaker = last_person or _last_mentioned(registry, sentence.start)
            elif kind == "any":
                speaker = last_speaker
            elif kind == "group":
                speaker = last_speaker if last_speaker != last_person else None
            else:
                speaker = _resolve(attribution, registry, sentence.start)
        elif last_was_quote and _is_bare_quote(sentence.text):
            speaker = last_speaker
        if speaker is None:
            speaker = _turn_speaker(turns, sentence.start)
        if speaker is not None:
            last_speaker = speaker
            if speaker in full_names or _is_person_name(speaker.split()):
                last_person = speaker
        last_was_quote = speaker is not None and _QUOTED.search(sentence.text) is not None
        speakers.append(speaker)
    return speakers


def attribute_sentence(sentence: str) -> str | None:
    """The speaker phrase of one sentence as written, before names are resolved; None if none.

    Returns the cleaned phrase (``Ned Price``, ``US official``, ``Sullivan``) or a pronoun
    (``he``, ``him``, ``they``) for :func:`attribute_speakers` to resolve.
    """
    candidates = _quote_attributions(sentence) + _reported_attributions(sentence)
    candidates = [c for c in candidates if c.phrase]
    if not candidates:
        return None
    best = min(candidates, key=lambda c: c.rank)
    return best.phrase


def _mask_quotes(sentence: str) -> str:
    """``sentence`` with every quotation (marks included) blanked out, same length."""
    return _QUOTED.sub(lambda m: _MASK * len(m.group()), sentence)


def _quote_attributions(sentence: str) -> list[_Attribution]:
    """Attributions tied to a quotation: ``"…," X said``, ``"…," said X``, ``X said: "…"``."""
    found: list[_Attribution] = []
    masked = _mask_quotes(sentence)
    for quote in _QUOTED.finditer(sentence):
        after = masked[quote.end():]
        lead = re.match(r"[\s,]*", after)
        rest = after[lead.end():] if lead else after
        inverted = re.match(rf"({_VERB.pattern})\s+", rest)
        if inverted:
            phrase = _phrase_after(rest[inverted.end():])
            if phrase:
                found.append(_Attribution(_clean(phrase), _RANK_QUOTE))
                continue
        verb = _VERB.search(rest)
        if verb and verb.start() > 0:
            subject = _phrase_before(rest, verb.start())
            if subject is not None and subject[0] == 0:
                found.append(_Attribution(_clean(rest[subject[0]:subject[1]]), _RANK_QUOTE))
    for verb in _VERB.finditer(masked):
        if re.match(rf"(?:\s+[\w'’.-]+){{0,3}}?\s*[,:]?\s*{_MASK}", masked[verb.end():]):
            subject = _phrase_before(masked, verb.start())
            if subject is not None:
                found.append(_Attribution(_clean(masked[subject[0]:subject[1]]), _RANK_QUOTE))
    return found


def _reported_attributions(sentence: str) -> list[_Attribution]:
    """Attributions outside quotations: parenthetical sources, ``according to X``, ``X said``."""
    found: list[_Attribution] = []
    masked = _mask_quotes(sentence)
    for verb in _VERB.finditer(masked):
        subject = _phrase_before(masked, verb.start())
        if subject is None:
            continue
        start, end = subject
        phrase = _clean(masked[start:end])
        parenthetical = re.search(r"[,(]\s*$", masked[:start]) and re.match(
            r"(?:\s+on\s+[A-Z]\w+)?\s*(?:[,.;)]|$)", masked[verb.end():]
        )
        found.append(_Attribution(phrase, _RANK_PARENTHETICAL if parenthetical else _RANK_SUBJECT))
    for inverted in re.finditer(rf",\s*(?:{_VERB.pattern})\s+", masked):
        phrase = _phrase_after(masked[inverted.end():])
        if phrase and re.match(r"\s*(?:[.,;]|$)", masked[inverted.end() + len(phrase):]):
            found.append(_Attribution(_clean(phrase), _RANK_PARENTHETICAL))
    for according in re.finditer(r"\b[Aa]ccording to\s+", masked):
        relayed = re.search(rf"(?:{_VERB.pattern}),\s*$", masked[:according.start()])
        if relayed:
            continue  # "Zhao said, according to TASS": TASS relays Zhao's words
        phrase = _phrase_after(masked[according.end():])
        if phrase:
            found.append(_Attribution(_clean(phrase), _RANK_ACCORDING))
    return found


def _phrase_before(text: str, verb_start: int) -> tuple[int, int] | None:
    """The span of the subject phrase that ends just before a verb (auxiliaries skipped)."""
    tokens = list(re.finditer(r"\S+", text[:verb_start]))
    while tokens and tokens[-1].group().lower() in _AUX:
        tokens.pop()
    if not tokens:
        return None
    last = tokens[-1].group()
    if last.endswith(","):
        return _appositive_subject(text, tokens[-1].end() - 1)
    if last.lower() in _PRONOUNS or last.lower() in _FIRST_PERSON:
        return tokens[-1].start(), tokens[-1].end()
    start: int | None = None
    for token in reversed(tokens):
        word = token.group()
        if not _is_description_token(word):
            break
        start = token.start()
        if len(text[start:tokens[-1].end()].split()) >= 9:
            break
    if start is None:
        return None
    return start, tokens[-1].end()


def _appositive_subject(text: str, comma: int) -> tuple[int, int] | None:
    """The subject around an appositive that ends at ``comma``, just before the verb.

    ``Dmitry Peskov, the Kremlin spokesman, said`` and ``the Kremlin spokesman, Dmitry
    Peskov, said`` both give the span of ``Dmitry Peskov``; ``a US official, who spoke on
    condition of anonymity, said`` gives ``a US official``.
    """
    opening = text.rfind(",", 0, comma)
    if opening < 0:
        return None
    inner = text[opening + 1:comma]
    words = inner.split()
    if _MASK in inner or not 1 <= len(words) <= 8 or _VERB.search(inner):
        return None
    if 2 <= len(words) <= 4 and _is_person_name(words):
        lead = len(inner) - len(inner.lstrip())
        return opening + 1 + lead, comma
    head = _phrase_before(text, opening)
    if head is None or text[head[1] - 1] == ",":
        return None
    return head


def _phrase_after(text: str) -> str:
    """The speaker phrase at the start of ``text`` (after ``according to`` or ``said``)."""
    words: list[str] = []
    for token in re.finditer(r"\S+", text):
        raw = token.group()
        word = raw.rstrip(",;:!?)")
        closed = word != raw
        if word.endswith(".") and not _ABBREVIATION.fullmatch(word):
            word, closed = word[:-1], True
        if word.lower() in _PRONOUNS:
            return " ".join(words) if words else word
        if not word or not _is_description_token(word):
            if words and word[:1].islower() and not any(w[:1].isupper() for w in words):
                # "according to official data": the words only modify a noun that is no speaker
                return ""
            break
        words.append(word)
        if closed or len(words) >= 8:
            break
    return " ".join(words)


def _is_description_token(word: str) -> bool:
    """Whether a token can be part of a speaker phrase (a capitalised word or a role word)."""
    if _MASK in word or word.endswith((",", ";", ":")):
        return False
    bare = word.rstrip(".")
    return _is_capitalised(word) or word.lower() in _DESCRIPTION_WORDS or bare.lower() in _DESCRIPTION_WORDS


def _clean(phrase: str) -> str:
    """A speaker phrase without determiners, sentence openers or roles in front of a name."""
    words = phrase.split()
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return words[0].lower()
    if len(words) == 1 and words[0].lower() in _FIRST_PERSON:
        return ""
    while words and (words[0] in _LEADING_SKIP or words[0].lower() in _DETERMINERS):
        words.pop(0)
    if not words:
        return ""
    roles = [i for i, w in enumerate(words) if w.lower() in _ROLE_WORDS]
    if roles and roles[-1] < len(words) - 1:
        name = words[roles[-1] + 1:]
        if all(_is_capitalised(w) for w in name):
            return " ".join(name)
    if all(w.lower() in _DESCRIPTION_WORDS and not w[:1].isupper() for w in words):
        # "officials", "the ministry": too vague to file unless it says whose
        if not any(w.lower() in _ROLE_WORDS for w in words):
            return ""
    return " ".join(words)


class _Registry:
    """A document's full person names by offset, looked up by position and by word in O(log n).

    A long transcript names thousands of people; scanning them all for every sentence made
    attribution quadratic in the text.
    """

    def __init__(self, names: list[tuple[int, str]]) -> None:
        self.names = sorted(names)
        self.offsets = [offset for offset, _ in self.names]
        self.by_word: dict[str, list[tuple[int, str]]] = {}
        for offset, name in self.names:
            for word in dict.fromkeys(name.split()):
                self.by_word.setdefault(word, []).append((offset, name))
        self.word_offsets = {word: [offset for offset, _ in found] for word, found in self.by_word.items()}

    def last_before(self, position: int) -> str | None:
        """The last full name written before ``position``, if any."""
        i = bisect.bisect_left(self.offsets, position)
        return self.names[i - 1][1] if i else None

    def with_word(self, word: str, position: int) -> str | None:
        """The last full name holding ``word`` before ``position``; else the first one after; else None."""
        found = self.by_word.get(word)
        if not found:
            return None
        i = bisect.bisect_left(self.word_offsets[word], position)
        return found[i - 1][1] if i else found[0][1]


def _resolve(phrase: str, registry: _Registry, position: int) -> str:
    """A bare surname or given name resolved to the full name nearest before ``position``."""
    words = phrase.split()
    if len(words) != 1 or phrase in _PLACES or phrase.isupper():
        return phrase
    return registry.with_word(phrase, position) or phrase


def _last_mentioned(registry: _Registry, position: int) -> str | None:
    """The last full person name written before ``position``, if any."""
    return registry.last_before(position)


def _is_bare_quote(sentence: str) -> bool:
    """Whether a sentence is nothing but a quotation (it continues the previous speaker)."""
    return bool(re.fullmatch(r"\s*(?:“[^“”]*”|\"[^\"]*\")\s*", sentence))


def _turn_speaker(turns: list[tuple[int, int, str | None]], position: int) -> str | None:
    """The transcript speaker whose turn holds ``position``, if the text is a transcript."""
    index = bisect.bisect_right(turns, position, key=lambda turn: turn[0]) - 1
    if index >= 0 and position < turns[index][1]:
        return turns[index][2]
    return None
