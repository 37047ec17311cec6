"""The organisers' side: the roster of an event (who is on which shift, their number, whether
they have come), coverage at a glance, check-in on the day, an SMS to everyone on a shift, and
the volunteer hours of an organisation for a year (for reports to funders, also as CSV).

Only the event's library and active partners see its roster; an organisation's hours list
only the shifts it is responsible for (a library: every shift at its events).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.contacts import phones
from webapp.context import Context
from webapp.events import access
from webapp.i18n import _
from webapp.orgs import store as org_store
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.sms import service as sms
from webapp.volunteers import links, signups, store
from webapp.volunteers.tasks import Shift, editable_event, organised_event

MAX_MESSAGE = 480


@dataclass(frozen=True)
class Roster:
    event: access.Event
    shifts: list[Shift]
    people: list[Row]
    dates: list[Row]
    position: int | None  # the date shown (None: all)
    may_edit: bool

    def people_of(self, shift_id: int) -> list[Row]:
        return [p for p in self.people if p.shift_id == shift_id]

    @property
    def shown(self) -> list[Shift]:
        return [s for s in self.shifts if self.position is None or s.row.position == self.position]

    @property
    def short(self) -> list[Shift]:
        return [s for s in self.shown if s.is_short]

    @property
    def checked_in(self) -> int:
        ids = {s.row.id for s in self.shown}
        return sum(1 for p in self.people if p.shift_id in ids and p.checked_in_at is not None)


def _default_position(dates: list[Row], now: datetime, tz: ZoneInfo) -> int | None:
    """Today's date, or the next one, or the last one."""
    today = now.astimezone(tz).date()
    coming = [d for d in dates if d.starts_at.astimezone(tz).date() >= today]
    chosen = coming[0] if coming else (dates[-1] if dates else None)
    return chosen.position if chosen is not None else None


async def roster(
    ctx: Context, *, actor: Actor, event_id: int, position: int | None, every_date: bool = False
) -> Roster:
    async with ctx.db.read() as conn:
        event = await organised_event(conn, ctx, actor, event_id)
        dates = await store.scheduled_dates(conn, event_id)
        shifts = [Shift(row) for row in await store.shifts_of_event(conn, event_id)]
        people = await store.roster(conn, event_id)
    if position is not None and position not in {d.position for d in dates}:
        raise NotFound()
    if position is None and not every_date:
        position = _default_position(dates, clock.now(), event.tz)
    return Roster(
        event=event, shifts=shifts, people=people, dates=dates, position=position,
        may_edit=can(actor, "event.volunteers", event),
    )  # fmt: skip


async def check_in(
    ctx: Context, *, actor: Actor, event_id: int, signup_id: int, came: bool
) -> None:
    async with ctx.db.transaction() as conn:
        await organised_event(conn, ctx, actor, event_id)
        if not await store.check_in(conn, event_id, signup_id, clock.now() if came else None):
            raise NotFound()


async def remove(ctx: Context, *, actor: Actor, event_id: int, signup_id: int) -> None:
    """Take someone off a shift (they told the organisers they cannot come); the next on the
    waitlist moves up."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await editable_event(conn, ctx, actor, event_id)
        row = next((p for p in await store.roster(conn, event_id) if p.id == signup_id), None)
        if row is None:
            raise NotFound()
        await store.lock_shift(conn, row.shift_id)
        await store.set_signup(conn, signup_id, status="cancelled", updated_at=now)
        await signups.move_up(conn, ctx, row.shift_id, now)
        await audit.record(
            conn, action="volunteers.removed", actor_id=actor.user_id,
            target=f"event:{event_id}", signup=signup_id,
        )  # fmt: skip


async def message_shift(
    ctx: Context, *, actor: Actor, event_id: int, shift_id: int, text: str
) -> sms.Sent:
    """An SMS to everyone confirmed on the shift, from the actor's organisation (or the
    library), with each person's link to their shifts on the last line."""
    text = text.strip()
    if not text:
        raise Invalid({"body": _("Write the message.")})
    if len(text) > MAX_MESSAGE:
        raise Invalid({"body": _("At most %(num)d characters.", num=MAX_MESSAGE)})
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await organised_event(conn, ctx, actor, event_id)
        shift = next(
            (s for s in await store.shifts_of_event(conn, event_id) if s.id == shift_id), None
        )
        if shift is None:
            raise NotFound()
        people = await store.people_on_shift(conn, shift_id)
        if not people:
            raise Invalid({"body": _("Nobody is on this shift yet.")})
        sender = next(
            (org for org in [*event.active_partner_ids(), event.library_id]
             if actor.role_in(org) is not None),
            event.library_id,
        )  # fmt: skip
        organisation = await org_store.org_by_id(conn, sender)
        assert organisation is not None
        bodies = []
        for person in people:
            line = _("Your shifts: %(link)s", link=links.personal_link(ctx, person))
            bodies.append((person.phone, f"{text}\n{line}"))
        return await sms.send_to_people(
            conn, ctx, actor=actor, organisation=organisation, bodies=bodies,
            event_id=event_id, purpose="volunteers", now=now,
        )  # fmt: skip


# Hours -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonHours:
    name: str
    phone: str
    shifts: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class Hours:
    organisation: Row
    year: int
    rows: list[Row]
    people: list[PersonHours]
    by_partner: list[tuple[str, int, int]]  # name, shifts, minutes

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.people)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


def _minutes(row: Row) -> int:
    return int((row.ends_at - row.starts_at).total_seconds() // 60)


async def hours(ctx: Context, *, actor: Actor, organisation: Row, year: int) -> Hours:
    """The hours of the shifts people came to (checked in), per person and per responsible
    partner, in the calendar year in the organisation's zone. A person who had their data
    deleted is one line, "Deleted on request", so the totals still hold."""
    if not can(actor, "volunteers.organisation", organisation):
        raise Forbidden()
    tz = ZoneInfo(organisation.timezone or ctx.settings.timezone)
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime(year + 1, 1, 1, tzinfo=tz)
    async with ctx.db.read() as conn:
        rows = await store.hours_rows(conn, organisation, start, end)
    people: dict[object, list[Row]] = {}
    partners: dict[str, list[Row]] = {}
    for row in rows:
        people.setdefault(row.volunteer_id, []).append(row)
        partners.setdefault(row.responsible_name or "–", []).append(row)
    found = [
        PersonHours(
            name=found[0].name if key is not None else _("Deleted on request"),
            phone=phones.masked(found[0].phone) if key is not None and found[0].phone else "",
            shifts=len(found),
            minutes=sum(_minutes(r) for r in found),
        )
        for key, found in people.items()
    ]
    found.sort(key=lambda p: (-p.minutes, p.name.casefold()))
    return Hours(
        organisation=organisation, year=year, rows=rows, people=found,
        by_partner=sorted(
            ((name, len(r), sum(_minutes(x) for x in r)) for name, r in partners.items()),
            key=lambda item: -item[2],
        ),
    )  # fmt: skip


def hours_csv(found: Hours, tz: ZoneInfo) -> str:
    """One line per shift someone came to: date, times, hours, event, task, responsible
    partner, volunteer (what a funder's report asks for), with a total at the end."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [_("Date"), _("Starts at"), _("Ends at"), _("Hours"), _("Event"), _("Task"),
         _("Responsible"), _("Volunteer")]
    )  # fmt: skip
    for row in found.rows:
        start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
        writer.writerow(
            [start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}",
             f"{_minutes(row) / 60:.2f}", _plain(row.event_title), _plain(row.title),
             _plain(row.responsible_name or ""),
             _plain(row.name) if row.volunteer_id is not None else _("Deleted on request")]
        )  # fmt: skip
    writer.writerow([_("Total"), "", "", f"{found.minutes / 60:.2f}", "", "", "", ""])
    return "\ufeff" + out.getvalue()  # a BOM, so spreadsheet programs read UTF-8


def _plain(text: str) -> str:
    """No formula in a spreadsheet cell: a leading = + - @ is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
