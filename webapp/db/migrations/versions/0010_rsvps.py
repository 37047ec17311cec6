"""rsvps: people coming to a date of an event, with a waitlist and a personal link

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("offered_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("party_size BETWEEN 1 AND 20", name=op.f("ck_rsvps_party_size")),
        sa.CheckConstraint(
            "status IN ('going', 'waitlist', 'offered', 'lapsed', 'cancelled')",
            name=op.f("ck_rsvps_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_rsvps_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["share_links.id"],
            name=op.f("fk_rsvps_link_id_share_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrences.id"],
            name=op.f("fk_rsvps_occurrence_id_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsvps")),
        sa.UniqueConstraint("request_key", name=op.f("uq_rsvps_request_key")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rsvps_token_hash")),
    )
    op.create_index("ix_rsvps_occurrence", "rsvps", ["occurrence_id", "status", "created_at"])
    op.create_index("ix_rsvps_event", "rsvps", ["event_id"])
    op.create_index("ix_rsvps_offered", "rsvps", ["status", "offered_until"])


def downgrade() -> None:
    op.drop_index("ix_rsvps_offered", table_name="rsvps")
    op.drop_index("ix_rsvps_event", table_name="rsvps")
    op.drop_index("ix_rsvps_occurrence", table_name="rsvps")
    op.drop_table("rsvps")
