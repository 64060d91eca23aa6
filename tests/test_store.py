import datetime as dt

import numpy as np
import pytest

from claims.errors import NotFoundError, StoreError
from claims.models import Verdict
from claims.store import Store
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
        return store.add_document(conn, content_hash=key, title="T", origin="t.txt", kind="article",
                                  source="Src", url="https://u.example", published=dt.date(2022, 3, 14),
                                  default_speaker=None, body=" ".join(texts),
                                  rows=sentence_rows(*texts, claims=claims))


def test_documents_and_claims_with_context(any_store):
    doc = add_doc(any_store, "Intro line.", "Claim A has 5 parts.", "Filler.", "Claim B is 7.",
                  claims=[False, True, False, True])
    assert any_store.document_id_by_hash("h1") == doc
    (stored,) = any_store.list_documents()
    assert (stored.n_sentences, stored.n_claims, stored.published) == (4, 2, dt.date(2022, 3, 14))
    claims = any_store.list_claims()
    assert [c.text for c in claims] == ["Claim A has 5 parts.", "Claim B is 7."]
    claim = any_store.get_claim(claims[0].id, context=1)
    assert claim.context_before == ("Intro line.",) and claim.context_after == ("Filler.",)
    assert claim.document_title == "T" and claim.verdict is None
    with pytest.raises(NotFoundError, match="no claim with id 999"):
        any_store.get_claim(999)


def test_failed_transaction_leaves_nothing(any_store):
    before = any_store.count_rows()
    with pytest.raises(RuntimeError):
        with any_store.transaction() as conn:
            any_store.add_document(conn, content_hash="x", title="T", origin="o", kind="article", source=None,
                                   url=None, published=None, default_speaker=None, body="b",
                                   rows=sentence_rows("One."))
            raise RuntimeError("boom")
    assert any_store.count_rows() == before


def test_embeddings_round_trip_as_float32(any_store):
    v = np.arange(4, dtype=np.float32) / 7
    any_store.put_embeddings("m", {"a": v})
    any_store.put_embeddings("m", {"a": v * 2, "b": v})  # an existing key is never overwritten
    got = any_store.get_embeddings("m", ["a", "b", "c"])
    assert set(got) == {"a", "b"} and np.array_equal(got["a"], v)
    assert any_store.get_embeddings("other", ["a"]) == {}


def statement_row(text, **kw):
    row = {"row_hash": text_hash(text + str(kw)), "text": text, "text_hash": text_hash(text), "speaker": None,
           "stated_on": None, "source": None, "url": None, "rating": None, "verdict": "disputed",
           "claim_id": None, "extra": "{}"}
    row.update(kw)
    return row


def test_statements_are_deduplicated_and_vectors_stream_in_id_order(any_store):
    rows = [statement_row("S one"), statement_row("S two"), statement_row("S one")]
    with any_store.transaction() as conn:
        assert any_store.add_statements(conn, origin="a.csv", content_hash="c1", rows=rows) == (2, 1, 0)
    with any_store.transaction() as conn:
        assert any_store.add_statements(conn, origin="a.csv", content_hash="c2",
                                        rows=[statement_row("S two"), statement_row("S three")]) == (1, 1, 0)
    assert any_store.statement_stats()[0] == 3
    assert any_store.import_seen("c1") and not any_store.import_seen("zz")
    any_store.put_embeddings("m", {text_hash(t): np.full(3, i, dtype=np.float32)
                                   for i, t in enumerate(["S one", "S two", "S three"])})
    batches = list(any_store.statement_vectors("m", batch=2))
    ids = np.concatenate([b[0] for b in batches])
    assert list(ids) == sorted(ids) and len(ids) == 3
    assert list(any_store.statement_vectors("m", after_id=int(ids[-1]))) == []
    found, total = any_store.search_statements("two")
    assert total == 1 and found[0].text == "S two" and found[0].verdict is Verdict.DISPUTED


def test_review_log_is_append_only_and_drives_the_verdict(any_store):
    add_doc(any_store, "Claim A is 5.")
    (claim,) = any_store.list_claims()
    with any_store.transaction() as conn:
        any_store.append_review(conn, claim_id=claim.id, reviewer="ana", action="label",
                                verdict=Verdict.SUPPORTED, note="n", evidence=["https://e.example"])
        any_store.append_review(conn, claim_id=claim.id, reviewer="ana", action="label",
                                verdict=Verdict.DISPUTED, note=None, evidence=[])
    assert any_store.get_claim(claim.id).verdict is Verdict.DISPUTED
    assert [e.verdict for e in any_store.review_events(claim.id)] == [Verdict.SUPPORTED, Verdict.DISPUTED]
    assert any_store.progress().reviewed == 1
    assert [c.id for c in any_store.list_claims(status="disputed")] == [claim.id]
    assert any_store.list_claims(status="unreviewed") == []
    event = any_store.review_events(claim.id)[0]
    assert event.created_at.tzinfo is not None and event.evidence == ("https://e.example",)


def test_review_statement_follows_the_claim(any_store):
    add_doc(any_store, "Claim A is 5.")
    (claim,) = any_store.list_claims()
    with any_store.transaction() as conn:
        any_store.upsert_review_statement(conn, claim.id, Verdict.SUPPORTED, {"reviewer": "ana"})
    (st,) = any_store.search_statements()[0]
    assert (st.origin, st.claim_id, st.verdict, st.date, st.source) == (
        "review", claim.id, Verdict.SUPPORTED, dt.date(2022, 3, 14), "Src")
    with any_store.transaction() as conn:
        any_store.upsert_review_statement(conn, claim.id, None, {})
    assert any_store.search_statements()[1] == 0  # hidden, though its row (and FAISS id) stays
    assert any_store.statement_stats()[0] == 1


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
    (claim,) = any_store.list_claims()
    r0 = any_store.revision()
    with any_store.transaction() as conn:
        any_store.record_feedback(conn, claim.id, "ana", False)
    assert any_store.revision() != r0
    assert any_store.list_claims() == []
