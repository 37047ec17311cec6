"""SQL for the inbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import events, notifications, users


async def add(
    conn: AsyncConnection,
    *,
    user_ids: Iterable[int],
    kind: str,
    event_id: int | None,
    actor_id: int | None,
    params: dict[str, Any],
    at: datetime,
) -> None:
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "event_id": event_id,
            "actor_id": actor_id,
            "params": params,
            "created_at": at,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    if rows:
        await conn.execute(insert(notifications), rows)


async def inbox(conn: AsyncConnection, user_id: int, *, limit: int = 100) -> list[Row]:
    """The newest notifications with the event's title and the actor's name, in one query."""
    result = await conn.execute(
        select(
            notifications,
            events.c.title.label("event_title"),
            users.c.name.label("actor_name"),
        )
        .outerjoin(events, events.c.id == notifications.c.event_id)
        .outerjoin(users, users.c.id == notifications.c.actor_id)
        .where(notifications.c.user_id == user_id)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(limit)
    )
    return list(result)


async def unread_count(conn: AsyncConnection, user_id: int) -> int:
    result = await conn.execute(
        select(func.count())
        .select_from(notifications)
        .where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
    )
    return int(result.scalar_one())


async def mark_read(
    conn: AsyncConnection, user_id: int, at: datetime, notification_id: int | None = None
) -> None:
    query = update(notifications).where(
        notifications.c.user_id == user_id, notifications.c.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(notifications.c.id == notification_id)
    await conn.execute(query.values(read_at=at))
