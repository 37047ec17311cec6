"""Rules for program slots, their exception dates and the library's closures: library admins
publish, change and remove them; the library's staff see them. A slot, room, location or
closure of another library is NotFound, always.

What is free when (open windows, the week grid) is in ``webapp.slots.availability``; the
library's booking rules page in ``webapp.slots.policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _, ngettext
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.slots import store
from webapp.slots.availability import library_zone
from webapp.slots.calendar import Slot, happens_on

MAX_INTERVAL_WEEKS = 4
# A repeating slot ends at most this long after its first date, a closure lasts at most this.
MAX_SPAN = timedelta(days=731)
NOTE_LENGTH = 200
REASON_LENGTH = 200


@dataclass(frozen=True)
class SlotView:
    """A slot (with ``room_name``, ``location_id``, ``location_name``) and its exception
    dates."""

    slot: Row
    exceptions: list[Row]

    @property
    def recurring(self) -> bool:
        return self.slot.interval_weeks > 0


@dataclass(frozen=True)
class LocationSlots:
    location: Row
    slots: list[SlotView]


# Reading -------------------------------------------------------------------------------------


async def slots_by_location(ctx: Context, *, actor: Actor, library: Row) -> list[LocationSlots]:
    """Every location of the library with its slots (by room, then date) and their exception
    dates, in three queries however many there are."""
    _require(actor, "library.slots.view", library)
    async with ctx.db.read() as conn:
        places = await store.locations_of_library(conn, library.id)
        slots = await store.slots_of_library(conn, library.id)
        exceptions = await store.exceptions_of_library(conn, library.id)
    by_slot: dict[int, list[Row]] = {}
    for row in exceptions:
        by_slot.setdefault(row.slot_id, []).append(row)
    by_location: dict[int, list[SlotView]] = {}
    for row in slots:
        by_location.setdefault(row.location_id, []).append(SlotView(row, by_slot.get(row.id, [])))
    return [LocationSlots(place, by_location.get(place.id, [])) for place in places]


async def slot(ctx: Context, *, actor: Actor, library: Row, slot_id: int) -> SlotView:
    _require(actor, "library.slots.view", library)
    async with ctx.db.read() as conn:
        found = await _slot(conn, library, slot_id)
        exceptions = await store.exceptions_of_library(conn, library.id, slot_id=slot_id)
    return SlotView(found, exceptions)


async def rooms_to_choose(
    ctx: Context, *, actor: Actor, library: Row, keep: int | None = None
) -> list[Row]:
    """The rooms a slot may be published in: those in use at locations in use, and ``keep``
    (the slot's own room) whatever its state. With ``location_name``."""
    _require(actor, "library.slots.view", library)
    async with ctx.db.read() as conn:
        found = await store.rooms_of_library(conn, library.id)
    return [r for r in found if (r.is_active and r.location_is_active) or r.id == keep]


async def closures(ctx: Context, *, actor: Actor, library: Row) -> list[Row]:
    """The library's closures that end today or later in its time zone, by first date (with
    ``location_name``, None when library-wide)."""
    _require(actor, "library.slots.view", library)
    today = clock.now().astimezone(library_zone(ctx, library)).date()
    async with ctx.db.read() as conn:
        return await store.closures_of_library(conn, library.id, start=today)


async def locations(ctx: Context, *, actor: Actor, library: Row) -> list[Row]:
    """(id, name, is_active) of the library's locations, for the closure form."""
    _require(actor, "library.slots.view", library)
    async with ctx.db.read() as conn:
        return await store.locations_of_library(conn, library.id)


# Slots ---------------------------------------------------------------------------------------


async def create_slot(
    ctx: Context, *, actor: Actor, library: Row, values: Mapping[str, Any]
) -> int:
    """Publish a slot. ``values``: room_id, interval_weeks (0 once, N every N weeks),
    first_date, until_date (required when repeating), start_time, end_time, note."""
    _require(actor, "library.slots.manage", library)
    clean = clean_slot(values)
    async with ctx.db.transaction() as conn:
        await _bookable_room(conn, library, clean["room_id"])
        slot_id = await store.create_slot(conn, created_by=actor.user_id, at=clock.now(), **clean)
        await _audit(conn, actor, library, "slot.created", f"slot:{slot_id}", **_json(clean))
    return slot_id


async def update_slot(
    ctx: Context, *, actor: Actor, library: Row, slot_id: int, values: Mapping[str, Any]
) -> None:
    """Change a slot. Dates already booked through it keep their time and room."""
    _require(actor, "library.slots.manage", library)
    clean = clean_slot(values)
    async with ctx.db.transaction() as conn:
        current = await _slot(conn, library, slot_id)
        await _bookable_room(conn, library, clean["room_id"], keep=current.room_id)
        await store.update_slot(conn, slot_id, **clean)
        await _audit(conn, actor, library, "slot.updated", f"slot:{slot_id}", **_json(clean))


async def delete_slot(ctx: Context, *, actor: Actor, library: Row, slot_id: int) -> None:
    """Remove a slot and its exception dates. Dates already booked through it stay booked."""
    _require(actor, "library.slots.manage", library)
    async with ctx.db.transaction() as conn:
        current = await _slot(conn, library, slot_id)
        await store.delete_slot(conn, slot_id)
        await _audit(
            conn, actor, library, "slot.deleted", f"slot:{slot_id}", room_id=current.room_id
        )


async def add_exception(
    ctx: Context, *, actor: Actor, library: Row, slot_id: int, on_date: date
) -> int:
    """Skip one date of a repeating slot (a holiday, the room lent to someone else)."""
    _require(actor, "library.slots.manage", library)
    try:
        async with ctx.db.transaction() as conn:
            current = await _slot(conn, library, slot_id)
            if current.interval_weeks == 0:
                raise Invalid(
                    {"on_date": _("Only a repeating slot skips dates. Delete a one-off slot.")}
                )
            if not happens_on(Slot.of(current), on_date):
                raise Invalid({"on_date": _("The slot does not happen on this date.")})
            taken = await store.exceptions_of_library(conn, library.id, slot_id=slot_id)
            if any(row.on_date == on_date for row in taken):
                raise Invalid({"on_date": _already_skipped()})
            exception_id = await store.add_exception(conn, slot_id, on_date)
            await _audit(
                conn,
                actor,
                library,
                "slot.exception_added",
                f"slot:{slot_id}",
                on_date=on_date.isoformat(),
            )
    except IntegrityError as exc:  # two admins adding the same date at once
        if "uq_slot_exceptions_slot_date" in str(exc.orig) or "on_date" in str(exc.orig):
            raise Invalid({"on_date": _already_skipped()}) from None
        raise
    return exception_id


async def remove_exception(
    ctx: Context, *, actor: Actor, library: Row, slot_id: int, exception_id: int
) -> None:
    _require(actor, "library.slots.manage", library)
    async with ctx.db.transaction() as conn:
        await _slot(conn, library, slot_id)
        if not await store.delete_exception(conn, slot_id, exception_id):
            raise NotFound()
        await _audit(
            conn,
            actor,
            library,
            "slot.exception_removed",
            f"slot:{slot_id}",
            exception_id=exception_id,
        )


# Closures ------------------------------------------------------------------------------------


async def add_closure(
    ctx: Context, *, actor: Actor, library: Row, values: Mapping[str, Any]
) -> int:
    """Close the library (``location_id`` None) or one location from ``first_date`` to
    ``last_date`` (both included) for ``reason``. No slot is open on those days."""
    _require(actor, "library.slots.manage", library)
    clean = clean_closure(values)
    async with ctx.db.transaction() as conn:
        if clean["location_id"] is not None:
            if await store.location(conn, library.id, clean["location_id"]) is None:
                raise NotFound()
        closure_id = await store.add_closure(
            conn, library_id=library.id, created_by=actor.user_id, at=clock.now(), **clean
        )
        await _audit(conn, actor, library, "closure.added", f"closure:{closure_id}", **_json(clean))
    return closure_id


async def remove_closure(ctx: Context, *, actor: Actor, library: Row, closure_id: int) -> None:
    _require(actor, "library.slots.manage", library)
    async with ctx.db.transaction() as conn:
        if await store.closure(conn, library.id, closure_id) is None:
            raise NotFound()
        await store.delete_closure(conn, closure_id)
        await _audit(conn, actor, library, "closure.removed", f"closure:{closure_id}")


# Helpers -------------------------------------------------------------------------------------


def _require(actor: Actor, action: str, library: Row) -> None:
    if getattr(library, "kind", None) != "library":
        raise NotFound()
    if not can(actor, action, library):
        raise Forbidden()


async def _slot(conn: AsyncConnection, library: Row, slot_id: int) -> Row:
    found = await store.slot(conn, library.id, slot_id)
    if found is None:
        raise NotFound()
    return found


async def _bookable_room(
    conn: AsyncConnection, library: Row, room_id: int, keep: int | None = None
) -> Row:
    """The library's room; NotFound for another library's. A room (or location) not in use
    takes no new slots, but a slot may stay in the room it has."""
    found = await store.room(conn, library.id, room_id)
    if found is None:
        raise NotFound()
    if not (found.is_active and found.location_is_active) and found.id != keep:
        raise Invalid({"room_id": _("This room is not in use. Choose another room.")})
    return found


async def _audit(
    conn: AsyncConnection, actor: Actor, library: Row, action: str, target: str, **details: Any
) -> None:
    await audit.record(
        conn,
        action=action,
        actor_id=actor.user_id,
        organisation_id=library.id,
        target=target,
        **details,
    )


def _json(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | time) else v for k, v in values.items()}


def _already_skipped() -> str:
    return _("This date is skipped already.")


def _too_long(maximum: int) -> str:
    return ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", maximum)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_slot(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rules every slot keeps, however it is made (form, demo, later the API)."""
    errors: dict[str, str] = {}
    room_id, interval = values.get("room_id"), values.get("interval_weeks")
    if isinstance(interval, bool):
        interval = None
    first, until = values.get("first_date"), values.get("until_date")
    start, end = values.get("start_time"), values.get("end_time")
    note = str(values.get("note") or "").strip()
    if not _is_int(room_id):
        errors["room_id"] = _("Choose a room.")
    if not isinstance(interval, int) or not 0 <= interval <= MAX_INTERVAL_WEEKS:
        errors["interval_weeks"] = _("Choose one of the options.")
    if not isinstance(first, date):
        errors["first_date"] = _("Enter a date like 2026-11-30.")
    if until is not None and not isinstance(until, date):
        errors["until_date"] = _("Enter a date like 2026-11-30.")
    elif interval and until is None:
        errors["until_date"] = _("Enter the last date of a repeating slot.")
    elif interval and isinstance(first, date) and isinstance(until, date):
        if until < first:
            errors["until_date"] = _("The last date cannot be before the first date.")
        elif until - first > MAX_SPAN:
            errors["until_date"] = _("Choose a last date at most two years after the first.")
    for key, value in (("start_time", start), ("end_time", end)):
        if not isinstance(value, time):
            errors[key] = _("Enter a time like 18:30.")
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        errors["end_time"] = _("The end must be after the start, on the same day.")
    if len(note) > NOTE_LENGTH:
        errors["note"] = _too_long(NOTE_LENGTH)
    if errors:
        raise Invalid(errors)
    return {
        "room_id": room_id,
        "interval_weeks": interval,
        "first_date": first,
        # A one-off slot has no last date, whatever was typed there.
        "until_date": until if interval else None,
        "start_time": start,
        "end_time": end,
        "note": note,
    }


def clean_closure(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    location_id = values.get("location_id")
    first, last = values.get("first_date"), values.get("last_date")
    reason = str(values.get("reason") or "").strip()
    if location_id is not None and not _is_int(location_id):
        errors["location_id"] = _("Choose one of the options.")
    for key, value in (("first_date", first), ("last_date", last)):
        if not isinstance(value, date):
            errors[key] = _("Enter a date like 2026-11-30.")
    if isinstance(first, date) and isinstance(last, date):
        if last < first:
            errors["last_date"] = _("The last date cannot be before the first date.")
        elif last - first > MAX_SPAN:
            errors["last_date"] = _("A closure can last at most two years.")
    if not reason:
        errors["reason"] = _("This field is required.")
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = _too_long(REASON_LENGTH)
    if errors:
        raise Invalid(errors)
    return {"location_id": location_id, "first_date": first, "last_date": last, "reason": reason}
