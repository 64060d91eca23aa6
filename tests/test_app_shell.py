"""The app's shell (app.py): sign-in, navigation, errors; and the helpers the page tests share.

Every test runs the real app through Streamlit's AppTest against a workspace in tmp_path
(CLAIMDESK_DATA), with the real model. The page tests import :func:`open_app` from here.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import database_url_for, model_environ

APP = Path(__file__).resolve().parent.parent / "app.py"
REVIEWER = "Dana Ortiz"

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]


def use_data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point the app at a workspace in ``folder``, whatever the environment said."""
    monkeypatch.setenv("CLAIMDESK_DATA", str(folder))
    for name in ("CLAIMDESK_DB", "CLAIMDESK_INDEX_DIR", "CLAIMDESK_TOP_K", "CLAIMDESK_SAME_CLAIM",
                 "CLAIMDESK_RELATED", "CLAIMDESK_CLAIM_THRESHOLD", "CLAIMDESK_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    url = database_url_for(folder)  # the PostgreSQL pass: the folder's workspace lives in a schema
    if url:
        monkeypatch.setenv("CLAIMDESK_DB", url)


def open_app(monkeypatch: pytest.MonkeyPatch, folder: Path, page: str | None = None, *,
             reviewer: str | None = REVIEWER, claim: int | None = None) -> AppTest:
    """The app, run as a signed-in user (``reviewer``, an admin; a live session token in the URL, as
    after a reload) once its background load (model, index, demo archive) is done, then on ``page``."""
    from conftest import TEST_PASSWORD, add_test_users
    from ui import resources

    use_data_dir(monkeypatch, folder)
    # The pause that lets a browser paint its first page before the model load holds the interpreter:
    # AppTest paints nothing, so it would only add 1.5 s to every test.
    monkeypatch.setattr(resources, "WARM_UP_DELAY_S", 0.0)
    at = AppTest.from_file(str(APP), default_timeout=120)
    if reviewer:
        ws = workspace_for(folder)
        try:
            add_test_users(ws.store)
            at.query_params["session"] = ws.sign_in(reviewer, TEST_PASSWORD)[1]
        finally:
            ws.close()
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
    """A fresh core Workspace on the app's folder, with the test users: to prepare data and to check
    what the UI saved."""
    from claims.settings import load_settings
    from claims.workspace import Workspace
    from conftest import add_test_users

    url = database_url_for(folder)
    ws = Workspace(load_settings({"data_dir": str(folder), **({"db_url": url} if url else {})},
                                 environ=model_environ()))
    add_test_users(ws.store)
    return ws


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


def test_a_new_workspace_creates_its_first_admin_then_signs_in(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, reviewer=None)
    assert at.text_input(key="first-admin-name").label == "Your name"
    assert not at.get("progress")
    at.text_input(key="first-admin-name").input("  Dana   Ortiz ")
    at.text_input(key="first-admin-password").input("long enough secret")
    at.text_input(key="first-admin-again").input("another secret!")
    at.form_submit_button[0].click().run()
    assert at.error[0].value == "The two passwords differ."
    at.text_input(key="first-admin-again").input("long enough secret")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.session_state["reviewer"] == "Dana Ortiz" and at.session_state["role"] == "admin"
    assert at.query_params["session"]
    assert at.title[0].value == "Dashboard"
    assert "Signed in as **Dana Ortiz**" in at.get("popover")[0].proto.popover.label


def test_sign_in_refuses_a_wrong_password_and_a_name_in_the_url_signs_nobody_in(tmp_path, monkeypatch):
    from conftest import TEST_PASSWORD, add_test_users

    ws = workspace_for(tmp_path)
    add_test_users(ws.store)
    ws.close()
    at = open_app(monkeypatch, tmp_path, reviewer=None)
    at.query_params["reviewer"] = "Somebody Else"  # the old way in: must not work
    at.run()
    assert at.text_input(key="sign-in-name").label == "Name" and "reviewer" not in at.session_state
    at.text_input(key="sign-in-name").input("ana")
    at.text_input(key="sign-in-password").input("wrong password")
    at.form_submit_button[0].click().run()
    assert at.error[0].value == "wrong name or password"
    at.text_input(key="sign-in-password").input(TEST_PASSWORD)
    at.form_submit_button[0].click().run()
    assert at.session_state["reviewer"] == "ana" and at.title[0].value == "Dashboard"


def test_a_live_session_token_survives_a_reload_and_sign_out_ends_it(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path)
    token = at.query_params["session"]
    assert at.session_state["reviewer"] == REVIEWER
    at.button(key="sign-out").click().run()
    assert "reviewer" not in at.session_state and at.text_input(key="sign-in-name")
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.query_params["session"] = token  # the old link, as a bookmark or a reload would bring it
    again.run()
    assert "reviewer" not in again.session_state and again.text_input(key="sign-in-name")


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
    at.run()
    assert not at.exception
    assert at.error[0].value == "setting top_k (CLAIMDESK_TOP_K) must be int, got 'many'"
