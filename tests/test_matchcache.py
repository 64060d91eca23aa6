"""The match cache behind the export: reused while it holds, recomputed where the archive changed."""

from __future__ import annotations

import io
import json

import pytest

from claims.models import Verdict
from claims.settings import load_settings
from claims.store import Store
from claims.workspace import Workspace

ARTICLE = (
    "Unemployment among women fell to 3.9 percent in March, the lowest level in nineteen years. "
    "The city spent 40 million dollars on the new bridge over the river last spring. "
    "Crime in the downtown district rose by 12 percent during the summer months of 2021."
)


def _archive(*rows: dict) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


@pytest.fixture
def desk(fake_workspace: Workspace) -> Workspace:
    fake_workspace.import_statements(_archive(
        {"text": "Unemployment among women fell to 3.9 percent, lowest in nineteen years", "rating": "True"},
        {"text": "The bridge cost the city 40 million dollars", "rating": "False"},
        {"text": "Vaccines cause autism in children", "rating": "False"},
    ), "archive.jsonl")
    fake_workspace.ingest_text(ARTICLE, title="Report")
    for claim in fake_workspace.list_claims():
        fake_workspace.label(claim.id, "disputed", "ana")
    return fake_workspace


def _spy(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []
    original = ws._match_claim_texts

    def spying(claim_ids, *args, **kwargs):
        calls.append(list(claim_ids))
        return original(claim_ids, *args, **kwargs)

    monkeypatch.setattr(ws, "_match_claim_texts", spying)
    return calls


def _tops(ws: Workspace) -> dict[int, tuple[str, str]]:
    return {int(r.claim_id): (r.top_match_text, r.top_match_similarity) for r in ws.export_rows(status="reviewed")}


def test_a_second_export_reuses_every_match(desk: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _tops(desk)
    assert len(first) == len(desk.list_claims()) >= 2
    calls = _spy(desk, monkeypatch)
    assert _tops(desk) == first
    assert calls == []


def test_ingest_stores_the_cards_the_export_shows(fake_workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_workspace.import_statements(_archive({"text": "The bridge cost the city 40 million dollars"}), "a.jsonl")
    fake_workspace.ingest_text(ARTICLE, title="Report")
    calls = _spy(fake_workspace, monkeypatch)
    rows = fake_workspace.export_rows()
    assert calls == [] and len(rows) == len(fake_workspace.list_claims())
    assert any(r.top_match_text == "The bridge cost the city 40 million dollars" for r in rows)


def test_cached_cards_equal_fresh_ones(desk: Workspace) -> None:
    _tops(desk)
    cached = desk.top_matches(desk.list_claims())
    fresh = desk.match_claims([c.id for c in desk.list_claims()], top_k=1)
    for claim_id, top in cached.items():
        want = fresh[claim_id][0] if fresh[claim_id] else None
        assert (top.statement.id if top else None) == (want.statement.id if want else None)
        assert top.tier == want.tier and top.similarity == pytest.approx(want.similarity)


def test_a_new_statement_rematches_only_the_claims_near_it(desk: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    _tops(desk)
    crime = next(c for c in desk.list_claims() if "Crime" in c.text)
    women = next(c for c in desk.list_claims() if "Unemployment" in c.text)
    calls = _spy(desk, monkeypatch)
    desk.import_statements(_archive({"text": "Crime in the downtown district rose by 12 percent during the summer "
                                             "months of 2021", "rating": "Mostly true"}), "more.jsonl")
    tops = _tops(desk)
    assert len(calls) == 1 and crime.id in calls[0] and women.id not in calls[0]
    assert tops[crime.id][0].startswith("Crime in the downtown district")


def test_an_unrelated_statement_rematches_nothing(desk: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    _tops(desk)
    calls = _spy(desk, monkeypatch)
    desk.import_statements(_archive({"text": "Penguins migrate across Antarctic ice shelves", "rating": "True"}),
                           "penguins.jsonl")
    _tops(desk)
    assert calls == []


def _two_fuel_tax_claims(ws: Workspace, *, undo_first: bool):
    """Two documents repeating one claim, each labelled (the first one's verdict undone if asked)."""
    ws.ingest_text("The state raised the fuel tax by 8 cents per gallon in 2019, the governor said.",
                   title="First")
    first = ws.list_claims()[0]
    ws.label(first.id, "disputed", "ana")
    if undo_first:
        ws.undo(first.id, "ana")
    ws.ingest_text("The state raised the fuel tax by 8 cents per gallon in 2019, officials said.", title="Second")
    second = next(c for c in ws.list_claims() if c.id != first.id)
    ws.label(second.id, "supported", "ben")
    return first, second


def test_an_undo_that_hides_a_top_card_rematches_its_claims(fake_workspace: Workspace,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ws = fake_workspace
    first, second = _two_fuel_tax_claims(ws, undo_first=False)
    assert _tops(ws)[second.id][0].startswith("The state raised the fuel tax")  # the first claim, now a statement
    calls = _spy(ws, monkeypatch)
    ws.undo(first.id, "ana")  # the first claim's statement is hidden again
    tops = _tops(ws)
    assert calls == [[second.id]]
    assert not tops[second.id][0].startswith("The state raised the fuel tax by 8 cents per gallon in 2019, the")


def test_a_relabel_that_shows_a_statement_again_rematches(fake_workspace: Workspace,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ws = fake_workspace
    first, second = _two_fuel_tax_claims(ws, undo_first=True)
    assert _tops(ws)[second.id][0] == ""  # the first claim's statement is hidden: nothing else in the archive
    ws.label(first.id, "disputed", "ana")  # shown again, under the same statement id
    assert _tops(ws)[second.id][0].startswith("The state raised the fuel tax by 8 cents per gallon in 2019, the")


def test_other_match_settings_rematch_everything(desk: Workspace, settings, store: Store, fake_embedder,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _tops(desk)
    changed = load_settings({"db_url": settings.db_url, "index_dir": str(settings.index_dir),
                             "lexical_weight": 0.3}, environ={})
    other = Workspace(changed, store=store, embedder=fake_embedder)
    try:
        calls = _spy(other, monkeypatch)
        _tops(other)
        assert sorted(calls[0]) == sorted(c.id for c in other.list_claims(status="reviewed"))
    finally:
        other.close()


def test_a_deleted_cache_is_rebuilt(desk: Workspace) -> None:
    first = _tops(desk)
    assert desk.store.match_cache.clear() == len(first)
    assert _tops(desk) == first


def _as_embedded_by(settings, embedder):
    """The settings under which a workspace opened without a model names its vectors as ``embedder`` does."""
    return load_settings({"db_url": settings.db_url, "index_dir": str(settings.index_dir),
                          "embed_backend": embedder.backend}, environ={})


@pytest.mark.slow
def test_an_export_with_a_fresh_cache_loads_no_model(settings, store: Store, embedder, seed_text: str) -> None:
    settings = _as_embedded_by(settings, embedder)
    ws = Workspace(settings, store=store, embedder=embedder)
    ws.load_demo_archive()
    ws.ingest_text(seed_text, title="Seed")
    for claim in ws.list_claims()[:4]:
        ws.label(claim.id, "supported", "ana")
    first = [(r.claim_id, r.top_match_text, r.model) for r in ws.export_rows()]
    ws.close()
    again = Workspace(settings, store=store)  # as a new `claimdesk export` process: no model given
    try:
        assert [(r.claim_id, r.top_match_text, r.model) for r in again.export_rows()] == first
        assert again._embedder is None
        assert again.model_name == embedder.name
    finally:
        again.close()


@pytest.mark.slow
def test_verdicts_undo_and_lists_load_no_model(settings, store: Store, embedder, seed_text: str) -> None:
    settings = _as_embedded_by(settings, embedder)
    ws = Workspace(settings, store=store, embedder=embedder)
    ws.load_demo_archive()
    ws.ingest_text(seed_text, title="Seed")
    claim_ids = [c.id for c in ws.list_claims()]
    ws.close()
    cli = Workspace(settings, store=store)  # as `claimdesk label/undo/claims/agreement/status`
    try:
        cli.label(claim_ids[0], "disputed", "ana", note="checked")
        cli.label(claim_ids[1], "supported", "ben")
        cli.undo(claim_ids[1], "ben")
        assert [c.verdict for c in cli.list_claims()][:2] == [Verdict.DISPUTED, None]
        cli.agreement()
        cli.status()
        assert cli._embedder is None and cli._index is None
    finally:
        cli.close()
    later = Workspace(settings, store=store, embedder=embedder)  # the app, opened afterwards, catches up
    try:
        repeated = later.match_text(next(c.text for c in later.list_claims() if c.id == claim_ids[0]), top_k=1)
        assert repeated[0].statement.claim_id == claim_ids[0] and repeated[0].statement.verdict is Verdict.DISPUTED
    finally:
        later.close()


@pytest.mark.slow
def test_an_export_after_a_verdict_re_ranks_without_loading_the_model(settings, store: Store, embedder,
                                                                       seed_text: str) -> None:
    settings = _as_embedded_by(settings, embedder)
    ws = Workspace(settings, store=store, embedder=embedder)
    ws.load_demo_archive()
    first = ws.ingest_text(seed_text, title="Seed").document.id
    ws.ingest_text(seed_text, title="Seed again", allow_duplicate_text=True)
    ws.export_rows()  # every claim's card cached
    claims = ws.list_claims()
    ws.close()
    labelled = next(c for c in claims if c.document_id == first)
    twin = next(c for c in claims if c.document_id != first and c.text == labelled.text)
    cli = Workspace(settings, store=store)  # as `claimdesk label` and then `claimdesk export`, new processes
    try:
        cli.label(labelled.id, "disputed", "ana")
        rows = {r.claim_id: r for r in cli.export_rows()}
        # The twin's card was cached before the verdict: re-ranked, it is now the reviewed claim, from the
        # claim vectors stored in the database, with no model loaded.
        assert rows[twin.id].top_match_text == labelled.text and rows[twin.id].top_match_verdict == "disputed"
        assert cli._embedder is not None and not cli._holds_model()
    finally:
        cli.close()


@pytest.mark.parametrize("ranges", [True, False])
def test_advance_moves_exactly_the_rows_it_is_given(fake_workspace: Workspace, ranges: bool) -> None:
    """By ranges among the rows read or by lists of ids: the same rows advance, and none of the others
    (a claim read but not checked, a sentence that stopped being a claim, a row with later marks)."""
    import sqlalchemy as sa

    from claims.store.schema import claim_matches

    ws = fake_workspace
    ws.ingest_text(ARTICLE + " " + ARTICLE.replace("3.9", "4.1").replace("40", "50").replace("12", "14"), title="R")
    ws.export_csv(io.StringIO())  # every claim gets its cache row
    ids = sorted(c.id for c in ws.list_claims())
    assert len(ids) == 6
    cache = ws.store.match_cache
    with ws.store.engine.begin() as conn:
        conn.execute(claim_matches.update().values(archive_max_id=1, reviews_max_id=1))
        conn.execute(claim_matches.update().where(claim_matches.c.claim_id == ids[5])
                     .values(archive_max_id=90, reviews_max_id=90))  # written since, with later marks
    dismissed = ids[3]
    ws.mark_claim(dismissed, False, "ana")  # keeps its row, no longer a claim
    wanted = [ids[0], ids[1], ids[3], ids[4], ids[5]]  # ids[2]: read, not checked
    cache.advance(wanted, 50, 60, among=ids if ranges else None)
    with ws.store.engine.connect() as conn:
        marks = {r[0]: (r[1], r[2]) for r in conn.execute(
            sa.select(claim_matches.c.claim_id, claim_matches.c.archive_max_id, claim_matches.c.reviews_max_id))}
    assert marks[ids[0]] == marks[ids[1]] == marks[ids[4]] == (50, 60)
    assert marks[ids[2]] == (1, 1) and marks[ids[5]] == (90, 90)
    assert marks[dismissed] == ((1, 1) if ranges else (50, 60))  # a range leaves a non-claim's row alone


def test_an_export_after_a_few_verdicts_looks_at_them_again_instead_of_rewriting_marks(
        desk: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each export after a verdict checks the cards against the changes since their marks; writing every
    row's marks costs more than looking at a few changes again, so marks move only once changes pile up,
    and the file is the same as a workspace's that keeps nothing."""
    ws = desk
    ws.export_csv(io.StringIO())
    advanced: list[int] = []
    original = ws.store.match_cache.advance
    monkeypatch.setattr(ws.store.match_cache, "advance",
                        lambda ids, *a, **k: advanced.append(len(ids)) or original(ids, *a, **k))
    claims = ws.list_claims()
    for verdict in ("supported", "unverified"):
        ws.label(claims[0].id, verdict, "ben")
        mine = io.StringIO()
        ws.export_csv(mine)
        fresh = Workspace(ws.settings, store=Store(ws.settings.db_url), embedder=ws._embedder)
        try:
            again = io.StringIO()
            fresh.export_csv(again)
        finally:
            fresh.close()
        assert mine.getvalue() == again.getvalue()
    assert advanced == []  # two changes: looked at again, no marks written
    monkeypatch.setattr(Workspace, "_ADVANCE_AFTER", 1)
    ws.label(claims[1].id, "supported", "ben")
    ws.export_csv(io.StringIO())
    assert advanced  # enough changes: the marks move
