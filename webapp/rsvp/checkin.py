"""The check-in list of a date, for the event's library and partners: who is coming (with
how many), who waits, and who has come. A plain page that prints and works on a phone; each
tick is a small form, so it works without JavaScript and a lost connection loses one tick at
most, never the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Row

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.events import access
from webapp.problems import NotFound
from webapp.rsvp import store


@dataclass(frozen=True)
class CheckIn:
    event: access.Event
    dates: list[Row]
    date: Row | None
    people: list[Row]

    @property
    def expected(self) -> int:
        return sum(p.party_size for p in self.people if p.status == "going")

    @property
    def arrived(self) -> int:
        return sum(p.party_size for p in self.people if p.checked_in_at is not None)


def _default_date(dates: list[Row], now: datetime) -> Row | None:
    """Today's date, or the next one, or the last one."""
    coming = [d for d in dates if d.starts_at.date() >= now.date()]
    return coming[0] if coming else (dates[-1] if dates else None)


async def check_in_list(
    ctx: Context, *, actor: Actor, event_id: int, occurrence_id: int | None
) -> CheckIn:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        if not ({"library", "partner"} & access.require(actor, "event.view", event)):
            raise NotFound()
        dates = await store.dates_of_event(conn, event_id)
        date = (
            next((d for d in dates if d.id == occurrence_id), None)
            if occurrence_id is not None
            else _default_date(dates, clock.now())
        )
        if occurrence_id is not None and date is None:
            raise NotFound()
        people = await store.list_of_date(conn, date.id) if date else []
    return CheckIn(event=event, dates=dates, date=date, people=people)


async def mark(
    ctx: Context, *, actor: Actor, event_id: int, occurrence_id: int, rsvp_id: int, came: bool
) -> None:
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        if not ({"library", "partner"} & access.require(actor, "event.view", event)):
            raise NotFound()
        if not await store.check_in(
            conn, event_id, occurrence_id, rsvp_id, clock.now() if came else None
        ):
            raise NotFound()
