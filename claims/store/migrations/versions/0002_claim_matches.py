"""The match cache: each claim's top card as last ranked, so an export need not re-match every claim.

A cache, not a record (``claims/store/matchcache.py``): dropping it loses nothing but time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_matches",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("cosine", sa.Float(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("archive_max_id", sa.Integer(), nullable=False),
        sa.Column("reviews_max_id", sa.Integer(), nullable=False),
        sa.Column("matcher_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["sentences.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("claim_id"),
    )


def downgrade() -> None:
    op.drop_table("claim_matches")
