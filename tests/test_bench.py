"""The matching benchmarks: the official-semantics scorer, the CLEF readers, the collection imported
through the product, the retrieval and tier runners on tiny inline data (hash embedder, real FAISS and
BM25), and (marked ``bench``) small runs on ../shared/bench with the real model."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from claims.errors import BadRecordError, EmptyInputError, InputError, InvalidValueError, MissingColumnError
from claims.readers import parse_loose_date
from lab.bench import (
    JSON_KEYS,
    TIERS_JSON_KEYS,
    BenchQuery,
    TierOutcome,
    VerifiedClaim,
    archive_file,
    attach_debate_context,
    bench_queries,
    bench_retrieval,
    bench_tiers,
    carve_dev_ids,
    carve_split,
    choose_threshold,
    collection_name,
    complete_qrels,
    deduplicate_claims,
    load_benchmark,
    merge_same_pairs,
    open_archive,
    read_qrels,
    read_queries,
    read_same_pairs,
    read_transcripts,
    read_vclaims,
    run_retrieval_benchmark,
    run_tiers_benchmark,
    same_pairs_todo,
    score_run,
    tier_table,
    train_ranker_file,
    training_pairs,
)

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"


# -- the scorer ------------------------------------------------------------------------------


def test_one_relevant_at_rank_one() -> None:
    s = score_run({"q": [("a", 3.0), ("b", 2.0), ("c", 1.0)]}, {"q": {"a"}})
    assert s["map@1"] == s["map@5"] == s["mrr"] == s["p@1"] == 1.0
    assert s["p@3"] == pytest.approx(1 / 3)
    assert s["p@5"] == pytest.approx(1 / 5)  # divided by k even when fewer were returned
    assert s["n_queries"] == 1


def test_several_relevant_divide_by_all_relevant_in_the_qrels() -> None:
    run = {"q": [("a", 5.0), ("x", 4.0), ("b", 3.0), ("y", 2.0), ("z", 1.0)]}
    s = score_run(run, {"q": {"a", "b", "c"}})
    assert s["map@1"] == pytest.approx(1 / 3)
    assert s["map@3"] == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert s["map@5"] == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert s["p@3"] == pytest.approx(2 / 3)
    assert s["mrr"] == 1.0


def test_relevant_found_late_or_not_at_all() -> None:
    run = {"late": [(f"d{i}", 10.0 - i) for i in range(10)], "none": [("x", 1.0)]}
    s = score_run(run, {"late": {"d5"}, "none": {"gold"}})
    assert s["map@5"] == 0.0
    assert s["map@10"] == pytest.approx((1 / 6) / 2)
    assert s["mrr"] == pytest.approx((1 / 6) / 2)
    assert s["n_queries"] == 2


def test_a_query_missing_from_the_run_is_left_out() -> None:
    s = score_run({"q1": [("a", 1.0)]}, {"q1": {"a"}, "q2": {"b"}})
    assert s["map@5"] == 1.0
    assert s["n_queries"] == 1


def test_a_query_of_the_run_without_qrels_counts_as_zero() -> None:
    s = score_run({"q1": [("a", 1.0)], "stray": [("a", 1.0)]}, {"q1": {"a"}})
    assert s["map@5"] == 0.5
    assert s["n_queries"] == 2


def test_an_empty_list_counts_as_zero() -> None:
    s = score_run({"q1": [("a", 1.0)], "q2": []}, {"q1": {"a"}, "q2": {"b"}})
    assert s["map@1"] == 0.5


@pytest.mark.parametrize(("run", "first"), [
    ([("9", 1.0), ("10", 1.0)], "10"),      # integer ids: the higher number wins a tie
    ([("a", 1.0), ("b", 1.0)], "b"),        # text ids: the later string wins
    ([("b", 1.0), ("a", 2.0)], "a"),        # the score decides before the id
])
def test_ties_are_broken_by_document_id_descending(run, first) -> None:
    s = score_run({"q": run}, {"q": {first}})
    assert s["map@1"] == 1.0


def test_input_order_does_not_matter() -> None:
    ranked = [("a", 0.9), ("b", 0.5), ("c", 0.7), ("d", 0.1)]
    shuffled = list(reversed(ranked))
    qrels = {"q": {"c", "d"}}
    assert score_run({"q": ranked}, qrels) == score_run({"q": shuffled}, qrels)


def test_empty_run() -> None:
    s = score_run({}, {"q": {"a"}})
    assert s["map@5"] == 0.0 and s["n_queries"] == 0


def _trectools_map(run: dict, qrels: dict, depth: int) -> float:
    """TrecEval.get_map(depth, trec_eval=True) of trectools, restated with pandas for comparison."""
    import numpy as np
    import pandas as pd

    # trectools reads the files with pandas, so integer-looking document ids become integers
    rows = [(q, int(d), s) for q, ranking in run.items() for d, s in ranking]
    frame = pd.DataFrame(rows, columns=["query", "docid", "score"])
    rel = pd.DataFrame([(q, int(d), 1) for q, docs in qrels.items() for d in docs], columns=["query", "docid", "rel"])
    top = frame.sort_values(["query", "score", "docid"], ascending=[True, False, False]).groupby("query").head(depth)
    top = top.copy()
    top["rank"] = top.groupby("query").cumcount() + 1
    sel = pd.merge(top, rel, how="left")
    sel["rel"] = sel.groupby("query")["rel"].cumsum()
    sel["ap"] = sel["rel"] / sel["rank"]
    per_query = sel[["query", "ap"]].groupby("query").sum()
    nrel = rel[["query", "rel"]].groupby("query").sum().rename(columns={"rel": "ap"})
    per_query = per_query / nrel
    return float(np.nansum(per_query["ap"].to_numpy()) / frame["query"].nunique())


@pytest.mark.parametrize("seed", range(5))
def test_map_agrees_with_trectools_on_random_runs(seed: int) -> None:
    rng = random.Random(seed)
    docs = [str(i) for i in range(30)]
    run, qrels = {}, {}
    for q in range(12):
        chosen = rng.sample(docs, 15)
        # coarse scores so that ties happen
        run[f"q{q}"] = [(d, float(rng.randint(0, 6))) for d in chosen]
        qrels[f"q{q}"] = set(rng.sample(docs, rng.randint(1, 3)))
    qrels["only-in-qrels"] = {"1"}
    for depth in (1, 3, 5, 10):
        assert score_run(run, qrels)[f"map@{depth}"] == pytest.approx(_trectools_map(run, qrels, depth))


# -- readers ---------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_vclaims_2020_layout_with_a_multiline_quoted_claim(tmp_path: Path) -> None:
    path = write(tmp_path, "vclaims.tsv",
                 '\tvclaim\ttitle\n'
                 '0\tA plain claim.\tPlain title\n'
                 '1\t"A ""quoted"" claim\nthat goes on."\tQuoted title\n'
                 '2\tThird claim.\tThird\n')
    claims = read_vclaims(path)
    assert [c.id for c in claims] == ["0", "1", "2"]
    assert claims[1].text == 'A "quoted" claim that goes on.'
    assert claims[1].title == "Quoted title"


def test_read_vclaims_debate_layout_keeps_speaker_date_and_extras(tmp_path: Path) -> None:
    path = write(tmp_path, "vclaims.tsv",
                 "vclaim_id\tvclaim\ttitle\tspeaker\tdate\ttruth_label\turl\n"
                 "vclaim-pol-1\tSays taxes went up.\tTaxes\tDonald Trump\tstated on October 22, 2019 in a speech:"
                 "\tfalse\t/factchecks/x/\n")
    (claim,) = read_vclaims(path)
    assert claim.speaker == "Donald Trump"
    assert claim.extra == {"truth_label": "false", "url": "/factchecks/x/"}
    assert parse_loose_date(claim.date) == dt.date(2019, 10, 22)


def test_read_vclaims_names_the_file_and_line_of_a_repeated_id(tmp_path: Path) -> None:
    path = write(tmp_path, "vclaims.tsv",
                 'vclaim_id\tvclaim\ttitle\n'
                 'a\t"two\nlines"\tt\n'
                 'a\tagain\tt\n')
    with pytest.raises(BadRecordError) as err:
        read_vclaims(path)
    assert str(err.value) == f"{path}, line 4: claim id 'a' appears twice"


@pytest.mark.parametrize(("text", "error"), [
    ("vclaim_id\ttitle\nx\ty\n", MissingColumnError),
    ("vclaim_id\tvclaim\ttitle\nx\t\ty\n", BadRecordError),
    ("vclaim_id\tvclaim\n", EmptyInputError),
    ("", EmptyInputError),
])
def test_read_vclaims_rejects_bad_files(tmp_path: Path, text: str, error: type) -> None:
    path = write(tmp_path, "v.tsv", text)
    with pytest.raises(error) as err:
        read_vclaims(path)
    assert str(path) in str(err.value)


def test_read_vclaims_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_vclaims(tmp_path / "absent.tsv")


def test_read_queries_with_header_and_quoted_tweets(tmp_path: Path) -> None:
    path = write(tmp_path, "q.tsv", '\ttweet_content\n0\tplain tweet\n11\t"""Quoted"" start — A (@a) May 1, 2020"\n')
    queries = read_queries(path)
    assert [q.id for q in queries] == ["0", "11"]
    assert queries[1].text == '"Quoted" start — A (@a) May 1, 2020'


def test_read_queries_without_header_or_quoting_deduplicates(tmp_path: Path) -> None:
    path = write(tmp_path, "q.tsv",
                 'deb_0001\tHe said "we will win" and we did.\n'
                 'deb_0002\tSecond sentence.\n'
                 'deb_0001\tHe said "we will win" and we did.\n')
    queries = read_queries(path)
    assert [q.id for q in queries] == ["deb_0001", "deb_0002"]
    assert queries[0].text == 'He said "we will win" and we did.'


def test_read_queries_rejects_one_id_with_two_texts(tmp_path: Path) -> None:
    path = write(tmp_path, "q.tsv", "a\tone\nb\ttwo\na\tthree\n")
    with pytest.raises(BadRecordError) as err:
        read_queries(path)
    assert str(err.value) == f"{path}, line 3: query id 'a' appears twice with different texts"


def test_read_qrels_deduplicates_and_drops_zero_relevance(tmp_path: Path) -> None:
    path = write(tmp_path, "qrels.tsv", "q1\t0\td1\t1\nq1\t0\td1\t1\nq1 0 d2 0\nq2\t0\td3\t1")
    qrels = read_qrels(path)
    assert qrels == {"q1": frozenset({"d1"}), "q2": frozenset({"d3"})}
    # a duplicated pair must not halve the average precision
    assert score_run({"q1": [("d1", 1.0)]}, qrels)["map@5"] == 1.0


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("q1 0 d1 1\nq2 0 d2\n", 2, "expected 4 fields (qid 0 docid relevance), found 3"),
    ("q1 0 d1 yes\n", 1, "relevance 'yes' is not an integer"),
])
def test_read_qrels_names_file_and_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = write(tmp_path, "qrels.tsv", text)
    with pytest.raises(BadRecordError) as err:
        read_qrels(path)
    assert str(err.value) == f"{path}, line {line}: {problem}"


def make_debate(tmp_path: Path) -> Path:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "20160926_Debate.tsv").write_text(
        "1\tHOLT\tGood evening.\n2\tSYSTEM\t(APPLAUSE)\n3\tTRUMP\tOur jobs are fleeing the country.\n"
        "4\tCLINTON\tI have a plan.\n", encoding="utf-8")
    write(tmp_path, "transcript_name_map.tsv",
          "iclaim_id_prefix\ttranscript_file\n20160926_debate\t20160926_Debate.tsv\n")
    return folder


def test_transcripts_give_the_speaker(tmp_path: Path) -> None:
    transcripts = read_transcripts(make_debate(tmp_path))
    (query,) = attach_debate_context([BenchQuery("20160926_debate_0003", "Our jobs are fleeing the country.")],
                                     transcripts, previous=2)
    assert query.speaker == "TRUMP"
    assert query.context == ("Good evening.",)  # the SYSTEM line is no context
    unknown = BenchQuery("other_0001", "x")
    assert attach_debate_context([unknown], transcripts) == [unknown]


def test_transcript_with_a_bad_line(tmp_path: Path) -> None:
    folder = make_debate(tmp_path)
    (folder / "20160926_Debate.tsv").write_text("1\tHOLT\tfine\nnot a line\n", encoding="utf-8")
    with pytest.raises(BadRecordError, match="20160926_Debate.tsv, line 2"):
        read_transcripts(folder)


@pytest.mark.parametrize(("text", "date"), [
    ("stated on October 22, 2019 in a speech:", dt.date(2019, 10, 22)),
    ("26 May 2015", dt.date(2015, 5, 26)),
    ("Sept. 3, 2016", dt.date(2016, 9, 3)),
    ("no date", None),
    ("February 30, 2019", None),
    ("Mayor 3, 2019", None),
])
def test_parse_loose_date(text: str, date: dt.date | None) -> None:
    assert parse_loose_date(text) == date


def test_copies_of_a_fact_check() -> None:
    a = VerifiedClaim("1", 'He said "no".', "Did he say no?", speaker="Jo Doe")
    b = VerifiedClaim("2", "He said 'no'.", "Did he say no?")
    assert [c.id for c in deduplicate_claims([a, b])] == ["1"]


def test_carve_dev_ids_matches_trailing_numbers() -> None:
    assert carve_dev_ids(["tweet-sno-1", "tweet-sno-11", "tweet-sno-2"], ["11", "2", "999"]) == {
        "tweet-sno-11", "tweet-sno-2"}


def test_carve_split_keeps_a_debate_on_one_side() -> None:
    ids = [f"20160926_debate_{i:04d}" for i in range(20)] + [f"2017_other_{i:04d}" for i in range(5)] + [
        str(i) for i in range(400)]
    dev, train = carve_split(ids, "dev"), carve_split(ids, "train")
    assert dev | train == set(ids) and not dev & train
    for debate in ("20160926_debate", "2017_other"):
        sides = {q in dev for q in ids if q.startswith(debate)}
        assert len(sides) == 1
    assert 60 < len([q for q in dev if q.isdigit()]) < 140  # about one tweet in four
    assert carve_split(ids, "dev") == dev  # no randomness
    with pytest.raises(InvalidValueError, match="unknown part 'test'"):
        carve_split(ids, "test")


# -- the collection as an archive ------------------------------------------------------------------


def test_the_collection_becomes_an_archive_file() -> None:
    claims = [
        VerifiedClaim("a", "Taxes rose.", "Did taxes rise?", speaker="Jo Doe", date="stated on October 22, 2019 in",
                      extra={"truth_label": "pants-fire"}),
        VerifiedClaim("b", "Taxes 'rose'.", "Did taxes rise?"),  # a copy of a: same words
        VerifiedClaim("c", "Taxes rose.", "Another title", speaker="Jo Doe", date="2019-10-22"),  # one statement with a
        VerifiedClaim("d", "Wombats herd animals.", date="no date at all"),
    ]
    data, aliases = archive_file(claims)
    rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert rows == [
        {"text": "Taxes rose.", "vclaim_id": "a", "title": "Did taxes rise?", "speaker": "Jo Doe",
         "date": "2019-10-22", "rating": "pants-fire"},
        {"text": "Wombats herd animals.", "vclaim_id": "d"},
    ]
    assert aliases == {"b": "a", "c": "a"}


def test_collection_names() -> None:
    assert collection_name("../shared/bench/clef2020-t2-en-tweets/vclaims.tsv") == "clef2020-t2-en-tweets-vclaims"
    assert collection_name("vclaims.tsv") == "vclaims"


# -- the runners on tiny data, through a real workspace ------------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path, Path]:
    vclaims = write(tmp_path, "vclaims.tsv",
                    "\tvclaim\ttitle\n"
                    "0\tBricks of cocaine washed ashore in Florida after Hurricane Dorian.\tCocaine on beaches?\n"
                    "1\tWombats are herding animals into burrows to escape fires in Australia.\tWombat heroes?\n"
                    "2\tDonald Trump was booed at the World Series.\tTrump booed?\n"
                    "3\tA video shows a dragon over a baseball stadium.\tDragon video?\n"
                    "4\tDonald Trump was booed at the World Series!\tTrump booed?\n")
    queries = write(tmp_path, "queries.tsv",
                    "\ttweet_content\n"
                    "10\tHurricane Dorian washed up bricks of cocaine pic.twitter.com/x — NowThis (@nowthisnews) "
                    "September 10, 2019\n"
                    "11\tThe crowd booed Trump at the World Series https://t.co/y — A B (@ab) October 28, 2019\n"
                    "12\tWombats herding animals into their burrows — C (@c) January 14, 2020\n")
    qrels = write(tmp_path, "qrels.tsv", "10 0 0 1\n11 0 4 1\n12 0 1 1\n")  # 4 is the copy of 2
    return vclaims, queries, qrels


def test_the_archive_is_imported_once_and_mapped(tiny, tmp_path: Path, fake_embedder) -> None:
    claims = read_vclaims(tiny[0])
    archive = open_archive(claims, embedder=fake_embedder, folder=tmp_path / "ws")
    try:
        assert sorted(archive.vclaim_of.values()) == ["0", "1", "2", "3"]
        assert archive.statement_of["4"] == archive.statement_of["2"]  # the copy points to the kept one
        statements = archive.workspace.search_archive(limit=10)[0]
        assert {s.metadata.get("title") for s in statements} >= {"Trump booed?", "Wombat heroes?"}
    finally:
        archive.workspace.close()
    encoded = fake_embedder.texts_encoded
    again = open_archive(claims, embedder=fake_embedder, folder=tmp_path / "ws")
    again.workspace.close()
    assert fake_embedder.texts_encoded == encoded  # nothing imported or embedded twice


@pytest.mark.parametrize("method", ["product", "hybrid", "dense"])
def test_retrieval_runner_end_to_end(tiny, tmp_path: Path, fake_embedder, method: str) -> None:
    result = run_retrieval_benchmark(*tiny, embedder=fake_embedder, method=method, workspace=tmp_path / "ws")
    assert set(JSON_KEYS) <= set(result)
    assert result["method"] == method and result["kind"] == "tweets" and result["top_k"] == 5
    assert result["n_queries"] == 3 and result["collection"] == 4
    assert result["map@5"] > 0.5
    assert result["matcher"]["lexical_weight"] == (0.0 if method == "dense" else 0.7)


def test_retrieval_runner_with_a_ranker_and_query_ids(tiny, tmp_path: Path, fake_embedder) -> None:
    from lab.rerank import FEATURES, LinearRanker

    weights = tuple(1.0 if name == "bm25" else 0.0 for name in FEATURES)
    ranker = LinearRanker(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), weights, {"name": "bm25-only"})
    result = run_retrieval_benchmark(*tiny, embedder=fake_embedder, method="rerank", ranker=ranker,
                                     query_ids={"10", "11"}, workspace=tmp_path / "ws")
    assert result["n_queries"] == 2 and result["map@1"] == 1.0


def test_retrieval_runner_refuses_rerank_without_a_ranker(tiny, tmp_path: Path, fake_embedder) -> None:
    with pytest.raises(InvalidValueError, match="needs a trained ranker"):
        run_retrieval_benchmark(*tiny, embedder=fake_embedder, method="rerank", workspace=tmp_path / "ws")


def test_the_runner_rejects_qrels_for_unknown_queries(tiny, tmp_path: Path) -> None:
    vclaims, queries, _ = tiny
    qrels = write(tmp_path, "bad_qrels.tsv", "10 0 0 1\n99 0 1 1\n")
    with pytest.raises(InputError, match="1 queries of the qrels are not in the queries file, e.g. '99'"):
        load_benchmark(vclaims, queries, qrels)


def test_unseen_queries_never_see_their_gold(tiny, tmp_path: Path, fake_embedder) -> None:
    bench = load_benchmark(*tiny)
    archive = open_archive(bench.claims, embedder=fake_embedder, folder=tmp_path / "ws")
    try:
        for query, cards in zip(bench.queries, archive.workspace.rank(
                bench_queries(bench, archive, without_gold=True), 5)):
            assert not {c.statement.id for c in cards} & archive.gold(bench.qrels[query.id])
        groups = training_pairs(bench, archive, pool=3)
    finally:
        archive.workspace.close()
    seen = [g for g in groups if g[1] == "seen"]
    unseen = [g for g in groups if g[1] == "unseen"]
    assert len(seen) == len(unseen) == 3
    assert all(any(labels) for _, _, _, labels in seen)  # the tiny set's gold is always among 3
    assert not any(any(labels) for _, _, _, labels in unseen)


# -- the tier table ---------------------------------------------------------------------------------


def outcome(qid, top_is_gold, top, gold, unseen) -> TierOutcome:
    return TierOutcome(qid, top_is_gold, top, gold, unseen)


def test_tier_table_counts_both_halves() -> None:
    outcomes = [
        outcome("a", True, 0.95, 0.95, 0.20),  # found, and its unseen twin stays new
        outcome("b", True, 0.70, 0.70, 0.10),  # found, below 0.8
        outcome("c", False, 0.90, 0.60, 0.85),  # a wrong top card, and a new claim called same from 0.85 down
        outcome("d", False, 0.40, None, None),  # no gold shown, nothing at all without it
    ]
    rows = {r["threshold"]: r for r in tier_table(outcomes, [0.5, 0.8, 0.9, 0.99])}
    assert rows[0.8] == {"threshold": 0.8, "precision": round(1 / 3, 4), "recall": 0.25, "false_same_rate": 0.25,
                         "same_calls": 3, "right_calls": 1}
    assert rows[0.5]["precision"] == 0.5 and rows[0.5]["recall"] == 0.75
    assert rows[0.9] == {"threshold": 0.9, "precision": 0.5, "recall": 0.25, "false_same_rate": 0.0,
                         "same_calls": 2, "right_calls": 1}
    assert rows[0.99]["precision"] is None and rows[0.99]["recall"] == 0.0


def test_choose_threshold_takes_the_highest_recall_that_meets_the_targets() -> None:
    rows = [
        {"threshold": 0.5, "precision": 0.90, "recall": 0.8, "false_same_rate": 0.05},
        {"threshold": 0.6, "precision": 0.96, "recall": 0.6, "false_same_rate": 0.02},
        {"threshold": 0.7, "precision": 0.97, "recall": 0.5, "false_same_rate": 0.01},
        {"threshold": 0.8, "precision": 1.00, "recall": 0.5, "false_same_rate": 0.0},
        {"threshold": 0.9, "precision": None, "recall": 0.0, "false_same_rate": 0.0},
    ]
    assert choose_threshold(rows)["threshold"] == 0.7
    assert choose_threshold(rows, max_false_same=0.0)["threshold"] == 0.8
    assert choose_threshold(rows[:2]) is None


def test_tiers_runner_on_tiny_data(tiny, tmp_path: Path, fake_embedder) -> None:
    result = run_tiers_benchmark(*tiny, embedder=fake_embedder, method="hybrid", threshold=0.6,
                                 workspace=tmp_path / "ws")
    assert set(TIERS_JSON_KEYS) <= set(result)
    assert result["decided_on"] == "cosine" and result["threshold"] == 0.6 and result["n_queries"] == 3
    at = next(r for r in result["by_threshold"] if r["threshold"] == 0.6)
    assert (result["precision"], result["recall"], result["false_same_rate"]) == (
        at["precision"], at["recall"], at["false_same_rate"])
    assert [o["query_id"] for o in result["outcomes"]] == ["10", "11", "12"]
    assert all(o["top_is_gold"] for o in result["outcomes"])


def test_tiers_runner_with_a_verifier_file(tiny, tmp_path: Path, fake_embedder) -> None:
    result = run_tiers_benchmark(*tiny, embedder=fake_embedder, verifier=_cosine_verifier(tmp_path),
                                 workspace=tmp_path / "ws")
    assert result["decided_on"] == "probability" and result["threshold"] == 0.7
    assert all(0.0 <= o["top_score"] <= 1.0 for o in result["outcomes"])


# -- completed qrels: other fact-checks of the same claim, labelled by reading -------------------------


def _cosine_verifier(tmp_path: Path) -> Path:
    """A verifier file that reads the cosine alone (P rises with it), so the tiny set's cards carry a P."""
    from index.verify import FEATURES, Verifier

    weights = tuple(8.0 if name == "cosine" else 0.0 for name in FEATURES)
    path = tmp_path / "verifier.json"
    Verifier(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), weights, -4.0, 0.7).save(path)
    return path


def _labels_file(tmp_path: Path, rows: list[tuple[str, ...]], name: str = "pairs.tsv") -> Path:
    header = "collection\tquery_id\tquery_sha1\tvclaim_id\tvclaim_sha1\tlabel\n"
    return write(tmp_path, name, header + "".join("\t".join(r) + "\n" for r in rows))


def _todo_labelled(todo: list[dict[str, str]], label: str) -> list[tuple[str, ...]]:
    return [(r["collection"], r["query_id"], r["query_sha1"], r["vclaim_id"], r["vclaim_sha1"], label) for r in todo]


def test_the_todo_lists_unlabelled_top_cards_and_labels_complete_the_qrels(tiny, tmp_path: Path,
                                                                          fake_embedder) -> None:
    bench = load_benchmark(*tiny)
    name = collection_name(tiny[0])
    verifier = _cosine_verifier(tmp_path)
    archive = open_archive(bench.claims, embedder=fake_embedder, folder=tmp_path / "ws")
    try:
        todo = same_pairs_todo(bench, archive, name, {}, floor=0.0, verifier=verifier, split="dev")
        # every seen top card is the gold, so only the open-world half's top cards are listed, one per query
        assert [(r["query_id"], r["half"], r["split"]) for r in todo] == [(q, "unseen", "dev") for q in ("10", "11", "12")]
        assert all(r["vclaim_id"] not in bench.qrels[r["query_id"]] and r["label"] == "" for r in todo)
        # labelled "different", they are not asked again
        labels = read_same_pairs(_labels_file(tmp_path, _todo_labelled(todo, "different")))
        assert same_pairs_todo(bench, archive, name, labels, floor=0.0, verifier=verifier) == []
        completed, added = complete_qrels(bench, name, labels)
        assert added == 0 and completed.qrels == bench.qrels
        # labelled "same", they join the qrels: the open-world half leaves them out too and shows the next card
        labels = read_same_pairs(_labels_file(tmp_path, _todo_labelled(todo, "same")))
        completed, added = complete_qrels(bench, name, labels)
        assert added == 3 and all(completed.qrels[r["query_id"]] == bench.qrels[r["query_id"]] | {r["vclaim_id"]}
                                  for r in todo)
        again = same_pairs_todo(bench, archive, name, labels, floor=0.0, verifier=verifier)
        assert {(r["query_id"], r["vclaim_id"]) for r in again}.isdisjoint({(r["query_id"], r["vclaim_id"]) for r in todo})
        for query, cards in zip(completed.queries, archive.workspace.rank(
                bench_queries(completed, archive, without_gold=True), 5)):
            assert not {c.statement.id for c in cards} & archive.gold(completed.qrels[query.id])
        # a floor above every P lists nothing
        assert same_pairs_todo(bench, archive, name, {}, floor=1.01, verifier=verifier) == []
    finally:
        archive.workspace.close()


def test_labels_of_another_collection_are_ignored_and_changed_texts_refused(tiny, tmp_path: Path) -> None:
    bench = load_benchmark(*tiny)
    name = collection_name(tiny[0])
    row = [name, "10", "0" * 12, "3", "0" * 12, "same"]
    elsewhere = read_same_pairs(_labels_file(tmp_path, [("other-collection", *row[1:])]))
    assert complete_qrels(bench, name, elsewhere) == (bench, 0)
    with pytest.raises(InvalidValueError, match="query 10 and fact-check 3 .*changed since labelling"):
        complete_qrels(bench, name, read_same_pairs(_labels_file(tmp_path, [tuple(row)])))


def test_tiers_with_completed_qrels_count_a_labelled_copy_as_gold(tiny, tmp_path: Path, fake_embedder) -> None:
    bench = load_benchmark(*tiny)
    name = collection_name(tiny[0])
    verifier = _cosine_verifier(tmp_path)
    archive = open_archive(bench.claims, embedder=fake_embedder, folder=tmp_path / "ws")
    try:
        todo = same_pairs_todo(bench, archive, name, {}, floor=0.0, verifier=verifier)
    finally:
        archive.workspace.close()
    path = _labels_file(tmp_path, _todo_labelled(todo, "same"))
    official = run_tiers_benchmark(*tiny, embedder=fake_embedder, verifier=verifier, workspace=tmp_path / "ws")
    completed = run_tiers_benchmark(*tiny, embedder=fake_embedder, verifier=verifier, workspace=tmp_path / "ws",
                                    same_pairs=path)
    assert (official["qrels"], official["qrels_added"], completed["qrels"], completed["qrels_added"]) == (
        "official", 0, "completed", 3)
    # the open-world half no longer holds the labelled copies: its top cards score lower
    assert all(c["unseen_top_score"] is None or c["unseen_top_score"] <= o["unseen_top_score"]
               for o, c in zip(official["outcomes"], completed["outcomes"]))


def test_same_pair_files_name_their_problems_and_merge_sorted(tmp_path: Path) -> None:
    bad = _labels_file(tmp_path, [("c", "1", "a" * 12, "2", "b" * 12, "maybe")], "bad.tsv")
    with pytest.raises(InvalidValueError, match=r"bad.tsv, line 2: label 'maybe' is neither same nor different"):
        read_same_pairs(bad)
    both = _labels_file(tmp_path, [("c", "1", "a" * 12, "2", "b" * 12, "same"),
                                   ("c", "1", "a" * 12, "2", "b" * 12, "different")], "both.tsv")
    with pytest.raises(InvalidValueError, match="line 3: the pair is labelled both ways"):
        read_same_pairs(both)
    with pytest.raises(InvalidValueError, match="the header must start with collection"):
        read_same_pairs(write(tmp_path, "head.tsv", "query\tlabel\n"))
    shipped = tmp_path / "pairs.tsv"
    first = _labels_file(tmp_path, [("c", "9", "a" * 12, "2", "b" * 12, "same"),
                                    ("c", "1", "a" * 12, "2", "b" * 12, "different")], "todo1.tsv")
    assert merge_same_pairs(first, shipped) == 2
    assert merge_same_pairs(first, shipped) == 0
    lines = shipped.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[1] for line in lines[1:]] == ["1", "9"]
    flipped = _labels_file(tmp_path, [("c", "9", "a" * 12, "2", "b" * 12, "different")], "todo2.tsv")
    with pytest.raises(InvalidValueError, match="labelled the other way"):
        merge_same_pairs(flipped, shipped)
    assert len(read_same_pairs(shipped)) == 2


# -- the commands' functions, with the real model ----------------------------------------------------


@pytest.mark.slow
def test_the_commands_functions(tiny, tmp_path: Path) -> None:
    """What ``claimdesk bench retrieval --json`` / ``bench tiers --json`` print and ``train ranker`` writes."""
    from lab.rerank import LinearRanker

    workspace = tmp_path / "ws"
    result = bench_retrieval(*tiny, workspace=workspace)
    assert list(result) == list(JSON_KEYS)
    assert result["method"] == "product" and result["n_queries"] == 3 and result["map@1"] == 1.0
    tiers = bench_tiers(*tiny, workspace=workspace)
    assert list(tiers) == list(TIERS_JSON_KEYS)
    assert tiers["decided_on"] == "probability" and 0.0 < tiers["threshold"] < 1.0
    out = tmp_path / "ranker.json"
    ranker = train_ranker_file(*tiny, out=out, name="tiny", cache_path=tmp_path / "ws.db")
    assert LinearRanker.load(out) == ranker
    assert ranker.provenance["name"] == "tiny" and ranker.provenance["split"] == "qrels.tsv"
    assert [f["file"] for f in ranker.provenance["trained_on"]] == ["vclaims.tsv", "queries.tsv", "qrels.tsv"]
    again = bench_retrieval(*tiny, method="rerank", ranker=out, workspace=workspace)
    assert again["method"] == "rerank"
    with pytest.raises(InvalidValueError, match="tiers are decided by the verifier or by the cosine"):
        bench_tiers(*tiny, method="rerank", workspace=workspace)


# -- the real benchmarks (small subsets; skipped without ../shared/bench) --------------------


def bench_paths(folder: str, *names: str) -> list[Path]:
    paths = [BENCH / folder / name for name in names]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{BENCH / folder} is absent")
    return paths


def first_query_ids(qrels_path: Path, n: int) -> list[str]:
    return list(read_qrels(qrels_path))[:n]


@pytest.mark.bench
@pytest.mark.slow
def test_bench_clef2020_tweets_subset(embedder, tmp_path: Path) -> None:
    vclaims, queries, qrels = bench_paths("clef2020-t2-en-tweets", "vclaims.tsv", "dev_queries.tsv", "dev_qrels.tsv")
    ids = first_query_ids(qrels, 40)
    scores = {method: run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=embedder,
                                              workspace=tmp_path / "ws", query_ids=ids, collection_sample=800)
              for method in ("dense", "hybrid", "product")}
    print({m: round(s["map@5"], 3) for m, s in scores.items()})
    assert scores["product"]["n_queries"] == 40
    assert scores["product"]["map@5"] >= scores["hybrid"]["map@5"] - 0.02
    assert scores["product"]["map@5"] >= 0.85
    tiers = run_tiers_benchmark(vclaims, queries, qrels, embedder=embedder, workspace=tmp_path / "ws",
                                query_ids=ids, collection_sample=800)
    assert tiers["precision"] >= 0.9 and tiers["false_same_rate"] <= 0.05


@pytest.mark.bench
@pytest.mark.slow
def test_bench_clef2021_debates_subset(embedder, tmp_path: Path) -> None:
    vclaims, queries, qrels = bench_paths("clef2021-t2b-en-debates", "vclaims.tsv", "train_dev_queries.tsv",
                                          "dev_qrels.tsv")
    ids = first_query_ids(qrels, 30)
    scores = {method: run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=embedder,
                                              workspace=tmp_path / "ws", query_ids=ids, collection_sample=500)
              for method in ("hybrid", "product")}
    print({m: round(s["map@5"], 3) for m, s in scores.items()})
    assert all(s["kind"] == "debates" for s in scores.values())
    assert scores["product"]["map@5"] >= scores["hybrid"]["map@5"] - 0.02


@pytest.mark.bench
@pytest.mark.parametrize(("folder", "splits"), [
    ("clef2020-t2-en-tweets", (("train_queries.tsv", "train_qrels.tsv"), ("dev_queries.tsv", "dev_qrels.tsv"))),
    ("clef2021-t2b-en-debates", (("train_dev_queries.tsv", "train_qrels.tsv"),
                                 ("train_dev_queries.tsv", "dev_qrels.tsv")))])
def test_the_shipped_same_pairs_name_texts_the_benchmarks_hold(folder: str, splits) -> None:
    """Every label of lab/data/clef_same_pairs.tsv still matches its query and fact-check (digests)."""
    from lab.bench import SAME_PAIRS_FILE

    labels = read_same_pairs(SAME_PAIRS_FILE)
    name = f"{folder}-vclaims"
    mine = {key for key in labels if key[0] == name}
    assert mine, f"no labels for {name}"
    used = 0
    for queries, qrels in splits:
        bench = load_benchmark(*bench_paths(folder, "vclaims.tsv", queries, qrels))
        completed, added = complete_qrels(bench, name, labels)  # raises on a changed text
        used += sum(1 for key in mine if key[1] in {q.id for q in bench.queries})
        assert added == sum(len(completed.qrels[q]) - len(bench.qrels.get(q, ())) for q in completed.qrels)
    assert used == len(mine)  # every label belongs to a query of these splits
