"""volunteers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:04:40.380633
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_volunteers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("member_id", name=op.f("uq_volunteers_member_id")),
    )
    op.create_table(
        "volunteer_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_pairs_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_pairs")),
        sa.UniqueConstraint(
            "volunteer_id", "source", "target", name=op.f("uq_volunteer_pairs_volunteer_id")
        ),
    )
    with op.batch_alter_table("volunteer_pairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_pairs_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("reply_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("reply_message_id", sa.BigInteger(), nullable=True),
        sa.Column("member_message_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_message_id", sa.BigInteger(), nullable=True),
        sa.Column("translation", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_volunteer_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_volunteer_requests_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_requests_volunteer_id_volunteers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_requests")),
    )
    with op.batch_alter_table("volunteer_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_requests_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteer_requests_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteer_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_volunteer_requests_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["volunteer_requests.id"],
            name=op.f("fk_volunteer_attempts_request_id_volunteer_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_attempts_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_attempts")),
    )
    with op.batch_alter_table("volunteer_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_attempts_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteer_attempts_volunteer_id"), ["volunteer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteer_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_attempts_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_volunteer_attempts_request_id"))

    op.drop_table("volunteer_attempts")
    with op.batch_alter_table("volunteer_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_requests_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_volunteer_requests_status"))
        batch_op.drop_index(batch_op.f("ix_volunteer_requests_question_id"))
        batch_op.drop_index(batch_op.f("ix_volunteer_requests_member_id"))

    op.drop_table("volunteer_requests")
    with op.batch_alter_table("volunteer_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_pairs_volunteer_id"))

    op.drop_table("volunteer_pairs")
    op.drop_table("volunteers")
