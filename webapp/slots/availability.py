"""What is open when: a library's program slots expanded into windows, minus exception dates,
closures and the bookings that take the room, and the staff's week grid per location.

For other packages (the event proposal form, approvals):

- ``open_windows(ctx, *, actor, library, ...)``: the free windows for staff (checks
  ``library.slots.view``);
- ``open_slot_choices(ctx, *, library_id, start, end)``: the free windows a proposer may
  choose, as plain data (the caller checks who may see them);
- ``find_window(ctx, *, library_id, slot_id, starts_at)``: is this choice still free?

Dates (``start``, ``end``, both included) are days in the library's time zone
(``organisations.timezone``, else the ``SAMSPEL_TIMEZONE`` setting); times are aware UTC.
Every call is a fixed handful of queries, however many slots and bookings there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.problems import Forbidden, NotFound
from webapp.slots import calendar, store
from webapp.slots.bookings import BLOCKING_HOLDS
from webapp.slots.calendar import Booking, Closure, Slot, Window
from webapp.slots.rules import rules_for


class SlotChoice(NamedTuple):
    """A free window of a program slot, as the proposal form offers it."""

    slot_id: int
    room_id: int
    room_name: str
    location_name: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class GridItem:
    """One thing in a cell of the week grid: a booking (``kind`` "booking", or "hold" for a
    held or counter-proposed date that blocks the room until it expires) or an open slot
    ("open")."""

    kind: str
    starts_at: datetime
    ends_at: datetime
    title: str = ""
    status: str = ""
    event_id: int | None = None
    hold_expires_at: datetime | None = None


@dataclass(frozen=True)
class GridRow:
    """A room (with ``location_name``, ``is_active``) and its items per day, Monday first."""

    room: Row
    days: list[list[GridItem]]


@dataclass(frozen=True)
class WeekGrid:
    location: Row
    monday: date
    zone: ZoneInfo
    rows: list[GridRow]
    # The closed days of the week at this location, with the closures that close them.
    closed: dict[date, list[Closure]]

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def previous_week(self) -> str:
        return calendar.iso_week_code(self.monday - calendar.WEEK)

    @property
    def next_week(self) -> str:
        return calendar.iso_week_code(self.monday + calendar.WEEK)


def library_zone(ctx: Context, library: Row) -> ZoneInfo:
    """The library's time zone: its own, else the application's."""
    name = getattr(library, "timezone", None)
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ctx.settings.tz


def this_week(ctx: Context, library: Row) -> date:
    """The Monday of the current week in the library's time zone."""
    return calendar.week_start(clock.now().astimezone(library_zone(ctx, library)).date())


# For staff -----------------------------------------------------------------------------------


async def open_windows(
    ctx: Context,
    *,
    actor: Actor,
    library: Row,
    location_id: int | None = None,
    room_id: int | None = None,
    start: date,
    end: date,
) -> list[Window]:
    """The library's free slot windows from ``start`` to ``end`` (both included), optionally
    at one location or in one room, in time order.

    A window is left out on its slot's exception dates, on days the library or the room's
    location is closed, in rooms or at locations not in use, and when a booking that takes
    the room now (scheduled, or a hold not yet expired) comes within the library's set-up
    plus clear-up buffer of it. Past windows are included (this is the calendar view). A
    location or room of another library has no windows here."""
    _require(actor, "library.slots.view", library)
    async with ctx.db.read() as conn:
        windows, _ = await _free_windows(
            conn,
            library.id,
            library_zone(ctx, library),
            start=start,
            end=end,
            now=clock.now(),
            location_id=location_id,
            room_id=room_id,
        )
    return windows


# For the proposal form -----------------------------------------------------------------------


async def open_slot_choices(
    ctx: Context,
    *,
    library_id: int,
    start: date,
    end: date,
    exclude_event_id: int | None = None,
) -> list[SlotChoice]:
    """The free windows of the library's slots a proposer may choose from ``start`` to
    ``end`` (days in the library's time zone, both included), in time order.

    As ``open_windows``, and also without windows that start before the library's minimum
    lead time (today plus ``min_lead_days``, in its time zone). ``exclude_event_id``: an
    event whose own holds should not count (a draft changing its choice). No permission
    check: the caller decides who may see the library's slots. An unknown library id gives
    an empty list."""
    async with ctx.db.read() as conn:
        library = await store.library(conn, library_id)
        if library is None:
            return []
        zone = library_zone(ctx, library)
        now = clock.now()
        rules = await rules_for(conn, library_id)
        earliest = now.astimezone(zone).date() + timedelta(days=rules.min_lead_days)
        start = max(start, earliest)
        if end < start:
            return []
        windows, slots = await _free_windows(
            conn,
            library_id,
            zone,
            start=start,
            end=end,
            now=now,
            exclude_event_id=exclude_event_id,
        )
    return [
        SlotChoice(
            slot_id=w.slot_id,
            room_id=w.room_id,
            room_name=slots[w.slot_id].room_name,
            location_name=slots[w.slot_id].location_name,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
        )
        for w in windows
        if w.starts_at > now
    ]


async def find_window(
    ctx: Context,
    *,
    library_id: int,
    slot_id: int,
    starts_at: datetime,
    exclude_event_id: int | None = None,
) -> SlotChoice | None:
    """The free window of ``slot_id`` that starts at ``starts_at``, or None when the slot
    has no such window or it is taken, closed, skipped or within the lead time. To check a
    proposer's choice; the booking itself must still lock the room and check conflicts
    (``webapp.slots.bookings``) in its own transaction."""
    async with ctx.db.read() as conn:
        library = await store.library(conn, library_id)
    if library is None:
        return None
    day = starts_at.astimezone(library_zone(ctx, library)).date()
    choices = await open_slot_choices(
        ctx, library_id=library_id, start=day, end=day, exclude_event_id=exclude_event_id
    )
    return next((c for c in choices if c.slot_id == slot_id and c.starts_at == starts_at), None)


# The week grid -------------------------------------------------------------------------------


async def week_grid(
    ctx: Context, *, actor: Actor, library: Row, location_id: int, monday: date
) -> WeekGrid:
    """A location's week from ``monday``: per room and day, the bookings (holds marked) and
    the free slot windows in time order, and the closed days. A fixed number of queries,
    whatever the number of rooms, slots and bookings."""
    _require(actor, "library.slots.view", library)
    monday = calendar.week_start(monday)
    sunday = monday + timedelta(days=6)
    zone = library_zone(ctx, library)
    now = clock.now()
    async with ctx.db.read() as conn:
        location = await store.location(conn, library.id, location_id)
        if location is None:
            raise NotFound()
        found_rooms = await store.rooms_of_library(conn, library.id, location_id=location_id)
        windows, _ = await _free_windows(
            conn, library.id, zone, start=monday, end=sunday, now=now, location_id=location_id
        )
        closure_rows = await store.closures_of_library(
            conn, library.id, location_id=location_id, start=monday, end=sunday
        )
        booked = await store.bookings(
            conn,
            library.id,
            start_at=calendar.at(monday, time(0), zone),
            end_at=calendar.at(sunday + timedelta(days=1), time(0), zone),
            now=now,
            location_id=location_id,
        )
    cells: dict[tuple[int, date], list[GridItem]] = {}
    for row in booked:
        day = max(monday, row.starts_at.astimezone(zone).date())
        cells.setdefault((row.room_id, day), []).append(
            GridItem(
                kind="hold" if row.status in BLOCKING_HOLDS else "booking",
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                title=row.title,
                status=row.status,
                event_id=row.event_id,
                hold_expires_at=row.hold_expires_at,
            )
        )
    for window in windows:
        cells.setdefault((window.room_id, window.day), []).append(
            GridItem(kind="open", starts_at=window.starts_at, ends_at=window.ends_at)
        )
    days = [monday + timedelta(days=n) for n in range(7)]
    rows = [
        GridRow(
            room=room,
            days=[
                sorted(cells.get((room.id, day), []), key=lambda item: item.starts_at)
                for day in days
            ],
        )
        for room in found_rooms
    ]
    closures = [Closure.of(row) for row in closure_rows]
    return WeekGrid(
        location=location,
        monday=monday,
        zone=zone,
        rows=rows,
        closed=calendar.closed_days(closures, location_id, monday, sunday),
    )


# Helpers -------------------------------------------------------------------------------------


def _require(actor: Actor, action: str, library: Row) -> None:
    if getattr(library, "kind", None) != "library":
        raise NotFound()
    if not can(actor, action, library):
        raise Forbidden()


async def _free_windows(
    conn: AsyncConnection,
    library_id: int,
    zone: ZoneInfo,
    *,
    start: date,
    end: date,
    now: datetime,
    location_id: int | None = None,
    room_id: int | None = None,
    exclude_event_id: int | None = None,
) -> tuple[list[Window], dict[int, Row]]:
    """The free windows, and the slots they come from by id (with room and location names).
    Five queries at most."""
    place = {"location_id": location_id, "room_id": room_id}
    slot_rows = await store.slots_of_library(conn, library_id, start=start, end=end, **place)
    usable = {s.id: s for s in slot_rows if s.room_is_active and s.location_is_active}
    if not usable:
        return [], usable
    exceptions = await store.exceptions_of_library(conn, library_id, start=start, end=end, **place)
    closure_rows = await store.closures_of_library(
        conn, library_id, location_id=location_id, start=start, end=end
    )
    windows = calendar.expand(
        [Slot.of(s) for s in usable.values()],
        start=start,
        end=end,
        tz=zone,
        location_of_room={s.room_id: s.location_id for s in usable.values()},
        exceptions={(e.slot_id, e.on_date) for e in exceptions},
        closures=[Closure.of(c) for c in closure_rows],
    )
    if not windows:
        return [], usable
    buffer = (await rules_for(conn, library_id)).buffer
    booked = await store.bookings(
        conn,
        library_id,
        start_at=min(w.starts_at for w in windows) - buffer,
        end_at=max(w.ends_at for w in windows) + buffer,
        now=now,
        exclude_event_id=exclude_event_id,
        **place,
    )
    bookings = [Booking(b.room_id, b.starts_at, b.ends_at) for b in booked]
    return calendar.free(windows, bookings, buffer), usable


__all__ = [
    "GridItem",
    "GridRow",
    "SlotChoice",
    "WeekGrid",
    "find_window",
    "library_zone",
    "open_slot_choices",
    "open_windows",
    "this_week",
    "week_grid",
]
