"""statements: the deployment's accessibility statement and privacy contact, and the
accessibility problems reported by readers

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("compliance", sa.String(length=8), nullable=False),
        sa.Column("known_problems", sa.Text(), nullable=False),
        sa.Column("tested_how", sa.Text(), nullable=False),
        sa.Column("report_email", sa.String(length=254), nullable=False),
        sa.Column("report_phone", sa.String(length=40), nullable=False),
        sa.Column("uustatus_url", sa.String(length=300), nullable=False),
        sa.Column("was_url", sa.String(length=300), nullable=False),
        sa.Column("privacy_email", sa.String(length=254), nullable=False),
        sa.Column("privacy_note", sa.Text(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "compliance IN ('full', 'partial', 'none')", name=op.f("ck_statements_compliance")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_statements_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_statements_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_statements")),
    )
    op.create_table(
        "accessibility_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_accessibility_reports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["users.id"],
            name=op.f("fk_accessibility_reports_handled_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_reports")),
    )
    op.create_index(
        "ix_accessibility_reports_organisation",
        "accessibility_reports",
        ["organisation_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_accessibility_reports_organisation", table_name="accessibility_reports")
    op.drop_table("accessibility_reports")
    op.drop_table("statements")
