"""Every table of the schema, as SQLAlchemy Core metadata.

Migrations in ``webapp/db/migrations/versions`` build this schema; a test checks that the
migrated database and this metadata agree. Later capabilities add their tables here and in
a new migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, UTCDateTime(), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("locale", String(8), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_superuser", Boolean, nullable=False, default=False),
    _ts("created_at"),
    _ts("password_changed_at"),
    _ts("last_login_at", nullable=True),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(160), nullable=False),
    Column("slug", String(80), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("website", String(300), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    Column("country", String(2), nullable=False, default="SE"),
    Column("timezone", String(64), nullable=True),
    _ts("created_at"),
    CheckConstraint("kind IN ('library', 'association')", name="kind"),
    CheckConstraint("status IN ('pending', 'active', 'rejected')", name="status"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    _ts("created_at"),
    UniqueConstraint("user_id", "organisation_id", name="uq_memberships_user_org"),
    CheckConstraint("role IN ('admin', 'staff', 'member')", name="role"),
)
Index("ix_memberships_organisation", memberships.c.organisation_id)

# A library's relationship with an association: requested at sign-up, decided by the
# library's admins. The partner directory of later issues grows from this table.
partnerships = Table(
    "partnerships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("library_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("association_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("decision_reason", Text, nullable=False, default=""),
    Column("decided_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("decided_at", nullable=True),
    _ts("created_at"),
    UniqueConstraint("library_id", "association_id", name="uq_partnerships_pair"),
    CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
)
Index("ix_partnerships_library_status", partnerships.c.library_id, partnerships.c.status)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("invited_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("accepted_at", nullable=True),
    _ts("revoked_at", nullable=True),
    CheckConstraint("role IN ('admin', 'staff', 'member')", name="role"),
)
Index("ix_invitations_organisation", invitations.c.organisation_id)

# Server-side sessions: the cookie carries a signed random key; only its hash is stored,
# so sessions work across processes and can be revoked (log-out, password change).
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _ts("created_at"),
    _ts("last_seen_at"),
    _ts("expires_at"),
    Column("ip", String(64), nullable=False, default=""),
    Column("user_agent", String(300), nullable=False, default=""),
)
Index("ix_sessions_user", sessions.c.user_id)
Index("ix_sessions_expires", sessions.c.expires_at)

# Fixed-window counters shared by every process (login attempts, later sign-ups, RSVPs).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("library_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(160), nullable=False),
    Column("street", String(200), nullable=False),
    Column("postal_code", String(16), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country", String(2), nullable=False, default="SE"),
    Column("directions", Text, nullable=False, default=""),
    Column("is_active", Boolean, nullable=False, default=True),
    _ts("created_at"),
    UniqueConstraint("library_id", "name", name="uq_locations_library_name"),
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(160), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("accessibility", JSON, nullable=False),
    Column("equipment", JSON, nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("is_active", Boolean, nullable=False, default=True),
    _ts("created_at"),
    UniqueConstraint("location_id", "name", name="uq_rooms_location_name"),
    CheckConstraint("capacity > 0", name="capacity_positive"),
)

# Messages the console provider "sent" (development default): shown on a page and in the log.
console_messages = Table(
    "console_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("subject", String(300), nullable=False, default=""),
    Column("body", Text, nullable=False),
    _ts("created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    _ts("at"),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(80), nullable=False),
    Column("target", String(80), nullable=False, default=""),
    Column("details", JSON, nullable=False),
)
Index("ix_audit_log_organisation_at", audit_log.c.organisation_id, audit_log.c.at)
