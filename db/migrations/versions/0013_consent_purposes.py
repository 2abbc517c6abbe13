"""consent per purpose: membership and quotes; refusals; quote permission on responses

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purpose", sa.String(16), nullable=False, server_default="membership")
        )
        batch_op.add_column(
            sa.Column("granted", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_consent_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notice_shown_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quote_ok", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_column("quote_ok")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("notice_shown_version")
        batch_op.drop_column("quote_consent_version")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("granted")
        batch_op.drop_column("purpose")
