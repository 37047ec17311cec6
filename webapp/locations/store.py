"""SQL for a library's locations (branches) and their rooms.

Every query that takes an id also takes the library's id, so a location or room of another
library is simply not found.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import locations, rooms


async def locations_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    result = await conn.execute(
        select(locations)
        .where(locations.c.library_id == library_id)
        .order_by(locations.c.name, locations.c.id)
    )
    return list(result)


async def rooms_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    """Every room at every location of the library, in one query."""
    result = await conn.execute(
        select(rooms)
        .join(locations, locations.c.id == rooms.c.location_id)
        .where(locations.c.library_id == library_id)
        .order_by(rooms.c.location_id, rooms.c.name, rooms.c.id)
    )
    return list(result)


async def location(conn: AsyncConnection, library_id: int, location_id: int) -> Row | None:
    result = await conn.execute(
        select(locations).where(locations.c.id == location_id, locations.c.library_id == library_id)
    )
    return result.first()


async def room(
    conn: AsyncConnection, library_id: int, location_id: int, room_id: int
) -> Row | None:
    result = await conn.execute(
        select(rooms, locations.c.name.label("location_name"))
        .join(locations, locations.c.id == rooms.c.location_id)
        .where(
            rooms.c.id == room_id,
            rooms.c.location_id == location_id,
            locations.c.library_id == library_id,
        )
    )
    return result.first()


async def location_names(conn: AsyncConnection, library_id: int) -> list[Row]:
    """(id, name) of the library's locations, to find a name that is taken."""
    result = await conn.execute(
        select(locations.c.id, locations.c.name).where(locations.c.library_id == library_id)
    )
    return list(result)


async def room_names(conn: AsyncConnection, location_id: int) -> list[Row]:
    result = await conn.execute(
        select(rooms.c.id, rooms.c.name).where(rooms.c.location_id == location_id)
    )
    return list(result)


async def create_location(
    conn: AsyncConnection, *, library_id: int, at: datetime, **values: object
) -> int:
    result = await conn.execute(
        insert(locations)
        .values(library_id=library_id, is_active=True, created_at=at, **values)
        .returning(locations.c.id)
    )
    return result.scalar_one()


async def update_location(conn: AsyncConnection, location_id: int, **values: object) -> None:
    await conn.execute(update(locations).where(locations.c.id == location_id).values(**values))


async def create_room(
    conn: AsyncConnection, *, location_id: int, at: datetime, **values: object
) -> int:
    result = await conn.execute(
        insert(rooms)
        .values(location_id=location_id, is_active=True, created_at=at, **values)
        .returning(rooms.c.id)
    )
    return result.scalar_one()


async def update_room(conn: AsyncConnection, room_id: int, **values: object) -> None:
    await conn.execute(update(rooms).where(rooms.c.id == room_id).values(**values))


async def room_of_library(conn: AsyncConnection, library_id: int, room_id: int) -> Row | None:
    """The room (with ``location_name``) when it is at one of the library's locations."""
    result = await conn.execute(
        select(rooms, locations.c.name.label("location_name"))
        .join(locations, locations.c.id == rooms.c.location_id)
        .where(rooms.c.id == room_id, locations.c.library_id == library_id)
    )
    return result.first()
