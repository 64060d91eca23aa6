"""The Export page: counts, a preview, and the verdict CSV as a download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app_shell import REVIEWER, open_app, workspace_for

from claims.export import EXPORT_COLUMNS

pytestmark = pytest.mark.slow
PAGE = "ui/pages/export.py"


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
    button = at.download_button[0]
    assert button.label == "Download verdict CSV (1 claim)"
    name = f"claimdesk-verdicts-{dt.date.today():%Y%m%d}.csv"
    data, mime = downloads[name]
    assert mime == "text/csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert (row["claim_id"], row["text"], row["verdict"], row["reviewer"]) == (
        str(claims[1].id), claims[1].text, "disputed", REVIEWER)
    assert row["evidence_urls"] == "https://example.org/readout"
    review_button = at.download_button[1]
    assert review_button.label == "Download ClaimReview JSON-LD (1 reviewed claim)"
    data, mime = downloads[f"claimdesk-claimreview-{dt.date.today():%Y%m%d}.json"]
    assert mime == "application/ld+json"
    (review,) = json.loads(data.decode("utf-8"))
    assert (review["@type"], review["claimReviewed"], review["reviewRating"]["alternateName"]) == (
        "ClaimReview", claims[1].text, "Disputed")
    frame = at.dataframe[0].value
    assert list(frame["claim_id"]) == [claims[1].id]
    assert list(frame["verdict"]) == ["Disputed"]  # capitalised on screen, lower case in the file

    at.selectbox(key="export-status").select("all").run()
    assert at.download_button[0].label == f"Download verdict CSV ({len(claims)} claims)"
    assert len(at.dataframe[0].value) == len(claims)


def test_export_with_nothing_reviewed(tmp_path, monkeypatch, downloads):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert at.download_button[0].disabled
    assert "No claims yet" in at.info[0].value
