"""SQL for calendar feeds: the dates a feed holds, their events' partners, the reasons given
for cancellations, the calendar version, and private feed tokens.

What is public is decided in ``webapp.program.store`` (``conditions``); the private feeds add
their own scope (a library's bookings, an organisation's events). Every feed is a fixed
number of queries, however many events it holds.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Text, and_, case, exists, insert, or_, select, type_coerce, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from webapp.db.tables import (
    calendar_state,
    event_partners,
    event_transitions,
    events,
    feed_tokens,
    locations,
    occurrences,
    organisations,
    rooms,
)
from webapp.program.store import (
    LIBRARY,
    Narrowing,
    Window,
    conditions,
    dates_query,
    partners_where,
)

_library = LIBRARY

# The dates of booked events that calendars show (held dates are not bookings yet).
BOOKED_DATES = ("scheduled", "cancelled")


class Dated(NamedTuple):
    """One date of a feed with its event, room, place and library (a tuple: a feed reads
    thousands; times are aware UTC datetimes, audiences a list of codes)."""

    id: int
    event_id: int
    position: int
    starts_at: datetime
    ends_at: datetime
    status: str
    note: str
    modified_at: datetime  # the last change of the date or its event
    created_at: datetime
    state: str
    title: str
    summary: str
    description: str
    audiences: tuple[str, ...]
    sequence: int
    room_name: str
    location_name: str
    street: str
    postal_code: str
    city: str
    library_name: str
    library_slug: str
    library_email: str
    library_timezone: str | None


def _raw(column: Any, name: str) -> Any:
    """A column read as the driver gives it: the feed converts thousands of values itself
    (``_moment``, ``_codes``), several times faster than one type processor call each."""
    return type_coerce(column, Text).label(name)


def _columns() -> list[Any]:
    """The columns of ``Dated``, in its order."""
    modified = case(
        (occurrences.c.updated_at > events.c.updated_at, occurrences.c.updated_at),
        else_=events.c.updated_at,
    )
    return [
        occurrences.c.id,
        occurrences.c.event_id,
        occurrences.c.position,
        _raw(occurrences.c.starts_at, "starts_at"),
        _raw(occurrences.c.ends_at, "ends_at"),
        occurrences.c.status,
        occurrences.c.note,
        _raw(modified, "modified_at"),
        _raw(events.c.created_at, "created_at"),
        events.c.state,
        events.c.title,
        events.c.summary,
        events.c.description,
        _raw(events.c.audiences, "audiences"),
        events.c.sequence,
        rooms.c.name.label("room_name"),
        locations.c.name.label("location_name"),
        locations.c.street,
        locations.c.postal_code,
        locations.c.city,
        _library.c.name.label("library_name"),
        _library.c.slug.label("library_slug"),
        _library.c.email.label("library_email"),
        _library.c.timezone.label("library_timezone"),
    ]


def _moment(value: Any) -> datetime:
    """An aware UTC datetime from the driver's value: text on SQLite (stored as UTC, the way
    ``UTCDateTime`` writes it), a datetime on PostgreSQL. (Parsing the offset is several
    times faster than ``replace(tzinfo=…)``.)"""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def _parsed_codes(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _codes(value: Any) -> tuple[str, ...]:
    """A JSON list of codes (few combinations of a small vocabulary: parsed once each)."""
    if isinstance(value, str):
        return _parsed_codes(value)
    return tuple(value or ())


def _dated(row: Any) -> Dated:
    values = list(row)
    for index in (3, 4, 7, 8):
        values[index] = _moment(values[index])
    values[13] = _codes(values[13])
    return Dated(*values)


def _kept(since: datetime, cancelled_since: datetime) -> list[ColumnElement[bool]]:
    """Dates that end after ``since``; a cancelled one only while it was cancelled after
    ``cancelled_since`` (subscribers have seen the cancellation by then)."""
    return [
        occurrences.c.ends_at > since,
        or_(occurrences.c.status != "cancelled", occurrences.c.updated_at >= cancelled_since),
    ]


Scope = list[ColumnElement[bool]]


def public_scope(narrowing: Narrowing, *, since: datetime, cancelled_since: datetime) -> Scope:
    """The public dates of a public feed: what the program shows, filtered the same way."""
    return [*conditions(Window(), narrowing), *_kept(since, cancelled_since)]


def event_scope(event_id: int) -> Scope:
    """Every public date of one public event (its calendar file), past ones too."""
    return [*conditions(Window(), Narrowing()), occurrences.c.event_id == event_id]


def attendee_scope(occurrence_ids: Sequence[int]) -> Scope:
    """The public dates someone signed up for (their attendee feed)."""
    return [*conditions(Window(), Narrowing()), occurrences.c.id.in_(list(occurrence_ids))]


def library_scope(library_id: int, *, since: datetime, cancelled_since: datetime) -> Scope:
    """Every booked date in the library's rooms, published or not (the staff feed)."""
    return [
        events.c.library_id == library_id,
        occurrences.c.status.in_(BOOKED_DATES),
        *_kept(since, cancelled_since),
    ]


def _partner_of(organisation_id: int) -> ColumnElement[bool]:
    return events.c.id.in_(
        select(event_partners.c.event_id).where(
            event_partners.c.organisation_id == organisation_id,
            event_partners.c.status == "active",
        )
    )


def partner_scope(organisation_id: int, *, since: datetime, cancelled_since: datetime) -> Scope:
    """The booked dates of every event the organisation co-authors (the partner feed)."""
    return [
        _partner_of(organisation_id),
        occurrences.c.status.in_(BOOKED_DATES),
        *_kept(since, cancelled_since),
    ]


async def dated(conn: AsyncConnection, scope: Scope) -> list[Dated]:
    """The dates in ``scope``, each with its event, room, place and library, in time order
    (sorted here: the database would sort whole rows, long descriptions and all)."""
    result = await conn.execute(dates_query(*_columns()).where(*scope))
    found = [_dated(row) for row in result]
    found.sort(key=lambda d: (d.starts_at, d.id))
    return found


async def partners_in(conn: AsyncConnection, scope: Scope) -> list[Row]:
    """The active partners of the events with dates in ``scope`` (one query, however many)."""
    return await partners_where(
        conn, event_partners.c.event_id.in_(dates_query(occurrences.c.event_id).where(*scope))
    )


async def partner_unbooked(
    conn: AsyncConnection,
    organisation_id: int,
    states: Sequence[str],
    *,
    since: datetime,
    cancelled_since: datetime,
    cancelled_states: Sequence[str],
) -> list[Row]:
    """The organisation's events in ``states`` that have a wished time but no booked date
    (drafts and proposals), with their wished room's place when one is chosen. Those in
    ``cancelled_states`` only while they changed after ``cancelled_since``."""
    booked = exists().where(
        occurrences.c.event_id == events.c.id, occurrences.c.status.in_(BOOKED_DATES)
    )
    query = (
        select(
            events.c.id.label("event_id"),
            events.c.state,
            events.c.title,
            events.c.summary,
            events.c.description,
            events.c.audiences,
            events.c.sequence,
            events.c.created_at,
            events.c.updated_at,
            events.c.starts_at,
            events.c.ends_at,
            events.c.repeat_weeks,
            events.c.repeat_until,
            events.c.repeat_count,
            rooms.c.name.label("room_name"),
            locations.c.name.label("location_name"),
            locations.c.street,
            locations.c.postal_code,
            locations.c.city,
            locations.c.country,
            _library.c.name.label("library_name"),
            _library.c.slug.label("library_slug"),
            _library.c.email.label("library_email"),
            _library.c.timezone.label("library_timezone"),
        )
        .select_from(events)
        .join(_library, _library.c.id == events.c.library_id)
        .outerjoin(rooms, rooms.c.id == events.c.room_id)
        .outerjoin(locations, locations.c.id == events.c.location_id)
        .where(
            _partner_of(organisation_id),
            events.c.state.in_([*states, *cancelled_states]),
            events.c.starts_at.is_not(None),
            events.c.ends_at.is_not(None),
            ~booked,
            or_(
                events.c.state.not_in(list(cancelled_states)),
                events.c.updated_at >= cancelled_since,
            ),
            or_(events.c.repeat_weeks.is_not(None), events.c.ends_at > since),
        )
        .order_by(events.c.starts_at, events.c.id)
    )
    return list(await conn.execute(query))


async def cancellation_reasons(conn: AsyncConnection, event_ids: Sequence[int]) -> dict[int, str]:
    """The reason given when each of the (cancelled) events was cancelled."""
    if not event_ids:
        return {}
    result = await conn.execute(
        select(event_transitions.c.event_id, event_transitions.c.comment)
        .where(
            event_transitions.c.event_id.in_(sorted(set(event_ids))),
            event_transitions.c.action.in_(("cancel", "withdraw", "decline")),
        )
        .order_by(event_transitions.c.at, event_transitions.c.id)
    )
    return {row.event_id: row.comment for row in result}


async def version_and_organisation(conn: AsyncConnection, slug: str) -> tuple[int, Row | None]:
    """The calendar version and the organisation with ``slug`` (None if there is none), in
    one query: all a public feed already built needs from the database."""
    row = (
        await conn.execute(
            select(
                calendar_state.c.version,
                organisations.c.id,
                organisations.c.name,
                organisations.c.slug,
                organisations.c.status,
            )
            .select_from(calendar_state.outerjoin(organisations, organisations.c.slug == slug))
            .where(calendar_state.c.id == 1)
        )
    ).first()
    if row is None:
        return 0, None
    return int(row.version), (row if row.id is not None else None)


async def version(conn: AsyncConnection) -> int:
    """The calendar version: database triggers bump it on every change feeds depend on."""
    found = await conn.scalar(select(calendar_state.c.version).where(calendar_state.c.id == 1))
    return int(found or 0)


# Private feed tokens -------------------------------------------------------------------------


async def add_token(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(feed_tokens).returning(feed_tokens.c.id), [values])
    return int(result.scalar_one())


async def live_token(conn: AsyncConnection, token_hash: str) -> Row | None:
    result = await conn.execute(
        select(feed_tokens).where(
            feed_tokens.c.token_hash == token_hash, feed_tokens.c.revoked_at.is_(None)
        )
    )
    return result.first()


async def tokens_of_user(conn: AsyncConnection, user_id: int) -> list[Row]:
    result = await conn.execute(
        select(feed_tokens, organisations.c.name.label("organisation_name"))
        .outerjoin(organisations, organisations.c.id == feed_tokens.c.organisation_id)
        .where(feed_tokens.c.user_id == user_id, feed_tokens.c.revoked_at.is_(None))
        .order_by(feed_tokens.c.created_at.desc(), feed_tokens.c.id.desc())
    )
    return list(result)


async def revoke_token(conn: AsyncConnection, token_id: int, user_id: int, at: datetime) -> bool:
    result = await conn.execute(
        update(feed_tokens)
        .where(
            feed_tokens.c.id == token_id,
            feed_tokens.c.user_id == user_id,
            feed_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return result.rowcount == 1


async def mark_used(conn: AsyncConnection, token_id: int, at: datetime, before: datetime) -> None:
    """Record when the feed was last fetched, at most once per period (not on every poll)."""
    await conn.execute(
        update(feed_tokens)
        .where(
            feed_tokens.c.id == token_id,
            and_(
                or_(feed_tokens.c.last_used_at.is_(None), feed_tokens.c.last_used_at < before),
            ),
        )
        .values(last_used_at=at)
    )
