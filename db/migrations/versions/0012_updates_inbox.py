"""updates inbox: each update is stored before it is confirmed, handled from the store

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effects", sa.String(length=128), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_inbox_updates_chat_id", "inbox_updates", ["chat_id"])
    op.create_index("ix_inbox_updates_user_id", "inbox_updates", ["user_id"])
    op.create_index("ix_inbox_updates_done_at", "inbox_updates", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_updates_done_at", table_name="inbox_updates")
    op.drop_index("ix_inbox_updates_user_id", table_name="inbox_updates")
    op.drop_index("ix_inbox_updates_chat_id", table_name="inbox_updates")
    op.drop_table("inbox_updates")
