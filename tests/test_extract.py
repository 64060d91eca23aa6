"""Tests for claims.extract: segmentation, scores, claim flags and speakers together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from claims.detect import DEFAULT_CLAIM_THRESHOLD, HeuristicScorer, score_checkworthiness
from claims.errors import InvalidValueError
from claims.extract import HEURISTIC, extract, scorer_threshold, uses_heuristic
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


# -- scorers: the trained detector, the heuristic fallback -------------------------------------------


class FixedScorer:
    """Scores sentences by a table and counts its calls; carries its own threshold."""

    def __init__(self, scores: dict[str, float], threshold: float = 0.5) -> None:
        self.scores = scores
        self.threshold = threshold
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[float]:
        self.calls.append(list(texts))
        return [self.scores[t] for t in texts]


TABLE = {"Prices Rose Again": 0.9, "Unemployment fell to 3.7% in 2019.": 0.7, "Thank you.": 0.4, "What now?": 0.2}
TEXT = "Prices Rose Again\nUnemployment fell to 3.7% in 2019. Thank you. What now?"


def test_scorer_scores_all_sentences_at_once() -> None:
    scorer = FixedScorer(TABLE)
    result = extract(TEXT, scorer=scorer)
    assert scorer.calls == [list(TABLE)]
    assert [(s.checkworthiness, s.is_claim) for s in result] == [(0.9, False), (0.7, True), (0.4, False), (0.2, False)]


@pytest.mark.parametrize(
    "own, given, expected",
    [
        (0.5, None, [False, True, False, False]),
        (0.3, None, [False, True, True, False]),
        (0.3, 0.75, [False, False, False, False]),
        (0.9, 0.0, [False, True, True, True]),
    ],
)
def test_threshold_defaults_to_the_scorers_own(own: float, given: float | None, expected: list[bool]) -> None:
    result = extract(TEXT, scorer=FixedScorer(TABLE, own), claim_threshold=given)
    assert [s.is_claim for s in result] == expected


def test_scorer_without_threshold_uses_the_default() -> None:
    result = extract(TEXT, scorer=lambda texts: [TABLE[t] for t in texts])
    assert [s.is_claim for s in result] == [False, True, False, False]
    assert scorer_threshold(lambda texts: []) == DEFAULT_CLAIM_THRESHOLD


def test_scorer_must_score_every_sentence() -> None:
    with pytest.raises(InvalidValueError, match="the scorer returned 1 scores for 4 sentences"):
        extract(TEXT, scorer=lambda texts: [0.5])


def test_no_scorer_is_the_heuristic_fallback() -> None:
    assert uses_heuristic(None) and uses_heuristic(HEURISTIC) and uses_heuristic(HeuristicScorer(reason="x"))
    assert not uses_heuristic(FixedScorer(TABLE))
    assert HEURISTIC.fallback and HEURISTIC.name == "heuristic" and "no trained detector" in HEURISTIC.reason
    assert extract(TEXT) == extract(TEXT, scorer=HEURISTIC)
    assert [s.checkworthiness for s in extract(TEXT)] == [score_checkworthiness(t) for t in TABLE]


def test_empty_text_never_calls_the_scorer() -> None:
    scorer = FixedScorer({})
    assert extract("  \n", scorer=scorer) == [] and scorer.calls == []


@pytest.fixture(scope="module")
def detector_scorer(embedder):
    from claims.detector import DetectorScorer, load_scorer

    scorer = load_scorer(embedder.encode)
    assert isinstance(scorer, DetectorScorer) and not uses_heuristic(scorer)
    return scorer


@pytest.mark.slow
def test_seed_article_with_the_detector(detector_scorer) -> None:
    text = seed_text()
    result = extract(text, scorer=detector_scorer)
    heuristic = extract(text)
    # the same sentences, offsets and speakers; only scores and flags come from the detector
    assert [(s.text, s.start, s.end, s.speaker) for s in result] == [
        (s.text, s.start, s.end, s.speaker) for s in heuristic]
    assert not result[0].is_claim  # the headline never is
    for s in result:
        assert s.is_claim == (s.checkworthiness >= 0.5 and s is not result[0])
    # Which sentences are flagged is tested one by one below; precision is measured where it means
    # something, on 777 labelled news sentences (test_detector.test_news_dev_f1), not on 21.
    assert 5 <= sum(s.is_claim for s in result) < len(result) - 3
    assert result == extract(text, scorer=detector_scorer)


@pytest.mark.slow
@pytest.mark.parametrize(
    "prefix, is_claim",
    [
        # the facts about the war and the talks, reported and attributed as news does
        ("The United States warned China after hours of", True),
        ("Russia has not captured any of Ukraine's 10 largest cities", True),
        ('Moscow called its actions a "special military operation"', True),
        ("China has signaled a willingness to provide assistance to Russia, a US official said", True),
        ('The seven-hour meeting was "intense"', True),
        ("Earlier, the Financial Times reported Russia had requested Chinese military equipment", True),
        ("US officials say Russia has requested military equipment", True),
        ("Beijing has denounced Washington's recent accusations of disinformation", True),
        ('"The accusations about the matter being disseminated by the US are false information,"', True),
        ("According to him, recently Washington has deliberately circulated misinformation", True),
        # quoted resolve, a stance, and a pointer to a statement
        ('"We will not allow any country to compensate Russia for its losses," he stressed.', False),
        ('"We have communicated very clearly to Beijing that we will not stand by,"', False),
        ("Zhao Lijian also emphasized that China's attitude towards Ukraine is coherent and clear.", False),
        ("China's foreign ministry spokesman Zhao Lijian said in a press statement", False),
    ],
)
def test_seed_sentences_with_the_detector(detector_scorer, prefix: str, is_claim: bool) -> None:
    assert find(extract(seed_text(), scorer=detector_scorer), prefix).is_claim is is_claim


@pytest.mark.slow
def test_detector_flags_obvious_sentences(detector_scorer) -> None:
    result = extract("Unemployment fell to 3.7% in 2019, the lowest rate since 1969. Thank you very much.",
                     scorer=detector_scorer)
    assert [s.is_claim for s in result] == [True, False]
    assert result[0].checkworthiness > 0.9 > 0.1 > result[1].checkworthiness
