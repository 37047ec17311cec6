"""Program slots as concrete windows in time: pure functions, no database, no clock.

A slot is a wall-clock window in a room ("Tuesdays 18:00–20:00 from 6 October until
15 December, every other week"). ``expand`` turns slots into one :class:`Window` per date in a
range, skipping the slot's exception dates and the days its location (or the whole library)
is closed. Wall-clock times are placed in the library's time zone on each date, so a slot at
18:00 stays at 18:00 local time across a change to or from summer time; the window's
``starts_at``/``ends_at`` are aware UTC datetimes, as the database keeps them.

``free`` removes the windows a booking takes, with the library's buffers around bookings.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

WEEK = timedelta(days=7)
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Slot:
    """A published slot: once on ``first_date`` (``interval_weeks == 0``), or every
    ``interval_weeks`` weeks from ``first_date`` up to and including ``until_date`` (no end
    when None)."""

    id: int
    room_id: int
    first_date: date
    until_date: date | None
    interval_weeks: int
    start_time: time
    end_time: time

    @classmethod
    def of(cls, row: Any) -> Slot:
        """From a ``program_slots`` row (or anything with the same attributes)."""
        return cls(
            id=row.id,
            room_id=row.room_id,
            first_date=row.first_date,
            until_date=row.until_date,
            interval_weeks=row.interval_weeks,
            start_time=row.start_time,
            end_time=row.end_time,
        )


@dataclass(frozen=True)
class Closure:
    """Days ``first_date``–``last_date`` (both included) the library is closed: everywhere
    when ``location_id`` is None, else at that location only."""

    id: int
    location_id: int | None
    first_date: date
    last_date: date
    reason: str

    @classmethod
    def of(cls, row: Any) -> Closure:
        return cls(
            id=row.id,
            location_id=row.location_id,
            first_date=row.first_date,
            last_date=row.last_date,
            reason=row.reason,
        )

    def covers(self, day: date, location_id: int | None) -> bool:
        """True when ``day`` is closed at ``location_id`` by this closure."""
        if self.location_id is not None and self.location_id != location_id:
            return False
        return self.first_date <= day <= self.last_date


@dataclass(frozen=True)
class Window:
    """One date of a slot: the room is open for booking ``starts_at``–``ends_at`` (UTC)."""

    slot_id: int
    room_id: int
    day: date
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Booking:
    """A booked date of a room (from ``occurrences``), as far as availability cares."""

    room_id: int
    starts_at: datetime
    ends_at: datetime


def slot_dates(slot: Slot, start: date, end: date) -> Iterator[date]:
    """The dates from ``start`` to ``end`` (both included) the slot happens on, exceptions
    not yet taken out."""
    if slot.interval_weeks <= 0:
        if start <= slot.first_date <= end:
            yield slot.first_date
        return
    last = end if slot.until_date is None else min(end, slot.until_date)
    step = WEEK * slot.interval_weeks
    day = slot.first_date
    if start > day:
        steps = -(-(start - day).days // step.days)  # ceiling division
        day += step * steps
    while day <= last:
        yield day
        day += step


def happens_on(slot: Slot, day: date) -> bool:
    """True when the recurrence of ``slot`` falls on ``day`` (exceptions not considered)."""
    return next(slot_dates(slot, day, day), None) is not None


def at(day: date, clock_time: time, tz: tzinfo) -> datetime:
    """The UTC moment of a wall-clock time on a date in ``tz``."""
    return datetime.combine(day, clock_time, tzinfo=tz).astimezone(UTC)


def expand(
    slots: Iterable[Slot],
    *,
    start: date,
    end: date,
    tz: tzinfo,
    location_of_room: Mapping[int, int],
    exceptions: Collection[tuple[int, date]] = (),
    closures: Iterable[Closure] = (),
) -> list[Window]:
    """Every window of ``slots`` from ``start`` to ``end`` (both included), in time order.

    ``exceptions`` holds (slot id, date) pairs a slot is skipped on; ``closures`` close days
    library-wide or at one location (``location_of_room`` tells where each room is; a room
    missing from it is only closed by library-wide closures)."""
    closed = list(closures)
    skipped = set(exceptions)
    found = []
    for slot in slots:
        location_id = location_of_room.get(slot.room_id)
        for day in slot_dates(slot, start, end):
            if (slot.id, day) in skipped:
                continue
            if any(c.covers(day, location_id) for c in closed):
                continue
            found.append(
                Window(
                    slot_id=slot.id,
                    room_id=slot.room_id,
                    day=day,
                    starts_at=at(day, slot.start_time, tz),
                    ends_at=at(day, slot.end_time, tz),
                )
            )
    return sorted(found, key=lambda w: (w.starts_at, w.room_id, w.slot_id))


def taken(window: Window, bookings: Iterable[Booking], buffer: timedelta) -> bool:
    """True when a booking of the window's room comes closer to it than ``buffer`` (the
    library's clear-up plus set-up time), as ``webapp.slots.bookings.conflicts`` decides."""
    return any(
        b.room_id == window.room_id
        and b.starts_at < window.ends_at + buffer
        and b.ends_at > window.starts_at - buffer
        for b in bookings
    )


def free(windows: Iterable[Window], bookings: Iterable[Booking], buffer: timedelta) -> list[Window]:
    """The windows no booking takes. A booking that takes any part of a window takes all
    of it: a window is offered whole or not at all."""
    by_room: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_room.setdefault(booking.room_id, []).append(booking)
    return [w for w in windows if not taken(w, by_room.get(w.room_id, ()), buffer)]


def closed_days(
    closures: Iterable[Closure], location_id: int | None, start: date, end: date
) -> dict[date, list[Closure]]:
    """Each day from ``start`` to ``end`` that is closed at ``location_id``, with why."""
    days: dict[date, list[Closure]] = {}
    for closure in closures:
        if closure.location_id is not None and closure.location_id != location_id:
            continue
        day = max(start, closure.first_date)
        while day <= min(end, closure.last_date):
            days.setdefault(day, []).append(closure)
            day += timedelta(days=1)
    return days


# ISO weeks -------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def parse_iso_week(text: str) -> date | None:
    """The Monday of an ISO week written like ``2026-W48``; None for anything else (a week
    53 in a year that has none included)."""
    match = _ISO_WEEK.fullmatch(text.strip())
    if not match:
        return None
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def iso_week_code(day: date) -> str:
    """``2026-W48`` for any day of that week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
