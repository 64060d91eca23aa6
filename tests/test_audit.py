"""claims/store/audit.py: the per-claim audit rows and the one-row-per-export record, on SQLite and PostgreSQL."""

import datetime as dt
import random
import zlib

import pytest
import sqlalchemy as sa

from claims.models import AuditKind
from claims.store import Store
from claims.store.audit import pack_ids, unpack_ids
from claims.store.schema import audit, documents, exports, sentences
from test_store import add_doc, any_store  # noqa: F401  (any_store: the fixture, SQLite and PostgreSQL)


def _events(store, claim_id):
    return [(kind, actor, detail) for _, kind, actor, _, detail in store.audit.for_claims([claim_id])]


@pytest.mark.parametrize("ids", [[], [1], [7, 3, 3, 1], list(range(1, 100_001)),
                                 random.Random(5).sample(range(1, 5_000_000), 20_000), [2**32 - 1, 1]])
def test_packed_ids_come_back_distinct_and_ascending(ids):
    assert unpack_ids(pack_ids(ids)).tolist() == sorted(set(ids))


def test_a_whole_workspace_packs_small():
    # 100,000 claims among 300,000 sentences: what a daily export of a large desk writes
    ids = sorted(random.Random(1).sample(range(1, 300_001), 100_000))
    assert len(pack_ids(ids)) < 100_000  # under a byte a claim
    assert len(pack_ids(range(1, 100_001))) < 1_000  # consecutive ids: almost nothing


@pytest.mark.parametrize("bad", [[0], [-4, 2], [2**32]])
def test_ids_outside_uint32_are_refused(bad):
    with pytest.raises(ValueError, match="claim ids must lie in"):
        pack_ids(bad)


def test_an_export_is_one_row_however_many_claims_it_holds(any_store):
    add_doc(any_store, *(f"Claim {i} is {i}." for i in range(40)))
    ids = [c.id for c in any_store.documents.list_claims()]
    with any_store.transaction() as conn:
        assert any_store.audit.record_export(conn, ids[::-1] + ids[:3], "ana", "csv") == 40
        assert any_store.audit.record_export(conn, ids[5:7], "ben", "jsonl") == 2
        assert any_store.audit.record_export(conn, [], "ben", "csv") == 0  # an empty file is no export
    with any_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(exports)).scalar_one() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one() == 0
    assert _events(any_store, ids[0]) == [(AuditKind.EXPORTED, "ana", {"format": "csv"})]
    assert _events(any_store, ids[6]) == [(AuditKind.EXPORTED, "ana", {"format": "csv"}),
                                          (AuditKind.EXPORTED, "ben", {"format": "jsonl"})]
    latest, first = any_store.audit.recent_exports()
    assert (latest.actor, latest.format, latest.claims, first.actor, first.claims) == ("ben", "jsonl", 2, "ana", 40)
    assert latest.at >= first.at and latest.at.tzinfo is not None
    assert [r.actor for r in any_store.audit.recent_exports(limit=1)] == ["ben"]


def test_a_claims_trail_merges_its_rows_and_the_exports_that_held_it_in_time_order(any_store):
    add_doc(any_store, "Claim A is 5.", "Claim B is 7.")
    a, b = (c.id for c in any_store.documents.list_claims())
    with any_store.transaction() as conn:
        any_store.audit.record(conn, AuditKind.INGESTED, "ana", [(a, {}), (b, {})])
    with any_store.transaction() as conn:
        any_store.audit.record_export(conn, [b], "ana", "csv")
    with any_store.transaction() as conn:
        any_store.audit.record(conn, AuditKind.MATCHED, "ben", [(a, {"top": 1}), (b, {"top": 2})])
    assert [e[0] for e in _events(any_store, b)] == [AuditKind.INGESTED, AuditKind.EXPORTED, AuditKind.MATCHED]
    assert [e[0] for e in _events(any_store, a)] == [AuditKind.INGESTED, AuditKind.MATCHED]
    both = any_store.audit.for_claims([a, b])
    assert [(c, k) for c, k, *_ in both].count((b, AuditKind.EXPORTED)) == 1
    assert [t for *_, t, _ in both] == sorted(t for *_, t, _ in both)


def test_exports_are_only_recorded_through_record_export(any_store):
    with any_store.transaction() as conn, pytest.raises(ValueError, match="record_export"):
        any_store.audit.record(conn, AuditKind.EXPORTED, "ana", [(1, {})])


def test_an_id_given_again_after_a_document_is_deleted_by_hand_carries_no_earlier_export(tmp_path):
    # SQLite gives the highest id again once its row is gone: the new claim was never exported.
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    add_doc(store, "Claim A is 5.")
    (old,) = store.documents.list_claims()
    with store.transaction() as conn:
        store.audit.record_export(conn, [old.id], "ana", "csv")
    with store.engine.begin() as conn:
        conn.execute(sentences.delete())
        conn.execute(documents.delete())
    add_doc(store, "Claim Z is 9.", key="h2")
    (new,) = store.documents.list_claims()
    assert new.id == old.id
    assert _events(store, new.id) == []
    store.dispose()


def test_only_exports_whose_id_range_may_hold_the_claim_are_unpacked(any_store, monkeypatch):
    add_doc(any_store, *(f"Claim {i} is {i}." for i in range(10)))
    ids = [c.id for c in any_store.documents.list_claims()]
    with any_store.transaction() as conn:
        for i in range(10):
            any_store.audit.record_export(conn, [ids[i]], "ana", "csv")
    unpacked = []
    real = zlib.decompress
    monkeypatch.setattr("claims.store.audit.zlib.decompress", lambda b: unpacked.append(1) or real(b))
    assert len(_events(any_store, ids[4])) == 1
    assert len(unpacked) == 1


def test_the_packed_column_round_trips_through_the_database(any_store):
    add_doc(any_store, *(f"Claim {i} is {i}." for i in range(3)))
    ids = [c.id for c in any_store.documents.list_claims()]
    with any_store.transaction() as conn:
        any_store.audit.record_export(conn, ids, "ana", "claimreview")
    with any_store.engine.connect() as conn:
        row = conn.execute(sa.select(exports)).one()
    assert unpack_ids(bytes(row.claim_ids)).tolist() == ids
    assert (row.first_claim_id, row.last_claim_id, row.claims) == (ids[0], ids[-1], 3)
    assert isinstance(row.created_at, dt.datetime)
