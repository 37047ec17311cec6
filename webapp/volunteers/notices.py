"""SMS to volunteers: the confirmation of a sign-up, a place freed for them on the waitlist, a
shift that moved or was cancelled, and the reminder before a shift.

Through the outbox (``sms.notice``), in the transaction of the change: a number that asked
for no SMS gets none, and quiet hours hold messages until the morning. Each text is in the
language the person signed up in, with their personal link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from invites.sms.templates import format_when
from webapp.context import Context
from webapp.events import access
from webapp.i18n import _, use_locale
from webapp.rsvp.notices import reminder_time
from webapp.settings import SUPPORTED_LOCALES
from webapp.sms import service as sms
from webapp.volunteers import links, store


def language_of(person: Row) -> str:
    return person.language if person.language in SUPPORTED_LOCALES else "sv"


def zone_of(ctx: Context, event: access.Event) -> ZoneInfo:
    return event.tz if isinstance(event.tz, ZoneInfo) else ctx.settings.tz


def sender_of(event: access.Event) -> int:
    """The organisation the SMS comes from: the event's lead partner, else the library."""
    lead = event.lead()
    return lead.organisation_id if lead is not None else event.library_id


def when(ctx: Context, event: access.Event, starts_at: datetime, language: str) -> dict[str, str]:
    """``date`` and ``time`` for a text, in the person's language and the event's zone."""
    day, at = format_when(starts_at, language, zone_of(ctx, event))
    return {"date": day, "time": at}


async def tell(
    conn: AsyncConnection, ctx: Context, event: access.Event, person: Row, body: str,
    now: datetime,
) -> datetime | None:  # fmt: skip
    return await sms.notice(
        conn, ctx, organisation_id=sender_of(event), phone=person.phone, body=body,
        tz=zone_of(ctx, event), now=now,
    )  # fmt: skip


async def confirmation(
    conn: AsyncConnection, ctx: Context, event: access.Event, person: Row,
    confirmed: Sequence[Row], waiting: Sequence[Row], now: datetime,
) -> None:  # fmt: skip
    """Right after a sign-up: the shifts the person has, and those they wait for."""
    language = language_of(person)
    with use_locale(language):
        lines = [_("Thank you, %(name)s!", name=person.name)]
        for shift in confirmed:
            lines.append(
                _("You help with %(task)s at %(event)s on %(date)s at %(time)s.", task=shift.title,
                  event=event.row.title, **when(ctx, event, shift.starts_at, language))
            )  # fmt: skip
        for shift in waiting:
            lines.append(
                _("You are on the waitlist for %(task)s on %(date)s at %(time)s.", task=shift.title,
                  **when(ctx, event, shift.starts_at, language))
            )  # fmt: skip
        lines.append(_("See, change or cancel: %(link)s", link=links.personal_link(ctx, person)))
    await tell(conn, ctx, event, person, "\n".join(lines), now)


async def moved_up(
    conn: AsyncConnection, ctx: Context, event: access.Event, person: Row, shift: Row,
    now: datetime,
) -> None:  # fmt: skip
    language = language_of(person)
    with use_locale(language):
        body = _(
            "A place is free and it is yours: %(task)s at %(event)s on %(date)s at %(time)s. "
            "If you cannot come, cancel here: %(link)s",
            task=shift.title, event=event.row.title,
            **when(ctx, event, shift.starts_at, language),
            link=links.personal_link(ctx, person),
        )  # fmt: skip
    await tell(conn, ctx, event, person, body, now)


async def shift_moved(
    conn: AsyncConnection, ctx: Context, event: access.Event, shift: Row, title: str,
    starts_at: datetime, ends_at: datetime, now: datetime,
) -> None:  # fmt: skip
    """Everyone on (or waiting for) the shift hears its new time."""
    for person in await store.people_on_shifts(conn, [shift.id]):
        language = language_of(person)
        with use_locale(language):
            body = _(
                "Your shift %(task)s at %(event)s has moved to %(date)s at %(time)s. See or "
                "cancel: %(link)s",
                task=title, event=event.row.title, **when(ctx, event, starts_at, language),
                link=links.personal_link(ctx, person),
            )  # fmt: skip
        await tell(conn, ctx, event, person, body, now)


async def shift_cancelled(
    conn: AsyncConnection, ctx: Context, event: access.Event, shift: Row, title: str,
    now: datetime,
) -> None:  # fmt: skip
    for person in await store.people_on_shifts(conn, [shift.id]):
        language = language_of(person)
        with use_locale(language):
            body = _(
                "Your shift %(task)s at %(event)s on %(date)s at %(time)s is cancelled. Thank "
                "you for offering to help.",
                task=title, event=event.row.title,
                **when(ctx, event, shift.starts_at, language),
            )  # fmt: skip
        await tell(conn, ctx, event, person, body, now)


async def send_reminders(ctx: Context, *, now: datetime) -> int:
    """The worker's part: a reminder to everyone on a shift whose reminder is due (once),
    ``SAMSPEL_VOLUNTEER_REMINDER_HOURS`` before the start on the local clock."""
    hours = ctx.settings.volunteer_reminder_hours
    sent = 0
    async with ctx.db.transaction() as conn:
        # Candidates within the period plus a day of margin for the local-clock arithmetic.
        rows = await store.reminders_due(conn, now, now + timedelta(hours=hours + 24))
        loaded: dict[int, access.Event] = {}
        for row in rows:
            if row.event_id not in loaded:
                loaded[row.event_id] = await access.load(conn, row.event_id, ctx.settings.tz)
            event = loaded[row.event_id]
            due = reminder_time(row.starts_at, zone_of(ctx, event), hours)
            if due > now:
                continue
            if not await store.claim_reminder(conn, row.id, now):
                continue  # another worker's round at the same moment reminded them
            if row.created_at >= due:
                continue  # signed up after the reminder time: they know it is soon
            language = language_of(row)
            with use_locale(language):
                body = _(
                    "Reminder: you help with %(task)s at %(event)s on %(date)s at %(time)s. If "
                    "you cannot come, cancel so someone else can take it: %(link)s",
                    task=row.title, event=event.row.title,
                    **when(ctx, event, row.starts_at, language),
                    link=links.personal_link(ctx, row),
                )  # fmt: skip
            await tell(conn, ctx, event, row, body, now)
            sent += 1
    return sent
