"""The workspace database: schema and queries, through SQLAlchemy Core.

One code path serves SQLite (the embedded default, in WAL mode) and PostgreSQL (for teams).
The database is the truth: documents, their sentences, earlier statements, embeddings (float32
bytes keyed by model and text hash) and the append-only review log. The FAISS index and every
screen are derived from it.

:class:`Store` owns the engine and transactions and exposes one part per kind of thing stored::

    store.documents    documents.py    documents, sentences, claims, progress
    store.statements   statements.py   imports, earlier statements (VectorSource)
    store.reviews      reviews.py      review log, detector feedback
    store.embeddings   embeddings.py   vectors by model and text hash (EmbeddingCache)
    store.users        users.py        users (role, Argon2 hash) and their sessions
    store.audit        audit.py        ingested / matched / exported events per claim
    store.judgements   judgements.py   reviewers' "same claim?" answers on match cards
    store.match_cache  matchcache.py   each claim's top card as last ranked (a cache the export reads)
    store.queue        queue.py        the review queue in memory, caught up from the rows added since
    store.export_lines exportlines.py  review states and CSV lines kept between exports, caught up likewise

The tables are in ``schema.py``, their migrations in ``migrations/`` (Alembic); ``base.py`` holds what the parts share, ``tails.py`` how the in-memory parts find the rows added since (:func:`chunked` for
``IN (...)`` lists, UTC times).
"""

from claims.store.base import IN_LIST_CHUNK, chunked, utcnow
from claims.store.database import Store
from claims.store.documents import Documents
from claims.store.embeddings import Embeddings
from claims.store.reviews import Reviews
from claims.store.schema import SCHEMA_VERSION, metadata
from claims.store.statements import Statements
from claims.store.users import Users
from claims.store.audit import Audit
from claims.store.judgements import Judgements
from claims.store.matchcache import MatchCache
from claims.store.queue import QueueIndex
from claims.store.exportlines import ExportLines

__all__ = [
    "Store",
    "Documents",
    "Statements",
    "Reviews",
    "Embeddings",
    "Users",
    "Audit",
    "Judgements",
    "MatchCache",
    "QueueIndex",
    "ExportLines",
    "metadata",
    "SCHEMA_VERSION",
    "IN_LIST_CHUNK",
    "chunked",
    "utcnow",
]
