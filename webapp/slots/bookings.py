"""Which room is taken when, and the check that keeps a room from being booked twice.

A room is taken by an event's ``scheduled`` dates and, until they expire, by its ``held`` and
``counter`` dates (a draft holding an open slot, a counter-proposal by staff). The library's
set-up and clear-up buffers keep bookings apart.

Two staff approving conflicting events at the same moment: the approval runs in one write
transaction that first locks the room (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
write transaction itself, ``BEGIN IMMEDIATE``, is the lock), then checks, then books. The
second approval waits for the first, sees its booking, and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import events, occurrences, rooms

BLOCKING_HOLDS = ("held", "counter")


@dataclass(frozen=True)
class Conflict:
    """A wished date (``starts_at``–``ends_at``) and the booking it collides with."""

    starts_at: datetime
    ends_at: datetime
    event_id: int
    event_title: str
    other_starts_at: datetime
    other_ends_at: datetime


async def lock_room(conn: AsyncConnection, room_id: int) -> None:
    """Serialise bookings of one room until the transaction ends."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(rooms.c.id).where(rooms.c.id == room_id).with_for_update())


def taking_the_room(now: datetime):  # type: ignore[no-untyped-def]
    """The SQL condition for an occurrence that takes its room at ``now``."""
    return or_(
        occurrences.c.status == "scheduled",
        and_(occurrences.c.status.in_(BLOCKING_HOLDS), occurrences.c.hold_expires_at > now),
    )


async def conflicts(
    conn: AsyncConnection,
    *,
    room_id: int,
    dates: Sequence[tuple[datetime, datetime]],
    buffer: timedelta,
    now: datetime,
    exclude_event_id: int | None = None,
) -> list[Conflict]:
    """Every wished date that collides with another event's booking of the room (in one
    query, however many dates)."""
    if not dates:
        return []
    earliest = min(start for start, _ in dates) - buffer
    latest = max(end for _, end in dates) + buffer
    query = (
        select(
            occurrences.c.event_id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            events.c.title,
        )
        .join(events, events.c.id == occurrences.c.event_id)
        .where(
            occurrences.c.room_id == room_id,
            taking_the_room(now),
            occurrences.c.starts_at < latest,
            occurrences.c.ends_at > earliest,
        )
        .order_by(occurrences.c.starts_at)
    )
    if exclude_event_id is not None:
        query = query.where(occurrences.c.event_id != exclude_event_id)
    taken = list(await conn.execute(query))
    return list(_collisions(dates, taken, buffer))


def _collisions(
    dates: Iterable[tuple[datetime, datetime]], taken: Sequence, buffer: timedelta
) -> Iterable[Conflict]:
    for start, end in dates:
        for row in taken:
            if row.starts_at < end + buffer and row.ends_at > start - buffer:
                yield Conflict(
                    starts_at=start,
                    ends_at=end,
                    event_id=row.event_id,
                    event_title=row.title,
                    other_starts_at=row.starts_at,
                    other_ends_at=row.ends_at,
                )
                break
