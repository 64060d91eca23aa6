"""The review queue kept in memory (claims.store.queue): the same answers as the tables, at the cost of what changed."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from conftest import add_test_users

from claims.store import Store
from claims.store.schema import reviews, statements
from claims.workspace import Workspace

ARTICLE = (
    "Taxes rose {n} percent in 2021, the mayor said. "
    "Unemployment among women fell to 3.{n} percent in March, the lowest level in nineteen years. "
    "The city spent {n}0 million dollars on the new bridge over the river last spring. "
    "Crime rose {n} percent last year, police figures show. "
    "Penguins migrate {n},000 kilometres every year across the ice, scientists said. "
)
STATUSES = ("all", "unreviewed", "reviewed", "supported", "disputed", "unverified", "pending", "disagreement",
            "agreed", "adjudicated")
VIEWERS = ("ana", "ben", "")


def _open(settings, embedder, required: int) -> Workspace:
    store = Store(settings.db_url, reviews_per_claim=required)
    add_test_users(store)
    return Workspace(settings.with_overrides(reviews_per_claim=required), store=store, embedder=embedder)


def review_step(writer: Workspace, rnd: random.Random, claim_id: int, reviewer: str, roll: float,
                notes: tuple[str | None, ...] = (None,)) -> bool:
    """One random review write for ``roll`` below 0.7 (a verdict, an undo where it applies, an
    adjudication); False for a larger roll, which the caller spends on writes of its own."""
    if roll < 0.45:
        writer.label(claim_id, rnd.choice(("supported", "disputed", "unverified")), reviewer, note=rnd.choice(notes))
    elif roll < 0.6:
        if writer.undo_target(reviewer, claim_id) == claim_id:
            writer.undo(claim_id, reviewer)
    elif roll < 0.7:
        writer.adjudicate(claim_id, rnd.choice(("supported", "disputed")), "admin", reason="sources")
    else:
        return False
    return True


def _same_as_the_tables(ws: Workspace) -> None:
    """Every status, viewer and filter: the in-memory queue equals the one read from the tables."""
    tables = ws.store.documents
    docs = tables.list_documents()
    assert ws.list_documents() == docs
    assert ws.claim_speakers() == tables.claim_speakers()
    filter_sets = [{}, {"speaker": "Mayor"}, {"speaker": "nobody"}, {"min_score": 0.5}]
    filter_sets += [{"document_id": d.id} for d in docs[:2]]
    for viewer in VIEWERS:
        for filters in filter_sets:
            for status in STATUSES:
                want = tables.review_queue(viewer, status=status, **filters)
                got = ws.review_queue(viewer, status=status, **filters)
                assert got == want, (viewer, filters, status)


@pytest.mark.parametrize("required", [1, 2])
def test_random_writes_from_two_workspaces_keep_the_queue_true(settings, fake_embedder, required):
    ws = _open(settings, fake_embedder, required)
    other = _open(settings, fake_embedder, required)
    ws.store.queue.recheck_s = 0.0
    rnd = random.Random(required)
    try:
        for n in range(2):
            ws.ingest_text(ARTICLE.format(n=n + 1), title=f"doc {n}", speaker="Mayor" if n == 0 else None)
        _same_as_the_tables(ws)
        for step in range(24):
            writer = rnd.choice((ws, other))
            claims = writer.list_claims()
            claim = rnd.choice(claims)
            roll = rnd.random()
            reviewer = rnd.choice(("ana", "ben", "cai"))
            if review_step(writer, rnd, claim.id, reviewer, roll):
                pass
            elif roll < 0.8:
                writer.mark_claim(claim.id, False, reviewer)  # dismissed: out of the queue
            elif roll < 0.9:
                others = [s for s in writer.document_sentences(claim.document_id) if not s.is_claim]
                if others:
                    writer.mark_claim(rnd.choice(others).id, True, reviewer)  # promoted: into it
            else:
                writer.ingest_text(ARTICLE.format(n=step + 3), title=f"late {step}",
                                   speaker=rnd.choice(("Mayor", None)))
            _same_as_the_tables(ws)
        assert ws.store.queue.loads == 1  # every change was read from the new rows, never all again
    finally:
        other.close()
        ws.close()


def test_a_verdict_reads_the_one_claim_it_changed(fake_workspace, monkeypatch):
    doc = fake_workspace.ingest_text(ARTICLE.format(n=1), title="one").document
    ids = [c.id for c in fake_workspace.list_claims(document_id=doc.id)]
    fake_workspace.review_queue("ana")
    fake_workspace.list_documents()
    queue = fake_workspace.store.queue
    read: list[list[int] | None] = []
    rows, documents = queue._rows, []
    monkeypatch.setattr(queue, "_rows", lambda conn, which: read.append(which) or rows(conn, which))
    listed = fake_workspace.store.documents.list_documents
    monkeypatch.setattr(fake_workspace.store.documents, "list_documents",
                        lambda: documents.append(1) or listed())
    fake_workspace.label(ids[0], "disputed", "ana")
    after = fake_workspace.review_queue("ana")
    assert ids[0] not in after.ids and after.reviewed == 1
    assert read == [[ids[0]]]
    fake_workspace.list_documents()
    assert documents == []  # a verdict changes no document's counts
    fake_workspace.review_queue("ana")
    assert read == [[ids[0]]]  # nothing new: nothing read


def test_a_row_committed_late_below_the_newest_is_caught_by_the_count(fake_workspace):
    """On PostgreSQL a transaction that took a lower id can commit after one with a higher id: the
    queue must not stay blind to it. Simulated by taking a verdict's rows out and putting them back."""
    doc = fake_workspace.ingest_text(ARTICLE.format(n=1), title="one").document
    ids = [c.id for c in fake_workspace.list_claims(document_id=doc.id)]
    queue = fake_workspace.store.queue
    queue.recheck_s = 3600.0
    fake_workspace.review_queue("ben")
    fake_workspace.label(ids[0], "supported", "ana")  # review row h + 1: the slow transaction's
    fake_workspace.label(ids[1], "supported", "ana")  # review row h + 2: commits first
    engine = fake_workspace.store.engine
    with engine.begin() as conn:
        slow = conn.execute(sa.select(reviews).where(reviews.c.claim_id == ids[0])).one()._asdict()
        conn.execute(reviews.delete().where(reviews.c.id == slow["id"]))
        conn.execute(statements.update().where(statements.c.claim_id == ids[0]).values(verdict=None))
    seen = fake_workspace.review_queue("ben")
    assert ids[0] in seen.ids and ids[1] not in seen.ids and queue.loads == 1
    with engine.begin() as conn:  # the slow transaction commits, below the newest id
        conn.execute(reviews.insert().values(slow))
        conn.execute(statements.update().where(statements.c.claim_id == ids[0]).values(verdict="supported"))
    assert ids[0] in fake_workspace.review_queue("ben").ids  # within recheck_s: the answer as it was
    queue.recheck_s = 0.0
    assert ids[0] not in fake_workspace.review_queue("ben").ids and queue.loads == 2
