"""Volunteers signing up for shifts, without an account.

* **The sign-up page** ``/v/{code}``: the open shifts to come with the places left. Public
  boards are also linked from the event page; invitation-only ones are reached by their link.
* **Places**: a shift never holds more people than it needs. The decision is made with the
  shift locked (PostgreSQL) or in SQLite's single writer, so simultaneous sign-ups cannot
  overfill it. Who does not fit waits in order and is moved up, with an SMS, when a place
  frees.
* **One person, one number**: the person's row is locked too, so their shifts never overlap,
  even when they send two forms at once.
* **The personal link** ``/v/me/{token}``: to see, change or cancel shifts, to subscribe to
  them as a calendar, to see, correct, download or delete what is kept. It is sent by SMS
  with the confirmation. A number that has signed up before is only shown the page when the
  form proves it is theirs (it came from their personal page, or from an SMS invitation to
  that number); otherwise the link goes to the phone only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.calendars import entries, ical
from webapp.calendars.cache import Built
from webapp.context import Context
from webapp.db import Database
from webapp.events import access
from webapp.i18n import _
from webapp.i18n.formatting import format_datetime, format_time
from webapp.problems import Invalid, NotFound
from webapp.sms import store as sms_store
from webapp.volunteers import links, notices, store

OPEN_STATES = ("approved", "published")


# The sign-up page --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenShift:
    row: Row

    @property
    def left(self) -> int:
        return max(self.row.people_needed - self.row.confirmed, 0)


@dataclass(frozen=True)
class SignUpPage:
    event: access.Event
    board: Row
    shifts: list[OpenShift]
    is_open: bool  # the event is booked and the board not closed

    def dates(self) -> list[tuple[datetime, list[OpenShift]]]:
        """The shifts grouped by their day (in the event's zone), in order."""
        found: dict[Any, list[OpenShift]] = {}
        for shift in self.shifts:
            found.setdefault(shift.row.starts_at.astimezone(self.event.tz).date(), []).append(shift)
        return [(shifts[0].row.starts_at, shifts) for shifts in found.values()]


async def _page(conn: AsyncConnection, ctx: Context, board: Row | None) -> SignUpPage:
    if board is None:
        raise NotFound()
    event = await access.load(conn, board.event_id, ctx.settings.tz)
    now = clock.now()
    shifts = [
        OpenShift(row)
        for row in await store.shifts_of_event(conn, event.id)
        if row.status == "open" and row.starts_at > now
    ]
    is_open = event.state in OPEN_STATES and board.access != "closed"
    return SignUpPage(event=event, board=board, shifts=shifts if is_open else [], is_open=is_open)


async def page_by_code(ctx: Context, code: str) -> SignUpPage:
    if not code.isalnum() or len(code) > 16:
        raise NotFound()
    async with ctx.db.read() as conn:
        found = await _page(conn, ctx, await store.board_by_code(conn, code.lower()))
    if found.event.state not in (*OPEN_STATES, "completed", "evaluated", "cancelled"):
        raise NotFound()  # a draft's existence is not revealed
    return found


async def public_code(ctx: Context, event_id: int) -> str | None:
    """The sign-up page's code when the event's board is public, the event booked and a shift
    to come is open: the event page links to it (one query)."""
    async with ctx.db.read() as conn:
        return await store.public_board_code(conn, event_id, OPEN_STATES, clock.now())


# Signing up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignUp:
    name: str
    phone: str  # E.164
    languages: str
    language: str  # the page's language: the person's SMS are in it
    shift_ids: list[int]
    proof: str | None = None  # their personal token, when the form came from their page
    message_code: str | None = None  # the SMS invitation they came from


@dataclass(frozen=True)
class SignedUp:
    token: str
    shown: bool  # the person may be shown their page now (a new number, or proven)
    confirmed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


async def _proven(conn: AsyncConnection, person: Row, form: SignUp) -> bool:
    if form.proof and links.token_hash(form.proof) == person.token_hash:
        return True
    if form.message_code and form.message_code.isalnum() and len(form.message_code) <= 16:
        message = await sms_store.message_by_code(conn, form.message_code.lower())
        return message is not None and message.phone == person.phone
    return False


def overlap_message(clash: Row, tz: Any, *, named: bool) -> str:
    at = f"{format_datetime(clash.starts_at, tz, 'short')}–{format_time(clash.ends_at, tz)}"
    if named:
        return _(
            "You already have a shift at that time: %(task)s at %(event)s, %(when)s. Choose "
            "shifts that do not overlap.",
            task=clash.title, event=clash.event_title, when=at,
        )  # fmt: skip
    return _(
        "This number already has a shift at that time (%(when)s). Choose shifts that do not "
        "overlap.",
        when=at,
    )


async def sign_up(ctx: Context, *, code: str, form: SignUp) -> SignedUp:
    if not form.shift_ids:
        raise Invalid({"shifts": _("Choose at least one shift.")})
    now = clock.now()
    async with ctx.db.transaction() as conn:
        board = await store.board_by_code(conn, code.lower())
        page = await _page(conn, ctx, board)
        if not page.is_open:
            raise Invalid({"shifts": _("This sign-up is closed.")})
        event = page.event
        person, created = await store.lock_volunteer_by_phone(
            conn,
            form.phone,
            {
                "name": form.name, "languages": form.languages, "language": form.language,
                "link_key": (key := links.new_link_key()),
                "token_hash": links.token_hash(links.token_for(ctx, key)),
                "consent_source": "sms-invitation" if form.message_code else "sign-up",
                "consent_at": now, "last_active_at": now, "created_at": now, "updated_at": now,
            },
        )  # fmt: skip
        shown = created or await _proven(conn, person, form)
        if shown and not created:
            await store.update_volunteer(
                conn, person.id, name=form.name, languages=form.languages or person.languages,
                language=form.language, updated_at=now,
            )  # fmt: skip
        confirmed: list[Row] = []
        waiting: list[Row] = []
        for shift_id in sorted(set(form.shift_ids)):
            shift = await store.lock_shift(conn, shift_id)
            if (
                shift is None or shift.event_id != event.id or shift.status != "open"
                or shift.starts_at <= now
            ):  # fmt: skip
                raise Invalid({"shifts": _("A shift you chose is no longer open. Choose again.")})
            if await store.signup_on_shift(conn, person.id, shift.id) is not None:
                continue  # the same form sent again
            clashes = await store.overlapping(
                conn, person.id, shift.starts_at, shift.ends_at, statuses=store.ACTIVE
            )
            if clashes:
                raise Invalid({"shifts": overlap_message(clashes[0], event.tz, named=shown)})
            fits = await store.confirmed_count(conn, shift.id) < shift.people_needed
            fits = fits and not await store.waiting_in_order(conn, shift.id)
            status = "confirmed" if fits else "waitlist"
            await store.add_signup(
                conn, shift_id=shift.id, event_id=event.id, volunteer_id=person.id,
                status=status, created_at=now, updated_at=now,
            )  # fmt: skip
            (confirmed if fits else waiting).append(shift)
        last = max((s.ends_at for s in confirmed + waiting), default=now)
        await store.update_volunteer(
            conn, person.id, last_active_at=max(person.last_active_at, last)
        )
        if confirmed or waiting:
            current = await store.volunteer_by_id(conn, person.id)
            assert current is not None
            await notices.confirmation(conn, ctx, event, current, confirmed, waiting, now)
            await audit.record(
                conn, action="volunteers.signed_up", actor_id=None, target=f"event:{event.id}",
                volunteer=person.id, confirmed=len(confirmed), waiting=len(waiting),
            )  # fmt: skip
    return SignedUp(
        token=links.token_for(ctx, person.link_key),
        shown=shown,
        confirmed=[s.title for s in confirmed],
        waiting=[s.title for s in waiting],
    )


async def move_up(conn: AsyncConnection, ctx: Context, shift_id: int, now: datetime) -> None:
    """Fill the shift's free places from its waitlist, in order; someone who has meanwhile
    taken an overlapping shift keeps waiting, and the next is moved up."""
    shift = await store.lock_shift(conn, shift_id)
    if shift is None or shift.status != "open" or shift.starts_at <= now:
        return
    free = shift.people_needed - await store.confirmed_count(conn, shift_id)
    event: access.Event | None = None
    for waiting in await store.waiting_in_order(conn, shift_id):
        if free <= 0:
            return
        if waiting.volunteer_id is None or await store.overlapping(
            conn, waiting.volunteer_id, shift.starts_at, shift.ends_at,
            exclude_signup_id=waiting.id,
        ):  # fmt: skip
            continue
        await store.set_signup(conn, waiting.id, status="confirmed", updated_at=now)
        free -= 1
        person = await store.volunteer_by_id(conn, waiting.volunteer_id)
        if person is not None:
            event = event or await access.load(conn, shift.event_id, ctx.settings.tz)
            await notices.moved_up(conn, ctx, event, person, shift, now)


# The personal page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Personal:
    volunteer: Row
    coming: list[Row]  # sign-ups of shifts to come (confirmed or waiting)
    past: list[Row]
    places_in_line: dict[int, int]  # sign-up id -> 1 for the first waiting
    token: str
    others: dict[int, list[Row]]  # sign-up id -> open shifts of the same event it may move to
    zones: dict[int, ZoneInfo]  # event id -> the zone its times are shown in
    codes: dict[int, str]  # event id -> its sign-up page's code, while it takes sign-ups


async def _mine(conn: AsyncConnection, token: str) -> Row:
    if not token or len(token) > 64:
        raise NotFound()
    found = await store.volunteer_by_token_hash(conn, links.token_hash(token))
    if found is None:
        raise NotFound()
    return found


async def personal(ctx: Context, token: str) -> Personal:
    now = clock.now()
    async with ctx.db.read() as conn:
        person = await _mine(conn, token)
        rows = await store.signups_of_volunteer(conn, person.id)
        coming = [r for r in rows if r.ends_at > now and r.shift_status == "open"]
        past = [r for r in rows if r not in coming]
        line: dict[int, int] = {}
        others: dict[int, list[Row]] = {}
        mine = {r.shift_id for r in rows}
        for row in coming:
            if row.status == "waitlist":
                order = await store.waiting_in_order(conn, row.shift_id)
                line[row.id] = next((i for i, w in enumerate(order, 1) if w.id == row.id), 0)
            else:
                others[row.id] = [
                    s for s in await store.shifts_of_event(conn, row.event_id)
                    if s.status == "open" and s.starts_at > now and s.id not in mine
                    and s.confirmed < s.people_needed
                ]  # fmt: skip
        events = sorted({r.event_id for r in rows})
        places = await store.places_of_events(conn, events)
        codes = {}
        for event_id in sorted({r.event_id for r in coming}):
            board = await store.board_of(conn, event_id)
            if board is not None and board.access != "closed":
                codes[event_id] = board.code
    zones = {
        event_id: ZoneInfo(places[event_id].timezone or ctx.settings.timezone)
        if event_id in places else ctx.settings.tz
        for event_id in events
    }  # fmt: skip
    return Personal(
        volunteer=person, coming=coming, past=past, places_in_line=line, token=token,
        others=others, zones=zones, codes=codes,
    )  # fmt: skip


@dataclass(frozen=True)
class Known:
    """Someone the sign-up page recognises (from their personal page or an SMS invitation):
    the form filled in for them, and the shifts they are already on or waiting for."""

    values: dict[str, str] = field(default_factory=dict)
    shift_ids: set[int] = field(default_factory=set)


async def known(ctx: Context, *, proof: str, message_code: str) -> Known:
    async with ctx.db.read() as conn:
        person = None
        values: dict[str, str] = {}
        if proof and len(proof) <= 64:
            person = await store.volunteer_by_token_hash(conn, links.token_hash(proof))
        elif message_code and message_code.isalnum() and len(message_code) <= 16:
            message = await sms_store.message_by_code(conn, message_code.lower())
            if message is not None and message.phone:
                name = await store.contact_name(conn, message.contact_id)
                values = {"name": name or "", "phone": message.phone}
                person = await store.volunteer_by_phone(conn, message.phone)
        if person is None:
            return Known(values=values)
        rows = await store.signups_of_volunteer(conn, person.id)
    return Known(
        values={"name": person.name, "phone": person.phone, "languages": person.languages},
        shift_ids={r.shift_id for r in rows},
    )


async def cancel(ctx: Context, token: str, signup_id: int) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        person = await _mine(conn, token)
        row = await store.signup_of_volunteer(conn, person.id, signup_id)
        if row is None:
            raise NotFound()
        if row.status not in store.ACTIVE:
            return
        await store.lock_shift(conn, row.shift_id)
        await store.set_signup(conn, row.id, status="cancelled", updated_at=now)
        await move_up(conn, ctx, row.shift_id, now)
        await audit.record(
            conn, action="volunteers.cancelled", actor_id=None, target=f"event:{row.event_id}",
            volunteer=person.id,
        )  # fmt: skip


async def switch(ctx: Context, token: str, signup_id: int, shift_id: int) -> None:
    """Move a confirmed sign-up to another shift of the same event with a place free: the
    old place is given up only when the new one is had."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        person = await _mine(conn, token)
        row = await store.signup_of_volunteer(conn, person.id, signup_id)
        if row is None or row.status != "confirmed":
            raise NotFound()
        await store.lock_volunteer(conn, person.id)
        target = await store.lock_shift(conn, shift_id)
        if (
            target is None or target.event_id != row.event_id or target.status != "open"
            or target.starts_at <= now
        ):  # fmt: skip
            raise Invalid({"shift_id": _("Choose one of the options.")})
        if await store.confirmed_count(conn, shift_id) >= target.people_needed:
            raise Invalid({"shift_id": _("That shift is full now. Choose another one.")})
        clashes = await store.overlapping(
            conn, person.id, target.starts_at, target.ends_at, statuses=store.ACTIVE,
            exclude_signup_id=row.id,
        )  # fmt: skip
        if clashes:
            event = await access.load(conn, row.event_id, ctx.settings.tz)
            raise Invalid({"shift_id": overlap_message(clashes[0], event.tz, named=True)})
        await store.lock_shift(conn, row.shift_id)
        await store.set_signup(conn, row.id, status="cancelled", updated_at=now)
        await store.add_signup(
            conn, shift_id=shift_id, event_id=row.event_id, volunteer_id=person.id,
            status="confirmed", created_at=now, updated_at=now,
        )  # fmt: skip
        await move_up(conn, ctx, row.shift_id, now)
        await store.update_volunteer(
            conn, person.id, last_active_at=max(person.last_active_at, target.ends_at)
        )


async def update_details(ctx: Context, token: str, *, name: str, languages: str) -> None:
    async with ctx.db.transaction() as conn:
        person = await _mine(conn, token)
        await store.update_volunteer(
            conn, person.id, name=name, languages=languages, updated_at=clock.now()
        )


# What is kept ------------------------------------------------------------------------------


async def export(ctx: Context, token: str) -> dict[str, Any]:
    """Everything kept about the person, as they can download it."""
    async with ctx.db.read() as conn:
        person = await _mine(conn, token)
        rows = await store.signups_of_volunteer(
            conn, person.id, statuses=("confirmed", "waitlist", "cancelled")
        )
    return {
        "name": person.name,
        "phone": person.phone,
        "languages": person.languages,
        "language": person.language,
        "consent": {"source": person.consent_source, "at": person.consent_at.isoformat()},
        "created_at": person.created_at.isoformat(),
        "kept_until": (
            person.last_active_at + timedelta(days=30 * ctx.settings.contact_retention_months)
        ).isoformat(),
        "shifts": [
            {
                "event": row.event_title,
                "task": row.title,
                "starts_at": row.starts_at.isoformat(),
                "ends_at": row.ends_at.isoformat(),
                "status": row.status,
                "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None,
            }
            for row in rows
        ],
    }


async def delete(ctx: Context, token: str) -> None:
    """The person and their number are gone; their shifts to come are freed (and offered to
    the waitlist); shifts they did stay, without them, in the hours of the association."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        person = await _mine(conn, token)
        coming = [
            r.shift_id for r in await store.signups_of_volunteer(conn, person.id)
            if r.starts_at > now
        ]  # fmt: skip
        await store.delete_volunteers(conn, [person.id])
        for shift_id in coming:
            await move_up(conn, ctx, shift_id, now)
        await audit.record(conn, action="volunteers.deleted", actor_id=None, target="volunteer")


async def clean_up(db: Database, *, now: datetime, retention_months: int) -> int:
    """The worker's part: people with no shift for ``retention_months`` (since the end of
    their last one) are deleted, as unused contacts are."""
    before = now - timedelta(days=30 * retention_months)
    async with db.transaction() as conn:
        found = await store.inactive_volunteers(conn, before)
        await store.delete_volunteers(conn, found)
    return len(found)


# The personal calendar ---------------------------------------------------------------------


async def calendar(ctx: Context, token: str, *, name: str) -> Built:
    """The person's shifts (to come and of the last 90 days) as a calendar to subscribe to;
    cancelled ones stay as CANCELLED for a while, so calendar apps remove them."""
    now = clock.now()
    async with ctx.db.read() as conn:
        person = await _mine(conn, token)
        rows = await store.signups_of_volunteer(
            conn, person.id, statuses=("confirmed", "waitlist", "cancelled")
        )
        places = await store.places_of_events(conn, sorted({r.event_id for r in rows}))
    horizon = now - timedelta(days=ctx.settings.calendar_past_days)
    site = f"{ctx.settings.base_url}"
    host = site.split("://", 1)[-1].split("/", 1)[0] or "samspel"
    found = []
    for row in rows:
        if row.ends_at < horizon:
            continue
        place = places.get(row.event_id)
        cancelled = row.status == "cancelled" or row.shift_status == "cancelled"
        status = "CANCELLED" if cancelled else (
            "TENTATIVE" if row.status == "waitlist" else "CONFIRMED"
        )  # fmt: skip
        summary = f"{row.title} – {row.event_title}"
        if row.status == "waitlist":
            summary = _("Waitlist: %(title)s", title=summary)
        found.append(
            ical.Entry(
                uid=f"volunteer-signup-{row.id}@{host}",
                # Minutes since 1970 of the last change: grows with every change.
                sequence=int(max(row.updated_at, row.shift_updated_at).timestamp()) // 60,
                status=status,
                starts=row.starts_at,
                ends=row.ends_at,
                zone=place.timezone if place and place.timezone else ctx.settings.timezone,
                summary=summary,
                description=_("Your volunteer shift. See, change or cancel: %(link)s",
                              link=links.personal_link(ctx, person)),
                location=entries.location_text(place) if place else "",
                url=f"{site}/events/{row.event_id}",
                categories=(),
                organizer_name="",
                organizer_address="",
                created=row.created_at,
                modified=max(row.updated_at, row.shift_updated_at),
            )
        )  # fmt: skip
    body = ical.render(
        ical.Calendar(
            name=name, description="", zone=ctx.settings.timezone,
            refresh=timedelta(minutes=ctx.settings.calendar_refresh_minutes), entries=found,
        )
    )  # fmt: skip
    return Built.of(body, now)
