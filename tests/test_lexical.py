"""The BM25 index over bm25s: ids in, ids out, stop words, stemming, ties and bad arguments."""

from __future__ import annotations

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
