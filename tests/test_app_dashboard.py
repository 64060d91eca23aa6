"""The Dashboard page: where the desk stands, per reviewer, in charts, and how far reviewers agree."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from test_app_shell import REVIEWER, open_app, texts, workspace_for

from claims.agreement import Agreement
from ui.formatting import agreement_figure, distinct_speakers, speaker_key

PAGE = "ui/pages/dashboard.py"
def slow(test):
    """A test that runs the app (the real model) on the workspace's database, also in the PostgreSQL pass."""
    return pytest.mark.workspace_db(pytest.mark.slow(test))


def charts(at) -> dict:
    """The page's Altair charts by title, each as the DataFrame it plots."""
    found = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        (dataset,) = chart.proto.datasets
        found[spec["title"]] = pa.ipc.open_stream(dataset.data.data).read_pandas()
    return found


def frame_with(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


@slow
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


@slow
def test_dashboard_of_an_empty_workspace(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Claims"] == "0"
    assert "0 claims waiting for a verdict" in texts(at)
    assert not at.get("vega_lite_chart")  # nothing to chart yet


@slow
def test_dashboard_shows_progress_per_reviewer_charts_and_agreement(tmp_path, monkeypatch):
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        claims = ws.list_claims()
        ws.label(claims[0].id, "supported", "ana")
        ws.label(claims[1].id, "supported", "ana")
        ws.label(claims[2].id, "disputed", "ana")
        ws.label(claims[0].id, "disputed", "ben")
        ws.label(claims[1].id, "supported", "ben")
        expected = ws.agreement()
        final = {c.id: c.verdict for c in ws.list_claims()}
    finally:
        ws.close()
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception

    reviewers = frame_with(at, "reviewer").set_index("reviewer")
    assert reviewers.loc["ana", "verdicts"] == 3 and reviewers.loc["ben", "verdicts"] == 2
    assert reviewers.loc["cai", "verdicts"] == 0  # every user is listed, also before their first verdict
    assert reviewers.loc["cai", "last"] == "—"  # a dash, not the word "None"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", reviewers.loc["ana", "last"])
    assert reviewers.loc["ana", "progress"] == pytest.approx(3 / len(claims))
    assert reviewers.loc["ana", "recent"] == 3 and reviewers.loc["ana", "per_day"] == 3.0
    assert list(reviewers.index[:2]) == ["ana", "ben"]  # most verdicts first

    drawn = charts(at)
    assert set(drawn) == {"Throughput: verdicts per reviewer per day (UTC)", "Final verdicts by document",
                          "Final verdicts by speaker", "Final verdicts per day (day of the final verdict, UTC)"}
    throughput = drawn["Throughput: verdicts per reviewer per day (UTC)"]
    assert dict(zip(throughput["reviewer"], throughput["verdicts"])) == {"ana": 3, "ben": 2}
    by_document = drawn["Final verdicts by document"]
    assert by_document["claims"].sum() == len(claims)
    tally = dict(zip(by_document["verdict"], by_document["claims"]))
    assert tally == {"Supported": 1, "Disputed": 2, "No verdict": len(claims) - 3}  # the final verdicts (N = 1)
    assert sum(1 for v in final.values() if v is not None) == 3
    by_speaker = drawn["Final verdicts by speaker"]
    assert by_speaker["claims"].sum() == len(claims)
    assert "(speaker unknown)" in set(by_speaker["speaker"])
    assert drawn["Final verdicts per day (day of the final verdict, UTC)"]["claims"].sum() == 3

    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Claims compared"], metrics["Reviewers"]) == ("2", "2")
    assert metrics["Cohen's kappa"] == f"{expected.kappa:.2f}"
    assert metrics["Krippendorff's alpha"] == f"{expected.alpha:.2f}"
    assert metrics["Unanimous"] == "50%"
    per_document = frame_with(at, "kappa")
    assert list(per_document["compared"]) == [2]
    assert list(per_document["kappa"]) == [f"{expected.kappa:.2f}"]


@slow
def test_agreement_says_why_it_is_not_available(tmp_path, monkeypatch):
    ws = workspace_for(tmp_path)
    try:
        ws.ingest_demo_article()
        claims = ws.list_claims()
        for reviewer in ("ana", "ben", "cai"):
            ws.label(claims[0].id, "supported", reviewer)
    finally:
        ws.close()
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Claims compared"], metrics["Reviewers"]) == ("1", "3")
    assert metrics["Cohen's kappa"] == "n/a" and metrics["Krippendorff's alpha"] == "n/a"
    shown = texts(at)
    assert "Kappa n/a: Cohen's kappa compares exactly two reviewers; 3 reviewers gave verdicts" in shown
    assert "Alpha n/a: undefined: every verdict given is the same" in shown
    why = frame_with(at, "why")["why"][0]
    assert "kappa: Cohen's kappa compares exactly two reviewers" in why and "alpha: undefined" in why


@slow
def test_dashboard_shows_precision_per_tier_from_same_claim_answers(tmp_path, monkeypatch):
    from claims.models import Tier

    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
        claim = ws.list_claims()[0].id
        answers = [(1, "ana", True, Tier.SAME_CLAIM), (2, "ana", True, Tier.SAME_CLAIM),
                   (3, "ana", False, Tier.SAME_CLAIM), (3, "ben", True, Tier.SAME_CLAIM),
                   (4, "ana", False, Tier.RELATED), (4, "ana", True, Tier.RELATED)]  # ana changed her mind on 4
        with ws.store.transaction() as conn:
            for statement, reviewer, same, tier in answers:
                ws.store.judgements.record(conn, claim_id=claim, statement_id=statement, reviewer=reviewer,
                                           same=same, tier=tier, probability=0.5, cosine=0.6)
    finally:
        ws.close()
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert "Same-claim answers" in [h.value for h in at.subheader]
    table = frame_with(at, "precision").set_index("tier")
    assert list(table.index) == ["Same claim", "Related", "Distant"]
    assert (table.loc["Same claim", "answered"], table.loc["Same claim", "yes"]) == (4, 3)
    assert table.loc["Same claim", "precision"] == "0.75"
    assert (table.loc["Related", "answered"], table.loc["Related", "yes"]) == (1, 1)  # the latest answer counts
    assert table.loc["Distant", "answered"] == 0 and table.loc["Distant", "precision"] == "—"  # not "None"
    shown = texts(at)
    assert "5 answers from 2 reviewers" in shown and "`claimdesk calibrate`" in shown


@slow
def test_dashboard_says_how_to_answer_before_any_answer(tmp_path, monkeypatch):
    ws = workspace_for(tmp_path)
    try:
        ws.ingest_demo_article()
    finally:
        ws.close()
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert "No answers yet. On the Review page every earlier-statement card asks “Same claim?”" in texts(at)
    # before anyone's first verdict, Latest verdict is a dash, not the word "None" (which a table shows
    # for a missing time, typed or not)
    reviewers = frame_with(at, "reviewer")
    assert len(reviewers) >= 3 and (reviewers["verdicts"] == 0).all()
    assert (reviewers["last"] == "—").all()


@pytest.mark.parametrize(("agreement", "measure", "expected"), [
    (Agreement(0, 0, None, None, None), "kappa", ("n/a", "no claim has verdicts from two reviewers yet")),
    (Agreement(0, 1, None, None, None), "alpha", ("n/a", "no claim has verdicts from two reviewers yet")),
    (Agreement(4, 2, 0.4567, 0.41, 0.75), "kappa", ("0.46", None)),
    (Agreement(4, 2, 0.4567, 0.41, 0.75), "alpha", ("0.41", None)),
    (Agreement(4, 2, 0.4567, 0.41, 0.75), "percent", ("75%", None)),
    (Agreement(3, 3, None, -0.2, 0.0), "kappa",
     ("n/a", "Cohen's kappa compares exactly two reviewers; 3 reviewers gave verdicts (see alpha)")),
    (Agreement(3, 2, None, None, 1.0), "kappa",
     ("n/a", "undefined: both reviewers gave one and the same verdict to every claim")),
    (Agreement(3, 2, None, None, 1.0), "alpha",
     ("n/a", "undefined: every verdict given is the same, so no disagreement is expected by chance")),
])
def test_agreement_figure(agreement, measure, expected):
    assert agreement_figure(agreement, measure) == expected


def test_agreement_figure_refuses_an_unknown_measure():
    with pytest.raises(ValueError, match="unknown agreement measure 'tau'"):
        agreement_figure(Agreement(1, 2, 1.0, 1.0, 1.0), "tau")


@pytest.mark.parametrize(("groups", "expected"), [
    ((["Joe Biden", "Zhao Lijian"], ["joe  BIDEN", "Ned Price"]), ["Joe Biden", "Ned Price", "Zhao Lijian"]),
    ((["  ", "b"], ["A"]), ["A", "b"]),
    (([], []), []),
])
def test_distinct_speakers_each_once_spacing_and_case_aside(groups, expected):
    assert distinct_speakers(*groups) == expected
    assert speaker_key(" Joe\tBIDEN ") == speaker_key("joe biden") == "joe biden"
