"""SQL for the console provider's messages."""

from __future__ import annotations

from sqlalchemy import insert, select
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
