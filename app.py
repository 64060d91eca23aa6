"""claimdesk's web UI: ``streamlit run app.py``.

The entry point opens the shared workspace (the database only, so the first page answers at
once) and starts loading the model, the FAISS cache and the bundled demo archive in the
background, asks the reviewer's name once (kept in the URL, so a reload keeps it), then hands
over to the page chosen in the sidebar. Pages that match or extract wait for the background load
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
    st.Page("ui/pages/export.py", title="Export", icon=":material/download:"),
]


def ask_reviewer_name() -> None:
    """The first screen: who is reviewing (every verdict is recorded under this name)."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("claimdesk")
        st.markdown("Find check-worthy claims in articles, match them against earlier fact-checks, "
                    "and record verdicts.")
        with st.form("reviewer-form"):
            name = st.text_input("Your name", key="reviewer-name", placeholder="e.g. Dana Ortiz",
                                 help="Every verdict you record carries this name.")
            started = st.form_submit_button("Start", type="primary")
        if started:
            if name.strip():
                state.set_reviewer(name)
                st.rerun()
            st.error("Enter your name to start: every verdict is recorded under it.")


def reviewer_sidebar(name: str) -> None:
    with st.sidebar:
        with st.popover(f"Reviewing as **{name}**", icon=":material/person:", width="stretch"):
            new_name = st.text_input("Change your name", value=name, key="reviewer-rename")
            if st.button("Save name", key="reviewer-rename-save") and new_name.strip():
                state.set_reviewer(new_name)
                st.rerun()


st.html(STYLE)

try:
    resources.get_workspace()
    resources.warm_up()
except ClaimdeskError as exc:
    st.title("claimdesk")
    resources.show_error(exc)
    st.stop()

reviewer = state.reviewer()
if not reviewer:
    st.navigation(PAGES, position="hidden")
    ask_reviewer_name()
    st.stop()

state.sync_reviewer_param()
page = st.navigation(PAGES)
reviewer_sidebar(reviewer)
page.run()
