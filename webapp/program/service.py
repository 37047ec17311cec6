"""The public program: published events' dates for anyone, without an account.

What is public is decided here and nowhere else: an event in ``PUBLIC_STATES`` and its
``scheduled`` dates (``cancelled`` ones shown as cancelled). A published event that is later
cancelled stays public, shown as cancelled with the reason, so that a poster or an SMS
never leads to a missing page; one cancelled before it was published stays private. An event
that is not public is NotFound, except for the people who may see it anyway (its partners,
its library's staff): for them ``NotPublic`` says to send them to the co-planning workspace
instead.

Times are shown in the time zone of the library that hosts the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access
from webapp.events.workflow import PUBLIC_STATES
from webapp.orgs import store as org_store
from webapp.problems import NotFound
from webapp.program import choices, store
from webapp.program.store import Narrowing, Window

PAGE_SIZE = 40
# A week of a busy city library fits; more is cut with a note rather than a slow page.
WEEK_LIMIT = 400


class NotPublic(Exception):
    """The event is not public, but the actor may see it in the co-planning workspace."""

    def __init__(self, event_id: int) -> None:
        super().__init__(event_id)
        self.event_id = event_id


@dataclass(frozen=True)
class Filters:
    """The visitor's choices. ``start`` and ``end`` are local dates, both included."""

    start: date | None = None
    end: date | None = None
    location_id: int | None = None
    room_id: int | None = None
    audience: str | None = None
    language: str | None = None
    partner_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class Listed:
    """One date of the program: an event on one day (a series has one per date)."""

    id: int
    event_id: int
    title: str
    summary: str
    starts: datetime  # in the library's time zone
    ends: datetime
    cancelled: bool
    room_name: str
    location_id: int
    location_name: str
    city: str
    library_name: str
    library_slug: str
    audiences: list[str]
    languages: list[str]
    partners: list[Row]


@dataclass(frozen=True)
class Day:
    date: date
    dates: list[Listed]


@dataclass(frozen=True)
class Program:
    organisation: Row | None
    days: list[Day]
    locations: list[Row]
    partners: list[Row]
    page: int = 1
    has_next: bool = False
    # The week view: its Monday, and whether the week had more dates than are shown.
    monday: date | None = None
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not any(day.dates for day in self.days)


@dataclass(frozen=True)
class Place:
    """A room where some of the event's dates are, with its location's address."""

    room_id: int
    room_name: str
    location_name: str
    street: str
    postal_code: str
    city: str
    country: str
    directions: str
    accessibility: list[str]


@dataclass(frozen=True)
class EventDate:
    id: int
    starts: datetime  # in the library's time zone
    ends: datetime
    cancelled: bool
    room_id: int
    note: str


@dataclass(frozen=True)
class EventPage:
    event: access.Event
    tz: tzinfo
    upcoming: list[EventDate]
    earlier: list[EventDate]
    places: list[Place]
    partners: list[Row]
    capacity: int | None
    rooms: dict[int, Place] = field(default_factory=dict)
    # A published event that was cancelled: when, and the reason the organisers gave.
    cancellation: Row | None = None

    @property
    def row(self) -> Row:
        return self.event.row


# Organisations -------------------------------------------------------------------------------


async def organisation(ctx: Context, slug: str) -> Row:
    """An organisation whose program is public: any active library or association."""
    async with ctx.db.read() as conn:
        found = await org_store.org_by_slug(conn, slug)
    if found is None or found.status != "active":
        raise NotFound()
    return found


def time_zone(ctx: Context, organisation: Row | None) -> ZoneInfo:
    name = getattr(organisation, "timezone", None)
    return ZoneInfo(name) if name else ctx.settings.tz


# The program ---------------------------------------------------------------------------------


async def program(
    ctx: Context,
    *,
    organisation: Row | None,
    filters: Filters,
    now: datetime,
    page_size: int = PAGE_SIZE,
) -> Program:
    """Upcoming public dates, ``page_size`` at a time, grouped by day. Without a start date
    the program starts now (a date still going on is listed); the dates are local days of the
    organisation's time zone (the service's for the program of all libraries)."""
    tz = time_zone(ctx, organisation)
    window = Window(
        start=_midnight(filters.start, tz) if filters.start else None,
        end=_midnight(filters.end + timedelta(days=1), tz) if filters.end else None,
        after=None if filters.start else now,
    )
    page = max(filters.page, 1)
    found, locations, partners = await _read(
        ctx, window, narrowing(organisation, filters), page_size + 1, (page - 1) * page_size
    )
    return Program(
        organisation=organisation,
        days=_by_day(found[:page_size], ctx.settings.tz),
        locations=locations,
        partners=partners,
        page=page,
        has_next=len(found) > page_size,
    )


async def week(
    ctx: Context, *, organisation: Row | None, filters: Filters, monday: date
) -> Program:
    """Every public date of the ISO week that starts on ``monday``, Monday to Sunday, each
    day listed even when nothing happens on it."""
    tz = time_zone(ctx, organisation)
    window = Window(start=_midnight(monday, tz), end=_midnight(monday + timedelta(days=7), tz))
    found, locations, partners = await _read(
        ctx, window, narrowing(organisation, filters), WEEK_LIMIT + 1, 0
    )
    by_date = {day.date: day.dates for day in _by_day(found[:WEEK_LIMIT], ctx.settings.tz)}
    days = [monday + timedelta(days=n) for n in range(7)]
    return Program(
        organisation=organisation,
        days=[Day(date=d, dates=by_date.get(d, [])) for d in days],
        locations=locations,
        partners=partners,
        monday=monday,
        truncated=len(found) > WEEK_LIMIT,
    )


def narrowing(organisation: Row | None, filters: Filters) -> Narrowing:
    return Narrowing(
        organisation_id=organisation.id if organisation is not None else None,
        location_id=filters.location_id,
        room_id=filters.room_id,
        audience=filters.audience,
        language=filters.language,
        partner_id=filters.partner_id,
    )


async def _read(
    ctx: Context, window: Window, narrowing: Narrowing, limit: int, offset: int
) -> tuple[list[tuple[Row, list[Row]]], list[Row], list[Row]]:
    """The dates with their events' partners, and the filters' choices: two queries and a
    look at the calendar version, however many dates there are (four when the version
    changed)."""
    # The filters' choices for this window, as of the calendar version (webapp/program/
    # choices.py): found once per version, not on every visit.
    of_hour = Window(start=window.start, end=window.end, after=choices.hour(window.after))
    key = (narrowing.organisation_id, of_hour)
    version, _organisation = await ctx.calendar_versions.read()
    kept = ctx.program_choices.get(key, version)
    async with ctx.db.read() as conn:
        rows = await store.dates(conn, window, narrowing, limit=limit, offset=offset)
        partners = await store.active_partners(conn, sorted({r.event_id for r in rows}))
        if kept is None:
            locations = await store.locations_in_program(conn, of_hour, narrowing.organisation_id)
            offered = await store.partners_in_program(conn, of_hour, narrowing.organisation_id)
            ctx.program_choices.put(key, version, locations, offered)
        else:
            locations, offered = kept
    by_event: dict[int, list[Row]] = {}
    for partner in partners:
        by_event.setdefault(partner.event_id, []).append(partner)
    return [(row, by_event.get(row.event_id, [])) for row in rows], locations, offered


def _by_day(found: Iterable[tuple[Row, list[Row]]], default_tz: ZoneInfo) -> list[Day]:
    days: dict[date, list[Listed]] = {}
    for row, partners in found:
        tz = ZoneInfo(row.library_timezone) if row.library_timezone else default_tz
        listed = _listed(row, partners, tz)
        days.setdefault(listed.starts.date(), []).append(listed)
    return [Day(date=d, dates=days[d]) for d in sorted(days)]


def _listed(row: Row, partners: list[Row], tz: tzinfo) -> Listed:
    return Listed(
        id=row.id,
        event_id=row.event_id,
        title=row.title,
        summary=row.summary,
        starts=row.starts_at.astimezone(tz),
        ends=row.ends_at.astimezone(tz),
        cancelled=row.status == "cancelled",
        room_name=row.room_name,
        location_id=row.location_id,
        location_name=row.location_name,
        city=row.city,
        library_name=row.library_name,
        library_slug=row.library_slug,
        audiences=list(row.audiences or []),
        languages=list(row.languages or []),
        partners=partners,
    )


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


# The event page ------------------------------------------------------------------------------


async def event_page(ctx: Context, *, actor: Actor, event_id: int, now: datetime) -> EventPage:
    """What an attendee needs to know about a public event. NotFound when the event is not
    public; NotPublic instead when the actor may see it in the co-planning workspace."""
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        cancellation = None
        if event.state == "cancelled":
            cancellation = await store.public_cancellation(conn, event_id)
        if event.state not in PUBLIC_STATES and cancellation is None:
            if can(actor, "event.view", event):
                raise NotPublic(event_id)
            raise NotFound()
        rows = await store.event_dates(conn, event_id)
    dates = [_event_date(row, event.tz) for row in rows]
    upcoming = [d for d in dates if d.ends > now]
    earlier = [d for d in dates if d.ends <= now]
    shown = upcoming or earlier
    places = _places(rows, {d.room_id for d in shown})
    return EventPage(
        event=event,
        tz=event.tz,
        upcoming=upcoming,
        earlier=earlier,
        places=places,
        partners=[p for p in event.partners if p.status == "active"],
        capacity=event.row.capacity,
        rooms={place.room_id: place for place in places},
        cancellation=cancellation,
    )


def _event_date(row: Row, tz: tzinfo) -> EventDate:
    return EventDate(
        id=row.id,
        starts=row.starts_at.astimezone(tz),
        ends=row.ends_at.astimezone(tz),
        cancelled=row.status == "cancelled",
        room_id=row.room_id,
        note=row.note,
    )


def _places(rows: Sequence[Row], room_ids: set[int]) -> list[Place]:
    """Each room of the shown dates once, in the order the dates come."""
    places: dict[int, Place] = {}
    for row in rows:
        if row.room_id in room_ids and row.room_id not in places:
            places[row.room_id] = Place(
                room_id=row.room_id,
                room_name=row.room_name,
                location_name=row.location_name,
                street=row.street,
                postal_code=row.postal_code,
                city=row.city,
                country=row.country,
                directions=row.directions,
                accessibility=list(row.accessibility or []),
            )
    return list(places.values())
