"""Tests for claims.extract: segmentation, scores, claim flags and speakers together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claims.detect import DEFAULT_CLAIM_THRESHOLD
from claims.extract import extract
from claims.models import ExtractedSentence

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "article.txt"


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent")
    return SEED.read_text(encoding="utf-8")


def find(result: list[ExtractedSentence], prefix: str) -> ExtractedSentence:
    [match] = [s for s in result if s.text.startswith(prefix)]
    return match


def test_seed_article_end_to_end() -> None:
    text = seed_text()
    result = extract(text)
    assert len(result) == 21
    for s in result:
        assert text[s.start:s.end] == s.text
        assert 0.0 <= s.checkworthiness <= 1.0
        assert s.is_claim == (s.checkworthiness >= DEFAULT_CLAIM_THRESHOLD and s is not result[0])
    assert not any("SEE ALSO" in s.text for s in result)
    # the headline is never a claim, whatever its score
    headline = result[0]
    assert headline.text.startswith("US Security Adviser Meets Chinese Diplomat")
    assert (headline.start, headline.is_claim, headline.speaker) == (0, False, None)
    # the dateline is cut off the second line's sentence
    second = result[1]
    assert second.text.startswith("The United States warned China")
    assert second.start == text.index("JAKARTA - ") + len("JAKARTA - ")


@pytest.mark.parametrize(
    "prefix, speaker",
    [
        (
            "Russia has not captured any of Ukraine's 10 largest cities since starting its offensive on February 24,",
            None,
        ),
        ("China has signaled a willingness to provide assistance to Russia, a US official said", "US official"),
        ("US officials say Russia has requested military equipment", "US officials"),
        ("Earlier, the Financial Times reported Russia had requested Chinese military equipment", "US officials"),
        ("Beijing has denounced Washington's recent accusations of disinformation", "Beijing"),
        ("Sullivan said, Washington is watching closely", "Jake Sullivan"),
        ('"The accusations about the matter being disseminated by the US are false information,"', "Zhao Lijian"),
        ("The United States warned China", "United States"),
    ],
)
def test_seed_claims(prefix: str, speaker: str | None) -> None:
    sentence = find(extract(seed_text()), prefix)
    assert sentence.is_claim
    assert sentence.speaker == speaker


@pytest.mark.parametrize(
    "prefix, speaker",
    [
        ('"We have communicated very clearly to Beijing that we will not stand by,"', "Ned Price"),
        ('"We will not allow any country to compensate Russia for its losses," he stressed.', "Ned Price"),
        ('"We communicate directly, personally to Beijing', "Jake Sullivan"),
        ('"We will not allow that to continue', "Jake Sullivan"),
        ('Moscow called its actions a "special military operation"', "Moscow"),
        ("Zhao Lijian also emphasized that China's attitude towards Ukraine is coherent and clear.", "Zhao Lijian"),
    ],
)
def test_seed_statements_of_intent_are_not_claims(prefix: str, speaker: str) -> None:
    sentence = find(extract(seed_text()), prefix)
    assert not sentence.is_claim
    assert sentence.speaker == speaker


def test_claim_flags_follow_score_and_threshold() -> None:
    text = "Prices Rose Again\nUnemployment fell to 3.7% in 2019. Thank you. What now?"
    default = extract(text)
    assert [(s.text, s.is_claim) for s in default] == [
        ("Prices Rose Again", False),
        ("Unemployment fell to 3.7% in 2019.", True),
        ("Thank you.", False),
        ("What now?", False),
    ]
    assert [s.is_claim for s in extract(text, claim_threshold=0.0)] == [False, True, True, True]
    assert [s.is_claim for s in extract(text, claim_threshold=1.01)] == [False, False, False, False]


def test_one_line_post_is_not_a_headline() -> None:
    [sentence] = extract("Unemployment fell to 3.7% in 2019")
    assert sentence.is_claim


@pytest.mark.parametrize(
    "text, default, expected",
    [
        ("Unemployment fell to 3.7% in 2019.", "@janedoe", ["@janedoe"]),
        ("Unemployment fell to 3.7% in 2019.", None, [None]),
        ('"Taxes rose 5 percent," Jane Smith said. Prices fell.', "@janedoe", ["Jane Smith", "@janedoe"]),
    ],
)
def test_default_speaker(text: str, default: str | None, expected: list[str | None]) -> None:
    assert [s.speaker for s in extract(text, default_speaker=default)] == expected


def test_transcript() -> None:
    text = "COOPER: Unemployment fell to 3.7 percent in 2019.\nBIDEN: That is not true.\n"
    result = extract(text, default_speaker="Debate")
    assert [(s.text, s.speaker) for s in result] == [
        ("Unemployment fell to 3.7 percent in 2019.", "COOPER"),
        ("That is not true.", "BIDEN"),
    ]
    assert result[0].is_claim


@pytest.mark.parametrize("text", ["", "   \r\n\t", "SEE ALSO:\nAdvertisement"])
def test_nothing_to_extract(text: str) -> None:
    assert extract(text) == []


def test_deterministic_and_json_ready() -> None:
    text = seed_text()
    first, second = extract(text), extract(text)
    assert first == second
    assert set(first[2].to_json()) == {"text", "start", "end", "checkworthiness", "is_claim", "speaker"}


def test_core_does_not_import_streamlit() -> None:
    code = "import sys, claims.extract; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
