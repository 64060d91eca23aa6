"""The Dashboard page: where the desk stands."""

from __future__ import annotations

import pytest
from test_app_shell import REVIEWER, open_app, texts, workspace_for

pytestmark = pytest.mark.slow
PAGE = "ui/pages/dashboard.py"


def test_dashboard_counts_documents_claims_and_verdicts(tmp_path, monkeypatch):
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        claims = ws.list_claims()
        ws.label(claims[0].id, "supported", REVIEWER)
    finally:
        ws.close()
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == "1"
    assert metrics["Claims"] == str(len(claims))
    assert metrics["Reviewed"] == f"1 of {len(claims)}"
    assert metrics["Earlier statements"] == "61"  # the demo archive and the reviewed claim
    assert at.get("progress")[0].text == f"1 of {len(claims)} claims reviewed"
    assert ":green-badge[Supported] 1" in texts(at)


def test_dashboard_of_an_empty_workspace(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Claims"] == "0"
    assert "0 claims waiting for a verdict" in texts(at)
