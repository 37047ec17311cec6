"""What ``samspel worker`` does on its timer (webapp/worker.py), done by two workers at the same
moment, as happens when several run: each reminder still goes out once.

Each round runs through a database engine of its own, as from two processes. On PostgreSQL
both rounds read the same due reminders before either has committed; only the claim of each
row (an update that waits for the other round's transaction, then finds the row done) keeps
the SMS from going out twice. SQLite has one writer at a time: the rounds follow each other.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from tests import factories
from tests.http.test_program import rooms  # noqa: F401 - the fixture
from tests.http.test_volunteers import _event, _one_shift, _sign_up
from webapp import clock
from webapp.context import build_context
from webapp.db import Database
from webapp.db.tables import occurrences, outbox, volunteer_signups
from webapp.rsvp import notices as rsvp_notices
from webapp.rsvp import service as rsvp
from webapp.volunteers import notices as volunteer_notices

PEOPLE = 24


async def _two_rounds_at_once(
    ctx: Any, round_: Callable[..., Awaitable[int]], now: datetime
) -> list[int]:
    """``round_`` run by two "workers" at the same moment, each with its own engine."""
    one = build_context(ctx.settings, Database(ctx.settings.database_url))
    two = build_context(ctx.settings, Database(ctx.settings.database_url))
    try:
        return list(await asyncio.gather(round_(one, now=now), round_(two, now=now)))
    finally:
        for other in (one, two):
            other.calendar_versions.close()
            await other.db.dispose()


async def _messages(ctx: Any, start: str) -> Counter[str]:
    """Queued SMS whose text starts with ``start``, per number."""
    async with ctx.db.read() as conn:
        phones = await conn.scalars(select(outbox.c.phone).where(outbox.c.body.startswith(start)))
        return Counter(phones)


def test_two_workers_send_each_rsvp_reminder_once(web, world, rooms):  # noqa: F811
    starts = (clock.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    event_id = web.run(
        factories.event_in_state, web.ctx, world, "published", rooms["hall"], starts, {}
    )

    async def sign_up(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            date_id = await conn.scalar(
                select(occurrences.c.id).where(occurrences.c.event_id == event_id)
            )
        for n in range(PEOPLE):
            await rsvp.book(
                ctx, event_id=event_id, occurrence_id=date_id, name=f"Gäst {n}",
                phone=f"+4670{n:07d}", party_size=1, language="en",
                request_key=rsvp.new_request_key(), via=None,
            )  # fmt: skip

    web.run(sign_up, web.ctx)
    due = starts - timedelta(hours=web.ctx.settings.rsvp_reminder_hours - 1)
    sent = web.run(_two_rounds_at_once, web.ctx, rsvp_notices.send_reminders, due)
    assert sum(sent) == PEOPLE, sent
    reminders = web.run(_messages, web.ctx, "Welcome to")
    assert len(reminders) == PEOPLE and set(reminders.values()) == {1}, reminders
    assert web.run(rsvp_notices.send_reminders, web.ctx, now=due) == 0


def test_two_workers_send_each_volunteer_reminder_once(web, world, rooms):  # noqa: F811
    web.client.headers["Accept-Language"] = "en"  # the volunteers' language, and the SMS's
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Host", people_needed=str(PEOPLE))
    for n in range(PEOPLE):
        signed = _sign_up(web, code, [shift.id], name=f"Volontär {n}", phone=f"070{n:07d}")
        assert signed.status_code == 303, signed.text
        web.client.cookies.clear()  # the next person, on another phone

    async def backdate(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(volunteer_signups).values(created_at=clock.now() - timedelta(days=7))
            )

    web.run(backdate, web.ctx)
    due = shift.starts_at - timedelta(hours=web.ctx.settings.volunteer_reminder_hours - 1)
    sent = web.run(_two_rounds_at_once, web.ctx, volunteer_notices.send_reminders, due)
    assert sum(sent) == PEOPLE, sent
    reminders = web.run(_messages, web.ctx, "Reminder: you help with")
    assert len(reminders) == PEOPLE and set(reminders.values()) == {1}, reminders
    assert web.run(volunteer_notices.send_reminders, web.ctx, now=due) == 0
