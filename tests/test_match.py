"""The one matcher (index/match.py) and the same-claim verifier (index/verify.py): plumbing on the hash
embedder with a real FAISS index and a real BM25 index; the verifier's features, reasons and file."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from claims.errors import InputError, InvalidValueError
from index.lexical import LexicalIndex
from index.match import (
    DISTANT,
    RELATED,
    SAME_CLAIM,
    Matcher,
    MatchQuery,
    MatchSettings,
    prepare_query,
    speaker_name,
    statement_lexical_text,
)
from index.vectors import VectorIndex
from index.verify import (
    FEATURES,
    PairContext,
    Verifier,
    differences,
    load_verifier,
    names_in,
    negated,
    numbers_in,
    pair_features,
    places_in,
    reason,
    years_in,
)

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Earlier:
    """A statement as a caller of the matcher holds it (claims.models.Statement has these and more)."""

    id: int
    text: str
    speaker: str | None = None


ARCHIVE = [
    Earlier(1, "Russia asked China for military equipment after the invasion", "US officials"),
    Earlier(2, "China said reports of a Russian request for weapons are disinformation", "Zhao Lijian"),
    Earlier(3, "The price of gasoline passed five dollars a gallon", None),
    Earlier(4, "Unemployment fell to 3 percent last year", "Joe Biden"),
    Earlier(5, "Unemployment fell to 10 percent last year", "Joe Biden"),
    Earlier(6, "Zelensky said Ukraine will never surrender Kyiv", "Volodymyr Zelensky"),
]


def make_matcher(fake_embedder, *, hidden: frozenset[int] = frozenset(), verifier: Verifier | None = None,
                 settings: MatchSettings = MatchSettings(), calls: list | None = None,
                 archive: list[Earlier] = ARCHIVE) -> Matcher[Earlier]:
    vectors = VectorIndex(Path("."), fake_embedder.name, fake_embedder.dim)
    vectors.add(np.array([s.id for s in archive]), fake_embedder.encode([s.text for s in archive]))
    lexical = LexicalIndex([s.id for s in archive], [statement_lexical_text(s.text, s.speaker) for s in archive])
    by_id = {s.id: s for s in archive}

    def statements(ids):
        return {i: by_id[i] for i in ids if i in by_id and i not in hidden}

    def stored_vectors(found):
        if calls is not None:
            calls.append([s.id for s in found])
        return {s.id: fake_embedder.encode([s.text])[0] for s in found}

    return Matcher(vectors, lexical, statements=statements, stored_vectors=stored_vectors, settings=settings,
                   verifier=verifier)


def cosine_verifier(threshold: float = 0.5) -> Verifier:
    """A verifier that is a steep function of the cosine and of differing numbers, for plumbing tests."""
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("cosine")] = 10.0
    weights[FEATURES.index("numbers_differ")] = -20.0
    return Verifier(features=FEATURES, mean=(0.0,) * len(FEATURES), scale=(1.0,) * len(FEATURES),
                    weights=tuple(weights), intercept=-5.0, threshold=threshold, provenance={"name": "test"})


def run(matcher, fake_embedder, text, top_k=5, **query):
    q = MatchQuery(text, **query)
    return matcher.match([q], fake_embedder.encode([q.prepared().dense]), top_k)[0]


# -- preparing a query ------------------------------------------------------------------------------


def test_a_sentence_of_an_article_is_matched_as_written() -> None:
    text = "The United States warned China not to assist Moscow,  officials said."
    prepared = prepare_query(text)
    assert prepared.dense == text and prepared.lexical == text and prepared.speaker is None


def test_a_pasted_tweet_loses_links_and_signature_and_keeps_its_author_as_speaker() -> None:
    tweet = ("BREAKING: #RichardGrenell says @realDonaldTrump won https://t.co/abc pic.twitter.com/xyz "
             "— Brad Trost (@BradTrostCPC) December 26, 2019")
    prepared = prepare_query(tweet)
    assert prepared.dense == "BREAKING: Richard Grenell says real Donald Trump won"
    assert prepared.speaker == "Brad Trost"
    assert prepared.lexical == prepared.dense + " Brad Trost"


@pytest.mark.parametrize(("raw", "name"), [("MR. ROMNEY", "Romney"), ("SYSTEM", ""), ("Donald Trump", "Donald Trump"),
                                           ("Senator Sanders", "Sanders"), (None, "")])
def test_speaker_names_are_written_as_fact_checks_write_them(raw, name) -> None:
    assert speaker_name(raw) == name


def test_a_known_speaker_joins_the_bm25_query_only() -> None:
    prepared = prepare_query("We cut taxes.", "TRUMP")
    assert prepared.dense == "We cut taxes." and prepared.lexical == "We cut taxes. Trump"


def test_statements_are_indexed_with_title_and_speaker() -> None:
    assert statement_lexical_text("Taxes rose.", "Ann Lee", "Did taxes rise?") == "Taxes rose. Did taxes rise? Ann Lee"
    assert statement_lexical_text("Taxes rose.", None, "Taxes rose.") == "Taxes rose."


# -- the matcher ----------------------------------------------------------------------------------


def test_candidates_are_the_fusion_of_faiss_and_bm25(fake_embedder) -> None:
    from index.fusion import weighted_score_fusion

    matcher = make_matcher(fake_embedder)
    text = "Russia asked China for weapons"
    vector = fake_embedder.encode([text])
    dense = matcher.vectors.search(vector, 100)[0]
    lexical = matcher.lexical.search([text], 100)[0]
    fused = weighted_score_fusion([dense, lexical], [1.0, 0.7], normalise="zscore")
    found = matcher.candidates([MatchQuery(text)], vector, pool=3)[0]
    assert [c.statement.id for c in found] == [sid for sid, _ in fused[:3]]
    assert [c.fused_rank for c in found] == [1, 2, 3]
    assert all(set(c.features) == set(FEATURES) for c in found)


def test_without_a_verifier_cards_are_ordered_and_tiered_by_cosine(fake_embedder) -> None:
    settings = MatchSettings(same_claim_cosine=0.9, related_threshold=0.3)
    cards = run(make_matcher(fake_embedder, settings=settings), fake_embedder, "Russia asked China for weapons")
    cosines = [c.cosine for c in cards]
    assert cosines == sorted(cosines, reverse=True)
    assert all(c.probability is None and c.reason == "" for c in cards)
    for c in cards:
        assert c.tier == (SAME_CLAIM if c.cosine >= 0.9 else RELATED if c.cosine >= 0.3 else DISTANT)


def test_an_exact_repeat_is_the_same_claim_by_cosine(fake_embedder) -> None:
    cards = run(make_matcher(fake_embedder), fake_embedder, ARCHIVE[3].text)
    assert cards[0].statement.id == 4 and cards[0].tier == SAME_CLAIM and cards[0].cosine > 0.99


def test_with_a_verifier_cards_are_ordered_and_tiered_by_probability(fake_embedder) -> None:
    matcher = make_matcher(fake_embedder, verifier=cosine_verifier(0.5))
    cards = run(matcher, fake_embedder, "Unemployment fell to 3 percent last year")
    probabilities = [c.probability for c in cards]
    assert probabilities == sorted(probabilities, reverse=True)
    assert cards[0].statement.id == 4 and cards[0].tier == SAME_CLAIM
    ten = next(c for c in cards if c.statement.id == 5)
    assert ten.tier != SAME_CLAIM  # nearly the same words, another number
    assert ten.reason == "numbers differ: 3 vs 10"
    assert matcher.same_claim_threshold == 0.5


def test_the_settings_may_override_the_verifiers_threshold(fake_embedder) -> None:
    matcher = make_matcher(fake_embedder, verifier=cosine_verifier(0.5),
                           settings=MatchSettings(same_claim_probability=0.999999))
    cards = run(matcher, fake_embedder, "Unemployment fell to 3 percent last year")
    assert matcher.same_claim_threshold == 0.999999
    assert all(c.tier != SAME_CLAIM for c in cards if c.probability < 0.999999)


def test_the_verifier_orders_a_deeper_pool_than_the_cards(fake_embedder) -> None:
    matcher = make_matcher(fake_embedder, verifier=cosine_verifier(), settings=MatchSettings(verify_depth=6))
    one = run(matcher, fake_embedder, "Unemployment fell to 3 percent last year", top_k=1)
    five = run(matcher, fake_embedder, "Unemployment fell to 3 percent last year", top_k=5)
    assert [c.statement.id for c in one] == [five[0].statement.id]


def test_excluded_statements_are_left_out_before_ranking(fake_embedder) -> None:
    matcher = make_matcher(fake_embedder)
    text = ARCHIVE[3].text
    found = matcher.candidates([MatchQuery(text, exclude=lambda st: st.id == 4)],
                               fake_embedder.encode([text]), pool=5)[0]
    assert 4 not in [c.statement.id for c in found]
    assert found[0].fused_rank == 1 and found[0].features["fused_rrank"] == 1.0
    assert found[0].features["cosine_margin"] >= 0.0  # the best of what is left, as if 4 were never imported


def test_a_claim_held_twice_stands_out_as_one(fake_embedder) -> None:
    # Statement 7 repeats 4 (a claim checked twice, or a claim the team reviewed again). Each copy's
    # margin is taken over the best candidate that is not a copy, so neither levels the other to 0.
    archive = [*ARCHIVE, Earlier(7, ARCHIVE[3].text, "Joe Biden")]
    text = ARCHIVE[3].text
    vector = fake_embedder.encode([text])
    found = make_matcher(fake_embedder, archive=archive).candidates([MatchQuery(text)], vector, pool=6)[0]
    by_id = {c.statement.id: c for c in found}
    best_other = max(c.cosine for c in found if c.statement.id not in (4, 7))
    for sid in (4, 7):
        assert by_id[sid].features["cosine_margin"] == pytest.approx(by_id[sid].cosine - best_other, abs=1e-5)
        assert by_id[sid].features["cosine_margin"] > 0.1
    # a candidate that is no copy still measures itself against the best of all the others
    five = by_id[5]
    assert five.features["cosine_margin"] == pytest.approx(five.cosine - by_id[4].cosine, abs=1e-5)
    # switched off (a copy cosine above 1), the copies level each other, as before
    off = make_matcher(fake_embedder, archive=archive, settings=MatchSettings(copy_cosine=2.0))
    levelled = {c.statement.id: c for c in off.candidates([MatchQuery(text)], vector, pool=6)[0]}
    assert levelled[4].features["cosine_margin"] == pytest.approx(0.0, abs=1e-5)
    with_verifier = make_matcher(fake_embedder, archive=archive, verifier=cosine_verifier(0.5))
    assert {c.statement.id for c in run(with_verifier, fake_embedder, text)[:2]} == {4, 7}


def test_copies_are_stored_vectors_within_the_copy_cosine() -> None:
    from index.match import _best_of_others, copy_pairs

    a, b = np.array([1.0, 0.0], dtype=np.float32), np.array([0.6, 0.8], dtype=np.float32)
    copies = copy_pairs([a, a, b, None], 0.9)
    assert copies is not None and copies.tolist() == [[False, True, False, False], [True, False, False, False],
                                                      [False, False, False, False], [False, False, False, False]]
    assert copy_pairs([a, b, None], 0.9) is None  # nobody's copy
    assert copy_pairs([a, a], 2.0) is None  # off
    assert copy_pairs([a, b], 0.6) is not None  # the cosine reaches 0.6
    assert _best_of_others([0.9, 0.9, 0.5, 0.2], copies) == [0.5, 0.5, 0.9, 0.9]
    assert _best_of_others([0.9, 0.9], copy_pairs([a, a], 0.9)) == [0.0, 0.0]
    with pytest.raises(InvalidValueError, match="copy_cosine"):
        MatchSettings(copy_cosine=0.0)


def test_hidden_statements_are_never_shown(fake_embedder) -> None:
    cards = run(make_matcher(fake_embedder, hidden=frozenset({4})), fake_embedder, ARCHIVE[3].text, top_k=6)
    assert 4 not in [c.statement.id for c in cards]


def test_bm25_candidates_get_their_stored_vectors(fake_embedder) -> None:
    calls: list = []
    matcher = make_matcher(fake_embedder, calls=calls,
                           settings=MatchSettings(candidate_depth=1, lexical_weight=5.0))
    text = "Zelensky Kyiv"
    found = matcher.candidates([MatchQuery(text)], fake_embedder.encode([text]), pool=1)[0]
    expected = float(fake_embedder.encode([ARCHIVE[5].text])[0] @ fake_embedder.encode([text])[0])
    assert found[0].statement.id == 6
    if calls:  # the dense list's one candidate may be it already
        assert calls == [[6]]
    assert found[0].cosine == pytest.approx(expected, abs=1e-5)


def test_dense_only_when_bm25_weighs_nothing(fake_embedder) -> None:
    matcher = make_matcher(fake_embedder, settings=MatchSettings(lexical_weight=0.0))
    text = "Russia asked China for weapons"
    vector = fake_embedder.encode([text])
    found = matcher.candidates([MatchQuery(text)], vector, pool=5)[0]
    assert [c.statement.id for c in found] == [sid for sid, _ in matcher.vectors.search(vector, 5)[0]]


@pytest.mark.parametrize("top_k", [0, -1])
def test_top_k_must_be_positive(fake_embedder, top_k) -> None:
    with pytest.raises(InvalidValueError, match="top_k must be at least 1"):
        run(make_matcher(fake_embedder), fake_embedder, "anything", top_k=top_k)


def test_one_vector_per_query(fake_embedder) -> None:
    with pytest.raises(InvalidValueError, match="got 2 vectors for 1 queries"):
        make_matcher(fake_embedder).match([MatchQuery("a b")], fake_embedder.encode(["a", "b"]), 5)


def test_an_empty_archive_gives_no_cards(fake_embedder) -> None:
    matcher = Matcher(VectorIndex(Path("."), fake_embedder.name, fake_embedder.dim), None,
                      statements=lambda ids: {}, stored_vectors=lambda found: {})
    assert matcher.match([MatchQuery("x")], fake_embedder.encode(["x"]), 5) == [[]]


# -- the workspace and the bench rank through it ------------------------------------------------------


def test_the_workspace_matches_through_the_matcher(fake_workspace) -> None:
    fake_workspace.load_demo_archive()
    text = "China said the US spreads disinformation about Russia asking for weapons"
    expected = fake_workspace.matcher().match([MatchQuery(text)], fake_workspace.embedder.encode([text]), 5)[0]
    shown = fake_workspace.match_text(text)
    assert [m.statement.id for m in shown] == [c.statement.id for c in expected]
    assert [m.tier.value for m in shown] == [c.tier for c in expected]
    assert [m.similarity for m in shown] == pytest.approx([c.cosine for c in expected])


def test_stored_claims_are_matched_through_the_matcher(fake_workspace, seed_text) -> None:
    fake_workspace.load_demo_archive()
    result = fake_workspace.ingest_text(seed_text, title="Seed")
    claim = fake_workspace.list_claims(document_id=result.document.id)[0]
    expected = fake_workspace.matcher().match([MatchQuery(claim.text, speaker=claim.speaker)],
                                              fake_workspace.embedder.encode([claim.text]),
                                              3)[0]
    assert [m.statement.id for m in fake_workspace.match_claim(claim.id, top_k=3)] == [
        c.statement.id for c in expected]


def test_the_bench_has_no_ranking_of_its_own() -> None:
    """lab/bench.py ranks with index.match through the workspace; it imports no fusion, FAISS or BM25."""
    tree = ast.parse((REPO / "lab" / "bench.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "index.match" in imported
    assert not imported & {"index.fusion", "index.lexical", "index.vectors", "faiss", "bm25s"}
    names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert not names & {"retrieve", "_candidates", "index_collection", "candidate_features"}


# -- what the texts say ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Unemployment fell to 3 percent", {"3": "3"}),
    ("It cost $4,300 in 2012", {"4300": "4,300"}),
    ("ten cities and 1.50 dollars", {"10": "ten", "1.5": "1.50"}),
    ("He fought in World War Two", {}),
    ("Two of them said so", {"2": "Two"}),
])
def test_numbers(text, expected) -> None:
    assert numbers_in(text) == expected


def test_years_are_not_numbers() -> None:
    assert years_in("In 2016 and 1999, 300 people") == {"2016", "1999"}
    assert "2016" not in numbers_in("In 2016 and 1999, 300 people")


@pytest.mark.parametrize(("text", "word"), [
    ("Russia has not asked for help", "not"),
    ("Russia hasn't asked for help", "hasn't"),
    ("The US warned China not to assist Moscow", None),
    ("They will never surrender", "never"),
    ("They asked for help", None),
])
def test_negation(text, word) -> None:
    assert negated(text) == word


def test_names_inside_a_sentence() -> None:
    assert names_in("The United States warned China's leaders. Moscow replied.") == {
        "united": "United", "states": "States", "china": "China"}  # a name that starts a sentence is missed


def test_countries_are_known_under_their_other_names() -> None:
    assert places_in("The US warned Beijing, and the Kremlin replied") == {
        "us": "united-states", "beijing": "china", "kremlin": "russia"}
    assert places_in("The United States and the U.S. Navy") == {
        "united states": "united-states", "united": "united-states", "states": "united-states",
        "u.s.": "united-states"}
    assert set(places_in("Russian forces entered Ukrainian towns").values()) == {"russia", "ukraine"}
    # a pronoun, a continent named after America and a word inside another word are not countries
    assert places_in("Tell us about Latin America and South America") == {}
    assert places_in("Chinatown and the Russians' neighbours") == {"russians": "russia"}


def test_a_country_under_another_name_is_the_same_name() -> None:
    claim = "The United States warned China not to assist Moscow"
    statement = "The US has warned Beijing directly that there will be consequences for helping Russia"
    assert differences(claim, statement) == []
    where = PairContext(cosine=0.7, other_cosine=0.6, dense_rank=1, lexical_rank=1, fused_rank=1, bm25=5.0,
                        other_bm25=4.0)
    f = pair_features(claim, statement, where)
    assert f["names_found"] == 1.0 and f["names_missing"] == 0.0
    # another country is still another name
    assert differences("Officials in China said so", "Officials in Japan said so") == [
        "names differ: China vs Japan"]
    other = pair_features("Officials in China said so", "Officials in Japan said so", where)
    assert other["names_found"] == 0.0 and other["names_missing"] == 1.0


def test_differences_say_what_differs() -> None:
    assert differences("Unemployment fell to 3 percent", "Unemployment fell to 10 percent") == [
        "numbers differ: 3 vs 10"]
    assert differences("In 2016 taxes rose", "In 2019 taxes rose") == ["years differ: 2016 vs 2019"]
    assert differences("Russia has not asked China for help", "Russia asked China for help") == [
        "negation: only the claim says 'not'"]
    assert differences("We cut taxes", "We cut taxes", claim_speaker="Barack Obama",
                       statement_speaker="Donald Trump") == ["other speaker: Barack Obama vs Donald Trump"]
    assert differences("Officials in China said so", "Officials in Brazil said so") == [
        "names differ: China vs Brazil"]
    assert differences("The US warned China not to assist Moscow", "The US warned Beijing of consequences") == []
    assert differences("Taxes rose by 5 percent", "Taxes rose by five percent") == []


def test_the_reason_line() -> None:
    assert reason("Taxes rose by 5 percent", "Taxes rose by 10 percent", 0.9, 0.8) == "numbers differ: 5 vs 10"
    assert reason("Taxes rose by 5 percent", "Taxes rose by 5 percent", 0.9, 0.8) == "same wording, numbers and names"


def test_pair_features() -> None:
    where = PairContext(cosine=0.8, other_cosine=0.9, dense_rank=2, lexical_rank=None, fused_rank=4, bm25=3.0,
                        other_bm25=6.0)
    f = pair_features("Unemployment fell to 3 percent in 2016", "Unemployment fell to 10 percent in 2019", where,
                      claim_speaker="MR. OBAMA", statement_speaker="Barack Obama")
    assert set(f) == set(FEATURES)
    assert f["cosine"] == 0.8 and f["cosine_margin"] == pytest.approx(-0.1)
    assert f["dense_rrank"] == 0.5 and f["lexical_rrank"] == 0.0 and f["fused_rrank"] == 0.25
    assert f["bm25"] == pytest.approx(np.log1p(3.0))
    assert f["bm25_margin"] == pytest.approx(np.log1p(3.0) - np.log1p(6.0))
    assert f["numbers_differ"] == 1.0 and f["numbers_shared"] == 0.0 and f["years_differ"] == 1.0
    assert f["negation_differs"] == 0.0 and f["speaker_match"] == 1.0 and f["speaker_differs"] == 0.0
    assert f["claim_words_found"] == 1.0  # unemployment, fell, percent: stemmed, numbers left to their own features


# -- the verifier's file ----------------------------------------------------------------------------


def test_a_verifier_survives_its_file(tmp_path) -> None:
    verifier = cosine_verifier(0.7)
    verifier.save(tmp_path / "v.json")
    loaded = Verifier.load(tmp_path / "v.json")
    assert loaded.to_dict() == verifier.to_dict() and loaded.source == str(tmp_path / "v.json")
    rows = [dict.fromkeys(FEATURES, 0.0) | {"cosine": c} for c in (0.2, 0.5, 0.9)]
    assert np.all(np.diff(loaded.probability(rows)) > 0)
    assert load_verifier(tmp_path / "v.json") is load_verifier(tmp_path / "v.json")


@pytest.mark.parametrize(("content", "message"), [
    (b"not json", "the verifier is not JSON"),
    (b'{"kind": "linear-pairwise"}', "not a claimdesk verifier"),
    (b'{"kind": "logistic-regression", "features": ["cosine"]}', "not a claimdesk verifier"),
])
def test_a_damaged_verifier_file_names_itself(tmp_path, content, message) -> None:
    path = tmp_path / "v.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        Verifier.load(path)
    assert str(path) in str(info.value)


def test_a_missing_verifier_file(tmp_path) -> None:
    with pytest.raises(InputError, match="no such verifier file"):
        load_verifier(tmp_path / "absent.json")


def test_unknown_features_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="unknown verifier features: colour"):
        Verifier(features=("colour",), mean=(0.0,), scale=(1.0,), weights=(1.0,), intercept=0.0, threshold=0.5)


def test_the_shipped_verifier_carries_its_provenance() -> None:
    path = REPO / "claims" / "weights" / "verifier.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    verifier = Verifier.from_dict(data)
    assert set(verifier.features) <= set(FEATURES)
    provenance = verifier.provenance
    assert {"trained_on", "dev", "command", "threshold_rule"} <= set(provenance)
    assert all(len(f["sha256"]) == 64 for f in provenance["trained_on"])
    assert provenance["dev"]["precision"] >= 0.95 and provenance["dev"]["false_same_rate"] <= 0.01


def test_months_and_title_case_headlines_give_no_names() -> None:
    assert names_in("The ride in India collapsed in July") == {"india": "India"}
    assert names_in("Clown Mask To Be Banned In USA; Wearing One Could Cost You A Fine") == {}


def test_the_best_of_the_others() -> None:
    from index.match import _best_of_others

    assert _best_of_others([0.2, 0.9, 0.5]) == [0.9, 0.5, 0.9]
    assert _best_of_others([0.7, 0.7]) == [0.7, 0.7]
    assert _best_of_others([0.4]) == [0.0]


def test_the_workspace_loads_a_verifier_fitted_on_its_own_model(fake_workspace, tmp_path) -> None:
    from dataclasses import replace

    from claims.workspace import Workspace

    ours = replace(cosine_verifier(0.6), provenance={"embedder": fake_workspace.embedder.name})
    ours.save(tmp_path / "ours.json")
    replace(ours, provenance={"embedder": "another-model"}).save(tmp_path / "theirs.json")

    def workspace_with(path):
        return Workspace(fake_workspace.settings.with_overrides(verifier_path=path), store=fake_workspace.store,
                         embedder=fake_workspace.embedder)

    assert workspace_with(tmp_path / "ours.json").verifier().to_dict() == ours.to_dict()
    assert workspace_with(tmp_path / "theirs.json").verifier() is None  # another model's cosines: the cosine rule
    with pytest.raises(InputError, match="no such verifier file"):
        workspace_with(tmp_path / "absent.json").verifier()
    fake_workspace.load_demo_archive()
    cards = workspace_with(tmp_path / "ours.json").rank([MatchQuery("Russia asked China for weapons")])[0]
    assert all(c.probability is not None and c.reason for c in cards)


def test_the_verifier_describes_its_dev_figures() -> None:
    from dataclasses import replace

    bare = cosine_verifier(0.79)
    assert bare.describe() == "threshold 0.79"
    dev = {"name": "carved dev", "precision": 0.981, "recall": 0.408, "false_same_rate": 0.0052}
    assert replace(bare, provenance={"dev": dev}).describe() == (
        "threshold 0.79: on carved dev, precision 0.98, recall 0.41, new claims called same 0.5%")


def test_features_are_the_same_from_any_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from index.verify import content_words

    texts = [f"Governments were running {i} hospitals and stemming protests" for i in range(200)]
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(content_words, texts))
    assert found == [content_words(t) for t in texts]
    assert {"govern", "run", "hospit", "stem", "protest"} <= found[0] or {"governments"} <= found[0]
