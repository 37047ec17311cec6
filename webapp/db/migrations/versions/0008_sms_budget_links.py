"""sms: monthly budgets, a short link per message, the event a send is about

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 22:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_budgets",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("unit IN ('segments', 'money')", name=op.f("ck_sms_budgets_unit")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_sms_budgets_amount")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sms_budgets_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_sms_budgets_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_sms_budgets")),
    )
    # Plain ADD COLUMN (no table rebuild on SQLite): nullable columns, indexes made apart.
    op.add_column("outbox", sa.Column("code", sa.String(length=16), nullable=True))
    op.add_column("outbox", sa.Column("cost", sa.Numeric(precision=10, scale=4), nullable=True))
    op.create_index("ux_outbox_code", "outbox", ["code"], unique=True)
    op.create_index("ix_outbox_organisation", "outbox", ["organisation_id", "created_at"])
    # A plain column: SQLite cannot add a named foreign key without rebuilding sms_sends,
    # and a rebuild would cascade into the outbox. Events are never deleted (they end as
    # withdrawn, declined or cancelled), and the code reads a missing event as none.
    op.add_column("sms_sends", sa.Column("event_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("sms_sends", "event_id")
    op.drop_index("ix_outbox_organisation", table_name="outbox")
    op.drop_index("ux_outbox_code", table_name="outbox")
    op.drop_column("outbox", "cost")
    op.drop_column("outbox", "code")
    op.drop_table("sms_budgets")
