"""The UI's shared resources and cached queries: the only module that uses ``st.cache_resource``.

One :class:`~claims.workspace.Workspace` per settings is built once per process and shared by
every session (its methods are thread-safe). Opening it touches only the database, so the first
page answers at once; the embedding model, the FAISS cache, the BM25 index, the review queue and the
bundled demo archive load in a background thread (:func:`warm_up`, :meth:`Workspace.warm_up`), and the pages that need them say so until they are ready
(:func:`wait_for_model`). A rerun never reloads or re-embeds anything.

Read queries go through one ``st.cache_data`` function keyed on small values: the whole settings
(as text), the store's revision tuple (which changes on every write), the Workspace method's
name and its plain arguments, never arrays or the workspace itself (passed as ``_workspace``).
Writes (ingest, import, label, undo) go straight to the workspace; the new revision makes the
next read miss the cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
import weakref
from typing import Any

import streamlit as st

from claims.agreement import Agreement
from claims.contradict import Hint
from claims.errors import ClaimdeskError
from claims.export import ExportFile, ExportRow  # types only; writing goes through the workspace
from claims.models import (AuditEvent, Claim, DeskTallies, Document, ExportRecord, JudgementSummary, Match,
                           MatchJudgement, Progress, ReviewEvent, ReviewQueue, Statement, Verdict)
from claims.settings import Settings, load_settings
from claims.users import User
from claims.workspace import Workspace

__all__ = [
    "get_workspace",
    "warm_up",
    "wait_until_warm",
    "wait_for_model",
    "show_error",
    "state_key",
    "desk_tallies",
    "export_history",
    "documents",
    "speakers",
    "claims_queue",
    "review_queue",
    "claim",
    "visible_claim",
    "audit_trail",
    "contradictions",
    "users",
    "matches",
    "progress",
    "document_progress",
    "document_sentences",
    "archive_origins",
    "search_archive",
    "match_text",
]

# (settings as text, store revision): what every cached read is keyed on.
StateKey = tuple[str, tuple[int, ...]]


def _settings_key(settings: Settings) -> str:
    return json.dumps(dataclasses.asdict(settings), default=str, sort_keys=True)


def _close_workspace(workspace: Workspace) -> None:
    # Called when the cache entry is dropped: save the FAISS cache, release connections.
    workspace.close()


@st.cache_resource(show_spinner=False, on_release=_close_workspace)
def _open_workspace(settings_key: str, _settings: Settings) -> Workspace:
    """The workspace of one set of settings; opening it reads no model (that is :func:`warm_up`'s)."""
    return Workspace(_settings)


def get_workspace() -> Workspace:
    """The shared workspace for the current settings (CLAIMDESK_DATA, CLAIMDESK_DB, thresholds, ...).

    Keyed on every setting, so a changed threshold opens a new workspace rather than being ignored.
    Raises a ClaimdeskError (bad setting, unreachable database); the app shows it.
    """
    settings = load_settings()
    return _open_workspace(_settings_key(settings), settings)


WARM_UP_DELAY_S = 1.5
"""Seconds the background load waits, so the page that started it reaches the browser first."""


class WarmUp:
    """The background load of one workspace's model, FAISS cache, BM25 index, detector, verifier, review
    queue and demo archive (:meth:`Workspace.warm_up`)."""

    def __init__(self, workspace: Workspace) -> None:
        self.done = threading.Event()
        self.error: ClaimdeskError | None = None
        self._thread = threading.Thread(target=self._run, args=(workspace,), name="claimdesk-warm-up",
                                        daemon=True)
        self._thread.start()

    def _run(self, workspace: Workspace) -> None:
        # Importing torch and loading the model hold the interpreter for seconds at a time: let the
        # first page be drawn and sent before that starts.
        time.sleep(WARM_UP_DELAY_S)
        try:
            workspace.warm_up()  # model, FAISS, BM25, detector, verifier, the review queue
            workspace.load_demo_archive()  # idempotent: a no-op once the file was imported
        except ClaimdeskError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001  (shown on the page instead of a silent dead thread)
            self.error = ClaimdeskError(f"loading the model and the archive index failed: {exc}")
        finally:
            self.done.set()


# One background load per workspace object, for as long as the workspace lives.
_WARM_UPS: weakref.WeakKeyDictionary[Workspace, WarmUp] = weakref.WeakKeyDictionary()
_WARM_UPS_LOCK = threading.Lock()


def warm_up() -> WarmUp:
    """Start (once per workspace) the background load of what matching needs; returns its handle."""
    workspace = get_workspace()
    with _WARM_UPS_LOCK:
        handle = _WARM_UPS.get(workspace)
        if handle is None:
            handle = _WARM_UPS[workspace] = WarmUp(workspace)
        return handle


def wait_until_warm(timeout: float) -> bool:
    """Block until every background load started so far is done (for tests and benchmarks)."""
    with _WARM_UPS_LOCK:
        handles = list(_WARM_UPS.values())
    return all(handle.done.wait(timeout) for handle in handles)




@st.fragment(run_every=1.0)
def _loading_notice() -> None:
    handle = warm_up()
    if handle.done.is_set():
        st.rerun()  # the whole page, now that it can be drawn
    st.info("Loading the embedding model, the archive's search indexes and the review queue (once per server "
            "start: seconds for a small archive, one to two minutes for a million earlier statements). "
            "This page opens by itself when they are ready; the Dashboard works meanwhile.",
            icon=":material/hourglass_top:")


def wait_for_model(*, stop: bool = True) -> bool:
    """For pages and panels that match or extract: True when the model is ready; else a notice that
    redraws the page by itself when the background load is done, then ``st.stop()`` (or False)."""
    handle = warm_up()
    if handle.done.is_set():
        if handle.error is None:
            return True
        show_error(handle.error)
    else:
        _loading_notice()
    if stop:
        st.stop()
    return False


def show_error(exc: ClaimdeskError) -> None:
    """Show a claimdesk error to the user: its message names the file, line and problem."""
    st.error(str(exc), icon=":material/error:")


def state_key(workspace: Workspace | None = None) -> StateKey:
    """The cache key of the workspace's current contents."""
    workspace = workspace or get_workspace()
    return _settings_key(workspace.settings), tuple(workspace.revision())


# -- cached reads ------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=1024)
def _read(_workspace: Workspace, key: StateKey, method: str, args: tuple[Any, ...],
          kwargs: tuple[tuple[str, Any], ...]) -> Any:
    return getattr(_workspace, method)(*args, **dict(kwargs))


def _cached(method: str, *args: Any, **kwargs: Any) -> Any:
    """``Workspace.<method>(*args, **kwargs)``, cached until anything is written."""
    workspace = get_workspace()
    return _read(workspace, state_key(workspace), method, args, tuple(sorted(kwargs.items())))


def judgements(claim_id: int, reviewer: str | None = None) -> list[MatchJudgement]:
    """The latest "same claim?" answers on a claim's cards (one reviewer's, or everyone's)."""
    return _cached("judgements", claim_id, reviewer)


def judgement_summary() -> JudgementSummary:
    """The answers so far as precision per tier (stored rows only: no model)."""
    return _cached("judgement_summary")


def documents() -> list[Document]:
    """All documents, newest first."""
    return _cached("list_documents")


def speakers() -> list[str]:
    """Every speaker a claim is attributed to, sorted."""
    return _cached("claim_speakers")


def desk_tallies() -> DeskTallies:
    """Every claim counted by document, speaker, final verdict and day, with each reviewer's standing
    verdicts (Workspace.desk_tallies): the Dashboard's figures, no claim built."""
    return _cached("desk_tallies")


def export_history(limit: int = 20) -> list[ExportRecord]:
    """The latest exports, newest first (Workspace.export_history): the Export page's record of who
    handed out which file."""
    return _cached("export_history", limit=limit)


def claims_queue(*, document_id: int | None = None, speaker: str | None = None, min_score: float | None = None,
                 status: str | None = None) -> list[Claim]:
    """Claims in queue order (document, position), filtered; ``status`` as in Store.list_claims."""
    return _cached("list_claims", document_id=document_id, speaker=speaker, min_score=min_score, status=status)


def review_queue(viewer: str, *, document_id: int | None = None, speaker: str | None = None,
                 min_score: float | None = None, status: str = "unreviewed") -> ReviewQueue:
    """The Review page's queue for ``viewer``: claim ids in order and counts (Workspace.review_queue)."""
    return _cached("review_queue", viewer, document_id=document_id, speaker=speaker, min_score=min_score,
                   status=status)


def claim(claim_id: int) -> Claim:
    """One claim with its context sentences and current verdict (NotFoundError if gone)."""
    return _cached("get_claim", claim_id)


def visible_claim(claim_id: int, viewer: str) -> Claim:
    """A claim as ``viewer`` may see it (others' verdicts hidden until theirs, with N >= 2)."""
    return _cached("visible_claim", claim_id, viewer)


@st.cache_data(show_spinner=False, max_entries=256)
def _contradictions(_workspace: Workspace, key: StateKey, claim_id: int, _found: tuple[Match, ...]) -> list[Hint]:
    # ``_found`` is not hashed: it is the claim's cards at this revision, which (key, claim_id) fix.
    return _workspace.contradictions(claim_id, list(_found))


def contradictions(claim_id: int) -> list[Hint]:
    """What says the opposite of a claim (a denial in its document, an earlier statement).

    The earlier statements weighed are the claim's cards as the page shows them (:func:`matches`,
    cached), so a click matches the claim once, not again for its hints."""
    workspace = get_workspace()
    found = tuple(matches(claim_id))
    return _contradictions(workspace, state_key(workspace), claim_id, found)


def audit_trail(claim_id: int) -> list[AuditEvent]:
    """Everything that happened to a claim, oldest first."""
    return _cached("audit_trail", claim_id)


def users() -> list[User]:
    """Every user of the workspace, by name."""
    return _cached("list_users")


def matches(claim_id: int, top_k: int | None = None) -> list[Match]:
    """The earlier statements closest to a claim, best first."""
    return _cached("match_claim", claim_id, top_k=top_k)




def document_sentences(document_id: int) -> list[Any]:
    """Every sentence of a document in order (claims and the rest)."""
    return _cached("document_sentences", document_id)


def archive_origins() -> list[str]:
    """The archive files imported so far, oldest first."""
    return _cached("archive_origins")


def document_progress(document_id: int) -> Progress:
    """Review progress of one document, read from one cached query for all documents."""
    return _cached("document_progress").get(document_id, Progress(0, 0))


def progress(document_id: int | None = None) -> Progress:
    """How many claims (of one document, or all) carry a verdict."""
    return _cached("progress", document_id)


def search_archive(text: str | None = None, *, verdict: str | None = None, origin: str | None = None,
                   limit: int = 20, offset: int = 0) -> tuple[list[Statement], int]:
    """One page of archive statements containing ``text``, and how many match in all."""
    return _cached("search_archive", text or None, verdict=verdict, origin=origin, limit=limit, offset=offset)


def match_text(text: str, top_k: int | None = None) -> list[Match]:
    """The earlier statements closest to a free sentence."""
    return _cached("match_text", text, top_k=top_k)






# -- the dashboard, the speaker page and the export's filters -----------------------------------



def agreement(document_id: int | None = None) -> Agreement:
    """How far reviewers agree (kappa, alpha) over the claims of one document or all."""
    return _cached("agreement", document_id)


def agreement_by_document() -> dict[int, Agreement]:
    """Agreement per document that has claims, from one pass over the claims."""
    return _cached("agreement_by_document")


def statement_speakers() -> list[str]:
    """Every speaker of an imported archive statement, sorted regardless of case."""
    return _cached("statement_speakers")


def speaker_statements(speaker: str, limit: int = 200) -> tuple[list[Statement], int]:
    """A speaker's archive statements, latest first (at most ``limit``), and how many there are."""
    return _cached("speaker_statements", speaker, limit=limit)


def speaker_verdict_counts(speaker: str) -> list[tuple[dt.date | None, Verdict | None, int]]:
    """A speaker's archive statements counted by day stated and verdict."""
    return _cached("speaker_verdict_counts", speaker)


def chosen_export_rows(*, status: str | None = None, document_id: int | None = None, verdict: str | None = None,
                       reviewer: str | None = None, since: dt.date | None = None,
                       viewer: str | None = None, limit: int | None = None) -> list[ExportRow]:
    """The export's rows for the filters of ``claimdesk export`` (status, document, final verdict,
    reviewer, since), each with its top match now, as ``viewer`` may see them (blind review), the
    first ``limit`` only when given (the preview); matched once per change of the workspace."""
    return _cached("export_rows", status=status, document_id=document_id, verdict=verdict, reviewer=reviewer,
                   since=since, viewer=viewer, limit=limit)


def export_file(fmt: str, *, bom: bool = False, include_unverified: bool = False, status: str | None = None,
                document_id: int | None = None, verdict: str | None = None, reviewer: str | None = None,
                since: dt.date | None = None, viewer: str | None = None) -> ExportFile:
    """The chosen claims written as the export format ``fmt`` (csv, jsonl, claimreview), as the CLI
    writes them, with the ids of the claims the file holds (Workspace.export_text); nothing recorded.

    Cached apart from the other reads, and only the last few: a file of 100,000 claims is 40 MB, and
    every change of the workspace would otherwise leave one more behind in the shared cache."""
    workspace = get_workspace()
    options = {"bom": bom, "include_unverified": include_unverified, "status": status, "document_id": document_id,
               "verdict": verdict, "reviewer": reviewer, "since": since, "viewer": viewer}
    return _export_file(workspace, state_key(workspace), fmt, tuple(sorted(options.items())))


@st.cache_data(show_spinner=False, max_entries=4)
def _export_file(_workspace: Workspace, key: StateKey, fmt: str, options: tuple[tuple[str, Any], ...]) -> ExportFile:
    return _workspace.export_text(fmt, **dict(options))


__all__ += ["agreement", "agreement_by_document", "statement_speakers", "speaker_statements",
            "speaker_verdict_counts", "chosen_export_rows", "export_file"]
