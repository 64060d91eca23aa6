"""A team on PostgreSQL: two app processes' workspaces on one database, each with its own FAISS cache.

Each :class:`~claims.workspace.Workspace` here opens its own Store (its own engine and connections)
and its own index folder, as two Streamlit replicas on two machines would; they share only the
database. What one records, the other's matcher finds, because every match first catches the FAISS
cache (``index/vectors.py`` ``VectorIndex.sync``) and the BM25 index up with the statements table.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from claims.models import Origin, Verdict
from claims.settings import load_settings
from claims.workspace import Workspace
from conftest import add_test_users

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ARCHIVE = (
    "text,speaker,date,source,url,rating\n"
    "China sent fighter jets to Russia in February 2022.,Post,2022-03-01,Desk,https://d.example/2,False\n"
    "Inflation in the US reached 9.1 percent in June 2022.,BLS,2022-07-13,Desk,https://d.example/3,Correct\n"
).encode()

LATER_IMPORT = (
    "text,speaker,date,source,url,rating\n"
    "The city council approved a new tram line to the airport in 2023.,Council,2023-05-02,Desk,"
    "https://d.example/9,True\n"
).encode()


@pytest.fixture
def two_workspaces(pg_url: str, tmp_path: Path, embedder) -> Iterator[tuple[Workspace, Workspace]]:
    """Workspaces A and B on one PostgreSQL database, each with its own index folder."""
    def open_one(name: str) -> Workspace:
        settings = load_settings({"db_url": pg_url, "index_dir": str(tmp_path / f"index-{name}")}, environ={})
        return Workspace(settings, embedder=embedder)

    a = open_one("a")
    add_test_users(a.store)
    b = open_one("b")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_a_verdict_in_one_workspace_is_matched_in_the_other(two_workspaces):
    a, b = two_workspaces
    assert a.store is not b.store and a.settings.index_dir != b.settings.index_dir
    a.import_statements(ARCHIVE, "archive.csv")

    # B builds its FAISS cache (and BM25) now, before A's verdict exists.
    assert b.match_text("fighter jets sent to Russia")[0].statement.text.startswith("China sent fighter jets")
    assert b.index.count == 2

    (ingested,) = a.ingest_demo_article()
    claim = next(c for c in a.list_claims(document_id=ingested.document.id) if "10 largest cities" in c.text)
    a.label(claim.id, Verdict.DISPUTED, "ana", note="checked against the city list")

    # The same claim repeated in an article that reaches B.
    repeated = b.ingest_text(f"An analyst said it again on Tuesday. {claim.text}", title="Repeated",
                             source="Wire")
    sentence = next(s for s in b.document_sentences(repeated.document.id) if s.text == claim.text)
    matches = b.match_claim(sentence.id)
    first = matches[0].statement
    assert (first.origin, first.claim_id, first.verdict) == (Origin.REVIEW, claim.id, Verdict.DISPUTED)
    assert matches[0].similarity > 0.99
    assert b.index.count == 3  # B's own cache caught up from the database: the archive and A's verdict


def test_an_import_in_one_workspace_is_found_by_the_other(two_workspaces):
    a, b = two_workspaces
    a.import_statements(ARCHIVE, "archive.csv")
    assert b.index.count == 2

    result = a.import_statements(LATER_IMPORT, "later.csv")
    assert result.added == 1
    (top, *_) = b.match_text("a tram line to the airport was approved by the council")
    assert top.statement.text.startswith("The city council approved a new tram line")
    assert b.index.count == 3
    assert b.search_archive("tram")[1] == 1  # and the archive page reads the same rows
