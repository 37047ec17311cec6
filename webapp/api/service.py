"""The public JSON API: the program's events as objects with stable field names.

The events are the program's (``webapp.program``): the same definition of public, the same
filters, the same time zones. Times are written in ISO 8601 with the offset of the hosting
library's time zone, so a library's website can show them as they are without converting.
The field names are a contract with other people's code: ``webapp/api/openapi.py``
documents them and the tests check every response against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from webapp.api import store
from webapp.context import Context
from webapp.events.vocabulary import AUDIENCES, LANGUAGES
from webapp.i18n import _
from webapp.problems import Invalid, NotFound
from webapp.program import service as program
from webapp.program import store as program_store
from webapp.program.service import Filters
from webapp.program.store import Narrowing, Window

EVENTS_PATH = "/api/v1/events"
DEFAULT_PER_PAGE = 20

Json = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """What the caller asked for: the program's filters (``filters.page`` is the page), the
    organisation's slug, the page size, and the given parameters as links repeat them."""

    filters: Filters = field(default_factory=Filters)
    org: str | None = None
    per_page: int = DEFAULT_PER_PAGE
    params: dict[str, str] = field(default_factory=dict)


async def events(ctx: Context, *, query: Query, now: datetime) -> Json:
    """A page of public events that have a public date matching the filters, ordered by
    their next matching date, with links to the pages before and after. Without a start
    date only dates ending after ``now`` count. Three queries (four with ``org``), however
    many events and dates there are."""
    organisation = await _organisation(ctx, query.org)
    window = _window(query.filters, program.time_zone(ctx, organisation), now)
    narrowing = program.narrowing(organisation, query.filters)
    page, per_page = query.filters.page, query.per_page
    async with ctx.db.read() as conn:
        rows = await store.public_events(
            conn, window, narrowing, limit=per_page + 1, offset=(page - 1) * per_page
        )
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        ids = [row.id for row in rows]
        dates = await store.public_dates(conn, window, narrowing, ids)
        partners = await program_store.active_partners(conn, ids)
    return {
        "data": _event_objects(ctx, rows, dates, partners),
        "meta": {"page": page, "per_page": per_page, "has_next": has_next},
        "links": _links(ctx, query, has_next),
    }


async def event(ctx: Context, *, event_id: int) -> Json:
    """One public event with all its public dates, past ones too. NotFound when there is
    no such event or it is not public."""
    async with ctx.db.read() as conn:
        row = await store.public_event(conn, event_id)
        if row is None:
            raise NotFound()
        dates = await store.public_dates(conn, Window(), Narrowing(), [event_id])
        partners = await program_store.active_partners(conn, [event_id])
    return {"data": _event_objects(ctx, [row], dates, partners)[0]}


async def _organisation(ctx: Context, slug: str | None) -> Row | None:
    if slug is None:
        return None
    try:
        return await program.organisation(ctx, slug)
    except NotFound:
        raise Invalid({"org": _("There is no organisation with this slug.")}) from None


def _window(filters: Filters, tz: tzinfo, now: datetime) -> Window:
    """``from`` and ``to`` are local days of ``tz``, both included; without ``from``, the
    dates that have not ended yet (the program's window)."""
    return Window(
        start=_midnight(filters.start, tz) if filters.start else None,
        end=_midnight(filters.end + timedelta(days=1), tz) if filters.end else None,
        after=None if filters.start else now,
    )


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def _links(ctx: Context, query: Query, has_next: bool) -> dict[str, str | None]:
    page = query.filters.page
    kept = {name: value for name, value in query.params.items() if name != "page"}

    def url(number: int) -> str:
        params = {**kept, **({"page": str(number)} if number > 1 else {})}
        return ctx.url(EVENTS_PATH) + (f"?{urlencode(params)}" if params else "")

    return {
        "self": url(page),
        "next": url(page + 1) if has_next else None,
        "prev": url(page - 1) if page > 1 else None,
    }


# The objects ---------------------------------------------------------------------------------


def _event_objects(
    ctx: Context, rows: Sequence[Row], dates: Sequence[Row], partners: Sequence[Row]
) -> list[Json]:
    dates_of: dict[int, list[Row]] = {}
    for found in dates:
        dates_of.setdefault(found.event_id, []).append(found)
    partners_of: dict[int, list[Row]] = {}
    for partner in partners:
        partners_of.setdefault(partner.event_id, []).append(partner)
    return [
        _event_object(ctx, row, dates_of.get(row.id, []), partners_of.get(row.id, []))
        for row in rows
    ]


def _event_object(ctx: Context, row: Row, dates: Sequence[Row], partners: Sequence[Row]) -> Json:
    tz = ZoneInfo(row.library_timezone) if row.library_timezone else ctx.settings.tz
    return {
        "id": row.id,
        "title": row.title,
        "summary": row.summary,
        "description": row.description,
        "status": "cancelled" if row.state == "cancelled" else "scheduled",
        "url": ctx.url(f"/events/{row.id}"),
        "ics_url": ctx.url(f"/events/{row.id}.ics"),
        "library": {"id": row.library_id, "name": row.library_name, "slug": row.library_slug},
        "partners": [
            {"id": p.organisation_id, "name": p.name, "slug": p.slug, "role": p.role}
            for p in partners
        ],
        "audiences": [code for code in row.audiences or [] if code in AUDIENCES],
        "languages": [code for code in row.languages or [] if code in LANGUAGES],
        "capacity": row.capacity,
        "updated_at": _local(row.updated_at, tz),
        "dates": [_date_object(d, tz) for d in dates],
    }


def _date_object(row: Row, tz: tzinfo) -> Json:
    return {
        "id": row.id,
        "start": _local(row.starts_at, tz),
        "end": _local(row.ends_at, tz),
        "status": "cancelled" if row.status == "cancelled" else "scheduled",
        "room": {"id": row.room_id, "name": row.room_name},
        "location": {
            "id": row.location_id,
            "name": row.location_name,
            "street": row.street,
            "postal_code": row.postal_code,
            "city": row.city,
            "country": row.country,
        },
    }


def _local(moment: datetime, tz: tzinfo) -> str:
    """``2026-12-01T18:00:00+01:00``: to the second, with the offset of ``tz`` that day."""
    return moment.astimezone(tz).replace(microsecond=0).isoformat()
