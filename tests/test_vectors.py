import json

import numpy as np
import pytest

from claims.errors import InvalidValueError
from index.vectors import VectorIndex


class ListSource:
    """An in-memory stand-in for the database side of the index."""

    def __init__(self, dim=8, n=0, seed=0):
        self.dim = dim
        self.rng = np.random.default_rng(seed)
        self.rows: dict[int, np.ndarray] = {}
        self.add(n)

    def add(self, n):
        start = max(self.rows, default=0) + 1
        for i in range(start, start + n):
            v = self.rng.normal(size=self.dim).astype(np.float32)
            self.rows[i] = v / np.linalg.norm(v)

    def statement_stats(self):
        return len(self.rows), max(self.rows, default=0)

    def count_statements_upto(self, max_id):
        return sum(1 for i in self.rows if i <= max_id)

    def statement_vectors(self, model, after_id=0, batch=4096):
        ids = sorted(i for i in self.rows if i > after_id)
        for k in range(0, len(ids), batch):
            chunk = ids[k:k + batch]
            yield np.array(chunk, dtype=np.int64), np.stack([self.rows[i] for i in chunk])


def test_search_returns_statement_ids_best_first(tmp_path):
    src = ListSource(n=20)
    index = VectorIndex(tmp_path, "m", 8)
    report = index.sync(src)
    assert (report.rebuilt, report.added, index.count) == (True, 20, 20)
    (hits,) = index.search(src.rows[7], 3)
    assert hits[0][0] == 7 and abs(hits[0][1] - 1.0) < 1e-5
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_no_padding_ids_when_k_exceeds_count(tmp_path):
    src = ListSource(n=2)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    (hits,) = index.search(src.rows[1], 10)
    assert sorted(i for i, _ in hits) == [1, 2]


def test_empty_index_searches_to_nothing(tmp_path):
    index = VectorIndex(tmp_path, "m", 8)
    assert index.sync(ListSource()).added == 0
    assert index.search(np.ones(8, dtype=np.float32), 5) == [[]]


def test_saved_index_reloads_and_catches_up(tmp_path):
    src = ListSource(n=5)
    VectorIndex(tmp_path, "m", 8).sync(src)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (manifest["count"], manifest["max_id"], manifest["model"], manifest["dim"]) == (5, 5, "m", 8)
    src.add(3)
    again = VectorIndex(tmp_path, "m", 8)
    report = again.sync(src)
    assert (report.rebuilt, report.added, again.count) == (False, 3, 8)
    assert not list(tmp_path.glob("*.tmp")), "a temporary file was left behind"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: (d / "statements.faiss").unlink(), "no saved index"),
        (lambda d: (d / "manifest.json").unlink(), "no saved index"),
        (lambda d: (d / "statements.faiss").write_bytes(b"garbage"), "unreadable index file"),
        (lambda d: (d / "statements.faiss").write_bytes((d / "statements.faiss").read_bytes()[:100]),
         "unreadable index file"),
        (lambda d: (d / "manifest.json").write_text("{not json"), "unreadable manifest"),
        (lambda d: (d / "manifest.json").write_text(
            (d / "manifest.json").read_text().replace('"count": 6', '"count": 4')), "index holds 6 vectors"),
        (lambda d: (d / "manifest.json").write_text(
            (d / "manifest.json").read_text().replace('"model": "m"', '"model": "other"')), "index built for other"),
    ],
)
def test_damaged_cache_is_rebuilt_from_the_database(tmp_path, damage, reason):
    src = ListSource(n=6)
    VectorIndex(tmp_path, "m", 8).sync(src)
    damage(tmp_path)
    index = VectorIndex(tmp_path, "m", 8)
    report = index.sync(src)
    assert report.rebuilt and reason in report.reason
    assert index.count == 6
    (hits,) = index.search(src.rows[4], 1)
    assert hits[0][0] == 4
    assert VectorIndex(tmp_path, "m", 8).sync(src).rebuilt is False  # the repaired files are trusted again


def test_rows_deleted_in_the_database_force_a_rebuild(tmp_path):
    src = ListSource(n=6)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    del src.rows[2]
    report = index.sync(src)
    assert report.rebuilt and index.count == 5
    assert all(i != 2 for i, _ in index.search(src.rows[3], 10)[0])


def test_rebuild_on_request(tmp_path):
    src = ListSource(n=4)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    revision = index.revision
    report = index.rebuild(src)
    assert report.rebuilt and report.added == 4 and index.revision > revision


def test_bad_shapes_are_refused(tmp_path):
    index = VectorIndex(tmp_path, "m", 8)
    with pytest.raises(InvalidValueError, match="dimension 8"):
        index.add(np.array([1]), np.ones((1, 4), dtype=np.float32))
    with pytest.raises(InvalidValueError, match="dimension 8"):
        index.search(np.ones((1, 3), dtype=np.float32), 1)
    with pytest.raises(InvalidValueError, match="k must be at least 1"):
        index.search(np.ones((1, 8), dtype=np.float32), 0)
