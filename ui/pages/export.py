"""Export: the chosen claims as the verdict CSV, JSON Lines or ClaimReview JSON-LD.

The filters are those of ``claimdesk export`` (status, document, final verdict, reviewer, since),
and the file is written by the same core code, so the page and the CLI give the same bytes. The
preview shows the first claims' status and every reviewer's verdict; the file holds all of them. A download is recorded in each
written claim's audit trail (who, when, which format) by the button's callback: drawing the page
records nothing. Under the preview, the latest exports: who handed out which file, when.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from claims.errors import ClaimdeskError
from claims.export import ExportRow
from claims.models import Verdict
from ui import resources, state
from ui.formatting import plural

STATUSES = ("reviewed", "all", "supported", "disputed", "unverified", "unreviewed", "pending", "disagreement",
            "agreed", "adjudicated")
STATUS_LABELS = {"reviewed": "Reviewed claims (a final verdict)", "all": "All claims", "supported": "Supported",
                 "disputed": "Disputed", "unverified": "Unverified", "unreviewed": "Unreviewed claims",
                 "pending": "Waiting for more verdicts", "disagreement": "Reviewers disagree",
                 "agreed": "Agreed", "adjudicated": "Adjudicated"}
ANY = ""  # selectboxes read None as "nothing chosen", so "any" is a value of its own

# format: (label, file name stem, extension, MIME type)
FORMATS = {
    "csv": ("CSV", "claimdesk-verdicts", "csv", "text/csv"),
    "jsonl": ("JSON Lines", "claimdesk-verdicts", "jsonl", "application/jsonl"),
    "claimreview": ("ClaimReview JSON-LD", "claimdesk-claimreview", "json", "application/ld+json"),
}
PREVIEW_ROWS = 500  # the file holds every chosen claim; the table on the page the first of them
HISTORY_ROWS = 20  # the latest exports listed under the preview

BUTTON_NAMES = {"csv": "verdict CSV", "jsonl": "JSON Lines", "claimreview": "ClaimReview JSON-LD"}

# The preview leads with what a reviewer checks; the files keep the core's column order.
PREVIEW_COLUMNS = ("claim_id", "verdict", "status", "text", "reviewer_verdicts", "speaker", "reviewer", "reviewed_at",
                   "note", "evidence_urls", "top_match_text", "top_match_similarity", "top_match_verdict",
                   "top_match_source", "document_title", "source", "published", "url", "checkworthiness", "model")
COLUMN_LABELS = {
    "claim_id": st.column_config.NumberColumn("Claim", format="%d", width="small"),
    "verdict": st.column_config.TextColumn("Final verdict", width="small"),
    "status": st.column_config.TextColumn("Status", width="small"),
    "text": st.column_config.TextColumn("Claim text", width="large"),
    "reviewer_verdicts": st.column_config.TextColumn(
        "Reviewers' verdicts", width="medium", help="Each reviewer's standing verdict: who · verdict · when · note"),
    "speaker": "Speaker", "reviewer": "Final by", "reviewed_at": "Final at", "note": "Note",
    "evidence_urls": "Evidence",
    "top_match_text": st.column_config.TextColumn("Top match", width="large"),
    "top_match_similarity": "Similarity", "top_match_verdict": "Match verdict", "top_match_source": "Match source",
    "document_title": "Document", "source": "Source", "published": "Published", "url": "URL",
    "checkworthiness": "Check-worthiness", "model": "Model",
}


def _filters(status: str, document_id: int, verdict: str, reviewer: str, since: dt.date | None) -> dict:
    """The keyword arguments of the export's rows, from the widgets' values ("any" as None)."""
    return {"status": None if status == "all" else status, "document_id": document_id or None,
            "verdict": verdict or None, "reviewer": reviewer or None, "since": since}


def record_download(claim_ids: tuple[int, ...], fmt: str) -> None:
    """The download button's callback: note the export in the audit trail of each claim in the file
    (the claims the file was written from, even if a colleague's verdict changed the choice since)."""
    try:
        resources.get_workspace().record_export(claim_ids, fmt, state.reviewer())
    except ClaimdeskError as exc:
        resources.show_error(exc)


def _preview(rows: list[ExportRow]) -> pd.DataFrame:
    frame = pd.DataFrame([dataclasses.asdict(r) for r in rows])
    for column in ("verdict", "top_match_verdict"):  # the UI shows verdicts capitalised; the files do not
        frame[column] = frame[column].map(lambda v: Verdict(v).label if v else "")
    return frame


def export_page() -> None:
    st.title("Export")
    st.caption("The chosen claims with their final verdict, status, each reviewer's verdict (who, when, why), "
               "evidence links and closest earlier statement. The same filters and files as `claimdesk export`.")
    resources.wait_for_model()
    try:
        tallies = resources.desk_tallies()
        docs = resources.documents()
        users = resources.users()
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    cols = st.columns(5)
    cols[0].metric("Claims", tallies.claims)
    cols[1].metric("Reviewed", tallies.reviewed)
    for col, verdict in zip(cols[2:], Verdict):
        col.metric(verdict.label, tallies.final.get(verdict, 0))

    first, second = st.columns(2)
    status = first.selectbox("Claims to export", STATUSES, format_func=STATUS_LABELS.__getitem__,
                             key="export-status", persist_state="session")
    labels = {d.id: d.label for d in docs}
    document_id = second.selectbox("Document", [0, *labels], key="export-document", persist_state="session",
                                   format_func=lambda i: "All documents" if not i else labels[i])
    verdict_col, reviewer_col, since_col = st.columns(3)
    verdict = verdict_col.selectbox("Final verdict", [ANY, *(v.value for v in Verdict)], key="export-verdict", persist_state="session",
                                    format_func=lambda v: Verdict(v).label if v else "Any verdict")
    reviewer = reviewer_col.selectbox("Reviewer", [ANY, *(u.name for u in users)], key="export-reviewer", persist_state="session",
                                      format_func=lambda name: name or "Anyone",
                                      help="Only claims this user gave a verdict on")
    since = since_col.date_input("Verdict since", value=None, key="export-since", persist_state="session", format="YYYY-MM-DD",
                                 help="Only claims with a verdict on or after this day (UTC)")

    fmt = st.radio("Format", list(FORMATS), format_func=lambda f: FORMATS[f][0], horizontal=True,
                   key="export-format", persist_state="session")
    bom = include_unverified = False
    if fmt == "csv":
        bom = st.checkbox("Excel-friendly (UTF-8 BOM)", key="export-bom", persist_state="session",
                          help="Start the file with a byte-order mark, so Excel reads the text as UTF-8")
    elif fmt == "claimreview":
        include_unverified = st.checkbox("Include unverified", key="export-unverified", persist_state="session",
                                         help="ClaimReview markup is for published checks: supported and disputed "
                                              "claims only, unless you include the unverified ones")

    filters = _filters(status, document_id, verdict, reviewer, since)
    try:
        exported = resources.export_file(fmt, bom=bom, include_unverified=include_unverified, **filters,
                                         viewer=state.reviewer())
        rows = resources.chosen_export_rows(**filters, viewer=state.reviewer(), limit=PREVIEW_ROWS)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    written = len(exported.claim_ids)
    what = plural(written, "reviewed claim" if fmt == "claimreview" else "claim")
    _, stem, extension, mime = FORMATS[fmt]
    st.download_button(
        f"Download {BUTTON_NAMES[fmt]} ({what})", data=exported.text.encode("utf-8"),
        file_name=f"{stem}-{dt.date.today():%Y%m%d}.{extension}", mime=mime, key="export-download",
        type="primary", icon=":material/download:", disabled=not written,
        on_click=record_download, args=(exported.claim_ids, fmt))
    if fmt == "claimreview" and written < exported.chosen:
        kept = "supported, disputed or unverified" if include_unverified else "supported or disputed"
        st.caption(f"ClaimReview leaves out {plural(exported.chosen - written, 'claim')} of this choice: "
                   f"it carries final {kept} verdicts only.")
    if not exported.chosen:
        st.info("No claims match this choice yet." if tallies.claims else "No claims yet: ingest an article first.",
                icon=":material/inbox:")
    else:
        if exported.chosen > len(rows):
            st.caption(f"The preview shows the first {len(rows):,} of the {exported.chosen:,} claims chosen; "
                       "the file holds them all.")
        st.dataframe(_preview(rows), hide_index=True, width="stretch", column_order=PREVIEW_COLUMNS,
                     column_config=COLUMN_LABELS)
    _history()


def _history() -> None:
    """The latest downloads and CLI exports: who handed out which file, when, of how many claims."""
    try:
        history = resources.export_history(HISTORY_ROWS)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    with st.expander(f"Earlier exports ({len(history)}{'+' if len(history) == HISTORY_ROWS else ''})"
                     if history else "Earlier exports (none yet)", icon=":material/history:"):
        if not history:
            st.caption("Each download is recorded here and in the audit trail of every claim in the file.")
            return
        st.dataframe(pd.DataFrame({
            "When (UTC)": [r.at.strftime("%Y-%m-%d %H:%M") for r in history],
            "By": [r.actor for r in history],
            "Format": [FORMATS.get(r.format, (r.format,))[0] for r in history],
            "Claims": [r.claims for r in history],
        }), hide_index=True, width="stretch")
        st.caption(f"The latest {HISTORY_ROWS} at most. Each claim's audit trail on the Review page lists the "
                   "exports that held it.")


export_page()
