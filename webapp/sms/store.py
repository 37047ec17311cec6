"""SQL for SMS: a send and its outbox rows, and what happens to a deleted contact's messages.
The outbox as the dispatcher claims and updates it is in ``webapp/sms/outbox.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import outbox, outbox_events, sms_sends


async def add_send(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(sms_sends).returning(sms_sends.c.id), [values])
    return int(result.scalar_one())


async def add_messages(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(outbox), list(rows))


async def messages_of_send(conn: AsyncConnection, send_id: int) -> list[Row]:
    result = await conn.execute(
        select(outbox).where(outbox.c.send_id == send_id).order_by(outbox.c.id)
    )
    return list(result)


async def messages_of_contact(conn: AsyncConnection, contact_id: int) -> list[Row]:
    result = await conn.execute(
        select(outbox).where(outbox.c.contact_id == contact_id).order_by(outbox.c.id)
    )
    return list(result)


async def forget_numbers(conn: AsyncConnection, contact_id: int) -> None:
    """A deleted contact's messages keep only the hash of the number (and no text); those
    not sent yet are cancelled."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.contact_id == contact_id, outbox.c.status.in_(("queued", "sending")))
        .values(status="cancelled", claimed_by=None, claimed_until=None)
    )
    await conn.execute(
        update(outbox).where(outbox.c.contact_id == contact_id).values(phone=None, body="")
    )


async def event(
    conn: AsyncConnection, message_id: int, status: str, at: datetime, *,
    code: int | None = None, detail: str = "",
) -> None:  # fmt: skip
    await conn.execute(
        insert(outbox_events).values(
            outbox_id=message_id, at=at, status=status, error_code=code, detail=detail
        )
    )
