"""The set-based export gives the bytes the object-by-object export gave.

``Workspace.export`` once built a :class:`Claim` per claim (``list_claims``), a :class:`Match` per top card
(``top_matches``) and an :class:`ExportRow` per line; it now reads plain rows (``claims.store.exportquery``)
and writes them straight to CSV. :func:`earlier_export_rows` below is that earlier export, kept here as the
oracle: for each workspace (one, two or three verdicts per claim; blind review; undo, adjudication,
promoted and dismissed claims; hostile cells; claims with and without matches; a stale cache) and each
choice of filters, the new CSV is byte-identical to the old one, and ``export_rows`` equals the old rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re

import pytest
from conftest import add_test_users
from test_export import _csv_as_it_was

from claims.errors import ClaimdeskError, InvalidValueError
from claims.export import EXPORT_COLUMNS, ExportRow, export_jsonl
from claims.models import Claim, Match, ReviewAction, ReviewEvent, Verdict
from claims.review import review_state
from claims.safety import escape_url
from claims.store import Store
from claims.store.exportquery import replay_reviews
from claims.workspace import Workspace

# -- the earlier export, kept as the oracle ----------------------------------------------------------


def _utc(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value is not None else ""


def _earlier_row(claim: Claim, top: Match | None, model: str) -> ExportRow:
    """``claims.export.export_row`` as it was before the set-based export."""
    statement = top.statement if top else None
    reviews = tuple({"reviewer": v.reviewer, "verdict": v.verdict.value, "at": _utc(v.at), "note": v.note or "",
                     "evidence": list(v.evidence)} for v in claim.reviewer_verdicts)
    listing = "\n".join(" · ".join(x for x in (r["reviewer"], r["verdict"], r["at"], r["note"]) if x)
                        for r in reviews)
    return ExportRow(
        claim_id=claim.id, document_id=claim.document_id, text=claim.text, speaker=claim.speaker or "",
        document_title=claim.document_title, source=claim.source or "", url=claim.url or "",
        published=claim.published.isoformat() if claim.published else "",
        checkworthiness=f"{claim.checkworthiness:.3f}", verdict=claim.verdict.value if claim.verdict else "",
        status=claim.status.value, reviewer=claim.reviewer or "", reviewed_at=_utc(claim.reviewed_at),
        note=claim.note or "", evidence_urls=" ".join(escape_url(u) for u in claim.evidence),
        reviewer_verdicts=listing, top_match_text=statement.text if statement else "",
        top_match_similarity=f"{top.similarity:.4f}" if top else "",
        top_match_verdict=statement.verdict.value if statement and statement.verdict else "",
        top_match_source=(statement.source or "") if statement else "", model=model,
        evidence=tuple(claim.evidence), reviews=reviews)


def earlier_export_rows(ws: Workspace, *, status=None, document_id=None, verdict=None, reviewer=None, since=None,
                 viewer=None) -> list[ExportRow]:
    """``Workspace.export_rows`` as it was before the set-based export."""
    claims = ws.list_claims(status=status, document_id=document_id)
    if verdict is not None:
        wanted = Verdict.parse(verdict)
        claims = [c for c in claims if c.verdict is wanted]
    if reviewer is not None:
        name = ws.require_user(reviewer).name
        claims = [c for c in claims if any(v.reviewer == name for v in c.reviewer_verdicts)]
    if since is not None:
        claims = [c for c in claims if any(v.at.date() >= since for v in c.reviewer_verdicts)
                  or (c.reviewed_at is not None and c.reviewed_at.date() >= since)]
    if viewer is not None and ws.settings.reviews_per_claim >= 2:
        user = ws.store.users.by_name(viewer.strip())
        claims = [ws._as_seen_by(c, viewer, is_admin=user is not None and user.is_admin) for c in claims]
    tops = ws.top_matches(claims)
    model = ws._embedder_name()
    return [_earlier_row(c, tops.get(c.id), model) for c in claims]


def earlier_csv(rows: list[ExportRow], *, bom: bool = False) -> str:
    """``claims.export.export_verdicts_csv`` as it was before the set-based export: every cell guarded and
    written by ``csv.writer`` (test_export's oracle, given each row's values in column order)."""
    return _csv_as_it_was([tuple(getattr(row, column) for column in EXPORT_COLUMNS) for row in rows], bom=bom)


# -- workspaces ----------------------------------------------------------------------------------------

HOSTILE_ARTICLE = (
    '=HYPERLINK("http://evil.example") says taxes rose 12 percent in 2021. '
    "Unemployment among women fell to 3.9 percent in March, the lowest level in nineteen years. "
    "The city spent 40 million dollars on the new bridge over the river last spring. "
    '-5 percent of voters, 300 of them, said "no", then left; crime rose 12 percent. '
    "Penguins migrate 4,000 kilometres every year across the ice, scientists said. "
)
SECOND_ARTICLE = (
    "The state raised the fuel tax by 8 cents per gallon in 2019, the governor said. "
    "Wind farms supplied 45 percent of Denmark's power in 2020, the ministry said. "
    "Vaccines were given to 70 percent of adults by June 2021, officials said. "
)
ARCHIVE = [
    {"text": '=HYPERLINK("http://x.example") taxes rose 12 percent in 2021', "rating": "False",
     "source": "-Evil desk"},
    {"text": "Unemployment among women fell to 3.9 percent, lowest in nineteen years", "rating": "True",
     "source": "BLS"},
    {"text": "The bridge cost the city 40 million dollars", "rating": "Mostly false"},
    {"text": "Fuel tax went up 8 cents per gallon in 2019", "rating": "Half true", "source": "@desk"},
]


def _archive(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(r) for r in rows).encode()


def _desk(settings, fake_embedder, required: int) -> Workspace:
    """A workspace needing ``required`` verdicts per claim, with every kind of review history."""
    store = Store(settings.db_url, reviews_per_claim=required)
    add_test_users(store)
    ws = Workspace(settings.with_overrides(reviews_per_claim=required), store=store, embedder=fake_embedder)
    ws.import_statements(_archive(ARCHIVE), "archive.jsonl")
    first = ws.ingest_text(HOSTILE_ARTICLE, title="=cmd|' /C calc'!A0", source="+Desk", speaker="@Mayor",
                           url="https://news.example/a?b=1", published=dt.date(2021, 5, 4)).document
    second = ws.ingest_text(SECOND_ARTICLE, title="Second, with \"quotes\"\nand a line break").document
    c = [x.id for x in ws.list_claims(document_id=first.id)]
    d = [x.id for x in ws.list_claims(document_id=second.id)]
    ws.label(c[0], "disputed", "ana", note="=SUM(A1:A9)", evidence=["https://a.example/1", "https://b.example/x"])
    ws.label(c[1], "supported", "ana", note="checked")
    ws.label(c[1], "supported", "ben", note="-looks right")
    ws.label(c[2], "disputed", "ana")
    ws.undo(c[2], "ana")
    ws.label(c[2], "unverified", "ben", note="@ben: no source")
    ws.label(c[3], "supported", "ana")
    ws.label(c[3], "disputed", "ben")
    ws.label(c[3], "disputed", "cai")
    ws.adjudicate(c[3], "disputed", "admin", reason="+the ministry's own figures")
    ws.label(d[0], "supported", "cai")
    ws.label(d[0], "disputed", "cai")  # a reviewer's second label replaces their first
    ws.label(d[1], "disputed", "ana")
    with ws.store.transaction() as conn:  # cells no form would accept, written to the log directly
        ws.store.reviews.append_review(conn, claim_id=d[1], reviewer="ben", action=ReviewAction.LABEL,
                                       verdict=Verdict.DISPUTED, note="\t=cmd|' /C calc'!A0 " + "x" * 40_000,
                                       evidence=['https://x.example/a b"c', "javascript:alert(1)"])
    penguins = next(s for s in ws.document_sentences(first.id) if not s.is_claim)
    ws.mark_claim(penguins.id, True, "ana")  # promoted: no cached card yet
    ws.label(d[2], "supported", "ana")
    ws.mark_claim(d[2], False, "ana")  # dismissed after its verdict: the log keeps it, the export does not
    return ws


def _filters(ws: Workspace) -> list[dict]:
    docs = [d.id for d in ws.list_documents()]
    today = dt.datetime.now(dt.timezone.utc).date()
    choices = [{}, {"status": "reviewed"}, {"status": "unreviewed"}, {"status": "pending"},
               {"status": "disagreement"}, {"status": "agreed"}, {"status": "adjudicated"}, {"status": "supported"},
               {"status": "disputed"}, {"status": "unverified"}, {"status": " Disputed"}, {"document_id": docs[0]},
               {"document_id": docs[1], "status": "reviewed"}, {"verdict": "disputed"}, {"verdict": "SUPPORTED"},
               {"reviewer": "ana"}, {"reviewer": " ben "}, {"reviewer": "admin"}, {"since": today},
               {"since": today + dt.timedelta(days=1)}, {"since": today - dt.timedelta(days=400)}]
    for viewer in ("ana", "ben", "cai", " cai ", "admin", "Dana Ortiz", "nobody", ""):
        choices.append({"viewer": viewer})
    choices.append({"viewer": "cai", "status": "reviewed", "reviewer": "ana"})
    choices.append({"viewer": "ben", "verdict": "disputed", "since": today})
    return choices


def _new_csv(ws: Workspace, *, bom: bool = False, **filters) -> str:
    fp = io.StringIO(newline="")
    ws.export(fp, "csv", bom=bom, **filters)
    return fp.getvalue()


@pytest.mark.parametrize("required", [1, 2, 3])
def test_the_csv_is_byte_identical_to_the_earlier_exports(settings, fake_embedder, required: int) -> None:
    ws = _desk(settings, fake_embedder, required)
    try:
        for filters in _filters(ws):
            new = _new_csv(ws, **filters)
            old = earlier_export_rows(ws, **filters)
            assert new == earlier_csv(old), filters
            rows = ws.export_rows(**filters)
            assert rows == old, filters
            page = io.StringIO(newline="")
            ws.write_export(rows, page)  # the Export page writes the rows it previews: the same bytes
            assert page.getvalue() == new
        full = _new_csv(ws)
        # the hostile cells are there, neutralised and bounded
        assert "'=HYPERLINK" in full and "characters omitted]" in full
        if required < 3:  # the final note and its evidence, unless the claim still waits for a third verdict
            assert "'\t=cmd" in full and "https://x.example/a%20b%22c javascript:alert(1)" in full
        assert _new_csv(ws, bom=True) == earlier_csv(earlier_export_rows(ws), bom=True)
    finally:
        ws.close()


def test_claims_without_matches_then_with_them_and_a_stale_cache(fake_workspace) -> None:
    ws = fake_workspace
    ws.ingest_text(HOSTILE_ARTICLE, title="First")
    claims = ws.list_claims()
    ranked: list[list[int]] = []
    original = ws._match_claim_texts
    ws._match_claim_texts = lambda ids, *a, **k: ranked.append(list(ids)) or original(ids, *a, **k)
    empty = _new_csv(ws)  # nothing earlier at all: no claim has a top match
    assert empty == earlier_csv(earlier_export_rows(ws)) and ranked == []
    assert not any(r.top_match_text or r.top_match_similarity for r in ws.export_rows())
    ws.label(claims[0].id, "disputed", "ana")
    ws.label(claims[2].id, "supported", "ben")
    assert _new_csv(ws) == earlier_csv(earlier_export_rows(ws))  # the reviewed claims are earlier statements now

    ws.import_statements(_archive(ARCHIVE), "archive.jsonl")
    ranked.clear()
    filled = _new_csv(ws)  # first: the claims the new statements came near are ranked again
    assert ranked
    assert filled != empty and filled == earlier_csv(earlier_export_rows(ws))
    assert all(r.top_match_text for r in ws.export_rows())

    bridge = next(c.id for c in claims if c.text.startswith("The city spent"))
    ws.import_statements(_archive([{"text": "The city spent 40 million dollars on the new bridge over the "
                                            "river last spring", "rating": "True", "source": "City desk"}]),
                         "more.jsonl")
    ranked.clear()
    near = _new_csv(ws)  # first again: it re-ranks the claim the new statement came near
    assert bridge in ranked[0]
    assert near == earlier_csv(earlier_export_rows(ws))
    row = next(r for r in ws.export_rows() if r.claim_id == bridge)
    assert (row.top_match_source, row.top_match_verdict) == ("City desk", "supported")
    ws.store.match_cache.clear()  # every card ranked again, as a deleted cache is
    assert _new_csv(ws) == near
    ranked.clear()
    assert _new_csv(ws) == near and ranked == []  # and then all from the cache


def test_a_hidden_statement_leaves_even_the_distant_cards(fake_workspace) -> None:
    """An undo hides the claim's statement: a claim whose top card it was, however distant, is ranked again."""
    ws = fake_workspace
    ws.ingest_text(SECOND_ARTICLE, title="Second")
    fuel, wind, _ = ws.list_claims()
    ws.label(fuel.id, "disputed", "ana")
    before = {r.claim_id: r for r in ws.export_rows()}
    assert before[wind.id].top_match_text == fuel.text and float(before[wind.id].top_match_similarity) < 0.4
    ws.undo(fuel.id, "ana")
    new = _new_csv(ws)
    assert new == earlier_csv(earlier_export_rows(ws))
    assert all(r.top_match_text == "" for r in ws.export_rows())


def test_since_counts_any_verdict_and_the_adjudication(fake_workspace, monkeypatch) -> None:
    days = iter(range(1000))
    monkeypatch.setattr("claims.store.reviews.utcnow", lambda: dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone.utc)
                        + dt.timedelta(days=next(days)))
    ws = fake_workspace
    ws.ingest_text(SECOND_ARTICLE, title="Second")
    fuel, wind, vaccines = ws.list_claims()
    ws.label(fuel.id, "disputed", "ana")  # 1 March
    ws.label(wind.id, "supported", "ben")  # 2 March
    ws.adjudicate(fuel.id, "supported", "admin", reason="the law")  # 3 March: the only later event of fuel
    ws.label(vaccines.id, "supported", "ana")  # 4 March
    ws.undo(vaccines.id, "ana")  # 5 March: nothing stands
    for day, claims in ((1, [fuel, wind]), (2, [fuel, wind]), (3, [fuel]), (4, []), (6, [])):
        since = dt.date(2026, 3, day)
        assert _new_csv(ws, since=since) == earlier_csv(earlier_export_rows(ws, since=since))
        assert [r.claim_id for r in ws.export_rows(since=since)] == [c.id for c in claims]


def test_the_json_formats_and_the_files_match_the_earlier_rows(settings, fake_embedder, tmp_path) -> None:
    ws = _desk(settings, fake_embedder, 2)
    try:
        for fmt in ("jsonl", "claimreview"):
            old = io.StringIO()
            ws.write_export(earlier_export_rows(ws, viewer="ben"), old, fmt, include_unverified=True)
            new = io.StringIO()
            assert ws.export(new, fmt, include_unverified=True, viewer="ben") == len(
                json.loads(old.getvalue()) if fmt == "claimreview" else old.getvalue().splitlines())
            assert new.getvalue() == old.getvalue()
        out = tmp_path / "verdicts.csv"
        count = ws.export_file(out, "csv", bom=True, status="reviewed")
        assert out.read_bytes() == earlier_csv(earlier_export_rows(ws, status="reviewed"), bom=True).encode()
        assert count == len(earlier_export_rows(ws, status="reviewed")) >= 3
        lines = io.StringIO()
        assert export_jsonl(ws.export_rows(), lines) == len(ws.list_claims())
    finally:
        ws.close()


@pytest.mark.parametrize("filters", [{"status": "maybe"}, {"verdict": "maybe"}, {"reviewer": "nobody"},
                                     {"reviewer": ""}, {"document_id": 0}, {"status": "maybe", "verdict": "no"},
                                     {"verdict": "no", "reviewer": "nobody"}])
def test_a_bad_filter_is_the_same_error(fake_workspace, filters) -> None:
    fake_workspace.ingest_text(SECOND_ARTICLE, title="Second")
    with pytest.raises(ClaimdeskError) as old:
        earlier_export_rows(fake_workspace, **filters)
    with pytest.raises(type(old.value), match=f"^{re.escape(str(old.value))}$"):
        fake_workspace.export(io.StringIO(), "csv", **filters)
    assert fake_workspace.audit_trail(fake_workspace.list_claims()[0].id)[-1].event.value != "exported"


def test_the_export_builds_no_claim_or_match_per_claim(settings, fake_embedder, monkeypatch) -> None:
    ws = _desk(settings, fake_embedder, 1)
    try:
        expected = earlier_csv(earlier_export_rows(ws))

        def refused(*args, **kwargs):
            raise AssertionError("the export went through the object path")

        monkeypatch.setattr(type(ws.store.documents), "list_claims", refused)
        monkeypatch.setattr(Workspace, "top_matches", refused)
        monkeypatch.setattr("claims.export.export_row", refused)
        assert _new_csv(ws) == expected
    finally:
        ws.close()


def test_the_export_is_recorded_for_exactly_the_claims_written(settings, fake_embedder) -> None:
    ws = _desk(settings, fake_embedder, 2)
    try:
        fp = io.StringIO(newline="")
        count = ws.export(fp, "csv", actor=" ana ", status="reviewed")
        written = [int(r["claim_id"]) for r in csv.DictReader(io.StringIO(fp.getvalue(), newline=""))]
        assert count == len(written) >= 2
        events = {c.id: [e for e in ws.audit_trail(c.id) if e.event.value == "exported"] for c in ws.list_claims()}
        assert [cid for cid, found in events.items() if found] == written
        recorded = [event for found in events.values() for event in found]
        assert {(e.reviewer, json.dumps(e.detail), e.at) for e in recorded} == {("ana", '{"format": "csv"}',
                                                                                  recorded[0].at)}
        ws.export(io.StringIO(), "jsonl", document_id=ws.list_documents()[-1].id)  # nobody named: the desk
        first = ws.list_claims(document_id=ws.list_documents()[-1].id)[0]
        assert [(e.reviewer, e.detail) for e in ws.audit_trail(first.id) if e.event.value == "exported"][-1] == (
            "claimdesk", {"format": "jsonl"})
        jsonl, csv_export = ws.export_history()
        assert (jsonl.actor, jsonl.format, jsonl.claims) == ("claimdesk", "jsonl", len(ws.list_claims(
            document_id=ws.list_documents()[-1].id)))
        assert (csv_export.actor, csv_export.format, csv_export.claims) == ("ana", "csv", len(written))
        assert ws.export_history(limit=1) == [jsonl]
        for bad in (0, -1, True, 1.5, "2", 100_001, 2**63):
            with pytest.raises(InvalidValueError, match="limit must be a whole number from 1 to 100,000"):
                ws.export_history(limit=bad)
    finally:
        ws.close()


# -- the review log replayed on tuples ---------------------------------------------------------------


def _random_log(rnd: random.Random, n: int) -> list[ReviewEvent]:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    events = []
    for i in range(1, n + 1):
        action = rnd.choice([ReviewAction.LABEL] * 4 + [ReviewAction.UNDO] * 2 + [ReviewAction.ADJUDICATE])
        verdict = None if action is ReviewAction.UNDO else rnd.choice(list(Verdict))
        events.append(ReviewEvent(id=i * 3, claim_id=1, reviewer=rnd.choice(["ana", "ben", "cai", "admin"]),
                                  action=action, verdict=verdict, note=rnd.choice([None, "", "why"]),
                                  evidence=tuple(rnd.sample(["https://a.example", "https://b.example"],
                                                            rnd.randint(0, 2))),
                                  created_at=start + dt.timedelta(minutes=i)))
    return events


@pytest.mark.parametrize("required", [1, 2, 3])
def test_the_replay_on_tuples_follows_the_review_rules(required: int) -> None:
    rnd = random.Random(required)
    for _ in range(3000):
        events = _random_log(rnd, rnd.randint(0, 9))
        want = review_state(events, required)
        status, current, by_reviewer = replay_reviews(
            [(e.reviewer, e.verdict.value if e.verdict else None, e.created_at, e.note, e.id, e.action.value,
              json.dumps(list(e.evidence))) for e in events], required)
        assert status == want.status.value
        assert [(who, verdict, at, note, tuple(json.loads(evidence)))
                for who, verdict, at, note, _, _, evidence in by_reviewer] == [
            (v.reviewer, v.verdict.value, v.at, v.note, v.evidence) for v in want.by_reviewer]
        if want.current is None:
            assert current is None
        else:
            assert current is not None and (current[4], current[1], current[0], current[2], current[3]) == (
                want.current.event_id, want.current.verdict.value, want.current.reviewer, want.current.at,
                want.current.note)


# -- a fixed expected file ---------------------------------------------------------------------------

GOLDEN_ARTICLE = (
    '=HYPERLINK("http://evil.example") says taxes rose 12 percent in 2021. '
    "The city spent 40 million dollars on the new bridge over the river last spring. "
    '-5 percent of voters, 300 of them, said "no", then left; crime rose 12 percent. '
    "Unemployment among women fell to 3.9 percent in March, the lowest level in nineteen years."
)
_DOC = ("'@Mayor", "'=cmd|' /C calc'!A0", "'+Desk", "https://news.example/a?b=1", "2021-05-04")
_LISTING_1 = ("ana · disputed · 2026-03-01T10:00:00Z · =SUM(A1:A9)\n"
              "ben · disputed · 2026-03-01T10:07:00Z · same")
_LISTING_3 = "ana · supported · 2026-03-01T10:21:00Z\nben · disputed · 2026-03-01T10:28:00Z"
# Every column but check-worthiness and the top match (the scorer's and the matcher's business), as the
# export wrote them before the set-based export (checked against that code when this test was written).
GOLDEN = {
    None: [
        ("1", "1", "'=HYPERLINK(\"http://evil.example\") says taxes rose 12 percent in 2021.", *_DOC, "disputed",
         "agreed", "ben", "2026-03-01T10:07:00Z", "same", "https://c.example/q?a=1&b=2 https://d.example/é",
         _LISTING_1, "hash-embedder"),
        ("2", "1", "The city spent 40 million dollars on the new bridge over the river last spring.", *_DOC, "",
         "pending", "", "", "", "", 'ana · supported · 2026-03-01T10:14:00Z · a, "quoted"\nnote', "hash-embedder"),
        ("3", "1", "'-5 percent of voters, 300 of them, said \"no\", then left; crime rose 12 percent.", *_DOC,
         "unverified", "adjudicated", "admin", "2026-03-01T10:35:00Z", "'-see the memo", "", _LISTING_3,
         "hash-embedder"),
        ("4", "1", "Unemployment among women fell to 3.9 percent in March, the lowest level in nineteen years.",
         *_DOC, "", "unreviewed", "", "", "", "", "", "hash-embedder"),
    ],
}
GOLDEN["cai"] = [  # blind review: cai has given no verdict, so sees only the adjudicated claim's
    row[:8] + ("", "unreviewed", "", "", "", "", "", row[-1]) if row[9] != "adjudicated" else row
    for row in GOLDEN[None]
]


def test_a_fixed_workspace_exports_the_expected_file(settings, fake_embedder, monkeypatch) -> None:
    ticks = iter(range(1000))
    monkeypatch.setattr("claims.store.reviews.utcnow", lambda: dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
                        + dt.timedelta(minutes=7 * next(ticks)))
    store = Store(settings.db_url, reviews_per_claim=2)
    add_test_users(store)
    ws = Workspace(settings.with_overrides(reviews_per_claim=2), store=store, embedder=fake_embedder)
    try:
        ws.import_statements(_archive(ARCHIVE[:1] + ARCHIVE[2:3]), "archive.jsonl")
        ws.ingest_text(GOLDEN_ARTICLE, title="=cmd|' /C calc'!A0", source="+Desk", speaker="@Mayor",
                       url="https://news.example/a?b=1", published=dt.date(2021, 5, 4))
        c = [x.id for x in ws.list_claims()]
        ws.label(c[0], "disputed", "ana", note="=SUM(A1:A9)", evidence=["https://a.example/1", "https://b.example/x"])
        ws.label(c[0], "disputed", "ben", note="same", evidence=["https://c.example/q?a=1&b=2", "https://d.example/é"])
        ws.label(c[1], "supported", "ana", note='a, "quoted"\nnote')
        ws.label(c[2], "supported", "ana")
        ws.label(c[2], "disputed", "ben")
        ws.adjudicate(c[2], "unverified", "admin", reason="-see the memo")
        for viewer, expected in GOLDEN.items():
            raw = _new_csv(ws, viewer=viewer)
            rows = list(csv.reader(io.StringIO(raw, newline="")))
            rewritten = io.StringIO(newline="")
            csv.writer(rewritten, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
            assert raw == rewritten.getvalue()  # every cell quoted, \r\n line ends
            assert tuple(rows[0]) == EXPORT_COLUMNS
            assert [tuple(r[:8] + r[9:16] + r[20:]) for r in rows[1:]] == expected
            for row in rows[1:]:
                assert re.fullmatch(r"[01]\.\d{3}", row[8]) and re.fullmatch(r"-?[01]\.\d{4}", row[17])
                assert row[18] in ("supported", "disputed", "unverified")
                assert not row[16].startswith(("=", "+", "-", "@")) and not row[19].startswith(("=", "+", "-", "@"))
    finally:
        ws.close()


def test_the_export_query_module_pins_its_public_names() -> None:
    import claims.store.exportquery as module

    assert set(module.__all__) == {"ExportQuery", "ReviewRecord", "ReviewReplay", "replay_reviews", "evidence_links",
                                   "STREAM_CHUNK", "REVIEWER", "VERDICT", "AT", "NOTE", "EVENT_ID",
                                   "ACTION", "EVIDENCE", "STATUS", "CURRENT", "BY_REVIEWER"}
    assert all(hasattr(module, name) for name in module.__all__)


def test_export_text_is_the_export_with_the_ids_of_what_it_holds(settings, fake_embedder) -> None:
    """What the Export page hands out: the same bytes as ``export``, the claims in the file, nothing recorded."""
    ws = _desk(settings, fake_embedder, 1)
    try:
        claim = ws.list_claims()[0].id
        trail = len(ws.audit_trail(claim))
        for fmt in ("csv", "jsonl", "claimreview"):
            for unverified in (False, True):
                made = ws.export_text(fmt, include_unverified=unverified, bom=fmt == "csv")
                fp = io.StringIO(newline="")
                count = ws.export(fp, fmt, include_unverified=unverified, bom=fmt == "csv")
                assert made.text == fp.getvalue() and len(made.claim_ids) == count
                rows = ws.export_rows()
                assert made.chosen == len(rows)
                if fmt == "claimreview":
                    wanted = {"supported", "disputed"} | ({"unverified"} if unverified else set())
                    assert made.claim_ids == tuple(r.claim_id for r in rows if r.verdict in wanted)
                    assert 0 < len(made.claim_ids) < len(rows)
                else:
                    assert made.claim_ids == tuple(r.claim_id for r in rows)
        exports = len(ws.audit_trail(claim)) - trail
        ws.export_text("csv")
        assert len(ws.audit_trail(claim)) - trail == exports  # export_text records nothing
        first = ws.export_rows()
        assert ws.export_rows(limit=2) == first[:2] and ws.export_rows(limit=0) == []
    finally:
        ws.close()
