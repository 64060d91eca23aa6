"""The export's reads, set-based: a few queries for any number of claims.

An export of 100,000 verdicts cannot afford a :class:`~claims.models.Claim`, a
:class:`~claims.models.Match` and a dozen smaller objects per claim (most of its time went there).
:meth:`ExportQuery.queue` reads each claim's match-cache row in queue order, as plain rows,
:meth:`ExportQuery.claim_rows` the claims' own columns and :meth:`ExportQuery.statements_shown` the
statements the cache rows name;
:meth:`ExportQuery.review_states` streams the review log
ordered by claim and replays it with :func:`replay_reviews`: the rule of
:func:`claims.review.review_state` (:func:`claims.review.replay`), read on tuples. They stream in
chunks (``yield_per``: a server-side cursor on PostgreSQL), and run unchanged on SQLite and PostgreSQL (SQLAlchemy Core, no dialect-specific SQL). The export's audit record is one row for the whole file
(:meth:`claims.store.audit.Audit.record_export`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from claims.review import replay
from claims.store.base import Part, chunked
from claims.store.schema import claim_matches, documents, reviews, sentences, statements

__all__ = ["ExportQuery", "ReviewRecord", "ReviewReplay", "replay_reviews", "evidence_links",
           "STREAM_CHUNK", "REVIEWER", "VERDICT", "AT", "NOTE", "EVENT_ID", "ACTION", "EVIDENCE", "STATUS", "CURRENT",
           "BY_REVIEWER"]

STREAM_CHUNK = 500
"""Rows fetched from the database per step while an export reads (``yield_per``). Small on purpose:
each step's rows are objects the cyclic garbage collector tracks until they are turned into plain
tuples, and steps of 5,000 let so many of them reach its oldest generation that it ran twelve full
passes in a 100,000-claim export (0.65 s) instead of six (0.27 s)."""

ReviewRecord = tuple[str, str | None, dt.datetime, str | None, int, str, str | None]
"""One review event as the export reads it: (who, verdict word, when, note, event id, action, evidence
as its stored JSON list), ``when`` in UTC (without a zone where the database keeps none, as SQLite).
The first four are a :data:`claims.export.ReviewerEntry`, so a standing label is listed as it is read.
Positions: :data:`REVIEWER`, :data:`VERDICT`, :data:`AT`, :data:`NOTE`, :data:`EVENT_ID`, :data:`ACTION`,
:data:`EVIDENCE`.

A plain tuple, not a named one, as is :data:`ReviewReplay`: CPython's cyclic garbage collector stops
tracking a plain tuple of plain values but keeps tracking named tuples, and an export holds one record
and one replay per claim: 200,000 tracked objects made the collector's full passes cost 0.8 s of a
100,000-claim export.
"""
REVIEWER, VERDICT, AT, NOTE, EVENT_ID, ACTION, EVIDENCE = range(7)

ReviewReplay = tuple[str, ReviewRecord | None, tuple[ReviewRecord, ...]]
"""A claim's review as it stands, as :func:`claims.review.review_state` derives it: (status word, the
event that gives the final verdict or None, each reviewer's standing label oldest first). Positions:
:data:`STATUS`, :data:`CURRENT`, :data:`BY_REVIEWER`."""
STATUS, CURRENT, BY_REVIEWER = range(3)


_WHO, _ACTION_OF, _VERDICT_OF, _ID_OF = (itemgetter(REVIEWER), itemgetter(ACTION), itemgetter(VERDICT),
                                        itemgetter(EVENT_ID))


def replay_reviews(events: Sequence[ReviewRecord], required: int = 1) -> ReviewReplay:
    """The state of a claim whose events these are (in id order), needing ``required`` verdicts:
    :func:`claims.review.replay`, the rule :func:`~claims.review.review_state` applies, read on tuples."""
    return replay(events, required, reviewer=_WHO, action=_ACTION_OF, verdict=_VERDICT_OF, event_id=_ID_OF)


def evidence_links(stored: str | None) -> tuple[str, ...]:
    """An event's evidence links from their stored JSON list (as :class:`~claims.models.ReviewEvent` reads them)."""
    return tuple(json.loads(stored)) if stored and stored != "[]" else ()


class ExportQuery(Part):
    """Reads for :meth:`claims.workspace.Workspace.export_rows` and the CSV export, without objects per claim."""

    def __init__(self, engine: sa.engine.Engine, required: int = 1) -> None:
        super().__init__(engine)
        self.required = required
        """Independent verdicts a claim needs before it has a final one (setting reviews_per_claim)."""

    def queue(self, matcher_key: str) -> list[tuple[Any, ...]]:
        """Every claim in queue order (document, then position) with its match-cache row, one plain row each::

            (id, document_id, cache_current, cache_statement_id, cosine, archive_max_id, reviews_max_id)

        ``cache_current``: whether the claim's match-cache row was ranked under ``matcher_key`` (None
        without a row), with that row's statement id (None: nothing matched), cosine and marks. Every
        claim, whatever the export's filters, because the marks of the rows it checked are advanced by
        ranges among every row read (:meth:`claims.store.matchcache.MatchCache.advance`). The claims'
        own columns are read by :meth:`claim_rows`, for the claims that need them.
        """
        query = (
            sa.select(sentences.c.id, sentences.c.document_id,
                      (claim_matches.c.matcher_key == matcher_key).label("cache_current"),
                      claim_matches.c.statement_id, claim_matches.c.cosine, claim_matches.c.archive_max_id,
                      claim_matches.c.reviews_max_id)
            .select_from(sentences.outerjoin(claim_matches, claim_matches.c.claim_id == sentences.c.id))
            .where(sentences.c.is_claim.is_(True))
            .order_by(sentences.c.document_id, sentences.c.position)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query)
            # plain tuples of plain values: the cyclic garbage collector stops tracking them, where
            # 100,000 Row objects (each pointing at its result) would be traversed on every full pass
            return [tuple(row) for chunk in result.partitions() for row in chunk]

    def claim_rows(self, ids: Sequence[int] | None = None) -> dict[int, tuple[Any, ...]]:
        """These claims' own columns (every claim's, without ``ids``), by id::

            (id, document_id, text, speaker, checkworthiness, document_title, source, url, published, text_hash)

        A sentence's text, speaker and document never change once stored, so a cache may keep them.
        """
        query = (sa.select(sentences.c.id, sentences.c.document_id, sentences.c.text, sentences.c.speaker,
                           sentences.c.checkworthiness, documents.c.title, documents.c.source, documents.c.url,
                           documents.c.published, sentences.c.text_hash)
                 .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id)))
        found: dict[int, tuple[Any, ...]] = {}
        with self.engine.connect() as conn:
            if ids is None:
                result = conn.execution_options(yield_per=STREAM_CHUNK).execute(
                    query.where(sentences.c.is_claim.is_(True)))
                return {row[0]: tuple(row) for chunk in result.partitions() for row in chunk}
            for chunk in chunked(sorted(ids)):
                found.update((row[0], tuple(row)) for row in conn.execute(query.where(sentences.c.id.in_(chunk))))
        return found

    def claim_hashes(self) -> dict[int, str]:
        """Every claim's text hash (the key of its vector), by id."""
        query = sa.select(sentences.c.id, sentences.c.text_hash).where(sentences.c.is_claim.is_(True))
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query)
            return {row[0]: row[1] for chunk in result.partitions() for row in chunk}

    def statements_shown(self, ids: Sequence[int] | None = None) -> dict[int, tuple[str, str | None, str | None, str]]:
        """(text, verdict word, source, origin) of these statements (without ``ids``: of every
        statement a match-cache row names), by statement id: what a top card shows of them."""
        query = sa.select(statements.c.id, statements.c.text, statements.c.verdict, statements.c.source,
                          statements.c.origin)
        with self.engine.connect() as conn:
            if ids is None:
                named = sa.select(claim_matches.c.statement_id).where(claim_matches.c.statement_id.is_not(None))
                result = conn.execution_options(yield_per=STREAM_CHUNK).execute(
                    query.where(statements.c.id.in_(named)))
                return {row[0]: (row[1], row[2], row[3], row[4]) for chunk in result.partitions() for row in chunk}
            found: dict[int, tuple[str, str | None, str | None, str]] = {}
            for chunk in chunked(sorted(ids)):
                found.update((row[0], (row[1], row[2], row[3], row[4]))
                             for row in conn.execute(query.where(statements.c.id.in_(chunk))))
            return found

    def statements_of_claims(self, claim_ids: Sequence[int]) -> list[int]:
        """The ids of the earlier-statement rows of these reviewed claims (a claim without one has none)."""
        with self.engine.connect() as conn:
            return [int(sid) for chunk in chunked(sorted(claim_ids)) for sid in conn.execute(
                sa.select(statements.c.id).where(statements.c.claim_id.in_(chunk))).scalars()]

    def review_states(self, claim_ids: Sequence[int] | None = None) -> dict[int, ReviewReplay]:
        """The review state of every claim with events (of ``claim_ids`` only, if given), replayed
        from the log streamed in claim and event order."""
        query = (sa.select(reviews.c.claim_id, reviews.c.reviewer, reviews.c.verdict, reviews.c.created_at,
                           reviews.c.note, reviews.c.id, reviews.c.action, reviews.c.evidence)
                 .order_by(reviews.c.claim_id, reviews.c.id))
        if claim_ids is not None:
            states: dict[int, ReviewReplay] = {}
            for chunk in chunked(sorted(claim_ids)):
                states.update(self._replayed(query.where(reviews.c.claim_id.in_(chunk))))
            return states
        return self._replayed(query)

    def _replayed(self, query: sa.Select[Any]) -> dict[int, ReviewReplay]:
        required, utc = self.required, dt.timezone.utc
        states: dict[int, ReviewReplay] = {}
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=STREAM_CHUNK).execute(query)
            claim_id: int | None = None
            events: list[ReviewRecord] = []
            for row in (row for chunk in result.partitions() for row in chunk):
                if row[0] != claim_id:
                    if events:
                        states[claim_id] = replay_reviews(events, required)  # type: ignore[index]
                    claim_id, events = row[0], []
                at = row[3] if row[3].tzinfo is None else row[3].astimezone(utc)
                events.append((row[1], row[2], at, row[4], row[5], row[6], row[7]))
            if events:
                states[claim_id] = replay_reviews(events, required)  # type: ignore[index]
        return states

