"""Earlier statements: the imported archive and the reviewed claims; the ``VectorSource`` of :mod:`index.vectors`."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from claims.models import Origin, Statement, Verdict
from claims.store.base import Part, as_utc, chunked, utcnow
from claims.store.schema import documents, embeddings, imports, sentences, statements

__all__ = ["Statements"]


def _statement_from_row(row: Any) -> Statement:
    return Statement(
        id=row.id, text=row.text, speaker=row.speaker, date=row.stated_on, source=row.source,
        url=row.url, verdict=Verdict(row.verdict) if row.verdict else None, rating=row.rating,
        origin=Origin(row.origin), claim_id=row.claim_id,
        metadata=json.loads(row.extra) if row.extra and row.extra != "{}" else {},
    )


class Statements(Part):
    """The ``statements`` and ``imports`` tables.

    An archive row is keyed by its row hash (text, speaker, date, source, URL); a reviewed claim's
    row by ``claim:<id>``. Rows are never deleted, so FAISS ids stay valid: a claim whose labels
    were all undone keeps its row with no verdict, hidden from matches.
    """

    # -- the archive ---------------------------------------------------------------------------

    def import_seen(self, content_hash: str) -> bool:
        """Whether a file with this content hash was imported before."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(imports.c.id).where(imports.c.content_hash == content_hash)
                                .limit(1)).first() is not None

    def add_statements(self, conn: Connection, *, origin: str, content_hash: str,
                       rows: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
        """Insert archive statements whose row hash is new; returns (added, skipped, updated).

        ``origin`` is the imported file's name. A row already in the archive without a verdict
        gets the verdict this import maps for it (``updated``): importing again with a fuller
        ``--verdict-map`` fills the gaps.
        """
        existing: dict[str, str | None] = {}
        for chunk in chunked([r["row_hash"] for r in rows]):
            existing.update(conn.execute(sa.select(statements.c.row_hash, statements.c.verdict)
                                         .where(statements.c.row_hash.in_(chunk))).all())
        fresh, seen, updated = [], set(existing), 0
        for r in rows:
            if r["row_hash"] not in seen:
                seen.add(r["row_hash"])
                fresh.append(r)
            elif r["row_hash"] in existing and existing[r["row_hash"]] is None and r.get("verdict"):
                conn.execute(statements.update().where(statements.c.row_hash == r["row_hash"],
                                                       statements.c.verdict.is_(None))
                             .values(verdict=r["verdict"]))
                existing[r["row_hash"]] = r["verdict"]
                updated += 1
        import_id = conn.execute(imports.insert().values(
            origin=origin, content_hash=content_hash, added=len(fresh), skipped=len(rows) - len(fresh),
            created_at=utcnow())).inserted_primary_key[0]
        now = utcnow()
        if fresh:
            conn.execute(statements.insert(), [
                dict(r, origin=Origin.ARCHIVE.value, import_id=import_id, created_at=now) for r in fresh])
        return len(fresh), len(rows) - len(fresh), updated

    def archive_origins(self) -> list[str]:
        """The files the archive was imported from, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(imports.c.origin, sa.func.min(imports.c.id).label("first"))
                                .group_by(imports.c.origin).order_by("first")).all()
        return [r.origin for r in rows]

    # -- reviewed claims -----------------------------------------------------------------------

    def upsert_review_statement(self, conn: Connection, claim_id: int, verdict: Verdict | None,
                                extra: dict[str, Any]) -> None:
        """Keep the earlier-statement row of a reviewed claim in step with its current verdict.

        A claim whose labels were all undone keeps its row with no verdict, which hides it from
        matches without disturbing the FAISS ids.
        """
        existing = conn.execute(sa.select(statements.c.id).where(statements.c.claim_id == claim_id)).scalar()
        value = verdict.value if verdict else None
        if existing is not None:
            conn.execute(statements.update().where(statements.c.id == existing)
                         .values(verdict=value, extra=json.dumps(extra, sort_keys=True)))
            return
        if verdict is None:
            return
        row = conn.execute(
            sa.select(sentences.c.text, sentences.c.text_hash, sentences.c.speaker,
                      documents.c.published, documents.c.source, documents.c.url, documents.c.created_at)
            .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
            .where(sentences.c.id == claim_id)).first()
        conn.execute(statements.insert().values(
            row_hash=f"claim:{claim_id}", text=row.text, text_hash=row.text_hash, speaker=row.speaker,
            stated_on=row.published or as_utc(row.created_at).date(), source=row.source, url=row.url,
            rating=None, verdict=value, origin=Origin.REVIEW.value, claim_id=claim_id,
            extra=json.dumps(extra, sort_keys=True), created_at=utcnow()))

    # -- reading -------------------------------------------------------------------------------

    def get_statements(self, ids: Sequence[int]) -> dict[int, Statement]:
        """The statement of each id that exists."""
        found: dict[int, Statement] = {}
        with self.engine.connect() as conn:
            for chunk in chunked(ids):
                for row in conn.execute(sa.select(statements).where(statements.c.id.in_(chunk))):
                    found[row.id] = _statement_from_row(row)
        return found

    def search_statements(self, text: str | None = None, *, verdict: str | None = None,
                          origin: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Statement], int]:
        """Archive browsing: statements whose text, speaker or source contains ``text``; and the total.

        ``origin`` is an :class:`~claims.models.Origin` word (``archive``: imported, ``review``:
        reviewed claims) or an imported file's name.
        """
        query = sa.select(statements)
        if text:
            # The user's text is matched literally: %, _ and the escape character itself are escaped.
            literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{literal}%"
            query = query.where(sa.or_(
                sa.func.lower(statements.c.text).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(statements.c.speaker, "")).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(statements.c.source, "")).like(pattern, escape="\\")))
        if verdict:
            query = query.where(statements.c.verdict == Verdict.parse(verdict).value)
        if origin in {o.value for o in Origin}:
            query = query.where(statements.c.origin == Origin(origin).value)
        elif origin:  # the name of an imported file
            query = query.where(statements.c.import_id.in_(
                sa.select(imports.c.id).where(imports.c.origin == origin)))
        # Claims whose labels were all undone are not earlier statements any more.
        query = query.where(sa.or_(statements.c.origin != Origin.REVIEW.value, statements.c.verdict.is_not(None)))
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(query.order_by(statements.c.id.desc()).limit(limit).offset(offset)).all()
        return [_statement_from_row(r) for r in rows], int(total)

    def statement_texts(self) -> tuple[list[int], list[str]]:
        """Ids and lexical texts (statement, then speaker) of every statement, in id order."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(statements.c.id, statements.c.text, statements.c.speaker)
                                .order_by(statements.c.id)).all()
        return [r.id for r in rows], [f"{r.text} {r.speaker}" if r.speaker else r.text for r in rows]

    def lexical_rows(self, after_id: int = 0, ids: Sequence[int] | None = None
                     ) -> list[tuple[int, str, str | None, str | None]]:
        """(id, text, speaker, fact-check title or None) of the statements with id > ``after_id``
        (or of ``ids`` that exist), in id order: what the BM25 index holds of each.

        A statement's text, speaker and title never change after it is stored (a review statement's
        update touches only its verdict and reviewer details), so an index catches up by id alone.
        """
        columns = sa.select(statements.c.id, statements.c.text, statements.c.speaker, statements.c.extra)
        with self.engine.connect() as conn:
            if ids is None:
                rows = conn.execute(columns.where(statements.c.id > after_id).order_by(statements.c.id)).all()
            else:
                rows = [r for chunk in chunked(sorted(set(ids)))
                        for r in conn.execute(columns.where(statements.c.id.in_(chunk)).order_by(statements.c.id))]
        out = []
        for r in rows:
            title = None
            if r.extra and '"title"' in r.extra:  # most rows have no title: skip parsing their JSON
                found = json.loads(r.extra).get("title")
                title = found if isinstance(found, str) else None
            out.append((int(r.id), r.text, r.speaker, title))
        return out

    def statement_ids(self, after_id: int = 0) -> np.ndarray:
        """The ids (int64) of the statements with id > ``after_id``, ascending: a range of the primary
        key, so asking for the newest few costs no more than they are, whatever the archive's size."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(statements.c.id).where(statements.c.id > after_id)
                                 .order_by(statements.c.id)).scalars().all()
        return np.asarray(found, dtype=np.int64)

    def statement_count(self) -> int:
        """How many statements there are, by a bare ``count(*)`` (SQLite counts it off its smallest index;
        :meth:`statement_stats`, count and highest id in one scan, costs about 20 times as much at 1M rows)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(statements)).scalar_one())

    def texts_without_vectors(self, model: str) -> list[str]:
        """One text per statement text hash that has no vector for ``model`` yet."""
        query = (
            sa.select(statements.c.text_hash, sa.func.min(statements.c.text))
            .select_from(statements.outerjoin(
                embeddings, sa.and_(embeddings.c.text_hash == statements.c.text_hash,
                                    embeddings.c.model == model)))
            .where(embeddings.c.text_hash.is_(None))
            .group_by(statements.c.text_hash)
        )
        with self.engine.connect() as conn:
            return [text for _, text in conn.execute(query).all()]

    # -- the VectorSource protocol -------------------------------------------------------------

    def statement_stats(self) -> tuple[int, int]:
        """(count, highest id) of all statements."""
        with self.engine.connect() as conn:
            count, max_id = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(statements.c.id), 0))
                                         .select_from(statements)).one()
        return int(count), int(max_id)

    def count_statements_upto(self, max_id: int) -> int:
        """How many statements have an id up to ``max_id``."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(statements)
                                    .where(statements.c.id <= max_id)).scalar_one())

    def statement_vectors(self, model: str, after_id: int = 0,
                          batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Batches of (ids int64, vectors float32) of statements with id > ``after_id``, in id order."""
        last = after_id
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(statements.c.id, embeddings.c.vector)
                    .select_from(statements.join(
                        embeddings, sa.and_(embeddings.c.text_hash == statements.c.text_hash,
                                            embeddings.c.model == model)))
                    .where(statements.c.id > last).order_by(statements.c.id).limit(batch)).all()
            if not rows:
                return
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            last = int(ids[-1])
            yield ids, vectors
