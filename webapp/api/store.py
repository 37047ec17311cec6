"""SQL for the JSON API: public events a page at a time, and their dates.

What is public is the program's definition (``webapp.program.store.conditions``): every
query here is built from it, so the API can never show what the program would not. Each
query reads all the rows of a page at once: the number of queries does not grow with the
number of events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import events, locations, occurrences, organisations, rooms
from webapp.program.store import Narrowing, Window, conditions, dates_query

# The event's own columns and its hosting library's, as one API object needs them.
_EVENT_COLUMNS = (
    events.c.id,
    events.c.title,
    events.c.summary,
    events.c.description,
    events.c.state,
    events.c.audiences,
    events.c.languages,
    events.c.capacity,
    events.c.updated_at,
    organisations.c.id.label("library_id"),
    organisations.c.name.label("library_name"),
    organisations.c.slug.label("library_slug"),
    organisations.c.timezone.label("library_timezone"),
)


def _events_query(window: Window, narrowing: Narrowing) -> Select[Any]:
    """Public events with at least one public date in the window that the narrowing keeps,
    each with the start of its first such date (``next_start``), in that order."""
    matching = (
        dates_query(
            occurrences.c.event_id.label("event_id"),
            func.min(occurrences.c.starts_at).label("next_start"),
        )
        .where(*conditions(window, narrowing))
        .group_by(occurrences.c.event_id)
        .subquery("matching")
    )
    return (
        select(*_EVENT_COLUMNS, matching.c.next_start)
        .select_from(matching)
        .join(events, events.c.id == matching.c.event_id)
        .join(organisations, organisations.c.id == events.c.library_id)
        .order_by(matching.c.next_start, events.c.id)
    )


async def public_events(
    conn: AsyncConnection, window: Window, narrowing: Narrowing, *, limit: int, offset: int
) -> list[Row]:
    """A page of public events, ordered by their next matching date."""
    query = _events_query(window, narrowing).limit(limit).offset(offset)
    return list(await conn.execute(query))


async def public_event(conn: AsyncConnection, event_id: int) -> Row | None:
    """One public event (one that has a public date), or None."""
    query = _events_query(Window(), Narrowing()).where(events.c.id == event_id)
    return (await conn.execute(query)).first()


async def public_dates(
    conn: AsyncConnection, window: Window, narrowing: Narrowing, event_ids: Sequence[int]
) -> list[Row]:
    """The public dates of the events that the window and narrowing keep, in time order,
    each with its room and the room's location."""
    if not event_ids:
        return []
    query = (
        dates_query(
            occurrences.c.id,
            occurrences.c.event_id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
            rooms.c.id.label("room_id"),
            rooms.c.name.label("room_name"),
            locations.c.id.label("location_id"),
            locations.c.name.label("location_name"),
            locations.c.street,
            locations.c.postal_code,
            locations.c.city,
            locations.c.country,
        )
        .where(*conditions(window, narrowing), occurrences.c.event_id.in_(list(event_ids)))
        .order_by(occurrences.c.event_id, occurrences.c.starts_at, occurrences.c.id)
    )
    return list(await conn.execute(query))
