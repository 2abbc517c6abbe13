"""pending translations and the privacy notice's revision

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("reply_to", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_pending_translations_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["question_messages.id"],
            name=op.f("fk_pending_translations_message_id_question_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_translations")),
    )
    with op.batch_alter_table("pending_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_translations_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pending_translations_next_attempt_at"),
            ["next_attempt_at"],
            unique=False,
        )
    op.create_table(
        "notice_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("providers", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_revision")),
    )


def downgrade() -> None:
    op.drop_table("notice_revision")
    with op.batch_alter_table("pending_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_translations_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_pending_translations_question_id"))
    op.drop_table("pending_translations")
