"""SQL for the console provider's messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from invites.console import OutgoingMessage
from webapp import clock
from webapp.db.tables import console_messages


async def record(conn: AsyncConnection, message: OutgoingMessage) -> None:
    await conn.execute(
        insert(console_messages).values(
            channel=message.channel,
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            created_at=clock.now(),
        )
    )


async def latest(conn: AsyncConnection, limit: int = 50) -> list[Row]:
    result = await conn.execute(
        select(console_messages).order_by(console_messages.c.id.desc()).limit(limit)
    )
    return list(result)


async def delete_older(conn: AsyncConnection, before: datetime) -> int:
    """What the development console showed is not kept for long: it holds reset links."""
    result = await conn.execute(
        delete(console_messages).where(console_messages.c.created_at < before)
    )
    return int(result.rowcount or 0)
