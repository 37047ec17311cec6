"""occurrence times: an index on the dates' start times, for the program of all libraries

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 03:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_occurrences_starts", "occurrences", ["starts_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_occurrences_starts", table_name="occurrences")
