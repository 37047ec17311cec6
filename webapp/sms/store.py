"""SQL for SMS: a send and its outbox rows, and what happens to a deleted contact's messages.
The outbox as the dispatcher claims and updates it is in ``webapp/sms/outbox.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import outbox, outbox_events, sms_replies, sms_sends


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


# Delivery reports and replies ----------------------------------------------------------------

# How far a message has come: a report never takes it back (they can arrive out of order).
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}


async def message_by_provider_id(conn: AsyncConnection, provider_id: str) -> Row | None:
    result = await conn.execute(select(outbox).where(outbox.c.provider_id == provider_id))
    return result.first()


async def set_status(
    conn: AsyncConnection, message_id: int, status: str, at: datetime, *,
    code: int | None, detail: str,
) -> None:  # fmt: skip
    values: dict[str, Any] = {"status": status, "updated_at": at}
    if code is not None:
        values.update(error_code=code, error_message=detail)
    await conn.execute(update(outbox).where(outbox.c.id == message_id).values(**values))
    await event(conn, message_id, status, at, code=code, detail=detail)


async def last_sender(conn: AsyncConnection, phone_hash: str) -> int | None:
    """The organisation that messaged the number last."""
    return await conn.scalar(
        select(outbox.c.organisation_id)
        .where(outbox.c.phone_hash == phone_hash)
        .order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
        .limit(1)
    )


async def reply_known(conn: AsyncConnection, provider_id: str) -> bool:
    found = await conn.scalar(
        select(sms_replies.c.id).where(sms_replies.c.provider_id == provider_id)
    )
    return found is not None


async def add_reply(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(sms_replies).values(**values))
