"""Contradiction hints: a denial of an accusation in one document, a flipped negation, and their limits."""

import pytest

from claims.contradict import content_words, denial_cue, denials_in_document, negation_flip
from claims.detect import HeuristicScorer
from claims.extract import extract


@pytest.fixture
def seed_rows(seed_text):
    sentences = extract(seed_text, scorer=HeuristicScorer())
    return [(i, s.text, s.speaker, s.is_claim) for i, s in enumerate(sentences)]


def test_the_seed_article_s_denied_accusation_is_found_both_ways(seed_rows):
    hints = denials_in_document(seed_rows)
    text = {i: t for i, t, _, _ in seed_rows}
    accusation = next(i for i, t, _, _ in seed_rows if t.startswith("Earlier, the Financial Times reported"))
    denial = next(i for i, t, _, _ in seed_rows if t.startswith('"The accusations about the matter'))
    assert denial in {h.other_claim_id for h in hints[accusation]}
    assert [h.other_claim_id for h in hints[denial]] == [accusation]
    assert all(h.kind == "denial" for hs in hints.values() for h in hs)
    # No hint on the sentences that deny nothing and are denied by nobody.
    quiet = [i for i, t, _, _ in seed_rows if t.startswith(("The United States warned", "Russia has not captured"))]
    assert not any(i in hints for i in quiet), {i: text[i] for i in hints}


FILLER = ["The talks lasted seven hours in Rome on Monday.", "Markets in Asia opened higher on Tuesday.",
          "The summit is planned for June in Geneva.", "Fuel prices rose sharply across Europe."]


def _document(accusation_speaker: str, denial_speaker: str) -> list[tuple[int, str, str | None, bool]]:
    texts = [FILLER[0], "Officials said Russia requested military drones from Iran last week.", FILLER[1],
             FILLER[2], "The report that Russia requested military drones from Iran is false, the embassy said.",
             FILLER[3]]
    speakers = [None, accusation_speaker, None, None, denial_speaker, None]
    return [(i, t, sp, True) for i, (t, sp) in enumerate(zip(texts, speakers))]


def test_a_denial_by_another_speaker_is_a_hint_and_one_speaker_restating_is_not():
    assert {i: [h.other_claim_id for h in hs] for i, hs in denials_in_document(_document("Ann", "Tehran")).items()} \
        == {1: [4], 4: [1]}
    assert denials_in_document(_document("Ann", "Ann")) == {}


@pytest.mark.parametrize("text, cue", [
    ("The accusations are false information, Zhao said.", "are false information"),
    ("That is disinformation, the embassy said.", "is disinformation"),
    ("The ministry denied the report.", "denied the report"),
    ("Beijing has denounced Washington's recent accusations of disinformation", "denounced Washington's recent accusations"),
    ("The spokesman called the story a lie.", "called the story a lie"),
    ("Inflation rose 4 percent in May.", None),
    ("The post was flagged as part of efforts to combat false news and misinformation.", None),
    ("Many said his baseless accusations were unprecedented.", None),
    ("Droz has denied the science of climate change.", None),
])
def test_denial_cues(text, cue):
    assert denial_cue(text) == cue


@pytest.mark.parametrize("claim, statement, flipped", [
    ("Russia has captured Kyiv.", "Russia has not captured Kyiv.", True),
    ("Russia hasn't captured Kyiv.", "Russia captured Kyiv.", True),
    ("Russia has not captured Kyiv.", "Russia has not taken Kyiv.", False),  # both negated
    ("The US warned China not to assist Moscow.", "The US warned China to assist Moscow.", False),  # "not to"
    ("Russia has not captured 10 cities.", "Russia captured 5 cities.", False),  # numbers differ: another claim
    ("The moon is not made of cheese.", "Inflation reached a record.", False),  # unrelated
])
def test_negation_flip(claim, statement, flipped):
    assert negation_flip(claim, statement) is flipped


def test_content_words_leave_out_function_words_and_reporting_verbs():
    assert content_words("The officials said Russia's troops were requesting equipment") == {
        "russia", "troop", "request", "equipment"}
