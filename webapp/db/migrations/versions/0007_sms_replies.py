"""sms: replies to our messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keyword", sa.String(length=8), nullable=True),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sms_replies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_replies")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_sms_replies_provider_id")),
    )
    op.create_index(
        "ix_sms_replies_organisation",
        "sms_replies",
        ["organisation_id", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_sms_replies_organisation", table_name="sms_replies")
    op.drop_table("sms_replies")
