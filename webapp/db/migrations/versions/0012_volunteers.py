"""volunteers: tasks and shifts of events, the people on them, task templates, sign-up pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("link_key", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("consent_source", sa.String(length=20), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("link_key", name=op.f("uq_volunteers_link_key")),
        sa.UniqueConstraint("phone", name=op.f("uq_volunteers_phone")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_volunteers_token_hash")),
    )
    op.create_table(
        "volunteer_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("people_needed", sa.Integer(), nullable=False),
        sa.Column("start_anchor", sa.String(length=5), nullable=False),
        sa.Column("start_minutes", sa.Integer(), nullable=False),
        sa.Column("end_anchor", sa.String(length=5), nullable=False),
        sa.Column("end_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "people_needed BETWEEN 1 AND 500", name=op.f("ck_volunteer_templates_people_needed")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_volunteer_templates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_templates")),
    )
    op.create_index(
        "ix_volunteer_templates_organisation", "volunteer_templates", ["organisation_id"]
    )

    op.create_table(
        "volunteer_boards",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("access", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "access IN ('public', 'invite', 'closed')", name=op.f("ck_volunteer_boards_access")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_volunteer_boards_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_volunteer_boards")),
        sa.UniqueConstraint("code", name=op.f("uq_volunteer_boards_code")),
    )
    op.create_table(
        "volunteer_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("people_needed", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("start_anchor", sa.String(length=5), nullable=False),
        sa.Column("start_minutes", sa.Integer(), nullable=False),
        sa.Column("end_anchor", sa.String(length=5), nullable=False),
        sa.Column("end_minutes", sa.Integer(), nullable=False),
        sa.Column("only_position", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "people_needed BETWEEN 1 AND 500", name=op.f("ck_volunteer_tasks_people_needed")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_volunteer_tasks_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["organisations.id"],
            name=op.f("fk_volunteer_tasks_partner_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_tasks")),
    )
    op.create_index("ix_volunteer_tasks_event", "volunteer_tasks", ["event_id"])

    op.create_table(
        "volunteer_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'cancelled')", name=op.f("ck_volunteer_shifts_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_volunteer_shifts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["volunteer_tasks.id"],
            name=op.f("fk_volunteer_shifts_task_id_volunteer_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_shifts")),
        sa.UniqueConstraint("task_id", "position", name="uq_volunteer_shifts_task_position"),
    )
    op.create_index("ix_volunteer_shifts_event", "volunteer_shifts", ["event_id", "starts_at"])

    op.create_table(
        "volunteer_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waitlist', 'cancelled')",
            name=op.f("ck_volunteer_signups_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_volunteer_signups_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shifts.id"],
            name=op.f("fk_volunteer_signups_shift_id_volunteer_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_signups_volunteer_id_volunteers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_signups")),
    )
    op.create_index("ix_volunteer_signups_event", "volunteer_signups", ["event_id"])
    op.create_index(
        "ix_volunteer_signups_shift", "volunteer_signups", ["shift_id", "status", "created_at"]
    )
    op.create_index("ix_volunteer_signups_volunteer", "volunteer_signups", ["volunteer_id"])

    # A plain column, like channel_id (migration 0011): no rebuild of sms_sends on SQLite.
    op.add_column("sms_sends", sa.Column("purpose", sa.String(length=12), nullable=True))


def downgrade() -> None:
    op.drop_column("sms_sends", "purpose")

    op.drop_index("ix_volunteer_signups_volunteer", table_name="volunteer_signups")
    op.drop_index("ix_volunteer_signups_shift", table_name="volunteer_signups")
    op.drop_index("ix_volunteer_signups_event", table_name="volunteer_signups")

    op.drop_table("volunteer_signups")
    op.drop_index("ix_volunteer_shifts_event", table_name="volunteer_shifts")

    op.drop_table("volunteer_shifts")
    op.drop_index("ix_volunteer_tasks_event", table_name="volunteer_tasks")

    op.drop_table("volunteer_tasks")
    op.drop_table("volunteer_boards")
    op.drop_index("ix_volunteer_templates_organisation", table_name="volunteer_templates")

    op.drop_table("volunteer_templates")
    op.drop_table("volunteers")
