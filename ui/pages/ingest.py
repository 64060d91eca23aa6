"""Ingest: paste an article or upload files; see what each document added; go review it."""

from __future__ import annotations

import streamlit as st

from claims.errors import ClaimdeskError
from claims.models import IngestResult
from claims.workspace import DOCUMENT_FORMATS
from ui import resources, state
from ui.formatting import md_plain as _md

_LAST = "ingest_summary"  # small dicts of ids and counts of the last ingest, for the summary


def _summary_of(results: list[IngestResult]) -> list[dict]:
    return [{"document_id": r.document.id, "created": r.created, "duplicate": r.duplicate_of is not None,
             "sentences": r.n_sentences, "claims": r.n_claims, "same": r.n_same_claim, "related": r.n_related}
            for r in results]


def _remember(results: list[IngestResult]) -> None:
    # Latest first and once per document: ingesting the same file again moves it to the top.
    fresh = _summary_of(results)
    seen = {item["document_id"] for item in fresh}
    older = [item for item in st.session_state.get(_LAST, []) if item["document_id"] not in seen]
    st.session_state[_LAST] = (fresh[::-1] + older)[:20]


def _review_document(document_id: int) -> None:
    state.set_persisted("queue_document", document_id)
    state.set_persisted("queue_status", "unreviewed")
    state.set_current_claim(None)
    st.switch_page("ui/pages/review.py")


def _optional(text: str) -> str | None:
    return text.strip() or None


_PASTE_DUPLICATE = "paste_duplicate_of"  # id of the document whose text the last paste repeated
_PASTE_ERROR = "paste_duplicate_error"  # the message of a failed "add it as a new document"


def _ingest_pasted(allow_duplicate_text: bool = False) -> ClaimdeskError | None:
    """Ingest the paste form's text with its details (also the "add it anyway" path); the error, if any."""
    ss = st.session_state
    try:
        with st.spinner("Finding claims and matching them against the archive…"):
            result = resources.get_workspace().ingest_text(
                ss.get("paste-text") or "", title=_optional(ss.get("paste-title") or ""),
                source=_optional(ss.get("paste-source") or ""), url=_optional(ss.get("paste-url") or ""),
                published=ss.get("paste-date"), speaker=_optional(ss.get("paste-speaker") or ""),
                allow_duplicate_text=allow_duplicate_text)
    except ClaimdeskError as exc:
        return exc
    ss[_PASTE_DUPLICATE] = result.duplicate_of.id if result.duplicate_of is not None else None
    _remember([result])
    return None


def _add_pasted_again() -> None:
    """The "Add it as a new document" button's callback: the page that follows is drawn with the new
    document already in, so no second ``st.rerun()`` is needed. Such a rerun could swallow a click the reviewer
    made meanwhile (the sidebar's Review link, seen in Chromium)."""
    error = _ingest_pasted(allow_duplicate_text=True)
    st.session_state[_PASTE_ERROR] = str(error) if error is not None else None


def duplicate_notice() -> None:
    """The paste repeated a document's text: say which, offer it, or add the text anyway."""
    document_id = st.session_state.get(_PASTE_DUPLICATE)
    if document_id is None:
        return
    by_id = {d.id: d for d in resources.documents()}
    doc = by_id.get(document_id)
    if doc is None:
        return
    with st.container(border=True):
        if failed := st.session_state.get(_PASTE_ERROR):
            st.error(failed, icon=":material/error:")
        st.warning(f"This text is already in the workspace as **{doc.label}**: nothing was added. "
                   "Review that document, or add the text again as a new document (for another source or "
                   "date).", icon=":material/content_copy:")
        left, right, _ = st.columns([1.3, 1.3, 2])
        if left.button("Review the existing document", key="duplicate-review", type="primary",
                       icon=":material/arrow_forward:"):
            st.session_state[_PASTE_DUPLICATE] = None
            _review_document(document_id)
        right.button("Add it as a new document", key="duplicate-add", icon=":material/add:",
                     on_click=_add_pasted_again)


def paste_form() -> None:
    with st.form("paste-form", clear_on_submit=False):
        text = st.text_area("Article text", height=260, key="paste-text",
                            placeholder="Paste the article, post or transcript here…")
        left, right = st.columns(2)
        title = left.text_input("Title", key="paste-title", help="Default: the first line when it reads as a title")
        source = right.text_input("Source", key="paste-source", placeholder="e.g. Daily Ledger")
        url = left.text_input("URL", key="paste-url", placeholder="https://…")
        published = right.date_input("Published", value=None, key="paste-date", format="YYYY-MM-DD")
        speaker = left.text_input("Speaker", key="paste-speaker",
                                  help="Only when the whole text is one person's words (a post, a speech)")
        submitted = st.form_submit_button("Find claims", type="primary", icon=":material/search:")
    limit = resources.get_workspace().settings.max_document_chars
    st.caption(f"Up to {limit:,} characters per document (about {limit // 6:,} words); split a longer text.")
    if submitted:
        st.session_state[_PASTE_ERROR] = None
        if (error := _ingest_pasted()) is not None:
            resources.show_error(error)
    duplicate_notice()


def upload_form() -> None:
    with st.form("upload-form", clear_on_submit=True):
        files = st.file_uploader(
            "Files", accept_multiple_files=True, key="upload-files",
            type=[f.lstrip(".") for f in DOCUMENT_FORMATS],
            help="One article per .txt/.md/.html file (a .txt of SPEAKER: lines is a transcript); a debate "
                 "transcript per .tsv (line, speaker, sentence); one post per row of a .csv or .jsonl file "
                 "(a text column is required; speaker, date, title, url and source columns are used when present)")
        left, mid, right = st.columns(3)
        source = left.text_input("Source", key="upload-source", help="Used where a row does not name its own")
        url = mid.text_input("URL", key="upload-url")
        published = right.date_input("Published", value=None, key="upload-date", format="YYYY-MM-DD")
        again = st.checkbox("Add a file whose text is already here as a new document", key="upload-again",
                            help="Otherwise such a file adds nothing and its earlier document is listed")
        submitted = st.form_submit_button("Ingest files", type="primary", icon=":material/upload:")
    if not submitted:
        return
    if not files:
        st.warning("Choose at least one file first.")
        return
    workspace = resources.get_workspace()
    for upload in files:
        # Each file is all or nothing; one bad file does not stop the others.
        try:
            with st.spinner(f"Reading {upload.name}…"):
                results = workspace.ingest_file(upload.getvalue(), upload.name, source=_optional(source),
                                                url=_optional(url), published=published,
                                                allow_duplicate_text=again)
        except ClaimdeskError as exc:
            resources.show_error(exc)
        else:
            _remember(results)


def demo_panel() -> None:
    st.markdown("The bundled demo article (Jake Sullivan meets Yang Jiechi in Rome, March 2022) has claims "
                "that the demo archive has checked before: a quick way to see matching and review at work.")
    if st.button("Load demo article", key="load-demo-article", type="primary", icon=":material/article:"):
        try:
            with st.spinner("Ingesting the demo article…"):
                results = resources.get_workspace().ingest_demo_article()
        except ClaimdeskError as exc:
            resources.show_error(exc)
        else:
            _remember(results)


def last_ingest_summary() -> None:
    summary = st.session_state.get(_LAST) or []
    if not summary:
        return
    try:
        by_id = {d.id: d for d in resources.documents()}
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    st.subheader("Just ingested")
    for item in summary[:10]:
        doc = by_id.get(item["document_id"])
        if doc is None:
            continue
        with st.container(border=True):
            head, button = st.columns([4, 1.4], vertical_alignment="center")
            if item.get("duplicate"):
                note = " · :orange-badge[same text as this earlier document: nothing added]"
            else:
                note = "" if item["created"] else " · :gray-badge[already ingested: nothing added twice]"
            head.markdown(f"**{_md(doc.label)}**{note}")
            cols = head.columns(4)
            cols[0].metric("Sentences", item["sentences"])
            cols[1].metric("Claims", item["claims"])
            cols[2].metric("Same-claim matches", item["same"],
                           help="Claims whose closest earlier statement is the same claim")
            cols[3].metric("Related matches", item["related"],
                           help="Claims whose closest earlier statement is related")
            if item["claims"]:
                if button.button("Review this document", key=f"review-new-{doc.id}", type="primary",
                                 icon=":material/arrow_forward:"):
                    _review_document(doc.id)
    st.button("Clear this list", key="clear-ingest-summary", type="tertiary", on_click=_forget_ingests)


def _forget_ingests() -> None:
    st.session_state[_LAST] = []


def document_list() -> None:
    st.subheader("Documents")
    try:
        docs = resources.documents()
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    if not docs:
        st.info("No documents yet: paste a text, upload files, or load the demo article above.")
        return
    query = st.text_input("Filter documents", key="doc-filter", placeholder="title or source contains…")
    if query.strip():
        needle = query.strip().lower()
        docs = [d for d in docs if needle in d.title.lower() or needle in (d.source or "").lower()]
    shown = docs[:25] if not st.toggle("Show all", key="docs-show-all", disabled=len(docs) <= 25) else docs
    for doc in shown:
        progress = resources.document_progress(doc.id)
        with st.container(border=True):
            text, button = st.columns([4, 1.4], vertical_alignment="center")
            details = " · ".join(x for x in [
                doc.kind, doc.source, doc.published.isoformat() if doc.published else None,
                f"{doc.n_sentences} sentences", f"{doc.n_claims} claims",
                f"{progress.reviewed} of {progress.total} reviewed"] if x)
            text.markdown(f"**{_md(doc.title)}** · #{doc.id}")
            text.caption(details)
            if button.button("Review this document", key=f"review-doc-{doc.id}", disabled=doc.n_claims == 0,
                             icon=":material/arrow_forward:"):
                _review_document(doc.id)
    if len(shown) < len(docs):
        st.caption(f"Showing {len(shown)} of {len(docs)} documents.")


st.title("Ingest")
st.caption("Add articles, posts or transcripts. claimdesk splits them into sentences, flags the check-worthy "
           "ones as claims, attributes speakers and matches each claim against the archive of earlier checks.")

resources.wait_for_model()
detector = resources.get_workspace().detector_status()
if not detector.trained:
    st.warning(f"Check-worthiness comes from the heuristic, not the trained detector: {detector.description}",
               icon=":material/warning:")
else:
    st.caption(f"Claims are flagged by the trained check-worthiness detector ({detector.description} "
               "on held-out sentences). Dismiss a false alarm or promote a missed claim on the Review page: "
               "every call is kept for retraining.")

paste_tab, upload_tab, demo_tab = st.tabs(["Paste text", "Upload files", "Demo article"])
with paste_tab:
    paste_form()
with upload_tab:
    upload_form()
with demo_tab:
    demo_panel()

last_ingest_summary()
document_list()
