"""Moving an event through its workflow: submit, request changes, resubmit, approve into a
room and time, decline, withdraw, publish, cancel, complete. Every move is checked against
the one transition table (``workflow``), recorded with who, when and the comment, and told
to the people of the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, notify, series, store
from webapp.events.workflow import allowed
from webapp.i18n import _
from webapp.locations import store as location_store
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.slots import bookings
from webapp.slots.rules import Rules, rules_for


class BookingConflict(Exception):
    """The room is taken on some of the dates: ``conflicts`` names each and by what."""

    def __init__(self, conflicts: list[bookings.Conflict]) -> None:
        super().__init__(conflicts)
        self.conflicts = conflicts


@dataclass(frozen=True)
class Booking:
    room_id: int
    starts_at: datetime
    ends_at: datetime
    repeat_weeks: int | None = None
    repeat_until: object = None
    repeat_count: int | None = None
    capacity: int | None = None
    skip_conflicts: bool = False


async def move(ctx: Context, *, actor: Actor, event_id: int, action: str, comment: str = "") -> str:
    """Take ``action`` (anything but approve); returns the new state."""
    if action == "approve":
        raise ValueError("approve needs a booking: use approve()")
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        step = allowed(event.state, action, parties)
        if step is None:
            raise Forbidden()
        if step.needs in ("comment", "reason") and not comment.strip():
            raise Invalid({"comment": _("Write a few words for the partners.")})
        if action in ("submit", "resubmit"):
            rules = await rules_for(conn, event.library_id)
            problems = submission_problems(event.row, rules, now)
            if problems:
                raise Invalid(problems)
        extra = {"submitted_at": now} if step.target == "submitted" else {}
        if not await store.move_state(
            conn, event_id, source=event.state, target=step.target, updated_at=now, **extra
        ):
            raise Invalid({"comment": _("Someone else changed the event just now. Reload it.")})
        await _after_move(conn, event, action, now)
        await _record(conn, event, actor, action, step.target, now, comment)
    return step.target


async def _after_move(
    conn: AsyncConnection, event: access.Event, action: str, now: datetime
) -> None:
    """Rooms follow the state: a withdrawn, declined or cancelled event frees its room;
    calendars see the change (SEQUENCE)."""
    if action in ("withdraw", "decline"):
        await store.release_occurrences(conn, event.id, ("held", "counter"))
    if action == "cancel":
        await store.release_occurrences(conn, event.id, ("held", "counter"))
        await store.set_occurrences_status(
            conn, event.id, source=("scheduled",), target="cancelled", at=now
        )
        await store.update_event(
            conn, event.id, expected_version=None, sequence=event.row.sequence + 1
        )


async def _record(
    conn: AsyncConnection,
    event: access.Event,
    actor: Actor,
    action: str,
    target: str,
    now: datetime,
    comment: str,
) -> None:
    await store.add_transition(
        conn,
        event_id=event.id,
        action=action,
        from_state=event.state,
        to_state=target,
        actor_id=actor.user_id,
        at=now,
        comment=comment.strip(),
    )
    await audit.record(
        conn,
        action=f"event.{action}",
        actor_id=actor.user_id,
        organisation_id=event.library_id,
        target=f"event:{event.id}",
        to_state=target,
    )
    await notify.transitioned(
        conn, event, actor=actor, action=action, at=now, target=target, comment=comment
    )


def submission_problems(row: Row, rules: Rules, now: datetime) -> dict[str, str]:
    """What keeps a draft from being submitted, per field, with the library's reasons."""
    problems: dict[str, str] = {}
    for name in ("summary", "shared_goal"):
        if not getattr(row, name):
            problems[name] = _("Fill this in before you submit.")
    if not row.audiences:
        problems["audiences"] = _("Choose at least one audience before you submit.")
    if not row.languages:
        problems["languages"] = _("Choose at least one language before you submit.")
    if row.starts_at is None and not row.wished_times:
        problems["starts_at"] = _(
            "Choose an open slot, a date and time, or describe your wished times."
        )
    if row.starts_at is not None and row.ends_at is not None:
        if row.starts_at < now + timedelta(days=rules.min_lead_days):
            problems["starts_at"] = _(
                "The library needs at least %(days)d days' notice: choose a later date.",
                days=rules.min_lead_days,
            )
        minutes = (row.ends_at - row.starts_at).total_seconds() / 60
        if minutes > rules.max_length_minutes:
            problems["ends_at"] = _(
                "The library books events of at most %(minutes)d minutes.",
                minutes=rules.max_length_minutes,
            )
    answers = row.checklist or {}
    if any(answers.get(question) != "yes" for question in rules.checklist):
        problems["checklist"] = _(
            "Answer yes to each of the library's questions before you submit."
        )
    return problems


def agreement_problems(event: access.Event) -> dict[str, str]:
    """The first meeting's agreement, before approval: shared goal, each partner's role and
    contact person, resources, how invitations are divided, how success will be judged."""
    problems: dict[str, str] = {}
    agreement = event.row.agreement or {}
    if not event.row.shared_goal:
        problems["shared_goal"] = _("The partners have not written their shared goal yet.")
    for key in ("resources", "invitations", "success"):
        if not (agreement.get(key) or "").strip():
            problems[key] = _("This part of the agreement is still empty.")
    for partner in event.partners:
        if partner.status == "active" and (
            partner.contact_user_id is None or not (partner.contribution or {}).get("role_text")
        ):
            problems[f"partner-{partner.organisation_id}"] = _(
                "%(name)s has not named its contact person and role yet.", name=partner.name
            )
    return problems


async def approve(
    ctx: Context, *, actor: Actor, event_id: int, booking: Booking, comment: str = ""
) -> list[datetime]:
    """Approve the event into a room and time (every date of a series). Refused with the
    conflicting event named when the room is taken, even when two staff approve at once.
    Returns the starts of the dates that were skipped because of conflicts."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await bookings.lock_room(conn, booking.room_id)
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        step = allowed(event.state, "approve", parties)
        if step is None:
            raise Forbidden()
        problems = agreement_problems(event)
        if problems:
            raise Invalid(problems)
        room = await location_store.room_of_library(conn, event.library_id, booking.room_id)
        if room is None or not room.is_active:
            raise Invalid({"room_id": _("Choose one of the options.")})
        if booking.ends_at <= booking.starts_at:
            raise Invalid({"ends_at": _("The end must be after the start.")})
        wanted = series.dates(
            booking.starts_at,
            booking.ends_at,
            event.tz,
            every_weeks=booking.repeat_weeks,
            until=booking.repeat_until,  # type: ignore[arg-type]
            count=booking.repeat_count,
        )
        rules = await rules_for(conn, event.library_id)
        found = await bookings.conflicts(
            conn,
            room_id=booking.room_id,
            dates=wanted,
            buffer=rules.buffer,
            now=now,
            exclude_event_id=event_id,
        )
        if found and (not booking.skip_conflicts or len(found) == len(wanted)):
            raise BookingConflict(found)
        skipped = {c.starts_at for c in found}
        if not await store.move_state(
            conn,
            event_id,
            source=event.state,
            target=step.target,
            updated_at=now,
            room_id=booking.room_id,
            location_id=room.location_id,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            repeat_weeks=booking.repeat_weeks,
            repeat_until=booking.repeat_until,
            repeat_count=booking.repeat_count,
            capacity=booking.capacity or room.capacity,
            sequence=event.row.sequence + 1,
        ):
            raise Invalid({"room_id": _("Someone else decided on this event just now. Reload it.")})
        await store.release_occurrences(conn, event_id, ("held", "counter", "scheduled"))
        await store.add_occurrences(
            conn,
            [
                {
                    "event_id": event_id,
                    "room_id": booking.room_id,
                    "starts_at": start,
                    "ends_at": end,
                    "status": "scheduled",
                    "sequence": event.row.sequence + 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for start, end in wanted
                if start not in skipped
            ],
        )
        await _record(conn, event, actor, "approve", step.target, now, comment)
    return sorted(skipped)


async def review_queue(
    ctx: Context,
    *,
    actor: Actor,
    library: Row,
    location_id: int | None = None,
    partner_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Row]:
    if not can(actor, "library.events.review", library):
        raise NotFound()
    async with ctx.db.read() as conn:
        return await store.review_queue(
            conn, library.id, location_id=location_id, partner_id=partner_id, start=start, end=end
        )


@dataclass(frozen=True)
class QueueFilters:
    locations: list[Row]
    partners: list[Row]


async def queue_filters(ctx: Context, *, library_id: int) -> QueueFilters:
    """The choices of the review queue's filters: the library's locations and partners."""
    async with ctx.db.read() as conn:
        return QueueFilters(
            locations=await location_store.locations_of_library(conn, library_id),
            partners=await store.partner_organisations_of_library(conn, library_id),
        )
