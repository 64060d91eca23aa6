"""Tests for claims.speakers: quotes, reported speech, pronouns, surnames, roles, transcripts."""

from __future__ import annotations

import pytest

from claims.segment import segment
from claims.speakers import attribute_sentence, attribute_speakers, attribute_transcript_line, person_names


def speakers_of(text: str) -> list[str | None]:
    return attribute_speakers(text, segment(text))


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a quotation and its attribution
        ('"Taxes rose," Jane Smith said.', "Jane Smith"),
        ('"Taxes rose," said Jane Smith.', "Jane Smith"),
        ("“Taxes rose,” Jane Smith told reporters on Monday.", "Jane Smith"),
        ('Jane Smith said, "Taxes rose."', "Jane Smith"),
        ('Jane Smith told the BBC: "Taxes rose."', "Jane Smith"),
        ('"Taxes rose," Jane Smith said, according to TASS.', "Jane Smith"),
        ('"Taxes rose," State Department spokesman Ned Price said.', "Ned Price"),
        # reported speech
        ("Jane Smith said that taxes rose.", "Jane Smith"),
        ("Jane Smith said taxes rose.", "Jane Smith"),
        ("Jane Smith told reporters taxes rose.", "Jane Smith"),
        ("Jane Smith stressed that taxes rose.", "Jane Smith"),
        ("Jane Smith emphasized that taxes rose.", "Jane Smith"),
        ("Jane Smith also emphasised that taxes rose.", "Jane Smith"),
        ("Jane Smith added that taxes rose.", "Jane Smith"),
        ("Jane Smith noted that taxes rose.", "Jane Smith"),
        ("Jane Smith warned that taxes would rise.", "Jane Smith"),
        ("Jane Smith claimed that taxes rose.", "Jane Smith"),
        ("Jane Smith insisted that taxes rose.", "Jane Smith"),
        ("Jane Smith has repeatedly denied that taxes rose.", "Jane Smith"),
        ("Earlier, Jane Smith said taxes rose.", "Jane Smith"),
        ("Smith claims that taxes rose.", "Smith"),
        # according to
        ("Taxes rose, according to Jane Smith.", "Jane Smith"),
        ("According to Jane Smith, taxes rose.", "Jane Smith"),
        ("Taxes rose, according to US officials.", "US officials"),
        ("Taxes rose, according to a US official.", "US official"),
        ("Taxes rose, according to TASS.", "TASS"),
        ("According to the data, taxes rose.", None),
        # parenthetical sources win over the subject of the sentence
        ("Taxes rose, a senior official said.", "senior official"),
        ("Taxes rose, inflation fell, Jane Smith said.", "Jane Smith"),
        ("Apple said revenue rose 5 percent.", "Apple"),
        ("The report said that revenue rose.", None),
        ("Beijing warned that the sanctions would fail, a Chinese diplomat said on Monday.", "Chinese diplomat"),
        ("Taxes rose, said Jane Smith, the minister.", "Jane Smith"),
        # unnamed sources keep their description
        ("US officials say taxes rose.", "US officials"),
        ("A US official said taxes rose.", "US official"),
        ("Two Western diplomats said the talks failed.", "Western diplomats"),
        ("Officials said the talks failed.", "Officials"),
        # roles are not part of the name
        ("State Department spokesman Ned Price said the talks failed.", "Ned Price"),
        ("China's foreign ministry spokesman Zhao Lijian said the talks failed.", "Zhao Lijian"),
        ("US National Security Adviser Jake Sullivan said the talks failed.", "Jake Sullivan"),
        ("Russian President Vladimir Putin said the talks failed.", "Vladimir Putin"),
        ("Mr. Smith said the talks failed.", "Smith"),
        # appositives
        ("Dmitry Peskov, the Kremlin spokesman, said the talks failed.", "Dmitry Peskov"),
        ("The Kremlin spokesman, Dmitry Peskov, said the talks failed.", "Dmitry Peskov"),
        ("The company's chief executive, Tim Cook, said revenue rose.", "Tim Cook"),
        ("A US official, who spoke on condition of anonymity, said the talks failed.", "US official"),
        ("Putin, 69, said the talks failed.", "Putin"),
        ('"Talks failed," Dmitry Peskov, the Kremlin spokesman, told reporters.', "Dmitry Peskov"),
        ("The talks failed, said Dmitry Peskov, the Kremlin spokesman.", "Dmitry Peskov"),
        ("Russia, which invaded Ukraine in February, said the talks failed.", "Russia"),
        # places and bodies that speak
        ("Moscow called its actions a special military operation.", "Moscow"),
        ("Beijing has denounced the accusations.", "Beijing"),
        ("The Kremlin rejected the report.", "Kremlin"),
        ("The United States warned China on Monday.", "United States"),
        # no attribution
        ("Taxes rose last year.", None),
        ("The minister met her counterpart in Rome.", None),
        ("They declined to provide details.", None),
        ("Russia has requested military equipment.", None),
        ("The claims were false.", None),
        ("US claims about the labs were false.", None),
        ("I said that taxes rose.", None),
        ("We have said it before.", None),
        ('"Taxes rose."', None),
    ],
)
def test_single_sentence(sentence: str, expected: str | None) -> None:
    assert speakers_of(sentence) == [expected]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ('"Taxes rose," he said.', "he"),
        ('"Taxes rose," she stressed.', "she"),
        ("According to him, taxes rose.", "him"),
        ("They said taxes rose.", "they"),
        ("Sullivan said, Washington is watching closely.", "Sullivan"),
        ("Taxes rose.", None),
    ],
)
def test_attribute_sentence_before_resolution(sentence: str, expected: str | None) -> None:
    assert attribute_sentence(sentence) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # a pronoun goes to the last named person who spoke
        (
            '"We will act," Ned Price said. "We will not allow it," he stressed.',
            ["Ned Price", "Ned Price"],
        ),
        (
            '"We will act," Ned Price said. Taxes rose. "We will not allow it," she added.',
            ["Ned Price", None, "Ned Price"],
        ),
        # ... not to a person named inside the quotation, nor to an unnamed source
        (
            '"Joe Biden is wrong," Jane Smith said. Taxes rose, a US official said. "He lied," she added.',
            ["Jane Smith", "US official", "Jane Smith"],
        ),
        # ... and with no speaker yet, to the last person named
        (
            'Jake Sullivan met Yang Jiechi in Rome. "It went well," he said.',
            [None, "Yang Jiechi"],
        ),
        ('"It went well," he said.', [None]),
        # "they" goes to the last speaker, even an unnamed one
        ("US officials say Russia asked for help. They said China agreed.", ["US officials", "US officials"]),
        # a bare surname or given name resolves to the full name given in the document
        (
            "National security adviser Jake Sullivan met Yang Jiechi. Sullivan said the talks were intense.",
            [None, "Jake Sullivan"],
        ),
        (
            "China's foreign ministry spokesman Zhao Lijian spoke on Monday. "
            '"The accusations are false," Zhao said, according to TASS.',
            [None, "Zhao Lijian"],
        ),
        ('"Talks failed," Sullivan said. Jake Sullivan is the national security adviser.', ["Jake Sullivan", None]),
        ('"Talks failed," Sullivan said.', ["Sullivan"]),
        # "it" goes to the last speaker that is not a person
        ("The Kremlin said the talks failed. It added that Russia would respond.", ["Kremlin", "Kremlin"]),
        ('"We will act," Ned Price said. It added that Russia would respond.', ["Ned Price", None]),
        # names in any script
        ("Recep Tayyip Erdoğan met Olaf Scholz. Erdoğan said the talks failed.", [None, "Recep Tayyip Erdoğan"]),
        # a quotation that continues the previous one keeps its speaker
        ('"Talks failed," Jane Smith said. "We will try again."', ["Jane Smith", "Jane Smith"]),
        ('Taxes rose. "We will try again."', [None, None]),
    ],
)
def test_document(text: str, expected: list[str | None]) -> None:
    assert speakers_of(text) == expected


def test_transcript_turns_give_speakers() -> None:
    text = (
        "COOPER: Good evening. Unemployment fell to 3.7 percent.\n"
        "BIDEN: That is true. My opponent said it rose.\n"
        "And the deficit fell.\n"
        "TRUMP: Wrong."
    )
    assert speakers_of(text) == ["COOPER", "COOPER", "BIDEN", "BIDEN", "BIDEN", "TRUMP"]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ANDERSON COOPER: Good evening.", ("ANDERSON COOPER", "Good evening.")),
        ("  BIDEN:   Taxes rose.  ", ("BIDEN", "Taxes rose.")),
        ("Joe Biden: We did it.", ("Joe Biden", "We did it.")),
        ("SEN. JOHN SMITH (R-TX): Taxes rose.", ("SEN. JOHN SMITH", "Taxes rose.")),
        ("Note: figures are provisional.", (None, "Note: figures are provisional.")),
        ("Taxes rose: 3 percent.", (None, "Taxes rose: 3 percent.")),
        ("", (None, "")),
    ],
)
def test_attribute_transcript_line(line: str, expected: tuple[str | None, str]) -> None:
    assert attribute_transcript_line(line) == expected


def test_person_names() -> None:
    text = (
        "US Security Adviser Meets Chinese Diplomat For Seven Hours\n"
        "US National Security Adviser Jake Sullivan met Chinese diplomat Yang Jiechi in Rome. "
        "State Department spokesman Ned Price spoke to the Financial Times and the White House. "
        "The United States fought in World War Two."
    )
    assert [name for _, name in person_names(text)] == ["Jake Sullivan", "Yang Jiechi", "Ned Price"]
    offset, name = person_names(text)[0]
    assert text[offset:offset + len(name)] == name


def test_seed_article(seed_text: str) -> None:
    text = seed_text
    sentences = segment(text)
    got = dict(zip((s.text for s in sentences), attribute_speakers(text, sentences)))
    expected = {
        "US Security Adviser Meets Chinese Diplomat For Seven Hours Advises Beijing Not To Try To Help Russia": None,
        "The United States warned China after hours of": "United States",
        "Russia has not captured any of Ukraine's 10 largest cities": None,
        'Moscow called its actions a "special military operation"': "Moscow",
        "China has signaled a willingness to provide assistance to Russia, a US official said": "US official",
        '"We have communicated very clearly to Beijing that we will not stand by,"': "Ned Price",
        '"We will not allow any country to compensate Russia for its losses," he stressed.': "Ned Price",
        'The seven-hour meeting was "intense"': "US official",
        "The West is considering how to handle": None,
        "Earlier, the Financial Times reported Russia had requested": "US officials",
        "US officials say Russia has requested military equipment": "US officials",
        "They declined to provide details": None,
        "In response, US National Security Adviser Jake Sullivan, before the meeting with Jiechi.": None,
        "Sullivan said, Washington is watching closely": "Jake Sullivan",
        '"We communicate directly, personally to Beijing': "Jake Sullivan",
        '"We will not allow that to continue': "Jake Sullivan",
        "Beijing has denounced Washington's recent accusations": "Beijing",
        "China's foreign ministry spokesman Zhao Lijian said in a press statement": "Zhao Lijian",
        '"The accusations about the matter being disseminated by the US are false information,"': "Zhao Lijian",
        "According to him, recently Washington has deliberately circulated": "Zhao Lijian",
        "Zhao Lijian also emphasized that China's attitude": "Zhao Lijian",
    }
    assert len(got) == len(expected)
    for prefix, speaker in expected.items():
        [sentence] = [s for s in got if s.startswith(prefix)]
        assert got[sentence] == speaker, sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Unemployment fell to 3.5 percent in 2019 according to official data.",
        "According to official figures, prices rose 9 percent.",
    ],
)
def test_according_to_a_thing_is_no_speaker(sentence):
    assert attribute_speakers(sentence, segment(sentence)) == [None]


def test_name_lookups_equal_a_scan_of_every_name():
    """The registry's O(log n) lookups give what scanning all names before/after a position gives."""
    import random

    from claims.speakers import _Registry

    rnd = random.Random(7)
    first, last = ["Ana", "Ben", "Cai", "Dana"], ["Reyes", "Osei", "Lin", "Ortiz", "Price"]
    names = sorted({(rnd.randrange(10_000), f"{rnd.choice(first)} {rnd.choice(last)}") for _ in range(300)})
    registry = _Registry(names)
    for position in [0, 5, 9_999, 10_001] + [rnd.randrange(10_000) for _ in range(200)]:
        before = [n for o, n in names if o < position]
        assert registry.last_before(position) == (before[-1] if before else None)
        for word in ("Osei", "Dana", "Price", "Nobody"):
            earlier = [n for o, n in names if o < position and word in n.split()]
            anywhere = [n for _, n in names if word in n.split()]
            want = earlier[-1] if earlier else (anywhere[0] if anywhere else None)
            assert registry.with_word(word, position) == want
