"""SQL for the invitation plan: audiences, channels, share links and their visits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    audiences,
    channels,
    link_visits,
    organisations,
    rsvps,
    share_links,
)

# Audiences -------------------------------------------------------------------------------------


async def audiences_of(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(audiences)
        .where(audiences.c.event_id == event_id)
        .order_by(audiences.c.position, audiences.c.id)
    )
    return list(result)


async def audience(conn: AsyncConnection, event_id: int, audience_id: int) -> Row | None:
    result = await conn.execute(
        select(audiences).where(audiences.c.id == audience_id, audiences.c.event_id == event_id)
    )
    return result.first()


async def name_taken(
    conn: AsyncConnection, event_id: int, name: str, *, other_than: int | None = None
) -> bool:
    query = select(audiences.c.id).where(
        audiences.c.event_id == event_id, func.lower(audiences.c.name) == name.lower()
    )
    if other_than is not None:
        query = query.where(audiences.c.id != other_than)
    return (await conn.scalar(query)) is not None


async def add_audience(conn: AsyncConnection, **values: Any) -> int:
    position = await conn.scalar(
        select(func.coalesce(func.max(audiences.c.position), 0) + 1).where(
            audiences.c.event_id == values["event_id"]
        )
    )
    result = await conn.execute(
        insert(audiences).values(position=position, **values).returning(audiences.c.id)
    )
    return int(result.scalar_one())


async def update_audience(conn: AsyncConnection, audience_id: int, **values: Any) -> None:
    await conn.execute(update(audiences).where(audiences.c.id == audience_id).values(**values))


async def delete_audience(conn: AsyncConnection, audience_id: int) -> None:
    """The audience and its channels; their links stay (with their visits) as named links."""
    await conn.execute(delete(audiences).where(audiences.c.id == audience_id))


# Channels --------------------------------------------------------------------------------------


def _channel_query() -> Any:
    return select(channels, organisations.c.name.label("responsible_name")).outerjoin(
        organisations, organisations.c.id == channels.c.responsible_id
    )


async def channels_of(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        _channel_query().where(channels.c.event_id == event_id).order_by(channels.c.id)
    )
    return list(result)


async def channel(conn: AsyncConnection, event_id: int, channel_id: int) -> Row | None:
    result = await conn.execute(
        _channel_query().where(channels.c.id == channel_id, channels.c.event_id == event_id)
    )
    return result.first()


async def add_channel(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(channels).values(**values).returning(channels.c.id))
    return int(result.scalar_one())


async def update_channel(conn: AsyncConnection, channel_id: int, **values: Any) -> None:
    await conn.execute(update(channels).where(channels.c.id == channel_id).values(**values))


async def delete_channel(conn: AsyncConnection, channel_id: int) -> None:
    await conn.execute(delete(channels).where(channels.c.id == channel_id))


# Share links and visits ------------------------------------------------------------------------


async def links_of(conn: AsyncConnection, event_id: int) -> list[Row]:
    """The event's links with their visits so far and the organisation they belong to."""
    visits = (
        select(link_visits.c.link_id, func.sum(link_visits.c.visits).label("visits"))
        .group_by(link_visits.c.link_id)
        .subquery()
    )
    # People signed up through each link (RSVPs that hold places, by party size).
    signed_up = (
        select(rsvps.c.link_id, func.sum(rsvps.c.party_size).label("people"))
        .where(rsvps.c.event_id == event_id, rsvps.c.status.in_(("going", "offered")))
        .group_by(rsvps.c.link_id)
        .subquery()
    )
    # People checked in on the day, by the link they came through.
    came = (
        select(rsvps.c.link_id, func.sum(rsvps.c.party_size).label("came"))
        .where(rsvps.c.event_id == event_id, rsvps.c.checked_in_at.is_not(None))
        .group_by(rsvps.c.link_id)
        .subquery()
    )
    result = await conn.execute(
        select(
            share_links,
            func.coalesce(visits.c.visits, 0).label("visits"),
            func.coalesce(signed_up.c.people, 0).label("people"),
            func.coalesce(came.c.came, 0).label("came"),
            organisations.c.name.label("organisation_name"),
        )
        .outerjoin(visits, visits.c.link_id == share_links.c.id)
        .outerjoin(signed_up, signed_up.c.link_id == share_links.c.id)
        .outerjoin(came, came.c.link_id == share_links.c.id)
        .outerjoin(organisations, organisations.c.id == share_links.c.organisation_id)
        .where(share_links.c.event_id == event_id)
        .order_by(share_links.c.id)
    )
    return list(result)


async def add_link(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(share_links).values(**values).returning(share_links.c.id))
    return int(result.scalar_one())


async def link(conn: AsyncConnection, event_id: int, link_id: int) -> Row | None:
    result = await conn.execute(
        select(share_links).where(share_links.c.id == link_id, share_links.c.event_id == event_id)
    )
    return result.first()


async def link_by_code(conn: AsyncConnection, code: str) -> Row | None:
    result = await conn.execute(select(share_links).where(share_links.c.code == code))
    return result.first()


async def rename_link(conn: AsyncConnection, link_id: int, name: str) -> None:
    await conn.execute(update(share_links).where(share_links.c.id == link_id).values(name=name))


async def delete_link(conn: AsyncConnection, link_id: int) -> None:
    await conn.execute(delete(share_links).where(share_links.c.id == link_id))


async def count_visit(conn: AsyncConnection, link_id: int, day: date) -> None:
    """One more visit on ``day``: one row per link and day, added to in place (an upsert, so
    simultaneous visits never lose a count)."""
    values: Mapping[str, Any] = {"link_id": link_id, "day": day, "visits": 1}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(link_visits).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[link_visits.c.link_id, link_visits.c.day],
            set_={"visits": link_visits.c.visits + 1},
        )
    )


async def channel_link_code(
    conn: AsyncConnection, event_id: int, kind: str, organisation_id: int | None
) -> str | None:
    """The tracked link of the event's channel of ``kind``: the one the organisation is
    responsible for if there is one, else the first."""
    result = await conn.execute(
        select(share_links.c.code, channels.c.responsible_id)
        .join(channels, channels.c.id == share_links.c.channel_id)
        .where(channels.c.event_id == event_id, channels.c.kind == kind)
        .order_by(channels.c.id)
    )
    rows = list(result)
    mine = [r.code for r in rows if r.responsible_id == organisation_id]
    return (mine or [r.code for r in rows] or [None])[0]


async def sms_channels_of(conn: AsyncConnection, event_ids: list[int]) -> list[Row]:
    """The SMS channels of the events, with their audience's name."""
    if not event_ids:
        return []
    result = await conn.execute(
        select(channels.c.id, channels.c.event_id, audiences.c.name.label("audience_name"))
        .join(audiences, audiences.c.id == channels.c.audience_id)
        .where(channels.c.event_id.in_(event_ids), channels.c.kind == "sms")
        .order_by(channels.c.event_id, channels.c.id)
    )
    return list(result)


async def link_code_of_channel(conn: AsyncConnection, channel_id: int) -> str | None:
    return await conn.scalar(
        select(share_links.c.code).where(share_links.c.channel_id == channel_id)
    )
