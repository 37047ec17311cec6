"""RSVPs to a date of a public event, without an account.

* **Capacity**: the event's capacity, or its room's; a date never holds more people than
  that. The decision is made with the date locked (PostgreSQL) or in SQLite's single writer,
  so simultaneous RSVPs cannot overbook.
* **Waitlist**: who does not fit waits in order. When places are freed (a cancellation, a
  smaller party), the first waiting is *offered* the place for ``SAMSPEL_RSVP_OFFER_HOURS``
  (from when the SMS can be delivered, never past the start) and told by SMS when they gave
  a number; an offer nobody claims lapses (the worker) and the next one is offered. The line
  is strict: a large party first in line is not skipped for a smaller one behind it.
* **Personal link** ``/r/{token}``: to see, change, cancel or claim. The token is derived from
  the form's one-time key (HMAC with the secret key), so pressing "send" twice gives the same
  RSVP and the same link; only its SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.context import Context
from webapp.events import access
from webapp.events.workflow import PUBLIC_STATES
from webapp.i18n import _, ngettext, use_locale
from webapp.problems import Invalid, NotFound
from webapp.rsvp import store
from webapp.settings import SUPPORTED_LOCALES
from webapp.sms import service as sms

MAX_PARTY = 20


def new_request_key() -> str:
    """The one-time key of an RSVP form (a hidden field)."""
    return secrets.token_urlsafe(16)


def token_for(ctx: Context, request_key: str) -> str:
    digest = hmac.new(
        ctx.settings.secret_key.encode(), b"rsvp:" + request_key.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()  # 144 bits, 24 characters


def personal_link(ctx: Context, row: Row) -> str:
    """The RSVP's personal link, made again from its form key (the token is not stored)."""
    return f"{ctx.settings.base_url}/r/{token_for(ctx, row.request_key)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def capacity_of(date: Row) -> int | None:
    return date.event_capacity or date.room_capacity


@dataclass(frozen=True)
class Availability:
    capacity: int | None  # None: no limit known
    taken: int
    waiting: int

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


async def availability(ctx: Context, occurrence_ids: list[int]) -> dict[int, Availability]:
    """Places per date, for the event page."""
    async with ctx.db.read() as conn:
        taken = await store.taken(conn, occurrence_ids)
        waiting = await store.waiting(conn, occurrence_ids)
        dates = {i: await store.lock_date(conn, i) for i in occurrence_ids}
    return {
        i: Availability(
            capacity=capacity_of(row) if row else None,
            taken=taken.get(i, 0),
            waiting=waiting.get(i, 0),
        )
        for i, row in dates.items()
    }


@dataclass(frozen=True)
class Booked:
    token: str
    status: str  # going or waitlist


async def book(
    ctx: Context, *, event_id: int, occurrence_id: int, name: str, phone: str | None,
    party_size: int, language: str, request_key: str, via: str | None,
) -> Booked:  # fmt: skip
    token = token_for(ctx, request_key)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        if (found := await store.by_request_key(conn, request_key)) is not None:
            return Booked(token=token, status=found.status)  # the same form sent again
        event = await access.load(conn, event_id, ctx.settings.tz)
        date = await store.lock_date(conn, occurrence_id)
        if event.state not in PUBLIC_STATES or date is None or date.event_id != event_id:
            raise NotFound()
        if date.status != "scheduled" or date.starts_at <= now:
            raise Invalid({"occurrence_id": _("This date is no longer open for sign-up.")})
        await _lapse(conn, ctx, date, now)
        capacity = capacity_of(date)
        if capacity is not None and party_size > capacity:
            raise Invalid({"party_size": _("At most %(num)d people fit.", num=capacity)})
        taken = (await store.taken(conn, [occurrence_id])).get(occurrence_id, 0)
        line = (await store.waiting(conn, [occurrence_id])).get(occurrence_id, 0)
        fits = capacity is None or (line == 0 and taken + party_size <= capacity)
        status = "going" if fits else "waitlist"
        link_id = await store.link_by_code(conn, event_id, via.lower()) if via else None
        rsvp_id = await store.add(
            conn, event_id=event_id, occurrence_id=occurrence_id, name=name, phone=phone,
            party_size=party_size, status=status, token_hash=token_hash(token),
            request_key=request_key, language=language, link_id=link_id, created_at=now,
            updated_at=now,
        )  # fmt: skip
        await audit.record(
            conn, action="rsvp.made", actor_id=None, target=f"event:{event_id}",
            rsvp=rsvp_id, status=status,
        )  # fmt: skip
    return Booked(token=token, status=status)


@dataclass(frozen=True)
class Personal:
    """What the personal link shows."""

    rsvp: Row
    event: access.Event
    date: Row
    place_in_line: int | None  # on the waitlist
    availability: Availability
    token: str

    @property
    def is_past(self) -> bool:
        return self.date.starts_at <= clock.now()


async def _mine(conn: AsyncConnection, token: str) -> Row:
    if not token or len(token) > 64:
        raise NotFound()
    row = await store.by_token_hash(conn, token_hash(token))
    if row is None:
        raise NotFound()
    return row


async def personal(ctx: Context, token: str) -> Personal:
    async with ctx.db.read() as conn:
        row = await _mine(conn, token)
        event = await access.load(conn, row.event_id, ctx.settings.tz)
        date = await store.lock_date(conn, row.occurrence_id)
        assert date is not None
        line = await store.place_in_line(conn, row) if row.status == "waitlist" else None
    found = (await availability(ctx, [row.occurrence_id]))[row.occurrence_id]
    return Personal(
        rsvp=row, event=event, date=date, place_in_line=line, availability=found, token=token
    )


async def cancel(ctx: Context, token: str) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        row = await _mine(conn, token)
        date = await store.lock_date(conn, row.occurrence_id)
        if row.status == "cancelled":
            return
        await store.set_status(conn, row.id, status="cancelled", offered_until=None, updated_at=now)
        if date is not None:
            await _lapse(conn, ctx, date, now)


async def change(ctx: Context, token: str, party_size: int) -> str:
    """A new party size: fewer people free places for the waitlist; more people must fit
    (otherwise the RSVP is left as it was and the reason shown)."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        row = await _mine(conn, token)
        date = await store.lock_date(conn, row.occurrence_id)
        if row.status in ("cancelled", "lapsed") or date is None:
            raise Invalid({"party_size": _("This RSVP is no longer active.")})
        capacity = capacity_of(date)
        if row.status in store.HOLDING and capacity is not None and party_size > row.party_size:
            taken = (await store.taken(conn, [date.id])).get(date.id, 0)
            if taken - row.party_size + party_size > capacity:
                left = capacity - taken
                raise Invalid(
                    {"party_size": ngettext(
                        "Only %(num)d more place is free.", "Only %(num)d more places are free.",
                        left,
                    )}
                )  # fmt: skip
        await store.set_status(conn, row.id, party_size=party_size, updated_at=now)
        await _lapse(conn, ctx, date, now)
        return str(row.status)


async def claim(ctx: Context, token: str) -> bool:
    """Take the place offered, before the offer runs out; False when it had run out (the
    place has then gone to the next in line)."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        row = await _mine(conn, token)
        date = await store.lock_date(conn, row.occurrence_id)
        if date is not None:
            await _lapse(conn, ctx, date, now)
        if row.status != "offered" or row.offered_until is None or row.offered_until < now:
            return False
        await store.set_status(conn, row.id, status="going", offered_until=None, updated_at=now)
        return True


async def _lapse(conn: AsyncConnection, ctx: Context, date: Row, now: datetime) -> None:
    """Offers on the date that ran out lapse, and the places are offered again: done by the
    worker every half minute and by every RSVP change of the date, whichever comes first."""
    for row in await store.lapsed_offers(conn, now, occurrence_id=date.id):
        await store.set_status(conn, row.id, status="lapsed", offered_until=None, updated_at=now)
    await _offer_freed(conn, ctx, date, now)


async def _offer_freed(conn: AsyncConnection, ctx: Context, date: Row, now: datetime) -> None:
    """Offer freed places to the waitlist, first come first served, as long as the first in
    line fits."""
    capacity = capacity_of(date)
    if capacity is None or date.starts_at <= now:
        return
    while True:
        taken = (await store.taken(conn, [date.id])).get(date.id, 0)
        first = await store.first_waiting(conn, date.id)
        if first is None or taken + first.party_size > capacity:
            return
        await _offer(conn, ctx, first, date, now)


async def _offer(conn: AsyncConnection, ctx: Context, row: Row, date: Row, now: datetime) -> None:
    event = await access.load(conn, row.event_id, ctx.settings.tz)
    window = timedelta(hours=ctx.settings.rsvp_offer_hours)
    delivered = now
    if row.phone:
        with use_locale(row.language if row.language in SUPPORTED_LOCALES else "sv"):
            body = _(
                "A place is free for you at %(title)s. Claim it here before it goes to the "
                "next person: %(link)s",
                title=event.row.title,
                link=personal_link(ctx, row),
            )
        delivered = await _notice(conn, ctx, event, row, body, now) or now
    until = min(delivered + window, date.starts_at)
    await store.set_status(conn, row.id, status="offered", offered_until=until, updated_at=now)


async def _notice(
    conn: AsyncConnection, ctx: Context, event: access.Event, row: Row, body: str, now: datetime
) -> datetime | None:
    lead = event.lead()
    organisation_id = lead.organisation_id if lead is not None else event.library_id
    assert row.phone is not None
    return await sms.notice(
        conn, ctx, organisation_id=organisation_id, phone=row.phone, body=body,
        tz=event.tz if isinstance(event.tz, ZoneInfo) else ctx.settings.tz, now=now,
    )  # fmt: skip


async def lapse_offers(ctx: Context, *, now: datetime) -> int:
    """The worker's part: offers nobody claimed in time lapse, and the next in line is
    offered the place. How many lapsed."""
    async with ctx.db.transaction() as conn:
        lapsed = await store.lapsed_offers(conn, now)
        for occurrence_id in dict.fromkeys(row.occurrence_id for row in lapsed):
            date = await store.lock_date(conn, occurrence_id)
            if date is not None:
                await _lapse(conn, ctx, date, now)
    return len(lapsed)


async def calendar_of(ctx: Context, token: str) -> tuple[list[int], tuple[object, ...]]:
    """The dates for the person's own calendar feed, and a marker of their sign-ups."""
    async with ctx.db.read() as conn:
        row = await _mine(conn, token)
        found = await store.signed_up_dates(conn, row)
    return [r.occurrence_id for r in found], (row.id, *((r.id, r.status) for r in found))
