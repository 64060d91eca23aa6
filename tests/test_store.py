import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa

from claims.errors import NotFoundError, StoreError
from claims.models import Origin, Progress, ReviewAction, SentenceRow, Verdict
from claims.store import IN_LIST_CHUNK, Store, chunked
from index.embed import text_hash


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url)
    yield s
    s.dispose()


def sentence_rows(*texts, claims=None):
    claims = claims if claims is not None else [True] * len(texts)
    rows, offset = [], 0
    for i, (t, c) in enumerate(zip(texts, claims)):
        rows.append({"position": i, "start_offset": offset, "end_offset": offset + len(t), "text": t,
                     "text_hash": text_hash(t), "checkworthiness": 0.9 if c else 0.1, "is_claim": c,
                     "speaker": "Ann" if i == 0 else None})
        offset += len(t) + 1
    return rows


def add_doc(store, *texts, claims=None, key="h1"):
    with store.transaction() as conn:
        return store.documents.add_document(conn, content_hash=key, title="T", origin="t.txt", kind="article",
                                  source="Src", url="https://u.example", published=dt.date(2022, 3, 14),
                                  default_speaker=None, body=" ".join(texts),
                                  rows=sentence_rows(*texts, claims=claims)).id


def test_one_document_is_counted_as_the_list_counts_it(any_store):
    first = add_doc(any_store, "Intro line.", "Claim A has 5 parts.", "Filler.", claims=[False, True, False])
    second = add_doc(any_store, "Claim B is 7.", "Claim C is 9.", key="h2", claims=[True, True])
    listed = {d.id: d for d in any_store.documents.list_documents()}
    assert [(d.n_sentences, d.n_claims) for d in (listed[first], listed[second])] == [(3, 1), (2, 2)]
    assert any_store.documents.get_document(first) == listed[first]
    assert any_store.documents.get_document(second) == listed[second]


def test_documents_and_claims_with_context(any_store):
    doc = add_doc(any_store, "Intro line.", "Claim A has 5 parts.", "Filler.", "Claim B is 7.",
                  claims=[False, True, False, True])
    assert any_store.documents.document_id_by_hash("h1") == doc
    (stored,) = any_store.documents.list_documents()
    assert (stored.n_sentences, stored.n_claims, stored.published) == (4, 2, dt.date(2022, 3, 14))
    claims = any_store.documents.list_claims()
    assert [c.text for c in claims] == ["Claim A has 5 parts.", "Claim B is 7."]
    claim = any_store.documents.get_claim(claims[0].id, context=1)
    assert claim.context_before == ("Intro line.",) and claim.context_after == ("Filler.",)
    assert claim.document_title == "T" and claim.verdict is None
    with pytest.raises(NotFoundError, match="no claim with id 999"):
        any_store.documents.get_claim(999)


def test_failed_transaction_leaves_nothing(any_store):
    before = any_store.count_rows()
    with pytest.raises(RuntimeError):
        with any_store.transaction() as conn:
            any_store.documents.add_document(conn, content_hash="x", title="T", origin="o", kind="article", source=None,
                                   url=None, published=None, default_speaker=None, body="b",
                                   rows=sentence_rows("One."))
            raise RuntimeError("boom")
    assert any_store.count_rows() == before


def test_embeddings_round_trip_as_float32(any_store):
    v = np.arange(4, dtype=np.float32) / 7
    any_store.embeddings.put_embeddings("m", {"a": v})
    any_store.embeddings.put_embeddings("m", {"a": v * 2, "b": v})  # an existing key is never overwritten
    got = any_store.embeddings.get_embeddings("m", ["a", "b", "c"])
    assert set(got) == {"a", "b"} and np.array_equal(got["a"], v)
    assert any_store.embeddings.get_embeddings("other", ["a"]) == {}


def statement_row(text, **kw):
    row = {"row_hash": text_hash(text + str(kw)), "text": text, "text_hash": text_hash(text), "speaker": None,
           "stated_on": None, "source": None, "url": None, "rating": None, "verdict": "disputed",
           "claim_id": None, "extra": "{}"}
    row.update(kw)
    return row


def test_statements_are_deduplicated_and_vectors_stream_in_id_order(any_store):
    rows = [statement_row("S one"), statement_row("S two"), statement_row("S one")]
    with any_store.transaction() as conn:
        assert any_store.statements.add_statements(conn, origin="a.csv", content_hash="c1", rows=rows) == (2, 1, 0)
    with any_store.transaction() as conn:
        assert any_store.statements.add_statements(conn, origin="a.csv", content_hash="c2",
                                        rows=[statement_row("S two"), statement_row("S three")]) == (1, 1, 0)
    assert any_store.statements.statement_stats()[0] == 3
    assert any_store.statements.import_seen("c1") and not any_store.statements.import_seen("zz")
    any_store.embeddings.put_embeddings("m", {text_hash(t): np.full(3, i, dtype=np.float32)
                                   for i, t in enumerate(["S one", "S two", "S three"])})
    batches = list(any_store.statements.statement_vectors("m", batch=2))
    ids = np.concatenate([b[0] for b in batches])
    assert list(ids) == sorted(ids) and len(ids) == 3
    assert list(any_store.statements.statement_vectors("m", after_id=int(ids[-1]))) == []
    found, total = any_store.statements.search_statements("two")
    assert total == 1 and found[0].text == "S two" and found[0].verdict is Verdict.DISPUTED


def test_review_log_is_append_only_and_drives_the_verdict(any_store):
    add_doc(any_store, "Claim A is 5.")
    (claim,) = any_store.documents.list_claims()
    with any_store.transaction() as conn:
        any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action="label",
                                verdict=Verdict.SUPPORTED, note="n", evidence=["https://e.example"])
        any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action="label",
                                verdict=Verdict.DISPUTED, note=None, evidence=[])
    assert any_store.documents.get_claim(claim.id).verdict is Verdict.DISPUTED
    assert [e.verdict for e in any_store.reviews.review_events(claim.id)] == [Verdict.SUPPORTED, Verdict.DISPUTED]
    assert any_store.documents.progress().reviewed == 1
    assert [c.id for c in any_store.documents.list_claims(status="disputed")] == [claim.id]
    assert any_store.documents.list_claims(status="unreviewed") == []
    event = any_store.reviews.review_events(claim.id)[0]
    assert event.created_at.tzinfo is not None and event.evidence == ("https://e.example",)


def test_review_statement_follows_the_claim(any_store):
    add_doc(any_store, "Claim A is 5.")
    (claim,) = any_store.documents.list_claims()
    with any_store.transaction() as conn:
        any_store.statements.upsert_review_statement(conn, claim.id, Verdict.SUPPORTED, {"reviewer": "ana"})
    (st,) = any_store.statements.search_statements()[0]
    assert (st.origin, st.claim_id, st.verdict, st.date, st.source) == (
        "review", claim.id, Verdict.SUPPORTED, dt.date(2022, 3, 14), "Src")
    with any_store.transaction() as conn:
        any_store.statements.upsert_review_statement(conn, claim.id, None, {})
    assert any_store.statements.search_statements()[1] == 0  # hidden, though its row (and FAISS id) stays
    assert any_store.statements.statement_stats()[0] == 1


def test_revision_changes_on_write(any_store):
    r0 = any_store.revision()
    add_doc(any_store, "Claim A is 5.")
    assert any_store.revision() != r0


def test_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="bad database URL"):
        Store("nonsense://")
    with pytest.raises(StoreError, match="cannot open the workspace database"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_revision_changes_on_feedback(any_store):
    add_doc(any_store, "Claim A is 5.")
    (claim,) = any_store.documents.list_claims()
    r0 = any_store.revision()
    with any_store.transaction() as conn:
        any_store.reviews.record_feedback(conn, claim.id, "ana", False)
    assert any_store.revision() != r0
    assert any_store.documents.list_claims() == []


@pytest.mark.parametrize(("n", "size", "sizes"), [(0, 500, []), (1, 500, [1]), (500, 500, [500]),
                                                  (1201, 500, [500, 500, 201]), (5, 2, [2, 2, 1])])
def test_chunked_keeps_order_and_bounds_each_list(n, size, sizes):
    chunks = list(chunked(list(range(n)), size))
    assert [len(c) for c in chunks] == sizes
    assert [x for c in chunks for x in c] == list(range(n))


def test_chunked_refuses_a_size_below_one():
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1, 2], 0))


def test_lists_longer_than_one_in_chunk_are_read_whole(any_store):
    n = 2 * IN_LIST_CHUNK + 1
    vectors = {f"h{i}": np.full(2, i, dtype=np.float32) for i in range(n)}
    any_store.embeddings.put_embeddings("m", vectors)
    any_store.embeddings.put_embeddings("m", vectors)  # the existence check is chunked too
    got = any_store.embeddings.get_embeddings("m", list(vectors))
    assert len(got) == n and got[f"h{n - 1}"][0] == n - 1
    rows = [statement_row(f"S {i}") for i in range(n)]
    with any_store.transaction() as conn:
        assert any_store.statements.add_statements(conn, origin="big.csv", content_hash="b", rows=rows) == (n, 0, 0)
    with any_store.transaction() as conn:
        assert any_store.statements.add_statements(conn, origin="big.csv", content_hash="b2", rows=rows) == (0, n, 0)
    ids = list(range(1, n + 1))
    assert len(any_store.statements.get_statements(ids)) == n
    doc = add_doc(any_store, *(f"Claim {i} is true." for i in range(n)))
    claims = any_store.documents.list_claims(document_id=doc)
    assert len(any_store.documents.sentence_texts([c.id for c in claims])) == n
    with any_store.transaction() as conn:
        any_store.reviews.append_review(conn, claim_id=claims[-1].id, reviewer="ana", action=ReviewAction.LABEL,
                                        verdict=Verdict.SUPPORTED, note=None, evidence=[])
    assert [c.id for c in any_store.documents.list_claims(status="reviewed")] == [claims[-1].id]


def test_origins_and_actions_round_trip_as_enums(any_store):
    with any_store.transaction() as conn:
        any_store.statements.add_statements(conn, origin="a.csv", content_hash="c1", rows=[statement_row("S one")])
    doc = add_doc(any_store, "Claim A is 5.", key="h2")
    (claim,) = any_store.documents.list_claims(document_id=doc)
    with any_store.transaction() as conn:
        any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action="label",
                                        verdict=Verdict.SUPPORTED, note=None, evidence=[])
        any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action=ReviewAction.UNDO,
                                        verdict=None, note=None, evidence=[])
        any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action=ReviewAction.LABEL,
                                        verdict=Verdict.DISPUTED, note=None, evidence=[])
    found = {st.origin: st for st in any_store.statements.search_statements()[0]}
    assert set(found) == {Origin.ARCHIVE, Origin.REVIEW}
    assert all(type(origin) is Origin for origin in found)
    assert found[Origin.REVIEW].claim_id == claim.id and found[Origin.REVIEW].verdict is Verdict.DISPUTED
    assert any_store.statements.search_statements(origin="review")[0] == [found[Origin.REVIEW]]
    assert any_store.statements.search_statements(origin=Origin.ARCHIVE)[0] == [found[Origin.ARCHIVE]]
    actions = [e.action for e in any_store.reviews.review_events(claim.id)]
    assert actions == [ReviewAction.LABEL, ReviewAction.UNDO, ReviewAction.LABEL]
    assert all(type(a) is ReviewAction for a in actions)
    with any_store.engine.connect() as conn:  # stored as the plain words
        assert sorted(conn.execute(sa.text("SELECT origin FROM statements")).scalars()) == ["archive", "review"]
        assert conn.execute(sa.text("SELECT DISTINCT action FROM reviews ORDER BY action")).scalars().all() == [
            "label", "undo"]
    with pytest.raises(ValueError):
        with any_store.transaction() as conn:
            any_store.reviews.append_review(conn, claim_id=claim.id, reviewer="ana", action="approve",
                                            verdict=None, note=None, evidence=[])


def test_sentences_are_typed_rows_and_a_new_document_is_returned_as_stored(any_store):
    with any_store.transaction() as conn:
        document = any_store.documents.add_document(
            conn, content_hash="k", title="T", origin="t.txt", kind="article", source=None, url=None,
            published=None, default_speaker=None, body="Intro. Claim B is 7.",
            rows=sentence_rows("Intro.", "Claim B is 7.", claims=[False, True]))
    assert document == any_store.documents.get_document(document.id)
    assert (document.n_sentences, document.n_claims) == (2, 1)
    first, second = any_store.documents.document_sentences(document.id)
    assert first == SentenceRow(id=first.id, document_id=document.id, position=0, text="Intro.", start=0, end=6,
                                checkworthiness=0.1, is_claim=False, speaker="Ann")
    assert second.is_claim and any_store.documents.sentence(second.id) == second
    with pytest.raises(NotFoundError, match="no sentence with id 999"):
        any_store.documents.sentence(999)


def test_progress_is_one_aggregate_that_agrees_with_the_log(any_store):
    doc_a = add_doc(any_store, "Claim A is 5.", "Claim B is 6.", "Claim C is 7.", key="a")
    doc_b = add_doc(any_store, "Claim D is 8.", "Not one.", claims=[True, False], key="b")
    a, b, c = any_store.documents.list_claims(document_id=doc_a)
    events = [(a.id, "ana", "label", Verdict.SUPPORTED), (b.id, "ana", "label", Verdict.DISPUTED),
              (b.id, "ana", "undo", None), (c.id, "ben", "label", Verdict.UNVERIFIED), (c.id, "ana", "undo", None)]
    with any_store.transaction() as conn:
        for claim_id, reviewer, action, verdict in events:
            any_store.reviews.append_review(conn, claim_id=claim_id, reviewer=reviewer, action=action,
                                            verdict=verdict, note=None, evidence=[])
    assert any_store.documents.progress_by_document() == {doc_a: Progress(3, 2), doc_b: Progress(1, 0)}
    assert any_store.documents.progress(doc_a) == Progress(3, 2)
    assert any_store.documents.progress() == Progress(4, 2)
    logged = [cl.id for cl in any_store.documents.list_claims(status="reviewed")]
    assert logged == [a.id, c.id]


def test_a_store_still_serves_the_flat_names_callers_outside_the_core_use(any_store):
    any_store.put_embeddings("m", {"a": np.ones(2, dtype=np.float32)})
    assert list(any_store.get_embeddings("m", ["a"])) == ["a"]
    doc = add_doc(any_store, "Claim A is 5.")
    assert [d.id for d in any_store.list_documents()] == [doc]
    assert any_store.feedback_examples() == []


def test_archive_search_takes_percent_and_underscore_literally(any_store):
    rows = [statement_row(t) for t in ["Inflation hit 9% in June.", "Inflation hit 95 in June.", "The a_b test",
                                       "The axb test", "A back\\slash"]]
    with any_store.transaction() as conn:
        any_store.statements.add_statements(conn, origin="a.csv", content_hash="x", rows=rows)
    assert [s.text for s in any_store.statements.search_statements("9%")[0]] == ["Inflation hit 9% in June."]
    assert [s.text for s in any_store.statements.search_statements("a_b")[0]] == ["The a_b test"]
    assert any_store.statements.search_statements("%")[1] == 1
    assert [s.text for s in any_store.statements.search_statements("k\\s")[0]] == ["A back\\slash"]


def test_wal_mode_waits_while_another_connection_writes(tmp_path):
    """Switching to WAL needs the database to itself, and SQLite says "locked" at once instead of waiting
    (two processes opening a new workspace together): the switch waits for the writer, then succeeds;
    without time to wait it is the same error as before."""
    import sqlite3
    import threading

    from claims.store.base import wal_mode

    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("CREATE TABLE t (x)")
    impatient = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        wal_mode(impatient, wait_s=0)
    threading.Timer(0.3, lambda: writer.execute("COMMIT")).start()
    patient = sqlite3.connect(path, timeout=0)
    wal_mode(patient, wait_s=5)
    assert patient.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for conn in (impatient, patient, writer):
        conn.close()
