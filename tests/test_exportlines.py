"""What an export keeps between exports (claims.store.exportlines): the same file as a workspace that
keeps nothing, at the cost of what changed."""

from __future__ import annotations

import io
import random

import pytest
import sqlalchemy as sa
from conftest import add_test_users
from test_export_columnar import ARCHIVE, _archive
from test_queue import review_step

from claims.store import Store
from claims.store.schema import reviews, statements
from claims.workspace import Workspace

ARTICLE = (
    "Taxes rose {n} percent in 2021, the mayor said. "
    "Unemployment among women fell to 3.{n} percent in March, the lowest level in nineteen years. "
    "The city spent {n}0 million dollars on the new bridge over the river last spring. "
    "Fuel tax went up {n} cents per gallon in 2019, the governor said. "
)
FILTERS = ({}, {"viewer": "ben"}, {"viewer": "admin"}, {"status": "reviewed"}, {"status": "unreviewed"},
           {"verdict": "disputed"}, {"reviewer": "ana"})


def _open(settings, embedder, required: int) -> Workspace:
    store = Store(settings.db_url, reviews_per_claim=required)
    add_test_users(store)
    return Workspace(settings.with_overrides(reviews_per_claim=required), store=store, embedder=embedder)


def _csv(ws: Workspace, **filters) -> str:
    fp = io.StringIO(newline="")
    ws.export_csv(fp) if not filters else ws.export(fp, "csv", **filters)
    return fp.getvalue()


def _same_as_a_fresh_export(ws: Workspace, settings, embedder, required: int) -> None:
    """Every filter: the export of ``ws`` (what it keeps between exports) equals that of a workspace
    opened now on the same database, which keeps nothing yet."""
    got = {i: _csv(ws, **filters) for i, filters in enumerate(FILTERS)}
    fresh = _open(settings, embedder, required)
    try:
        for i, filters in enumerate(FILTERS):
            assert got[i] == _csv(fresh, **filters), filters
    finally:
        fresh.close()


@pytest.mark.parametrize("required", [1, 2])
def test_random_writes_from_two_workspaces_keep_the_export_true(settings, fake_embedder, required):
    ws = _open(settings, fake_embedder, required)
    other = _open(settings, fake_embedder, required)
    ws.store.export_lines.recheck_s = 0.0
    rnd = random.Random(100 + required)
    try:
        ws.import_statements(_archive(ARCHIVE), "archive.jsonl")
        for n in range(2):
            ws.ingest_text(ARTICLE.format(n=n + 1), title=f"doc {n}", speaker="Mayor" if n == 0 else None)
        _same_as_a_fresh_export(ws, settings, fake_embedder, required)
        for step in range(20):
            writer = rnd.choice((ws, other))
            claim = rnd.choice(writer.list_claims())
            roll = rnd.random()
            reviewer = rnd.choice(("ana", "ben", "cai"))
            if review_step(writer, rnd, claim.id, reviewer, roll, notes=(None, "=1+1", "seen")):
                pass
            elif roll < 0.8:
                writer.mark_claim(claim.id, rnd.random() < 0.5, reviewer)
            elif roll < 0.9:
                writer.import_statements(_archive([{"text": f"The bridge cost the city {step}0 million dollars",
                                                    "rating": rnd.choice(("True", "False", "Pants on fire"))}]),
                                         f"more{step}.jsonl")
            else:
                writer.ingest_text(ARTICLE.format(n=step + 3), title=f"late {step}")
            _same_as_a_fresh_export(ws, settings, fake_embedder, required)
        assert ws.store.export_lines.loads == 1  # every change was read from the new rows, never all again
    finally:
        other.close()
        ws.close()


def test_an_export_writes_again_only_the_lines_that_changed(fake_workspace, monkeypatch):
    ws = fake_workspace
    ws.ingest_text(ARTICLE.format(n=1), title="one")
    ws.ingest_text(ARTICLE.format(n=2), title="two")
    claims = ws.list_claims()
    for claim in claims[:3]:
        ws.label(claim.id, "supported", "ana")
    written: list[list[int]] = []
    import claims.workspace as module

    lines = module.verdict_csv_lines

    def counted(records):
        records = list(records)
        written.append([r[0] for r in records])
        return lines(records)

    monkeypatch.setattr(module, "verdict_csv_lines", counted)
    replayed: list[object] = []
    states = ws.store.export_lines.query.review_states
    monkeypatch.setattr(ws.store.export_lines.query, "review_states",
                        lambda ids=None: replayed.append(ids) or states(ids))
    first = _csv(ws)
    assert sorted(written[0]) == sorted(c.id for c in claims) and replayed == [None]
    written.clear()
    replayed.clear()
    assert _csv(ws) == first
    assert written == [] and replayed == []  # nothing changed: every line kept, no review read
    ws.label(claims[5].id, "disputed", "ben", note="new")
    after = _csv(ws)
    assert replayed == [[claims[5].id]]  # the one claim the new row names
    assert claims[5].id in written[0] and len(written[0]) < len(claims)
    assert after != first and '"disputed"' in after


def test_a_verdict_filled_by_an_import_reaches_the_cards(fake_workspace):
    """A statement imported without a verdict and given one by a later import with a fuller verdict
    map: the cards that show it show the verdict (the statements cards show are read again)."""
    ws = fake_workspace
    ws.import_statements(_archive([{"text": "Fuel tax went up 8 cents per gallon in 2019", "rating": "Wobbly"}]),
                         "a.jsonl")
    ws.ingest_text(ARTICLE.format(n=8), title="one")
    before = _csv(ws)
    assert "Fuel tax went up 8 cents per gallon in 2019" in before
    ws.import_statements(_archive([{"text": "Fuel tax went up 8 cents per gallon in 2019", "rating": "Wobbly"},
                                   {"text": "Something else entirely about penguins", "rating": "True"}]),
                         "b.jsonl", verdict_map="wobbly=disputed")
    after = _csv(ws)
    fresh = Workspace(ws.settings, store=Store(ws.settings.db_url), embedder=ws._embedder)
    try:
        assert after == _csv(fresh)
    finally:
        fresh.close()
    line = next(x for x in after.splitlines() if "Fuel tax went up" in x)
    assert '"Fuel tax went up 8 cents per gallon in 2019","' in line and '"disputed"' in line


def test_a_review_row_deleted_by_hand_is_caught_by_the_count(fake_workspace):
    ws = fake_workspace
    ws.ingest_text(ARTICLE.format(n=1), title="one")
    claims = ws.list_claims()
    ws.label(claims[0].id, "disputed", "ana")
    ws.label(claims[1].id, "supported", "ana")
    lines = ws.store.export_lines
    lines.recheck_s = 3600.0
    _csv(ws)
    with ws.store.engine.begin() as conn:
        conn.execute(reviews.delete().where(reviews.c.claim_id == claims[0].id))
        conn.execute(statements.update().where(statements.c.claim_id == claims[0].id).values(verdict=None))
    assert '"disputed"' in _csv(ws)  # within recheck_s: the export as it was
    lines.recheck_s = 0.0
    assert '"disputed"' not in _csv(ws) and lines.loads == 2
    with ws.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(reviews)).scalar_one() == 1
