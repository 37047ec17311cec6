"""calendars: private feed tokens, a date's place in its series, the calendar version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What calendars show: a change to any of these bumps calendar_state.version.
WATCHED = ("events", "occurrences", "event_partners", "rooms", "locations", "organisations")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("position", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    # Dates booked before this migration: their order within the event.
    op.execute(
        "UPDATE occurrences SET position = (SELECT count(*) FROM occurrences AS o2 "
        "WHERE o2.event_id = occurrences.event_id AND (o2.starts_at < occurrences.starts_at "
        "OR (o2.starts_at = occurrences.starts_at AND o2.id <= occurrences.id)))"
    )
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=120), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('staff', 'partner', 'volunteer', 'attendee')",
            name=op.f("ck_feed_tokens_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_feed_tokens_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    op.create_index("ix_feed_tokens_user", "feed_tokens", ["user_id"], unique=False)
    op.create_table(
        "calendar_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_state")),
    )
    op.execute("INSERT INTO calendar_state (id, version) VALUES (1, 0)")
    bump = "UPDATE calendar_state SET version = version + 1 WHERE id = 1"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION calendar_touch() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {bump}; RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER calendar_touch_{table} AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION calendar_touch()"
            )
        return
    for table in WATCHED:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER calendar_touch_{table}_{operation.lower()} AFTER {operation} "
                f"ON {table} BEGIN {bump}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS calendar_touch_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS calendar_touch()")
    else:
        for table in WATCHED:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS calendar_touch_{table}_{operation.lower()}")
    op.drop_table("calendar_state")
    op.drop_index("ix_feed_tokens_user", table_name="feed_tokens")
    op.drop_table("feed_tokens")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_column("position")
