"""Dashboard: where the desk stands, and where to go next."""

from __future__ import annotations

import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import Verdict
from ui import resources
from ui.formatting import plural, verdict_badge


def dashboard_page() -> None:
    st.title("Dashboard")
    try:
        claims = resources.claims_queue()
        docs = resources.documents()
        _, archive_total = resources.search_archive(limit=1)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    reviewed = [c for c in claims if c.verdict is not None]
    cols = st.columns(4)
    cols[0].metric("Documents", len(docs))
    cols[1].metric("Claims", len(claims))
    cols[2].metric("Reviewed", f"{len(reviewed)} of {len(claims)}")
    cols[3].metric("Earlier statements", archive_total, help="Imported fact-checks and claims reviewed here")
    if claims:
        st.progress(len(reviewed) / len(claims), text=f"{len(reviewed)} of {len(claims)} claims reviewed")
        counts = " ".join(f"{verdict_badge(v)} {sum(1 for c in reviewed if c.verdict is v)}" for v in Verdict)
        st.markdown(counts)

    st.subheader("Next")
    left, mid, right = st.columns(3)
    with left.container(border=True):
        st.markdown("**Add material**  \nPaste an article, upload files, or load the demo article.")
        st.page_link("ui/pages/ingest.py", label="Ingest", icon=":material/upload_file:")
    with mid.container(border=True):
        waiting = len(claims) - len(reviewed)
        st.markdown(f"**Review claims**  \n{plural(waiting, 'claim')} waiting for a verdict.")
        st.page_link("ui/pages/review.py", label="Review", icon=":material/fact_check:")
    with right.container(border=True):
        st.markdown(f"**Export verdicts**  \n{plural(len(reviewed), 'reviewed claim')} ready for the verdict CSV.")
        st.page_link("ui/pages/export.py", label="Export", icon=":material/download:")

    if docs:
        st.subheader("Documents")
        for doc in docs[:10]:
            progress = resources.document_progress(doc.id)
            text, bar = st.columns([3, 2], vertical_alignment="center")
            text.markdown(f"**{doc.title}**  \n:gray[{doc.source or doc.origin} · {doc.n_claims} claims]")
            bar.progress(progress.fraction, text=f"{progress.reviewed} of {progress.total} reviewed")
        if len(docs) > 10:
            st.caption(f"{len(docs) - 10} more on the Ingest page.")


dashboard_page()
