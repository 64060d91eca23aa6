"""Export: the verdict CSV, one row per claim with its verdict, note, evidence and top match."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pandas as pd
import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import Verdict
from ui import resources
from ui.formatting import plural

STATUSES = ("reviewed", "all", "supported", "disputed", "unverified", "unreviewed")
STATUS_LABELS = {"reviewed": "Reviewed claims", "all": "All claims", "supported": "Supported",
                 "disputed": "Disputed", "unverified": "Unverified", "unreviewed": "Unreviewed claims"}


# The preview leads with what a reviewer checks; the CSV keeps the core's column order.
PREVIEW_COLUMNS = ("claim_id", "verdict", "text", "speaker", "reviewer", "reviewed_at", "note", "evidence_urls",
                   "top_match_text", "top_match_similarity", "top_match_verdict", "top_match_source",
                   "document_title", "source", "published", "url", "checkworthiness", "model")
COLUMN_LABELS = {
    "claim_id": st.column_config.NumberColumn("Claim", format="%d", width="small"),
    "verdict": st.column_config.TextColumn("Verdict", width="small"),
    "text": st.column_config.TextColumn("Claim text", width="large"),
    "speaker": "Speaker", "reviewer": "Reviewer", "reviewed_at": "Reviewed at", "note": "Note",
    "evidence_urls": "Evidence",
    "top_match_text": st.column_config.TextColumn("Top match", width="large"),
    "top_match_similarity": "Similarity", "top_match_verdict": "Match verdict", "top_match_source": "Match source",
    "document_title": "Document", "source": "Source", "published": "Published", "url": "URL",
    "checkworthiness": "Check-worthiness", "model": "Model",
}


def export_page() -> None:
    st.title("Export")
    st.caption("The verdict CSV: UTF-8, a header row, one row per claim with its verdict, reviewer, note, "
               "evidence links and its closest earlier statement. Verdicts are written as supported, "
               "disputed or unverified.")
    resources.wait_for_model()
    try:
        claims = resources.claims_queue()
        docs = resources.documents()
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    counts = {v: sum(1 for c in claims if c.verdict is v) for v in Verdict}
    reviewed = sum(counts.values())
    cols = st.columns(5)
    cols[0].metric("Claims", len(claims))
    cols[1].metric("Reviewed", reviewed)
    for col, verdict in zip(cols[2:], Verdict):
        col.metric(verdict.label, counts[verdict])

    status_col, doc_col = st.columns(2)
    status = status_col.selectbox("Claims to export", STATUSES, format_func=STATUS_LABELS.__getitem__,
                                  key="export-status")
    labels = {d.id: d.label for d in docs}
    document_id = doc_col.selectbox("Document", [None, *labels], key="export-document",
                                    format_func=lambda i: "All documents" if i is None else labels[i])
    wanted = None if status == "all" else status
    try:
        rows = resources.export_rows(status=wanted, document_id=document_id)
        csv_text = resources.export_csv(status=wanted, document_id=document_id)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return

    st.download_button(
        f"Download verdict CSV ({plural(len(rows), 'claim')})", data=csv_text.encode("utf-8"),
        file_name=f"claimdesk-verdicts-{dt.date.today():%Y%m%d}.csv", mime="text/csv",
        key="export-download", type="primary", icon=":material/download:", on_click="ignore",
        disabled=not rows)
    reviews_json = io.StringIO()
    n_reviews = resources.get_workspace().write_export(rows, reviews_json, "claimreview")
    st.download_button(
        f"Download ClaimReview JSON-LD ({plural(n_reviews, 'reviewed claim')})",
        data=reviews_json.getvalue().encode("utf-8"),
        file_name=f"claimdesk-claimreview-{dt.date.today():%Y%m%d}.json", mime="application/ld+json",
        key="export-claimreview", icon=":material/data_object:", on_click="ignore", disabled=not n_reviews,
        help="schema.org ClaimReview markup of the reviewed claims, for publishing and fact-check aggregators")
    if not rows:
        st.info("No claims match this choice yet." if claims else "No claims yet: ingest an article first.",
                icon=":material/inbox:")
        return
    frame = pd.DataFrame([dataclasses.asdict(r) for r in rows])
    for column in ("verdict", "top_match_verdict"):  # the UI shows verdicts capitalised; the CSV does not
        frame[column] = frame[column].map(lambda v: Verdict(v).label if v else "")
    st.dataframe(frame, hide_index=True, width="stretch", column_order=PREVIEW_COLUMNS, column_config=COLUMN_LABELS)


export_page()
