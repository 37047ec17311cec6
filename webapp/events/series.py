"""The dates of an event: one, or a series every N weeks until a date or for a count.

Pure functions. Dates keep their wall-clock time in the library's time zone across daylight
saving changes (a 18:00 language café is at 18:00 in March and in November).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_DATES = 104


def dates(
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
    *,
    every_weeks: int | None = None,
    until: date | None = None,
    count: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """Every (start, end) of the event, in UTC-aware datetimes, first date first."""
    local_start = starts_at.astimezone(tz)
    length = ends_at - starts_at
    if not every_weeks:
        return [(starts_at, ends_at)]
    limit = min(count or MAX_DATES, MAX_DATES)
    found: list[tuple[datetime, datetime]] = []
    day = local_start.date()
    wall = local_start.timetz().replace(tzinfo=None)
    while len(found) < limit:
        if until is not None and day > until:
            break
        start = datetime.combine(day, wall, tzinfo=tz)
        found.append((start.astimezone(UTC), (start + length).astimezone(UTC)))
        day += timedelta(weeks=every_weeks)
        if until is None and count is None:
            break  # a series needs an end; without one it is a single date
    return found


def occurrence_rows(
    event_id: int,
    room_id: int,
    dates: list[tuple[datetime, datetime]],
    *,
    status: str,
    now: datetime,
    hold_until: datetime | None = None,
    sequence: int = 0,
    skip: Collection[datetime] = (),
) -> list[dict[str, Any]]:
    """The ``occurrences`` rows that book (or hold) ``dates`` in the room, but for the
    starts in ``skip``. Each row keeps its place in the series as planned (``position``), so
    calendars give a date the same UID when the series is booked again."""
    return [
        {
            "event_id": event_id,
            "room_id": room_id,
            "starts_at": start,
            "ends_at": end,
            "status": status,
            "hold_expires_at": hold_until,
            "sequence": sequence,
            "created_at": now,
            "updated_at": now,
            "position": position,
        }
        for position, (start, end) in enumerate(dates, start=1)
        if start not in skip
    ]
