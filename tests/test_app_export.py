"""The Export page: the filters of `claimdesk export`, three formats, a preview, and an audited download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app_shell import REVIEWER, open_app, workspace_for

from claims.export import EXPORT_COLUMNS

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]
PAGE = "ui/pages/export.py"
TODAY = f"{dt.date.today():%Y%m%d}"
CSV_NAME = f"claimdesk-verdicts-{TODAY}.csv"


@pytest.fixture
def downloads(monkeypatch):
    """The files the app hands to download buttons, by file name (AppTest keeps no bytes of its own)."""
    files: dict[str, tuple[bytes, str]] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download and file_name:
            files[file_name] = (path_or_data, mimetype)
        return original(self, path_or_data, mimetype, coordinates, file_name=file_name,
                        is_for_static_download=is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return files


@pytest.fixture
def reviewed(tmp_path):
    """The demo article with three claims reviewed: ana says supported, ben disputed, ben unverified."""
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        claims = ws.list_claims()
        ws.label(claims[0].id, "supported", "ana", note="Matches the readout")
        ws.label(claims[1].id, "disputed", "ben")
        ws.label(claims[2].id, "unverified", "ben")
    finally:
        ws.close()
    return claims


def preview_ids(at) -> list[int]:
    return list(at.dataframe[0].value["claim_id"]) if at.dataframe else []


def exported_events(tmp_path, claim_id: int) -> list:
    ws = workspace_for(tmp_path)
    try:
        return [e for e in ws.audit_trail(claim_id) if e.event.value == "exported"]
    finally:
        ws.close()


def test_export_offers_the_verdict_csv(tmp_path, monkeypatch, downloads):
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        claims = ws.list_claims()
        ws.label(claims[1].id, "disputed", REVIEWER, note="Contradicted by the readout",
                 evidence=["https://example.org/readout"])
    finally:
        ws.close()

    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Claims"], metrics["Reviewed"], metrics["Disputed"]) == (str(len(claims)), "1", "1")
    (button,) = at.download_button
    assert button.label == "Download verdict CSV (1 claim)"
    data, mime = downloads[CSV_NAME]
    assert mime == "text/csv"
    assert not data.startswith(b"\xef\xbb\xbf")  # no byte-order mark unless asked for
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert (row["claim_id"], row["text"], row["verdict"], row["reviewer"]) == (
        str(claims[1].id), claims[1].text, "disputed", REVIEWER)
    assert row["evidence_urls"] == "https://example.org/readout"
    frame = at.dataframe[0].value
    assert list(frame["claim_id"]) == [claims[1].id]
    assert list(frame["verdict"]) == ["Disputed"]  # capitalised on screen, lower case in the file
    assert list(frame["status"]) == ["agreed"]
    assert f"{REVIEWER} · disputed · " in frame["reviewer_verdicts"][0]

    at.radio(key="export-format").set_value("claimreview").run()
    assert at.download_button[0].label == "Download ClaimReview JSON-LD (1 reviewed claim)"
    data, mime = downloads[f"claimdesk-claimreview-{TODAY}.json"]
    assert mime == "application/ld+json"
    (review,) = json.loads(data.decode("utf-8"))
    assert (review["@type"], review["claimReviewed"], review["reviewRating"]["alternateName"]) == (
        "ClaimReview", claims[1].text, "Disputed")

    at.radio(key="export-format").set_value("csv").run()
    at.selectbox(key="export-status").select("all").run()
    assert at.download_button[0].label == f"Download verdict CSV ({len(claims)} claims)"
    assert len(at.dataframe[0].value) == len(claims)


def test_export_filters_change_the_rows(tmp_path, monkeypatch, downloads, reviewed):
    claims = reviewed
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert preview_ids(at) == [c.id for c in claims[:3]]  # reviewed claims by default

    at.selectbox(key="export-reviewer").select("ana").run()
    assert preview_ids(at) == [claims[0].id]
    assert at.download_button[0].label == "Download verdict CSV (1 claim)"
    rows = list(csv.DictReader(io.StringIO(downloads[CSV_NAME][0].decode("utf-8"))))
    assert [int(r["claim_id"]) for r in rows] == [claims[0].id]

    at.selectbox(key="export-reviewer").select("ben").run()
    assert preview_ids(at) == [claims[1].id, claims[2].id]
    at.selectbox(key="export-verdict").select("disputed").run()
    assert preview_ids(at) == [claims[1].id]
    at.selectbox(key="export-verdict").select("").run()
    at.selectbox(key="export-reviewer").select("").run()

    at.date_input(key="export-since").set_value(dt.date.today() + dt.timedelta(days=1)).run()
    assert preview_ids(at) == []
    assert at.info[0].value == "No claims match this choice yet."
    assert at.download_button[0].disabled
    at.date_input(key="export-since").set_value(dt.date.today()).run()
    assert preview_ids(at) == [c.id for c in claims[:3]]

    at.selectbox(key="export-status").select("unreviewed").run()
    assert preview_ids(at) == []  # "since" asks for a verdict on or after the day, which unreviewed claims lack
    at.date_input(key="export-since").set_value(None).run()
    assert preview_ids(at) == [c.id for c in claims[3:]]
    at.selectbox(key="export-status").select("all").run()
    document_id = claims[0].document_id
    at.selectbox(key="export-document").select(document_id).run()
    assert preview_ids(at) == [c.id for c in claims]
    assert not at.exception


def test_export_formats_bom_jsonl_and_claimreview(tmp_path, monkeypatch, downloads, reviewed):
    claims = reviewed
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.checkbox(key="export-bom").check().run()
    data, _ = downloads[CSV_NAME]
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert text.startswith("\ufeff") and text[1:].startswith('"claim_id"')

    at.radio(key="export-format").set_value("jsonl").run()
    assert not at.checkbox  # the BOM is for the CSV only
    assert at.download_button[0].label == "Download JSON Lines (3 claims)"
    data, _ = downloads[f"claimdesk-verdicts-{TODAY}.jsonl"]
    lines = data.decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(lines) == 3 and all(isinstance(r, dict) for r in records)
    assert [r["claim_id"] for r in records] == [c.id for c in claims[:3]]
    assert records[0]["reviewer_verdicts"][0]["reviewer"] == "ana"
    assert records[0]["reviewer_verdicts"][0]["note"] == "Matches the readout"

    at.radio(key="export-format").set_value("claimreview").run()
    assert at.download_button[0].label == "Download ClaimReview JSON-LD (2 reviewed claims)"
    assert any(c.value == "ClaimReview leaves out 1 claim of this choice: it carries final supported or disputed "
               "verdicts only." for c in at.caption)
    at.checkbox(key="export-unverified").check().run()
    assert at.download_button[0].label == "Download ClaimReview JSON-LD (3 reviewed claims)"
    reviews = json.loads(downloads[f"claimdesk-claimreview-{TODAY}.json"][0].decode("utf-8"))
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["Supported", "Disputed", "Unverified"]


def test_a_download_is_recorded_in_the_audit_trail(tmp_path, monkeypatch, downloads, reviewed):
    claims = reviewed
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not exported_events(tmp_path, claims[0].id)  # drawing the page records nothing
    assert [e.label for e in at.expander] == ["Earlier exports (none yet)"]

    at.download_button[0].click().run()
    assert not at.exception
    for claim in claims[:3]:
        (event,) = exported_events(tmp_path, claim.id)
        assert (event.reviewer, event.detail) == (REVIEWER, {"format": "csv"})
    assert not exported_events(tmp_path, claims[3].id)  # not in the file

    at.radio(key="export-format").set_value("claimreview").run()
    at.download_button[0].click().run()
    assert [e.detail["format"] for e in exported_events(tmp_path, claims[0].id)] == ["csv", "claimreview"]
    # the unverified claim is not in the ClaimReview file, so its trail says nothing of it
    assert [e.detail["format"] for e in exported_events(tmp_path, claims[2].id)] == ["csv"]
    # the page lists both downloads, newest first
    assert [e.label for e in at.expander] == ["Earlier exports (2)"]
    history = at.dataframe[1].value
    assert list(zip(history["By"], history["Format"], history["Claims"])) == [
        (REVIEWER, "ClaimReview JSON-LD", 2), (REVIEWER, "CSV", 3)]


def test_export_with_nothing_reviewed(tmp_path, monkeypatch, downloads):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert at.download_button[0].disabled
    assert "No claims yet" in at.info[0].value
