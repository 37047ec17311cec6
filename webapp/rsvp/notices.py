"""SMS to people who signed up: a reminder before their date, and word when the date moves or
is cancelled (calendars learn it through SEQUENCE; people with only an SMS learn it here).

Only RSVPs with a mobile number get them, through the outbox (``sms.notice``): opted-out
numbers get nothing and quiet hours hold messages until the morning. Each text is in the
language the person signed up in, with their personal link.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from invites.sms.templates import format_when
from webapp.context import Context
from webapp.db.tables import events, occurrences, rsvps
from webapp.events import access
from webapp.i18n import _, use_locale
from webapp.rsvp import service
from webapp.settings import SUPPORTED_LOCALES
from webapp.sms import service as sms

# The statuses of people expected (or hoping) to come.
ACTIVE = ("going", "offered", "waitlist")


def reminder_time(starts_at: datetime, tz: ZoneInfo, hours: int) -> datetime:
    """When the reminder for a date is due: ``hours`` before its start on the local clock,
    so a reminder "the day before" comes at the same local time even across a change to or
    from summer time."""
    local = starts_at.astimezone(tz).replace(tzinfo=None) - timedelta(hours=hours)
    return local.replace(tzinfo=tz).astimezone(starts_at.tzinfo)


def _language(row: Row) -> str:
    return row.language if row.language in SUPPORTED_LOCALES else "sv"


async def _people(conn: AsyncConnection, occurrence_id: int) -> list[Row]:
    result = await conn.execute(
        select(rsvps).where(
            rsvps.c.occurrence_id == occurrence_id,
            rsvps.c.status.in_(ACTIVE),
            rsvps.c.phone.is_not(None),
        )
    )
    return list(result)


async def _tell(
    conn: AsyncConnection, ctx: Context, event: access.Event, row: Row, body: str, now: datetime
) -> None:
    lead = event.lead()
    assert row.phone is not None
    await sms.notice(
        conn, ctx, organisation_id=lead.organisation_id if lead else event.library_id,
        phone=row.phone, body=body, tz=_zone(ctx, event), now=now,
    )  # fmt: skip


def _zone(ctx: Context, event: access.Event) -> ZoneInfo:
    return event.tz if isinstance(event.tz, ZoneInfo) else ctx.settings.tz


async def date_moved(
    conn: AsyncConnection, ctx: Context, event: access.Event, occurrence_id: int,
    starts_at: datetime, now: datetime,
) -> None:  # fmt: skip
    """In the transaction that moved the date: everyone signed up hears the new time, and
    their reminder will come before it."""
    for row in await _people(conn, occurrence_id):
        language = _language(row)
        day, at = format_when(starts_at, language, _zone(ctx, event))
        with use_locale(language):
            body = _(
                "%(title)s has moved to %(date)s at %(time)s. Your sign-up still holds. "
                "Change or cancel: %(link)s",
                title=event.row.title, date=day, time=at,
                link=service.personal_link(ctx, row),
            )  # fmt: skip
        await _tell(conn, ctx, event, row, body, now)
    await conn.execute(
        update(rsvps).where(rsvps.c.occurrence_id == occurrence_id).values(reminded_at=None)
    )


async def date_cancelled(
    conn: AsyncConnection, ctx: Context, event: access.Event, occurrence_id: int,
    starts_at: datetime, reason: str, now: datetime,
) -> None:  # fmt: skip
    """In the transaction that cancelled the date (or the whole event): everyone signed up
    hears it, with the reason given."""
    for row in await _people(conn, occurrence_id):
        language = _language(row)
        day, at = format_when(starts_at, language, _zone(ctx, event))
        with use_locale(language):
            body = _(
                "%(title)s on %(date)s at %(time)s is cancelled.",
                title=event.row.title, date=day, time=at,
            )  # fmt: skip
            if reason:
                body += " " + reason
        await _tell(conn, ctx, event, row, body, now)


async def event_cancelled(
    conn: AsyncConnection, ctx: Context, event: access.Event, reason: str, now: datetime
) -> None:
    """The whole event was cancelled: word to the people signed up for its dates to come."""
    result = await conn.execute(
        select(occurrences.c.id, occurrences.c.starts_at).where(
            occurrences.c.event_id == event.id, occurrences.c.starts_at > now
        )
    )
    for occurrence_id, starts_at in list(result):
        await date_cancelled(conn, ctx, event, occurrence_id, starts_at, reason, now)


async def send_reminders(ctx: Context, *, now: datetime) -> int:
    """The worker's part: a reminder to everyone coming whose reminder is due (once)."""
    hours = ctx.settings.rsvp_reminder_hours
    sent = 0
    async with ctx.db.transaction() as conn:
        # Candidates: dates to come within the reminder period plus a day of margin for the
        # local-clock arithmetic; the exact moment is decided below.
        result = await conn.execute(
            select(rsvps, occurrences.c.starts_at)
            .join(occurrences, occurrences.c.id == rsvps.c.occurrence_id)
            .join(events, events.c.id == rsvps.c.event_id)
            .where(
                rsvps.c.status == "going",
                rsvps.c.phone.is_not(None),
                rsvps.c.reminded_at.is_(None),
                occurrences.c.status == "scheduled",
                occurrences.c.starts_at > now,
                occurrences.c.starts_at <= now + timedelta(hours=hours + 24),
            )
            .order_by(rsvps.c.id)  # rows claimed in one order by every worker: no deadlock
        )
        loaded: dict[int, access.Event] = {}
        for row in list(result):
            if row.event_id not in loaded:
                loaded[row.event_id] = await access.load(conn, row.event_id, ctx.settings.tz)
            event = loaded[row.event_id]
            if reminder_time(row.starts_at, _zone(ctx, event), hours) > now:
                continue
            # Claimed for this round: another worker's round at the same moment waits for
            # this transaction, then finds the reminder done (no SMS sent twice).
            claimed = await conn.execute(
                update(rsvps)
                .where(rsvps.c.id == row.id, rsvps.c.reminded_at.is_(None))
                .values(reminded_at=now)
            )
            if claimed.rowcount != 1:
                continue
            if row.created_at >= reminder_time(row.starts_at, _zone(ctx, event), hours):
                continue  # signed up after the reminder time: they know it is soon
            language = _language(row)
            day, at = format_when(row.starts_at, language, _zone(ctx, event))
            with use_locale(language):
                body = _(
                    "Welcome to %(title)s on %(date)s at %(time)s. Can you not come? Cancel "
                    "here so someone else gets the place: %(link)s",
                    title=event.row.title, date=day, time=at,
                    link=service.personal_link(ctx, row),
                )  # fmt: skip
            await _tell(conn, ctx, event, row, body, now)
            sent += 1
    return sent
