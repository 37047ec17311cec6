"""SQL for RSVPs: places taken per date, the waitlist in order, offers that ran out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import events, occurrences, rooms, rsvps, share_links

# The statuses that hold places.
HOLDING = ("going", "offered")


async def lock_date(conn: AsyncConnection, occurrence_id: int) -> Row | None:
    """The date with what its capacity depends on, locked until the transaction ends on
    PostgreSQL (SQLite has one writer at a time): RSVPs to one date are decided one by one."""
    query = (
        select(
            occurrences.c.id,
            occurrences.c.event_id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
            events.c.capacity.label("event_capacity"),
            rooms.c.capacity.label("room_capacity"),
        )
        .join(events, events.c.id == occurrences.c.event_id)
        .join(rooms, rooms.c.id == occurrences.c.room_id)
        .where(occurrences.c.id == occurrence_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=occurrences)
    return (await conn.execute(query)).first()


async def taken(conn: AsyncConnection, occurrence_ids: Sequence[int]) -> dict[int, int]:
    """Places held (going or offered) per date."""
    if not occurrence_ids:
        return {}
    result = await conn.execute(
        select(rsvps.c.occurrence_id, func.sum(rsvps.c.party_size))
        .where(rsvps.c.occurrence_id.in_(list(occurrence_ids)), rsvps.c.status.in_(HOLDING))
        .group_by(rsvps.c.occurrence_id)
    )
    return {occurrence_id: int(total) for occurrence_id, total in result}


async def waiting(conn: AsyncConnection, occurrence_ids: Sequence[int]) -> dict[int, int]:
    if not occurrence_ids:
        return {}
    result = await conn.execute(
        select(rsvps.c.occurrence_id, func.count())
        .where(rsvps.c.occurrence_id.in_(list(occurrence_ids)), rsvps.c.status == "waitlist")
        .group_by(rsvps.c.occurrence_id)
    )
    return dict(result.all())  # type: ignore[arg-type]


async def by_request_key(conn: AsyncConnection, key: str) -> Row | None:
    return (await conn.execute(select(rsvps).where(rsvps.c.request_key == key))).first()


async def by_token_hash(conn: AsyncConnection, token_hash: str) -> Row | None:
    return (await conn.execute(select(rsvps).where(rsvps.c.token_hash == token_hash))).first()


async def add(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(rsvps).values(**values).returning(rsvps.c.id))
    return int(result.scalar_one())


async def set_status(conn: AsyncConnection, rsvp_id: int, **values: Any) -> None:
    await conn.execute(update(rsvps).where(rsvps.c.id == rsvp_id).values(**values))


async def first_waiting(conn: AsyncConnection, occurrence_id: int) -> Row | None:
    result = await conn.execute(
        select(rsvps)
        .where(rsvps.c.occurrence_id == occurrence_id, rsvps.c.status == "waitlist")
        .order_by(rsvps.c.created_at, rsvps.c.id)
        .limit(1)
    )
    return result.first()


async def place_in_line(conn: AsyncConnection, row: Row) -> int:
    """1 for the first on the waitlist."""
    ahead = await conn.scalar(
        select(func.count()).where(
            rsvps.c.occurrence_id == row.occurrence_id,
            rsvps.c.status == "waitlist",
            (rsvps.c.created_at < row.created_at)
            | ((rsvps.c.created_at == row.created_at) & (rsvps.c.id < row.id)),
        )
    )
    return int(ahead or 0) + 1


async def lapsed_offers(
    conn: AsyncConnection, now: datetime, *, occurrence_id: int | None = None
) -> list[Row]:
    query = select(rsvps.c.id, rsvps.c.occurrence_id).where(
        rsvps.c.status == "offered", rsvps.c.offered_until < now
    )
    if occurrence_id is not None:
        query = query.where(rsvps.c.occurrence_id == occurrence_id)
    return list(await conn.execute(query))


async def link_by_code(conn: AsyncConnection, event_id: int, code: str) -> int | None:
    return await conn.scalar(
        select(share_links.c.id).where(
            share_links.c.code == code, share_links.c.event_id == event_id
        )
    )


async def list_of_date(conn: AsyncConnection, occurrence_id: int) -> list[Row]:
    """Who is coming to the date (and who waits), by name: the check-in list."""
    result = await conn.execute(
        select(rsvps)
        .where(
            rsvps.c.occurrence_id == occurrence_id,
            rsvps.c.status.in_(("going", "offered", "waitlist")),
        )
        .order_by(rsvps.c.status != "going", rsvps.c.name, rsvps.c.id)
    )
    return list(result)


async def check_in(
    conn: AsyncConnection, event_id: int, occurrence_id: int, rsvp_id: int, at: datetime | None
) -> bool:
    result = await conn.execute(
        update(rsvps)
        .where(
            rsvps.c.id == rsvp_id,
            rsvps.c.occurrence_id == occurrence_id,
            rsvps.c.event_id == event_id,
        )
        .values(checked_in_at=at)
    )
    return result.rowcount == 1


async def dates_of_event(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(occurrences.c.id, occurrences.c.starts_at, occurrences.c.status)
        .where(occurrences.c.event_id == event_id, occurrences.c.status == "scheduled")
        .order_by(occurrences.c.starts_at)
    )
    return list(result)


async def signed_up_dates(conn: AsyncConnection, row: Row) -> list[Row]:
    """The dates the person of ``row`` is signed up for, still going, offered or waiting:
    every RSVP with the same mobile number when this one proves the number (it answered an
    SMS invitation to it), else only this one. Anyone may type someone else's number into
    the web form; their link must not show that person's other sign-ups."""
    proven = row.phone and row.request_key.startswith("sms:")
    who = rsvps.c.phone == row.phone if proven else rsvps.c.id == row.id
    result = await conn.execute(
        select(rsvps.c.id, rsvps.c.occurrence_id, rsvps.c.status)
        .where(who, rsvps.c.status.in_(("going", "offered", "waitlist")))
        .order_by(rsvps.c.id)
    )
    return list(result)


async def erase_ended(conn: AsyncConnection, before: datetime) -> int:
    """The retention rule: sign-ups for dates that ended before ``before`` keep no name and
    no number. What stays (party size, status, the link people came through) is what the
    organisers' counts of who came and what brought them need."""
    ended = select(occurrences.c.id).where(occurrences.c.ends_at < before)
    result = await conn.execute(
        update(rsvps)
        .where(
            rsvps.c.occurrence_id.in_(ended), or_(rsvps.c.name != "", rsvps.c.phone.is_not(None))
        )
        .values(name="", phone=None)
    )
    return int(result.rowcount or 0)
