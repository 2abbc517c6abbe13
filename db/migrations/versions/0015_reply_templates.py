"""reply templates for coordinators: texts per language, attachments, uses

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("attachment_kind", sa.String(length=16), nullable=True),
        sa.Column("attachment_file_id", sa.String(length=256), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_templates_region_id", "reply_templates", ["region_id"])
    op.create_table(
        "reply_template_texts",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reviewed", sa.Boolean(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["reply_templates.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("template_id", "language"),
    )
    op.create_table(
        "reply_template_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["reply_templates.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reply_template_uses_template_id", "reply_template_uses", ["template_id"])
    op.create_index("ix_reply_template_uses_region_id", "reply_template_uses", ["region_id"])


def downgrade() -> None:
    op.drop_index("ix_reply_template_uses_region_id", table_name="reply_template_uses")
    op.drop_index("ix_reply_template_uses_template_id", table_name="reply_template_uses")
    op.drop_table("reply_template_uses")
    op.drop_table("reply_template_texts")
    op.drop_index("ix_reply_templates_region_id", table_name="reply_templates")
    op.drop_table("reply_templates")
