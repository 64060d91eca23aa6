"""Documents and their sentences; the claims (sentences with ``is_claim``) with their verdicts and progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from claims.errors import NotFoundError
from claims.models import Claim, Document, Progress, ReviewQueue, ReviewStatus, SentenceRow, Verdict
from claims.review import ReviewState
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.reviews import Reviews
from claims.store.schema import documents, reviews, sentences, statements

__all__ = ["Documents"]


def _document_from_row(row: Any) -> Document:
    return Document(
        id=row.id, title=row.title, origin=row.origin, kind=row.kind, source=row.source,
        url=row.url, published=row.published, created_at=as_utc(row.created_at),
        n_sentences=int(row.n_sentences or 0), n_claims=int(row.n_claims or 0),
    )


def _sentence_from_row(row: Any) -> SentenceRow:
    return SentenceRow(
        id=row.id, document_id=row.document_id, position=row.position, text=row.text,
        start=row.start_offset, end=row.end_offset, checkworthiness=float(row.checkworthiness),
        is_claim=bool(row.is_claim), speaker=row.speaker,
    )


def _claim_from_row(row: Any, state: ReviewState | None,
                    before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> Claim:
    current = state.current if state else None
    return Claim(
        id=row.id, document_id=row.document_id, position=row.position, text=row.text,
        start=row.start_offset, end=row.end_offset, checkworthiness=row.checkworthiness,
        speaker=row.speaker, document_title=row.document_title, source=row.source, url=row.url,
        published=row.published, context_before=before, context_after=after,
        verdict=current.verdict if current else None,
        reviewer=current.reviewer if current else None,
        reviewed_at=current.at if current else None,
        note=current.note if current else None,
        evidence=current.evidence if current else (),
        status=state.status if state else ReviewStatus.UNREVIEWED,
        reviewer_verdicts=state.by_reviewer if state else (),
    )



def _queue_filters(query: sa.Select, document_id: int | None, speaker: str | None,
                   min_score: float | None) -> sa.Select:
    """``query`` over claim sentences narrowed to the review queue's filters (document, speaker, score)."""
    if document_id is not None:
        query = query.where(sentences.c.document_id == document_id)
    if speaker is not None:
        query = query.where(sentences.c.speaker == speaker)
    if min_score is not None:
        query = query.where(sentences.c.checkworthiness >= min_score)
    return query

class Documents(Part):
    """The ``documents`` and ``sentences`` tables, and the claims among the sentences.

    A document is keyed by the sha256 of its content and metadata; it is written with all its
    sentences at once (:meth:`add_document`). Claim verdicts come from the review log
    (:class:`~claims.store.reviews.Reviews`).
    """

    def __init__(self, engine: Engine, reviews: Reviews) -> None:
        super().__init__(engine)
        self._reviews = reviews

    # -- documents -----------------------------------------------------------------------------

    def document_id_by_hash(self, content_hash: str, conn: Connection | None = None) -> int | None:
        """The document stored under this content hash, if any."""
        with self._connect(conn) as c:
            return c.execute(sa.select(documents.c.id).where(documents.c.content_hash == content_hash)).scalar()

    def document_id_by_body(self, body: str, conn: Connection | None = None) -> int | None:
        """The oldest document whose text is exactly ``body``, if any."""
        query = sa.select(documents.c.id).where(documents.c.body == body).order_by(documents.c.id).limit(1)
        with self._connect(conn) as c:
            return c.execute(query).scalar()

    def add_document(self, conn: Connection, *, content_hash: str, title: str, origin: str, kind: str,
                     source: str | None, url: str | None, published: dt.date | None,
                     default_speaker: str | None, body: str,
                     rows: Sequence[dict[str, Any]]) -> Document:
        """Insert a document and its sentences (dicts of the sentences table's columns); returns its record."""
        created_at = utcnow()
        doc_id = conn.execute(documents.insert().values(
            content_hash=content_hash, title=title, origin=origin, kind=kind, source=source, url=url,
            published=published, default_speaker=default_speaker, body=body, created_at=created_at,
        )).inserted_primary_key[0]
        if rows:
            conn.execute(sentences.insert(), [dict(r, document_id=doc_id) for r in rows])
        return Document(id=int(doc_id), title=title, origin=origin, kind=kind, source=source, url=url,
                        published=published, created_at=created_at, n_sentences=len(rows),
                        n_claims=sum(bool(r["is_claim"]) for r in rows))

    def _documents_query(self, document_id: int | None = None) -> sa.Select:
        """Documents with their counts; with ``document_id``, that one's, counting its sentences only (the
        database would otherwise count every document's before picking one: 44 ms at 100,000 claims)."""
        counts = sa.select(
            sentences.c.document_id,
            sa.func.count().label("n_sentences"),
            sa.func.sum(sa.case((sentences.c.is_claim, 1), else_=0)).label("n_claims"),
        )
        if document_id is not None:
            counts = counts.where(sentences.c.document_id == document_id)
        counted = counts.group_by(sentences.c.document_id).subquery()
        query = (
            sa.select(documents.c.id, documents.c.title, documents.c.origin, documents.c.kind,
                      documents.c.source, documents.c.url, documents.c.published, documents.c.created_at,
                      counted.c.n_sentences, counted.c.n_claims)
            .select_from(documents.outerjoin(counted, counted.c.document_id == documents.c.id))
        )
        return query if document_id is None else query.where(documents.c.id == document_id)

    def get_document(self, document_id: int) -> Document:
        """One document with its counts; NotFoundError if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(self._documents_query(document_id)).first()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return _document_from_row(row)

    def list_documents(self) -> list[Document]:
        """Every document, newest first, with its sentence and claim counts."""
        with self.engine.connect() as conn:
            rows = conn.execute(self._documents_query().order_by(documents.c.id.desc())).all()
        return [_document_from_row(r) for r in rows]

    # -- sentences -----------------------------------------------------------------------------

    def document_sentences(self, document_id: int) -> list[SentenceRow]:
        """All sentences of a document in order, claims and the rest."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sentences).where(sentences.c.document_id == document_id)
                                .order_by(sentences.c.position)).all()
        return [_sentence_from_row(r) for r in rows]

    def sentence(self, sentence_id: int, conn: Connection | None = None) -> SentenceRow:
        """One sentence; NotFoundError if there is none."""
        with self._connect(conn) as c:
            row = c.execute(sa.select(sentences).where(sentences.c.id == sentence_id)).first()
        if row is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        return _sentence_from_row(row)

    def sentence_texts(self, ids: Sequence[int]) -> dict[int, str]:
        """The text of each sentence id that exists."""
        found: dict[int, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunked(ids):
                found.update(conn.execute(sa.select(sentences.c.id, sentences.c.text)
                                          .where(sentences.c.id.in_(chunk))).all())
        return found

    # -- claims --------------------------------------------------------------------------------

    def _claims_query(self) -> sa.Select:
        return (
            sa.select(sentences, documents.c.title.label("document_title"), documents.c.source,
                      documents.c.url, documents.c.published)
            .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
            .where(sentences.c.is_claim.is_(True))
        )

    def claim_ids(self, conn: Connection, document_id: int) -> list[int]:
        """The ids of a document's claims, in order (inside the transaction that wrote them)."""
        return [int(r[0]) for r in conn.execute(
            sa.select(sentences.c.id).where(sentences.c.document_id == document_id, sentences.c.is_claim.is_(True))
            .order_by(sentences.c.position))]

    def claim_exists(self, conn: Connection, claim_id: int) -> bool:
        """Whether ``claim_id`` is a sentence flagged as a claim."""
        return conn.execute(sa.select(sentences.c.id).where(
            sentences.c.id == claim_id, sentences.c.is_claim.is_(True))).first() is not None

    def get_claim(self, claim_id: int, context: int = 2) -> Claim:
        """One claim with ``context`` sentences either side and its current verdict."""
        with self.engine.connect() as conn:
            row = conn.execute(self._claims_query().where(sentences.c.id == claim_id)).first()
            if row is None:
                raise NotFoundError(f"no claim with id {claim_id}")
            around = conn.execute(
                sa.select(sentences.c.position, sentences.c.text)
                .where(sentences.c.document_id == row.document_id,
                       sentences.c.position.between(row.position - context, row.position + context),
                       sentences.c.position != row.position)
                .order_by(sentences.c.position)).all()
            current = self._reviews.verdicts_for(conn, [claim_id]).get(claim_id)
        before = tuple(r.text for r in around if r.position < row.position)
        after = tuple(r.text for r in around if r.position > row.position)
        return _claim_from_row(row, current, before, after)

    def list_claims(self, *, document_id: int | None = None, speaker: str | None = None,
                    min_score: float | None = None, status: str | None = None,
                    reviewer: str | None = None) -> list[Claim]:
        """Claims in queue order (document, then position), filtered.

        ``status`` is ``reviewed`` (a final verdict), ``unreviewed`` (none; with ``reviewer``, also
        none from that reviewer: what is left for them), a :class:`ReviewStatus` word (``pending``,
        ``disagreement``, ``adjudicated``, ``agreed``) or a verdict word.
        """
        query = _queue_filters(self._claims_query(), document_id, speaker, min_score)
        if status == "reviewed" or status in {v.value for v in Verdict}:
            # Only claims whose earlier-statement row holds a verdict can have a final one (the review
            # log keeps that row in step), so the log is read for those alone; the rule below decides.
            with_verdict = sa.select(statements.c.claim_id).where(statements.c.verdict.is_not(None))
            if status != "reviewed":
                with_verdict = with_verdict.where(statements.c.verdict == status)
            query = query.where(sentences.c.id.in_(with_verdict))
        query = query.order_by(sentences.c.document_id, sentences.c.position)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            verdicts = self._reviews.verdicts_for(conn, [r.id for r in rows])
        claims = [_claim_from_row(r, verdicts.get(r.id)) for r in rows]
        if status == "reviewed":
            claims = [c for c in claims if c.verdict is not None]
        elif status == "unreviewed":
            claims = [c for c in claims if c.verdict is None
                      and (reviewer is None or all(v.reviewer != reviewer for v in c.reviewer_verdicts))]
        elif status in {s.value for s in ReviewStatus}:
            claims = [c for c in claims if c.status == status]
        elif status is not None:
            wanted = Verdict.parse(status)
            claims = [c for c in claims if c.verdict is wanted]
        return claims

    def review_queue(self, viewer: str, *, document_id: int | None = None, speaker: str | None = None,
                     min_score: float | None = None, status: str = "unreviewed") -> ReviewQueue:
        """The queue of the claims the filters select, as ids and counts (see :class:`ReviewQueue`).

        ``status`` is ``all``, ``unreviewed`` (what still needs ``viewer``'s verdict), ``reviewed``, a
        verdict word or a :class:`ReviewStatus` word, as in :meth:`list_claims`. A claim's final verdict
        is read from its earlier-statement row, which every review event keeps in step with the log in
        its own transaction (the rule the progress counts use); the log itself is read only for claims
        that have events and no final verdict (few: those waiting for more reviewers or an admin), and
        for all reviewed claims only when the status asks how they were decided (agreed, adjudicated).
        """
        base = _queue_filters(
            sa.select(sentences.c.id, statements.c.verdict)
            .select_from(sentences.outerjoin(statements, statements.c.claim_id == sentences.c.id))
            .where(sentences.c.is_claim.is_(True)), document_id, speaker, min_score,
        ).order_by(sentences.c.document_id, sentences.c.position)
        with self.engine.connect() as conn:
            rows = conn.execute(base).all()
            open_ids = {r[0] for r in rows if r[1] is None}
            with_events = conn.execute(
                sa.select(reviews.c.claim_id).distinct()
                .select_from(reviews.outerjoin(statements, statements.c.claim_id == reviews.c.claim_id))
                .where(statements.c.verdict.is_(None))).scalars().all()
            states = self._reviews.verdicts_for(conn, sorted(open_ids.intersection(with_events)))
            if status in (ReviewStatus.AGREED, ReviewStatus.ADJUDICATED):
                states.update(self._reviews.verdicts_for(conn, [r[0] for r in rows if r[1] is not None]))
        unreviewed = frozenset(
            cid for cid in open_ids
            if cid not in states or all(v.reviewer != viewer for v in states[cid].by_reviewer))
        if status == "all":
            ids = [r[0] for r in rows]
        elif status == "unreviewed":
            ids = [r[0] for r in rows if r[0] in unreviewed]
        elif status == "reviewed":
            ids = [r[0] for r in rows if r[1] is not None]
        elif status in {s.value for s in ReviewStatus}:
            ids = [r[0] for r in rows if (states[r[0]].status if r[0] in states else ReviewStatus.UNREVIEWED)
                   == status]
        else:
            wanted = Verdict.parse(status).value
            ids = [r[0] for r in rows if r[1] == wanted]
        return ReviewQueue(total=len(rows), reviewed=len(rows) - len(open_ids), ids=tuple(ids),
                           unreviewed=unreviewed)

    def claim_speakers(self) -> list[str]:
        """The speakers of stored claims, sorted."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sentences.c.speaker).distinct()
                                .where(sentences.c.is_claim.is_(True), sentences.c.speaker.is_not(None))
                                .order_by(sentences.c.speaker)).all()
        return [r[0] for r in rows]

    # -- progress ------------------------------------------------------------------------------

    def _progress_query(self) -> sa.Select:
        # A claim is reviewed when its earlier-statement row carries a verdict: Reviews.append_review
        # keeps that row in step with the log in the same transaction as every event.
        reviewed = sa.case((statements.c.verdict.is_not(None), 1), else_=0)
        return (
            sa.select(sentences.c.document_id, sa.func.count().label("total"),
                      sa.func.coalesce(sa.func.sum(reviewed), 0).label("reviewed"))
            .select_from(sentences.outerjoin(statements, statements.c.claim_id == sentences.c.id))
            .where(sentences.c.is_claim.is_(True))
            .group_by(sentences.c.document_id)
        )

    def progress_by_document(self) -> dict[int, Progress]:
        """Review progress of every document that has claims, from one aggregate query."""
        with self.engine.connect() as conn:
            rows = conn.execute(self._progress_query()).all()
        return {int(r.document_id): Progress(int(r.total), int(r.reviewed)) for r in rows}

    def progress(self, document_id: int | None = None) -> Progress:
        """Review progress of one document, or of all claims."""
        query = self._progress_query()
        if document_id is not None:
            query = query.where(sentences.c.document_id == document_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return Progress(sum(int(r.total) for r in rows), sum(int(r.reviewed) for r in rows))
