"""The BM25 index: ids in, ids out, stop words, stemming, ties, bad arguments; adds and removals scoring
as a fresh build (bm25s's Lucene BM25 is the oracle); searches during adds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from claims.errors import InvalidValueError
from index.lexical import LexicalIndex, english_stemmer, tokenize

TEXTS = [
    "Bricks of cocaine washed ashore in Florida after Hurricane Dorian.",
    "Wombats are inviting animals into their burrows to escape the Australian fires.",
    "Donald Trump was booed by the crowd at the World Series.",
    "A video shows a dragon flying over a baseball stadium.",
]
IDS = [10, 20, 30, 40]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(IDS, TEXTS)


def test_search_returns_caller_ids_best_first(index: LexicalIndex) -> None:
    (hits,) = index.search(["cocaine bricks washed up in Florida"], k=3)
    assert hits[0][0] == 10
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))


def test_documents_without_a_shared_term_are_left_out(index: LexicalIndex) -> None:
    (hits,) = index.search(["wombats"], k=4)
    assert [doc for doc, _ in hits] == [20]
    assert index.search(["nothing matches zebra"], k=4) == [[]]


def test_stop_words_alone_match_nothing(index: LexicalIndex) -> None:
    assert index.search(["the of a into their"], k=4) == [[]]
    assert index.search([""], k=2) == [[]]


def test_k_limits_and_many_queries(index: LexicalIndex) -> None:
    results = index.search(["Trump crowd", "video dragon stadium", "hurricane"], k=1)
    assert [r[0][0] for r in results] == [30, 40, 10]


def test_equal_scores_are_ordered_by_id() -> None:
    lexical = LexicalIndex([5, 3, 9], ["red apple", "red apple", "green pear"])
    (hits,) = lexical.search(["apple"], k=3)
    assert [doc for doc, _ in hits] == [3, 5]
    assert hits[0][1] == pytest.approx(hits[1][1])


def test_scores_align_with_ids(index: LexicalIndex) -> None:
    scores = index.scores("baseball dragon")
    assert scores.shape == (4,)
    assert int(np.argmax(scores)) == 3
    assert index.score_ids("baseball dragon", [40, 10, 99]) == [pytest.approx(float(scores[3])), 0.0, 0.0]
    assert list(index.ids) == IDS


def test_stemming_follows_pystemmer() -> None:
    lexical = LexicalIndex([1, 2], ["the senator was investigating", "a cat sat"])
    assert lexical.settings.stem == (english_stemmer() is not None)
    (hits,) = lexical.search(["investigation of senators"], k=2)
    if lexical.settings.stem:
        assert [doc for doc, _ in hits] == [1]
    else:
        assert hits == []


def test_tokenize_drops_stop_words_and_single_letters() -> None:
    stop = frozenset({"the", "of"})
    assert tokenize(["The Cost of a $4,300 loss"], stopwords=stop) == [["cost", "300", "loss"]]
    assert tokenize(["Running runs"], stemmer=lambda words: [w[:3] for w in words]) == [["run", "run"]]


def test_an_empty_document_and_an_empty_index() -> None:
    lexical = LexicalIndex([1, 2], ["", "fires in Australia"])
    assert lexical.search(["australia"], k=5) == [[(2, pytest.approx(lexical.scores("australia")[1]))]]
    empty = LexicalIndex([], [])
    assert empty.count == 0
    assert empty.search(["anything"], k=3) == [[]]


@pytest.mark.parametrize(("ids", "texts", "options"), [
    ([1, 2], ["one"], {}),
    ([1, 1], ["one", "two"], {}),
    ([1], ["one"], {"b": 1.5}),
    ([1], ["one"], {"stopwords": "klingon"}),
])
def test_bad_arguments(ids, texts, options) -> None:
    with pytest.raises(InvalidValueError):
        LexicalIndex(ids, texts, **options)


def test_k_must_be_positive(index: LexicalIndex) -> None:
    with pytest.raises(InvalidValueError):
        index.search(["cocaine"], k=0)


# -- incremental: adds and removals give a fresh build's scores ------------------------------------

def _oracle_scores(lexical: LexicalIndex, texts: list[str], query: str) -> np.ndarray:
    """bm25s's Lucene BM25 over ``texts`` (the documents ``lexical`` holds, in its order), same tokens."""
    import bm25s

    from index.lexical import _stopwords

    stemmer = english_stemmer()
    tokens = tokenize(texts, stopwords=_stopwords("en"), stemmer=stemmer)
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    retriever.index(tokens, show_progress=False)
    asked = [t for t in tokenize([query], stopwords=_stopwords("en"), stemmer=stemmer)[0] if t in retriever.vocab_dict]
    return np.asarray(retriever.get_scores(asked), dtype=np.float32) if asked else np.zeros(len(texts), np.float32)


def _corpus(n: int, seed: int = 3) -> list[str]:
    """Fact-check-like sentences: a few frequent words, many rare ones, names and numbers, varied lengths."""
    rng = np.random.default_rng(seed)
    common = "said percent tax jobs million state president vote health care law bill years people".split()
    rare = [f"{a}{b}" for a in ("kal", "mor", "ves", "tri", "dun", "pel") for b in ("an", "ix", "or", "et", "um")]
    names = ["Obama", "Trump", "Clinton", "Sanders", "Pelosi", "DeSantis"]
    texts = []
    for _ in range(n):
        words = list(rng.choice(common, size=rng.integers(2, 9))) + list(rng.choice(rare, size=rng.integers(0, 4)))
        words += [str(rng.integers(1, 60)), rng.choice(names)] if rng.random() < 0.6 else []
        rng.shuffle(words)
        texts.append(" ".join(str(w) for w in words) + ".")
    return texts


QUERIES = ["Obama said taxes rose 12 percent", "kalan morix health care law", "jobs jobs jobs", "dunet Pelosi vote",
           "nothing zebra", "people years million percent state"]


def _assert_fresh_equal(lexical: LexicalIndex, by_id: dict[int, str]) -> None:
    ids = [int(i) for i in lexical.ids]
    assert sorted(ids) == sorted(by_id) and lexical.count == len(by_id)
    texts = [by_id[i] for i in ids]
    fresh = LexicalIndex(ids, texts)
    for query in QUERIES:
        expected = _oracle_scores(lexical, texts, query)
        np.testing.assert_allclose(lexical.scores(query), expected, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(fresh.scores(query), expected, rtol=1e-6, atol=1e-5)
        assert lexical.search([query], 25) == fresh.search([query], 25)


def test_a_build_scores_as_bm25s_lucene_on_real_fact_checks() -> None:
    from conftest import BENCH

    vclaims = BENCH / "clef2020-t2-en-tweets" / "vclaims.tsv"
    if not vclaims.exists():
        pytest.skip("../shared/bench is absent")
    from lab.bench import read_vclaims

    texts = [f"{c.text} {c.title}" for c in read_vclaims(vclaims)][:3000]
    lexical = LexicalIndex(list(range(1, len(texts) + 1)), texts)
    for query in ["Trump said the coronavirus is a hoax", "Video shows a shark on a highway", "5G causes covid"]:
        np.testing.assert_allclose(lexical.scores(query), _oracle_scores(lexical, texts, query), rtol=1e-6, atol=1e-5)


def test_adds_and_removals_score_as_a_fresh_build() -> None:
    texts = _corpus(600)
    by_id = {1000 + 7 * i: t for i, t in enumerate(texts[:400])}
    lexical = LexicalIndex(list(by_id), list(by_id.values()))
    _assert_fresh_equal(lexical, by_id)
    # one at a time, as verdicts arrive; then a batch; then removals; then a removed id comes back
    for i, text in enumerate(texts[400:450]):
        lexical.add([50_000 + i], [text])
        by_id[50_000 + i] = text
    lexical.add(list(range(60_000, 60_150)), texts[450:600])
    by_id.update(zip(range(60_000, 60_150), texts[450:600]))
    _assert_fresh_equal(lexical, by_id)
    gone = [1000, 1007, 50_003, 60_149, 60_000]
    assert lexical.remove(gone + [99, 1000]) == len(gone)
    for i in gone:
        del by_id[i]
    _assert_fresh_equal(lexical, by_id)
    lexical.add([1007], ["a new text under a reused id about kalan"])
    by_id[1007] = "a new text under a reused id about kalan"
    _assert_fresh_equal(lexical, by_id)
    assert 1007 in lexical and 1000 not in lexical


def test_an_index_can_start_empty_and_be_emptied() -> None:
    lexical = LexicalIndex([], [])
    lexical.add([3, 1], ["tax cuts for the rich", "tax on jobs"])
    assert [i for i, _ in lexical.search(["tax"], 5)[0]] == [1, 3]  # the shorter document first
    assert lexical.remove([1, 3]) == 2
    assert lexical.count == 0 and lexical.search(["tax"], 5) == [[]] and lexical.scores("tax").shape == (0,)


def test_results_carry_ids_never_rows() -> None:
    lexical = LexicalIndex([10**12, 5], ["wombats burrow", "koalas climb"])
    lexical.add([-4], ["wombats again"])
    lexical.remove([5])
    hits = lexical.search(["wombats koalas"], 5)[0]
    assert {i for i, _ in hits} == {10**12, -4}
    assert list(lexical.ids) == [10**12, -4]
    assert lexical.score_ids("wombats", [5, -4, 0, 1]) == [0.0, pytest.approx(lexical.scores("wombats")[1]), 0.0, 0.0]


def test_ties_are_ordered_by_id_whatever_the_order_of_adding() -> None:
    lexical = LexicalIndex([9], ["red apple"])
    lexical.add([2, 5], ["red apple", "red apple"])
    lexical.add([1], ["green pear"])
    assert [i for i, _ in lexical.search(["apple"], 2)[0]] == [2, 5]
    assert [i for i, _ in lexical.search(["apple"], 3)[0]] == [2, 5, 9]


def test_empty_documents_count_in_n_and_match_nothing() -> None:
    lexical = LexicalIndex([1, 2], ["", "fires in Australia"])
    lexical.add([3, 4], ["the of and", "Australia burns"])
    # N = 4 and avgdl = (0 + 2 + 0 + 2) / 4: the empty documents count; df("australia") = 2, tf = 1, dl = 2
    expected = math.log(1 + 2.5 / 2.5) / (1 + 1.2 * (0.25 + 0.75 * 2 / 1.0))
    assert lexical.search(["australia"], 5) == [[(2, pytest.approx(expected)), (4, pytest.approx(expected))]]
    assert lexical.search(["the"], 5) == [[]] and lexical.count == 4


def test_adding_an_id_it_holds_is_refused() -> None:
    lexical = LexicalIndex([1], ["one"])
    with pytest.raises(InvalidValueError, match="already holds id 1"):
        lexical.add([2, 1], ["two", "one again"])
    with pytest.raises(InvalidValueError):
        lexical.add([3, 3], ["x", "y"])
    with pytest.raises(InvalidValueError):
        lexical.add([4], [])
    assert lexical.count == 1 and 2 not in lexical  # a refused add changes nothing


def test_searches_while_adding_see_a_whole_index() -> None:
    import threading

    texts = _corpus(1200, seed=11)
    lexical = LexicalIndex(list(range(600)), texts[:600])
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                for hits in lexical.search(QUERIES, 20):
                    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
                    assert all(0 <= i < 1200 for i, _ in hits)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(600, 1200):
        lexical.add([i], [texts[i]])
        if i % 50 == 0:
            lexical.remove([i - 600])
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    by_id = {i: texts[i] for i in range(1200) if not (i < 600 and (i + 600) % 50 == 0)}
    _assert_fresh_equal(lexical, by_id)


def test_score_ids_is_scores_read_at_those_ids_after_adds_and_removals() -> None:
    rnd = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    texts = [" ".join(rnd.choice(words, size=6)) for _ in range(300)]
    lexical = LexicalIndex(list(range(0, 600, 2)), texts)
    lexical.add([601, 603, 605], ["w1 w2 w3", "w4 w5", "w1 w1 w39"])
    lexical.remove(list(range(0, 600, 14)))
    for query in ("w1 w2", "w39 w7 w7", "nothing here"):
        by_id = dict(zip(lexical.ids.tolist(), lexical.scores(query).tolist()))
        asked = [int(i) for i in rnd.integers(-3, 610, size=80)] + [601, 0, 14]
        assert lexical.score_ids(query, asked) == [by_id.get(i, 0.0) for i in asked]
    assert lexical.score_ids("w1", []) == []


# -- persistence ---------------------------------------------------------------------------------

def test_a_saved_index_loads_with_the_same_scores_and_keeps_changing(tmp_path) -> None:
    texts = _corpus(500)
    by_id = {10 + 3 * i: t for i, t in enumerate(texts[:300])}
    lexical = LexicalIndex(list(by_id), list(by_id.values()))
    for i, text in enumerate(texts[300:340]):  # tails, as verdicts leave them
        lexical.add([90_000 + i], [text])
        by_id[90_000 + i] = text
    assert lexical.remove([10, 13, 90_001]) == 3
    for i in (10, 13, 90_001):
        del by_id[i]
    path = tmp_path / "lexical.npz"
    lexical.save(path, {"key": 90_039})
    loaded, meta = LexicalIndex.load(path)
    assert meta["key"] == 90_039 and meta["settings"] == lexical.settings.to_dict()
    assert sorted(loaded.ids.tolist()) == sorted(by_id) and 10 not in loaded and 16 in loaded
    for query in QUERIES:
        np.testing.assert_array_equal(loaded.scores(query), lexical.scores(query))
        assert loaded.search([query], 25) == lexical.search([query], 25)
    # it goes on as the index it was: adds, removals and a removed id coming back
    loaded.add(list(range(95_000, 95_160)), texts[340:500])
    by_id.update(zip(range(95_000, 95_160), texts[340:500]))
    loaded.remove([16, 95_003])
    del by_id[16], by_id[95_003]
    loaded.add([13], ["kalan returns under an old id"])
    by_id[13] = "kalan returns under an old id"
    _assert_fresh_equal(loaded, by_id)


def test_an_empty_index_saves_and_loads(tmp_path) -> None:
    LexicalIndex([], []).save(tmp_path / "empty.npz", {})
    loaded, _ = LexicalIndex.load(tmp_path / "empty.npz")
    assert loaded.count == 0 and loaded.search(["anything"], 5) == [[]]
    loaded.add([4], ["kalan morix"])
    assert loaded.search(["kalan"], 5)[0][0][0] == 4


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "no stemmer now"])
def test_a_file_that_cannot_be_trusted_is_refused_with_the_reason(tmp_path, monkeypatch, damage: str) -> None:
    import index.lexical
    from claims.errors import IndexCacheError

    if damage == "no stemmer now" and english_stemmer() is None:
        pytest.skip("PyStemmer is not installed")
    path = tmp_path / "lexical.npz"
    LexicalIndex([1, 2], ["kalan morix said", "dunet voting"]).save(path, {})
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "not a zip":
        path.write_text("hello")
    else:  # written stemmed; this process could not stem its queries alike
        monkeypatch.setattr(index.lexical, "english_stemmer", lambda: None)
    with pytest.raises(IndexCacheError, match="lexical.npz"):
        LexicalIndex.load(path)
