"""Contradiction hints: a denial linked to the claim it denies, a flipped negation, their limits, and the
benchmark's scorer."""

import importlib.util
import math
import sys

import numpy as np
import pytest

from claims.contradict import (
    content_words,
    denial_cue,
    denials_in_document,
    negation_flip,
    opposite_numbers,
    quantities,
    statement_hints,
)
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
    ("The rule not only protects rivers and lakes.", "The rule protects rivers and lakes.", False),  # "not only"
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


# -- opposite numbers ---------------------------------------------------------------------------------

SEED_CLAIM = ("Russia has not captured any of Ukraine's 10 largest cities since starting its offensive on "
              "February 24, the most significant offensive against a European country since World War Two.")
SEED_STATEMENT = ("Russian forces captured five of Ukraine's ten largest cities within the first two weeks of "
                  "the invasion.")


def _read(text):
    return [(q.low, q.high, q.noun, q.base, q.change) for q in quantities(text)]


@pytest.mark.parametrize("text, expected", [
    (SEED_CLAIM, [(0, 0, "citi", 10, False)]),  # a denial by quantity; the date and "World War Two" are none
    (SEED_STATEMENT, [(4.5, 5.5, "citi", 10, False)]),  # "two weeks": a duration, not read
    ("Unemployment is 3.4 percent.", [(3.332, 3.468, "percent", None, False)]),  # rounding, or 2 % either way
    ("Unemployment rose by more than 10% in May.", [(9.5, math.inf, "percent", None, True)]),
    ("The state spent about $2 billion on roads.", [(1.5e9, 2.5e9, "$", None, False)]),
    ("Twenty-five senators voted for 4,300 new jobs.", [(24.5, 25.5, "senat", None, False),
                                                        (4214, 4386, "job", None, False)]),
    ("Six of the top 10 wealthiest counties are near Washington.", [(5.5, 6.5, "counti", 10, False)]),
    ("80 out of 88 counties have a plant.", [(78.4, 81.6, "counti", 88, False)]),
    ("The plan created no new jobs.", [(0, 0, "job", None, False)]),
    ("None of the 12 hospitals closed.", [(0, 0, "hospit", 12, False)]),
    ("In 2019, on March 3, at 10:30 a.m., one in five voters saw the 3rd debate.", []),
    ("He was one of the largest donors.", []),
    ("World War Two ended.", []),
])
def test_quantities(text, expected):
    assert [(pytest.approx(lo), pytest.approx(hi), noun, base, change)
            for lo, hi, noun, base, change in expected] == _read(text)


@pytest.mark.parametrize("first, second, reason", [
    (SEED_CLAIM, SEED_STATEMENT, "numbers differ: none vs five (largest cities)"),
    ("Unemployment in Ohio is 3 percent.", "Unemployment in Ohio is 10 percent.",
     "numbers differ: 3 percent vs 10 percent"),
    ("The city hired 40 new police officers last year.", "The city hired 400 new police officers last year.",
     "numbers differ: 40 vs 400 (new police officers)"),
    ("The state spent $2 billion on roads.", "The state spent $5 billion on roads.",
     "numbers differ: $2 billion vs $5 billion"),
    ("Six of the 10 wealthiest counties are near Washington.",
     "Seven of the 10 wealthiest counties are near Washington.",
     "numbers differ: Six vs Seven (wealthiest counties)"),  # ranges that only touch do not fit
])
def test_opposite_numbers_found(first, second, reason):
    assert opposite_numbers(first, second) == reason
    assert opposite_numbers(second, first) is not None  # either way round


@pytest.mark.parametrize("first, second", [
    ("Unemployment in Ohio is 3 percent.", "Unemployment in Ohio is 3.4 percent."),  # rounding
    ("Unemployment in Ohio is more than 10 percent.", "Unemployment in Ohio is 12 percent."),  # a bound that holds
    ("Unemployment in Ohio was 3 percent in 2019.", "Unemployment in Ohio was 10 percent in 2020."),  # other years
    ("Unemployment in Ohio was 3 percent in May.", "Unemployment in Ohio was 10 percent in June."),  # other months
    ("Unemployment in Ohio is 3 percent.", "Inflation in Texas reached 10 percent."),  # other things
    ("Unemployment in Ohio fell by 3 percent.", "Unemployment in Ohio is 10 percent."),  # a change, a level
    ("Unemployment in Ohio is not 3 percent.", "Unemployment in Ohio is 10 percent."),  # negated: no number asserted
    ("Unemployment fell from 10 percent to 3 percent in Ohio.", "Unemployment in Ohio is 10 percent."),  # one fits
    ("The city hired 40 new police officers.", "The city hired 40 new teachers and 400 nurses."),  # other nouns
    ("Russia has not captured any of Ukraine's 10 largest cities.",
     "Russia has not captured any of Ukraine's ten largest cities since February."),  # both none
    ("Russian forces captured five of Ukraine's ten largest cities.",
     "Russian forces captured five of Ukraine's 20 largest cities."),  # other wholes
    ("The state spent $55 billion on roads.", "The state spent $55.6 billion on roads."),  # within 2 %
    ("A typical bill in Austin rose to $113.", "Bills in Austin rose to $17 billion."),  # tenfold apart: other things
    ("The graduation rate in Georgia was 67 percent.",
     "The graduation rate in Texas was 75 percent."),  # no name in common
    ("The debt went from $5 trillion to $12 trillion.", "The debt is $16 trillion."),  # a series, not one figure
    ("The mayor served six years in office.", "The mayor served eight years in office."),  # durations are not read
])
def test_opposite_numbers_not_found(first, second):
    assert opposite_numbers(first, second) is None
    assert opposite_numbers(second, first) is None


def test_opposite_numbers_needs_close_embeddings_when_there_are_some():
    first, second = "Unemployment in Ohio is 3 percent.", "Unemployment in Ohio is 10 percent."
    assert opposite_numbers(first, second, cosine=0.9) is not None
    assert opposite_numbers(first, second, cosine=0.3) is None


def _card(statement_id, text, similarity, tier="related", verdict=None):
    from claims.models import Match, Origin, Statement, Tier, Verdict

    statement = Statement(statement_id, text, None, None, None, None, verdict and Verdict(verdict), None,
                          Origin.ARCHIVE)
    return Match(statement, similarity, Tier(tier))


def test_statement_hints_name_each_kind_and_the_other_side():
    claim = "Unemployment in Ohio is 3 percent."
    cards = [_card(1, "Unemployment in Ohio is 10 percent.", 0.9),
             _card(2, "Unemployment in Ohio is not 3 percent.", 0.9),
             _card(3, "Ohio has 3 percent unemployment.", 0.95, "same claim", "supported"),
             _card(4, "Unemployment in Ohio stands at 3 percent.", 0.95, "same claim", "disputed"),
             _card(5, "Unemployment in Ohio is 10 percent.", 0.3)]  # too far
    every_kind = ("negation", "opposite_numbers", "opposite_verdicts")
    hints = statement_hints(claim, cards, related_threshold=0.5, kinds=every_kind)
    assert [(h.kind, h.other_statement_id) for h in hints] == [
        ("opposite_numbers", 1), ("negation", 2), ("opposite_verdicts", 3), ("opposite_verdicts", 4)]
    # what the product shows: a flipped negation is measured (mostly wrong on PolitiFact) but not shown
    shown = statement_hints(claim, cards, related_threshold=0.5)
    assert [(h.kind, h.other_statement_id) for h in shown] == [
        ("opposite_numbers", 1), ("opposite_verdicts", 3), ("opposite_verdicts", 4)]
    assert hints[0].reason == "numbers differ: 3 percent vs 10 percent" and hints[0].other_text.endswith("10 percent.")
    assert hints[0].to_json()["statement_id"] == 1


def test_the_bench_judges_pair_hints_against_their_labels(tmp_path):
    bench = _bench()
    digest = bench.text_digest
    (tmp_path / "pairs.tsv").write_text(
        "# a comment\n" + "\t".join(bench.PAIR_COLUMNS) + "\n"
        f"A\tdev\t0\t10\t{digest('claim')}\topposite_numbers\tv-1\t{digest('other')}\tyes\tnote\n"
        f"A\tdev\t0\t10\t{digest('claim')}\tnegation\tv-2\t{digest('other two')}\tno\t\n", encoding="utf-8")
    labels, digests = bench.read_pair_labels(tmp_path / "pairs.tsv")
    hint = bench.PairHint("A", 0, 10, "claim", "opposite_numbers", "v-1", "other", "numbers differ", 0.8)
    wrong = bench.PairHint("A", 0, 10, "claim", "negation", "v-2", "other two", "negated", 0.7)
    unlabelled = bench.PairHint("A", 0, 10, "claim", "negation", "v-3", "other three", "negated", 0.7)
    assert bench.judge_pairs([hint, wrong, unlabelled], labels) == (3, 1, 1)
    bench.check_pair_digests([hint, wrong], digests)  # the texts still read as labelled
    with pytest.raises(SystemExit):
        bench.check_pair_digests([bench.PairHint("A", 0, 10, "claim", "opposite_numbers", "v-1", "changed", "", None)],
                                 digests)
    split = bench.split_of("A")
    rows = bench.score_pairs([hint, wrong], {split: 200}, labels)
    assert rows[f"opposite_numbers {split}"]["precision"] == 1.0
    assert rows[f"negation {split}"]["false_per_100_claims"] == 0.5
    (tmp_path / "bad.tsv").write_text("\t".join(bench.PAIR_COLUMNS) + "\n"
                                      "A\tdev\t0\t10\tx\tnegation\tv\ty\tmaybe\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match="yes or no"):
        bench.read_pair_labels(tmp_path / "bad.tsv")


@pytest.mark.slow
def test_the_seed_claim_and_the_demo_archive_s_five_of_ten_cities_are_opposite_numbers(workspace):
    workspace.load_demo_archive()
    workspace.ingest_demo_article()
    claim = next(c for c in workspace.list_claims() if c.text.startswith("Russia has not captured any"))
    hints = [h for h in workspace.contradictions(claim.id) if h.kind == "opposite_numbers"]
    assert [h.other_text for h in hints] == [
        "Russian forces captured five of Ukraine's ten largest cities within the first two weeks of the invasion."]
    assert hints[0].reason == "numbers differ: none vs five (largest cities)"
    assert hints[0].other_statement_id is not None and hints[0].to_json()["statement_id"] == hints[0].other_statement_id
    # The archive's "not any of the ten largest cities" agrees with the claim: no hint for it.
    others = {h.other_text for c in workspace.list_claims() for h in workspace.contradictions(c.id)
              if h.kind == "opposite_numbers"}
    assert others == {hints[0].other_text}
