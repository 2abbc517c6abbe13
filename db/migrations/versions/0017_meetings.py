"""pool meetings: meetings, members' replies; buttons and a generated file on broadcast versions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("needs", sa.String(length=64), nullable=False),
        sa.Column("rsvp_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("early_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meetings_region_id", "meetings", ["region_id"])
    op.create_index("ix_meetings_starts_at", "meetings", ["starts_at"])
    op.create_table(
        "meeting_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("waitlisted", sa.Boolean(), nullable=False),
        sa.Column("interpreter", sa.String(length=8), nullable=True),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("travel", sa.Boolean(), nullable=False),
        sa.Column("access", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "member_id"),
    )
    op.create_index("ix_meeting_replies_member_id", "meeting_replies", ["member_id"])
    with op.batch_alter_table("broadcast_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("markup", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast_versions", schema=None) as batch_op:
        batch_op.drop_column("file_text")
        batch_op.drop_column("file_name")
        batch_op.drop_column("markup")
    op.drop_index("ix_meeting_replies_member_id", table_name="meeting_replies")
    op.drop_table("meeting_replies")
    op.drop_index("ix_meetings_starts_at", table_name="meetings")
    op.drop_index("ix_meetings_region_id", table_name="meetings")
    op.drop_table("meetings")
