"""The calendar feeds: what each one holds, who may read it, and building it once per change.

- the public feed of an organisation (``/calendar/{slug}.ics``): its public dates, filtered
  like the program;
- one public event's calendar file (``/events/{id}.ics``);
- private feeds behind a token: ``staff`` (every booking of the library, the unpublished
  ones TENTATIVE) and ``partner`` (every event the organisation co-authors, the ones not
  approved yet TENTATIVE at their wished time). Volunteers' shifts and attendees' RSVPs will
  be kinds of their own (``feed_tokens.kind``) with a builder in ``PRIVATE_BUILDERS``.

Past dates stay for ``calendar_past_days``; cancelled dates stay, marked CANCELLED, for
``calendar_cancelled_days`` after the cancellation. Both windows move a day at a time, so a
feed's bytes change only when its data or the day changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import clock
from webapp.auth import store as auth_store
from webapp.auth.permissions import Actor, can
from webapp.calendars import entries, ical, store
from webapp.calendars.cache import Built
from webapp.context import Context
from webapp.events.vocabulary import audience_labels
from webapp.i18n import _, current_locale
from webapp.orgs import store as org_store
from webapp.problems import Forbidden, NotFound
from webapp.program import store as program_store
from webapp.program.store import Narrowing

# How often the last use of a private feed is written down (calendar apps poll often).
USE_RECORDED_EVERY = timedelta(hours=1)
PRIVATE_KINDS = ("staff", "partner")


@dataclass(frozen=True)
class Span:
    """The dates a feed holds, fixed for a whole day."""

    since: datetime  # dates that end after this
    cancelled_since: datetime  # cancelled dates cancelled after this


def _span(ctx: Context, now: datetime) -> tuple[date, Span]:
    settings = ctx.settings
    day = now.astimezone(UTC).date()
    return day, _day_span(day, settings.calendar_past_days, settings.calendar_cancelled_days)


@functools.lru_cache(maxsize=16)
def _day_span(day: date, past_days: int, cancelled_days: int) -> Span:
    midnight = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return Span(
        since=midnight - timedelta(days=past_days),
        cancelled_since=midnight - timedelta(days=cancelled_days),
    )


def _site(ctx: Context) -> entries.Site:
    return entries.Site(
        base_url=ctx.settings.base_url,
        default_zone=ctx.settings.timezone,
        mark_cancelled=ctx.settings.calendar_mark_cancelled,
        audience_labels=audience_labels(),
    )


Build = Callable[[AsyncConnection], Awaitable[ical.Calendar]]


async def _cached(ctx: Context, key: Hashable, build: Build, version: int | None = None) -> Built:
    """The feed from this process's cache when the calendar version (read now, unless the
    caller just read it) has not moved since it was built; otherwise built now (once,
    however many requests wait for it)."""
    cache = ctx.feeds
    if version is None:
        version, _organisation = await ctx.calendar_versions.read()
    found = cache.get(key, version)
    if found is not None:
        return found
    async with cache.lock(key):
        async with ctx.db.read() as conn:
            # The version first: the data read after it is at least as new.
            version = await store.version(conn)
            found = cache.get(key, version)
            if found is not None:
                return found
            with _collector_paused():
                calendar = await build(conn)
                body = ical.render(calendar)
        built = Built.of(body, clock.now())
        cache.put(key, version, built)
        return built


async def _dated(
    ctx: Context, conn: AsyncConnection, scope: store.Scope
) -> tuple[list[store.Dated], dict[int, list[Row]], dict[int, str]]:
    """The dates in ``scope`` with their events' partners and cancellation reasons: three
    queries, however many dates. The partners are read at the same time on a connection of
    their own (a newer snapshot at worst: the calendar version read first then has moved,
    and the next request builds again)."""

    async def partners_in() -> list[Row]:
        async with ctx.db.read() as other:
            return await store.partners_in(other, scope)

    rows, found = await asyncio.gather(store.dated(conn, scope), partners_in())
    partners, reasons = await _partners_and_reasons(conn, rows, found)
    return rows, partners, reasons


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a feed is built: the build makes tens
    of thousands of short-lived tuples and strings (no cycles), and collections in the middle
    of it made a 5,000-event build up to twice as slow (``make bench``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _partners_and_reasons(
    conn: AsyncConnection, rows: Sequence[Any], found: Sequence[Row] | None = None
) -> tuple[dict[int, list[Row]], dict[int, str]]:
    if found is None:
        found = await program_store.active_partners(conn, sorted({row.event_id for row in rows}))
    by_event: dict[int, list[Row]] = {}
    for partner in found:
        by_event.setdefault(partner.event_id, []).append(partner)
    cancelled = sorted({r.event_id for r in rows if entries.public_status(r) == "CANCELLED"})
    return by_event, await store.cancellation_reasons(conn, cancelled)


def _calendar(ctx: Context, name: str, description: str, found: list[ical.Entry]) -> ical.Calendar:
    return ical.Calendar(
        name=name,
        description=description,
        zone=ctx.settings.timezone,
        refresh=timedelta(minutes=ctx.settings.calendar_refresh_minutes),
        entries=found,
    )


# Public feeds --------------------------------------------------------------------------------


async def public_feed(
    ctx: Context, *, slug: str, filters: Narrowing, now: datetime | None = None
) -> Built:
    """The public dates of the program of the organisation ``slug`` (events it hosts or
    co-authors), narrowed by ``filters``. NotFound when there is no such active organisation.
    A feed already built costs one query."""
    version, organisation = await ctx.calendar_versions.read(slug)
    if organisation is None or organisation.status != "active":
        raise NotFound()
    day, span = _span(ctx, now or clock.now())
    key = ("public", organisation.id, filters, current_locale(), day)

    async def build(conn: AsyncConnection) -> ical.Calendar:
        narrowing = dataclasses.replace(filters, organisation_id=organisation.id)
        rows, partners, reasons = await _dated(
            ctx,
            conn,
            store.public_scope(narrowing, since=span.since, cancelled_since=span.cancelled_since),
        )
        found = entries.booked_entries(
            rows, partners, reasons, status_of=entries.public_status, site=_site(ctx)
        )
        return _calendar(
            ctx,
            _("%(name)s: program", name=organisation.name),
            _("Events at and with %(name)s, from Samspel.", name=organisation.name),
            found,
        )

    return await _cached(ctx, key, build, version)


async def event_calendar(ctx: Context, *, event_id: int) -> Built:
    """One public event's calendar file: all its public dates. NotFound when the event is not
    public (a draft's existence is not revealed)."""
    key = ("event", event_id, current_locale())

    async def build(conn: AsyncConnection) -> ical.Calendar:
        rows, partners, reasons = await _dated(ctx, conn, store.event_scope(event_id))
        if not rows:
            raise NotFound()
        found = entries.booked_entries(
            rows, partners, reasons, status_of=entries.public_status, site=_site(ctx)
        )
        return _calendar(ctx, rows[0].title, rows[0].summary, found)

    return await _cached(ctx, key, build)


async def attendee_calendar(
    ctx: Context, *, occurrence_ids: list[int], name: str, marker: Hashable
) -> Built:
    """The dates one person signed up for (their personal link's feed). ``marker`` changes
    with their sign-ups, so a new or cancelled one is in the next request."""
    key = ("attendee", marker, current_locale())

    async def build(conn: AsyncConnection) -> ical.Calendar:
        rows, partners, reasons = await _dated(ctx, conn, store.attendee_scope(occurrence_ids))
        found = entries.booked_entries(
            rows, partners, reasons, status_of=entries.public_status, site=_site(ctx)
        )
        return _calendar(ctx, name, "", found)

    return await _cached(ctx, key, build)


# Private feeds -------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewFeed:
    """A private feed just made: the token is shown once and never stored in the clear."""

    id: int
    token: str


async def create_private_feed(
    ctx: Context, *, actor: Actor, kind: str, organisation_id: int
) -> NewFeed:
    if kind not in PRIVATE_KINDS or not actor.is_authenticated:
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        organisation = await org_store.org_by_id(conn, organisation_id)
        if organisation is None or not can(actor, f"calendar.{kind}_feed", organisation):
            raise Forbidden()
        token = secrets.token_urlsafe(32)
        feed_id = await store.add_token(
            conn,
            token_hash=token_hash(token),
            kind=kind,
            user_id=actor.user_id,
            organisation_id=organisation_id,
            label="",
            created_at=clock.now(),
        )
    return NewFeed(id=feed_id, token=token)


async def private_feeds(ctx: Context, *, actor: Actor) -> list[Row]:
    """The actor's private feeds that are still valid."""
    if not actor.is_authenticated:
        raise Forbidden()
    async with ctx.db.read() as conn:
        return await store.tokens_of_user(conn, actor.user_id)  # type: ignore[arg-type]


async def revoke_private_feed(ctx: Context, *, actor: Actor, feed_id: int) -> None:
    """Revoke one of the actor's feeds: its address answers 404 from now on."""
    if not actor.is_authenticated:
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        if not await store.revoke_token(conn, feed_id, actor.user_id, clock.now()):  # type: ignore[arg-type]
            raise NotFound()


async def private_feed(ctx: Context, *, token: str, now: datetime | None = None) -> Built:
    """The feed behind a token. An unknown or revoked token, or one whose owner no longer
    may read the feed (left the organisation, account closed), is NotFound: the answer is
    the same for all of them and says nothing about the feed."""
    now = now or clock.now()
    async with ctx.db.read() as conn:
        feed = await store.live_token(conn, token_hash(token))
        if feed is None or feed.kind not in PRIVATE_BUILDERS or feed.user_id is None:
            raise NotFound()
        user = await auth_store.user_by_id(conn, feed.user_id)
        if user is None or not user.is_active:
            raise NotFound()
        actor = await auth_store.actor_for_user(conn, user)
        organisation = await org_store.org_by_id(conn, feed.organisation_id)
    if organisation is None or not can(actor, f"calendar.{feed.kind}_feed", organisation):
        raise NotFound()
    if feed.last_used_at is None or feed.last_used_at < now - USE_RECORDED_EVERY:
        async with ctx.db.transaction() as conn:
            await store.mark_used(conn, feed.id, now, now - USE_RECORDED_EVERY)
    return await PRIVATE_BUILDERS[feed.kind](ctx, organisation, now)


async def _staff_feed(ctx: Context, library: Row, now: datetime) -> Built:
    day, span = _span(ctx, now)
    key = ("staff", library.id, current_locale(), day)

    async def build(conn: AsyncConnection) -> ical.Calendar:
        rows, partners, reasons = await _dated(
            ctx,
            conn,
            store.library_scope(library.id, since=span.since, cancelled_since=span.cancelled_since),
        )
        found = entries.booked_entries(
            rows, partners, reasons, status_of=entries.staff_status, site=_site(ctx)
        )
        return _calendar(
            ctx,
            _("%(name)s: all bookings", name=library.name),
            _("Every booked date in the rooms of %(name)s, published or not.", name=library.name),
            found,
        )

    return await _cached(ctx, key, build)


# An event not booked yet appears at its wished time in its partners' feed.
UNBOOKED_STATES = ("draft", "submitted", "changes_requested")
DROPPED_STATES = ("withdrawn", "declined")


async def _partner_feed(ctx: Context, organisation: Row, now: datetime) -> Built:
    day, span = _span(ctx, now)
    key = ("partner", organisation.id, current_locale(), day)

    async def build(conn: AsyncConnection) -> ical.Calendar:
        booked = await store.dated(
            conn,
            store.partner_scope(
                organisation.id, since=span.since, cancelled_since=span.cancelled_since
            ),
        )
        wished = await store.partner_unbooked(
            conn,
            organisation.id,
            UNBOOKED_STATES,
            since=span.since,
            cancelled_since=span.cancelled_since,
            cancelled_states=DROPPED_STATES,
        )
        partners, reasons = await _partners_and_reasons(conn, [*booked, *wished])
        site = _site(ctx)
        found = entries.booked_entries(
            booked, partners, reasons, status_of=entries.partner_status, site=site
        ) + entries.wished_entries(
            wished,
            partners,
            reasons,
            status_of=entries.partner_status,
            site=site,
            since=span.since,
        )
        found.sort(key=lambda e: (e.starts, e.uid))
        return _calendar(
            ctx,
            _("%(name)s: our events", name=organisation.name),
            _(
                "Every event %(name)s co-authors; the ones not approved yet are tentative.",
                name=organisation.name,
            ),
            found,
        )

    return await _cached(ctx, key, build)


PRIVATE_BUILDERS: dict[str, Callable[[Context, Row, datetime], Awaitable[Built]]] = {
    "staff": _staff_feed,
    "partner": _partner_feed,
}


@dataclass(frozen=True)
class FeedChoice:
    """A private feed the actor may make: its kind and organisation, and what it holds."""

    kind: str
    organisation_id: int
    label: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.organisation_id}"


def feed_choices(actor: Actor) -> list[FeedChoice]:
    found: list[FeedChoice] = []
    for membership in actor.organisations():
        if membership.status != "active":
            continue
        if membership.kind == "library" and membership.role in ("admin", "staff"):
            found.append(
                FeedChoice(
                    "staff",
                    membership.organisation_id,
                    _("Every booking of %(name)s", name=membership.name),
                )
            )
        found.append(
            FeedChoice(
                "partner",
                membership.organisation_id,
                _("Every event %(name)s co-authors", name=membership.name),
            )
        )
    return found
