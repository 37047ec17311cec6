"""The outbox as ``invites.sms.dispatcher.Dispatcher`` sees it (``OutboxStore``): claiming
due messages for a lease, recording each outcome with its status history."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from invites.sms.dispatcher import Claimed
from invites.sms.providers import Accepted, PermanentFailure, SmsFailure
from webapp.contacts import store as contact_store
from webapp.db import Database
from webapp.db.tables import outbox
from webapp.sms.store import event as _event


class SqlOutbox:
    """The outbox in the database, for ``invites.sms.dispatcher.Dispatcher``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, *, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[Claimed]:
        """Due messages (queued and due, or still ``sending`` after their lease ran out), at
        most ``limit``, claimed for ``lease``. On PostgreSQL rows another dispatcher is
        claiming are skipped (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time."""
        due = (
            select(outbox.c.id)
            .where(
                or_(
                    and_(outbox.c.status == "queued", outbox.c.next_attempt_at <= now),
                    and_(outbox.c.status == "sending", outbox.c.claimed_until < now),
                )
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        # A look first, in a read transaction: an idle outbox costs no write lock.
        async with self.db.read() as conn:
            if (await conn.scalar(due.limit(1))) is None:
                return []
        if not self.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(due.scalar_subquery()))
                .values(
                    status="sending",
                    claimed_by=worker,
                    claimed_until=now + lease,
                    attempts=outbox.c.attempts + 1,
                    updated_at=now,
                )
                .returning(outbox.c.id, outbox.c.phone, outbox.c.body, outbox.c.attempts)
            )
            rows = list(result)
        return [
            Claimed(id=row.id, to=row.phone, body=row.body, attempts=row.attempts)
            for row in rows
            if row.phone  # a deleted contact's message is never sent
        ]

    async def sent(self, message_id: int, *, accepted: Accepted, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id)
                .values(
                    status="delivered" if accepted.status == "delivered" else "sent",
                    provider_id=accepted.provider_id,
                    claimed_by=None,
                    claimed_until=None,
                    error_code=None,
                    error_message="",
                    sent_at=now,
                    updated_at=now,
                    **({"segments": accepted.segments} if accepted.segments else {}),
                )
            )
            await _event(conn, message_id, "sent", now, detail=accepted.status)

    async def retry(
        self,
        message_id: int,
        *,
        at: datetime,
        failure: SmsFailure,
        now: datetime,
        attempt_used: bool = True,
    ) -> None:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(outbox)
                # Only a message still being sent: if its lease ran out and another
                # dispatcher has sent it since, a late retry must not queue it again.
                .where(outbox.c.id == message_id, outbox.c.status == "sending")
                .values(
                    status="queued",
                    # The provider never took it: the claim's attempt is given back.
                    **({} if attempt_used else {"attempts": outbox.c.attempts - 1}),
                    next_attempt_at=at,
                    claimed_by=None,
                    claimed_until=None,
                    error_code=failure.code,
                    error_message=failure.message,
                    updated_at=now,
                )
            )
            if result.rowcount:
                await _event(
                    conn, message_id, "retry", now, code=failure.code, detail=failure.message
                )

    async def failed(self, message_id: int, *, failure: SmsFailure, now: datetime) -> None:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id, outbox.c.status == "sending")
                .values(
                    status="failed",
                    claimed_by=None,
                    claimed_until=None,
                    error_code=failure.code,
                    error_message=failure.message,
                    updated_at=now,
                )
                .returning(outbox.c.phone, outbox.c.phone_hash)
            )
            row = result.first()
            if row is None:
                return  # sent by another dispatcher after this one's lease ran out
            await _event(conn, message_id, "failed", now, code=failure.code, detail=failure.message)
            if isinstance(failure, PermanentFailure) and failure.opted_out:
                # The recipient replied STOP to the provider: nobody messages the number again.
                await contact_store.add_opt_out(conn, row.phone_hash, now, "sms")
                if row.phone:
                    await contact_store.mark_opted_out(conn, row.phone, now)
