"""Tests for claims.segment: sentences, offsets, boilerplate, datelines, headlines, transcripts."""

from __future__ import annotations

import pytest

from claims.models import Sentence
from claims.segment import (
    dateline_length,
    headline_span,
    is_boilerplate,
    is_headline,
    segment,
    split_paragraphs,
    transcript_label,
    transcript_turns,
)


def texts(text: str) -> list[str]:
    """The sentence texts of ``text``, after checking every offset against the source."""
    sentences = segment(text)
    for s in sentences:
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text
    starts = [s.start for s in sentences]
    assert starts == sorted(starts)
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   \n\t\r\n  ", []),
        ("One sentence.", ["One sentence."]),
        ("First one. Second one! Third one?", ["First one.", "Second one!", "Third one?"]),
        (
            "The U.S. economy grew 3.5 percent in Jan. and added 1,200 jobs. Prices fell.",
            ["The U.S. economy grew 3.5 percent in Jan. and added 1,200 jobs.", "Prices fell."],
        ),
        (
            "Mr. Smith met Gov. Brown and Dr. Jones at 3 p.m. on Monday. They talked.",
            ["Mr. Smith met Gov. Brown and Dr. Jones at 3 p.m. on Monday.", "They talked."],
        ),
        (
            "The plan costs $1.5 billion. Unemployment fell to 3.7%. It ranked No. 1 in the U.K. last year.",
            ["The plan costs $1.5 billion.", "Unemployment fell to 3.7%.", "It ranked No. 1 in the U.K. last year."],
        ),
        (
            '"We will not stand by. We will act," Price said. He left.',
            ['"We will not stand by. We will act," Price said.', "He left."],
        ),
        (
            "“We will not stand by. We will act,” Price said. He left.",
            ["“We will not stand by. We will act,” Price said.", "He left."],
        ),
        (
            'He said: "It is false. Totally false." Then he left.',
            ['He said: "It is false. Totally false."', "Then he left."],
        ),
        # pysbd cuts after "D-Mass." and inside a URL; the pieces are glued back.
        (
            "Sen. Warren, D-Mass., said so. Rep. Ocasio-Cortez agreed.",
            ["Sen. Warren, D-Mass., said so.", "Rep. Ocasio-Cortez agreed."],
        ),
        (
            "See https://example.com/a.b?x=1 for details. Then leave.",
            ["See https://example.com/a.b?x=1 for details.", "Then leave."],
        ),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # Windows line endings, leading and trailing blanks.
        (
            "  Headline Here\r\n\r\n  First line. Second.  \r\nThird line.\r\n",
            ["Headline Here", "First line.", "Second.", "Third line."],
        ),
        ("\n\n\tTabbed start. End.\t\n", ["Tabbed start.", "End."]),
        # A hard-wrapped sentence runs on into the next line; the break stays inside the text.
        (
            "Russia has not captured any\r\nof the cities. Next.",
            ["Russia has not captured any\r\nof the cities.", "Next."],
        ),
        ("Line without stop\nAnother Line starts upper.", ["Line without stop", "Another Line starts upper."]),
        ("Ends here.\nlower start is its own paragraph.", ["Ends here.", "lower start is its own paragraph."]),
    ],
)
def test_offsets_with_line_endings_and_whitespace(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_offsets_exact() -> None:
    text = "  A first.\r\nB second. C third.  "
    assert segment(text) == [
        Sentence("A first.", 2, 10),
        Sentence("B second.", 12, 21),
        Sentence("C third.", 22, 30),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "SEE ALSO:",
        "SEE ALSO: China denies helping Russia",
        "READ MORE: The war in Ukraine",
        "Read more: the war",
        "Related: Sanctions explained",
        "Related Articles: one, two",
        "Advertisement",
        "ADVERTISEMENT",
        "Subscribe to our newsletter",
        "Subscribe now for $1",
        "By Jane Doe",
        "By JANE DOE",
        "By Jane Doe and John Roe",
        "By Jane Doe, Reuters",
        "By Jane Doe | Updated March 3, 2022",
        "© 2022 Reuters",
        "Copyright 2022 The Associated Press. All rights reserved.",
        "(c) 2021 Example News",
        "https://example.com/news/article-1",
        "www.example.com",
        "<https://example.com>",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)
    text = f"Headline Of The Story\n{line}\nPrices rose 3 percent.\n"
    assert texts(text) == ["Headline Of The Story", "Prices rose 3 percent."]


@pytest.mark.parametrize(
    "line",
    [
        "By Monday, the troops had left.",
        "By 2020 the debt had doubled.",
        "Subscribers rose by 10 percent.",
        "The advertisement ran for weeks.",
        "Related talks resumed on Monday.",
        "He visited https://example.com yesterday.",
    ],
)
def test_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)
    assert texts(line) == [line]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("JAKARTA - The United States warned China.", "The United States warned China."),
        ("WASHINGTON (Reuters) - The Fed raised rates.", "The Fed raised rates."),
        ("WASHINGTON (Reuters) -The Fed raised rates.", "The Fed raised rates."),
        ("LONDON, March 3 — Prices rose 3.5 percent.", "Prices rose 3.5 percent."),
        ("NEW YORK (AP) — Stocks fell.", "Stocks fell."),
        ("Kyiv, Ukraine (CNN)—Russia fired missiles.", "Russia fired missiles."),
        ("JAKARTA, KOMPAS.com - Harga naik.", "Harga naik."),
        ("ST. LOUIS - The river rose.", "The river rose."),
        ("Beijing, Jan. 5, 2022 – Exports grew.", "Exports grew."),
    ],
)
def test_dateline_stripped(text: str, expected: str) -> None:
    sentences = segment(text)
    assert [s.text for s in sentences] == [expected]
    assert sentences[0].start == text.index(expected)
    assert dateline_length(text) == text.index(expected)


@pytest.mark.parametrize(
    "text",
    [
        "The United States - and China - met.",
        "Jake Sullivan - the adviser - met Yang.",
        "US - China talks resumed.",
        "WASHINGTON -",
        "Moscow called it a special operation.",
    ],
)
def test_no_dateline(text: str) -> None:
    assert dateline_length(text) == 0
    assert texts(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Big Headline Here\nBody sentence.", (0, 17)),
        ("  Will China Help Russia?\r\nBody.", (2, 25)),
        ("\n\nTalks End\n\nBody.", (2, 11)),
        ("SEE ALSO:\nTalks End\nBody.", (10, 19)),
        ("By Jane Doe\nBody.", None),
        ("A single line post without a stop", None),
        ("First paragraph ends with a stop.\nSecond.", None),
        ("Lead in:\nBody.", None),
        ("COOPER: Good evening\nSMITH: Hello.", None),
        (" ".join(["Word"] * 31) + "\nBody.", None),
    ],
)
def test_headline_span(text: str, expected: tuple[int, int] | None) -> None:
    assert headline_span(text) == expected


def test_is_headline() -> None:
    text = "Talks End Without Deal\nThe talks ended. Nobody agreed."
    flags = [is_headline(s, text) for s in segment(text)]
    assert flags == [True, False, False]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A\nB", [(0, 1), (2, 3)]),
        ("a\nb", [(0, 3)]),
        ("  a  \r\n\r\n b ", [(2, 3), (10, 11)]),
        ("no stop\ncontinued here.\nNew one.", [(0, 23), (24, 32)]),
        ("", []),
    ],
)
def test_split_paragraphs(text: str, expected: list[tuple[int, int]]) -> None:
    assert split_paragraphs(text) == expected


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ANDERSON COOPER: Good evening.", ("ANDERSON COOPER", 17)),
        ("SEN. JOHN SMITH (R-TX): Taxes rose.", ("SEN. JOHN SMITH", 24)),
        ("Joe Biden: We did it.", ("Joe Biden", 11)),
        ("Q: Why?", ("Q", 3)),
        ("Note: the figures are provisional.", (None, 0)),
        ("SEE ALSO: more", (None, 0)),
        ("Here is the thing: it failed.", (None, 0)),
        ("10:30 The meeting began.", (None, 0)),
        ("BIDEN:no space", (None, 0)),
    ],
)
def test_transcript_label(line: str, expected: tuple[str | None, int]) -> None:
    assert transcript_label(line) == expected


def test_transcript_labels_cut_from_sentences() -> None:
    text = "COOPER: Good evening. Taxes rose 5 percent.\r\nBIDEN: That is false.\ncontinued without label.\n"
    assert texts(text) == ["Good evening.", "Taxes rose 5 percent.", "That is false.", "continued without label."]
    assert [speaker for _, _, speaker in transcript_turns(text)] == ["COOPER", "BIDEN", "BIDEN"]


def test_single_label_is_not_a_transcript() -> None:
    text = "Beijing: Talks Resume\nThe talks resumed on Monday."
    assert texts(text) == ["Beijing: Talks Resume", "The talks resumed on Monday."]
    assert [speaker for _, _, speaker in transcript_turns(text)] == [None, None]


def test_seed_article(seed_text: str) -> None:
    text = seed_text
    result = texts(text)
    assert result[0] == (
        "US Security Adviser Meets Chinese Diplomat For Seven Hours Advises Beijing Not To Try To Help Russia"
    )
    assert result[1].startswith("The United States warned China after hours")
    assert not any("JAKARTA" in s for s in result)
    assert not any("SEE ALSO" in s for s in result)
    assert len(result) == 21
    assert "Moscow called its actions a \"special military operation\" to \"denazify\" the country." in result
    assert result[-1] == "Zhao Lijian also emphasized that China's attitude towards Ukraine is coherent and clear."
    assert headline_span(text) == (0, len(result[0]))
