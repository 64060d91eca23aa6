"""The Archive page: browse and search earlier statements, import a file, match a sentence."""

from __future__ import annotations

import pytest
from test_app_shell import open_app, texts

pytestmark = [pytest.mark.slow, pytest.mark.workspace_db]
PAGE = "ui/pages/archive.py"


def submit(at, label: str) -> None:
    next(b for b in at.form_submit_button if b.label == label).click().run()


def test_the_demo_archive_is_browsable_page_by_page(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    assert "Statements 1–20 of 60, newest first" in texts(at)
    assert "Page 1 of 3" in texts(at)
    at.button(key="archive-next").click().run()
    assert not at.exception
    assert "Statements 21–40 of 60" in texts(at)


def test_search_finds_a_demo_statement(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_input(key="archive-query").input("Kharkiv").run()
    assert not at.exception
    shown = texts(at)
    assert "Russian troops took full control of Kharkiv during the first week of the invasion." in shown
    assert ":red-badge[Disputed · rated “Incorrect”]" in shown
    assert "of 1, newest first" in shown

    at.selectbox(key="archive-verdict").select("supported").run()
    assert "No earlier statement matches this search." in texts(at)


def test_importing_an_archive_reports_added_skipped_and_unmapped(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    data = ("text,rating,source\n"
            "The bridge toll doubled in 2021.,Four Stars,Metro Check\n"
            "The mayor cut the parks budget by half.,Half True,Metro Check\n").encode()
    at.file_uploader(key="archive-file").upload("metro.csv", data, "text/csv")
    at.text_input(key="archive-map").input("half true=disputed")
    submit(at, "Import")
    assert not at.exception and not at.error
    assert at.success[0].value == "metro.csv: 2 statements added, 0 already in the archive."
    assert "“four stars”" in at.warning[0].value.lower()

    at.text_input(key="archive-query").input("parks budget").run()
    assert ":red-badge[Disputed · rated “Half True”]" in texts(at)


@pytest.mark.parametrize(("name", "data", "mapping", "message"), [
    ("old.csv", b"claim_text,rating\nx,True\n", "", "old.csv, line 1: "),
    ("old.csv", b"text,rating\nThe toll doubled.,True\n", "mostly=wrong", "unknown verdict 'wrong'"),
    ("old.jsonl", b'{"text": "The toll doubled."}\n[1, 2]\n', "", "old.jsonl, line 2: expected a JSON object"),
])
def test_a_bad_import_is_an_error_naming_the_problem(tmp_path, monkeypatch, name, data, mapping, message):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.file_uploader(key="archive-file").upload(name, data, "text/plain")
    at.text_input(key="archive-map").input(mapping)
    submit(at, "Import")
    assert not at.exception
    assert message in at.error[0].value
    assert "of 60, newest first" in texts(at)  # nothing was added


def test_match_a_sentence(tmp_path, monkeypatch):
    at = open_app(monkeypatch, tmp_path, PAGE)
    at.text_area(key="match-text").input("Kyiv fell to Russian troops within three days of the invasion.")
    submit(at, "Find earlier statements")
    assert not at.exception
    shown = texts(at)
    assert "Kyiv fell to Russian troops within three days of the February 2022 invasion." in shown
    assert ":red-badge[Disputed · rated “False”]  :violet-badge[Same claim]" in shown
