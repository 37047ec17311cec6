"""SQL for the public program: the dates of published events, and what the filters offer.

Only events in ``PUBLIC_STATES`` (and cancelled events that were published before, whose
dates are all cancelled) and only their ``scheduled`` or ``cancelled`` dates are ever read
here; every query goes through ``_public()``, so no query can forget it. Each query
returns all rows of a page at once: the number of queries does not grow with the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    Text,
    and_,
    cast,
    exists,
    or_,
    select,
    union,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from webapp.db.tables import (
    event_partners,
    event_transitions,
    events,
    locations,
    occurrences,
    organisations,
    rooms,
)
from webapp.events.workflow import PUBLIC_STATES

# The statuses of a date the public sees: cancelled dates are shown as cancelled.
PUBLIC_DATE_STATUSES = ("scheduled", "cancelled")

# The library hosting an event, as ``dates_query`` joins it.
LIBRARY = organisations.alias("library")
_library = LIBRARY


@dataclass(frozen=True)
class Window:
    """Which dates: starting at or after ``start``, before ``end``, ending after ``after``."""

    start: datetime | None = None
    end: datetime | None = None
    after: datetime | None = None


@dataclass(frozen=True)
class Narrowing:
    """The visitor's filters. ``organisation_id`` is the program's organisation: the library
    that hosts the events or any organisation that co-authors them."""

    organisation_id: int | None = None
    location_id: int | None = None
    room_id: int | None = None
    audience: str | None = None
    language: str | None = None
    partner_id: int | None = None


# Aliases made once: making one copies its table's columns (a third of a millisecond for
# ``events``), and the program page builds its conditions three times.
_PUBLISHED = event_transitions.alias("published")
_HOSTED = events.alias("hosted")


def _was_published() -> ColumnElement[bool]:
    published = _PUBLISHED
    return exists().where(published.c.event_id == events.c.id, published.c.action == "publish")


def _public_event() -> ColumnElement[bool]:
    """A public event, or a cancelled one that was public before: people who have its poster
    or SMS still find it, marked cancelled. One cancelled before publication stays private.

    The state is ``_unindexed``: most events are public, so the index on ``state`` narrows
    nothing down, yet SQLite, which has no statistics unless ANALYZE runs, would start from it
    and read every public event in the database. It is tested on the rows found through the
    dates, the event or the organisation instead."""
    state = _unindexed(events.c.state)
    return or_(state.in_(PUBLIC_STATES), and_(state == "cancelled", _was_published()))


class _unindexed(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """A column that SQLite may not look up by index: ``+column`` (SQLite's way to say so).
    Just the column elsewhere: PostgreSQL chooses from its statistics, and an expression
    would hide them from it."""

    type = String()
    name = "unindexed"
    inherit_cache = True


@compiles(_unindexed)
def _unindexed_elsewhere(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_unindexed, "sqlite")
def _unindexed_on_sqlite(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


def _public() -> list[ColumnElement[bool]]:
    return [_public_event(), occurrences.c.status.in_(PUBLIC_DATE_STATUSES)]


def _active_partner_of(organisation_id: int) -> ColumnElement[bool]:
    return events.c.id.in_(
        select(event_partners.c.event_id).where(
            event_partners.c.organisation_id == organisation_id,
            event_partners.c.status == "active",
        )
    )


def _events_of(organisation_id: int) -> CompoundSelect[Any]:
    """The events the organisation hosts (a library) or co-authors, as one list of ids:
    both halves use an index, and the database starts from them rather than from every
    public event (``library_id = ? OR id IN (…)`` could not use either index)."""
    hosted = _HOSTED
    return union(
        select(hosted.c.id).where(hosted.c.library_id == organisation_id),
        select(event_partners.c.event_id).where(
            event_partners.c.organisation_id == organisation_id,
            event_partners.c.status == "active",
        ),
    )


def _listed_code(column: Any, code: str) -> ColumnElement[bool]:
    """The JSON list in ``column`` holds ``code``. The same SQL on SQLite and PostgreSQL:
    codes are plain words from a fixed vocabulary, stored JSON-quoted."""
    return cast(column, Text).contains(f'"{code}"', autoescape=True)


def conditions(window: Window, narrowing: Narrowing) -> list[ColumnElement[bool]]:
    found = _public()
    if window.start is not None:
        found.append(occurrences.c.starts_at >= window.start)
    if window.end is not None:
        found.append(occurrences.c.starts_at < window.end)
    if window.after is not None:
        found.append(occurrences.c.ends_at > window.after)
    if narrowing.organisation_id is not None:
        found.append(events.c.id.in_(_events_of(narrowing.organisation_id)))
    if narrowing.location_id is not None:
        found.append(rooms.c.location_id == narrowing.location_id)
    if narrowing.room_id is not None:
        found.append(occurrences.c.room_id == narrowing.room_id)
    if narrowing.audience:
        found.append(_listed_code(events.c.audiences, narrowing.audience))
    if narrowing.language:
        found.append(_listed_code(events.c.languages, narrowing.language))
    if narrowing.partner_id is not None:
        found.append(_active_partner_of(narrowing.partner_id))
    return found


def dates_query(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(occurrences)
        .join(events, events.c.id == occurrences.c.event_id)
        .join(rooms, rooms.c.id == occurrences.c.room_id)
        .join(locations, locations.c.id == rooms.c.location_id)
        .join(_library, _library.c.id == events.c.library_id)
    )


async def dates(
    conn: AsyncConnection, window: Window, narrowing: Narrowing, *, limit: int, offset: int = 0
) -> list[Row]:
    """Public dates in time order, each with its event, room, location and library."""
    query = (
        dates_query(
            occurrences.c.id,
            occurrences.c.event_id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
            events.c.title,
            events.c.summary,
            events.c.audiences,
            events.c.languages,
            rooms.c.name.label("room_name"),
            locations.c.id.label("location_id"),
            locations.c.name.label("location_name"),
            locations.c.city,
            _library.c.name.label("library_name"),
            _library.c.slug.label("library_slug"),
            _library.c.timezone.label("library_timezone"),
        )
        .where(*conditions(window, narrowing))
        .order_by(occurrences.c.starts_at, events.c.title, occurrences.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(await conn.execute(query))


async def locations_in_program(
    conn: AsyncConnection, window: Window, organisation_id: int | None
) -> list[Row]:
    """The locations with public dates in the window, for the location filter."""
    query = (
        dates_query(locations.c.id, locations.c.name, locations.c.city)
        .where(*conditions(window, Narrowing(organisation_id=organisation_id)))
        .distinct()
        .order_by(locations.c.name, locations.c.city, locations.c.id)
    )
    return list(await conn.execute(query))


async def partners_in_program(
    conn: AsyncConnection, window: Window, organisation_id: int | None
) -> list[Row]:
    """The organisations co-authoring events with public dates in the window (the
    program's own organisation left out), for the partner filter."""
    listed = (
        dates_query(occurrences.c.event_id)
        .where(*conditions(window, Narrowing(organisation_id=organisation_id)))
        .scalar_subquery()
    )
    query = (
        select(organisations.c.id, organisations.c.name)
        .join(event_partners, event_partners.c.organisation_id == organisations.c.id)
        .where(event_partners.c.status == "active", event_partners.c.event_id.in_(listed))
        .distinct()
        .order_by(organisations.c.name, organisations.c.id)
    )
    if organisation_id is not None:
        query = query.where(organisations.c.id != organisation_id)
    return list(await conn.execute(query))


async def active_partners(conn: AsyncConnection, event_ids: Sequence[int]) -> list[Row]:
    """The active partners of the events (lead first), with name, slug, role and e-mail."""
    if not event_ids:
        return []
    return await partners_where(conn, event_partners.c.event_id.in_(sorted(set(event_ids))))


async def partners_where(conn: AsyncConnection, which: ColumnElement[bool]) -> list[Row]:
    """The active partners of the events ``which`` selects (lead first): for a subquery of
    thousands of events, one query without binding each id."""
    result = await conn.execute(
        select(
            event_partners.c.event_id,
            event_partners.c.organisation_id,
            event_partners.c.role,
            organisations.c.name,
            organisations.c.slug,
            organisations.c.email,
        )
        .join(organisations, organisations.c.id == event_partners.c.organisation_id)
        .where(which, event_partners.c.status == "active")
        .order_by(event_partners.c.event_id, event_partners.c.created_at, event_partners.c.id)
    )
    return sorted(result, key=lambda r: (r.event_id, r.role != "lead"))


async def event_dates(conn: AsyncConnection, event_id: int) -> list[Row]:
    """The public dates of one event, each with its room and the room's location."""
    query = (
        dates_query(
            occurrences.c.id,
            occurrences.c.starts_at,
            occurrences.c.ends_at,
            occurrences.c.status,
            occurrences.c.note,
            rooms.c.id.label("room_id"),
            rooms.c.name.label("room_name"),
            rooms.c.capacity.label("room_capacity"),
            rooms.c.accessibility,
            locations.c.id.label("location_id"),
            locations.c.name.label("location_name"),
            locations.c.street,
            locations.c.postal_code,
            locations.c.city,
            locations.c.country,
            locations.c.directions,
        )
        .where(*_public(), occurrences.c.event_id == event_id)
        .order_by(occurrences.c.starts_at, occurrences.c.id)
    )
    return list(await conn.execute(query))


async def public_cancellation(conn: AsyncConnection, event_id: int) -> Row | None:
    """When a published event was cancelled, and the reason given (the cancel transition's
    comment); None when the event is not a cancelled one that was public before."""
    result = await conn.execute(
        select(event_transitions.c.at, event_transitions.c.comment)
        .join(events, events.c.id == event_transitions.c.event_id)
        .where(
            event_transitions.c.event_id == event_id,
            event_transitions.c.action == "cancel",
            events.c.state == "cancelled",
            _was_published(),
        )
        .order_by(event_transitions.c.at.desc(), event_transitions.c.id.desc())
        .limit(1)
    )
    return result.first()
