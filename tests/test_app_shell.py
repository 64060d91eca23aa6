"""The app's shell (app.py): reviewer name, navigation, errors; and the helpers the page tests share.

Every test runs the real app through Streamlit's AppTest against a workspace in tmp_path
(CLAIMDESK_DATA), with the real model. The page tests import :func:`open_app` from here.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
REVIEWER = "Dana Ortiz"

pytestmark = pytest.mark.slow


def use_data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point the app at a workspace in ``folder``, whatever the environment said."""
    monkeypatch.setenv("CLAIMDESK_DATA", str(folder))
    for name in ("CLAIMDESK_DB", "CLAIMDESK_INDEX_DIR", "CLAIMDESK_TOP_K", "CLAIMDESK_SAME_CLAIM",
                 "CLAIMDESK_RELATED", "CLAIMDESK_CLAIM_THRESHOLD", "CLAIMDESK_CONTEXT"):
        monkeypatch.delenv(name, raising=False)


def open_app(monkeypatch: pytest.MonkeyPatch, folder: Path, page: str | None = None, *,
             reviewer: str | None = REVIEWER, claim: int | None = None) -> AppTest:
    """The app, run as a returning reviewer (name in the URL) once its background load (model,
    index, demo archive) is done, then on ``page`` if given."""
    from ui import resources

    use_data_dir(monkeypatch, folder)
    at = AppTest.from_file(str(APP), default_timeout=120)
    if reviewer:
        at.query_params["reviewer"] = reviewer
    if claim is not None:
        at.query_params["claim"] = str(claim)
    at.run()
    assert resources.wait_until_warm(180), "the background load did not finish"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def workspace_for(folder: Path):
    """A fresh core Workspace on the app's folder: to prepare data and to check what the UI saved."""
    from claims.settings import load_settings
    from claims.workspace import Workspace

    return Workspace(load_settings({"data_dir": str(folder)}, environ={}))


def html_blocks(at: AppTest) -> str:
    """The HTML the page drew with st.html (claim cards, statements), as written."""
    return "\n".join(h.value for h in at.get("html"))


def texts(at: AppTest) -> str:
    """Everything the page shows as text (Markdown, HTML blocks as plain text, captions, alerts), joined."""
    parts = [m.value for m in at.markdown] + [html.unescape(re.sub(r"<[^>]+>", "", h.value)) for h in at.get("html")]
    parts += [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [t.value for t in at.title] + [t.value for t in at.subheader]
    return "\n".join(str(p) for p in parts)


# -- tests of app.py ---------------------------------------------------------------------------


def test_first_visit_asks_for_the_reviewer_name(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, reviewer=None)
    assert at.text_input(key="reviewer-name").label == "Your name"
    assert not at.get("progress")

    at.form_submit_button[0].click().run()
    assert "Enter your name" in at.error[0].value

    at.text_input(key="reviewer-name").input("  Dana   Ortiz ")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.query_params["reviewer"] == "Dana Ortiz"
    assert at.session_state["reviewer"] == "Dana Ortiz"
    assert at.title[0].value == "Dashboard"
    assert "Reviewing as **Dana Ortiz**" in at.get("popover")[0].proto.popover.label


def test_name_in_the_url_skips_the_prompt(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path)
    assert not [w for w in at.text_input if w.key == "reviewer-name"]
    assert at.query_params["reviewer"] == REVIEWER


def test_demo_archive_is_loaded_once_on_first_start(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Earlier statements"] == "60"
    at.run()
    ws = workspace_for(tmp_path)
    try:
        assert ws.search_archive(limit=1)[1] == 60
    finally:
        ws.close()


def test_every_page_renders_without_an_exception(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path)
    for page, title in [("ui/pages/ingest.py", "Ingest"), ("ui/pages/review.py", "Review"),
                        ("ui/pages/archive.py", "Archive"), ("ui/pages/export.py", "Export"),
                        ("ui/pages/dashboard.py", "Dashboard")]:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value == title


def test_a_bad_setting_is_an_error_message_not_a_traceback(tmp_path, monkeypatch):
    use_data_dir(monkeypatch, tmp_path)
    monkeypatch.setenv("CLAIMDESK_TOP_K", "many")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["reviewer"] = REVIEWER
    at.run()
    assert not at.exception
    assert at.error[0].value == "setting top_k (CLAIMDESK_TOP_K) must be int, got 'many'"
