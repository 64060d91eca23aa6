"""Contradiction hints: a denial linked to the claim it denies, a flipped negation, their limits, and the
benchmark's scorer."""

import importlib.util
import math
import sys

import numpy as np
import pytest

from claims.contradict import content_words, denial_cue, denials_in_document, negation_flip
from claims.detect import HeuristicScorer
from claims.extract import extract
from conftest import REPO


def _bench():
    spec = importlib.util.spec_from_file_location("bench_contradictions",
                                                  REPO / "benchmarks" / "bench_contradictions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def seed_rows(seed_text):
    sentences = extract(seed_text, scorer=HeuristicScorer())
    return [(i, s.text, s.speaker, s.is_claim) for i, s in enumerate(sentences)]


def _links(hints):
    return {i: [h.other_claim_id for h in hs] for i, hs in hints.items()}


def test_the_seed_article_s_denied_accusation_is_found_both_ways(seed_rows):
    hints = denials_in_document(seed_rows)
    text = {i: t for i, t, _, _ in seed_rows}
    accusations = [i for i, t, _, _ in seed_rows
                   if t.startswith(("Earlier, the Financial Times reported", "US officials say Russia has requested"))]
    denial = next(i for i, t, _, _ in seed_rows if t.startswith('"The accusations about the matter'))
    assert len(hints[denial]) == 1 and hints[denial][0].other_claim_id in accusations
    assert any(denial in {h.other_claim_id for h in hints[a]} for a in accusations if a in hints)
    assert all(h.kind == "denial" for hs in hints.values() for h in hs)
    # No hint on the sentences that deny nothing and are denied by nobody.
    quiet = [i for i, t, _, _ in seed_rows if t.startswith(("The United States warned", "Russia has not captured",
                                                             "China has signaled", '"We will not allow'))]
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
    assert _links(denials_in_document(_document("Ann", "Tehran"))) == {1: [4], 4: [1]}
    assert denials_in_document(_document("Ann", "Ann")) == {}


TWO_CLAIMS = [
    (0, "Critics said the ministry cut school funding by 10 percent last year.", "critics", True),
    (1, FILLER[2], None, True),
    (2, "Officials said Russia requested military drones from Iran last week.", "officials", True),
    (3, FILLER[1], None, True),
    (4, FILLER[3], None, True),
]


@pytest.mark.parametrize("denial, target", [
    ("The claim that the ministry cut school funding is false, a ministry spokesman said.", 0),
    ("Tehran denied the reports that Russia requested drones from Iran.", 2),
    ("Iran has dismissed the allegations that Russia requested its drones as baseless.", 2),
])
def test_a_denial_links_to_the_claim_it_denies_not_the_nearest_one(denial, target):
    rows = TWO_CLAIMS + [(5, denial, "the denier", True)]
    assert _links(denials_in_document(rows)) == {target: [5], 5: [target]}


def test_a_denial_of_something_the_document_never_asserted_gives_no_hint():
    rows = TWO_CLAIMS + [(5, "The embassy denied the reports that its ambassador had resigned.", "embassy", True)]
    assert denials_in_document(rows) == {}
    rows = TWO_CLAIMS + [(5, '"That is not true," the spokesman said.', "spokesman", True)]
    assert denials_in_document(rows) == {}


def test_the_same_speaker_never_contradicts_themself():
    rows = [(0, "Ann said the ministry cut school funding by 10 percent.", "Ann", True),
            (1, "The talks lasted seven hours in Rome on Monday.", None, True),
            (2, "Ann later said the report that the ministry cut school funding was false.", "Ann", True)]
    assert denials_in_document(rows) == {}


def test_a_denial_is_linked_only_to_a_claim_before_it():
    rows = [(0, "The ministry denied the reports that it cut school funding.", "ministry", True),
            (1, "Critics said the ministry cut school funding by 10 percent.", "critics", True)]
    assert denials_in_document(rows) == {}


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_embeddings_break_a_tie_in_words_and_veto_a_match_in_words_only():
    rows = [(0, "Critics said the ministry cut school funding in the north.", "critics", True),
            (1, FILLER[0], None, True), (2, FILLER[1], None, True),
            (3, "Unions said the ministry cut school funding in the south.", "unions", True),
            (4, FILLER[2], None, True), (6, FILLER[3], None, True), (7, "Rain is forecast for Friday.", None, True),
            (5, "The ministry denied the reports that it cut school funding.", "ministry", True)]
    # Words alone: both are as close; the nearer one wins.
    assert _links(denials_in_document(rows))[5] == [3]
    # The embeddings say the denial is about the first.
    vectors = {0: _unit(1, 0.1, 0), 3: _unit(0, 0, 1), 5: _unit(1, 0, 0.05)}
    assert _links(denials_in_document(rows, vectors))[5] == [0]
    # Embeddings that say it is about neither: no hint.
    vectors = {0: _unit(0, 1, 0), 3: _unit(0, 0, 1), 5: _unit(1, 0, 0)}
    assert denials_in_document(rows, vectors) == {}


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


# -- the benchmark's scorer ---------------------------------------------------------------------------


def test_the_scorer_counts_right_wrong_unlabelled_and_missed_hints(tmp_path):
    bench = _bench()
    digest = bench.text_digest
    (tmp_path / "labels.tsv").write_text(
        "# a comment\narticle_id\tsplit\tstart\tend\tsha1\tdenial\ttargets\n"
        f"A\tdev\t20\t30\t{digest('denial one')}\tyes\t0-10:{digest('claim one')};10-20:{digest('claim two')}\n"
        f"A\tdev\t40\t50\t{digest('not a denial')}\tno\t\n"
        f"A\tdev\t50\t60\t{digest('missed')}\tyes\t30-40:{digest('claim three')}\n",
        encoding="utf-8")
    labels, digests = bench.read_labels(tmp_path / "labels.tsv")
    assert digests[("A", (10, 20))] == digest("claim two")
    spans = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70)]
    claims = [True, True, False, True, True, True, True]
    # right (2 -> 1), wrong (4 is no denial), unlabelled (6); denial 5 is missed.
    score = bench.score_document("A", spans, claims, {(2, 1), (4, 3), (6, 0)}, labels)
    row = score.as_row()
    assert (score.hints, score.right, score.unlabelled, score.denials, score.found) == (3, 1, 1, 2, 1)
    assert row["precision"] == round(1 / 3, 3)
    assert math.isclose(row["false_per_100_claims"], 100 * 2 / 6, abs_tol=1e-3)
    assert row["recall"] == 0.5
    # A hint at the wrong target of a real denial is wrong too.
    assert bench.score_document("A", spans, claims, {(2, 3)}, labels).right == 0


def test_the_split_is_a_fixed_hash_of_the_article_id():
    bench = _bench()
    assert bench.split_of("seed") == "seed"
    splits = {bench.split_of(str(i)) for i in range(40)}
    assert splits == {"dev", "held-out"}
    assert bench.split_of("vclaim-pol-00001") == bench.split_of("vclaim-pol-00001")


# -- where the hints are shown ------------------------------------------------------------------------


def test_claims_json_lists_each_claim_with_its_contradictions_on_both_sides(fake_workspace, settings):
    import json

    from click.testing import CliRunner

    from claims.cli import main

    fake_workspace.ingest_demo_article()
    result = CliRunner().invoke(main, ["--db", settings.db_url, "claims", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    claims = json.loads(result.output)
    assert claims and all({"id", "text", "speaker", "verdict", "contradictions"} <= c.keys() for c in claims)
    by_id = {c["id"]: c for c in claims}
    denial = next(c for c in claims if c["text"].startswith('"The accusations about the matter'))
    [hint] = denial["contradictions"]
    assert hint["kind"] == "denial" and hint["claim_id"] in by_id and hint["text"] == by_id[hint["claim_id"]]["text"]
    assert by_id[hint["claim_id"]]["text"].startswith(("Earlier, the Financial Times", "US officials say Russia"))
    # The other side shows it too, with a link back.
    assert denial["id"] in [h["claim_id"] for h in by_id[hint["claim_id"]]["contradictions"]]
