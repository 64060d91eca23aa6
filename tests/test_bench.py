"""The retrieval benchmark: the official-semantics scorer, the CLEF readers, text preparation,
the runner on tiny inline data, and (marked ``bench``) small runs on ../shared/bench."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from lab.bench import (
    JSON_KEYS,
    BenchQuery,
    RetrievalConfig,
    VerifiedClaim,
    attach_debate_context,
    bench_retrieval,
    carve_dev_ids,
    clean_tweet,
    deduplicate_claims,
    document_text,
    load_benchmark,
    parse_loose_date,
    query_date,
    query_text,
    read_qrels,
    read_queries,
    read_transcripts,
    read_vclaims,
    recipe,
    run_retrieval_benchmark,
    score_run,
    speaker_name,
    split_camel_case,
    split_tweet_signature,
    train_ranker_file,
)
from claims.errors import BadRecordError, EmptyInputError, InputError, InvalidValueError, MissingColumnError
from claims.store import Store

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


def test_transcripts_give_speaker_and_context(tmp_path: Path) -> None:
    transcripts = read_transcripts(make_debate(tmp_path))
    (query,) = attach_debate_context([BenchQuery("20160926_debate_0003", "Our jobs are fleeing the country.")],
                                     transcripts, previous=2)
    assert query.speaker == "TRUMP"
    assert query.context == ("Good evening.",)  # the SYSTEM line is no context
    assert query_text(query, context=1) == "Trump: Good evening. Our jobs are fleeing the country."
    assert query_date(query) == dt.date(2016, 9, 26)
    unknown = BenchQuery("other_0001", "x")
    assert attach_debate_context([unknown], transcripts) == [unknown]


def test_transcript_with_a_bad_line(tmp_path: Path) -> None:
    folder = make_debate(tmp_path)
    (folder / "20160926_Debate.tsv").write_text("1\tHOLT\tfine\nnot a line\n", encoding="utf-8")
    with pytest.raises(BadRecordError, match="20160926_Debate.tsv, line 2"):
        read_transcripts(folder)


# -- preparing texts -------------------------------------------------------------------------

TWEET = ("#TraitorTommy @TomCottonAR is sending cease and desist letters https://t.co/x1 "
         "#arpxpic.twitter.com/N1HAG — Ozark Indivisible (@OZRKIndivisible) January 18, 2018")


def test_split_tweet_signature() -> None:
    body, name, handle, when = split_tweet_signature(TWEET)
    assert name == "Ozark Indivisible" and handle == "OZRKIndivisible" and when == "January 18, 2018"
    assert body.endswith("#arpxpic.twitter.com/N1HAG")
    assert split_tweet_signature("no signature") == ("no signature", "", "", "")


@pytest.mark.parametrize(("options", "expected"), [
    ({}, "Traitor Tommy Tom Cotton AR is sending cease and desist letters arpx Ozark Indivisible"),
    ({"author": False}, "Traitor Tommy Tom Cotton AR is sending cease and desist letters arpx"),
    ({"date": True}, "Traitor Tommy Tom Cotton AR is sending cease and desist letters arpx Ozark Indivisible "
                     "January 18, 2018"),
])
def test_clean_tweet(options: dict, expected: str) -> None:
    assert clean_tweet(TWEET, **options) == expected


@pytest.mark.parametrize(("word", "split"), [
    ("realDonaldTrump", "real Donald Trump"), ("COVID19", "COVID 19"), ("plain", "plain"), ("a_b", "a b")])
def test_split_camel_case(word: str, split: str) -> None:
    assert split_camel_case(word) == split


@pytest.mark.parametrize(("raw", "name"), [
    ("MR. ROMNEY", "Romney"), ("PRESIDENT OBAMA", "Obama"), ("Donald Trump", "Donald Trump"), ("SYSTEM", "")])
def test_speaker_name(raw: str, name: str) -> None:
    assert speaker_name(raw) == name


def test_document_text_and_copies() -> None:
    a = VerifiedClaim("1", 'He said "no".', "Did he say no?", speaker="Jo Doe")
    b = VerifiedClaim("2", "He said 'no'.", "Did he say no?")
    assert document_text(a) == 'He said "no". Did he say no?'
    assert document_text(a, title=False, speaker=True) == 'He said "no". Jo Doe'
    assert [c.id for c in deduplicate_claims([a, b])] == ["1"]


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


def test_carve_dev_ids_matches_trailing_numbers() -> None:
    assert carve_dev_ids(["tweet-sno-1", "tweet-sno-11", "tweet-sno-2"], ["11", "2", "999"]) == {
        "tweet-sno-11", "tweet-sno-2"}


def test_config_validation() -> None:
    with pytest.raises(InvalidValueError):
        RetrievalConfig(method="magic")
    with pytest.raises(InvalidValueError):
        RetrievalConfig(method="rerank")
    with pytest.raises(InvalidValueError):
        RetrievalConfig(depth=0)
    with pytest.raises(InvalidValueError):
        recipe("podcasts")
    assert recipe("debates", "dense", depth=7).depth == 7


# -- the runner on tiny data -----------------------------------------------------------------


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
    qrels = write(tmp_path, "qrels.tsv", "10 0 0 1\n11 0 2 1\n12 0 1 1\n")
    return vclaims, queries, qrels


@pytest.mark.parametrize("method", ["bm25", "dense", "hybrid"])
def test_runner_end_to_end_with_a_cache(tiny, tmp_path: Path, fake_embedder, method: str) -> None:
    store = Store(f"sqlite:///{tmp_path / 'cache.db'}")
    first = run_retrieval_benchmark(*tiny, method=method, embedder=fake_embedder, cache=store)
    assert set(JSON_KEYS) <= set(first)
    assert first["method"] == method and first["kind"] == "tweets"
    assert first["n_queries"] == 3
    assert first["collection"] == 4  # the copy of claim 2 is left out
    assert first["map@5"] == pytest.approx(1.0) if method != "dense" else first["map@5"] > 0.5
    encoded = fake_embedder.texts_encoded
    again = run_retrieval_benchmark(*tiny, method=method, embedder=fake_embedder, cache=store)
    assert fake_embedder.texts_encoded == encoded  # everything came from the cache
    assert again["map@5"] == first["map@5"]
    store.dispose()


def test_runner_with_a_ranker_and_query_ids(tiny, tmp_path: Path, fake_embedder) -> None:
    from lab.rerank import FEATURES, LinearRanker

    store = Store(f"sqlite:///{tmp_path / 'cache.db'}")
    weights = tuple(1.0 if name == "lexical" else 0.0 for name in FEATURES)
    ranker = LinearRanker(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), weights, {"name": "lexical-only"})
    result = run_retrieval_benchmark(*tiny, method="rerank", embedder=fake_embedder, cache=store, ranker=ranker,
                                     query_ids={"10", "11"})
    assert result["n_queries"] == 2
    assert result["map@1"] == 1.0
    assert result["config"]["ranker"] == "lexical-only"
    store.dispose()


def test_runner_rejects_qrels_for_unknown_queries(tiny, tmp_path: Path) -> None:
    vclaims, queries, _ = tiny
    qrels = write(tmp_path, "bad_qrels.tsv", "10 0 0 1\n99 0 1 1\n")
    with pytest.raises(InputError, match="1 queries of the qrels are not in the queries file, e.g. '99'"):
        load_benchmark(vclaims, queries, qrels)


@pytest.mark.slow
def test_runner_with_the_real_model(tiny, tmp_path: Path, embedder) -> None:
    store = Store(f"sqlite:///{tmp_path / 'cache.db'}")
    result = run_retrieval_benchmark(*tiny, method="hybrid", embedder=embedder, cache=store)
    assert result["map@1"] == 1.0
    store.dispose()


@pytest.mark.slow
def test_cli_entry_points(tiny, tmp_path: Path) -> None:
    """What ``claimdesk bench retrieval --json`` prints and ``claimdesk train ranker`` writes."""
    from lab.rerank import LinearRanker

    cache = tmp_path / "cache" / "embeddings.db"
    result = bench_retrieval(*tiny, method="dense", cache_path=cache)
    assert list(result) == list(JSON_KEYS)
    assert result["method"] == "dense" and result["n_queries"] == 3
    assert cache.exists()
    out = tmp_path / "ranker.json"
    ranker = train_ranker_file(*tiny, out=out, name="tiny", cache_path=cache)
    assert LinearRanker.load(out) == ranker
    assert ranker.provenance["name"] == "tiny" and ranker.provenance["split"] == "qrels.tsv"
    assert [f["file"] for f in ranker.provenance["trained_on"]] == ["vclaims.tsv", "queries.tsv", "qrels.tsv"]
    again = bench_retrieval(*tiny, method="rerank", ranker=out, cache_path=cache)
    assert again["method"] == "rerank"


# -- the real benchmarks (small subsets; skipped without ../shared/bench) --------------------


def bench_paths(folder: str, *names: str) -> list[Path]:
    paths = [BENCH / folder / name for name in names]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{BENCH / folder} is absent")
    return paths


def first_query_ids(qrels_path: Path, n: int) -> list[str]:
    return list(read_qrels(qrels_path))[:n]


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory):
    """One embedding cache for the benchmark tests: each text is embedded once per run."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('bench') / 'cache.db'}")
    yield store
    store.dispose()


@pytest.mark.bench
@pytest.mark.slow
def test_bench_clef2020_tweets_subset(embedder, bench_cache) -> None:
    vclaims, queries, qrels = bench_paths("clef2020-t2-en-tweets", "vclaims.tsv", "dev_queries.tsv", "dev_qrels.tsv")
    ids = first_query_ids(qrels, 40)
    scores = {method: run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=embedder,
                                              cache=bench_cache, query_ids=ids, collection_sample=800)
              for method in ("bm25", "dense", "hybrid", "rerank")}
    print({m: round(s["map@5"], 3) for m, s in scores.items()})
    assert scores["hybrid"]["n_queries"] == 40
    assert scores["hybrid"]["map@5"] >= max(scores["bm25"]["map@5"], scores["dense"]["map@5"]) - 0.02
    assert scores["hybrid"]["map@5"] >= 0.85
    assert scores["rerank"]["map@5"] >= 0.85


@pytest.mark.bench
@pytest.mark.slow
def test_bench_clef2022_tweets_carved_dev_subset(embedder, bench_cache) -> None:
    vclaims, queries, qrels, ref = bench_paths(
        "clef2021-2022-t2a-en-tweets", "vclaims_2022.tsv", "train_queries.tsv", "train_qrels.tsv",
        "../clef2020-t2-en-tweets/dev_queries.tsv")
    dev = carve_dev_ids(list(read_qrels(qrels)), [q.id for q in read_queries(ref)])
    assert len(dev) == 197
    ids = sorted(dev)[:30]
    scores = {method: run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=embedder,
                                              cache=bench_cache, query_ids=ids, collection_sample=600)
              for method in ("dense", "rerank")}
    print({m: round(s["map@5"], 3) for m, s in scores.items()})
    assert scores["rerank"]["map@5"] >= scores["dense"]["map@5"]
    assert scores["rerank"]["map@5"] >= 0.85


@pytest.mark.bench
@pytest.mark.slow
def test_bench_clef2021_debates_subset(embedder, bench_cache) -> None:
    vclaims, queries, qrels = bench_paths("clef2021-t2b-en-debates", "vclaims.tsv", "train_dev_queries.tsv",
                                          "dev_qrels.tsv")
    ids = first_query_ids(qrels, 30)
    scores = {method: run_retrieval_benchmark(vclaims, queries, qrels, method=method, embedder=embedder,
                                              cache=bench_cache, query_ids=ids, collection_sample=500)
              for method in ("bm25", "dense", "hybrid", "rerank")}
    print({m: round(s["map@5"], 3) for m, s in scores.items()})
    assert all(s["kind"] == "debates" for s in scores.values())
    assert scores["rerank"]["map@5"] >= scores["hybrid"]["map@5"] - 0.02
    assert scores["rerank"]["map@5"] >= 0.5
