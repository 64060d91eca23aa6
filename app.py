"""claimdesk's web UI: ``streamlit run app.py``.

The entry point opens the shared workspace (the database only, so the first page answers at
once) and starts loading the model, the FAISS cache and the bundled demo archive in the
background, signs the user in (a password checked against its Argon2 hash, or the identity
provider of ``st.login`` where one is configured; on a new workspace the first account is an
admin), then hands over to the page chosen in the sidebar. Pages that match or extract wait for the background load
and say so; the others work at once. The pages live in ``ui/pages/`` and only call the core
through ``ui.resources``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts this folder on sys.path; AppTest and other runners may not.
_ROOT = Path(__file__).resolve().parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from claims.errors import ClaimdeskError  # noqa: E402
from ui import resources, state  # noqa: E402
from ui.formatting import STYLE  # noqa: E402

st.set_page_config(page_title="claimdesk", page_icon=":material/fact_check:", layout="wide")

PAGES = [
    st.Page("ui/pages/dashboard.py", title="Dashboard", icon=":material/space_dashboard:", default=True),
    st.Page("ui/pages/ingest.py", title="Ingest", icon=":material/upload_file:"),
    st.Page("ui/pages/review.py", title="Review", icon=":material/fact_check:"),
    st.Page("ui/pages/archive.py", title="Archive", icon=":material/inventory_2:"),
    st.Page("ui/pages/speakers.py", title="Speakers", icon=":material/record_voice_over:"),
    st.Page("ui/pages/export.py", title="Export", icon=":material/download:"),
]


def _oidc_configured() -> bool:
    """Whether an identity provider is set up for ``st.login`` (an ``[auth]`` section in secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001  (no secrets file at all)
        return False


def _sign_in(name: str, password: str) -> None:
    try:
        user, token = resources.get_workspace().sign_in(name, password)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    state.set_signed_in(token, user.name, user.role.value)
    st.rerun()


def sign_in_screen() -> None:
    """The first screen: sign in (or, on a new workspace, create its first admin)."""
    workspace = resources.get_workspace()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("claimdesk")
        st.markdown("Find check-worthy claims in articles, match them against earlier fact-checks, "
                    "and record verdicts.")
        if not workspace.has_users():
            st.info("A new workspace: create its first account, an admin who can add reviewers "
                    "(or from a terminal: `claimdesk users add NAME --role admin`).", icon=":material/person_add:")
            with st.form("first-admin-form"):
                name = st.text_input("Your name", key="first-admin-name", placeholder="e.g. Dana Ortiz")
                password = st.text_input("Password", type="password", key="first-admin-password",
                                         help="At least 8 characters")
                again = st.text_input("Password again", type="password", key="first-admin-again")
                created = st.form_submit_button("Create admin and sign in", type="primary")
            if created:
                if password != again:
                    st.error("The two passwords differ.")
                    return
                try:
                    workspace.add_user(name, "admin", password)
                except ClaimdeskError as exc:
                    resources.show_error(exc)
                    return
                _sign_in(name, password)
            return
        with st.form("sign-in-form"):
            name = st.text_input("Name", key="sign-in-name", placeholder="e.g. Dana Ortiz")
            password = st.text_input("Password", type="password", key="sign-in-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            _sign_in(name, password)
        if _oidc_configured():
            st.button("Sign in with your organisation", key="oidc-sign-in", on_click=st.login,
                      icon=":material/login:")


def signed_in_user():
    """The user this browser session is signed in as, or None (an ended or expired token counts as none)."""
    workspace = resources.get_workspace()
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        user = workspace.sign_in_external(str(st.user.get("name") or st.user.get("email")))
        state.set_signed_in(None, user.name, user.role.value)
        return user
    user = workspace.session_user(state.session_token())
    if user is None:
        state.sign_out()
        return None
    state.set_signed_in(state.session_token(), user.name, user.role.value)
    return user


def _sign_out() -> None:
    resources.get_workspace().sign_out(state.session_token())
    state.sign_out()
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def user_sidebar(user) -> None:
    with st.sidebar:
        with st.popover(f"Signed in as **{user.name}**", icon=":material/person:", width="stretch"):
            st.caption(f"Role: {user.role.value}")
            st.caption("The address in your browser holds your sign-in: to point a colleague at a claim, "
                       "give them its number (#id), not the address.")
            st.button("Sign out", key="sign-out", on_click=_sign_out, icon=":material/logout:")


st.html(STYLE)

try:
    resources.get_workspace()
    resources.warm_up()
except ClaimdeskError as exc:
    st.title("claimdesk")
    resources.show_error(exc)
    st.stop()

try:
    user = signed_in_user()
except ClaimdeskError as exc:
    st.title("claimdesk")
    resources.show_error(exc)
    st.stop()
if user is None:
    st.navigation(PAGES, position="hidden")
    sign_in_screen()
    st.stop()

state.sync_session_param()
page = st.navigation(PAGES)
user_sidebar(user)
page.run()
