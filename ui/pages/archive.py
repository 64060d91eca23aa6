"""Archive: the earlier statements claims are matched against. Import, browse, and match a sentence."""

from __future__ import annotations

import math

import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import Origin, Tier, Verdict
from ui import resources
from ui.components import match_card, statement_card

PAGE_SIZE = 20
REVIEW_ORIGIN = Origin.REVIEW  # claims reviewed in claimdesk (see Workspace.label)


def _first_page() -> None:
    st.session_state["archive_page"] = 1


def _turn_page(step: int) -> None:
    st.session_state["archive_page"] = max(1, st.session_state.get("archive_page", 1) + step)


def browse() -> None:
    text_col, verdict_col, origin_col = st.columns([3, 1, 1])
    query = text_col.text_input("Search", placeholder="words in the statement, speaker or source",
                                on_change=_first_page, key="archive-query")
    verdict = verdict_col.selectbox(
        "Verdict", [None, *(v.value for v in Verdict)],
        format_func=lambda v: "Any verdict" if v is None else Verdict(v).label,
        on_change=_first_page, key="archive-verdict")
    origins = [None, REVIEW_ORIGIN, *resources.archive_origins()]
    origin = origin_col.selectbox(
        "Origin", origins, key="archive-origin", on_change=_first_page,
        format_func=lambda o: {None: "Any origin", REVIEW_ORIGIN: "Reviewed in claimdesk"}.get(o, o))
    page = st.session_state.get("archive_page", 1)
    try:
        statements, total = resources.search_archive(query.strip() or None, verdict=verdict, origin=origin,
                                                     limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:  # the archive shrank or the filter changed under us
        st.session_state["archive_page"] = pages
        st.rerun()
    if not total:
        st.info("No earlier statement matches this search." if query or verdict or origin
                else "The archive is empty: import a file of earlier fact-checks.", icon=":material/search_off:")
        return
    first = (page - 1) * PAGE_SIZE + 1
    st.caption(f"Statements {first}–{first + len(statements) - 1} of {total}, newest first")
    for statement in statements:
        statement_card(statement)
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    back.button("Previous page", key="archive-prev", on_click=_turn_page, args=(-1,), disabled=page <= 1,
                icon=":material/chevron_left:", width="stretch")
    where.markdown(f"<div style='text-align:center'>Page {page} of {pages}</div>", unsafe_allow_html=True)
    forward.button("Next page", key="archive-next", on_click=_turn_page, args=(1,), disabled=page >= pages,
                   icon=":material/chevron_right:", icon_position="right", width="stretch")


def import_form() -> None:
    if not resources.wait_for_model(stop=False):
        return
    st.markdown("A CSV or JSONL file of earlier fact-checks: a **text** column is required; speaker, date, "
                "source, url, verdict and rating columns are used when present, and any other column is kept. "
                "Outlets' rating words (True, Mostly False, Pants on Fire, Mixture, Misleading…) are mapped "
                "to claimdesk's three verdicts.")
    with st.form("archive-import-form", clear_on_submit=True):
        upload = st.file_uploader("Archive file", type=["csv", "jsonl", "json", "jsonld"], key="archive-file",
                                  help="CSV or JSONL with a text column, or schema.org ClaimReview JSON-LD")
        mapping = st.text_input(
            "Extra rating → verdict mappings (optional)", key="archive-map",
            placeholder="half true=disputed, satire=unverified",
            help="Comma-separated rating=verdict pairs; verdicts are supported, disputed or unverified. "
                 "They take precedence over the built-in table.")
        submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")
    if not submitted:
        return
    if upload is None:
        st.warning("Choose a file to import first.")
        return
    bar = st.progress(0.0, text=f"Reading {upload.name}…")

    def show(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0,
                     text=f"Importing {upload.name}: {done:,} of {total:,} statements embedded")

    try:
        result = resources.get_workspace().import_statements(upload.getvalue(), upload.name,
                                                             verdict_map=mapping, progress=show)
    except ClaimdeskError as exc:
        bar.empty()
        resources.show_error(exc)
        return
    bar.empty()
    filled = f", {result.updated} given a verdict they lacked" if result.updated else ""
    st.success(f"{result.origin}: {result.added} statements added, {result.skipped} already in the archive{filled}.",
               icon=":material/task_alt:")
    if result.unmapped_ratings:
        st.warning("These ratings have no verdict mapping, so their statements were added without a verdict: "
                   + ", ".join(f"“{r}”" for r in result.unmapped_ratings)
                   + ". Map them above (e.g. `four stars=supported`) and import again to fill them in.",
                   icon=":material/help:")


@st.fragment
def match_sentence() -> None:
    """Match a free sentence against the archive; only this panel reruns while you try sentences."""
    if not resources.wait_for_model(stop=False):
        return
    with st.form("match-form", border=False):
        text = st.text_area("A sentence to check", key="match-text", height=90,
                            placeholder="e.g. Russia has taken half of Ukraine's largest cities.")
        submitted = st.form_submit_button("Find earlier statements", icon=":material/manage_search:")
    if not submitted and not text.strip():
        return
    try:
        found = resources.match_text(text)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    close = [m for m in found if m.tier is not Tier.DISTANT]
    if not close:
        st.info("No close match in the archive.", icon=":material/search_off:")
    for match in found if close else found[:3]:
        match_card(match, text)


st.title("Archive")
st.caption("Earlier statements: imported fact-checks, and every claim reviewed here. A new claim is matched "
           "against all of them.")
browse_tab, match_tab, import_tab = st.tabs(["Browse", "Match a sentence", "Import"])
with browse_tab:
    browse()
with match_tab:
    match_sentence()
with import_tab:
    import_form()
