"""SQL for program slots, their exception dates, closures, and the bookings that fill them.

Every query that takes an id also takes the library's id, so a slot, room, closure or
location of another library is simply not found. Lists are one query each, whatever their
length; the week grid and the open windows are a fixed handful of queries.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    closures,
    events,
    locations,
    occurrences,
    organisations,
    program_slots,
    rooms,
    slot_exceptions,
)
from webapp.slots.bookings import taking_the_room

_ROOM_COLUMNS = (
    rooms.c.id,
    rooms.c.name,
    rooms.c.capacity,
    rooms.c.is_active,
    rooms.c.location_id,
    locations.c.name.label("location_name"),
    locations.c.is_active.label("location_is_active"),
)
_SLOT_COLUMNS = (
    *program_slots.c,
    rooms.c.name.label("room_name"),
    rooms.c.is_active.label("room_is_active"),
    rooms.c.location_id,
    locations.c.name.label("location_name"),
    locations.c.is_active.label("location_is_active"),
)


def _where_place(library_id: int, location_id: int | None, room_id: int | None) -> list[Any]:
    found: list[Any] = [locations.c.library_id == library_id]
    if location_id is not None:
        found.append(rooms.c.location_id == location_id)
    if room_id is not None:
        found.append(rooms.c.id == room_id)
    return found


def _slot_places():  # type: ignore[no-untyped-def]
    return program_slots.join(rooms, rooms.c.id == program_slots.c.room_id).join(
        locations, locations.c.id == rooms.c.location_id
    )


# Places --------------------------------------------------------------------------------------


async def library(conn: AsyncConnection, library_id: int) -> Row | None:
    result = await conn.execute(
        select(organisations).where(
            organisations.c.id == library_id, organisations.c.kind == "library"
        )
    )
    return result.first()


async def rooms_of_library(
    conn: AsyncConnection,
    library_id: int,
    *,
    location_id: int | None = None,
    room_id: int | None = None,
) -> list[Row]:
    """The library's rooms (or one location's, or one room) with ``location_name`` and
    ``location_is_active``, by location and room name."""
    result = await conn.execute(
        select(*_ROOM_COLUMNS)
        .join(locations, locations.c.id == rooms.c.location_id)
        .where(*_where_place(library_id, location_id, room_id))
        .order_by(locations.c.name, locations.c.id, rooms.c.name, rooms.c.id)
    )
    return list(result)


async def room(conn: AsyncConnection, library_id: int, room_id: int) -> Row | None:
    found = await rooms_of_library(conn, library_id, room_id=room_id)
    return found[0] if found else None


async def location(conn: AsyncConnection, library_id: int, location_id: int) -> Row | None:
    result = await conn.execute(
        select(locations).where(locations.c.id == location_id, locations.c.library_id == library_id)
    )
    return result.first()


async def locations_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    result = await conn.execute(
        select(locations.c.id, locations.c.name, locations.c.is_active)
        .where(locations.c.library_id == library_id)
        .order_by(locations.c.name, locations.c.id)
    )
    return list(result)


# Slots ---------------------------------------------------------------------------------------


async def slots_of_library(
    conn: AsyncConnection,
    library_id: int,
    *,
    location_id: int | None = None,
    room_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Row]:
    """The library's slots with room and location names; with ``start``/``end`` only those
    that may have a date in that range (both included)."""
    query = select(*_SLOT_COLUMNS).select_from(_slot_places())
    query = query.where(*_where_place(library_id, location_id, room_id))
    if end is not None:
        query = query.where(program_slots.c.first_date <= end)
    if start is not None:
        query = query.where(
            or_(
                program_slots.c.until_date >= start,
                and_(
                    program_slots.c.until_date.is_(None),
                    or_(program_slots.c.interval_weeks > 0, program_slots.c.first_date >= start),
                ),
            )
        )
    query = query.order_by(
        locations.c.name,
        locations.c.id,
        rooms.c.name,
        rooms.c.id,
        program_slots.c.first_date,
        program_slots.c.start_time,
        program_slots.c.id,
    )
    return list(await conn.execute(query))


async def slot(conn: AsyncConnection, library_id: int, slot_id: int) -> Row | None:
    result = await conn.execute(
        select(*_SLOT_COLUMNS)
        .select_from(_slot_places())
        .where(program_slots.c.id == slot_id, locations.c.library_id == library_id)
    )
    return result.first()


async def create_slot(
    conn: AsyncConnection, *, created_by: int | None, at: datetime, **values: Any
) -> int:
    result = await conn.execute(
        insert(program_slots)
        .values(created_by=created_by, created_at=at, **values)
        .returning(program_slots.c.id)
    )
    return result.scalar_one()


async def update_slot(conn: AsyncConnection, slot_id: int, **values: Any) -> None:
    await conn.execute(update(program_slots).where(program_slots.c.id == slot_id).values(**values))


async def delete_slot(conn: AsyncConnection, slot_id: int) -> None:
    # Exception dates go with it (ON DELETE CASCADE); events keep their booked dates.
    await conn.execute(delete(slot_exceptions).where(slot_exceptions.c.slot_id == slot_id))
    await conn.execute(delete(program_slots).where(program_slots.c.id == slot_id))


# Exception dates -----------------------------------------------------------------------------


async def exceptions_of_library(
    conn: AsyncConnection,
    library_id: int,
    *,
    location_id: int | None = None,
    room_id: int | None = None,
    slot_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Row]:
    """(id, slot_id, on_date) of the library's slots' exception dates, by date."""
    query = (
        select(slot_exceptions.c.id, slot_exceptions.c.slot_id, slot_exceptions.c.on_date)
        .select_from(
            slot_exceptions.join(program_slots, program_slots.c.id == slot_exceptions.c.slot_id)
            .join(rooms, rooms.c.id == program_slots.c.room_id)
            .join(locations, locations.c.id == rooms.c.location_id)
        )
        .where(*_where_place(library_id, location_id, room_id))
        .order_by(slot_exceptions.c.on_date, slot_exceptions.c.id)
    )
    if slot_id is not None:
        query = query.where(slot_exceptions.c.slot_id == slot_id)
    if start is not None:
        query = query.where(slot_exceptions.c.on_date >= start)
    if end is not None:
        query = query.where(slot_exceptions.c.on_date <= end)
    return list(await conn.execute(query))


async def add_exception(conn: AsyncConnection, slot_id: int, on_date: date) -> int:
    result = await conn.execute(
        insert(slot_exceptions)
        .values(slot_id=slot_id, on_date=on_date)
        .returning(slot_exceptions.c.id)
    )
    return result.scalar_one()


async def delete_exception(conn: AsyncConnection, slot_id: int, exception_id: int) -> int:
    """How many rows went: 0 when the exception is not of this slot."""
    result = await conn.execute(
        delete(slot_exceptions).where(
            slot_exceptions.c.id == exception_id, slot_exceptions.c.slot_id == slot_id
        )
    )
    return result.rowcount


# Closures ------------------------------------------------------------------------------------


async def closures_of_library(
    conn: AsyncConnection,
    library_id: int,
    *,
    location_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Row]:
    """The library's closures with ``location_name`` (None when library-wide), by first date.
    With ``location_id``, only those that close that location (its own and library-wide)."""
    query = (
        select(*closures.c, locations.c.name.label("location_name"))
        .select_from(closures.outerjoin(locations, locations.c.id == closures.c.location_id))
        .where(closures.c.library_id == library_id)
        .order_by(closures.c.first_date, closures.c.id)
    )
    if location_id is not None:
        query = query.where(
            or_(closures.c.location_id.is_(None), closures.c.location_id == location_id)
        )
    if start is not None:
        query = query.where(closures.c.last_date >= start)
    if end is not None:
        query = query.where(closures.c.first_date <= end)
    return list(await conn.execute(query))


async def closure(conn: AsyncConnection, library_id: int, closure_id: int) -> Row | None:
    result = await conn.execute(
        select(closures).where(closures.c.id == closure_id, closures.c.library_id == library_id)
    )
    return result.first()


async def add_closure(
    conn: AsyncConnection, *, library_id: int, created_by: int | None, at: datetime, **values: Any
) -> int:
    result = await conn.execute(
        insert(closures)
        .values(library_id=library_id, created_by=created_by, created_at=at, **values)
        .returning(closures.c.id)
    )
    return result.scalar_one()


async def delete_closure(conn: AsyncConnection, closure_id: int) -> None:
    await conn.execute(delete(closures).where(closures.c.id == closure_id))


# Bookings ------------------------------------------------------------------------------------


async def bookings(
    conn: AsyncConnection,
    library_id: int,
    *,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
    location_id: int | None = None,
    room_id: int | None = None,
    exclude_event_id: int | None = None,
) -> list[Row]:
    """The booked dates that take a room of the library at ``now`` (scheduled, and holds
    not yet expired) and overlap ``start_at``–``end_at``, with the event's title and state,
    in time order. In one query however many there are."""
    query = (
        select(
            occurrences.c.id,
            occurrences.c.event_id,
            occurrences.c.room_id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
            occurrences.c.hold_expires_at,
            events.c.title,
            events.c.state,
        )
        .select_from(
            occurrences.join(events, events.c.id == occurrences.c.event_id)
            .join(rooms, rooms.c.id == occurrences.c.room_id)
            .join(locations, locations.c.id == rooms.c.location_id)
        )
        .where(
            *_where_place(library_id, location_id, room_id),
            taking_the_room(now),
            occurrences.c.starts_at < end_at,
            occurrences.c.ends_at > start_at,
        )
        .order_by(occurrences.c.starts_at, occurrences.c.id)
    )
    if exclude_event_id is not None:
        query = query.where(occurrences.c.event_id != exclude_event_id)
    return list(await conn.execute(query))
