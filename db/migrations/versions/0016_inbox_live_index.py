"""inbox: partial indexes, one on the updates still to handle (a claim walks these in
order), one on the tombstones' age (pruning)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LIVE = "done_at IS NULL AND parked_at IS NULL"
DONE = "done_at IS NOT NULL"


def upgrade() -> None:
    # A full index on done_at drew planners to it for "done_at IS NULL": every claim then
    # read and sorted all waiting updates.
    op.drop_index("ix_inbox_updates_done_at", table_name="inbox_updates")
    op.create_index(
        "ix_inbox_updates_done_at",
        "inbox_updates",
        ["done_at"],
        sqlite_where=sa.text(DONE),
        postgresql_where=sa.text(DONE),
    )
    op.create_index(
        "ix_inbox_updates_live",
        "inbox_updates",
        ["update_id"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_updates_live", table_name="inbox_updates")
    op.drop_index("ix_inbox_updates_done_at", table_name="inbox_updates")
    op.create_index("ix_inbox_updates_done_at", "inbox_updates", ["done_at"])
