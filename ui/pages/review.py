"""Review: one claim at a time, its context, the closest earlier checks, and a verdict.

A verdict click saves at once, shows a toast and moves on to the next unreviewed claim of the
queue. The current claim's id and the queue's filters sit in the URL (``?claim=…&doc=…``), so a
reload comes back to the same queue and the same claim.
Keyboard: 1 Supported, 2 Disputed, 3 Unverified, S skip, U undo, N not a claim; Y / X answer
"Same claim?" Yes / No on the top earlier-statement card (X, as N already dismisses a claim).

Each earlier-statement card asks "Same claim?" with a Yes and a No button, keyed on the claim's and
the statement's ids and carrying both, so a rerun can never record an answer on another card. The
answer is stored with the tier, P(same claim) and cosine the card showed; the reviewer's current
answer is the highlighted button. The Dashboard shows the answers as precision per tier, and
``claimdesk calibrate`` proposes the "same claim" threshold from them.

The claim on screen moves only when the reviewer moves it (a verdict, Skip, Previous, a filter
they changed). The note, the evidence and the verdict buttons sit in one form keyed on the
claim's id and the buttons carry that id, so a rerun (a box losing focus, another reviewer's
verdict) can neither move the claim under the reviewer's hands nor send a verdict elsewhere.
"""

from __future__ import annotations

import streamlit as st

from claims.errors import ClaimdeskError, NotFoundError
from claims.models import Claim, Match, Tier, Verdict
from ui import resources, state
from ui.components import match_card
from ui.formatting import (
    STATUS_COLORS,
    badge,
    best_same_claim,
    claim_card_html,
    claim_meta,
    describe_audit,
    format_date,
    md_plain,
    percent,
    verdict_badge,
    verdict_label,
)

STATUS_OPTIONS = ("unreviewed", "reviewed", "supported", "disputed", "unverified", "pending", "disagreement",
                  "adjudicated", "all")
STATUS_LABELS = {"unreviewed": "Waiting for my verdict", "reviewed": "With a final verdict", "supported": "Supported",
                 "disputed": "Disputed", "unverified": "Unverified",
                 "pending": "Waiting for more verdicts", "disagreement": "Reviewers disagree",
                 "adjudicated": "Adjudicated", "all": "All claims"}
SAME_CLAIM_KEYS = ("Y", "X")  # Yes / No on the top card; N is taken by "Not a claim"
VERDICT_BUTTONS = ((Verdict.SUPPORTED, "1", ":material/check_circle:"),
                   (Verdict.DISPUTED, "2", ":material/cancel:"),
                   (Verdict.UNVERIFIED, "3", ":material/help:"))
# Selectboxes read None as "nothing chosen", so "all" is a value of its own.
ALL_DOCUMENTS = 0
ANY_SPEAKER = ""
FILTER_DEFAULTS = {"queue_document": ALL_DOCUMENTS, "queue_speaker": ANY_SPEAKER, "queue_status": "unreviewed",
                   "queue_min_score": 0.0}
# The filters as URL parameters: (parameter, type, default).
FILTER_PARAMS = {"queue_document": ("doc", int, ALL_DOCUMENTS), "queue_speaker": ("speaker", str, ANY_SPEAKER),
                 "queue_status": ("status", str, "unreviewed"), "queue_min_score": ("min", float, 0.0)}


def _evidence_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# -- actions (button callbacks: they run before the page is drawn again) ---------------------------


def _on_screen(claim_id: int) -> bool:
    """Whether ``claim_id`` is the claim this session shows now. While the page is being drawn for the
    next claim, the previous claim's buttons (and their shortcuts) are still on screen for a moment;
    a press on one of them carries the previous claim's id. It saves nothing and says so, rather than
    land on a claim the reviewer no longer sees."""
    shown = state.current_claim_id()
    if shown == claim_id:
        return True
    moving_to = f"claim #{shown}" if shown is not None else "the end of the queue"
    st.toast(f"The page was still moving on to {moving_to}: nothing was saved for claim #{claim_id}. "
             "Look at the claim on screen and press again.", icon=":material/block:")
    return False


def record_verdict(claim_id: int, verdict: Verdict, next_id: int | None, extra_note: str | None = None,
                   extra_evidence: tuple[str, ...] = ()) -> None:
    """Save the reviewer's verdict with the note and evidence typed for this claim, then move on."""
    if not _on_screen(claim_id):
        return
    note = (st.session_state.get(f"note-{claim_id}") or "").strip() or extra_note
    evidence = _evidence_lines(st.session_state.get(f"evidence-{claim_id}"))
    evidence += [url for url in extra_evidence if url not in evidence]
    try:
        resources.get_workspace().label(claim_id, verdict, state.reviewer() or "", note=note, evidence=evidence)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    state.set_current_claim(next_id)
    st.toast(f"Saved **{verdict.label}** for claim #{claim_id}", icon=":material/check_circle:")


def apply_earlier_verdict(claim_id: int, match: Match, next_id: int | None) -> None:
    """Record the verdict of a same-claim earlier statement, citing it as the evidence."""
    if not _on_screen(claim_id):
        return
    note, evidence = resources.get_workspace().cite_earlier(match)
    record_verdict(claim_id, match.statement.verdict, next_id, extra_note=note,  # type: ignore[arg-type]
                   extra_evidence=evidence)


def record_same_claim(claim_id: int, statement_id: int, same: bool) -> None:
    """Store this reviewer's "same claim?" answer on the card of ``statement_id`` under ``claim_id``
    (both ids come from the button, never from what is on screen when the callback runs)."""
    if not _on_screen(claim_id):
        return
    try:
        resources.get_workspace().judge_match(claim_id, statement_id, same, state.reviewer() or "")
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    answer = "the same claim" if same else "not the same claim"
    st.toast(f"Noted: earlier statement #{statement_id} is {answer} as claim #{claim_id}",
             icon=":material/thumb_up:" if same else ":material/thumb_down:")


def adjudicate(claim_id: int) -> None:
    """An admin's final verdict with the reason typed in the adjudication form of this claim."""
    if not _on_screen(claim_id):
        return
    verdict = st.session_state.get(f"adjudicate-verdict-{claim_id}")
    reason = st.session_state.get(f"adjudicate-reason-{claim_id}") or ""
    try:
        resources.get_workspace().adjudicate(claim_id, verdict, state.reviewer() or "", reason=reason)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    st.toast(f"Final verdict for claim #{claim_id}: **{Verdict(verdict).label}**", icon=":material/gavel:")


def go_to(claim_id: int | None) -> None:
    state.set_current_claim(claim_id)


def undo_last(current_id: int | None) -> None:
    """Take back this reviewer's verdict: on the claim on screen, else their latest one anywhere.

    The latest one comes from the review log, so Undo still works after a page reload.
    """
    if current_id is not None and not _on_screen(current_id):
        return
    reviewer = state.reviewer() or ""
    workspace = resources.get_workspace()
    try:
        target = workspace.undo_target(reviewer, current_id)
        if target is None:
            st.toast("Nothing to undo: you have no verdict standing.", icon=":material/info:")
            return
        workspace.undo(target, reviewer)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    state.set_current_claim(target)
    st.toast(f"Took back your verdict on claim #{target}", icon=":material/undo:")


def mark_sentence(sentence_id: int, is_claim: bool, go_next: int | None) -> None:
    """Dismiss the claim on screen ("not a claim") or promote another sentence; both teach the detector."""
    if not is_claim and not _on_screen(sentence_id):
        return
    try:
        resources.get_workspace().mark_claim(sentence_id, is_claim, state.reviewer() or "")
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    if is_claim:
        state.set_current_claim(sentence_id)
        st.toast(f"Sentence #{sentence_id} is now a claim in the queue", icon=":material/add_task:")
    else:
        state.set_current_claim(go_next)
        st.toast(f"Dismissed #{sentence_id} as not a claim", icon=":material/remove_done:")


def filters_changed() -> None:
    """The reviewer chose another queue: start it from its first claim."""
    state.set_current_claim(None)


def reset_filters() -> None:
    for name, value in FILTER_DEFAULTS.items():
        state.set_persisted(name, value)
    filters_changed()


# -- the page's parts ------------------------------------------------------------------------------


def queue_filters() -> tuple[int | None, str | None, str, float]:
    """The sidebar's queue filters: document, speaker, status and minimum check-worthiness."""
    docs = resources.documents()
    # Title · source · date · #id: two documents with one title must never look like one option.
    labels = {d.id: d.label for d in docs}
    speakers = resources.speakers()
    state.restore_from_url(FILTER_PARAMS)
    # A document or speaker that is gone (another workspace, a deleted row) falls back to "all".
    if state.persisted("queue_document") not in (ALL_DOCUMENTS, *labels):
        state.set_persisted("queue_document", ALL_DOCUMENTS)
    if state.persisted("queue_speaker") not in (ANY_SPEAKER, *speakers):
        state.set_persisted("queue_speaker", ANY_SPEAKER)
    if state.persisted("queue_status") not in STATUS_OPTIONS:
        state.set_persisted("queue_status", FILTER_DEFAULTS["queue_status"])
    with st.sidebar:
        st.subheader("Queue")
        document_id = st.selectbox(
            "Document", [ALL_DOCUMENTS, *labels],
            format_func=lambda i: "All documents" if i == ALL_DOCUMENTS else labels[i],
            **state.bind("queue_document", FILTER_DEFAULTS["queue_document"], then=filters_changed))
        speaker = st.selectbox(
            "Speaker", [ANY_SPEAKER, *speakers], format_func=lambda s: s or "Any speaker",
            **state.bind("queue_speaker", FILTER_DEFAULTS["queue_speaker"], then=filters_changed))
        status = st.selectbox("Status", STATUS_OPTIONS, format_func=STATUS_LABELS.__getitem__,
                              **state.bind("queue_status", FILTER_DEFAULTS["queue_status"], then=filters_changed))
        min_score = st.slider("Minimum check-worthiness", 0.0, 1.0, step=0.05,
                              help="How strongly a sentence reads as a checkable claim (0 to 1)",
                              **state.bind("queue_min_score", FILTER_DEFAULTS["queue_min_score"],
                                           then=filters_changed))
        st.button("Reset filters", key="reset-filters", on_click=reset_filters, type="tertiary",
                  icon=":material/filter_alt_off:")
    state.mirror_in_url(FILTER_PARAMS)
    return document_id or None, speaker or None, status, min_score


_DEMO_ERROR = "review_demo_error"


def _load_demo() -> None:
    """The empty queue's "Load demo article", as the button's callback: the page that follows already has
    the claims, with no ``st.rerun()`` that could swallow a click made meanwhile."""
    try:
        with st.spinner("Ingesting the demo article…"):
            resources.get_workspace().ingest_demo_article()
    except ClaimdeskError as exc:
        st.session_state[_DEMO_ERROR] = str(exc)
    else:
        st.session_state[_DEMO_ERROR] = None


def empty_workspace() -> None:
    if failed := st.session_state.get(_DEMO_ERROR):
        st.error(failed, icon=":material/error:")
    st.info("There are no claims to review yet. Ingest an article first, or try the demo article: "
            "its claims have earlier checks in the demo archive.", icon=":material/inbox:")
    left, right = st.columns([1, 3])
    left.button("Load demo article", key="review-load-demo", type="primary", icon=":material/article:",
                on_click=_load_demo)
    right.page_link("ui/pages/ingest.py", label="Go to Ingest", icon=":material/upload_file:")


def my_answers(claim_id: int) -> dict[int, bool]:
    """This reviewer's standing "same claim?" answers on the claim's cards: statement id -> same."""
    reviewer = state.reviewer()
    if not reviewer:
        return {}
    # Through the cached reads (keyed on the store's revision, which every answer changes).
    return {j.statement_id: j.same for j in resources.judgements(claim_id, reviewer)}


def same_claim_buttons(claim_id: int, statement_id: int, answer: bool | None, top: bool) -> None:
    """ "Same claim?" Yes / No for one card, keyed and bound to this claim and this statement; the
    reviewer's current answer is the highlighted button. The top card also answers to Y / X."""
    ask, yes, no = st.columns([3, 1, 1], vertical_alignment="center")
    said = {True: " · you said **yes**", False: " · you said **no**", None: ""}[answer]
    ask.caption(f"Same claim?{said}")
    yes_key, no_key = SAME_CLAIM_KEYS if top else (None, None)
    yes.button("Yes", key=f"same-yes-{claim_id}-{statement_id}", shortcut=yes_key, icon=":material/thumb_up:",
               type="primary" if answer is True else "secondary", width="stretch",
               on_click=record_same_claim, args=(claim_id, statement_id, True),
               help=f"Earlier statement #{statement_id} says the same as claim #{claim_id}")
    no.button("No", key=f"same-no-{claim_id}-{statement_id}", shortcut=no_key, icon=":material/thumb_down:",
              type="primary" if answer is False else "secondary", width="stretch",
              on_click=record_same_claim, args=(claim_id, statement_id, False),
              help=f"Earlier statement #{statement_id} says something other than claim #{claim_id}")


@st.fragment
def earlier_statements(claim_id: int, claim_text: str) -> None:
    """The closest earlier statements, each asking "Same claim?"; "show more" and an answer rerun only
    this panel."""
    head, more_toggle = st.columns([3, 1], vertical_alignment="bottom")
    head.subheader("Earlier statements")
    more = more_toggle.toggle("Show more", key=f"more-matches-{claim_id}")
    top_k = resources.get_workspace().settings.top_k
    try:
        found = resources.matches(claim_id, top_k * 3 if more else None)
        answers = my_answers(claim_id)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    close = [m for m in found if m.tier is not Tier.DISTANT]
    distant = [m for m in found if m.tier is Tier.DISTANT]
    if not close:
        st.info("No close match in the archive: nothing checked before is the same claim or related.",
                icon=":material/search_off:")
    else:
        st.caption("Does a card say the same as the claim? Your Yes / No answers measure the tiers "
                   "(keys Y / X on the top card).")

    def card(match: Match, top: bool = False) -> None:
        sid = match.statement.id
        match_card(match, claim_text, actions=lambda: same_claim_buttons(claim_id, sid, answers.get(sid), top))

    for i, match in enumerate(close):
        card(match, top=i == 0)
    if distant:
        with st.expander(f"Distant statements ({len(distant)})", expanded=False):
            for match in distant:
                card(match)


def verdict_panel(claim: Claim, found: list[Match], next_id: int | None, next_in_queue: int | None,
                  previous_id: int | None) -> None:
    st.subheader("Your verdict")
    suggestion = best_same_claim(found)
    if suggestion is not None:
        verdict = suggestion.statement.verdict
        with st.container(border=True):
            st.markdown(f"Checked before as the same claim ({percent(suggestion.similarity)} similar): "
                        f"{verdict_badge(verdict)}")
            st.button(f"Apply earlier verdict: {verdict_label(verdict)}", key=f"apply-{claim.id}",
                      icon=":material/history:", width="stretch",
                      on_click=apply_earlier_verdict, args=(claim.id, suggestion, next_id),
                      help="Records this verdict with the earlier check as note and evidence")

    # One form per claim: typing and leaving a box reruns nothing, and each button carries the id
    # of the claim this form was drawn for.
    with st.form(f"verdict-form-{claim.id}", border=False, enter_to_submit=False):
        st.text_area("Note", key=f"note-{claim.id}", value=claim.note or "", height=90,
                     placeholder="Why this verdict: what the sources say")
        st.text_area("Evidence links (one per line)", key=f"evidence-{claim.id}",
                     value="\n".join(claim.evidence), height=80, placeholder="https://…")
        for verdict, shortcut, icon in VERDICT_BUTTONS:
            st.form_submit_button(verdict.label, key=f"verdict-{verdict.value}-{claim.id}", shortcut=shortcut,
                                  icon=icon, width="stretch", on_click=record_verdict,
                                  args=(claim.id, verdict, next_id),
                                  help=f"Save “{verdict.label}” for claim #{claim.id} and go to the next "
                                       "unreviewed claim")
    back, skip, undo = st.columns(3)
    back.button("Previous", key=f"previous-{claim.id}", icon=":material/arrow_back:", width="stretch",
                on_click=go_to, args=(previous_id,), disabled=previous_id is None)
    skip.button("Skip", key=f"skip-{claim.id}", shortcut="S", icon=":material/skip_next:", width="stretch",
                on_click=go_to, args=(next_in_queue,), disabled=next_in_queue is None,
                help="Leave this claim for later and show the next one")
    undo.button("Undo", key=f"undo-{claim.id}", shortcut="U", icon=":material/undo:", width="stretch",
                on_click=undo_last, args=(claim.id,), help="Take back your latest verdict")
    st.button("Not a claim", key=f"dismiss-{claim.id}", shortcut="N", icon=":material/remove_done:",
              type="tertiary", on_click=mark_sentence, args=(claim.id, False, next_in_queue),
              help="Take this sentence out of the queue; the detector learns from it")

    if _blind(claim):
        st.caption(":material/visibility_off: Blind review: the other reviewers' verdicts and notes show once "
                   "you have given yours.")
        return
    events = resources.audit_trail(claim.id)
    if events:
        with st.expander(f"Audit trail ({len(events)})", expanded=False):
            for event in reversed(events):
                st.markdown(describe_audit(event))


def _is_claim(sentence_id: int) -> bool:
    """Whether a sentence is a claim (a hint may point at a denial the detector did not flag)."""
    try:
        resources.claim(sentence_id)
    except NotFoundError:
        return False
    return True


def contradiction_hints(claim: Claim) -> None:
    """What says the opposite of this claim, each with a way to the other side."""
    try:
        hints = resources.contradictions(claim.id)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    for i, hint in enumerate(hints):
        is_claim = hint.other_claim_id is not None and _is_claim(hint.other_claim_id)
        with st.container(border=True):
            if is_claim:
                where = f"claim #{hint.other_claim_id}"
            elif hint.other_claim_id is not None:
                where = "a sentence of this document that is not flagged as a claim"
            else:
                where = f"earlier statement #{hint.other_statement_id}"
            st.markdown(f":orange-badge[:material/compare_arrows: Contradiction] {md_plain(hint.reason)} · {where}")
            st.markdown(f"“{md_plain(hint.other_text)}”")
            if is_claim:
                st.button(f"Go to claim #{hint.other_claim_id}", key=f"contradiction-{claim.id}-{i}",
                          type="tertiary", icon=":material/arrow_forward:", on_click=go_to,
                          args=(hint.other_claim_id,))


def _blind(claim: Claim) -> bool:
    """True while this reviewer may not see the others' verdicts (N >= 2, theirs not given yet)."""
    needed = resources.get_workspace().settings.reviews_per_claim
    viewer = state.reviewer() or ""
    return (needed >= 2 and not state.is_admin() and claim.status.value != "adjudicated"
            and all(v.reviewer != viewer for v in claim.reviewer_verdicts))


def adjudication_panel(claim: Claim) -> None:
    """For admins: each reviewer's verdict side by side, and the final verdict with a reason."""
    if not state.is_admin() or not claim.reviewer_verdicts:
        return
    needed = resources.get_workspace().settings.reviews_per_claim
    if needed < 2 and claim.status.value != "adjudicated":
        return
    with st.container(border=True):
        st.markdown(f"**Adjudication** {badge(claim.status.value.capitalize(), STATUS_COLORS[claim.status.value])}")
        for v in claim.reviewer_verdicts:
            line = f"**{md_plain(v.reviewer)}** {verdict_badge(v.verdict)} · {format_date(v.at)}"
            if v.note:
                line += f" — {md_plain(v.note)}"
            st.markdown(line)
        with st.form(f"adjudicate-form-{claim.id}", border=False, enter_to_submit=False):
            st.radio("Final verdict", [v.value for v in Verdict], key=f"adjudicate-verdict-{claim.id}",
                     format_func=lambda value: Verdict(value).label, horizontal=True)
            st.text_input("Reason", key=f"adjudicate-reason-{claim.id}",
                          placeholder="Why this is the verdict the desk publishes")
            st.form_submit_button("Set final verdict", type="primary", icon=":material/gavel:",
                                  on_click=adjudicate, args=(claim.id,))


# Unflagged sentences listed at once: a long transcript has hundreds, and each is drawn on every click.
# (A comment, not a docstring: Streamlit's magic would draw a bare string of a page on the page.)
UNFLAGGED_SHOWN = 30


def unflagged_sentences(document_id: int) -> None:
    """The document's sentences the detector did not flag, each with a button to make it a claim: the
    likeliest misses first (highest check-worthiness), and any other found by its words."""
    others = [row for row in resources.document_sentences(document_id) if not row.is_claim]
    if not others:
        return
    with st.expander(f"Sentences not flagged as claims in this document ({len(others)})"):
        shown = others
        if len(others) > UNFLAGGED_SHOWN:
            words = st.text_input("Find a sentence", key=f"unflagged-find-{document_id}",
                                  placeholder="words it contains…").strip().lower()
            if words:
                shown = [row for row in others if words in row.text.lower()]
            shown = sorted(shown, key=lambda row: -row.checkworthiness)
            st.caption(f"{min(len(shown), UNFLAGGED_SHOWN)} of {len(shown)}"
                       + (f" containing “{md_plain(words)}”" if words else "")
                       + ", highest check-worthiness first")
            shown = shown[:UNFLAGGED_SHOWN]
        for row in shown:
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(f":gray[{row.checkworthiness:.2f}] {row.text}")
            button.button("Promote", key=f"promote-{row.id}", icon=":material/add_task:",
                          on_click=mark_sentence, args=(row.id, True, None),
                          help="Make this sentence a claim; the detector learns from it")


def review_claim(claim: Claim, queue_ids: list[int], unreviewed: set[int], status: str) -> None:
    position = queue_ids.index(claim.id) if claim.id in queue_ids else None
    if position is None:
        # Kept on screen although the queue no longer holds it (another reviewer's verdict, a reload
        # with other filters): the reviewer moves on when they choose to.
        after = list(queue_ids)
        previous_id = None
    else:
        after = queue_ids[position + 1:] + queue_ids[:position]
        previous_id = queue_ids[position - 1] if position > 0 else None
    next_in_queue = after[0] if after else None
    # After a verdict: the next unreviewed claim; when the queue shows reviewed claims, the next one.
    next_id = next((c for c in after if c in unreviewed), None)
    if next_id is None and status != "unreviewed":
        next_id = next_in_queue

    try:
        found = resources.matches(claim.id)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        found = []
    left, right = st.columns([3, 2], gap="large")
    with left:
        if position is None:
            st.info(f"Claim #{claim.id} is not in this queue any more (its status or the filters changed). "
                    "It stays here until you move on.", icon=":material/info:")
            st.caption(f"#{claim.id} · check-worthiness {claim.checkworthiness:.2f}")
        else:
            st.caption(f"Claim {position + 1} of {len(queue_ids)} in this queue · #{claim.id} · "
                       f"check-worthiness {claim.checkworthiness:.2f}")
        st.markdown(claim_meta(claim))
        st.html(claim_card_html(claim))
        if claim.verdict is not None:
            st.markdown(f"Final verdict: {verdict_badge(claim.verdict)} by **{md_plain(claim.reviewer or '')}** · "
                        f"{format_date(claim.reviewed_at)}")
        elif claim.reviewer_verdicts:
            needed = resources.get_workspace().settings.reviews_per_claim
            st.markdown(f"{len(claim.reviewer_verdicts)} of {needed} verdicts · "
                        f"{badge(claim.status.value.capitalize(), STATUS_COLORS[claim.status.value])}")
    # The verdict buttons right after the claim they are for, before the slower parts below it: the
    # previous claim's buttons leave the screen as soon as its text does.
    with right:
        verdict_panel(claim, found, next_id, next_in_queue, previous_id)
    with left:
        adjudication_panel(claim)
        contradiction_hints(claim)
        earlier_statements(claim.id, claim.text)
        unflagged_sentences(claim.document_id)


def queue_done(status: str) -> None:
    if status == "unreviewed":
        st.success("Every claim in this queue has a verdict.", icon=":material/task_alt:")
    else:
        st.info("No claims match these filters.", icon=":material/filter_alt:")
    cols = st.columns([1, 1, 3])
    cols[0].button("Undo last verdict", key="undo-done", shortcut="U", icon=":material/undo:",
                   on_click=undo_last, args=(None,))
    cols[1].button("Reset filters", key="reset-filters-done", on_click=reset_filters,
                   icon=":material/filter_alt_off:")
    cols[2].page_link("ui/pages/export.py", label="Export the verdicts", icon=":material/download:")


def review_page() -> None:
    title, bar = st.columns([1, 3], vertical_alignment="bottom")
    title.title("Review")
    resources.wait_for_model()
    try:
        document_id, speaker, status, min_score = queue_filters()
        viewer = state.reviewer() or ""
        queue = resources.review_queue(viewer, document_id=document_id, speaker=speaker,
                                       min_score=min_score or None, status=status)
    except ClaimdeskError as exc:
        resources.show_error(exc)
        return
    if not queue.total and document_id is None and speaker is None and not min_score:
        empty_workspace()
        return

    bar.progress(queue.progress.fraction, text=f"{queue.reviewed} of {queue.total} claims reviewed")
    queue_ids = list(queue.ids)
    current_id = state.current_claim_id()
    claim = None
    if current_id is not None:
        # The claim on screen stays, in the queue or not, until the reviewer moves on.
        try:
            claim = resources.visible_claim(current_id, viewer)
        except NotFoundError:
            claim = None
        except ClaimdeskError as exc:
            resources.show_error(exc)
            return
    if claim is None and queue_ids:
        try:
            claim = resources.visible_claim(queue_ids[0], viewer)
        except ClaimdeskError as exc:
            resources.show_error(exc)
            return
    state.set_current_claim(claim.id if claim else None)
    if claim is None:
        queue_done(status)
        return
    review_claim(claim, queue_ids, queue.unreviewed, status)


review_page()
