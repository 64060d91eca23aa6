"""The UI's shared resources and cached queries: the only module that uses ``st.cache_resource``.

One :class:`~claims.workspace.Workspace` per database is built once per process and shared by
every session (its methods are thread-safe); the model and the FAISS cache load with it, so a
rerun never reloads or re-embeds anything. Read queries go through ``st.cache_data`` keyed on
small values: the database URL, the store's revision tuple (which changes on every write) and
plain ids or filter values, never arrays or the workspace itself (passed as ``_workspace``).
Writes (ingest, import, label, undo) go straight to the workspace; the new revision makes the
next read miss the cache.
"""

from __future__ import annotations

import io

import streamlit as st

from claims.errors import ClaimdeskError
from claims.export import ExportRow, export_verdicts_csv
from claims.models import Claim, Document, Match, Progress, ReviewEvent, Statement
from claims.settings import Settings, load_settings
from claims.workspace import Workspace

__all__ = [
    "get_workspace",
    "show_error",
    "state_key",
    "documents",
    "speakers",
    "claims_queue",
    "claim",
    "matches",
    "history",
    "progress",
    "document_progress",
    "document_sentences",
    "archive_origins",
    "search_archive",
    "match_text",
    "export_rows",
    "export_csv",
]

# (database URL, store revision): what every cached read is keyed on.
StateKey = tuple[str, tuple[int, ...]]


def _close_workspace(workspace: Workspace) -> None:
    # Called when the cache entry is dropped: save the FAISS cache, release connections.
    workspace.close()


@st.cache_resource(show_spinner="Loading the embedding model and the archive index…",
                   on_release=_close_workspace)
def _open_workspace(db_url: str, index_dir: str, _settings: Settings) -> Workspace:
    """The workspace of one database, with its model and index loaded and the demo archive in."""
    workspace = Workspace(_settings)
    workspace.index  # noqa: B018  (load the model and catch the FAISS cache up now, once)
    workspace.load_demo_archive()  # idempotent: a no-op once the file was imported
    return workspace


def get_workspace() -> Workspace:
    """The shared workspace for the current settings (CLAIMDESK_DATA, CLAIMDESK_DB, ...).

    Raises a ClaimdeskError (bad setting, unreachable database, missing model); the app shows it.
    """
    settings = load_settings()
    return _open_workspace(settings.db_url, str(settings.index_dir), settings)


def show_error(exc: ClaimdeskError) -> None:
    """Show a claimdesk error to the user: its message names the file, line and problem."""
    st.error(str(exc), icon=":material/error:")


def state_key(workspace: Workspace | None = None) -> StateKey:
    """The cache key of the workspace's current contents."""
    workspace = workspace or get_workspace()
    return workspace.settings.db_url, tuple(workspace.revision())


# -- cached reads ------------------------------------------------------------------------------
# Each public function reads the current key and calls a cached twin that takes the workspace
# as an unhashed ``_workspace`` argument.


@st.cache_data(show_spinner=False, max_entries=64)
def _documents(_workspace: Workspace, key: StateKey) -> list[Document]:
    return _workspace.list_documents()


def documents() -> list[Document]:
    """All documents, newest first."""
    ws = get_workspace()
    return _documents(ws, state_key(ws))


@st.cache_data(show_spinner=False, max_entries=64)
def _speakers(_workspace: Workspace, key: StateKey) -> list[str]:
    return _workspace.claim_speakers()


def speakers() -> list[str]:
    """Every speaker a claim is attributed to, sorted."""
    ws = get_workspace()
    return _speakers(ws, state_key(ws))


@st.cache_data(show_spinner=False, max_entries=128)
def _claims_queue(_workspace: Workspace, key: StateKey, document_id: int | None, speaker: str | None,
                  min_score: float | None, status: str | None) -> list[Claim]:
    return _workspace.list_claims(document_id=document_id, speaker=speaker, min_score=min_score, status=status)


def claims_queue(*, document_id: int | None = None, speaker: str | None = None, min_score: float | None = None,
                 status: str | None = None) -> list[Claim]:
    """Claims in queue order (document, position), filtered; ``status`` as in Store.list_claims."""
    ws = get_workspace()
    return _claims_queue(ws, state_key(ws), document_id, speaker, min_score, status)


@st.cache_data(show_spinner=False, max_entries=512)
def _claim(_workspace: Workspace, key: StateKey, claim_id: int) -> Claim:
    return _workspace.get_claim(claim_id)


def claim(claim_id: int) -> Claim:
    """One claim with its context sentences and current verdict (NotFoundError if gone)."""
    ws = get_workspace()
    return _claim(ws, state_key(ws), claim_id)


@st.cache_data(show_spinner="Finding earlier statements…", max_entries=512)
def _matches(_workspace: Workspace, key: StateKey, claim_id: int, top_k: int | None) -> list[Match]:
    return _workspace.match_claim(claim_id, top_k=top_k)


def matches(claim_id: int, top_k: int | None = None) -> list[Match]:
    """The earlier statements closest to a claim, best first."""
    ws = get_workspace()
    return _matches(ws, state_key(ws), claim_id, top_k)


@st.cache_data(show_spinner=False, max_entries=512)
def _history(_workspace: Workspace, key: StateKey, claim_id: int) -> list[ReviewEvent]:
    return _workspace.history(claim_id)


def history(claim_id: int) -> list[ReviewEvent]:
    """Every review event of a claim, oldest first."""
    ws = get_workspace()
    return _history(ws, state_key(ws), claim_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _document_sentences(_workspace: Workspace, key: StateKey, document_id: int) -> list[dict]:
    return _workspace.document_sentences(document_id)


def document_sentences(document_id: int) -> list[dict]:
    """Every sentence of a document in order (claims and the rest), as plain dicts."""
    ws = get_workspace()
    return _document_sentences(ws, state_key(ws), document_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _archive_origins(_workspace: Workspace, key: StateKey) -> list[str]:
    return _workspace.archive_origins()


def archive_origins() -> list[str]:
    """The archive files imported so far, oldest first."""
    ws = get_workspace()
    return _archive_origins(ws, state_key(ws))


@st.cache_data(show_spinner=False, max_entries=64)
def _document_progress(_workspace: Workspace, key: StateKey) -> dict[int, Progress]:
    return _workspace.document_progress()


def document_progress(document_id: int) -> Progress:
    """Review progress of one document, read from one cached query for all documents."""
    ws = get_workspace()
    return _document_progress(ws, state_key(ws)).get(document_id, Progress(0, 0))


@st.cache_data(show_spinner=False, max_entries=128)
def _progress(_workspace: Workspace, key: StateKey, document_id: int | None) -> Progress:
    return _workspace.progress(document_id)


def progress(document_id: int | None = None) -> Progress:
    """How many claims (of one document, or all) carry a verdict."""
    ws = get_workspace()
    return _progress(ws, state_key(ws), document_id)


@st.cache_data(show_spinner=False, max_entries=128)
def _search_archive(_workspace: Workspace, key: StateKey, text: str | None, verdict: str | None,
                    origin: str | None, limit: int, offset: int) -> tuple[list[Statement], int]:
    return _workspace.search_archive(text, verdict=verdict, origin=origin, limit=limit, offset=offset)


def search_archive(text: str | None = None, *, verdict: str | None = None, origin: str | None = None,
                   limit: int = 20, offset: int = 0) -> tuple[list[Statement], int]:
    """One page of archive statements containing ``text``, and how many match in all."""
    ws = get_workspace()
    return _search_archive(ws, state_key(ws), text or None, verdict, origin, limit, offset)


@st.cache_data(show_spinner="Matching…", max_entries=64)
def _match_text(_workspace: Workspace, key: StateKey, text: str, top_k: int | None) -> list[Match]:
    return _workspace.match_text(text, top_k=top_k)


def match_text(text: str, top_k: int | None = None) -> list[Match]:
    """The earlier statements closest to a free sentence."""
    ws = get_workspace()
    return _match_text(ws, state_key(ws), text, top_k)


@st.cache_data(show_spinner="Preparing the export…", max_entries=16)
def _export_rows(_workspace: Workspace, key: StateKey, status: str | None,
                 document_id: int | None) -> list[ExportRow]:
    return _workspace.export_rows(status=status, document_id=document_id)


def export_rows(*, status: str | None = None, document_id: int | None = None) -> list[ExportRow]:
    """The verdict CSV's rows for the chosen claims."""
    ws = get_workspace()
    return _export_rows(ws, state_key(ws), status, document_id)


def export_csv(*, status: str | None = None, document_id: int | None = None) -> str:
    """The verdict CSV itself (header row, then one row per claim), as the CLI writes it.

    Written from the same cached rows the preview shows, so claims are matched once per change.
    """
    buffer = io.StringIO()
    export_verdicts_csv(export_rows(status=status, document_id=document_id), buffer)
    return buffer.getvalue()
