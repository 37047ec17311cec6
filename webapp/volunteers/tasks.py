"""Tasks and shifts of an event, and the task templates of an organisation.

A task (welcome desk, interpreting, coffee) has one shift per booked date of the event, or
one on a single date; its timing is kept relative to the date (``timing.Timing``), so the
shifts follow the dates: ``follow_dates`` runs in the transaction of every change to the
event's dates (approval, a moved, cancelled or restored date, a cancelled event) and of every
task change. People on a shift that moves or is cancelled are told by SMS
(``volunteers.notices``).

The library and the active partners change tasks while the event can still change; each
change is a revision of the co-authored event and a notification to the other parties, as
with the invitation plan. When an event is approved, the task templates of its active
partners are put on it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, notify
from webapp.events import store as event_store
from webapp.i18n import _
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.volunteers import notices, signups, store
from webapp.volunteers.timing import Timing

# Sign-up page codes: 10 characters from 32 without look-alikes (50 bits).
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_LENGTH = 10
# The states in which an event's shifts stand: booked (held ones too: their hours count).
BOOKED = ("approved", "published", "completed", "evaluated")


# Suggested templates for an organisation that has none yet: title, description, timing
# relative to the date, people needed (translated when they are added).
def _suggested() -> list[tuple[str, str, Timing, int]]:
    return [
        (_("Set-up"), _("Chairs, tables and signs in place."), Timing("start", -60, "start", 0), 2),
        (_("Host"), _("Welcome people at the door and show them in."), Timing.whole_date(), 1),
        (_("Clear-up"), _("Put the room back as it was."), Timing("end", 0, "end", 30), 2),
    ]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# Loading and permissions -------------------------------------------------------------------


async def organised_event(
    conn: AsyncConnection, ctx: Context, actor: Actor, event_id: int
) -> access.Event:
    """The event, when the actor is one of its organisers (the library or an active partner);
    NotFound otherwise, so nobody learns about other organisations' volunteers."""
    event = await access.load(conn, event_id, ctx.settings.tz)
    access.require(actor, "event.view", event)
    if not can(actor, "event.volunteers.roster", event):
        raise NotFound()
    return event


async def editable_event(
    conn: AsyncConnection, ctx: Context, actor: Actor, event_id: int
) -> access.Event:
    event = await organised_event(conn, ctx, actor, event_id)
    access.require(actor, "event.volunteers", event)
    return event


def responsible_choices(event: access.Event) -> dict[int, str]:
    """Who may be responsible for a task: the library and the active partners."""
    names = {p.organisation_id: p.name for p in event.partners if p.status == "active"}
    return {event.library_id: event.row.library_name, **names}


async def _changed(
    conn: AsyncConnection, event: access.Event, actor: Actor, now: datetime, before: str | None,
    after: str | None,
) -> None:  # fmt: skip
    version = await event_store.bump_version(conn, event.id, at=now)
    await event_store.add_revision(
        conn, event_id=event.id, version=version, actor_id=actor.user_id, at=now,
        changes={"volunteer_task": [before, after]},
    )  # fmt: skip
    await notify.event_changed(
        conn, event, actor=actor, kind="edited", at=now, fields=["volunteer_task"]
    )


# The organisers' page --------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    row: Row

    @property
    def open_places(self) -> int:
        return max(self.row.people_needed - self.row.confirmed, 0)

    @property
    def is_short(self) -> bool:
        return self.row.status == "open" and self.open_places > 0


@dataclass(frozen=True)
class Board:
    """The organisers' view of an event's volunteering: tasks, shifts with coverage, the
    sign-up page's settings, and where tasks may be copied from."""

    event: access.Event
    tasks: list[Row]
    shifts: list[Shift]
    board: Row
    dates: list[Row]
    may_edit: bool
    copy_from: list[Row]
    responsible: dict[int, str]

    @property
    def short(self) -> list[Shift]:
        return [s for s in self.shifts if s.is_short and s.row.starts_at > clock.now()]

    @property
    def needed(self) -> int:
        return sum(s.row.people_needed for s in self.shifts if s.row.status == "open")

    @property
    def filled(self) -> int:
        return sum(
            min(s.row.confirmed, s.row.people_needed) for s in self.shifts if s.row.status == "open"
        )

    def shifts_of(self, task_id: int) -> list[Shift]:
        return [s for s in self.shifts if s.row.task_id == task_id]


async def board(ctx: Context, *, actor: Actor, event_id: int) -> Board:
    async with ctx.db.transaction() as conn:
        event = await organised_event(conn, ctx, actor, event_id)
        found = await store.ensure_board(conn, event_id, new_code(), clock.now())
        tasks = await store.tasks_of_event(conn, event_id)
        shifts = [Shift(row) for row in await store.shifts_of_event(conn, event_id)]
        dates = await store.scheduled_dates(conn, event_id)
        may_edit = can(actor, "event.volunteers", event)
        organisations = [m.organisation_id for m in actor.organisations()]
        copy_from = (
            await store.earlier_events_with_tasks(conn, organisations, event_id) if may_edit else []
        )
    return Board(
        event=event, tasks=tasks, shifts=shifts, board=found, dates=dates, may_edit=may_edit,
        copy_from=copy_from, responsible=responsible_choices(event),
    )  # fmt: skip


async def set_access(
    ctx: Context, *, actor: Actor, event_id: int, access_mode: str, note: str
) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await editable_event(conn, ctx, actor, event_id)
        await store.ensure_board(conn, event_id, new_code(), now)
        await store.update_board(conn, event_id, access=access_mode, note=note, updated_at=now)
        await audit.record(
            conn, action="volunteers.board", actor_id=actor.user_id,
            target=f"event:{event_id}", access=access_mode,
        )  # fmt: skip


async def new_board_code(ctx: Context, *, actor: Actor, event_id: int) -> None:
    """A new address for the sign-up page: the old link stops working (it went too far)."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await editable_event(conn, ctx, actor, event_id)
        await store.ensure_board(conn, event_id, new_code(), now)
        await store.update_board(conn, event_id, code=new_code(), updated_at=now)


# Tasks -------------------------------------------------------------------------------------


def _task_text(values: Mapping[str, Any]) -> str:
    return f"{values['title']} ({values['people_needed']})"


def _check_values(event: access.Event, dates: list[Row], values: Mapping[str, Any]) -> None:
    partner = values.get("partner_id")
    if partner is not None and partner not in responsible_choices(event):
        raise Invalid({"partner_id": _("Choose the library or one of the event's partners.")})
    only = values.get("only_position")
    if only is not None and only not in {d.position for d in dates}:
        raise Invalid({"only_position": _("Choose one of the options.")})


@dataclass(frozen=True)
class TaskValues:
    """A task as the form gives it: the times on one date (``reference``: its position, or
    None for the first date), turned into a timing relative to that date."""

    title: str
    description: str
    skills: str
    people_needed: int
    partner_id: int | None
    only_position: int | None
    starts_at: datetime | None  # None: the date's own times
    ends_at: datetime | None


def reference_date(event: access.Event, dates: list[Row], position: int | None) -> Any:
    """The date a task's times are given on: the one chosen, else the first booked date,
    else (before the event is booked) the time the partners wish for."""
    found = next((d for d in dates if d.position == position), None)
    if found is None and dates:
        found = next((d for d in dates if d.status == "scheduled"), dates[0])
    if found is None and event.row.starts_at is not None and event.row.ends_at is not None:
        return event.row
    return found


def _timing_of(reference: Any, values: TaskValues) -> Timing:
    if values.starts_at is None or values.ends_at is None or reference is None:
        return Timing.whole_date()
    if values.ends_at <= values.starts_at:
        raise Invalid({"end_time": _("The end must be after the start.")})
    found = Timing.from_times(
        reference.starts_at, reference.ends_at, values.starts_at, values.ends_at
    )
    if not found.is_valid_for(reference.starts_at, reference.ends_at):
        raise Invalid({"end_time": _("A shift is at most 24 hours long.")})
    return found


def _row_values(values: TaskValues, timing: Timing) -> dict[str, Any]:
    return {
        "title": values.title,
        "description": values.description,
        "skills": values.skills,
        "people_needed": values.people_needed,
        "partner_id": values.partner_id,
        "only_position": values.only_position,
        **timing.values(),
    }


async def add_task(ctx: Context, *, actor: Actor, event_id: int, values: TaskValues) -> int:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await editable_event(conn, ctx, actor, event_id)
        dates = await store.scheduled_dates(conn, event_id)
        reference = reference_date(event, dates, values.only_position)
        row = _row_values(values, _timing_of(reference, values))
        _check_values(event, dates, row)
        task_id = await store.add_task(
            conn, event_id=event_id, template_id=None, created_at=now, updated_at=now, **row
        )
        await follow_dates(conn, ctx, event, now)
        await _changed(conn, event, actor, now, None, _task_text(row))
    return task_id


async def update_task(
    ctx: Context, *, actor: Actor, event_id: int, task_id: int, values: TaskValues
) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await editable_event(conn, ctx, actor, event_id)
        before = await store.task_of(conn, event_id, task_id)
        if before is None:
            raise NotFound()
        dates = await store.scheduled_dates(conn, event_id)
        reference = reference_date(event, dates, values.only_position)
        row = _row_values(values, _timing_of(reference, values))
        _check_values(event, dates, row)
        await store.update_task(conn, task_id, updated_at=now, **row)
        await follow_dates(conn, ctx, event, now)
        if row["people_needed"] > before.people_needed:
            for shift in await store.shifts_of_task(conn, task_id):
                await signups.move_up(conn, ctx, shift.id, now)
        await _changed(conn, event, actor, now, _task_text(dict(before._mapping)), _task_text(row))


async def delete_task(ctx: Context, *, actor: Actor, event_id: int, task_id: int) -> None:
    """Remove a task; the people on its shifts to come are told."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await editable_event(conn, ctx, actor, event_id)
        before = await store.task_of(conn, event_id, task_id)
        if before is None:
            raise NotFound()
        if await store.hours_recorded(conn, task_id):
            # The hours people gave are reported to funders: they are not lost with a task.
            raise Invalid(
                {"title": _("People have been checked in for this task, so it stays. Set it to "
                            "one date, or change it, instead.")}
            )  # fmt: skip
        coming = [s for s in await store.shifts_of_task(conn, task_id) if s.starts_at > now]
        for shift in coming:
            if shift.status == "open":
                await notices.shift_cancelled(conn, ctx, event, shift, before.title, now)
        await store.delete_task(conn, task_id)
        await _changed(conn, event, actor, now, _task_text(dict(before._mapping)), None)


async def task(ctx: Context, *, actor: Actor, event_id: int, task_id: int) -> tuple[Board, Row]:
    found = await board(ctx, actor=actor, event_id=event_id)
    row = next((t for t in found.tasks if t.id == task_id), None)
    if row is None:
        raise NotFound()
    return found, row


async def copy_tasks(ctx: Context, *, actor: Actor, event_id: int, from_event_id: int) -> int:
    """The tasks of an earlier event (one the actor's organisation organised), with their
    timing, on this event; tasks of the same title are not doubled. How many were added."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await editable_event(conn, ctx, actor, event_id)
        source = await access.load(conn, from_event_id, ctx.settings.tz)
        if not can(actor, "event.volunteers.roster", source) or from_event_id == event_id:
            raise Invalid({"from_event_id": _("Choose one of the options.")})
        have = {t.title.casefold() for t in await store.tasks_of_event(conn, event_id)}
        choices = responsible_choices(event)
        added = []
        for row in await store.tasks_of_event(conn, from_event_id):
            if row.title.casefold() in have:
                continue
            await store.add_task(
                conn, event_id=event_id, title=row.title, description=row.description,
                skills=row.skills, people_needed=row.people_needed,
                partner_id=row.partner_id if row.partner_id in choices else None,
                only_position=None, template_id=row.template_id, created_at=now,
                updated_at=now, **Timing.of(row).values(),
            )  # fmt: skip
            added.append(row.title)
        if added:
            await follow_dates(conn, ctx, event, now)
            await _changed(conn, event, actor, now, None, ", ".join(added))
    return len(added)


async def apply_templates(
    conn: AsyncConnection, ctx: Context, event: access.Event, now: datetime, *, state: str
) -> int:
    """Put the task templates of the event's active partners on it (each once), in the
    transaction that approves it; the shifts are made for its dates."""
    have = await store.template_ids_on_event(conn, event.id)
    added = 0
    for partner in event.partners:
        if partner.status != "active":
            continue
        for template in await store.templates_of(conn, partner.organisation_id):
            if template.id in have:
                continue
            await store.add_task(
                conn, event_id=event.id, title=template.title,
                description=template.description, skills=template.skills,
                people_needed=template.people_needed, partner_id=partner.organisation_id,
                only_position=None, template_id=template.id, created_at=now, updated_at=now,
                **Timing.of(template).values(),
            )  # fmt: skip
            added += 1
    await follow_dates(conn, ctx, event, now, state=state)
    return added


# Shifts follow the dates -------------------------------------------------------------------


async def follow_dates(
    conn: AsyncConnection, ctx: Context, event: access.Event, now: datetime, *,
    state: str | None = None,
) -> None:  # fmt: skip
    """Make the shifts match the event's booked dates and its tasks: a shift per task and
    date, at the task's timing on that date; open while the date is scheduled and the event
    booked, cancelled otherwise. People on a shift to come that moved or was cancelled are
    told by SMS. ``state``: the event's state after the change being made, when it moves."""
    booked = (state or event.state) in BOOKED
    dates = {d.position: d for d in await store.scheduled_dates(conn, event.id)}
    existing = {(s.task_id, s.position): s for s in await store.shifts_of_event(conn, event.id)}
    wanted: set[tuple[int, int]] = set()
    task_rows = await store.tasks_of_event(conn, event.id)
    if task_rows:
        await store.ensure_board(conn, event.id, new_code(), now)
    for task_row in task_rows:
        timing = Timing.of(task_row)
        positions = [task_row.only_position] if task_row.only_position else list(dates)
        for position in positions:
            date = dates.get(position)
            if date is None:
                continue
            wanted.add((task_row.id, position))
            starts_at, ends_at = timing.span(date.starts_at, date.ends_at)
            status = "open" if booked and date.status == "scheduled" else "cancelled"
            shift = existing.get((task_row.id, position))
            if shift is None:
                if status == "open":
                    await store.add_shift(
                        conn, task_id=task_row.id, event_id=event.id, position=position,
                        starts_at=starts_at, ends_at=ends_at, status=status, updated_at=now,
                    )  # fmt: skip
                continue
            await _follow(conn, ctx, event, shift, task_row.title, starts_at, ends_at, status, now)
    for key, shift in existing.items():
        if key not in wanted and shift.status == "open":
            await _follow(
                conn, ctx, event, shift, shift.title, shift.starts_at, shift.ends_at,
                "cancelled", now,
            )  # fmt: skip


async def _follow(
    conn: AsyncConnection, ctx: Context, event: access.Event, shift: Row, title: str,
    starts_at: datetime, ends_at: datetime, status: str, now: datetime,
) -> None:  # fmt: skip
    if (shift.starts_at, shift.ends_at, shift.status) == (starts_at, ends_at, status):
        return
    await store.update_shift(
        conn, shift.id, starts_at=starts_at, ends_at=ends_at, status=status, updated_at=now
    )
    if shift.starts_at <= now and starts_at <= now:
        return  # the past is not news
    if status == "cancelled" and shift.status == "open":
        await notices.shift_cancelled(conn, ctx, event, shift, title, now)
    elif status == "open" and (shift.starts_at, shift.ends_at) != (starts_at, ends_at):
        await notices.shift_moved(conn, ctx, event, shift, title, starts_at, ends_at, now)
        await store.clear_reminders(conn, shift.id)


# Templates ---------------------------------------------------------------------------------


def require_organisation(actor: Actor, organisation: Row) -> None:
    if not can(actor, "volunteers.organisation", organisation):
        raise Forbidden()


async def templates(ctx: Context, *, actor: Actor, organisation: Row) -> list[Row]:
    require_organisation(actor, organisation)
    async with ctx.db.read() as conn:
        return await store.templates_of(conn, organisation.id)


async def template(ctx: Context, *, actor: Actor, organisation: Row, template_id: int) -> Row:
    require_organisation(actor, organisation)
    async with ctx.db.read() as conn:
        found = await store.template_of(conn, organisation.id, template_id)
    if found is None:
        raise NotFound()
    return found


async def save_template(
    ctx: Context, *, actor: Actor, organisation: Row, template_id: int | None,
    values: Mapping[str, Any],
) -> int:  # fmt: skip
    """Add (``template_id`` None) or change a template. Events already approved keep their
    tasks; the template is used for the events approved from now on."""
    require_organisation(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        if template_id is None:
            template_id = await store.add_template(
                conn, organisation_id=organisation.id, created_at=now, **values
            )
        else:
            if await store.template_of(conn, organisation.id, template_id) is None:
                raise NotFound()
            await store.update_template(conn, template_id, **values)
        await audit.record(
            conn, action="volunteers.template_saved", actor_id=actor.user_id,
            organisation_id=organisation.id, target=f"volunteer_template:{template_id}",
        )  # fmt: skip
    return template_id


async def delete_template(
    ctx: Context, *, actor: Actor, organisation: Row, template_id: int
) -> None:
    require_organisation(actor, organisation)
    async with ctx.db.transaction() as conn:
        if not await store.delete_template(conn, organisation.id, template_id):
            raise NotFound()


async def add_suggested_templates(ctx: Context, *, actor: Actor, organisation: Row) -> int:
    """The usual three (set-up an hour before, a host, clear-up after), in the reader's
    language, for an organisation that has no templates yet."""
    require_organisation(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        if await store.templates_of(conn, organisation.id):
            return 0
        suggested = _suggested()
        for title, description, timing, people in suggested:
            await store.add_template(
                conn, organisation_id=organisation.id, title=title, description=description,
                skills="", people_needed=people, created_at=now, **timing.values(),
            )  # fmt: skip
    return len(suggested)
