"""a reviewed multilingual FAQ: entries, texts per language, suggestions, deflections, ratings

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("source_question_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_question_id"], ["questions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_entries_region_id"), ["region_id"], unique=False)
    op.create_table(
        "faq_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("machine", sa.String(length=16), nullable=True),
        sa.Column("reviewed_by", sa.BigInteger(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "language"),
    )
    op.create_table(
        "faq_suggestions",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id", "entry_id"),
    )
    op.create_table(
        "faq_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entries.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_deflections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_deflections_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_faq_deflections_region_id"), ["region_id"], unique=False
        )
    op.create_table(
        "faq_ratings",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["faq_entries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", "member_id"),
    )
    with op.batch_alter_table("faq_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_ratings_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faq_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_ratings_member_id"))
    op.drop_table("faq_ratings")
    with op.batch_alter_table("faq_deflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_deflections_region_id"))
        batch_op.drop_index(batch_op.f("ix_faq_deflections_entry_id"))
    op.drop_table("faq_deflections")
    op.drop_table("faq_suggestions")
    op.drop_table("faq_texts")
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_entries_region_id"))
    op.drop_table("faq_entries")
