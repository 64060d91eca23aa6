"""The tables of the workspace database (SQLAlchemy Core), one schema for SQLite and PostgreSQL.

Which part of :class:`~claims.store.Store` writes which tables:

- ``documents``, ``sentences``: :class:`~claims.store.documents.Documents` (claims are the sentences
  with ``is_claim``);
- ``imports``, ``statements``: :class:`~claims.store.statements.Statements` (the archive of earlier
  statements; a reviewed claim's row has ``origin = review`` and its ``claim_id``);
- ``reviews``, ``detector_feedback``: :class:`~claims.store.reviews.Reviews` (append-only logs);
- ``match_judgements``: :class:`~claims.store.judgements.Judgements` (append-only: a reviewer's
  "same claim?" yes/no on one card of a claim, with the tier, P(same claim) and cosine the card showed);
- ``claim_matches``: :class:`~claims.store.matchcache.MatchCache` (a cache, not a record: each claim's
  top earlier statement as the matcher ranked it, with the archive's highest statement id and the
  matcher's settings key at that time, so an export reuses it until the archive changes near the claim);
- ``embeddings``: :class:`~claims.store.embeddings.Embeddings` (float32 bytes by model and text hash);
- ``users``, ``user_sessions``: :class:`~claims.store.users.Users` (who may sign in; session tokens as
  SHA-256 digests);
- ``audit``: :class:`~claims.store.audit.Audit` (ingested and matched events per claim; verdicts,
  undos and adjudications are in ``reviews``);
- ``exports``: :class:`~claims.store.audit.Audit` too (one row per export, not per claim: who, when,
  which format, and the ids of the claims the file held, packed; a claim's trail reads it from there).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "SCHEMA_VERSION",
    "metadata",
    "meta_table",
    "documents",
    "sentences",
    "imports",
    "statements",
    "embeddings",
    "reviews",
    "feedback",
    "match_judgements",
    "claim_matches",
    "users",
    "user_sessions",
    "audit",
    "exports",
]

SCHEMA_VERSION = "1"

metadata = sa.MetaData()

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
    sa.Column("origin", sa.String(16), nullable=False),  # an Origin word
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
    sa.Column("action", sa.String(16), nullable=False),  # a ReviewAction word
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

match_judgements = sa.Table(
    "match_judgements", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("statement_id", sa.Integer, sa.ForeignKey("statements.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("same", sa.Boolean, nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),  # a Tier word: what the card said
    sa.Column("probability", sa.Float),  # P(same claim) on the card; None under the cosine rule
    sa.Column("cosine", sa.Float, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

claim_matches = sa.Table(
    "claim_matches", metadata,
    sa.Column("claim_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"), primary_key=True),
    # None: no earlier statement matched at all. A deleted statement deletes the row (recomputed).
    sa.Column("statement_id", sa.Integer, sa.ForeignKey("statements.id", ondelete="CASCADE")),
    sa.Column("cosine", sa.Float),
    sa.Column("probability", sa.Float),
    sa.Column("tier", sa.String(16)),
    sa.Column("score", sa.Float),
    sa.Column("reason", sa.Text),
    sa.Column("archive_max_id", sa.Integer, nullable=False),  # the highest statement id ranked against
    sa.Column("reviews_max_id", sa.Integer, nullable=False),  # the last review event then (verdicts show/hide)
    sa.Column("matcher_key", sa.String(64), nullable=False),  # model, match settings, verifier
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),  # a Role word
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

user_sessions = sa.Table(
    "user_sessions", metadata,
    sa.Column("token_digest", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.Integer, sa.ForeignKey("sentences.id", ondelete="CASCADE"), index=True),
    sa.Column("event", sa.String(16), nullable=False),  # an AuditKind word
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

exports = sa.Table(
    "exports", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("claims", sa.Integer, nullable=False),
    # The lowest and highest claim id in the file, so a claim's trail unpacks only the exports that may hold it.
    sa.Column("first_claim_id", sa.Integer, nullable=False, index=True),
    sa.Column("last_claim_id", sa.Integer, nullable=False, index=True),
    # The ids of the claims the file held, ascending, as zlib-packed little-endian uint32 gaps
    # (claims.store.audit.pack_ids): 100,000 claims fit in a few hundred bytes to a few dozen KB.
    sa.Column("claim_ids", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
