"""SQL for SMS: a send and its outbox rows, and what happens to a deleted contact's messages.
The outbox as the dispatcher claims and updates it is in ``webapp/sms/outbox.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    contacts,
    outbox,
    outbox_events,
    sms_budgets,
    sms_replies,
    sms_sends,
    users,
)


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


async def forget_numbers(conn: AsyncConnection, contact_ids: Sequence[int]) -> None:
    """Deleted contacts' messages keep only the hash of the number (and no text); those not
    sent yet are cancelled."""
    if not contact_ids:
        return
    ids = list(contact_ids)
    await conn.execute(
        update(outbox)
        .where(outbox.c.contact_id.in_(ids), outbox.c.status.in_(("queued", "sending")))
        .values(status="cancelled", claimed_by=None, claimed_until=None)
    )
    await conn.execute(
        update(outbox).where(outbox.c.contact_id.in_(ids)).values(phone=None, body="")
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


# Monthly budgets -----------------------------------------------------------------------------


async def budget(conn: AsyncConnection, organisation_id: int, *, lock: bool = False) -> Row | None:
    """The organisation's budget; ``lock`` holds it until the transaction ends (PostgreSQL),
    so two sends of one organisation are checked one after the other. SQLite writers are
    serialised anyway."""
    query = select(sms_budgets).where(sms_budgets.c.organisation_id == organisation_id)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).first()


async def save_budget(conn: AsyncConnection, organisation_id: int, **values: Any) -> None:
    changed = await conn.execute(
        update(sms_budgets).where(sms_budgets.c.organisation_id == organisation_id).values(**values)
    )
    if not changed.rowcount:
        await conn.execute(insert(sms_budgets).values(organisation_id=organisation_id, **values))


async def delete_budget(conn: AsyncConnection, organisation_id: int) -> None:
    await conn.execute(delete(sms_budgets).where(sms_budgets.c.organisation_id == organisation_id))


def _counted() -> Any:
    """Messages that count against a budget: all but the cancelled ones and those that
    failed before the provider took them (they cost nothing)."""
    return and_(
        outbox.c.status != "cancelled",
        or_(outbox.c.status != "failed", outbox.c.provider_id.is_not(None)),
    )


async def use_between(
    conn: AsyncConnection, organisation_id: int, since: datetime, until: datetime
) -> tuple[int, Decimal]:
    """Segments and cost of the organisation's messages queued in [since, until)."""
    row = (
        await conn.execute(
            select(
                func.coalesce(func.sum(outbox.c.segments), 0),
                func.coalesce(func.sum(outbox.c.cost), 0),
            ).where(
                outbox.c.organisation_id == organisation_id,
                outbox.c.created_at >= since,
                outbox.c.created_at < until,
                _counted(),
            )
        )
    ).one()
    return int(row[0]), Decimal(str(row[1]))


# The log of sends and messages -----------------------------------------------------------------


async def sends_of(
    conn: AsyncConnection, organisation_id: int, *, limit: int, offset: int
) -> list[Row]:
    """The organisation's sends, newest first, with who made them."""
    result = await conn.execute(
        select(sms_sends, users.c.name.label("created_by_name"))
        .outerjoin(users, users.c.id == sms_sends.c.created_by)
        .where(sms_sends.c.organisation_id == organisation_id)
        .order_by(sms_sends.c.created_at.desc(), sms_sends.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(result)


async def statuses_of_sends(
    conn: AsyncConnection, send_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """How many messages of each send are in each status."""
    if not send_ids:
        return {}
    result = await conn.execute(
        select(outbox.c.send_id, outbox.c.status, func.count())
        .where(outbox.c.send_id.in_(list(send_ids)))
        .group_by(outbox.c.send_id, outbox.c.status)
    )
    found: dict[int, dict[str, int]] = {}
    for send_id, status, count in result:
        found.setdefault(send_id, {})[status] = count
    return found


async def send_of(conn: AsyncConnection, organisation_id: int, send_id: int) -> Row | None:
    result = await conn.execute(
        select(sms_sends, users.c.name.label("created_by_name"))
        .outerjoin(users, users.c.id == sms_sends.c.created_by)
        .where(sms_sends.c.id == send_id, sms_sends.c.organisation_id == organisation_id)
    )
    return result.first()


def _with_contact() -> Any:
    return select(outbox, contacts.c.name.label("contact_name")).outerjoin(
        contacts, contacts.c.id == outbox.c.contact_id
    )


async def messages_page(
    conn: AsyncConnection, send_id: int, *, status: str | None, limit: int, offset: int
) -> list[Row]:
    query = _with_contact().where(outbox.c.send_id == send_id)
    if status:
        query = query.where(outbox.c.status == status)
    result = await conn.execute(query.order_by(outbox.c.id).limit(limit).offset(offset))
    return list(result)


async def message_of(conn: AsyncConnection, organisation_id: int, message_id: int) -> Row | None:
    result = await conn.execute(
        _with_contact().where(
            outbox.c.id == message_id, outbox.c.organisation_id == organisation_id
        )
    )
    return result.first()


async def history(conn: AsyncConnection, message_id: int) -> list[Row]:
    result = await conn.execute(
        select(outbox_events)
        .where(outbox_events.c.outbox_id == message_id)
        .order_by(outbox_events.c.at, outbox_events.c.id)
    )
    return list(result)


async def message_by_code(conn: AsyncConnection, code: str) -> Row | None:
    result = await conn.execute(select(outbox).where(outbox.c.code == code))
    return result.first()


async def replies_of(
    conn: AsyncConnection, organisation_id: int, *, limit: int, offset: int
) -> list[Row]:
    """Replies kept for the organisation, newest first, with the name the number has in its
    contact book (if it has one)."""
    result = await conn.execute(
        select(
            sms_replies, contacts.c.id.label("contact_id"), contacts.c.name.label("contact_name")
        )
        .outerjoin(
            contacts,
            and_(
                contacts.c.organisation_id == organisation_id,
                contacts.c.phone == sms_replies.c.phone,
            ),
        )
        .where(sms_replies.c.organisation_id == organisation_id)
        .order_by(sms_replies.c.received_at.desc(), sms_replies.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(result)


async def latest_invitation(conn: AsyncConnection, phone_hash: str) -> str | None:
    """The code of the newest message about an event sent to the number: what a YES or NO
    reply answers."""
    return await conn.scalar(
        select(outbox.c.code)
        .join(sms_sends, sms_sends.c.id == outbox.c.send_id)
        .where(
            outbox.c.phone_hash == phone_hash,
            outbox.c.code.is_not(None),
            sms_sends.c.event_id.is_not(None),
        )
        .order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
        .limit(1)
    )


async def outbox_figures(conn: AsyncConnection, now: datetime) -> tuple[dict[str, int], int, float]:
    """For monitoring: messages per status, how many are due now, and how long the oldest
    due message has waited (seconds; 0 when none). Counted on the outbox's (status,
    next_attempt_at) index."""
    by_status = {
        row.status: int(row.n)
        for row in await conn.execute(
            select(outbox.c.status, func.count().label("n")).group_by(outbox.c.status)
        )
    }
    due = (
        await conn.execute(
            select(func.count(), func.min(outbox.c.next_attempt_at)).where(
                outbox.c.status == "queued", outbox.c.next_attempt_at <= now
            )
        )
    ).one()
    oldest = due[1]
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    waited = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return by_status, int(due[0]), waited


async def forget_old(conn: AsyncConnection, before: datetime) -> int:
    """The retention rule for the SMS log: messages sent and replies received before
    ``before`` keep neither the number nor the text (their status, segments and cost stay
    for the organisation's figures; the number's hash, for opt-outs)."""
    done = ("sent", "delivered", "undelivered", "failed", "cancelled")
    sent = await conn.execute(
        update(outbox)
        .where(outbox.c.created_at < before, outbox.c.status.in_(done), outbox.c.phone.is_not(None))
        .values(phone=None, body="")
    )
    replies = await conn.execute(
        update(sms_replies)
        .where(sms_replies.c.received_at < before, sms_replies.c.phone.is_not(None))
        .values(phone=None, body="")
    )
    return int(sent.rowcount or 0) + int(replies.rowcount or 0)
