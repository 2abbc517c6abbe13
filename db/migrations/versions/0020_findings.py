"""you said, we did: survey findings and the municipality's response, members' reactions;
a generated picture on broadcast versions

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("question", sa.String(length=32), nullable=True),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["run_id"], ["survey_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "kind"),
    )
    op.create_table(
        "finding_reactions",
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["survey_findings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("finding_id", "member_id"),
    )
    op.create_index("ix_finding_reactions_member_id", "finding_reactions", ["member_id"])
    with op.batch_alter_table("broadcast_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_data", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast_versions", schema=None) as batch_op:
        batch_op.drop_column("file_data")
    op.drop_index("ix_finding_reactions_member_id", table_name="finding_reactions")
    op.drop_table("finding_reactions")
    op.drop_table("survey_findings")
