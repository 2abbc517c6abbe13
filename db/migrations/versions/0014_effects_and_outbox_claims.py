"""effects of inbox updates in a table of their own; outbox claims and state jobs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_effects",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["update_id"], ["inbox_updates.update_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("update_id", "key"),
    )
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.drop_column("effects")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="deliver", nullable=False)
        )
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic_closed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Topics of questions closed before this revision were closed by then.
    op.execute(
        "UPDATE questions SET topic_closed = "
        + ("true" if op.get_bind().dialect.name == "postgresql" else "1")
        + " WHERE closed_at IS NOT NULL AND thread_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("topic_closed")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("kind")
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effects", sa.String(length=128), nullable=True))
    op.drop_table("inbox_effects")
