"""Single dates of a booked event — usually one date of a weekly series — cancelled, moved or
restored without touching the rest.

A move or a restore is checked like an approval: the room is locked, and the new time must
keep the library's set-up and clear-up buffers to other events' bookings of the room and
must not overlap another date of the same event. Each change bumps the date's and the
event's SEQUENCE (calendars), is kept in the history as ``date:<id>`` with the event's next
version, goes into the audit log, and is told to the partners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.events import access, notify, store
from webapp.events.drafting import jsonable
from webapp.events.review import BookingConflict
from webapp.i18n import _, ngettext
from webapp.locations import store as location_store
from webapp.problems import Invalid, NotFound
from webapp.rsvp import notices as rsvp_notices
from webapp.slots import bookings
from webapp.slots.rules import rules_for
from webapp.volunteers import tasks as volunteer_tasks

ACTION = "event.dates.manage"
# The states whose dates may be changed one by one (the rule in webapp/auth/permissions.py).
STATES = ("approved", "published")
MAX_REASON = 300
CANCELLED = "cancelled"


@dataclass(frozen=True)
class DatePage:
    """One date of an event, and the rooms it may move to (with their locations' names)."""

    event: access.Event
    date: Row
    rooms: list[Row]
    location_names: dict[int, str]


async def date_page(ctx: Context, *, actor: Actor, event_id: int, occurrence_id: int) -> DatePage:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, ACTION, event)
        date = await store.occurrence_of_event(conn, event_id, occurrence_id)
        if date is None:
            raise NotFound()
        names = await _active_locations(conn, event.library_id)
        rooms = await rooms_for(conn, event.library_id, names)
        return DatePage(event=event, date=date, rooms=rooms, location_names=names)


async def _active_locations(conn: AsyncConnection, library_id: int) -> dict[int, str]:
    locations = await location_store.locations_of_library(conn, library_id)
    return {loc.id: loc.name for loc in locations if loc.is_active}


async def rooms_for(
    conn: AsyncConnection, library_id: int, locations: dict[int, str] | None = None
) -> list[Row]:
    """The library's active rooms at its active locations: where a date may move."""
    if locations is None:
        locations = await _active_locations(conn, library_id)
    return [
        room
        for room in await location_store.rooms_of_library(conn, library_id)
        if room.is_active and room.location_id in locations
    ]


async def cancel_date(
    ctx: Context, *, actor: Actor, event_id: int, occurrence_id: int, reason: str
) -> None:
    """Cancel one date; the reason is shown with it on the event page."""
    reason = " ".join(reason.split())
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _event(ctx, conn, actor, event_id)
        _check_reason(reason)
        version, date = await _lock_and_reload(conn, event, occurrence_id, "scheduled", now)
        if not await store.change_occurrence(
            conn, date.id, source="scheduled", status=CANCELLED, note=reason, updated_at=now
        ):
            raise _changed_meanwhile()
        await _record(
            conn,
            event,
            actor,
            date,
            version=version,
            at=now,
            action="event.date_cancelled",
            change=[jsonable(date.starts_at), CANCELLED],
            reason=reason,
        )
        await rsvp_notices.date_cancelled(conn, ctx, event, date.id, date.starts_at, reason, now)
        await volunteer_tasks.follow_dates(conn, ctx, event, now)


async def move_date(
    ctx: Context,
    *,
    actor: Actor,
    event_id: int,
    occurrence_id: int,
    starts_at: datetime,
    ends_at: datetime,
    room_id: int,
) -> None:
    """Move one date to another time or room. Refused with BookingConflict naming the other
    booking when the room is taken (even when two people move dates at once) or when the new
    time overlaps another date of the same event. The first original time is kept."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _event(ctx, conn, actor, event_id)
        if ends_at <= starts_at:
            raise Invalid({"end_time": _("The end must be after the start.")})
        if starts_at <= now:
            raise Invalid({"date": _("Choose a time in the future.")})
        rooms = await rooms_for(conn, event.library_id)
        if room_id not in {room.id for room in rooms}:
            raise Invalid({"room_id": _("Choose one of the options.")})
        await bookings.lock_room(conn, room_id)
        version, date = await _lock_and_reload(conn, event, occurrence_id, "scheduled", now)
        if (date.room_id, date.starts_at, date.ends_at) == (room_id, starts_at, ends_at):
            raise Invalid({"date": _("Choose another time or room: this is the date's own.")})
        await _check_free(conn, event, date, room_id, starts_at, ends_at, now)
        if not await store.change_occurrence(
            conn,
            date.id,
            source="scheduled",
            room_id=room_id,
            starts_at=starts_at,
            ends_at=ends_at,
            original_starts_at=date.original_starts_at or date.starts_at,
            updated_at=now,
        ):
            raise _changed_meanwhile()
        await _record(
            conn,
            event,
            actor,
            date,
            version=version,
            at=now,
            action="event.date_moved",
            change=[jsonable(date.starts_at), jsonable(starts_at)],
            room_id=room_id,
            from_room_id=date.room_id,
        )
        await rsvp_notices.date_moved(conn, ctx, event, date.id, starts_at, now)
        await volunteer_tasks.follow_dates(conn, ctx, event, now)


async def restore_date(ctx: Context, *, actor: Actor, event_id: int, occurrence_id: int) -> None:
    """Book a cancelled date again at its time and room, when they are still free."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _event(ctx, conn, actor, event_id)
        found = await store.occurrence_of_event(conn, event_id, occurrence_id)
        if found is None:
            raise NotFound()
        await bookings.lock_room(conn, found.room_id)
        version, date = await _lock_and_reload(conn, event, occurrence_id, CANCELLED, now)
        await _check_free(conn, event, date, date.room_id, date.starts_at, date.ends_at, now)
        if not await store.change_occurrence(
            conn, date.id, source=CANCELLED, status="scheduled", note="", updated_at=now
        ):
            raise _changed_meanwhile()
        await _record(
            conn,
            event,
            actor,
            date,
            version=version,
            at=now,
            action="event.date_restored",
            change=[CANCELLED, jsonable(date.starts_at)],
        )
        await volunteer_tasks.follow_dates(conn, ctx, event, now)


async def _event(ctx: Context, conn: AsyncConnection, actor: Actor, event_id: int) -> access.Event:
    event = await access.load(conn, event_id, ctx.settings.tz)
    access.require(actor, ACTION, event)
    return event


def _check_reason(reason: str) -> None:
    if not reason:
        raise Invalid({"reason": _("Write a few words for the partners and the public.")})
    if len(reason) > MAX_REASON:
        raise Invalid(
            {
                "reason": ngettext(
                    "Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_REASON
                )
            }
        )


async def _lock_and_reload(
    conn: AsyncConnection, event: access.Event, occurrence_id: int, status: str, now: datetime
) -> tuple[int, Row]:
    """Take the event's next version (which queues other changes of its dates behind this
    one), then read the date as it is now and check it may change."""
    version = await store.bump_event(conn, event.id, states=STATES, at=now)
    if version is None:
        raise _changed_meanwhile()
    date = await store.occurrence_of_event(conn, event.id, occurrence_id)
    if date is None:
        raise NotFound()
    if date.starts_at <= now:
        raise Invalid({"when": _("This date has passed: it can no longer be changed.")})
    if date.status != status:
        if date.status == CANCELLED:
            raise Invalid({"when": _("This date is cancelled: restore it first.")})
        raise Invalid({"when": _("This date is not cancelled.")})
    return version, date


async def _check_free(
    conn: AsyncConnection,
    event: access.Event,
    date: Row,
    room_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> None:
    """The room is free of other events' bookings (with the library's buffers), and the
    event's own other dates do not overlap (nor come within the buffers in the same room)."""
    rules = await rules_for(conn, event.library_id)
    wanted = [(starts_at, ends_at)]
    found = await bookings.conflicts(
        conn,
        room_id=room_id,
        dates=wanted,
        buffer=rules.buffer,
        now=now,
        exclude_event_id=event.id,
    )
    for other in await store.occurrences_of(conn, event.id):
        if other.id == date.id or other.status == CANCELLED:
            continue
        buffer = rules.buffer if other.room_id == room_id else timedelta(0)
        if other.starts_at < ends_at + buffer and other.ends_at > starts_at - buffer:
            found.append(
                bookings.Conflict(
                    starts_at=starts_at,
                    ends_at=ends_at,
                    event_id=event.id,
                    event_title=event.row.title,
                    other_starts_at=other.starts_at,
                    other_ends_at=other.ends_at,
                )
            )
    if found:
        raise BookingConflict(found)


async def _record(
    conn: AsyncConnection,
    event: access.Event,
    actor: Actor,
    date: Row,
    *,
    version: int,
    at: datetime,
    action: str,
    change: list[str | None],
    **details: object,
) -> None:
    await store.add_revision(
        conn,
        event_id=event.id,
        version=version,
        actor_id=actor.user_id,
        at=at,
        changes={f"date:{date.id}": change},
    )
    await audit.record(
        conn,
        action=action,
        actor_id=actor.user_id,
        organisation_id=event.library_id,
        target=f"event:{event.id}",
        occurrence_id=date.id,
        starts_at=jsonable(date.starts_at),
        **details,
    )
    await notify.event_changed(conn, event, actor=actor, kind="edited", at=at, fields=["dates"])


def _changed_meanwhile() -> Invalid:
    return Invalid({"when": _("Someone else changed the event just now. Reload it.")})
