"""Moving an event through its workflow: submit, request changes, resubmit, approve into a
room and time, decline, withdraw, publish, cancel, complete. Every move is checked against
the one transition table (``workflow``), recorded with who, when and the comment, and told
to the people of the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, notify, series, store
from webapp.events.workflow import allowed
from webapp.i18n import _
from webapp.locations import store as location_store
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.rsvp import notices as rsvp_notices
from webapp.slots import bookings
from webapp.slots.rules import Rules, rules_for
from webapp.volunteers import tasks as volunteer_tasks


class BookingConflict(Exception):
    """The room is taken on some of the dates: ``conflicts`` names each and by what."""

    def __init__(self, conflicts: list[bookings.Conflict]) -> None:
        super().__init__(conflicts)
        self.conflicts = conflicts


@dataclass(frozen=True)
class Booking:
    room_id: int
    starts_at: datetime
    ends_at: datetime
    repeat_weeks: int | None = None
    repeat_until: object = None
    repeat_count: int | None = None
    capacity: int | None = None
    skip_conflicts: bool = False


async def move(ctx: Context, *, actor: Actor, event_id: int, action: str, comment: str = "") -> str:
    """Take ``action`` (anything but approve); returns the new state."""
    if action == "approve":
        raise ValueError("approve needs a booking: use approve()")
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        step = allowed(event.state, action, parties)
        if step is None:
            raise Forbidden()
        if step.needs in ("comment", "reason") and not comment.strip():
            raise Invalid({"comment": _("Write a few words for the partners.")})
        if action in ("submit", "resubmit"):
            rules = await rules_for(conn, event.library_id)
            hours = await opening_hours_of(conn, event)
            problems = submission_problems(event.row, rules, now, tz=event.tz, opening_hours=hours)
            if problems:
                raise Invalid(problems)
        extra: dict[str, object] = (
            {"submitted_at": now}
            if step.target == "submitted" and step.source != step.target
            else {}
        )
        if step.needs == "counter":
            extra.update(
                await _counter_answered(conn, event, accept=action == "accept_counter", now=now)
            )
        if not await store.move_state(
            conn, event_id, source=event.state, target=step.target, updated_at=now, **extra
        ):
            raise Invalid({"comment": _("Someone else changed the event just now. Reload it.")})
        if action == "cancel":
            # People who signed up hear it by SMS (calendars through SEQUENCE).
            await rsvp_notices.event_cancelled(conn, ctx, event, comment.strip(), now)
        await _after_move(conn, event, action, now)
        # Volunteers' shifts follow the dates (cancelled with the event, made on a counter-
        # proposal accepted), and their people hear it.
        await volunteer_tasks.follow_dates(conn, ctx, event, now, state=step.target)
        await _record(conn, event, actor, action, step.target, now, comment)
    return step.target


async def _counter_answered(
    conn: AsyncConnection, event: access.Event, *, accept: bool, now: datetime
) -> dict[str, object]:
    """The partners' answer to an open counter-proposal. Accepted, its dates are booked (the
    room checked again) and the event takes its room and time; declined, they are freed."""
    counter = [
        d for d in await store.occurrences_of(conn, event.id)
        if d.status == "counter" and d.hold_expires_at and d.hold_expires_at > now
    ]  # fmt: skip
    if not counter:
        raise Invalid({"comment": _("The library's proposal has expired or was withdrawn.")})
    if not accept:
        await store.release_occurrences(conn, event.id, ("counter",))
        return {}
    room_id = counter[0].room_id
    await bookings.lock_room(conn, room_id)
    rules = await rules_for(conn, event.library_id)
    found = await bookings.conflicts(
        conn,
        room_id=room_id,
        dates=[(d.starts_at, d.ends_at) for d in counter],
        buffer=rules.buffer,
        now=now,
        exclude_event_id=event.id,
    )
    if found:
        raise BookingConflict(found)
    room = await location_store.room_of_library(conn, event.library_id, room_id)
    await store.release_occurrences(conn, event.id, ("held", "scheduled"))
    await store.set_occurrences_status(
        conn, event.id, source=("counter",), target="scheduled", at=now
    )
    return {
        "room_id": room_id,
        "location_id": room.location_id if room is not None else event.row.location_id,
        "starts_at": counter[0].starts_at,
        "ends_at": counter[0].ends_at,
        "capacity": event.row.capacity or (room.capacity if room is not None else None),
        "sequence": event.row.sequence + 1,
        "slot_id": None,
    }


async def _dates_in_room(
    conn: AsyncConnection, event: access.Event, booking: Booking, now: datetime
) -> tuple[Row, list[tuple[datetime, datetime]], list[bookings.Conflict], Rules]:
    """The room (of this library, in use), every date the booking asks for, and which of
    them collide with other events' bookings (the room must already be locked)."""
    room = await location_store.room_of_library(conn, event.library_id, booking.room_id)
    if room is None or not room.is_active:
        raise Invalid({"room_id": _("Choose one of the options.")})
    if booking.ends_at <= booking.starts_at:
        raise Invalid({"ends_at": _("The end must be after the start.")})
    wanted = series.dates(
        booking.starts_at,
        booking.ends_at,
        event.tz,
        every_weeks=booking.repeat_weeks,
        until=booking.repeat_until,  # type: ignore[arg-type]
        count=booking.repeat_count,
    )
    rules = await rules_for(conn, event.library_id)
    found = await bookings.conflicts(
        conn,
        room_id=booking.room_id,
        dates=wanted,
        buffer=rules.buffer,
        now=now,
        exclude_event_id=event.id,
    )
    return room, wanted, found, rules


async def counter_propose(
    ctx: Context, *, actor: Actor, event_id: int, booking: Booking, comment: str = ""
) -> None:
    """Staff propose another room or time (every date of a series). It holds the room for
    the library's hold days while the partners answer."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await bookings.lock_room(conn, booking.room_id)
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        step = allowed(event.state, "counter_propose", parties)
        if step is None:
            raise Forbidden()
        _, wanted, found, rules = await _dates_in_room(conn, event, booking, now)
        if found:
            raise BookingConflict(found)
        await store.release_occurrences(conn, event_id, ("counter",))
        await store.add_occurrences(
            conn,
            series.occurrence_rows(
                event_id,
                booking.room_id,
                wanted,
                status="counter",
                now=now,
                hold_until=rules.hold_until(now),
            ),
        )
        await _record(conn, event, actor, "counter_propose", step.target, now, comment)


async def _after_move(
    conn: AsyncConnection, event: access.Event, action: str, now: datetime
) -> None:
    """Rooms follow the state: a withdrawn, declined or cancelled event frees its room;
    calendars see the change (SEQUENCE)."""
    if action in ("withdraw", "decline"):
        await store.release_occurrences(conn, event.id, ("held", "counter"))
    if action == "cancel":
        await store.release_occurrences(conn, event.id, ("held", "counter"))
        await store.set_occurrences_status(
            conn, event.id, source=("scheduled",), target="cancelled", at=now
        )
        await store.update_event(
            conn, event.id, expected_version=None, sequence=event.row.sequence + 1
        )


async def _record(
    conn: AsyncConnection,
    event: access.Event,
    actor: Actor,
    action: str,
    target: str,
    now: datetime,
    comment: str,
) -> None:
    await store.add_transition(
        conn,
        event_id=event.id,
        action=action,
        from_state=event.state,
        to_state=target,
        actor_id=actor.user_id,
        at=now,
        comment=comment.strip(),
    )
    await audit.record(
        conn,
        action=f"event.{action}",
        actor_id=actor.user_id,
        organisation_id=event.library_id,
        target=f"event:{event.id}",
        to_state=target,
    )
    await notify.transitioned(
        conn, event, actor=actor, action=action, at=now, target=target, comment=comment
    )


async def opening_hours_of(conn: AsyncConnection, event: access.Event) -> dict[str, list[str]]:
    if event.row.location_id is None:
        return {}
    location = await location_store.location(conn, event.library_id, event.row.location_id)
    return dict(location.opening_hours or {}) if location is not None else {}


def submission_problems(
    row: Row,
    rules: Rules,
    now: datetime,
    *,
    tz: ZoneInfo | None = None,
    opening_hours: Mapping[str, list[str]] | None = None,
) -> dict[str, str]:
    """What keeps a draft from being submitted, per field, with the library's reasons:
    what must be filled in, the minimum lead time, the maximum length, the location's
    opening hours and the library's own questions."""
    problems: dict[str, str] = {}
    if opening_hours and tz is not None and row.starts_at is not None and row.ends_at:
        problem = _outside_opening_hours(row.starts_at, row.ends_at, tz, opening_hours)
        if problem:
            problems["ends_at"] = problem
    for name in ("summary", "shared_goal"):
        if not getattr(row, name):
            problems[name] = _("Fill this in before you submit.")
    if not row.audiences:
        problems["audiences"] = _("Choose at least one audience before you submit.")
    if not row.languages:
        problems["languages"] = _("Choose at least one language before you submit.")
    if row.starts_at is None and not row.wished_times:
        problems["starts_at"] = _(
            "Choose an open slot, a date and time, or describe your wished times."
        )
    if row.starts_at is not None and row.ends_at is not None:
        if row.starts_at < now + timedelta(days=rules.min_lead_days):
            problems["starts_at"] = _(
                "The library needs at least %(days)d days' notice: choose a later date.",
                days=rules.min_lead_days,
            )
        minutes = (row.ends_at - row.starts_at).total_seconds() / 60
        if minutes > rules.max_length_minutes:
            problems["ends_at"] = _(
                "The library books events of at most %(minutes)d minutes.",
                minutes=rules.max_length_minutes,
            )
    answers = row.checklist or {}
    if any(answers.get(question) != "yes" for question in rules.checklist):
        problems["checklist"] = _(
            "Answer yes to each of the library's questions before you submit."
        )
    return problems


def agreement_problems(event: access.Event) -> dict[str, str]:
    """The first meeting's agreement, before approval: shared goal, each partner's role and
    contact person, resources, how invitations are divided, how success will be judged."""
    problems: dict[str, str] = {}
    agreement = event.row.agreement or {}
    if not event.row.shared_goal:
        problems["shared_goal"] = _("The partners have not written their shared goal yet.")
    for key in ("resources", "invitations", "success"):
        if not (agreement.get(key) or "").strip():
            problems[key] = _("This part of the agreement is still empty.")
    for partner in event.partners:
        if partner.status == "active" and (
            partner.contact_user_id is None or not (partner.contribution or {}).get("role_text")
        ):
            problems[f"partner-{partner.organisation_id}"] = _(
                "%(name)s has not named its contact person and role yet.", name=partner.name
            )
    return problems


async def approve(
    ctx: Context, *, actor: Actor, event_id: int, booking: Booking, comment: str = ""
) -> list[datetime]:
    """Approve the event into a room and time (every date of a series). Refused with the
    conflicting event named when the room is taken, even when two staff approve at once.
    Returns the starts of the dates that were skipped because of conflicts."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await bookings.lock_room(conn, booking.room_id)
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        step = allowed(event.state, "approve", parties)
        if step is None:
            raise Forbidden()
        problems = agreement_problems(event)
        if problems:
            raise Invalid(problems)
        room, wanted, found, _rules = await _dates_in_room(conn, event, booking, now)
        if found and (not booking.skip_conflicts or len(found) == len(wanted)):
            raise BookingConflict(found)
        skipped = {c.starts_at for c in found}
        if not await store.move_state(
            conn,
            event_id,
            source=event.state,
            target=step.target,
            updated_at=now,
            room_id=booking.room_id,
            location_id=room.location_id,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            repeat_weeks=booking.repeat_weeks,
            repeat_until=booking.repeat_until,
            repeat_count=booking.repeat_count,
            capacity=booking.capacity or room.capacity,
            sequence=event.row.sequence + 1,
        ):
            raise Invalid({"room_id": _("Someone else decided on this event just now. Reload it.")})
        await store.release_occurrences(conn, event_id, ("held", "counter", "scheduled"))
        await store.add_occurrences(
            conn,
            series.occurrence_rows(
                event_id,
                booking.room_id,
                wanted,
                status="scheduled",
                now=now,
                sequence=event.row.sequence + 1,
                skip=skipped,
            ),
        )
        # The partners' usual tasks (set-up, host, clear-up…) with a shift on every date.
        await volunteer_tasks.apply_templates(conn, ctx, event, now, state=step.target)
        await _record(conn, event, actor, "approve", step.target, now, comment)
    return sorted(skipped)


async def review_queue(
    ctx: Context,
    *,
    actor: Actor,
    library: Row,
    location_id: int | None = None,
    partner_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Row]:
    if not can(actor, "library.events.review", library):
        raise NotFound()
    async with ctx.db.read() as conn:
        return await store.review_queue(
            conn,
            library.id,
            location_id=location_id,
            partner_id=partner_id,
            start=start,
            end=end,
            now=clock.now(),
        )


@dataclass(frozen=True)
class QueueFilters:
    locations: list[Row]
    partners: list[Row]


async def queue_filters(ctx: Context, *, library_id: int) -> QueueFilters:
    """The choices of the review queue's filters: the library's locations and partners."""
    async with ctx.db.read() as conn:
        return QueueFilters(
            locations=await location_store.locations_of_library(conn, library_id),
            partners=await store.partner_organisations_of_library(conn, library_id),
        )


def _outside_opening_hours(
    starts_at: datetime, ends_at: datetime, tz: ZoneInfo, hours: Mapping[str, list[str]]
) -> str | None:
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = hours.get(str(start.weekday()))
    if day is None:
        return _("The location is closed on that day.")
    opens, closes = day
    if (
        start.strftime("%H:%M") < opens
        or end.date() != start.date()
        or end.strftime("%H:%M") > closes
    ):
        return _(
            "The location is open %(opens)s–%(closes)s that day: choose a time within it.",
            opens=opens,
            closes=closes,
        )
    return None
