"""The Ingest page: pasting text, uploading files, the demo article, and errors that name the problem."""

from __future__ import annotations

import pytest
from test_app_shell import open_app, texts, workspace_for

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]
PAGE = "ui/pages/ingest.py"

ARTICLE = (
    "Minister Promises Cheaper Trains\n"
    "The transport minister said on Tuesday that rail fares would fall by 15 percent next year. "
    "Unemployment fell to 3.9 percent in March, according to the statistics office. "
    "\"We have doubled investment in the network since 2019,\" Minister Ana Ruiz said. "
    "Commuters were sceptical."
)


def counts(folder) -> tuple[int, int]:
    ws = workspace_for(folder)
    try:
        return len(ws.store.list_documents()), len(ws.list_claims())
    finally:
        ws.close()


def submit(at, label: str) -> None:
    next(b for b in at.form_submit_button if b.label == label).click().run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_pasting_text_creates_claims(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_area(key="paste-text").input(ARTICLE)
    at.text_input(key="paste-source").input("Daily Ledger")
    submit(at, "Find claims")

    assert not at.exception and not at.error
    n_docs, n_claims = counts(tmp_path)
    assert n_docs == 1 and n_claims >= 2
    shown = metrics(at)
    assert shown["Claims"] == str(n_claims)
    assert "Minister Promises Cheaper Trains" in texts(at)  # the title, taken from the first line
    ws = workspace_for(tmp_path)
    try:
        doc = ws.store.list_documents()[0]
        assert (doc.title, doc.source, doc.origin) == ("Minister Promises Cheaper Trains", "Daily Ledger",
                                                       "pasted text")
    finally:
        ws.close()


def test_pasting_nothing_is_an_error(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_area(key="paste-text").input("   \n ")
    submit(at, "Find claims")
    assert not at.exception
    assert at.error[0].value == "pasted text: the pasted text is empty"
    assert counts(tmp_path) == (0, 0)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("posts.csv", b"author,date\nana,2024-01-02\n",
     "posts.csv, line 1: no text column: expected one of text, claim, statement, content, body, post, tweet, vclaim; "
     "found author, date"),
    ("posts.jsonl", b'{"text": "Inflation hit 9 percent in June."}\n{"text": oops}\n',
     "posts.jsonl, line 2: invalid JSON"),
    ("notes.txt", b"\x00\x01\x02binary\x00", "notes.txt, line 1: this is a binary file, not text"),
    ("latin.txt", "Caf\u00e9 prices rose 20 percent.".encode("latin-1"), "latin.txt, line 1: not valid UTF-8"),
])
def test_a_bad_upload_shows_an_error_naming_the_file(tmp_path, monkeypatch, name, data, message):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.file_uploader(key="upload-files").upload(name, data, "application/octet-stream")
    submit(at, "Ingest files")
    assert not at.exception
    assert at.error[0].value.startswith(message)
    assert counts(tmp_path) == (0, 0)  # all or nothing


def test_uploading_a_batch_of_posts(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    posts = (b"text,author,date\n"
             b"\"Inflation hit 9.1 percent in June, the highest in 40 years.\",Sam Lee,2022-07-14\n"
             b"\"The city spent $2 million on new bike lanes last year.\",Kim Park,2023-01-05\n")
    at.file_uploader(key="upload-files").upload("posts.csv", posts, "text/csv")
    at.file_uploader(key="upload-files").upload("empty.md", b"   ", "text/markdown")
    submit(at, "Ingest files")
    assert not at.exception
    assert [e.value for e in at.error] == ["empty.md: the file is empty"]  # the good file still went in
    assert counts(tmp_path)[0] == 2


def test_demo_article_then_review_this_document(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.button(key="load-demo-article").click().run()
    assert not at.exception
    shown = metrics(at)
    assert int(shown["Claims"]) > 0 and int(shown["Same-claim matches"]) > 0
    ws = workspace_for(tmp_path)
    try:
        doc_id = ws.store.list_documents()[0].id
    finally:
        ws.close()

    at.button(key="load-demo-article").click().run()  # a second time adds nothing
    assert not at.exception
    assert counts(tmp_path)[0] == 1
    assert "already ingested" in texts(at)

    at.button(key=f"review-doc-{doc_id}").click().run()
    assert not at.exception
    assert at.title[0].value == "Review"
    assert at.selectbox(key="_w_queue_document").value == doc_id
    assert "claim" in at.query_params


def test_a_repeated_paste_is_named_then_added_as_a_new_document_without_a_second_rerun(tmp_path, monkeypatch):
    import streamlit

    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_area(key="paste-text").input(ARTICLE)
    submit(at, "Find claims")
    _, claims = counts(tmp_path)
    at.text_input(key="paste-source").input("Another Paper")
    submit(at, "Find claims")  # the same text again, from another source
    assert not at.exception
    assert counts(tmp_path) == (1, claims)
    assert any("already in the workspace" in w.value and "nothing was added" in w.value for w in at.warning)

    # A st.rerun() after the add could swallow a click made while the text was ingested (the sidebar's
    # Review link): the add runs as the button's callback, and the very next page already shows the result.
    reruns: list[object] = []
    monkeypatch.setattr(streamlit, "rerun", lambda *a, **k: reruns.append(a))
    at.button(key="duplicate-add").click().run()
    assert not at.exception and reruns == []
    assert counts(tmp_path) == (2, 2 * claims)
    assert not any("already in the workspace" in w.value for w in at.warning)
    assert [m.value for m in at.metric if m.label == "Claims"][0] == str(claims)


def test_a_failed_add_again_names_the_problem_and_adds_nothing(tmp_path, monkeypatch):
    from claims.errors import InputError
    from claims.workspace import Workspace

    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_area(key="paste-text").input(ARTICLE)
    submit(at, "Find claims")
    at.text_input(key="paste-source").input("Another Paper")
    submit(at, "Find claims")
    before = counts(tmp_path)
    real = Workspace.ingest_text

    def refuse_duplicates(self, *args, **kwargs):
        if kwargs.get("allow_duplicate_text"):
            raise InputError("pasted text: the database is read-only")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "ingest_text", refuse_duplicates)
    at.button(key="duplicate-add").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["pasted text: the database is read-only"]
    assert counts(tmp_path) == before
    assert any("already in the workspace" in w.value for w in at.warning)  # still offered


def test_the_heuristic_fallback_is_announced(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMDESK_DETECTOR", str(tmp_path / "no-weights-here"))
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception
    assert any("Check-worthiness comes from the heuristic" in w.value and "are missing" in w.value
               for w in at.warning)


def test_the_trained_detector_says_how_well_it_does(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert not at.exception and not at.warning
    [caption] = [c.value for c in at.caption if "trained check-worthiness detector" in c.value]
    assert "F1 0.911 on debate speech, F1 0.861 on news" in caption
