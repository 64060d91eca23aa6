"""The Review page: the claim in context, its earlier statements, verdicts that save at once."""

from __future__ import annotations

import html

import pytest
from test_app_shell import REVIEWER, html_blocks, open_app, texts, workspace_for

from claims.models import Verdict

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]
PAGE = "ui/pages/review.py"


@pytest.fixture
def demo_folder(tmp_path):
    """A workspace folder holding the demo archive and the demo article, prepared through the core."""
    ws = workspace_for(tmp_path)
    try:
        ws.load_demo_archive()
        ws.ingest_demo_article()
    finally:
        ws.close()
    return tmp_path


def claim_ids(folder) -> list[int]:
    ws = workspace_for(folder)
    try:
        return [c.id for c in ws.list_claims()]
    finally:
        ws.close()


def stored_claim(folder, claim_id):
    ws = workspace_for(folder)
    try:
        return ws.get_claim(claim_id)
    finally:
        ws.close()


def current_claim(at) -> int:
    return int(at.query_params["claim"])


def test_review_page_shows_the_first_claim_with_context_and_matches(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    ids = claim_ids(demo_folder)
    assert current_claim(at) == ids[0]
    assert at.get("progress")[0].text == f"0 of {len(ids)} claims reviewed"
    shown = texts(at)
    first = stored_claim(demo_folder, ids[0])
    assert first.text in shown
    assert f'<mark class="cd-here">{html.escape(first.text)}</mark>' in html_blocks(at)  # highlighted in context
    assert "Earlier statements" in shown
    assert "% similar" in shown
    assert {b.key for b in at.button} >= {f"verdict-{v.value}-{ids[0]}" for v in Verdict}


def test_clicking_a_verdict_saves_it_and_shows_the_next_claim(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    ids = claim_ids(demo_folder)
    first = current_claim(at)
    at.text_area(key=f"note-{first}").input("The official readout says otherwise.")
    at.text_area(key=f"evidence-{first}").input("https://example.org/readout\n\nhttps://example.org/transcript")
    at.button(key=f"verdict-disputed-{first}").click().run()

    assert not at.exception
    assert not at.error
    assert current_claim(at) == ids[1]
    assert at.get("progress")[0].text == f"1 of {len(ids)} claims reviewed"
    assert any("Saved **Disputed**" in t.value for t in at.toast)
    saved = stored_claim(demo_folder, first)
    assert saved.verdict is Verdict.DISPUTED
    assert saved.reviewer == REVIEWER
    assert saved.note == "The official readout says otherwise."
    assert saved.evidence == ("https://example.org/readout", "https://example.org/transcript")


def test_a_reload_returns_to_the_claim_in_the_url(demo_folder, monkeypatch):
    ids = claim_ids(demo_folder)
    at = open_app(monkeypatch, demo_folder, PAGE, claim=ids[3])
    assert current_claim(at) == ids[3]
    assert stored_claim(demo_folder, ids[3]).text in texts(at)


def test_skip_moves_on_without_saving_and_undo_takes_a_verdict_back(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    ids = claim_ids(demo_folder)
    at.button(key=f"skip-{ids[0]}").click().run()
    assert current_claim(at) == ids[1]
    assert stored_claim(demo_folder, ids[0]).verdict is None

    at.button(key=f"verdict-supported-{ids[1]}").click().run()
    assert current_claim(at) == ids[2]
    assert stored_claim(demo_folder, ids[1]).verdict is Verdict.SUPPORTED

    at.button(key=f"undo-{ids[2]}").click().run()  # nothing on this claim: undoes the last verdict
    assert not at.exception
    assert current_claim(at) == ids[1]
    assert stored_claim(demo_folder, ids[1]).verdict is None
    assert any("Took back your verdict" in t.value for t in at.toast)
    ws = workspace_for(demo_folder)
    try:
        assert [e.action for e in ws.history(ids[1])] == ["label", "undo"]  # the log keeps both
    finally:
        ws.close()


def test_undo_after_a_reload_takes_back_the_latest_verdict(demo_folder, monkeypatch):
    ids = claim_ids(demo_folder)
    at = open_app(monkeypatch, demo_folder, PAGE)
    at.button(key=f"verdict-unverified-{ids[0]}").click().run()
    assert stored_claim(demo_folder, ids[0]).verdict is Verdict.UNVERIFIED

    reloaded = open_app(monkeypatch, demo_folder, PAGE, claim=ids[4])  # a new session, another claim
    reloaded.button(key=f"undo-{ids[4]}").click().run()
    assert not reloaded.exception
    assert stored_claim(demo_folder, ids[0]).verdict is None
    assert current_claim(reloaded) == ids[0]


def test_a_same_claim_match_offers_its_verdict(demo_folder, monkeypatch):
    # "Russia has not captured any of Ukraine's 10 largest cities…" was checked before as supported.
    ws = workspace_for(demo_folder)
    try:
        target = next(c for c in ws.list_claims() if "10 largest cities" in c.text)
    finally:
        ws.close()
    at = open_app(monkeypatch, demo_folder, PAGE, claim=target.id)
    apply = at.button(key=f"apply-{target.id}")
    assert apply.label == "Apply earlier verdict: Supported"
    shown = texts(at)
    assert "Same claim" in shown
    # The false variant ("captured five of … ten largest cities") has its differences marked.
    assert '<mark class="cd-diff">five</mark>' in html_blocks(at)
    assert "Differs: only the claim says " in shown and "**not**" in shown

    apply.click().run()
    saved = stored_claim(demo_folder, target.id)
    assert saved.verdict is Verdict.SUPPORTED
    assert saved.note.startswith("Same claim as an earlier check")
    assert saved.evidence and saved.evidence[0].startswith("https://demo.claimdesk.example/")


def test_a_bad_evidence_link_is_an_error_and_nothing_is_saved(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    first = current_claim(at)
    at.text_area(key=f"evidence-{first}").input("see the readout")
    at.button(key=f"verdict-supported-{first}").click().run()
    assert not at.exception
    assert "'see the readout' is not a web address" in at.error[0].value
    assert current_claim(at) == first
    assert stored_claim(demo_folder, first).verdict is None


def test_filters_narrow_the_queue(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    ws = workspace_for(demo_folder)
    try:
        claims = ws.list_claims()
    finally:
        ws.close()
    speaker = next(c.speaker for c in claims if c.speaker)
    at.selectbox(key="_w_queue_speaker").select(speaker).run()
    assert not at.exception
    wanted = [c for c in claims if c.speaker == speaker]
    assert at.get("progress")[0].text == f"0 of {len(wanted)} claims reviewed"
    assert current_claim(at) == wanted[0].id

    at.selectbox(key="_w_queue_status").select("reviewed").run()
    assert "No claims match these filters." in texts(at)


def test_an_empty_workspace_offers_the_demo_article(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert "no claims to review yet" in texts(at)
    at.button(key="review-load-demo").click().run()
    assert not at.exception
    assert at.get("progress")[0].text.endswith("claims reviewed")
    assert "claim" in at.query_params


def test_dismiss_and_promote_change_the_queue_and_are_logged(demo_folder, monkeypatch):
    ids = claim_ids(demo_folder)
    at = open_app(monkeypatch, demo_folder, PAGE)
    at.button(key=f"dismiss-{ids[0]}").click().run()
    assert not at.exception
    assert ids[0] not in claim_ids(demo_folder)
    assert current_claim(at) == ids[1]

    promote = next(b for b in at.button if b.key and b.key.startswith("promote-"))
    promoted = int(promote.key.split("-")[1])
    promote.click().run()
    assert promoted in claim_ids(demo_folder)
    assert current_claim(at) == promoted
    ws = workspace_for(demo_folder)
    try:
        calls = ws.store.feedback_examples()
    finally:
        ws.close()
    assert [flag for _, flag in calls] == [False, True]


@pytest.mark.parametrize("press", ["verdict-disputed", "dismiss", "same-yes", "undo"])
def test_a_button_of_the_claim_the_page_is_leaving_saves_nothing(demo_folder, monkeypatch, press):
    """The page is being drawn for the next claim (the session already holds it) while the previous
    claim's buttons are still on screen: a press on one of them, or its shortcut, carries the previous
    claim's id. It must not land on that claim, nor on the one now shown."""
    ids = claim_ids(demo_folder)
    at = open_app(monkeypatch, demo_folder, PAGE)
    first, second = current_claim(at), ids[1]
    if press == "undo":  # a standing verdict on the first claim that a stale Undo could take back
        at.button(key=f"verdict-supported-{first}").click().run()
        at.session_state["claim"] = first  # back to it (a reload of its link does the same)
        at.run()
        assert current_claim(at) == first
    key = f"{press}-{first}"
    if press == "same-yes":
        key += f"-{same_claim_buttons(at, first)[0]}"
    button = at.button(key=key)
    at.session_state["claim"] = second  # a callback moved the session on; the redraw has not reached this button
    button.click().run()
    assert not at.exception and not at.error
    assert any(f"nothing was saved for claim #{first}" in t.value for t in at.toast)
    assert current_claim(at) == second
    ws = workspace_for(demo_folder)
    try:
        stored = {c: ws.get_claim(c) for c in (first, second)}
        assert ws.judgements(first) == [] and ws.judgements(second) == []
        assert first in [c.id for c in ws.list_claims()]  # not dismissed
    finally:
        ws.close()
    assert stored[second].verdict is None
    if press == "undo":
        assert stored[first].verdict is Verdict.SUPPORTED  # still standing
    else:
        assert stored[first].verdict is None


def same_claim_buttons(at, claim_id: int) -> list[int]:
    """The statement ids of the cards that ask "Same claim?" for ``claim_id``, in page order."""
    prefix = f"same-yes-{claim_id}-"
    return [int(b.key[len(prefix):]) for b in at.button if b.key and b.key.startswith(prefix)]


def test_yes_on_a_card_stores_the_answer_for_that_cards_statement(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    claim_id = current_claim(at)
    statements = same_claim_buttons(at, claim_id)
    assert len(statements) >= 2
    second = statements[1]  # not the top card: the answer must land on the card that was clicked
    at.button(key=f"same-yes-{claim_id}-{second}").click().run()
    assert not at.exception and not at.error
    assert current_claim(at) == claim_id  # an answer does not move the claim
    assert any(f"#{second} is the same claim" in t.value for t in at.toast)

    ws = workspace_for(demo_folder)
    try:
        (answer,) = ws.judgements(claim_id)
        card = next(m for m in ws.match_claim(claim_id, ws.settings.top_k * 3) if m.statement.id == second)
    finally:
        ws.close()
    assert (answer.statement_id, answer.same, answer.reviewer) == (second, True, REVIEWER)
    assert answer.tier is card.tier and answer.cosine == pytest.approx(card.similarity)
    assert answer.probability == (pytest.approx(card.probability) if card.probability is not None else None)
    # The answer shows on its card only.
    assert at.button(key=f"same-yes-{claim_id}-{second}").proto.type == "primary"
    assert at.button(key=f"same-yes-{claim_id}-{statements[0]}").proto.type == "secondary"
    assert "Same claim? · you said **yes**" in [c.value for c in at.caption]

    at.button(key=f"same-no-{claim_id}-{second}").click().run()  # a change of mind: the latest counts
    ws = workspace_for(demo_folder)
    try:
        assert [(j.statement_id, j.same) for j in ws.judgements(claim_id)] == [(second, False)]
        assert ws.store.count_rows()["match_judgements"] == 2
    finally:
        ws.close()
    assert at.button(key=f"same-no-{claim_id}-{second}").proto.type == "primary"


def test_only_the_top_card_answers_to_y_and_x(demo_folder, monkeypatch):
    at = open_app(monkeypatch, demo_folder, PAGE)
    claim_id = current_claim(at)
    top, *rest = same_claim_buttons(at, claim_id)
    assert at.button(key=f"same-yes-{claim_id}-{top}").proto.shortcut.upper() == "Y"
    assert at.button(key=f"same-no-{claim_id}-{top}").proto.shortcut.upper() == "X"
    assert all(not at.button(key=f"same-{answer}-{claim_id}-{sid}").proto.shortcut
               for sid in rest for answer in ("yes", "no"))
    shortcuts = [b.proto.shortcut.upper() for b in at.button if b.proto.shortcut]
    assert len(shortcuts) == len(set(shortcuts))  # no key does two things


def test_a_contradiction_shows_on_both_claims_with_a_way_to_the_other(demo_folder, monkeypatch):
    ws = workspace_for(demo_folder)
    try:
        hints = {cid: ws.contradictions(cid) for cid in (c.id for c in ws.list_claims())}
    finally:
        ws.close()
    pairs = [(cid, h.other_claim_id) for cid, found in hints.items() for h in found if h.other_claim_id in hints]
    assert pairs, "the seed article's denial is linked to the claim it denies"
    accusation, denial = pairs[0]
    at = open_app(monkeypatch, demo_folder, PAGE, claim=accusation)
    assert current_claim(at) == accusation
    assert "Contradiction" in texts(at)
    go = next(b for b in at.button if b.label == f"Go to claim #{denial}")
    go.click().run()
    assert current_claim(at) == denial
    assert "Contradiction" in texts(at)
    assert any(b.label == f"Go to claim #{accusation}" for b in at.button)


def test_a_claim_is_matched_once_per_page_and_its_archive_hint_still_shows(demo_folder, monkeypatch):
    """The hints read the page's own cards: opening a claim matches it once, not again for its hints."""
    from claims.workspace import Workspace

    ws = workspace_for(demo_folder)
    try:
        with_hint = [c.id for c in ws.list_claims()
                     if any(h.other_statement_id is not None and h.other_claim_id is None
                            for h in ws.contradictions(c.id))]
    finally:
        ws.close()
    assert with_hint, "the seed holds a claim whose numbers an earlier statement contradicts"
    matched: list[int] = []
    real = Workspace.match_claims

    def counting(self, claim_ids, top_k=None):
        matched.extend(claim_ids)
        return real(self, claim_ids, top_k)

    monkeypatch.setattr(Workspace, "match_claims", counting)
    at = open_app(monkeypatch, demo_folder, PAGE, claim=with_hint[0])
    assert current_claim(at) == with_hint[0]
    assert "earlier statement #" in texts(at) and "Contradiction" in texts(at)
    assert matched.count(with_hint[0]) == 1, matched


def test_a_long_documents_unflagged_sentences_are_listed_likeliest_first_and_found_by_words(tmp_path, monkeypatch):
    from ui.pages.review import UNFLAGGED_SHOWN

    names = [f"Guest{n:02d}" for n in range(UNFLAGGED_SHOWN + 12)]
    text = "Unemployment rose to 9 percent in 2021, the ministry said.\n\n" + "\n\n".join(
        f"Good morning to you, {name}, and thanks for coming." for name in names)
    ws = workspace_for(tmp_path)
    try:
        ws.ingest_text(text, title="Long transcript")
        unflagged = [s for s in ws.document_sentences(ws.list_documents()[0].id) if not s.is_claim]
    finally:
        ws.close()
    assert len(unflagged) > UNFLAGGED_SHOWN
    at = open_app(monkeypatch, tmp_path, PAGE)
    promote = [b for b in at.button if b.key and b.key.startswith("promote-")]
    assert len(promote) == UNFLAGGED_SHOWN
    best = sorted(unflagged, key=lambda s: -s.checkworthiness)[:UNFLAGGED_SHOWN]
    assert {int(b.key.split("-")[1]) for b in promote} == {s.id for s in best}
    assert f"{UNFLAGGED_SHOWN} of {len(unflagged)}, highest check-worthiness first" in [c.value for c in at.caption]
    assert not any("listed at once" in m.value for m in at.markdown)  # no source text drawn by Streamlit's magic

    hidden = next(s for s in unflagged if s.id not in {b.id for b in best})
    word = next(w.strip(",") for w in hidden.text.split() if w.startswith("Guest"))
    at.text_input(key=f"unflagged-find-{hidden.document_id}").input(word.lower()).run()
    promote = [b for b in at.button if b.key and b.key.startswith("promote-")]
    assert [int(b.key.split("-")[1]) for b in promote] == [hidden.id]
    promote[0].click().run()
    assert not at.exception
    assert hidden.id in claim_ids(tmp_path) and current_claim(at) == hidden.id
