"""``claimdesk bench speed``: its pieces on tiny data, and one quick run that checks the keys and types only."""

import numpy as np
import pytest

from lab.speed import (SPEED_KEYS, ArraySource, exact_top, measure_lexical, measure_search, synthetic_statements,
                       synthetic_vectors)

from conftest import BENCH


def _unit(n, dim=16, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_synthetic_vectors_are_unit_length_and_reproducible():
    anchors = _unit(50)
    a, b = synthetic_vectors(anchors, 300), synthetic_vectors(anchors, 300)
    assert a.shape == (300, 16) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5) and np.array_equal(a, b)


def test_exact_top_matches_a_full_sort():
    vectors, queries = _unit(1000), _unit(7, seed=1)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :10] + 1  # ids start at 1
    ids, cosines = exact_top(vectors, queries, 10)
    assert np.array_equal(ids, expected)
    assert np.allclose(cosines, np.take_along_axis(queries @ vectors.T, ids - 1, axis=1))


def test_array_source_serves_ids_from_one_and_catches_up():
    source = ArraySource(_unit(10))
    assert source.statement_stats() == (10, 10) and source.count_statements_upto(4) == 4
    ids = np.concatenate([i for i, _ in source.statement_vectors("m", after_id=6, batch=2)])
    assert ids.tolist() == [7, 8, 9, 10]


@pytest.mark.parametrize(("threshold", "kind"), [(None, "flat"), (100, "hnsw")])
def test_measure_search_reports_the_kind_and_its_recall(tmp_path, threshold, kind):
    result = measure_search(_unit(40, dim=32), _unit(20, dim=32, seed=3), 2000, tmp_path, hnsw_threshold=threshold)
    assert (result["search_n"], result["search_kind"], result["search_queries"]) == (2000, kind, 20)
    assert result["search_recall_at_10"] >= (1.0 if kind == "flat" else 0.9)
    assert 0 < result["search_p50_ms"] <= result["search_p99_ms"] and result["index_mb"] > 0
    assert (result["search_ef"] is None) == (kind == "flat")


WORDS = "the senator said taxes rose by ten percent in the state while jobs fell said said".split()


def test_synthetic_statements_are_short_reproducible_and_grow_the_vocabulary():
    texts = synthetic_statements(WORDS, 500)
    assert texts == synthetic_statements(WORDS, 500) and len(texts) == 500
    assert all(8 <= len(t.split()) <= 30 for t in texts)
    words = [w for t in texts for w in t.split()]
    assert set(WORDS) <= set(words) and len({w for w in words if w.startswith("x")}) > 100
    assert words.count("said") > words.count("jobs")  # the sample's frequencies carry over


def test_measure_lexical_adds_one_and_searches_on_the_product_index():
    result = measure_lexical(WORDS, ["taxes rose in the state", "jobs fell"] * 10, 3000, adds=5)
    assert (result["lexical_n"], result["lexical_queries"]) == (3000, 20)
    assert 0 < result["lexical_add_ms"] and 0 < result["lexical_query_ms"] <= result["lexical_query_p99_ms"]
    assert result["lexical_arrays_mb"] > 0


@pytest.mark.slow
@pytest.mark.skipif(not (BENCH / "clef2020-t2-en-tweets").is_dir(), reason="../shared/bench is absent")
def test_quick_run_reports_every_key_with_its_type(tmp_path):
    from claims.settings import load_settings
    from lab.speed import bench_speed

    settings = load_settings({"data_dir": str(tmp_path / "data"), "embed_backend": "onnx-int8"}, environ={})
    result = bench_speed(quick=True, bench_dir=BENCH, settings=settings, work_dir=tmp_path / "work")
    assert list(result)[:len(SPEED_KEYS)] == list(SPEED_KEYS)
    floats = [k for k in SPEED_KEYS if k not in ("search_n", "first_page_s", "click_ms", "export_100k_s")]
    assert all(isinstance(result[k], float) and result[k] >= 0 for k in floats), {k: result[k] for k in floats}
    assert result["search_n"] == 20_000 and result["search_kind"] == "flat"
    for key in ("first_page_s", "click_ms"):
        assert result[key] is None or isinstance(result[key], float)
    # No extrapolation from a few dozen claims: it overstated the 100k export about 250-fold.
    assert result["export_100k_s"] is None and "bench_export.py" in result["export_100k_from"]
    assert result["export_measured_n"] > 0 and result["export_measured_s"] > 0
    assert result["mode"] == "quick" and result["embedder"] == "all-MiniLM-L6-v2+onnx-int8"
    assert result["lexical_n"] == 20_000 and result["lexical_add_ms"] > 0
