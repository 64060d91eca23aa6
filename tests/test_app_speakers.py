"""The Speakers page: everything one speaker said, in the workspace and the archive, and their record over time."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from test_app_shell import REVIEWER, open_app, texts, workspace_for

from claims.errors import InvalidValueError
from claims.models import Origin, Verdict

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]
PAGE = "ui/pages/speakers.py"
SPEAKER_BOX = "_w_speaker_page_speaker"  # the selectbox, bound to a value kept across pages (ui.state.bind)


def chart_data(at):
    """Title and plotted DataFrame of the page's one chart."""
    (chart,) = at.get("vega_lite_chart")
    (dataset,) = chart.proto.datasets
    return json.loads(chart.proto.spec)["title"], pa.ipc.open_stream(dataset.data.data).read_pandas()


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


@pytest.fixture
def desk(tmp_path):
    """The demo archive and article; one of Zhao Lijian's claims reviewed (he is in the archive too)."""
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        zhao = [c for c in ws.list_claims() if c.speaker == "Zhao Lijian"]
        ws.label(zhao[0].id, "disputed", REVIEWER)
        archive, total = ws.speaker_statements("Zhao Lijian")
    finally:
        ws.close()
    return zhao, archive, total


def test_the_speaker_page_lists_claims_and_archive_statements(tmp_path, monkeypatch, desk):
    zhao, archive, total = desk
    assert archive and total == len(archive)
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert at.title[0].value == "Speakers"
    box = at.selectbox(key=SPEAKER_BOX)
    assert "Zhao Lijian" in box.options and "Vladimir Putin" in box.options  # claims' and archive's speakers
    assert len(box.options) == len({o.casefold() for o in box.options})
    box.select("Zhao Lijian").run()
    assert not at.exception

    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Claims here": str(len(zhao)), "With a final verdict": "1", "Archive statements": str(total)}
    claims = frame_with(at, "claim_id")
    assert list(claims["claim_id"]) == [c.id for c in zhao]
    assert list(claims["text"]) == [c.text for c in zhao]
    assert list(claims["verdict"]) == ["Disputed"] + ["No verdict"] * (len(zhao) - 1)
    statements = frame_with(at, "statement_id")
    assert list(statements["statement_id"]) == [s.id for s in archive]
    assert list(statements["verdict"]) == [Verdict(s.verdict).label if s.verdict else "No verdict" for s in archive]
    # the reviewed claim is an earlier statement too, but it is listed once: among the claims
    assert zhao[0].text not in set(statements["text"])

    title, plotted = chart_data(at)
    assert title == "Verdicts over time"
    by_where = plotted.groupby("where")["statements"].sum().to_dict()
    assert by_where == {"Claim here": len(zhao), "Archive": total}
    assert "Disputed" in set(plotted[plotted["where"] == "Claim here"]["verdict"])

    # the choice outlives a visit to another page
    at.switch_page("ui/pages/dashboard.py").run()
    at.switch_page(PAGE).run()
    assert at.selectbox(key=SPEAKER_BOX).value == "Zhao Lijian"


def test_a_speaker_known_only_from_the_archive(tmp_path, monkeypatch, desk):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.selectbox(key=SPEAKER_BOX).select("Vladimir Putin").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Claims here"] == "0"
    assert "No claim in the workspace's documents is attributed to this speaker." in texts(at)
    statements = frame_with(at, "statement_id")
    assert len(statements) >= 1
    _, plotted = chart_data(at)
    assert set(plotted["where"]) == {"Archive"}


def test_speaker_statements_ignore_spacing_and_case_and_are_bounded(tmp_path):
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        zhao = next(c for c in ws.list_claims() if c.speaker == "Zhao Lijian")
        ws.label(zhao.id, "supported", REVIEWER)
        exact = ws.speaker_statements("Zhao Lijian")
        assert exact[1] >= 1
        assert ws.speaker_statements("  zhao   LIJIAN ") == exact
        assert all(s.origin == Origin.ARCHIVE and s.speaker == "Zhao Lijian" for s in exact[0])
        assert ws.speaker_statements("Nobody At All") == ([], 0)
        assert ws.speaker_verdict_counts("Nobody At All") == []
        assert sum(n for _, _, n in ws.speaker_verdict_counts("zhao lijian")) == exact[1]
        assert "Zhao Lijian" in ws.statement_speakers()
        one, total = ws.speaker_statements("US officials", limit=1)
        assert len(one) == 1 and total >= 1
        for bad in (0, ws.MAX_SPEAKER_STATEMENTS + 1, True):
            with pytest.raises(InvalidValueError, match="limit must be a whole number from 1 to 1000"):
                ws.speaker_statements("Zhao Lijian", limit=bad)
        with pytest.raises(InvalidValueError, match="the name is empty"):
            ws.speaker_statements("   ")
    finally:
        ws.close()
