"""sms: the invitation channel a send belongs to (what its answers are counted for)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain column, like event_id (migration 0008): no rebuild of sms_sends on SQLite.
    op.add_column("sms_sends", sa.Column("channel_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("sms_sends", "channel_id")
