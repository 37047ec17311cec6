"""SQL for volunteers: task templates, tasks and their shifts, the people who sign up, the
roster, reminders, hours and retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    contacts,
    event_partners,
    events,
    locations,
    occurrences,
    organisations,
    rooms,
    volunteer_boards,
    volunteer_shifts,
    volunteer_signups,
    volunteer_tasks,
    volunteer_templates,
    volunteers,
)

# The statuses of a sign-up that still count (the person is on the shift or waits for it).
ACTIVE = ("confirmed", "waitlist")


async def _insert(conn: AsyncConnection, table: Table, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(table).values(**values).returning(table.c.id))
    return int(result.scalar_one())


async def _update(conn: AsyncConnection, table: Table, row_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(table).where(table.c.id == row_id).values(**values))


# Templates -------------------------------------------------------------------------------------


async def templates_of(conn: AsyncConnection, organisation_id: int) -> list[Row]:
    result = await conn.execute(
        select(volunteer_templates)
        .where(volunteer_templates.c.organisation_id == organisation_id)
        .order_by(volunteer_templates.c.id)
    )
    return list(result)


async def template_of(conn: AsyncConnection, organisation_id: int, template_id: int) -> Row | None:
    result = await conn.execute(
        select(volunteer_templates).where(
            volunteer_templates.c.id == template_id,
            volunteer_templates.c.organisation_id == organisation_id,
        )
    )
    return result.first()


async def add_template(conn: AsyncConnection, **values: Any) -> int:
    return await _insert(conn, volunteer_templates, values)


async def update_template(conn: AsyncConnection, template_id: int, **values: Any) -> None:
    await _update(conn, volunteer_templates, template_id, values)


async def delete_template(conn: AsyncConnection, organisation_id: int, template_id: int) -> bool:
    result = await conn.execute(
        delete(volunteer_templates).where(
            volunteer_templates.c.id == template_id,
            volunteer_templates.c.organisation_id == organisation_id,
        )
    )
    return result.rowcount == 1


# Tasks and shifts ------------------------------------------------------------------------------


async def tasks_of_event(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(volunteer_tasks, organisations.c.name.label("partner_name"))
        .outerjoin(organisations, organisations.c.id == volunteer_tasks.c.partner_id)
        .where(volunteer_tasks.c.event_id == event_id)
        .order_by(volunteer_tasks.c.start_anchor.desc(), volunteer_tasks.c.start_minutes,
                  volunteer_tasks.c.id)
    )  # fmt: skip
    return list(result)


async def task_of(conn: AsyncConnection, event_id: int, task_id: int) -> Row | None:
    result = await conn.execute(
        select(volunteer_tasks).where(
            volunteer_tasks.c.id == task_id, volunteer_tasks.c.event_id == event_id
        )
    )
    return result.first()


async def add_task(conn: AsyncConnection, **values: Any) -> int:
    return await _insert(conn, volunteer_tasks, values)


async def update_task(conn: AsyncConnection, task_id: int, **values: Any) -> None:
    await _update(conn, volunteer_tasks, task_id, values)


async def delete_task(conn: AsyncConnection, task_id: int) -> None:
    await conn.execute(delete(volunteer_tasks).where(volunteer_tasks.c.id == task_id))


async def template_ids_on_event(conn: AsyncConnection, event_id: int) -> set[int]:
    result = await conn.execute(
        select(volunteer_tasks.c.template_id).where(
            volunteer_tasks.c.event_id == event_id, volunteer_tasks.c.template_id.is_not(None)
        )
    )
    return {int(row[0]) for row in result}


async def earlier_events_with_tasks(
    conn: AsyncConnection, organisation_ids: Sequence[int], exclude_event_id: int
) -> list[Row]:
    """Events with tasks that one of ``organisation_ids`` hosts or co-authors: where tasks
    may be copied from. Newest first."""
    ids = list(organisation_ids)
    shared = select(event_partners.c.event_id).where(
        event_partners.c.organisation_id.in_(ids), event_partners.c.status == "active"
    )
    result = await conn.execute(
        select(events.c.id, events.c.title, events.c.starts_at, func.count().label("tasks"))
        .join(volunteer_tasks, volunteer_tasks.c.event_id == events.c.id)
        .where(
            events.c.id != exclude_event_id,
            or_(events.c.library_id.in_(ids), events.c.id.in_(shared)),
        )
        .group_by(events.c.id, events.c.title, events.c.starts_at)
        .order_by(events.c.starts_at.desc().nulls_last(), events.c.id.desc())
        .limit(50)
    )
    return list(result)


async def scheduled_dates(conn: AsyncConnection, event_id: int) -> list[Row]:
    """The event's booked dates (scheduled or cancelled), what its shifts follow."""
    result = await conn.execute(
        select(
            occurrences.c.id,
            occurrences.c.position,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
        )
        .where(
            occurrences.c.event_id == event_id,
            occurrences.c.status.in_(("scheduled", "cancelled")),
        )
        .order_by(occurrences.c.starts_at)
    )
    return list(result)


async def shifts_of_event(conn: AsyncConnection, event_id: int) -> list[Row]:
    """Every shift of the event with its task and how many are on it and waiting."""
    confirmed = func.sum(case((volunteer_signups.c.status == "confirmed", 1), else_=0))
    waiting = func.sum(case((volunteer_signups.c.status == "waitlist", 1), else_=0))
    counts = (
        select(
            volunteer_signups.c.shift_id,
            confirmed.label("confirmed"),
            waiting.label("waiting"),
        )
        .where(volunteer_signups.c.event_id == event_id)
        .group_by(volunteer_signups.c.shift_id)
        .subquery()
    )
    result = await conn.execute(
        select(
            volunteer_shifts,
            volunteer_tasks.c.title,
            volunteer_tasks.c.description,
            volunteer_tasks.c.skills,
            volunteer_tasks.c.people_needed,
            volunteer_tasks.c.partner_id,
            func.coalesce(counts.c.confirmed, 0).label("confirmed"),
            func.coalesce(counts.c.waiting, 0).label("waiting"),
        )
        .join(volunteer_tasks, volunteer_tasks.c.id == volunteer_shifts.c.task_id)
        .outerjoin(counts, counts.c.shift_id == volunteer_shifts.c.id)
        .where(volunteer_shifts.c.event_id == event_id)
        .order_by(volunteer_shifts.c.starts_at, volunteer_tasks.c.title, volunteer_shifts.c.id)
    )
    return list(result)


async def shifts_of_task(conn: AsyncConnection, task_id: int) -> list[Row]:
    result = await conn.execute(
        select(volunteer_shifts).where(volunteer_shifts.c.task_id == task_id)
    )
    return list(result)


async def add_shift(conn: AsyncConnection, **values: Any) -> int:
    return await _insert(conn, volunteer_shifts, values)


async def update_shift(conn: AsyncConnection, shift_id: int, **values: Any) -> None:
    await _update(conn, volunteer_shifts, shift_id, values)


async def lock_shift(conn: AsyncConnection, shift_id: int) -> Row | None:
    """The shift with its task's title and size, locked until the transaction ends on
    PostgreSQL (SQLite has one writer at a time): sign-ups to a shift are decided one by one."""
    query = (
        select(
            volunteer_shifts,
            volunteer_tasks.c.title,
            volunteer_tasks.c.people_needed,
        )
        .join(volunteer_tasks, volunteer_tasks.c.id == volunteer_shifts.c.task_id)
        .where(volunteer_shifts.c.id == shift_id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=volunteer_shifts)
    return (await conn.execute(query)).first()


# People ----------------------------------------------------------------------------------------


async def lock_volunteer_by_phone(
    conn: AsyncConnection, phone: str, values: dict[str, Any]
) -> tuple[Row, bool]:
    """The volunteer with this number, made from ``values`` when there is none, locked until
    the transaction ends on PostgreSQL: one person's sign-ups are decided one by one (their
    shifts must not overlap). True when made now."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    made = await conn.execute(
        dialect_insert(volunteers)
        .values(phone=phone, **values)
        .on_conflict_do_nothing(index_elements=["phone"])
        .returning(volunteers.c.id)
    )
    created = made.first() is not None
    query = select(volunteers).where(volunteers.c.phone == phone)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await conn.execute(query)).one(), created


async def lock_volunteer(conn: AsyncConnection, volunteer_id: int) -> Row | None:
    query = select(volunteers).where(volunteers.c.id == volunteer_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return (await conn.execute(query)).first()


async def hours_recorded(conn: AsyncConnection, task_id: int) -> int:
    """Sign-ups of the task's shifts that people were checked in for."""
    found = await conn.scalar(
        select(func.count())
        .select_from(volunteer_signups)
        .join(volunteer_shifts, volunteer_shifts.c.id == volunteer_signups.c.shift_id)
        .where(
            volunteer_shifts.c.task_id == task_id, volunteer_signups.c.checked_in_at.is_not(None)
        )
    )
    return int(found or 0)


async def volunteer_by_token_hash(conn: AsyncConnection, token_hash: str) -> Row | None:
    result = await conn.execute(select(volunteers).where(volunteers.c.token_hash == token_hash))
    return result.first()


async def volunteer_by_phone(conn: AsyncConnection, phone: str) -> Row | None:
    result = await conn.execute(select(volunteers).where(volunteers.c.phone == phone))
    return result.first()


async def volunteer_by_id(conn: AsyncConnection, volunteer_id: int) -> Row | None:
    result = await conn.execute(select(volunteers).where(volunteers.c.id == volunteer_id))
    return result.first()


async def update_volunteer(conn: AsyncConnection, volunteer_id: int, **values: Any) -> None:
    await _update(conn, volunteers, volunteer_id, values)


async def delete_volunteers(conn: AsyncConnection, volunteer_ids: Sequence[int]) -> None:
    """The people are gone; their past sign-ups stay without them (hours still add up), the
    ones to come are cancelled."""
    ids = list(volunteer_ids)
    if not ids:
        return
    await conn.execute(
        update(volunteer_signups)
        .where(
            volunteer_signups.c.volunteer_id.in_(ids),
            volunteer_signups.c.checked_in_at.is_(None),
        )
        .values(status="cancelled")
    )
    await conn.execute(delete(volunteers).where(volunteers.c.id.in_(ids)))


# Sign-ups --------------------------------------------------------------------------------------


async def add_signup(conn: AsyncConnection, **values: Any) -> int:
    return await _insert(conn, volunteer_signups, values)


async def set_signup(conn: AsyncConnection, signup_id: int, **values: Any) -> None:
    await _update(conn, volunteer_signups, signup_id, values)


async def confirmed_count(conn: AsyncConnection, shift_id: int) -> int:
    found = await conn.scalar(
        select(func.count()).where(
            volunteer_signups.c.shift_id == shift_id, volunteer_signups.c.status == "confirmed"
        )
    )
    return int(found or 0)


async def waiting_in_order(conn: AsyncConnection, shift_id: int) -> list[Row]:
    result = await conn.execute(
        select(volunteer_signups)
        .where(volunteer_signups.c.shift_id == shift_id, volunteer_signups.c.status == "waitlist")
        .order_by(volunteer_signups.c.created_at, volunteer_signups.c.id)
    )
    return list(result)


async def signup_on_shift(conn: AsyncConnection, volunteer_id: int, shift_id: int) -> Row | None:
    result = await conn.execute(
        select(volunteer_signups).where(
            volunteer_signups.c.volunteer_id == volunteer_id,
            volunteer_signups.c.shift_id == shift_id,
            volunteer_signups.c.status.in_(ACTIVE),
        )
    )
    return result.first()


async def overlapping(
    conn: AsyncConnection, volunteer_id: int, starts_at: datetime, ends_at: datetime,
    *, statuses: Sequence[str] = ("confirmed",), exclude_signup_id: int | None = None,
) -> list[Row]:  # fmt: skip
    """The person's sign-ups (of ``statuses``) whose open shifts overlap the time."""
    query = (
        select(
            volunteer_signups.c.id,
            volunteer_shifts.c.starts_at,
            volunteer_shifts.c.ends_at,
            volunteer_tasks.c.title,
            events.c.title.label("event_title"),
        )
        .select_from(_signup_shift_task_event())
        .where(
            volunteer_signups.c.volunteer_id == volunteer_id,
            volunteer_signups.c.status.in_(list(statuses)),
            volunteer_shifts.c.status == "open",
            volunteer_shifts.c.starts_at < ends_at,
            volunteer_shifts.c.ends_at > starts_at,
        )
    )
    if exclude_signup_id is not None:
        query = query.where(volunteer_signups.c.id != exclude_signup_id)
    return list(await conn.execute(query))


def _signup_shift_task_event() -> Any:
    """A sign-up with its shift, the shift's task and the event: what most reads join."""
    return (
        volunteer_signups.join(
            volunteer_shifts, volunteer_shifts.c.id == volunteer_signups.c.shift_id
        )
        .join(volunteer_tasks, volunteer_tasks.c.id == volunteer_shifts.c.task_id)
        .join(events, events.c.id == volunteer_signups.c.event_id)
    )


def _signup_columns() -> list[Any]:
    return [
        volunteer_signups.c.id,
        volunteer_signups.c.status,
        volunteer_signups.c.volunteer_id,
        volunteer_signups.c.checked_in_at,
        volunteer_signups.c.reminded_at,
        volunteer_signups.c.created_at,
        volunteer_signups.c.updated_at,
        volunteer_signups.c.event_id,
        volunteer_shifts.c.updated_at.label("shift_updated_at"),
        volunteer_shifts.c.id.label("shift_id"),
        volunteer_shifts.c.starts_at,
        volunteer_shifts.c.ends_at,
        volunteer_shifts.c.status.label("shift_status"),
        volunteer_shifts.c.position,
        volunteer_tasks.c.id.label("task_id"),
        volunteer_tasks.c.title,
        volunteer_tasks.c.partner_id,
        events.c.title.label("event_title"),
        events.c.library_id,
    ]


async def signups_of_volunteer(
    conn: AsyncConnection, volunteer_id: int, *, statuses: Sequence[str] = ACTIVE
) -> list[Row]:
    result = await conn.execute(
        select(*_signup_columns())
        .select_from(_signup_shift_task_event())
        .where(
            volunteer_signups.c.volunteer_id == volunteer_id,
            volunteer_signups.c.status.in_(list(statuses)),
        )
        .order_by(volunteer_shifts.c.starts_at, volunteer_signups.c.id)
    )
    return list(result)


async def signup_of_volunteer(
    conn: AsyncConnection, volunteer_id: int, signup_id: int
) -> Row | None:
    result = await conn.execute(
        select(volunteer_signups).where(
            volunteer_signups.c.id == signup_id, volunteer_signups.c.volunteer_id == volunteer_id
        )
    )
    return result.first()


async def roster(conn: AsyncConnection, event_id: int) -> list[Row]:
    """Everyone on (or waiting for) a shift of the event, with their name and number."""
    result = await conn.execute(
        select(
            *_signup_columns(),
            volunteers.c.name,
            volunteers.c.phone,
            volunteers.c.languages,
        )
        .select_from(_signup_shift_task_event())
        .outerjoin(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
        .where(
            volunteer_signups.c.event_id == event_id,
            volunteer_signups.c.status.in_(ACTIVE),
            volunteer_signups.c.volunteer_id.is_not(None),
        )
        .order_by(
            volunteer_shifts.c.starts_at,
            volunteer_tasks.c.title,
            volunteer_signups.c.status,
            volunteer_signups.c.created_at,
            volunteer_signups.c.id,
        )
    )
    return list(result)


async def check_in(
    conn: AsyncConnection, event_id: int, signup_id: int, at: datetime | None
) -> bool:
    result = await conn.execute(
        update(volunteer_signups)
        .where(
            volunteer_signups.c.id == signup_id,
            volunteer_signups.c.event_id == event_id,
            volunteer_signups.c.status == "confirmed",
        )
        .values(checked_in_at=at)
    )
    return result.rowcount == 1


async def people_on_shift(conn: AsyncConnection, shift_id: int) -> list[Row]:
    """The people confirmed on the shift (with a number: every volunteer has one)."""
    result = await conn.execute(
        select(volunteer_signups.c.id.label("signup_id"), volunteers)
        .join(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
        .where(volunteer_signups.c.shift_id == shift_id, volunteer_signups.c.status == "confirmed")
    )
    return list(result)


async def people_on_shifts(conn: AsyncConnection, shift_ids: Sequence[int]) -> list[Row]:
    """Everyone on or waiting for the shifts, with the shift's times: told when they change."""
    if not shift_ids:
        return []
    result = await conn.execute(
        select(
            volunteer_signups.c.id.label("signup_id"),
            volunteer_signups.c.shift_id,
            volunteer_signups.c.status,
            volunteers,
        )
        .join(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
        .where(
            volunteer_signups.c.shift_id.in_(list(shift_ids)),
            volunteer_signups.c.status.in_(ACTIVE),
        )
    )
    return list(result)


async def clear_reminders(conn: AsyncConnection, shift_id: int) -> None:
    await conn.execute(
        update(volunteer_signups)
        .where(volunteer_signups.c.shift_id == shift_id)
        .values(reminded_at=None)
    )


async def reminders_due(conn: AsyncConnection, now: datetime, until: datetime) -> list[Row]:
    """Confirmed sign-ups without a reminder whose open shift starts between now and
    ``until``; the exact moment (on the local clock) is decided by the caller."""
    result = await conn.execute(
        select(
            *_signup_columns(),
            volunteers.c.name,
            volunteers.c.phone,
            volunteers.c.language,
            volunteers.c.link_key,
        )
        .select_from(_signup_shift_task_event())
        .join(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
        .where(
            volunteer_signups.c.status == "confirmed",
            volunteer_signups.c.reminded_at.is_(None),
            volunteer_shifts.c.status == "open",
            volunteer_shifts.c.starts_at > now,
            volunteer_shifts.c.starts_at <= until,
        )
        .order_by(volunteer_signups.c.id)  # claimed in one order by every worker: no deadlock
    )
    return list(result)


async def claim_reminder(conn: AsyncConnection, signup_id: int, now: datetime) -> bool:
    """Mark the sign-up reminded, unless it already is: False when another transaction did
    (on PostgreSQL the update waits for that one to end, then finds the row changed)."""
    result = await conn.execute(
        update(volunteer_signups)
        .where(volunteer_signups.c.id == signup_id, volunteer_signups.c.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1


# Boards ----------------------------------------------------------------------------------------


async def board_of(conn: AsyncConnection, event_id: int) -> Row | None:
    result = await conn.execute(
        select(volunteer_boards).where(volunteer_boards.c.event_id == event_id)
    )
    return result.first()


async def board_by_code(conn: AsyncConnection, code: str) -> Row | None:
    result = await conn.execute(select(volunteer_boards).where(volunteer_boards.c.code == code))
    return result.first()


async def ensure_board(conn: AsyncConnection, event_id: int, code: str, now: datetime) -> Row:
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(
        dialect_insert(volunteer_boards)
        .values(event_id=event_id, code=code, access="public", note="", updated_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    found = await board_of(conn, event_id)
    assert found is not None
    return found


async def update_board(conn: AsyncConnection, event_id: int, **values: Any) -> None:
    await conn.execute(
        update(volunteer_boards).where(volunteer_boards.c.event_id == event_id).values(**values)
    )


# Hours -----------------------------------------------------------------------------------------


def _responsible() -> Any:
    """The responsible partner of a task: the one named, or the event's lead."""
    lead = (
        select(event_partners.c.organisation_id)
        .where(event_partners.c.event_id == volunteer_tasks.c.event_id,
               event_partners.c.role == "lead")
        .limit(1)
        .scalar_subquery()
    )  # fmt: skip
    return func.coalesce(volunteer_tasks.c.partner_id, lead)


async def hours_rows(
    conn: AsyncConnection, organisation: Row, start: datetime, end: datetime
) -> list[Row]:
    """Checked-in sign-ups of shifts in [start, end) that count for the organisation: the
    ones it is responsible for, and for a library every one at its events."""
    responsible = _responsible()
    mine = responsible == organisation.id
    if organisation.kind == "library":
        mine = or_(mine, events.c.library_id == organisation.id)
    result = await conn.execute(
        select(
            volunteer_signups.c.id,
            volunteer_signups.c.volunteer_id,
            volunteers.c.name,
            volunteers.c.phone,
            volunteer_shifts.c.starts_at,
            volunteer_shifts.c.ends_at,
            volunteer_tasks.c.title,
            events.c.id.label("event_id"),
            events.c.title.label("event_title"),
            responsible.label("responsible_id"),
            organisations.c.name.label("responsible_name"),
        )
        .select_from(_signup_shift_task_event())
        .outerjoin(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
        .outerjoin(organisations, organisations.c.id == responsible)
        .where(
            volunteer_signups.c.checked_in_at.is_not(None),
            volunteer_shifts.c.starts_at >= start,
            volunteer_shifts.c.starts_at < end,
            mine,
        )
        .order_by(volunteer_shifts.c.starts_at, volunteer_signups.c.id)
    )
    return list(result)


# Privacy ---------------------------------------------------------------------------------------


async def inactive_volunteers(conn: AsyncConnection, before: datetime) -> list[int]:
    """People whose last shift ended before ``before`` and who have none to come."""
    coming = (
        select(volunteer_signups.c.volunteer_id)
        .join(volunteer_shifts, volunteer_shifts.c.id == volunteer_signups.c.shift_id)
        .where(
            volunteer_signups.c.status.in_(ACTIVE),
            volunteer_shifts.c.ends_at >= before,
            volunteer_signups.c.volunteer_id.is_not(None),
        )
    )
    result = await conn.execute(
        select(volunteers.c.id).where(
            volunteers.c.last_active_at < before, volunteers.c.id.not_in(coming)
        )
    )
    return [int(row[0]) for row in result]


async def places_of_events(conn: AsyncConnection, event_ids: Sequence[int]) -> dict[int, Row]:
    """Where each event is (its room and location) and its library's time zone."""
    if not event_ids:
        return {}
    result = await conn.execute(
        select(
            events.c.id,
            rooms.c.name.label("room_name"),
            locations.c.name.label("location_name"),
            locations.c.street,
            locations.c.postal_code,
            locations.c.city,
            organisations.c.timezone,
        )
        .outerjoin(rooms, rooms.c.id == events.c.room_id)
        .outerjoin(locations, locations.c.id == events.c.location_id)
        .join(organisations, organisations.c.id == events.c.library_id)
        .where(events.c.id.in_(list(event_ids)))
    )
    return {row.id: row for row in result}


async def contact_name(conn: AsyncConnection, contact_id: int | None) -> str | None:
    if contact_id is None:
        return None
    return await conn.scalar(select(contacts.c.name).where(contacts.c.id == contact_id))


async def recruiting(conn: AsyncConnection, event_ids: Sequence[int], now: datetime) -> set[int]:
    """Of ``event_ids``, those whose sign-up page takes volunteers for open shifts to come:
    the SMS composer offers to recruit for them."""
    if not event_ids:
        return set()
    result = await conn.execute(
        select(volunteer_shifts.c.event_id)
        .join(volunteer_boards, volunteer_boards.c.event_id == volunteer_shifts.c.event_id)
        .where(
            volunteer_shifts.c.event_id.in_(list(event_ids)),
            volunteer_shifts.c.status == "open",
            volunteer_shifts.c.starts_at > now,
            volunteer_boards.c.access != "closed",
        )
        .distinct()
    )
    return {int(row[0]) for row in result}


async def public_board_code(
    conn: AsyncConnection, event_id: int, states: Sequence[str], now: datetime
) -> str | None:
    """The code of the event's public sign-up page, when the event is in ``states`` and has
    an open shift to come."""
    return await conn.scalar(
        select(volunteer_boards.c.code)
        .join(events, events.c.id == volunteer_boards.c.event_id)
        .where(
            volunteer_boards.c.event_id == event_id,
            volunteer_boards.c.access == "public",
            events.c.state.in_(list(states)),
            select(volunteer_shifts.c.id)
            .where(
                volunteer_shifts.c.event_id == event_id,
                volunteer_shifts.c.status == "open",
                volunteer_shifts.c.starts_at > now,
            )
            .exists(),
        )
    )
