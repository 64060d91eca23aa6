"""The review queue kept in memory and caught up from the logs' new rows: a verdict costs what changed.

The Review page asks, after every verdict, where the claim on screen stands in its queue, which claim
comes next, and how many are done. Reading that from the tables costs a pass over every claim (about
0.5 s at 100,000 claims on two cores). :class:`QueueIndex` reads every claim once, then keeps in step
by reading only the rows added since: the tables it depends on are append-only (``sentences``,
``feedback``, ``reviews``; an update of a claim's flag or verdict always comes with a row added to
``feedback`` or ``reviews`` in the same transaction), so the claims to read again are those the new
rows name.

Each call reads the highest id of those tables (an index look-up each) and the rows above the ids
it holds. A row with a lower id that commits later (on PostgreSQL, a transaction that took its id
first and committed last) or a row deleted by hand is caught by comparing row counts, every
``recheck_s`` seconds and whenever new rows arrive: a count that does not add up reads everything
again. Within ``recheck_s`` such a late row may be missed, as any cache may be that long behind.

The answers are those of :meth:`claims.store.documents.Documents.review_queue` (the test suite
compares the two after random writes from two workspaces); the statuses that ask how reviewed
claims were decided (``agreed``, ``adjudicated``) are rare filters and are read from the tables.
"""

from __future__ import annotations

import threading
import time
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

__all__ = ["QueueIndex", "RECHECK_S"]

RECHECK_S = 5.0
"""Seconds between row-count checks when nothing new arrived (see the module's note)."""

_TABLES = (documents, sentences, feedback, reviews)
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


class QueueIndex(Part):
    """Every claim's place, filters and final verdict in memory, with the open claims' review states."""

    def __init__(self, engine: Engine, documents_part: Documents, reviews_part: Reviews,
                 recheck_s: float = RECHECK_S) -> None:
        super().__init__(engine)
        self._documents = documents_part
        self._reviews = reviews_part
        self.recheck_s = recheck_s
        self._lock = threading.Lock()
        self._marks: list[tuple[int, int]] | None = None  # (rows, highest id) of each of _TABLES
        self._checked = 0.0
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

    def _read_marks(self, conn: Connection, counts: bool) -> list[tuple[int, int]]:
        tops = [sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0)).scalar_subquery() for t in _TABLES]
        rows = [sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in _TABLES] if counts else []
        got = conn.execute(sa.select(*tops, *rows)).one()
        n = len(_TABLES)
        return [(int(got[n + i]) if counts else -1, int(got[i])) for i in range(n)]

    def _catch_up(self) -> None:
        now = time.monotonic()
        with self.engine.connect() as conn:
            if self._marks is None:
                self._load(conn)
                self._checked = now
                return
            count = now - self._checked >= self.recheck_s
            marks = self._read_marks(conn, count)
            if not count and any(marks[i][1] != self._marks[i][1] for i in range(len(_TABLES))):
                marks = self._read_marks(conn, True)  # new rows: check that they add up
                count = True
            if count:
                self._checked = now
            if [m[1] for m in marks] == [m[1] for m in self._marks] and (
                    not count or [m[0] for m in marks] == [m[0] for m in self._marks]):
                return
            tails = [self._tail(conn, t, self._marks[i][1], marks[i][1]) for i, t in enumerate(_TABLES)]
            if any(len(tail) != marks[i][0] - self._marks[i][0] for i, tail in enumerate(tails)):
                self._load(conn)  # a late commit below the ids held, or rows deleted: read everything
                return
            changed = {row[0] for row in tails[_SENTENCES]} | {row[1] for row in tails[_FEEDBACK]} | {
                row[1] for row in tails[_REVIEWS]}
            if tails[_DOCUMENTS] or tails[_SENTENCES] or tails[_FEEDBACK]:
                self._document_list = None
                self._speaker_list = None
            self._reread(conn, sorted(changed))
            self._marks = marks

    @staticmethod
    def _tail(conn: Connection, table: sa.Table, after: int, upto: int) -> list[tuple[int, int]]:
        """(id, the claim or sentence it names) of each row of ``table`` with ``after`` < id <= ``upto``."""
        if upto <= after:
            return []
        named = {sentences: sentences.c.id, feedback: feedback.c.sentence_id, reviews: reviews.c.claim_id,
                 documents: documents.c.id}[table]
        query = sa.select(table.c.id, named).where(table.c.id > after, table.c.id <= upto)
        return [(int(a), int(b)) for a, b in conn.execute(query)]

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
        marks = self._read_marks(conn, True)
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
        self._marks = marks
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
