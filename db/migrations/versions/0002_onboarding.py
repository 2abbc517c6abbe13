"""onboarding: consents, profile answers, outbound copies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:31:31.765004
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
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_consents_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_member_id"), ["member_id"], unique=False)

    op.create_table(
        "outbound_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_outbound_copies_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_copies")),
    )
    with op.batch_alter_table("outbound_copies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_copies_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "profile_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_profile_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_answers")),
        sa.UniqueConstraint("member_id", "question", name=op.f("uq_profile_answers_member_id")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("municipality_text", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("onboarding_step", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("consent_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_members_municipality_id_municipalities"),
            "municipalities",
            ["municipality_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_members_municipality_id_municipalities"), type_="foreignkey"
        )
        batch_op.drop_column("consent_version")
        batch_op.drop_column("onboarding_step")
        batch_op.drop_column("display_name")
        batch_op.drop_column("municipality_text")
        batch_op.drop_column("municipality_id")

    op.drop_table("profile_answers")
    with op.batch_alter_table("outbound_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_copies_member_id"))

    op.drop_table("outbound_copies")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_member_id"))

    op.drop_table("consents")
