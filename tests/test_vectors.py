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
        (lambda d: (d / "statements.faiss").write_bytes(b"garbage"), "changed since its manifest"),
        (lambda d: (d / "statements.faiss").write_bytes((d / "statements.faiss").read_bytes()[:100]),
         "changed since its manifest"),
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


# -- the index kind chosen by size, and deletions ---------------------------------------------------


class IdListingSource(ListSource):
    """A source that can list its ids, so deleted rows become tombstones instead of a rebuild."""

    def statement_ids_upto(self, max_id):
        return np.array(sorted(i for i in self.rows if i <= max_id), dtype=np.int64)


@pytest.mark.parametrize(("threshold", "kind"), [(10, "hnsw"), (10_000, "flat")])
def test_index_kind_follows_the_size_and_survives_a_reload(tmp_path, threshold, kind):
    src = ListSource(n=40)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=threshold)
    index.sync(src)
    assert index.kind == kind
    (hits,) = index.search(src.rows[17], 5)
    assert hits[0][0] == 17 and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert json.loads((tmp_path / "manifest.json").read_text())["kind"] == kind
    again = VectorIndex(tmp_path, "m", 8, hnsw_threshold=threshold)
    assert again.sync(src).rebuilt is False and again.kind == kind and again.count == 40


def test_flat_index_becomes_a_graph_when_it_grows_past_the_threshold(tmp_path):
    src = ListSource(n=8)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=20)
    index.sync(src)
    assert index.kind == "flat"
    src.add(15)
    report = index.sync(src)
    assert (report.rebuilt, report.added, index.kind, index.count) == (False, 15, "hnsw", 23)
    assert all(index.search(src.rows[i], 1)[0][0][0] == i for i in (1, 8, 23))


@pytest.mark.parametrize(("threshold", "tombstones"), [(10, 2), (10_000, 0)])
def test_deleted_rows_never_come_back_from_search(tmp_path, threshold, tombstones):
    src = IdListingSource(n=60)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=threshold)
    index.sync(src)
    del src.rows[5], src.rows[30]
    report = index.sync(src)
    assert (report.rebuilt, report.removed, index.count, index.tombstones) == (False, 2, 58, tombstones)
    for gone in (5, 30):
        assert all(i not in (5, 30) for i, _ in index.search(src.rows.get(gone + 1), 10)[0])
    (hits,) = index.search(src.rows[6], 10)
    assert len(hits) == 10 and hits[0][0] == 6  # k live results, not k minus the tombstones
    reloaded = VectorIndex(tmp_path, "m", 8, hnsw_threshold=threshold)
    assert reloaded.sync(src).rebuilt is False and (reloaded.count, reloaded.tombstones) == (58, tombstones)
    assert all(i not in (5, 30) for i, _ in reloaded.search(src.rows[4], 58)[0])


def test_tombstones_past_their_share_compact_the_graph(tmp_path):
    src = IdListingSource(n=50)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=10, max_tombstone_share=0.1)
    index.sync(src)
    for i in range(1, 5):
        del src.rows[i]
    index.sync(src)
    assert (index.tombstones, index.count) == (4, 46)
    for i in range(5, 8):
        del src.rows[i]
    index.sync(src)
    assert (index.tombstones, index.count, index.kind) == (0, 43, "hnsw")
    assert index.search(src.rows[9], 1)[0][0][0] == 9


def test_reimport_after_deletions_is_caught_up_by_highest_id(tmp_path):
    src = IdListingSource(n=30)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=10)
    index.sync(src)
    del src.rows[3]
    src.add(5)  # a re-import adds rows under new ids
    report = index.sync(src)
    assert (report.rebuilt, report.added, report.removed, index.count) == (False, 5, 1, 34)
    assert index.search(src.rows[35], 1)[0][0][0] == 35


def test_remove_takes_ids_out_of_either_kind(tmp_path):
    for threshold in (10, 10_000):
        src = ListSource(n=20)
        index = VectorIndex(tmp_path / str(threshold), "m", 8, hnsw_threshold=threshold)
        index.sync(src)
        revision = index.revision
        assert index.remove(np.array([4, 4, 99])) == 1 and index.revision > revision
        assert index.remove(np.array([4])) == 0
        assert index.count == 19 and all(i != 4 for i, _ in index.search(src.rows[4], 19)[0])


def test_deletions_from_a_source_that_cannot_list_ids_rebuild_the_graph(tmp_path):
    src = ListSource(n=30)
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=10)
    index.sync(src)
    del src.rows[12]
    report = index.sync(src)
    assert report.rebuilt and (index.count, index.tombstones, index.kind) == (29, 0, "hnsw")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda m: m.update(kind="flat"), "not of the flat kind"),
        (lambda m: m.update(version=1), "manifest version 1"),
        (lambda m: m.update(deleted=[1, 2]), "index holds 30 vectors"),
    ],
)
def test_a_manifest_that_disagrees_with_the_graph_file_means_a_rebuild(tmp_path, edit, reason):
    src = ListSource(n=30)
    VectorIndex(tmp_path, "m", 8, hnsw_threshold=10).sync(src)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    edit(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    index = VectorIndex(tmp_path, "m", 8, hnsw_threshold=10)
    report = index.sync(src)
    assert report.rebuilt and reason in report.reason and index.count == 30


def test_an_unchanged_index_is_not_written_again(tmp_path):
    src = ListSource(n=12)
    VectorIndex(tmp_path, "m", 8).sync(src)
    before = (tmp_path / "statements.faiss").stat().st_mtime_ns
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    index.save()
    assert (tmp_path / "statements.faiss").stat().st_mtime_ns == before


def test_bad_index_parameters_are_refused(tmp_path):
    with pytest.raises(InvalidValueError, match="hnsw_threshold"):
        VectorIndex(tmp_path, "m", 8, hnsw_threshold=0)
    with pytest.raises(InvalidValueError, match="max_tombstone_share"):
        VectorIndex(tmp_path, "m", 8, max_tombstone_share=1.5)


def test_an_index_file_changed_in_place_at_the_same_size_is_rebuilt(tmp_path):
    """The manifest holds the index file's SHA-256: a file edited in place is not trusted."""
    import numpy as np

    from index.vectors import VectorIndex

    class Source:
        def __init__(self, ids, vectors):
            self.ids, self.vectors = ids, vectors

        def statement_vectors(self, model, after_id=0, batch_size=50_000):
            keep = [i for i, sid in enumerate(self.ids) if sid > after_id]
            if keep:
                yield np.asarray([self.ids[i] for i in keep], dtype=np.int64), self.vectors[keep]

        def count_statements_upto(self, max_id):
            return sum(1 for sid in self.ids if sid <= max_id)

        def statement_stats(self):
            return len(self.ids), max(self.ids)

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    source = Source(list(range(1, 21)), vectors)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(source)
    data = bytearray(index.index_path.read_bytes())
    data[-5] ^= 0xFF  # flip bits near the end: same size, other vectors
    index.index_path.write_bytes(bytes(data))
    reopened = VectorIndex(tmp_path, "m", 8)
    report = reopened.sync(source)
    assert report.rebuilt and "checksum" in (report.reason or "")
    top = reopened.search(vectors[:1], 1)[0]
    assert top[0][0] == 1 and abs(top[0][1] - 1.0) < 1e-5


class CountingSource(IdListingSource):
    """Counts the full-table counts a sync asks for."""

    counts = 0

    def count_statements_upto(self, max_id):
        self.counts += 1
        return super().count_statements_upto(max_id)


def test_catch_up_adds_new_rows_by_id_and_counts_the_table_only_once_a_while(tmp_path):
    src = CountingSource(n=10)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    counted = src.counts
    src.add(3)
    report = index.catch_up(src, verify_every_s=3600)
    assert (report.added, index.count, src.counts) == (3, 13, counted)  # no count of the table
    (hits,) = index.search(src.rows[13], 1)
    assert hits[0][0] == 13
    del src.rows[2]  # a deletion (or a row committed late under a lower id) waits for the full check
    assert index.catch_up(src, verify_every_s=3600).removed == 0 and index.count == 13
    report = index.catch_up(src, verify_every_s=0)  # the full check is due
    assert src.counts > counted and report.removed == 1 and index.count == 12


def test_a_single_query_search_leaves_faiss_threads_as_they_were(tmp_path):
    import faiss

    src = ListSource(n=30)
    index = VectorIndex(tmp_path, "m", 8)
    index.sync(src)
    before = faiss.omp_get_max_threads()
    (one,) = index.search(src.rows[5], 3)
    many = index.search(np.stack([src.rows[i] for i in range(1, 11)]), 3)
    assert faiss.omp_get_max_threads() == before
    assert one[0][0] == 5 and [hits[0][0] for hits in many] == list(range(1, 11))
