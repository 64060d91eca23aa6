"""The pipeline end to end on the real model (``slow``): ingest → match → review → archive → export;
and its plumbing on a fake embedder (fast): what an ingest looks up, embeds and reads back."""

import csv
import io
from collections import Counter

import pytest

from claims.errors import BadRecordError, EmptyInputError, InputTooLargeError, InvalidValueError, NotFoundError
from claims.models import Origin, Progress, ReviewStatus, SentenceRow, Tier, Verdict
from claims.readers import pasted_document
from claims.store import Store
from claims.workspace import DEMO_ARTICLE, Workspace, demo_bytes
from conftest import add_test_users
from index.embed import text_hash


ARCHIVE = (
    "text,speaker,date,source,url,rating\n"
    "Russia has failed to capture any of the ten largest cities in Ukraine.,Analyst,2022-03-10,Desk,"
    "https://d.example/1,True\n"
    "China sent fighter jets to Russia in February 2022.,Post,2022-03-01,Desk,https://d.example/2,False\n"
    "Inflation in the US reached 9.1 percent in June 2022.,BLS,2022-07-13,Desk,https://d.example/3,Correct\n"
).encode()


def ingest_demo(ws):
    (result,) = ws.ingest_demo_article()
    return result


@pytest.mark.slow
def test_seed_article_becomes_claims_with_matches(workspace):
    workspace.import_statements(ARCHIVE, "archive.csv")
    result = ingest_demo(workspace)
    assert result.created and result.n_claims >= 5
    claims = workspace.list_claims(document_id=result.document.id)
    assert len(claims) == result.n_claims
    cities = next(c for c in claims if "10 largest cities" in c.text)
    matches = workspace.match_claim(cities.id)
    assert matches[0].statement.text.startswith("Russia has failed to capture")
    assert matches[0].tier in (Tier.SAME_CLAIM, Tier.RELATED)
    assert matches[0].statement.verdict is Verdict.SUPPORTED
    # Shown, suggested and exported in one order: the verifier's same-claim probability.
    assert [m.probability for m in matches] == sorted((m.probability for m in matches), reverse=True)
    claim = workspace.get_claim(cities.id)
    assert claim.context_before and claim.context_after


@pytest.mark.slow
def test_the_seeds_first_claim_is_not_the_same_as_what_it_is_not(workspace):
    # The case: "The United States warned China … not to assist Moscow" against the demo archive.
    # China signalling help and Russia asking for equipment are other claims; the US warning Beijing is
    # the one card that says the same thing, and its names (US, Beijing) are the claim's (United States,
    # China), so the card must not say they differ.
    workspace.load_demo_archive()
    doc = ingest_demo(workspace).document
    first = next(c for c in workspace.list_claims(document_id=doc.id)
                 if c.text.startswith("The United States warned China"))
    cards = workspace.match_claim(first.id, top_k=10)
    others = [m for m in cards if m.statement.text.startswith(("China has signalled", "Russia has asked China"))]
    assert len(others) == 2 and all(m.tier is not Tier.SAME_CLAIM for m in others)
    warned = next(m for m in cards if m.statement.text.startswith("The US has warned Beijing"))
    assert warned.reason and "names differ" not in warned.reason


@pytest.mark.slow
def test_end_to_end_label_export_and_recognise_a_repeat(workspace):
    workspace.import_statements(ARCHIVE, "archive.csv")
    doc = ingest_demo(workspace).document
    claims = workspace.list_claims(document_id=doc.id)
    picked = claims[:3]
    for claim, verdict in zip(picked, ["supported", "disputed", "unverified"]):
        workspace.label(claim.id, verdict, "ana", note=f"note {claim.id}",
                        evidence=["https://evidence.example/a"])
    assert workspace.progress(doc.id).reviewed == 3

    buffer = io.StringIO()
    assert workspace.export_csv(buffer) == len(claims)
    rows = {int(r["claim_id"]): r for r in csv.DictReader(io.StringIO(buffer.getvalue()))}
    for claim, verdict in zip(picked, ["supported", "disputed", "unverified"]):
        row = rows[claim.id]
        assert (row["verdict"], row["reviewer"], row["note"]) == (verdict, "ana", f"note {claim.id}")
        assert row["evidence_urls"] == "https://evidence.example/a"
        assert row["reviewed_at"].endswith("Z") and row["model"] == workspace.embedder.name
    assert all(rows[c.id]["verdict"] == "" for c in claims[3:])

    # A later article repeats the disputed claim: its top match is that claim, with the verdict.
    repeated = picked[1]
    later = f"Later Report On The Talks\nA new article. {repeated.text} Nothing else is new here today."
    (res,) = workspace.ingest_file(later.encode(), "later.txt")
    new_claims = workspace.list_claims(document_id=res.document.id)
    again = next(c for c in new_claims if c.text == repeated.text)
    top = workspace.match_claim(again.id)[0]
    assert top.statement.claim_id == repeated.id
    assert top.statement.verdict is Verdict.DISPUTED and top.statement.origin == "review"
    assert top.tier is Tier.SAME_CLAIM and top.similarity > 0.99


@pytest.mark.slow
def test_a_claim_reviewed_twice_is_still_the_same_claim_the_third_time(workspace):
    # Each review of a repeated claim adds a copy of it to the earlier statements. Copies must not
    # level each other: the claim is recognised however often the desk has seen it.
    workspace.load_demo_archive()
    body = demo_bytes(DEMO_ARTICLE).decode("utf-8")

    def cities(document_id: int):
        return next(c for c in workspace.list_claims(document_id=document_id) if "largest cities" in c.text)

    workspace.label(cities(ingest_demo(workspace).document.id).id, "disputed", "ana")
    for seen in (1, 2):
        (again,) = workspace.ingest_documents([pasted_document(body, source=f"Paper {seen}")],
                                              allow_duplicate_text=True)
        claim = cities(again.document.id)
        cards = workspace.match_claim(claim.id)
        reviewed = [m for m in cards if m.statement.origin == "review"]
        assert len(reviewed) == seen
        assert all(m.tier is Tier.SAME_CLAIM and m.statement.verdict is Verdict.DISPUTED for m in reviewed)
        assert cards[0].statement.origin == "review"
        workspace.label(claim.id, "disputed", "ana")


@pytest.mark.slow
def test_a_claim_is_never_its_own_match(workspace):
    doc = ingest_demo(workspace).document
    claim = workspace.list_claims(document_id=doc.id)[0]
    workspace.label(claim.id, "supported", "ana")
    assert all(m.statement.claim_id != claim.id for m in workspace.match_claim(claim.id, top_k=50))
    assert workspace.match_text(claim.text)[0].statement.claim_id == claim.id  # but a new text finds it


@pytest.mark.slow
def test_undo_removes_the_claim_from_the_archive(workspace):
    doc = ingest_demo(workspace).document
    claim = workspace.list_claims(document_id=doc.id)[0]
    workspace.label(claim.id, "supported", "ana")
    workspace.label(claim.id, "disputed", "ana")
    workspace.undo(claim.id, "ana")
    assert workspace.get_claim(claim.id).verdict is Verdict.SUPPORTED
    workspace.undo(claim.id, "ana")
    assert workspace.get_claim(claim.id).verdict is None
    assert all(m.statement.claim_id != claim.id for m in workspace.match_text(claim.text, top_k=50))
    assert [e.action for e in workspace.history(claim.id)] == ["label", "label", "undo", "undo"]
    with pytest.raises(InvalidValueError, match="ana has no verdict on claim"):
        workspace.undo(claim.id, "ana")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"verdict": "maybe", "reviewer": "ana"}, InvalidValueError, "unknown verdict 'maybe'"),
        ({"verdict": "supported", "reviewer": "  "}, InvalidValueError, "a reviewer name is needed"),
        ({"verdict": "supported", "reviewer": "ana", "evidence": ["not a url"]}, InvalidValueError,
         "is not a web address"),
    ],
)
@pytest.mark.slow
def test_bad_labels_are_refused(workspace, kwargs, error, message):
    doc = ingest_demo(workspace).document
    claim = workspace.list_claims(document_id=doc.id)[0]
    before = workspace.store.count_rows()
    verdict = kwargs.pop("verdict")
    reviewer = kwargs.pop("reviewer")
    with pytest.raises(error, match=message):
        workspace.label(claim.id, verdict, reviewer, **kwargs)
    assert workspace.store.count_rows() == before


@pytest.mark.slow
def test_unknown_claim(workspace):
    with pytest.raises(NotFoundError, match="no claim with id 12345"):
        workspace.label(12345, "supported", "ana")
    with pytest.raises(NotFoundError, match="no claim with id 12345"):
        workspace.match_claims([12345])


@pytest.mark.slow
def test_reingest_and_reimport_add_nothing(workspace):
    first = ingest_demo(workspace)
    workspace.import_statements(ARCHIVE, "archive.csv")
    counts = workspace.store.count_rows()
    second = ingest_demo(workspace)
    again = workspace.import_statements(ARCHIVE, "archive.csv")
    assert not second.created and second.document.id == first.document.id
    assert (again.added, again.skipped) == (0, 3)
    after = workspace.store.count_rows()
    assert {k: after[k] for k in ("documents", "sentences", "statements", "embeddings")} == \
        {k: counts[k] for k in ("documents", "sentences", "statements", "embeddings")}


@pytest.mark.slow
def test_the_same_text_is_never_embedded_twice(settings, store, embedder):
    ws = Workspace(settings, store=store, embedder=embedder)
    start = embedder.texts_encoded
    ws.ingest_demo_article()
    first = embedder.texts_encoded - start
    claims = ws.list_claims()
    ws.match_claims([c.id for c in claims])
    ws.label(claims[0].id, "supported", "ana")
    ws.ingest_demo_article()
    ws.ingest_file(demo_bytes(DEMO_ARTICLE), "copy-with-other-name.txt", source="Elsewhere")
    # every sentence is embedded once (the detector scores them all; matching reuses the claims' vectors)
    doc_id = claims[0].document_id
    assert first == len({s.text for s in ws.document_sentences(doc_id)})
    assert embedder.texts_encoded - start == first


@pytest.mark.slow
def test_batch_file_is_all_or_nothing(workspace):
    before = workspace.store.count_rows()
    bad = b'{"text": "Unemployment fell to 3.5 percent in 2019."}\n{"text": "   "}\n'
    with pytest.raises(Exception, match="line 2"):
        workspace.ingest_file(bad, "posts.jsonl")
    assert workspace.store.count_rows() == before


@pytest.mark.slow
def test_the_same_text_again_names_the_earlier_document_and_adds_nothing(workspace):
    first = ingest_demo(workspace)
    pasted = pasted_document(demo_bytes(DEMO_ARTICLE).decode("utf-8"), source="Pasted")
    (again,) = workspace.ingest_documents([pasted])
    assert not again.created
    assert again.duplicate_of is not None and again.duplicate_of.id == first.document.id
    assert again.document.id == first.document.id
    assert len(workspace.list_documents()) == 1
    (forced,) = workspace.ingest_documents([pasted], allow_duplicate_text=True)
    assert forced.created and forced.duplicate_of is None and forced.document.id != first.document.id
    labels = [d.label for d in workspace.list_documents()]
    assert len(set(labels)) == 2 and all(f"#{d.id}" in d.label for d in workspace.list_documents())


@pytest.mark.slow
def test_documents_over_the_size_limits_are_refused_and_nothing_is_stored(workspace):
    small = Workspace(workspace.settings.with_overrides(max_document_chars=1_000, max_sentences=5),
                      store=workspace.store, embedder=workspace.embedder)
    long_text = "The ministry said exports rose 4 percent in March. " * 40  # 2,040 characters
    with pytest.raises(InputTooLargeError, match=r"pasted text: the text has 2,040 characters; .* at most 1,000"):
        small.ingest_documents([pasted_document(long_text)])
    with pytest.raises(InputTooLargeError, match=r"big\.txt: the file has"):
        small.ingest_file(long_text.encode() * 2, "big.txt")
    many = " ".join(f"Exports rose {i} percent in year {2000 + i}." for i in range(8))
    with pytest.raises(InputTooLargeError, match=r"8 sentences; one document may have at most 5"):
        small.ingest_documents([pasted_document(many)])
    assert workspace.list_documents() == []


@pytest.mark.slow
def test_posts_keep_their_author_as_speaker(workspace):
    data = (b"text,author,date\n"
            b"Unemployment fell to 3.5 percent in 2019 the lowest rate in fifty years.,@econ,2020-01-05\n")
    (res,) = workspace.ingest_file(data, "posts.csv")
    (claim,) = workspace.list_claims(document_id=res.document.id)
    assert claim.speaker == "@econ" and str(claim.published) == "2020-01-05"


@pytest.mark.slow
def test_empty_pasted_text(workspace):
    from claims.readers import pasted_document

    with pytest.raises(EmptyInputError):
        workspace.ingest_documents([pasted_document(" ")])


@pytest.mark.slow
def test_index_recovers_after_deletion_and_corruption(settings, store, embedder):
    ws = Workspace(settings, store=store, embedder=embedder)
    ws.load_demo_archive()
    expected = [m.statement.id for m in ws.match_text("Russia has not taken Ukraine's biggest cities")]
    count = ws.index.count
    ws.close()
    (settings.index_dir / "statements.faiss").write_bytes(b"corrupt")
    fresh = Workspace(settings, store=store, embedder=embedder)
    assert fresh.index.count == count
    assert [m.statement.id for m in fresh.match_text("Russia has not taken Ukraine's biggest cities")] == expected
    fresh.close()
    for f in settings.index_dir.iterdir():
        f.unlink()
    again = Workspace(settings, store=store, embedder=embedder)
    assert again.index.count == count
    assert again.rebuild_index().added == count


@pytest.mark.slow
def test_demo_archive_loads_once(workspace):
    first = workspace.load_demo_archive()
    assert 40 <= first.added <= 80 and first.skipped == 0
    assert workspace.load_demo_archive() is None


@pytest.mark.slow
@pytest.mark.postgres
def test_the_same_pipeline_on_postgresql(pg_url, tmp_path, embedder):
    from claims.settings import load_settings

    settings = load_settings({"db_url": pg_url, "index_dir": str(tmp_path / "pg-index")}, environ={})
    ws = Workspace(settings, embedder=embedder)
    add_test_users(ws.store)
    try:
        ws.import_statements(ARCHIVE, "archive.csv")
        doc = ingest_demo(ws).document
        claims = ws.list_claims(document_id=doc.id)
        ws.label(claims[0].id, "disputed", "ana", note="pg")
        assert ws.match_text(claims[0].text)[0].statement.claim_id == claims[0].id
        buffer = io.StringIO()
        ws.export_csv(buffer, status="reviewed")
        (row,) = list(csv.DictReader(io.StringIO(buffer.getvalue())))
        assert (row["verdict"], row["note"]) == ("disputed", "pg")
    finally:
        ws.close()


@pytest.mark.slow
def test_promote_and_dismiss_are_logged_as_feedback(workspace):
    workspace.import_statements(ARCHIVE, "archive.csv")
    doc = ingest_demo(workspace).document
    sentences = workspace.document_sentences(doc.id)
    flagged = next(s for s in sentences if s.is_claim)
    unflagged = next(s for s in sentences if not s.is_claim and s.position > 0)
    workspace.mark_claim(flagged.id, False, "ana")
    workspace.mark_claim(unflagged.id, True, "ana")
    ids = [c.id for c in workspace.list_claims(document_id=doc.id)]
    assert flagged.id not in ids and unflagged.id in ids
    assert workspace.match_claim(unflagged.id)  # a promoted sentence is embedded and matchable
    assert workspace.store.reviews.feedback_examples() == [(flagged.text, False), (unflagged.text, True)]
    workspace.mark_claim(flagged.id, True, "ben")  # the latest call wins
    assert (flagged.text, True) in workspace.store.reviews.feedback_examples()
    with pytest.raises(InvalidValueError, match="a reviewer name is needed"):
        workspace.mark_claim(flagged.id, True, " ")
    with pytest.raises(NotFoundError, match="no sentence with id 99999"):
        workspace.mark_claim(99999, True, "ana")


@pytest.mark.slow
def test_listing_helpers_for_the_ui(workspace):
    workspace.import_statements(ARCHIVE, "archive.csv")
    doc = ingest_demo(workspace).document
    claims = workspace.list_claims(document_id=doc.id)
    r0 = workspace.revision()
    workspace.label(claims[0].id, "supported", "ana")
    workspace.label(claims[1].id, "disputed", "ana")
    workspace.label(claims[1].id, "unverified", "ben")
    assert workspace.revision() != r0
    assert [d.id for d in workspace.list_documents()] == [doc.id]
    assert workspace.archive_origins() == ["archive.csv"]
    assert workspace.document_progress()[doc.id].reviewed == 2
    assert workspace.last_label("ana").claim_id == claims[1].id
    workspace.undo(claims[1].id, "ana")
    assert workspace.last_label("ana").claim_id == claims[0].id
    assert workspace.last_label("nobody") is None
    assert workspace.claim_speakers() == sorted({c.speaker for c in claims if c.speaker})
    assert "Zhao Lijian" in workspace.claim_speakers()
    assert workspace.search_archive(origin="archive.csv")[1] == 3
    assert workspace.search_archive(origin="review")[1] == 2
    assert workspace.search_archive(origin="other.csv")[1] == 0


@pytest.mark.slow
def test_reimport_with_a_fuller_verdict_map_fills_the_gaps(workspace):
    from claims.archive import parse_verdict_map

    data = b"text,rating\nThe moon is made of cheese.,Spicy\nWater boils at 100 C at sea level.,True\n"
    first = workspace.import_statements(data, "odd.csv")
    assert (first.added, first.unmapped_ratings) == (2, ("Spicy",))
    assert workspace.match_text("moon cheese")[0].statement.verdict is None
    again = workspace.import_statements(data, "odd.csv", parse_verdict_map("spicy=disputed"))
    assert (again.added, again.skipped, again.updated, again.unmapped_ratings) == (0, 2, 1, ())
    assert workspace.match_text("moon cheese")[0].statement.verdict is Verdict.DISPUTED


@pytest.mark.slow
def test_matches_are_the_fusion_of_faiss_and_bm25(workspace):
    """Fusion of the FAISS and BM25 lists picks the statements; the cards are ordered by the verifier's
    same-claim probability; weight 0 picks the FAISS list."""
    from index.fusion import weighted_score_fusion
    from index.lexical import LexicalIndex
    from index.match import MatchQuery

    workspace.load_demo_archive()
    query = "China said the US spreads disinformation about Russia asking for weapons"
    vector = workspace.embedder.encode([query])
    dense = workspace.index.search(vector, 100)[0]
    lexical = LexicalIndex(*workspace.store.statements.statement_texts()).search([query], 100)[0]
    expected = [sid for sid, _ in weighted_score_fusion([dense, lexical], [1.0, 0.7], normalise="zscore")][:5]
    hybrid = workspace.match_text(query, top_k=5)
    assert {m.statement.id for m in hybrid} == set(expected)
    assert {m.statement.id for m in hybrid} != {sid for sid, _ in dense[:5]}  # BM25 brought in another one
    probabilities = [m.probability for m in hybrid]
    assert None not in probabilities and probabilities == sorted(probabilities, reverse=True)
    cosine = dict(dense)
    assert all(abs(m.similarity - cosine[m.statement.id]) < 1e-5 for m in hybrid)

    # Weight 0: the fused list is the FAISS list itself, in its order; the verifier then orders the first
    # verify_depth of it, so the five cards come from there (not always the five nearest by cosine).
    dense_only = Workspace(workspace.settings.with_overrides(lexical_weight=0.0), store=workspace.store,
                           embedder=workspace.embedder)
    depth = dense_only.settings.verify_depth
    pool = dense_only.matcher().candidates([MatchQuery(query)], vector, depth)[0]
    assert [c.statement.id for c in pool] == [sid for sid, _ in dense[:depth]]
    cards = dense_only.match_text(query, top_k=5)
    assert {m.statement.id for m in cards} <= {sid for sid, _ in dense[:depth]}
    assert [m.statement.id for m in cards] == [c.statement.id for c in sorted(
        pool, key=lambda c: (-(c.probability or 0.0), c.fused_rank))][:5]


# -- plumbing on a fake embedder (fast) -----------------------------------------------------------


class RecordingEmbedder:
    """An embedder that keeps every text it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)


class CountingCache:
    """The store's embedding cache, counting how often each text hash is looked up."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.asked: Counter[str] = Counter()

    def get_embeddings(self, model, hashes):
        self.asked.update(hashes)
        return self.inner.get_embeddings(model, hashes)

    def put_embeddings(self, model, vectors):
        self.inner.put_embeddings(model, vectors)


@pytest.fixture
def counted(settings, store, fake_embedder):
    """A workspace over a recording embedder and a counting embedding cache."""
    cache = CountingCache(store.embeddings)
    store.embeddings = cache
    embedder = RecordingEmbedder(fake_embedder)
    ws = Workspace(settings, store=store, embedder=embedder)
    yield ws, embedder, cache
    ws.close()


def test_an_ingest_embeds_and_looks_up_each_claim_text_once_and_reads_nothing_back(counted, monkeypatch):
    ws, embedder, cache = counted
    ws.import_statements(ARCHIVE, "archive.csv")
    embedder.texts.clear()
    cache.asked.clear()

    def read_back(*args, **kwargs):
        raise AssertionError("a new document's result is read back from the database")

    for name in ("list_claims", "sentence_texts", "get_document", "get_claim", "document_sentences"):
        monkeypatch.setattr(ws.store.documents, name, read_back)
    result = ingest_demo(ws)
    monkeypatch.undo()

    claims = ws.list_claims(document_id=result.document.id)
    hashes = {text_hash(c.text) for c in claims}
    assert result.created and result.n_claims == len(claims) >= 5
    assert Counter(text_hash(t) for t in embedder.texts) == Counter(hashes)  # each claim text once
    assert all(cache.asked[h] == 1 for h in hashes), "a claim's vector was looked up twice"
    assert result.document == ws.store.documents.get_document(result.document.id)
    assert result.n_sentences == result.document.n_sentences

    embedder.texts.clear()
    again = ingest_demo(ws)
    assert not again.created and again.document == result.document and embedder.texts == []


def test_a_batch_repeating_a_post_stores_it_once(fake_workspace):
    line = b'{"text": "Unemployment fell to 3.5 percent in 2019, the lowest rate in fifty years."}\n'
    first, second = fake_workspace.ingest_file(line * 2, "posts.jsonl")
    assert first.created and not second.created and second.document == first.document
    assert len(fake_workspace.list_documents()) == 1


def test_sentences_are_typed_rows(fake_workspace):
    doc = ingest_demo(fake_workspace).document
    rows = fake_workspace.document_sentences(doc.id)
    assert all(isinstance(r, SentenceRow) for r in rows) and [r.position for r in rows] == list(range(len(rows)))
    assert {r.id for r in rows if r.is_claim} == {c.id for c in fake_workspace.list_claims(document_id=doc.id)}
    with pytest.raises(NotFoundError, match="no document with id 999"):
        fake_workspace.document_sentences(999)


def test_progress_and_last_label_follow_the_log(fake_workspace):
    doc = ingest_demo(fake_workspace).document
    a, b, c = fake_workspace.list_claims(document_id=doc.id)[:3]
    fake_workspace.label(a.id, "supported", "ana")
    fake_workspace.label(b.id, "disputed", "ana")
    fake_workspace.label(b.id, "unverified", "ben")
    fake_workspace.label(c.id, "disputed", "ben")
    fake_workspace.undo(c.id, "ben")
    total = len(fake_workspace.list_claims(document_id=doc.id))
    assert fake_workspace.document_progress() == {doc.id: Progress(total, 2)}
    assert fake_workspace.progress(doc.id) == fake_workspace.progress() == Progress(total, 2)
    assert len(fake_workspace.list_claims(status="reviewed")) == 2
    assert fake_workspace.last_label("ana").claim_id == b.id
    assert fake_workspace.last_label("ben").claim_id == b.id  # ben's label on c was undone
    fake_workspace.undo(b.id, "ana")
    assert fake_workspace.last_label("ana").claim_id == a.id
    assert fake_workspace.get_claim(b.id).verdict is Verdict.UNVERIFIED  # ben's label still stands
    assert fake_workspace.last_label("nobody") is None
    reviewed = fake_workspace.search_archive(origin=Origin.REVIEW)[0]
    assert {st.claim_id for st in reviewed} == {a.id, b.id} and all(st.origin is Origin.REVIEW for st in reviewed)


def test_undo_target_is_the_claim_on_screen_else_the_latest_standing_verdict(fake_workspace):
    doc = ingest_demo(fake_workspace).document
    first, second, third = fake_workspace.list_claims(document_id=doc.id)[:3]
    assert fake_workspace.undo_target("ana") is None
    fake_workspace.label(first.id, "supported", "ana")
    fake_workspace.label(second.id, "disputed", "ana")
    assert fake_workspace.undo_target("ana", first.id) == first.id  # her verdict stands on screen
    assert fake_workspace.undo_target("ana", third.id) == second.id  # none on screen: her latest
    assert fake_workspace.undo_target("ben", first.id) is None
    fake_workspace.undo(second.id, "ana")
    assert fake_workspace.undo_target("ana") == first.id


@pytest.mark.parametrize("url, evidence", [
    ("https://d.example/check", ("https://d.example/check",)),
    ("javascript:alert(1)", ()),
    ("file:///etc/passwd", ()),
    (None, ()),
])
def test_an_earlier_verdict_is_cited_with_its_link_only_when_it_is_a_web_address(url, evidence):
    import datetime as dt

    from claims.models import Match, Origin, Statement

    statement = Statement(id=4, text="Russia took five cities.", speaker=None, date=dt.date(2022, 3, 1),
                          source="Desk", url=url, rating="False", verdict=Verdict.DISPUTED, origin=Origin.ARCHIVE)
    note, cited = Workspace.cite_earlier(Match(statement, 0.873, Tier.SAME_CLAIM))
    assert note == "Same claim as an earlier check (87% similar): “Russia took five cities.” (Desk, 2022-03-01)"
    assert cited == evidence


def test_the_export_goes_to_a_file_whole(fake_workspace, tmp_path):
    doc = ingest_demo(fake_workspace).document
    claim = fake_workspace.list_claims(document_id=doc.id)[0]
    fake_workspace.label(claim.id, "disputed", "ana", note="=HYPERLINK(\"http://evil.example\")")
    out = tmp_path / "verdicts.csv"
    count = fake_workspace.export_file(out, "csv", status="reviewed")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert count == 1 and rows[0]["note"] == "'=HYPERLINK(\"http://evil.example\")"
    assert [p.name for p in tmp_path.iterdir() if "verdicts" in p.name] == ["verdicts.csv"]  # no temp file left
    with pytest.raises(InvalidValueError, match="unknown export format 'xml'"):
        fake_workspace.export(io.StringIO(), "xml")


def test_sign_in_sessions_and_sign_out(fake_workspace):
    from claims.errors import PermissionDeniedError
    from conftest import TEST_PASSWORD

    with pytest.raises(PermissionDeniedError, match="^wrong name or password$"):
        fake_workspace.sign_in("ana", "not the password")
    with pytest.raises(PermissionDeniedError, match="^wrong name or password$"):
        fake_workspace.sign_in("nobody", TEST_PASSWORD)
    user, token = fake_workspace.sign_in("  ana ", TEST_PASSWORD)
    assert user.name == "ana" and len(token) >= 40
    assert fake_workspace.session_user(token).name == "ana"
    assert fake_workspace.session_user("forged-token") is None
    fake_workspace.sign_out(token)
    assert fake_workspace.session_user(token) is None  # a session ends on sign-out
    _, token = fake_workspace.sign_in("ana", TEST_PASSWORD)
    fake_workspace.set_password("ana", "a new long password")
    assert fake_workspace.session_user(token) is None  # and on a new password
    assert fake_workspace.sign_in("ana", "a new long password")[0].name == "ana"
    with pytest.raises(InvalidValueError, match="at least 8 characters"):
        fake_workspace.add_user("zed", "reviewer", "short")
    stored = fake_workspace.store.users.password_hash("ana")
    assert stored.startswith("$argon2id$") and "a new long password" not in stored


def test_two_independent_verdicts_blind_review_and_adjudication(settings, store, fake_embedder):
    from claims.errors import PermissionDeniedError
    from claims.models import ReviewStatus

    ws = Workspace(settings.with_overrides(reviews_per_claim=2), store=Store(settings.db_url, reviews_per_claim=2),
                   embedder=fake_embedder)
    doc = ingest_demo(ws).document
    first, second = ws.list_claims(document_id=doc.id)[:2]
    ws.label(first.id, "supported", "ana", note="ana's reasons")
    assert ws.get_claim(first.id).status is ReviewStatus.PENDING and ws.get_claim(first.id).verdict is None
    hidden = ws.visible_claim(first.id, "ben")  # ben has not given his verdict: he sees none of ana's
    assert hidden.reviewer_verdicts == () and hidden.note is None
    assert [c.id for c in ws.list_claims(status="unreviewed", reviewer="ben")][:1] == [first.id]
    assert first.id not in [c.id for c in ws.list_claims(status="unreviewed", reviewer="ana")]
    assert ws.visible_claim(first.id, "Dana Ortiz").reviewer_verdicts  # an admin sees everything
    ws.label(first.id, "supported", "ben")
    agreed = ws.get_claim(first.id)
    assert (agreed.status, agreed.verdict) == (ReviewStatus.AGREED, Verdict.SUPPORTED)
    assert len(ws.visible_claim(first.id, "ben").reviewer_verdicts) == 2
    assert ws.progress(doc.id).reviewed == 1

    ws.label(second.id, "supported", "ana")
    ws.label(second.id, "disputed", "ben")
    split = ws.get_claim(second.id)
    assert (split.status, split.verdict) == (ReviewStatus.DISAGREEMENT, None)
    assert [c.id for c in ws.list_claims(status="disagreement")] == [second.id]
    with pytest.raises(PermissionDeniedError, match="only an admin may adjudicate; ana is a reviewer"):
        ws.adjudicate(second.id, "disputed", "ana", reason="I say so")
    ws.adjudicate(second.id, "disputed", "admin", reason="the ministry's own figures")
    final = ws.get_claim(second.id)
    assert (final.status, final.verdict, final.reviewer) == (ReviewStatus.ADJUDICATED, Verdict.DISPUTED, "admin")
    assert final.note == "the ministry's own figures"
    trail = [(e.event.value, e.reviewer) for e in ws.audit_trail(second.id)]
    assert trail == [("ingested", "claimdesk"), ("matched", "claimdesk"), ("label", "ana"), ("label", "ben"),
                     ("adjudicate", "admin")]
    result = ws.agreement(doc.id)
    assert (result.n_items, result.n_reviewers, result.percent_agreement) == (2, 2, 0.5)


def test_an_export_under_blind_review_shows_a_reviewer_only_what_they_may_see(settings, store, fake_embedder):
    ws = Workspace(settings.with_overrides(reviews_per_claim=2), store=Store(settings.db_url, reviews_per_claim=2),
                   embedder=fake_embedder)
    doc = ingest_demo(ws).document
    claim = ws.list_claims(document_id=doc.id)[0]
    ws.label(claim.id, "disputed", "ana", note="ana's reasons")

    def row_for(viewer):
        return next(r for r in ws.export_rows(viewer=viewer) if r.claim_id == claim.id)

    assert row_for("ben").reviewer_verdicts == "" and row_for("ben").status == "unreviewed"
    assert "ana · disputed" in row_for("ana").reviewer_verdicts
    assert "ana's reasons" in row_for("admin").reviewer_verdicts  # admins see everything
    assert "ana · disputed" in row_for(None).reviewer_verdicts  # the CLI's export is the desk's


def test_file_statement_and_note_limits_are_settings(settings, store, fake_embedder):
    small = Workspace(settings.with_overrides(max_file_mb=1, max_statement_chars=40, max_note_chars=10), store=store,
                      embedder=fake_embedder)
    with pytest.raises(InputTooLargeError, match=r"big\.csv: the file has 1,100,000 bytes; files of at most 1 MB"):
        small.import_statements(b"text\n" + b"x" * 1_099_995, "big.csv")
    with pytest.raises(BadRecordError, match=r"long\.csv, line 2: the statement has 60 characters; .* at most 40"):
        small.import_statements(b"text\n" + b"y" * 60 + b"\n", "long.csv")
    doc = ingest_demo(small).document
    claim = small.list_claims(document_id=doc.id)[0]
    with pytest.raises(InvalidValueError, match=r"the note has 11 characters; a note may have at most 10"):
        small.label(claim.id, "supported", "ana", note="x" * 11)
    assert small.store.count_rows()["statements"] == 0 and small.history(claim.id) == []


# -- BM25 kept in step with the archive, never rebuilt per verdict ----------------------------------


def _fresh_bm25(ws):
    """A BM25 index built from scratch over the statements in the database, as the old code rebuilt it."""
    from index.lexical import LexicalIndex
    from index.match import statement_lexical_text

    rows = ws.store.statements.lexical_rows()
    return LexicalIndex([r[0] for r in rows], [statement_lexical_text(*r[1:]) for r in rows])


def test_a_verdict_adds_one_statement_to_bm25_without_a_rebuild(fake_workspace):
    ws = fake_workspace
    ws.import_statements(ARCHIVE, "archive.csv")
    doc = ingest_demo(ws).document
    first, second, third = ws.list_claims(document_id=doc.id)[:3]
    ws.match_claim(first.id)
    assert ws._lexical_builds == 1
    held = ws._lexical_index().count
    ws.label(second.id, "disputed", "ana")
    ws.match_claim(third.id)  # the next claim: matched against the caught-up index
    lexical = ws._lexical_index()
    assert ws._lexical_builds == 1 and lexical.count == held + 1
    reviewed = next(st for st in ws.search_archive(origin=Origin.REVIEW)[0] if st.claim_id == second.id)
    assert lexical.search([second.text], 1)[0][0][0] == reviewed.id  # findable by BM25 at once
    fresh = _fresh_bm25(ws)
    for query in (second.text, third.text, "Russia inflation percent"):
        assert lexical.search([query], 10) == fresh.search([query], 10)
    # an undone verdict keeps the row (hidden from matches), so BM25 has nothing to redo
    ws.undo(second.id, "ana")
    ws.match_claim(third.id)
    assert ws._lexical_builds == 1 and ws._lexical_index().count == held + 1
    assert all(m.statement.claim_id != second.id for m in ws.match_text(second.text))


def test_a_new_process_loads_the_saved_bm25_and_catches_up_with_what_changed(fake_workspace, settings,
                                                                            fake_embedder):
    from claims.store.schema import statements

    ws = fake_workspace
    ws.import_statements(ARCHIVE, "archive.csv")
    doc = ingest_demo(ws).document
    first, second = ws.list_claims(document_id=doc.id)[:2]
    ws.match_claim(first.id)  # builds BM25 and saves it
    assert ws._lexical_builds == 1 and ws._lexical_path().exists()
    # meanwhile other processes write: a verdict adds a statement, a statement is deleted by hand
    ws.label(second.id, "disputed", "ana")
    china = next(st.id for st in ws.search_archive("China")[0])
    with ws.store.engine.begin() as conn:
        conn.execute(statements.delete().where(statements.c.id == china))
    later = Workspace(settings, store=Store(settings.db_url), embedder=fake_embedder)  # a new process
    try:
        lexical = later._lexical_index()
        assert later._lexical_builds == 0  # loaded
        assert sorted(int(i) for i in lexical.ids) == sorted(int(r[0]) for r in later.store.statements.lexical_rows())
        assert china not in lexical
        fresh = _fresh_bm25(later)
        for query in (second.text, first.text, "China fighter jets", "Russia inflation percent"):
            assert lexical.search([query], 10) == fresh.search([query], 10)
    finally:
        later.close()


def test_a_closing_process_saves_bm25_again_only_once_enough_changed(fake_workspace, settings, fake_embedder,
                                                                     monkeypatch):
    monkeypatch.setattr(Workspace, "_LEXICAL_RESAVE", 3)
    fake_workspace.import_statements(ARCHIVE, "archive.csv")
    fake_workspace._lexical_index()  # built and saved
    path = fake_workspace._lexical_path()

    def a_process_that_adds(n: int, start: int) -> None:
        ws = Workspace(settings, store=Store(settings.db_url), embedder=fake_embedder)
        try:
            rows = "".join(f"Claim number {start + i} about kalan turbines.\n" for i in range(n))
            ws.import_statements(("text\n" + rows).encode(), f"more-{start}.csv")
            ws._lexical_index()
        finally:
            ws.close()

    saved = path.read_bytes()
    a_process_that_adds(1, 0)
    assert path.read_bytes() == saved  # one statement: caught up by the next process instead
    a_process_that_adds(3, 100)
    assert path.read_bytes() != saved
    later = Workspace(settings, store=Store(settings.db_url), embedder=fake_embedder)
    try:
        lexical = later._lexical_index()
        assert later._lexical_builds == 0 and lexical.count == later.store.statements.statement_count()
    finally:
        later.close()


@pytest.mark.parametrize("damage", ["garbage", "another database"])
def test_a_saved_bm25_that_cannot_be_trusted_is_rebuilt(fake_workspace, settings, fake_embedder, damage):
    from claims.settings import load_settings

    ws = fake_workspace
    ws.import_statements(ARCHIVE, "archive.csv")
    ws._lexical_index()
    path = ws._lexical_path()
    if damage == "garbage":
        path.write_bytes(b"PK not really a zip")
    else:
        other = Workspace(load_settings({"data_dir": str(settings.data_dir / "elsewhere"),
                                         "index_dir": str(settings.index_dir)}, environ={}), embedder=fake_embedder)
        try:
            other.import_statements(b"text\nThe moon is made of cheese.\n", "other.csv")
            other._lexical_index()  # saves its own BM25 at the same place
        finally:
            other.close()
    later = Workspace(settings, store=Store(settings.db_url), embedder=fake_embedder)
    try:
        lexical = later._lexical_index()
        assert later._lexical_builds == 1 and lexical.count == later.store.statements.statement_count()
        assert lexical.search(["moon cheese"], 3) == [[]]
    finally:
        later.close()


def _insert_statement(ws, statement_id, text):
    import datetime as dt

    from claims.store.schema import statements

    with ws.store.engine.begin() as conn:
        conn.execute(statements.insert().values(
            id=statement_id, row_hash=f"by hand {statement_id}", text=text, text_hash=f"by hand {statement_id}",
            origin=Origin.ARCHIVE.value, extra="{}", created_at=dt.datetime.now(dt.timezone.utc)))


def test_a_late_commit_below_the_newest_id_reaches_bm25(fake_workspace):
    """On PostgreSQL a transaction holding a lower id can commit after a higher one was indexed."""
    ws = fake_workspace
    ws.import_statements(ARCHIVE, "archive.csv")
    top = int(max(ws._lexical_index().ids))
    _insert_statement(ws, top + 2, "Wind farms supplied half of Denmark's power.")
    assert top + 2 in ws._lexical_index() and ws._lexical_gap[0] == top + 1  # the hole is watched
    _insert_statement(ws, top + 1, "Solar panels covered a fifth of Spain's demand.")
    lexical = ws._lexical_index()
    assert lexical.search(["Spain solar demand"], 1)[0][0][0] == top + 1 and ws._lexical_gap is None
    assert ws._lexical_builds == 1 and lexical.count == ws.store.statements.statement_count()


def test_deleted_and_old_missing_statements_are_settled_by_the_count(fake_workspace):
    from claims.store.schema import statements

    ws = fake_workspace
    ws.import_statements(ARCHIVE, "archive.csv")
    ids = [int(i) for i in ws._lexical_index().ids]
    china = next(st.id for st in ws.search_archive("China")[0])
    with ws.store.engine.begin() as conn:
        conn.execute(statements.delete().where(statements.c.id == china))
    assert china in ws._lexical_index()  # a deletion below the newest id waits for the count check ...
    ws._lexical_recheck_s = 0.0  # ... which runs every _lexical_recheck_s seconds
    lexical = ws._lexical_index()
    assert ws._lexical_builds == 1 and china not in lexical and lexical.count == len(ids) - 1
    assert lexical.search(["China fighter jets"], 5) == [[]]
    _insert_statement(ws, china, "Fighter jets from China landed in Moscow.")  # back, long after its neighbours
    lexical = ws._lexical_index()
    assert ws._lexical_builds == 1 and sorted(int(i) for i in lexical.ids) == sorted(ids)
    assert lexical.search(["Moscow fighter jets"], 1)[0][0][0] == china
    assert lexical.search(["Moscow"], 5) == _fresh_bm25(ws).search(["Moscow"], 5)


# -- the review queue -------------------------------------------------------------------------------

QUEUE_ARTICLE = (
    "Taxes rose 12 percent in 2021, the mayor said. "
    "Unemployment among women fell to 3.9 percent in March, the lowest level in nineteen years. "
    "The city spent 40 million dollars on the new bridge over the river last spring. "
    "Crime rose 12 percent last year, police figures show. "
    "Penguins migrate 4,000 kilometres every year across the ice, scientists said. "
    "The state raised the fuel tax by 8 cents per gallon in 2019, the governor said. "
)
QUEUE_STATUSES = ("all", "unreviewed", "reviewed", "supported", "disputed", "unverified", "pending",
                  "disagreement", "agreed", "adjudicated")


def _page_rule(claim, status: str, viewer: str) -> bool:
    """The Review page's queue rule as it read every claim before the queue became ids: the oracle."""
    if status == "all":
        return True
    if status == "unreviewed":
        return claim.verdict is None and all(v.reviewer != viewer for v in claim.reviewer_verdicts)
    if status == "reviewed":
        return claim.verdict is not None
    if status in {s.value for s in ReviewStatus}:
        return claim.status.value == status
    return claim.verdict is Verdict(status)


@pytest.mark.parametrize("required", [1, 2])
def test_the_review_queue_holds_what_the_claims_say(settings, fake_embedder, required):
    store = Store(settings.db_url, reviews_per_claim=required)
    add_test_users(store)
    ws = Workspace(settings.with_overrides(reviews_per_claim=required), store=store, embedder=fake_embedder)
    try:
        first = ws.ingest_text(QUEUE_ARTICLE, title="one", speaker="Mayor").document
        second = ws.ingest_text(QUEUE_ARTICLE.replace("percent", "per cent"), title="two").document
        c = [x.id for x in ws.list_claims(document_id=first.id)]
        d = [x.id for x in ws.list_claims(document_id=second.id)]
        assert len(c) >= 5 and len(d) >= 3
        ws.label(c[0], "disputed", "ana")
        ws.label(c[1], "supported", "ana")
        ws.label(c[1], "supported", "ben")          # agreed with two reviewers
        ws.label(c[2], "disputed", "ana")
        ws.undo(c[2], "ana")                        # undone: ana owes it again
        ws.label(c[2], "unverified", "ben")
        ws.label(c[3], "supported", "ana")
        ws.label(c[3], "disputed", "ben")           # a disagreement with two reviewers
        ws.adjudicate(c[4], "disputed", "admin", reason="the ministry's own figures")
        ws.label(d[0], "unverified", "cai")
        for viewer in ("ana", "ben", "cai", "admin", ""):
            for filters in ({}, {"document_id": first.id}, {"speaker": "Mayor"}, {"min_score": 0.5}):
                claims = ws.list_claims(**filters)
                for status in QUEUE_STATUSES:
                    queue = ws.review_queue(viewer, status=status, **filters)
                    assert list(queue.ids) == [x.id for x in claims if _page_rule(x, status, viewer)], \
                        (viewer, filters, status)
                    assert queue.total == len(claims)
                    assert queue.reviewed == sum(1 for x in claims if x.verdict is not None)
                    assert queue.unreviewed == {x.id for x in claims if _page_rule(x, "unreviewed", viewer)}
    finally:
        ws.close()


def test_the_review_queue_refuses_an_unknown_status(fake_workspace):
    with pytest.raises(InvalidValueError, match="unknown queue status 'later'"):
        fake_workspace.review_queue("ana", status="later")
    with pytest.raises(NotFoundError, match="no document with id 0"):
        fake_workspace.review_queue("ana", document_id=0)


def test_the_review_queue_reads_no_review_log_for_decided_claims(fake_workspace, monkeypatch):
    # The log is read only for claims that have events and no final verdict: at 100,000 reviewed claims
    # the queue must not rebuild every claim's review state on each verdict.
    doc = fake_workspace.ingest_text(QUEUE_ARTICLE, title="one").document
    ids = [x.id for x in fake_workspace.list_claims(document_id=doc.id)]
    for cid in ids[:-1]:
        fake_workspace.label(cid, "supported", "ana")
    asked: list[list[int]] = []
    original = fake_workspace.store.reviews.verdicts_for

    def spy(conn, claim_ids):
        asked.append(list(claim_ids))
        return original(conn, claim_ids)

    monkeypatch.setattr(fake_workspace.store.reviews, "verdicts_for", spy)
    queue = fake_workspace.review_queue("ben")
    assert list(queue.ids) == ids[-1:] and queue.reviewed == len(ids) - 1
    assert asked == [[]]


def test_warm_up_builds_what_the_first_match_needs_once(fake_workspace, settings, store, fake_embedder):
    fake_workspace.import_statements(ARCHIVE, "archive.csv")
    claim = fake_workspace.list_claims(document_id=ingest_demo(fake_workspace).document.id)[0]
    ws = Workspace(settings, store=Store(settings.db_url), embedder=fake_embedder)  # a new process, say
    try:
        assert ws._lexical is None and ws._index is None
        ws.warm_up()
        # BM25 is the one the first process saved beside the FAISS cache: loaded, not built
        assert ws._lexical is not None and ws._lexical_builds == 0
        assert ws._index is not None and ws.store.queue.loads == 1
        assert ws.store.export_lines.loads == 1 and len(ws._claim_vectors(ws.model_name)) == len(ws.list_claims())
        ws.warm_up()  # a second call loads nothing again
        ws.match_claim(claim.id)
        ws.export_csv(io.StringIO())
        assert ws._lexical_builds == 0 and ws.store.queue.loads == 1 and ws.store.export_lines.loads == 1
    finally:
        ws.close()


@pytest.mark.parametrize("required", [1, 2])
def test_desk_tallies_count_what_the_claims_say(settings, fake_embedder, required):
    """The Dashboard's tallies, kept in memory, equal the counts of every claim built from the tables,
    after verdicts, undos, an adjudication and a dismissed claim from another workspace."""
    import random
    from collections import Counter

    from conftest import add_test_users

    from claims.store import Store

    def open_one() -> Workspace:
        store = Store(settings.db_url, reviews_per_claim=required)
        add_test_users(store)
        return Workspace(settings.with_overrides(reviews_per_claim=required), store=store, embedder=fake_embedder)

    ws, other = open_one(), open_one()
    ws.store.export_lines.recheck_s = ws.store.queue.recheck_s = 0.0
    rnd = random.Random(7 + required)
    try:
        ws.ingest_text("Taxes rose 5 percent in 2021, the mayor said. Crime fell 3 percent last year. "
                       "The bridge cost 40 million dollars.", title="one", speaker="Mayor")
        ws.ingest_text("Unemployment fell to 3.9 percent in March. Fuel tax went up 8 cents in 2019.", title="two")
        for step in range(30):
            writer = rnd.choice((ws, other))
            claim = rnd.choice(writer.list_claims())
            reviewer = rnd.choice(("ana", "ben", "cai"))
            roll = rnd.random()
            if roll < 0.6:
                writer.label(claim.id, rnd.choice(("supported", "disputed", "unverified")), reviewer)
            elif roll < 0.75 and writer.undo_target(reviewer, claim.id) == claim.id:
                writer.undo(claim.id, reviewer)
            elif roll < 0.85:
                writer.adjudicate(claim.id, "supported", "admin", reason="sources")
            elif roll < 0.9:
                writer.mark_claim(claim.id, False, reviewer)
            tallies, claims = ws.desk_tallies(), ws.list_claims()
            assert tallies.claims == len(claims)
            assert tallies.final == dict(Counter(c.verdict for c in claims if c.verdict is not None))
            assert tallies.by_document == dict(Counter((c.document_id, c.verdict) for c in claims))
            assert tallies.claims_per_document == dict(Counter(c.document_id for c in claims))
            assert tallies.by_speaker == dict(Counter((c.speaker, c.verdict) for c in claims))
            assert tallies.final_by_day == dict(Counter((c.reviewed_at.date(), c.verdict) for c in claims
                                                        if c.verdict is not None))
            given: dict[str, list] = {}
            for c in claims:
                for v in c.reviewer_verdicts:
                    given.setdefault(v.reviewer, []).append(v.at)
            assert {k: sorted(v) for k, v in tallies.reviewer_times.items()} == {k: sorted(v) for k, v in given.items()}
    finally:
        other.close()
        ws.close()
