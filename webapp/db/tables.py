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
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
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
    # The partner directory (actor map): how close the relationship is, set by staff.
    Column("level", String(16), nullable=False, server_default="occasional"),
    Column("interests", Text, nullable=False, server_default=""),
    Column("target_groups", JSON, nullable=False, server_default=text("'[]'")),
    Column("notes", Text, nullable=False, server_default=""),
    UniqueConstraint("library_id", "association_id", name="uq_partnerships_pair"),
    CheckConstraint(
        "level IN ('occasional', 'recurring', 'partnership', 'agreement')", name="level"
    ),
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
    # Weekday (0 = Monday) -> ["HH:MM", "HH:MM"]; a weekday missing is closed. Empty: not set.
    Column("opening_hours", JSON, nullable=False, server_default=text("'{}'")),
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


# Co-planning ---------------------------------------------------------------------------------

# A library's rules for proposals and bookings (one row per library; defaults when missing).
library_rules = Table(
    "library_rules",
    metadata,
    Column("library_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("setup_minutes", Integer, nullable=False, default=0),
    Column("clearup_minutes", Integer, nullable=False, default=0),
    Column("min_lead_days", Integer, nullable=False, default=0),
    Column("max_length_minutes", Integer, nullable=False, default=480),
    Column("hold_days", Integer, nullable=False, default=14),
    Column("checklist", JSON, nullable=False),
    _ts("updated_at"),
    CheckConstraint("setup_minutes >= 0 AND clearup_minutes >= 0", name="buffers"),
)

# Bookable windows a library publishes per room: once, or weekly (every N weeks) until a date.
program_slots = Table(
    "program_slots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("room_id", ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("first_date", Date, nullable=False),
    Column("until_date", Date, nullable=True),
    Column("interval_weeks", Integer, nullable=False, default=0),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    CheckConstraint("interval_weeks >= 0", name="interval"),
    CheckConstraint("end_time > start_time", name="times"),
)
Index("ix_program_slots_room", program_slots.c.room_id)

# Single dates a recurring slot does not happen on.
slot_exceptions = Table(
    "slot_exceptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slot_id", ForeignKey("program_slots.id", ondelete="CASCADE"), nullable=False),
    Column("on_date", Date, nullable=False),
    UniqueConstraint("slot_id", "on_date", name="uq_slot_exceptions_slot_date"),
)

# Days a library (or one of its locations) is closed: holidays, closures. No slot is open then.
closures = Table(
    "closures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("library_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), nullable=True),
    Column("first_date", Date, nullable=False),
    Column("last_date", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    CheckConstraint("last_date >= first_date", name="dates"),
)
Index("ix_closures_library", closures.c.library_id, closures.c.first_date)

# An event co-authored by partners and reviewed by its library. ``starts_at``/``ends_at``/
# ``room_id`` are the wished time until approval and the agreed first date after it; the
# booked dates themselves are ``occurrences``. ``version`` guards against lost updates;
# ``sequence`` is the iCalendar SEQUENCE.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("library_id", ForeignKey("organisations.id", ondelete="RESTRICT"), nullable=False),
    Column("state", String(24), nullable=False),
    Column("title", String(200), nullable=False),
    Column("summary", String(300), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("shared_goal", Text, nullable=False, default=""),
    Column("languages", JSON, nullable=False),
    Column("audiences", JSON, nullable=False),
    Column("expected_attendance", Integer, nullable=True),
    Column("capacity", Integer, nullable=True),
    Column("room_needs", Text, nullable=False, default=""),
    Column("equipment", JSON, nullable=False),
    Column("accessibility_notes", Text, nullable=False, default=""),
    Column("wished_times", Text, nullable=False, default=""),
    Column("location_id", ForeignKey("locations.id", ondelete="SET NULL"), nullable=True),
    Column("room_id", ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True),
    Column("slot_id", ForeignKey("program_slots.id", ondelete="SET NULL"), nullable=True),
    _ts("starts_at", nullable=True),
    _ts("ends_at", nullable=True),
    Column("repeat_weeks", Integer, nullable=True),
    Column("repeat_until", Date, nullable=True),
    Column("repeat_count", Integer, nullable=True),
    Column("agreement", JSON, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("sequence", Integer, nullable=False, default=0),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("submitted_at", nullable=True),
    CheckConstraint(
        "state IN ('draft', 'submitted', 'changes_requested', 'approved', 'published', "
        "'completed', 'evaluated', 'withdrawn', 'declined', 'cancelled')",
        name="state",
    ),
    CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="times"),
)
Index("ix_events_library_state", events.c.library_id, events.c.state, events.c.submitted_at)
Index("ix_events_state_starts", events.c.state, events.c.starts_at)

# The organisations that co-author an event. ``status`` is ``invited`` until a member of the
# organisation accepts; the lead is active from the start.
event_partners = Table(
    "event_partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("contribution", JSON, nullable=False),
    Column("contact_user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("invited_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    _ts("answered_at", nullable=True),
    UniqueConstraint("event_id", "organisation_id", name="uq_event_partners_event_org"),
    CheckConstraint("role IN ('lead', 'co_host', 'supporter')", name="role"),
    CheckConstraint("status IN ('invited', 'active', 'declined')", name="status"),
)
Index("ix_event_partners_organisation", event_partners.c.organisation_id)

# The booked dates of an event in a room: one for a single event, many for a series.
# ``held`` dates block the room until ``hold_expires_at`` (drafts, counter-proposals).
occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("room_id", ForeignKey("rooms.id", ondelete="RESTRICT"), nullable=False),
    _ts("starts_at"),
    _ts("ends_at"),
    Column("status", String(16), nullable=False),
    _ts("hold_expires_at", nullable=True),
    Column("sequence", Integer, nullable=False, default=0),
    _ts("original_starts_at", nullable=True),
    Column("note", String(300), nullable=False, default=""),
    # The date's place in its series as planned (1 for the first date or a single event): a
    # calendar UID is made from it, so a date keeps its UID when the series is approved again.
    Column("position", Integer, nullable=False, server_default=text("1")),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("ends_at > starts_at", name="times"),
    CheckConstraint("status IN ('held', 'counter', 'scheduled', 'cancelled')", name="status"),
)
Index("ix_occurrences_room_time", occurrences.c.room_id, occurrences.c.starts_at)
Index("ix_occurrences_event", occurrences.c.event_id, occurrences.c.starts_at)
# The public program of all libraries lists dates in time order, a page at a time: read in
# this index's order, the first page is found without sorting every upcoming date.
Index("ix_occurrences_starts", occurrences.c.starts_at)

# Every change of an event's fields: who, when, and each field's old and new value.
event_revisions = Table(
    "event_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("at"),
    Column("changes", JSON, nullable=False),
)
Index("ix_event_revisions_event", event_revisions.c.event_id, event_revisions.c.version)

# Every workflow transition (submit, approve, decline …) with who, when and the comment.
event_transitions = Table(
    "event_transitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(24), nullable=False),
    Column("to_state", String(24), nullable=False),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("at"),
    Column("comment", Text, nullable=False, default=""),
)
Index("ix_event_transitions_event", event_transitions.c.event_id, event_transitions.c.at)

event_comments = Table(
    "event_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("body", Text, nullable=False),
    _ts("at"),
)
Index("ix_event_comments_event", event_comments.c.event_id, event_comments.c.at)

# The in-app inbox: what happened, for whom. The text is made when shown, in the reader's
# language, from ``kind`` and ``params``.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("params", JSON, nullable=False),
    _ts("created_at"),
    _ts("read_at", nullable=True),
)
Index("ix_notifications_user", notifications.c.user_id, notifications.c.created_at)

# "The last meeting": each partner's evaluation after the event.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("attendance", Integer, nullable=True),
    Column("worked", Text, nullable=False, default=""),
    Column("did_not_work", Text, nullable=False, default=""),
    Column("continue_together", String(8), nullable=False),
    Column("author_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("at"),
    UniqueConstraint("event_id", "organisation_id", name="uq_evaluations_event_org"),
    CheckConstraint("continue_together IN ('yes', 'no', 'maybe')", name="continue"),
)


# Calendars ----------------------------------------------------------------------------------

# Private calendar feeds: an unguessable token (only its SHA-256 is stored) that a person
# pastes into a calendar app. ``kind`` says what the feed holds: ``staff`` (every booking of
# the library ``organisation_id``), ``partner`` (every event of the association or library
# ``organisation_id``); ``volunteer`` and ``attendee`` feeds (one person's shifts and RSVPs,
# ``subject_id``) come with volunteers and RSVPs. A revoked token answers 404.
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True),
    Column("subject_id", Integer, nullable=True),
    Column("label", String(120), nullable=False, server_default=""),
    _ts("created_at"),
    _ts("last_used_at", nullable=True),
    _ts("revoked_at", nullable=True),
    CheckConstraint("kind IN ('staff', 'partner', 'volunteer', 'attendee')", name="kind"),
)
Index("ix_feed_tokens_user", feed_tokens.c.user_id)

# One row whose ``version`` database triggers bump on every change to what calendars show
# (events, their dates and partners, rooms, locations, organisations), in the transaction of
# the change. Every app process compares it with the version its cached feeds were built from
# (migration 0004 creates the triggers; see docs/decisions.md).
calendar_state = Table(
    "calendar_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default=text("0")),
)


# Contacts ------------------------------------------------------------------------------------

# The people an organisation may send SMS to, each with the consent that allows it. The phone
# number is E.164 (+46701234567). ``last_used_at`` (a message sent) drives the retention
# clean-up; a contact whose number asked to get no more SMS keeps ``opted_out_at``.
contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(160), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("language", String(16), nullable=True),
    Column("consent_source", String(16), nullable=False),
    Column("consent_on", Date, nullable=False),
    Column("consent_note", Text, nullable=False, server_default=""),
    Column("consent_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("opted_out_at", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("last_used_at", nullable=True),
    UniqueConstraint("organisation_id", "phone", name="uq_contacts_organisation_phone"),
    CheckConstraint(
        "consent_source IN ('form', 'paper', 'verbal', 'event', 'import', 'other')",
        name="consent_source",
    ),
)
Index("ix_contacts_organisation_name", contacts.c.organisation_id, contacts.c.name)

# Tags (lists) of a contact: "volunteer", "newsletter", "arabic speakers".
contact_tags = Table(
    "contact_tags",
    metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(60), primary_key=True),
)
Index("ix_contact_tags_tag", contact_tags.c.tag)

# Numbers that asked to get no more SMS, from any organisation (STOP, or a request recorded by
# staff): only the SHA-256 of the E.164 number is kept. Nobody messages them again, even
# after a new import.
opt_outs = Table(
    "opt_outs",
    metadata,
    Column("phone_hash", String(64), primary_key=True),
    _ts("opted_out_at"),
    Column("source", String(16), nullable=False),
    CheckConstraint("source IN ('sms', 'staff')", name="source"),
)

# An uploaded CSV waiting for its preview to be confirmed (nothing is written to contacts
# before that). Removed when confirmed, or by the worker after a day.
contact_imports = Table(
    "contact_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(200), nullable=False, server_default=""),
    Column("content", Text, nullable=False),
    _ts("created_at"),
)


# SMS ------------------------------------------------------------------------------------------

# A decision to send: who sent what to how many people, when (``send_after``: scheduled).
sms_sends = Table(
    "sms_sends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("template", Text, nullable=False),
    Column("recipients", Integer, nullable=False),
    # The event the message is about, when it has one ({title}, {date}… and the link). No
    # foreign key (see migration 0008); events are never deleted.
    Column("event_id", Integer, nullable=True),
    # The SMS channel of the event's invitation plan the send belongs to: answers to it are
    # counted for that channel's link. No foreign key either (migration 0011).
    Column("channel_id", Integer, nullable=True),
    # What the send is for: NULL for an invitation, ``volunteers`` for recruiting volunteers
    # (the message's page then leads to the event's volunteer sign-up).
    Column("purpose", String(12), nullable=True),
    _ts("send_after", nullable=True),
    _ts("created_at"),
)

# The transactional outbox: one row per recipient, written in the transaction of the send.
# A dispatcher claims ``queued`` rows that are due (``next_attempt_at``) for a lease
# (``claimed_until``); a row still ``sending`` after its lease was in flight when a worker
# died and is claimed again. ``phone`` is cleared (only ``phone_hash`` stays) when the
# contact is deleted.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("send_id", ForeignKey("sms_sends.id", ondelete="CASCADE"), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("phone_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("segments", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    _ts("next_attempt_at"),
    Column("claimed_by", String(64), nullable=True),
    _ts("claimed_until", nullable=True),
    Column("provider_id", String(64), nullable=True),
    Column("error_code", Integer, nullable=True),
    Column("error_message", Text, nullable=False, server_default=""),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("sent_at", nullable=True),
    # The message's own short link (/m/{code}): why the recipient got it, their data.
    Column("code", String(16), nullable=True),
    # What the message costs: its segments at the configured price when it was queued.
    Column("cost", Numeric(10, 4), nullable=True),
    CheckConstraint(
        "status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', "
        "'cancelled')",
        name="status",
    ),
)
Index("ix_outbox_due", outbox.c.status, outbox.c.next_attempt_at)
Index("ix_outbox_send", outbox.c.send_id)
Index("ix_outbox_provider_id", outbox.c.provider_id)
Index("ix_outbox_contact", outbox.c.contact_id)
Index("ux_outbox_code", outbox.c.code, unique=True)
Index("ix_outbox_organisation", outbox.c.organisation_id, outbox.c.created_at)

# An organisation's monthly SMS budget, in segments or in money (the configured currency).
# Sends that would go over it are refused; no row means no limit.
sms_budgets = Table(
    "sms_budgets",
    metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("unit", String(8), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("updated_at"),
    CheckConstraint("unit IN ('segments', 'money')", name="unit"),
    CheckConstraint("amount >= 0", name="amount"),
)

# Every change of a message's status, for the per-message log.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
    _ts("at"),
    Column("status", String(16), nullable=False),
    Column("error_code", Integer, nullable=True),
    Column("detail", Text, nullable=False, server_default=""),
)
Index("ix_outbox_events_outbox", outbox_events.c.outbox_id, outbox_events.c.at)

# Replies to our SMS that are not a keyword (STOP, START, HELP): shown to the organisation
# that messaged the number last. The number is kept as sent and as its hash.
sms_replies = Table(
    "sms_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("phone_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("keyword", String(8), nullable=True),
    Column("provider_id", String(64), nullable=False, unique=True),
    _ts("received_at"),
)
Index("ix_sms_replies_organisation", sms_replies.c.organisation_id, sms_replies.c.received_at)


# Invitations ---------------------------------------------------------------------------------

# Who an event wants to reach: "Arabic-speaking families", "the library's newsletter readers".
audiences = Table(
    "audiences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("language", String(16), nullable=False),
    Column("size", Integer, nullable=True),  # estimated
    Column("position", Integer, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    UniqueConstraint("event_id", "name", name="uq_audiences_event_name"),
    CheckConstraint("size IS NULL OR size >= 0", name="size"),
)
Index("ix_audiences_event", audiences.c.event_id, audiences.c.position)

# How one audience is reached: a poster, SMS, a partner's own network (share links), e-mail;
# each with its text, when it goes out, and the partner responsible for it.
channels = Table(
    "channels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("audience_id", ForeignKey("audiences.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("send_on", Date, nullable=True),
    Column("responsible_id", ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(16), nullable=False, server_default="planned"),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("kind IN ('poster', 'sms', 'network', 'email')", name="kind"),
    CheckConstraint("status IN ('planned', 'ready', 'done')", name="status"),
)
Index("ix_channels_audience", channels.c.audience_id)
Index("ix_channels_event", channels.c.event_id)

# Tracked short links (/l/{code}): one per channel, and named ones for an ambassador's or a
# partner's own network ("Ayman's network"). A visit is counted per link and day, nothing
# about the visitor is kept.
share_links = Table(
    "share_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", ForeignKey("channels.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(120), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
)
Index("ix_share_links_event", share_links.c.event_id)
Index("ix_share_links_channel", share_links.c.channel_id)

link_visits = Table(
    "link_visits",
    metadata,
    Column("link_id", ForeignKey("share_links.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("visits", Integer, nullable=False),
)


# RSVPs ----------------------------------------------------------------------------------------

# Someone coming to one date of an event: no account, a personal link (``/r/{token}``, only
# the token's SHA-256 is kept) to change or cancel. ``going`` and ``offered`` (a freed place
# held for the first on the waitlist until ``offered_until``) take places; ``waitlist`` waits
# in ``created_at`` order; ``lapsed`` let an offer run out. ``request_key`` makes a repeated
# form post the same RSVP. ``link_id``: the tracked link the person came through.
rsvps = Table(
    "rsvps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("occurrence_id", ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("phone", String(20), nullable=True),
    Column("party_size", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("request_key", String(64), nullable=False, unique=True),
    Column("language", String(16), nullable=False),
    Column("link_id", ForeignKey("share_links.id", ondelete="SET NULL"), nullable=True),
    _ts("offered_until", nullable=True),
    # The reminder SMS before the date was queued (at most one per RSVP).
    _ts("reminded_at", nullable=True),
    # Came in the lobby: the check-in list of the day.
    _ts("checked_in_at", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("party_size BETWEEN 1 AND 20", name="party_size"),
    CheckConstraint(
        "status IN ('going', 'waitlist', 'offered', 'lapsed', 'cancelled')", name="status"
    ),
)
Index("ix_rsvps_occurrence", rsvps.c.occurrence_id, rsvps.c.status, rsvps.c.created_at)
Index("ix_rsvps_event", rsvps.c.event_id)
Index("ix_rsvps_offered", rsvps.c.status, rsvps.c.offered_until)


# Volunteers -----------------------------------------------------------------------------------


# When a task's shifts start and end, relative to each date of the event: ``start_anchor`` is
# the date's ``start`` or ``end``, ``start_minutes`` the signed offset (set-up: start, -60).
# The shifts follow the dates when they move.
def _timing() -> list[Column]:
    return [
        Column("start_anchor", String(5), nullable=False),
        Column("start_minutes", Integer, nullable=False),
        Column("end_anchor", String(5), nullable=False),
        Column("end_minutes", Integer, nullable=False),
    ]


# An association's (or library's) usual tasks: put on each of its events when it is approved.
volunteer_templates = Table(
    "volunteer_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("skills", String(200), nullable=False),
    Column("people_needed", Integer, nullable=False),
    *_timing(),
    _ts("created_at"),
    CheckConstraint("people_needed BETWEEN 1 AND 500", name="people_needed"),
)
Index("ix_volunteer_templates_organisation", volunteer_templates.c.organisation_id)

# A task of an event (welcome desk, interpreting, coffee): one shift per date of the event, or
# only on the date in ``only_position``. ``partner_id``: the responsible partner (its hours).
# ``template_id``: the template it was made from (no foreign key: templates may be deleted).
volunteer_tasks = Table(
    "volunteer_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("skills", String(200), nullable=False),
    Column("people_needed", Integer, nullable=False),
    Column("partner_id", ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True),
    *_timing(),
    Column("only_position", Integer, nullable=True),
    Column("template_id", Integer, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("people_needed BETWEEN 1 AND 500", name="people_needed"),
)
Index("ix_volunteer_tasks_event", volunteer_tasks.c.event_id)

# A task on one date of the event (``position``: the date's place in the series as planned,
# kept when the date moves or is booked again). ``cancelled`` with its date or the event.
volunteer_shifts = Table(
    "volunteer_shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", ForeignKey("volunteer_tasks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    _ts("starts_at"),
    _ts("ends_at"),
    Column("status", String(10), nullable=False),
    _ts("updated_at"),
    UniqueConstraint("task_id", "position", name="uq_volunteer_shifts_task_position"),
    CheckConstraint("status IN ('open', 'cancelled')", name="status"),
)
Index("ix_volunteer_shifts_event", volunteer_shifts.c.event_id, volunteer_shifts.c.starts_at)

# A person who signed up for shifts: no account, one row per mobile number. The personal link
# (``/v/me/{token}``) is an HMAC of ``link_key``; only its SHA-256 is looked up. Consent is
# given on the sign-up form; ``last_active_at`` (the end of their last shift) starts the
# retention period.
volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("phone", String(20), nullable=False, unique=True),
    Column("languages", String(200), nullable=False),
    Column("language", String(16), nullable=False),
    Column("link_key", String(32), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("consent_source", String(20), nullable=False),
    _ts("consent_at"),
    _ts("last_active_at"),
    _ts("created_at"),
    _ts("updated_at"),
)

# A volunteer on a shift: ``confirmed`` holds one of its places, ``waitlist`` waits in
# ``created_at`` order and is moved up when a place frees. A deleted volunteer's sign-ups stay
# without them (``volunteer_id`` NULL), so the association's hours still add up.
volunteer_signups = Table(
    "volunteer_signups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("shift_id", ForeignKey("volunteer_shifts.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(10), nullable=False),
    _ts("reminded_at", nullable=True),
    _ts("checked_in_at", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("status IN ('confirmed', 'waitlist', 'cancelled')", name="status"),
)
Index(
    "ix_volunteer_signups_shift",
    volunteer_signups.c.shift_id,
    volunteer_signups.c.status,
    volunteer_signups.c.created_at,
)
Index("ix_volunteer_signups_volunteer", volunteer_signups.c.volunteer_id)
Index("ix_volunteer_signups_event", volunteer_signups.c.event_id)

# The event's sign-up page for volunteers: ``public`` (linked from the event page and open at
# ``/v/{code}``), ``invite`` (only at ``/v/{code}``, for people given the link) or ``closed``.
volunteer_boards = Table(
    "volunteer_boards",
    metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("access", String(8), nullable=False),
    Column("note", Text, nullable=False),
    _ts("updated_at"),
    CheckConstraint("access IN ('public', 'invite', 'closed')", name="access"),
)

# The deployment's accessibility statement and privacy contact, kept by the operating library
# (``SAMSPEL_OPERATOR``). Until its admins save one, the pages show a generated default.
statements = Table(
    "statements",
    metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("compliance", String(8), nullable=False),
    Column("known_problems", Text, nullable=False),
    Column("tested_how", Text, nullable=False),
    Column("report_email", String(254), nullable=False),
    Column("report_phone", String(40), nullable=False),
    Column("uustatus_url", String(300), nullable=False),
    Column("was_url", String(300), nullable=False),
    Column("privacy_email", String(254), nullable=False),
    Column("privacy_note", Text, nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("reviewed_on", Date, nullable=False),
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    CheckConstraint("compliance IN ('full', 'partial', 'none')", name="compliance"),
)

# Accessibility problems reported from the statement page, without an account.
accessibility_reports = Table(
    "accessibility_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("page", String(500), nullable=False),
    Column("description", Text, nullable=False),
    Column("name", String(120), nullable=False),
    Column("contact", String(254), nullable=False),
    Column("language", String(16), nullable=False),
    _ts("created_at"),
    _ts("handled_at", nullable=True),
    Column("handled_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)
Index(
    "ix_accessibility_reports_organisation",
    accessibility_reports.c.organisation_id,
    accessibility_reports.c.created_at,
)
