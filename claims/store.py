"""The workspace database: schema and queries, through SQLAlchemy Core.

One code path serves SQLite (the embedded default, in WAL mode) and PostgreSQL (for teams).
The database is the truth: documents, their sentences, earlier statements, embeddings (float32
bytes keyed by model and text hash) and the append-only review log. The FAISS index and every
screen are derived from it.

Writes that belong together go through :meth:`Store.transaction`, so an error leaves nothing
half-written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from claims.errors import NotFoundError, StoreError
from claims.models import Claim, Document, Progress, ReviewEvent, Statement, Verdict
from claims.review import CurrentVerdict, current_verdict

__all__ = ["Store", "metadata", "utcnow"]

metadata = sa.MetaData()

SCHEMA_VERSION = "1"

meta_table = sa.Table(
    "claimdesk_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

documents = sa.Table(
    "documents", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("published", sa.Date),
    sa.Column("default_speaker", sa.Text),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sentences = sa.Table(
    "sentences", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("start_offset", sa.Integer, nullable=False),
    sa.Column("end_offset", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("checkworthiness", sa.Float, nullable=False),
    sa.Column("is_claim", sa.Boolean, nullable=False),
    sa.Column("speaker", sa.Text),
    sa.UniqueConstraint("document_id", "position"),
)
sa.Index("ix_sentences_claim", sentences.c.is_claim, sentences.c.document_id)

imports = sa.Table(
    "imports", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

statements = sa.Table(
    "statements", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("row_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("speaker", sa.Text),
    sa.Column("stated_on", sa.Date),
    sa.Column("source", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("rating", sa.Text),
    sa.Column("verdict", sa.String(16)),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("claim_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"), unique=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id")),
    sa.Column("extra", sa.Text, nullable=False, default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

embeddings = sa.Table(
    "embeddings", metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("verdict", sa.String(16)),
    sa.Column("note", sa.Text),
    sa.Column("evidence", sa.Text, nullable=False, default="[]"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

feedback = sa.Table(
    "detector_feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sentence_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("is_claim", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def utcnow() -> dt.datetime:
    """The current time in UTC, to the microsecond."""
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Store:
    """A claimdesk workspace database. Thread-safe: each call checks out its own connection."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        try:
            self.engine: Engine = self._make_engine(url)
            if create:
                metadata.create_all(self.engine)
                with self.engine.begin() as conn:
                    if conn.execute(sa.select(meta_table.c.value).where(
                            meta_table.c.key == "schema_version")).first() is None:
                        conn.execute(meta_table.insert().values(key="schema_version", value=SCHEMA_VERSION))
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"bad database URL {url!r}: {exc}") from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot open the workspace database {self.safe_url}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except Exception:
            return "<unparseable URL>"

    @staticmethod
    def _make_engine(url: str) -> Engine:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                from pathlib import Path

                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"timeout": 30})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, pool_pre_ping=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()

    def revision(self) -> tuple[int, ...]:
        """The highest id of every append-only table, and of imports: changes on every write.

        (Updates happen only beside an insert: a verdict filled in by a re-import adds an
        ``imports`` row, a claim flag changed by a reviewer adds a feedback row.)
        """
        tables = (documents, sentences, statements, imports, reviews, feedback)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*(
                sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0)).scalar_subquery() for t in tables))).one()
        return tuple(int(v) for v in row)

    # -- documents and sentences -------------------------------------------------------------

    def document_id_by_hash(self, content_hash: str, conn: Connection | None = None) -> int | None:
        query = sa.select(documents.c.id).where(documents.c.content_hash == content_hash)
        if conn is not None:
            return conn.execute(query).scalar()
        with self.engine.connect() as c:
            return c.execute(query).scalar()

    def document_id_by_body(self, body: str, conn: Connection | None = None) -> int | None:
        """The oldest document whose text is exactly ``body``, if any."""
        query = sa.select(documents.c.id).where(documents.c.body == body).order_by(documents.c.id).limit(1)
        if conn is not None:
            return conn.execute(query).scalar()
        with self.engine.connect() as c:
            return c.execute(query).scalar()

    def add_document(self, conn: Connection, *, content_hash: str, title: str, origin: str, kind: str,
                     source: str | None, url: str | None, published: dt.date | None,
                     default_speaker: str | None, body: str,
                     rows: Sequence[dict[str, Any]]) -> int:
        """Insert a document and its sentences (dicts of the sentences table's columns)."""
        doc_id = conn.execute(documents.insert().values(
            content_hash=content_hash, title=title, origin=origin, kind=kind, source=source, url=url,
            published=published, default_speaker=default_speaker, body=body, created_at=utcnow(),
        )).inserted_primary_key[0]
        if rows:
            conn.execute(sentences.insert(), [dict(r, document_id=doc_id) for r in rows])
        return int(doc_id)

    def _document_from_row(self, row: Any) -> Document:
        return Document(
            id=row.id, title=row.title, origin=row.origin, kind=row.kind, source=row.source,
            url=row.url, published=row.published, created_at=_utc(row.created_at),
            n_sentences=int(row.n_sentences or 0), n_claims=int(row.n_claims or 0),
        )

    def _documents_query(self) -> sa.Select:
        counts = (
            sa.select(
                sentences.c.document_id,
                sa.func.count().label("n_sentences"),
                sa.func.sum(sa.case((sentences.c.is_claim, 1), else_=0)).label("n_claims"),
            ).group_by(sentences.c.document_id).subquery()
        )
        return (
            sa.select(documents.c.id, documents.c.title, documents.c.origin, documents.c.kind,
                      documents.c.source, documents.c.url, documents.c.published, documents.c.created_at,
                      counts.c.n_sentences, counts.c.n_claims)
            .select_from(documents.outerjoin(counts, counts.c.document_id == documents.c.id))
        )

    def get_document(self, document_id: int) -> Document:
        with self.engine.connect() as conn:
            row = conn.execute(self._documents_query().where(documents.c.id == document_id)).first()
        if row is None:
            raise NotFoundError(f"no document with id {document_id}")
        return self._document_from_row(row)

    def sentence_texts(self, ids: Sequence[int]) -> dict[int, str]:
        """The text of each sentence id that exists, from one query per 500 ids."""
        found: dict[int, str] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                found.update(conn.execute(sa.select(sentences.c.id, sentences.c.text)
                                          .where(sentences.c.id.in_(list(ids[i:i + 500])))).all())
        return found

    def list_documents(self) -> list[Document]:
        with self.engine.connect() as conn:
            rows = conn.execute(self._documents_query().order_by(documents.c.id.desc())).all()
        return [self._document_from_row(r) for r in rows]

    def document_sentences(self, document_id: int) -> list[dict[str, Any]]:
        """All sentences of a document in order, as plain dicts (for the extract view)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sentences).where(sentences.c.document_id == document_id)
                .order_by(sentences.c.position)).mappings().all()
        return [dict(r) for r in rows]

    # -- claims ------------------------------------------------------------------------------

    def _claims_query(self) -> sa.Select:
        return (
            sa.select(sentences, documents.c.title.label("document_title"), documents.c.source,
                      documents.c.url, documents.c.published)
            .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
            .where(sentences.c.is_claim.is_(True))
        )

    def _verdicts_for(self, conn: Connection, claim_ids: Sequence[int]) -> dict[int, CurrentVerdict]:
        events: dict[int, list[ReviewEvent]] = {}
        for chunk_start in range(0, len(claim_ids), 500):
            chunk = claim_ids[chunk_start:chunk_start + 500]
            rows = conn.execute(sa.select(reviews).where(reviews.c.claim_id.in_(chunk))
                                .order_by(reviews.c.id)).all()
            for r in rows:
                events.setdefault(r.claim_id, []).append(self._event_from_row(r))
        result = {}
        for claim_id, evs in events.items():
            current = current_verdict(evs)
            if current is not None:
                result[claim_id] = current
        return result

    def _claim_from_row(self, row: Any, current: CurrentVerdict | None,
                        before: tuple[str, ...] = (), after: tuple[str, ...] = ()) -> Claim:
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
        )

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
            current = self._verdicts_for(conn, [claim_id]).get(claim_id)
        before = tuple(r.text for r in around if r.position < row.position)
        after = tuple(r.text for r in around if r.position > row.position)
        return self._claim_from_row(row, current, before, after)

    def list_claims(self, *, document_id: int | None = None, speaker: str | None = None,
                    min_score: float | None = None, status: str | None = None) -> list[Claim]:
        """Claims in queue order (document, then position), filtered.

        ``status`` is ``reviewed``, ``unreviewed`` or a verdict word.
        """
        query = self._claims_query()
        if document_id is not None:
            query = query.where(sentences.c.document_id == document_id)
        if speaker is not None:
            query = query.where(sentences.c.speaker == speaker)
        if min_score is not None:
            query = query.where(sentences.c.checkworthiness >= min_score)
        query = query.order_by(sentences.c.document_id, sentences.c.position)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            verdicts = self._verdicts_for(conn, [r.id for r in rows])
        claims = [self._claim_from_row(r, verdicts.get(r.id)) for r in rows]
        if status == "reviewed":
            claims = [c for c in claims if c.verdict is not None]
        elif status == "unreviewed":
            claims = [c for c in claims if c.verdict is None]
        elif status is not None:
            wanted = Verdict.parse(status)
            claims = [c for c in claims if c.verdict is wanted]
        return claims

    def claim_speakers(self) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sentences.c.speaker).distinct()
                                .where(sentences.c.is_claim.is_(True), sentences.c.speaker.is_not(None))
                                .order_by(sentences.c.speaker)).all()
        return [r[0] for r in rows]

    def progress(self, document_id: int | None = None) -> Progress:
        claims = self.list_claims(document_id=document_id)
        return Progress(total=len(claims), reviewed=sum(1 for c in claims if c.verdict is not None))

    # -- embeddings (the EmbeddingCache protocol) --------------------------------------------

    def get_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(hashes), 500):
                rows = conn.execute(
                    sa.select(embeddings.c.text_hash, embeddings.c.vector)
                    .where(embeddings.c.model == model, embeddings.c.text_hash.in_(hashes[i:i + 500]))).all()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        with self.engine.begin() as conn:
            existing = set()
            keys = list(vectors)
            for i in range(0, len(keys), 500):
                existing.update(conn.execute(
                    sa.select(embeddings.c.text_hash)
                    .where(embeddings.c.model == model, embeddings.c.text_hash.in_(keys[i:i + 500]))).scalars())
            rows = [
                {"model": model, "text_hash": h, "dim": int(v.shape[0]),
                 "vector": np.ascontiguousarray(v, dtype=np.float32).tobytes()}
                for h, v in vectors.items() if h not in existing
            ]
            if rows:
                conn.execute(embeddings.insert(), rows)

    def hashes_missing_embeddings(self, model: str) -> list[tuple[str, str]]:
        """(text hash, text) of statements that have no vector for ``model`` yet."""
        query = (
            sa.select(statements.c.text_hash, sa.func.min(statements.c.text))
            .select_from(statements.outerjoin(
                embeddings, sa.and_(embeddings.c.text_hash == statements.c.text_hash,
                                    embeddings.c.model == model)))
            .where(embeddings.c.text_hash.is_(None))
            .group_by(statements.c.text_hash)
        )
        with self.engine.connect() as conn:
            return [(h, t) for h, t in conn.execute(query).all()]

    # -- statements (and the VectorSource protocol) ------------------------------------------

    def import_seen(self, content_hash: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(imports.c.id).where(imports.c.content_hash == content_hash)
                                .limit(1)).first() is not None

    def add_statements(self, conn: Connection, *, origin: str, content_hash: str,
                       rows: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
        """Insert archive statements whose row hash is new; returns (added, skipped, updated).

        A row already in the archive without a verdict gets the verdict this import maps for it
        (``updated``): importing again with a fuller ``--verdict-map`` fills the gaps.
        """
        hashes = [r["row_hash"] for r in rows]
        existing: dict[str, str | None] = {}
        for i in range(0, len(hashes), 500):
            existing.update(conn.execute(sa.select(statements.c.row_hash, statements.c.verdict)
                                         .where(statements.c.row_hash.in_(hashes[i:i + 500]))).all())
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
                dict(r, origin="archive", import_id=import_id, created_at=now) for r in fresh])
        return len(fresh), len(rows) - len(fresh), updated

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
            stated_on=row.published or _utc(row.created_at).date(), source=row.source, url=row.url,
            rating=None, verdict=value, origin="review", claim_id=claim_id,
            extra=json.dumps(extra, sort_keys=True), created_at=utcnow()))

    def _statement_from_row(self, row: Any) -> Statement:
        return Statement(
            id=row.id, text=row.text, speaker=row.speaker, date=row.stated_on, source=row.source,
            url=row.url, verdict=Verdict(row.verdict) if row.verdict else None, rating=row.rating,
            origin=row.origin, claim_id=row.claim_id, metadata=json.loads(row.extra or "{}"),
        )

    def get_statements(self, ids: Sequence[int]) -> dict[int, Statement]:
        found: dict[int, Statement] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                for row in conn.execute(sa.select(statements).where(statements.c.id.in_(ids[i:i + 500]))):
                    found[row.id] = self._statement_from_row(row)
        return found

    def search_statements(self, text: str | None = None, *, verdict: str | None = None,
                          origin: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Statement], int]:
        """Archive browsing: statements whose text, speaker or source contains ``text``; and the total.

        ``origin`` is ``archive`` (imported), ``review`` (reviewed claims) or an imported file's name.
        """
        query = sa.select(statements)
        if text:
            pattern = f"%{text.lower()}%"
            query = query.where(sa.or_(sa.func.lower(statements.c.text).like(pattern),
                                       sa.func.lower(sa.func.coalesce(statements.c.speaker, "")).like(pattern),
                                       sa.func.lower(sa.func.coalesce(statements.c.source, "")).like(pattern)))
        if verdict:
            query = query.where(statements.c.verdict == Verdict.parse(verdict).value)
        if origin in ("archive", "review"):
            query = query.where(statements.c.origin == origin)
        elif origin:  # the name of an imported file
            query = query.where(statements.c.import_id.in_(
                sa.select(imports.c.id).where(imports.c.origin == origin)))
        # Claims whose labels were all undone are not earlier statements any more.
        query = query.where(sa.or_(statements.c.origin != "review", statements.c.verdict.is_not(None)))
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(query.order_by(statements.c.id.desc()).limit(limit).offset(offset)).all()
        return [self._statement_from_row(r) for r in rows], int(total)

    def archive_origins(self) -> list[str]:
        """The files the archive was imported from, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(imports.c.origin, sa.func.min(imports.c.id).label("first"))
                                .group_by(imports.c.origin).order_by("first")).all()
        return [r.origin for r in rows]

    def label_events_by(self, reviewer: str, limit: int = 200) -> list[ReviewEvent]:
        """A reviewer's most recent label events, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(reviews).where(reviews.c.reviewer == reviewer,
                                                         reviews.c.action == "label")
                                .order_by(reviews.c.id.desc()).limit(limit)).all()
        return [self._event_from_row(r) for r in rows]

    def statement_texts(self) -> tuple[list[int], list[str]]:
        """Ids and lexical texts (statement, then speaker) of every statement, in id order."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(statements.c.id, statements.c.text, statements.c.speaker)
                                .order_by(statements.c.id)).all()
        return [r.id for r in rows], [f"{r.text} {r.speaker}" if r.speaker else r.text for r in rows]

    def statement_stats(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            count, max_id = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(statements.c.id), 0))
                                         .select_from(statements)).one()
        return int(count), int(max_id)

    def count_statements_upto(self, max_id: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(statements)
                                    .where(statements.c.id <= max_id)).scalar_one())

    def statement_vectors(self, model: str, after_id: int = 0,
                          batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
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

    # -- reviews -----------------------------------------------------------------------------

    @staticmethod
    def _event_from_row(row: Any) -> ReviewEvent:
        return ReviewEvent(
            id=row.id, claim_id=row.claim_id, reviewer=row.reviewer, action=row.action,
            verdict=Verdict(row.verdict) if row.verdict else None, note=row.note,
            evidence=tuple(json.loads(row.evidence or "[]")), created_at=_utc(row.created_at),
        )

    def claim_exists(self, conn: Connection, claim_id: int) -> bool:
        return conn.execute(sa.select(sentences.c.id).where(
            sentences.c.id == claim_id, sentences.c.is_claim.is_(True))).first() is not None

    def append_review(self, conn: Connection, *, claim_id: int, reviewer: str, action: str,
                      verdict: Verdict | None, note: str | None, evidence: Sequence[str]) -> ReviewEvent:
        now = utcnow()
        event_id = conn.execute(reviews.insert().values(
            claim_id=claim_id, reviewer=reviewer, action=action,
            verdict=verdict.value if verdict else None, note=note,
            evidence=json.dumps(list(evidence)), created_at=now)).inserted_primary_key[0]
        return ReviewEvent(id=int(event_id), claim_id=claim_id, reviewer=reviewer, action=action,
                           verdict=verdict, note=note, evidence=tuple(evidence), created_at=now)

    def review_events(self, claim_id: int, conn: Connection | None = None) -> list[ReviewEvent]:
        query = sa.select(reviews).where(reviews.c.claim_id == claim_id).order_by(reviews.c.id)
        if conn is not None:
            return [self._event_from_row(r) for r in conn.execute(query)]
        with self.engine.connect() as c:
            return [self._event_from_row(r) for r in c.execute(query)]

    # -- detector feedback ---------------------------------------------------------------------

    def sentence(self, sentence_id: int, conn: Connection | None = None) -> dict[str, Any]:
        query = sa.select(sentences).where(sentences.c.id == sentence_id)
        if conn is not None:
            row = conn.execute(query).mappings().first()
        else:
            with self.engine.connect() as c:
                row = c.execute(query).mappings().first()
        if row is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        return dict(row)

    def record_feedback(self, conn: Connection, sentence_id: int, reviewer: str, is_claim: bool) -> None:
        """Log a reviewer's "claim" / "not a claim" call and set the sentence's flag to match."""
        conn.execute(feedback.insert().values(sentence_id=sentence_id, reviewer=reviewer, is_claim=is_claim,
                                              created_at=utcnow()))
        conn.execute(sentences.update().where(sentences.c.id == sentence_id).values(is_claim=is_claim))

    def feedback_examples(self) -> list[tuple[str, bool]]:
        """(sentence text, is a claim) for every sentence a reviewer flagged, latest call wins."""
        latest = (sa.select(feedback.c.sentence_id, sa.func.max(feedback.c.id).label("last"))
                  .group_by(feedback.c.sentence_id).subquery())
        query = (sa.select(sentences.c.text, feedback.c.is_claim)
                 .select_from(feedback.join(latest, latest.c.last == feedback.c.id)
                              .join(sentences, sentences.c.id == feedback.c.sentence_id))
                 .order_by(feedback.c.id))
        with self.engine.connect() as conn:
            return [(t, bool(c)) for t, c in conn.execute(query).all()]

    def count_rows(self) -> dict[str, int]:
        """Rows per table: used by tests and `status` to show nothing was half-written."""
        with self.engine.connect() as conn:
            return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                    for t in (documents, sentences, statements, imports, embeddings, reviews, feedback)}
