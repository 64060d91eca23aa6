"""The review queue kept in memory and caught up from the logs' new rows: a verdict costs what changed.

The Review page asks, after every verdict, where the claim on screen stands in its queue, which claim
comes next, and how many are done. Reading that from the tables costs a pass over every claim (about
0.5 s at 100,000 claims on two cores). :class:`QueueIndex` reads every claim once, then keeps in step
by reading only the rows added since: the tables it depends on are append-only (``sentences``,
``feedback``, ``reviews``; an update of a claim's flag or verdict always comes with a row added to
``feedback`` or ``reviews`` in the same transaction), so the claims to read again are those the new
rows name.

What was added since is read by :class:`~claims.store.tails.Tails`, which also notices a late commit
below the ids held or a row deleted by hand and then has everything read again.

The answers are those of :meth:`claims.store.documents.Documents.review_queue` (the test suite
compares the two after random writes from two workspaces); the statuses that ask how reviewed
claims were decided (``agreed``, ``adjudicated``) are rare filters and are read from the tables.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from claims.models import Document, ReviewQueue, ReviewStatus, Verdict
from claims.review import ReviewState
from claims.store.base import Part, chunked
from claims.store.documents import Documents
from claims.store.reviews import Reviews
from claims.store.schema import documents, feedback, reviews, sentences, statements
from claims.store.tails import RECHECK_S, FollowsTails, Tails

__all__ = ["QueueIndex", "RECHECK_S"]

_DOCUMENTS, _SENTENCES, _FEEDBACK, _REVIEWS = range(4)
_VERDICTS = tuple(v.value for v in Verdict)
_CODE = {word: i + 1 for i, word in enumerate(_VERDICTS)}


def _code(word: str | None) -> int:
    """A final verdict word as a small number: 0 none, 1-3 the verdicts, 9 a word the enum lacks."""
    return 0 if word is None else _CODE.get(word, 9)

_FROM_TABLES = frozenset({ReviewStatus.AGREED.value, ReviewStatus.ADJUDICATED.value})

# (document id, position, speaker, check-worthiness, final verdict word or None) of one claim.
_Row = tuple[int, int, str | None, float, str | None]


@dataclass
class _View:
    """Every claim in queue order (document, then position), as arrays the filters run over."""

    ids: np.ndarray
    document: np.ndarray
    speaker: np.ndarray  # codes into ``speakers``; -1: no speaker
    speakers: dict[str, int]
    score: np.ndarray
    verdict: np.ndarray  # codes: 0 none, else index into _VERDICTS + 1
    at: dict[int, int]  # claim id -> its index in the arrays


class QueueIndex(FollowsTails, Part):
    """Every claim's place, filters and final verdict in memory, with the open claims' review states."""

    def __init__(self, engine: Engine, documents_part: Documents, reviews_part: Reviews,
                 recheck_s: float = RECHECK_S) -> None:
        super().__init__(engine)
        self._documents = documents_part
        self._reviews = reviews_part
        self._tails = Tails(((documents, documents.c.id), (sentences, sentences.c.id),
                             (feedback, feedback.c.sentence_id), (reviews, reviews.c.claim_id)), recheck_s)
        self._lock = threading.Lock()
        self._claims: dict[int, _Row] = {}
        self._open: dict[int, ReviewState] = {}  # claims with events and no final verdict
        self._view: _View | None = None
        self._document_list: list[Document] | None = None
        self._speaker_list: list[str] | None = None
        self.loads = 0
        """How many times every claim was read (once, plus once per count that did not add up)."""

    # -- what the Review page reads -----------------------------------------------------------------

    def review_queue(self, viewer: str, *, document_id: int | None = None, speaker: str | None = None,
                     min_score: float | None = None, status: str = "unreviewed") -> ReviewQueue:
        """As :meth:`Documents.review_queue`, from memory once caught up."""
        if status in _FROM_TABLES:
            return self._documents.review_queue(viewer, document_id=document_id, speaker=speaker,
                                                min_score=min_score, status=status)
        with self._lock:
            self._catch_up()
            return self._queue(viewer, document_id, speaker, min_score, status)

    def _queue(self, viewer: str, document_id: int | None, speaker: str | None, min_score: float | None,
               status: str) -> ReviewQueue:
        view, open_states = self._current_view(), self._open
        selected = np.ones(len(view.ids), dtype=bool)
        if document_id is not None:
            selected &= view.document == document_id
        if speaker is not None:
            code = view.speakers.get(speaker)
            if code is None:
                selected[:] = False
            else:
                selected &= view.speaker == code
        if min_score is not None:
            selected &= view.score >= min_score
        closed = view.verdict > 0
        open_selected = selected & ~closed
        done_by_viewer = [view.at[cid] for cid, state in open_states.items()
                          if any(v.reviewer == viewer for v in state.by_reviewer)]
        unreviewed_mask = open_selected.copy()
        unreviewed_mask[done_by_viewer] = False
        unreviewed = frozenset(view.ids[unreviewed_mask].tolist())
        if status == "all":
            chosen = selected
        elif status == "unreviewed":
            chosen = unreviewed_mask
        elif status == "reviewed":
            chosen = selected & closed
        elif status in {s.value for s in ReviewStatus}:  # pending, disagreement (open claims only)
            chosen = np.zeros(len(view.ids), dtype=bool)
            chosen[[view.at[cid] for cid, state in open_states.items() if state.status == status]] = True
            chosen &= open_selected
        else:
            chosen = selected & (view.verdict == _CODE[Verdict.parse(status).value])
        total = int(selected.sum())
        return ReviewQueue(total=total, reviewed=total - int(open_selected.sum()),
                           ids=tuple(view.ids[chosen].tolist()), unreviewed=unreviewed)

    def claim_places(self) -> dict[int, tuple[int, str | None]]:
        """Every claim's (document id, speaker), by claim id."""
        with self._lock:
            self._catch_up()
            return {cid: (row[0], row[2]) for cid, row in self._claims.items()}

    def list_documents(self) -> list[Document]:
        """As :meth:`Documents.list_documents`, read again only when documents or claims changed."""
        with self._lock:
            self._catch_up()
            if self._document_list is None:
                self._document_list = self._documents.list_documents()
            return list(self._document_list)

    def claim_speakers(self) -> list[str]:
        """As :meth:`Documents.claim_speakers`, read again only when claims changed."""
        with self._lock:
            self._catch_up()
            if self._speaker_list is None:  # sorted by the database, in its collation
                self._speaker_list = self._documents.claim_speakers()
            return list(self._speaker_list)

    # -- keeping in step ----------------------------------------------------------------------------

    def _catch_up(self) -> None:
        with self.engine.connect() as conn:
            tails = self._tails.since(conn)
            if tails is None:
                self._load(conn)  # the first call, or a late commit below the ids held, or rows deleted
                return
            if not any(tails):
                return
            changed = {row[1] for tail in tails[_SENTENCES:] for row in tail}
            if tails[_DOCUMENTS] or tails[_SENTENCES] or tails[_FEEDBACK]:
                self._document_list = None
                self._speaker_list = None
            self._reread(conn, sorted(changed))

    def _rows(self, conn: Connection, ids: Sequence[int] | None) -> dict[int, _Row]:
        query = (sa.select(sentences.c.id, sentences.c.document_id, sentences.c.position, sentences.c.speaker,
                           sentences.c.checkworthiness, statements.c.verdict)
                 .select_from(sentences.outerjoin(statements, statements.c.claim_id == sentences.c.id))
                 .where(sentences.c.is_claim.is_(True)))
        if ids is None:
            return {int(r[0]): (int(r[1]), int(r[2]), r[3], float(r[4]), r[5]) for r in conn.execute(query)}
        found: dict[int, _Row] = {}
        for chunk in chunked(ids):
            found.update({int(r[0]): (int(r[1]), int(r[2]), r[3], float(r[4]), r[5])
                          for r in conn.execute(query.where(sentences.c.id.in_(chunk)))})
        return found

    def _load(self, conn: Connection) -> None:
        self._claims = self._rows(conn, None)
        with_events = conn.execute(
            sa.select(reviews.c.claim_id).distinct()
            .select_from(reviews.outerjoin(statements, statements.c.claim_id == reviews.c.claim_id))
            .where(statements.c.verdict.is_(None))).scalars().all()
        open_ids = sorted(cid for cid in with_events if cid in self._claims and self._claims[cid][4] is None)
        self._open = self._reviews.verdicts_for(conn, open_ids)
        self._view = None
        self._document_list = None
        self._speaker_list = None
        self.loads += 1

    def _reread(self, conn: Connection, ids: Sequence[int]) -> None:
        """Read these claims (or sentences that may have become claims) again, with their review states."""
        if not ids:
            return
        rows = self._rows(conn, ids)
        states = self._reviews.verdicts_for(conn, sorted(cid for cid, row in rows.items() if row[4] is None))
        view = self._view
        for cid in ids:
            row, before = rows.get(cid), self._claims.get(cid)
            self._open.pop(cid, None)
            if cid in states:
                self._open[cid] = states[cid]
            if row is None:
                if before is not None:
                    del self._claims[cid]
                    view = None
                continue
            self._claims[cid] = row
            if before is None or before[:4] != row[:4]:
                view = None
            elif view is not None:
                view.verdict[view.at[cid]] = _code(row[4])
        self._view = view

    def _current_view(self) -> _View:
        if self._view is not None:
            return self._view
        ids = np.fromiter(self._claims, dtype=np.int64, count=len(self._claims))
        rows = list(self._claims.values())
        document = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        position = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        order = np.lexsort((position, document))
        speakers: dict[str, int] = {}
        speaker = np.fromiter((-1 if r[2] is None else speakers.setdefault(r[2], len(speakers)) for r in rows),
                              dtype=np.int64, count=len(rows))
        score = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows))
        verdict = np.fromiter((_code(r[4]) for r in rows), dtype=np.int8, count=len(rows))
        ids = ids[order]
        self._view = _View(ids=ids, document=document[order], speaker=speaker[order], speakers=speakers,
                           score=score[order], verdict=verdict[order],
                           at={int(c): i for i, c in enumerate(ids.tolist())})
        return self._view
