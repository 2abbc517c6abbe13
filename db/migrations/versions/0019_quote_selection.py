"""quotes a coordinator picked for a survey report (a reference to the answer only)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_quote_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("picked_by", sa.BigInteger(), nullable=True),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["survey_answers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("answer_id"),
    )


def downgrade() -> None:
    op.drop_table("survey_quote_picks")
