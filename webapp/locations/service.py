"""Rules for locations and rooms: library admins add, edit and take them out of use; the
library's staff see them. A location or room of another library is NotFound, always."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _
from webapp.locations import store
from webapp.locations.vocabulary import ACCESSIBILITY, COUNTRIES, EQUIPMENT
from webapp.problems import Forbidden, Invalid, NotFound

MIN_CAPACITY = 1
MAX_CAPACITY = 10_000
LOCATION_FIELDS = ("name", "street", "postal_code", "city", "country", "directions")
ROOM_FIELDS = ("name", "capacity", "accessibility", "equipment", "notes")


@dataclass(frozen=True)
class LocationWithRooms:
    location: Row
    rooms: list[Row]


# Reading -------------------------------------------------------------------------------------


async def locations_with_rooms(
    ctx: Context, *, actor: Actor, library: Row
) -> list[LocationWithRooms]:
    """Every location of the library with its rooms, in two queries however many there are."""
    _require(actor, "library.locations.view", library)
    async with ctx.db.read() as conn:
        found = await store.locations_of_library(conn, library.id)
        all_rooms = await store.rooms_of_library(conn, library.id)
    by_location: dict[int, list[Row]] = {}
    for room_row in all_rooms:
        by_location.setdefault(room_row.location_id, []).append(room_row)
    return [
        LocationWithRooms(
            location=row,
            rooms=sorted(by_location.get(row.id, []), key=lambda r: r.name.casefold()),
        )
        for row in sorted(found, key=lambda r: r.name.casefold())
    ]


async def location(ctx: Context, *, actor: Actor, library: Row, location_id: int) -> Row:
    _require(actor, "library.locations.view", library)
    async with ctx.db.read() as conn:
        return await _location(conn, library, location_id)


async def room(ctx: Context, *, actor: Actor, library: Row, location_id: int, room_id: int) -> Row:
    """The room, with ``location_name``."""
    _require(actor, "library.locations.view", library)
    async with ctx.db.read() as conn:
        return await _room(conn, library, location_id, room_id)


# Locations -----------------------------------------------------------------------------------


async def create_location(
    ctx: Context, *, actor: Actor, library: Row, values: Mapping[str, Any]
) -> int:
    _require(actor, "library.locations.manage", library)
    clean = _location_values(values)
    try:
        async with ctx.db.transaction() as conn:
            await _check_location_name(conn, library.id, clean["name"])
            location_id = await store.create_location(
                conn, library_id=library.id, at=clock.now(), **clean
            )
            await audit.record(
                conn,
                action="location.created",
                actor_id=actor.user_id,
                organisation_id=library.id,
                target=f"location:{location_id}",
                name=clean["name"],
            )
    except IntegrityError as exc:
        raise _duplicate_or(
            exc, "uq_locations_library_name", "locations.name", _location_name_taken()
        ) from None
    return location_id


async def update_location(
    ctx: Context, *, actor: Actor, library: Row, location_id: int, values: Mapping[str, Any]
) -> None:
    _require(actor, "library.locations.manage", library)
    clean = _location_values(values)
    try:
        async with ctx.db.transaction() as conn:
            await _location(conn, library, location_id)
            await _check_location_name(conn, library.id, clean["name"], location_id)
            await store.update_location(conn, location_id, **clean)
            await audit.record(
                conn,
                action="location.updated",
                actor_id=actor.user_id,
                organisation_id=library.id,
                target=f"location:{location_id}",
                name=clean["name"],
            )
    except IntegrityError as exc:
        raise _duplicate_or(
            exc, "uq_locations_library_name", "locations.name", _location_name_taken()
        ) from None


async def set_location_active(
    ctx: Context, *, actor: Actor, library: Row, location_id: int, active: bool
) -> None:
    """Take a location out of use (its rooms with it, for booking) or put it back."""
    _require(actor, "library.locations.manage", library)
    async with ctx.db.transaction() as conn:
        await _location(conn, library, location_id)
        await store.update_location(conn, location_id, is_active=active)
        await audit.record(
            conn,
            action="location.reactivated" if active else "location.deactivated",
            actor_id=actor.user_id,
            organisation_id=library.id,
            target=f"location:{location_id}",
        )


# Rooms ---------------------------------------------------------------------------------------


async def create_room(
    ctx: Context, *, actor: Actor, library: Row, location_id: int, values: Mapping[str, Any]
) -> int:
    _require(actor, "library.locations.manage", library)
    clean = _room_values(values)
    try:
        async with ctx.db.transaction() as conn:
            await _location(conn, library, location_id)
            await _check_room_name(conn, location_id, clean["name"])
            room_id = await store.create_room(
                conn, location_id=location_id, at=clock.now(), **clean
            )
            await audit.record(
                conn,
                action="room.created",
                actor_id=actor.user_id,
                organisation_id=library.id,
                target=f"room:{room_id}",
                name=clean["name"],
                location_id=location_id,
            )
    except IntegrityError as exc:
        raise _duplicate_or(
            exc, "uq_rooms_location_name", "rooms.name", _room_name_taken()
        ) from None
    return room_id


async def update_room(
    ctx: Context,
    *,
    actor: Actor,
    library: Row,
    location_id: int,
    room_id: int,
    values: Mapping[str, Any],
) -> None:
    _require(actor, "library.locations.manage", library)
    clean = _room_values(values)
    try:
        async with ctx.db.transaction() as conn:
            await _room(conn, library, location_id, room_id)
            await _check_room_name(conn, location_id, clean["name"], room_id)
            await store.update_room(conn, room_id, **clean)
            await audit.record(
                conn,
                action="room.updated",
                actor_id=actor.user_id,
                organisation_id=library.id,
                target=f"room:{room_id}",
                name=clean["name"],
            )
    except IntegrityError as exc:
        raise _duplicate_or(
            exc, "uq_rooms_location_name", "rooms.name", _room_name_taken()
        ) from None


async def set_room_active(
    ctx: Context, *, actor: Actor, library: Row, location_id: int, room_id: int, active: bool
) -> None:
    _require(actor, "library.locations.manage", library)
    async with ctx.db.transaction() as conn:
        await _room(conn, library, location_id, room_id)
        await store.update_room(conn, room_id, is_active=active)
        await audit.record(
            conn,
            action="room.reactivated" if active else "room.deactivated",
            actor_id=actor.user_id,
            organisation_id=library.id,
            target=f"room:{room_id}",
        )


# Helpers -------------------------------------------------------------------------------------


def _require(actor: Actor, action: str, library: Row) -> None:
    if getattr(library, "kind", None) != "library":
        raise NotFound()
    if not can(actor, action, library):
        raise Forbidden()


async def _location(conn: AsyncConnection, library: Row, location_id: int) -> Row:
    found = await store.location(conn, library.id, location_id)
    if found is None:
        raise NotFound()
    return found


async def _room(conn: AsyncConnection, library: Row, location_id: int, room_id: int) -> Row:
    found = await store.room(conn, library.id, location_id, room_id)
    if found is None:
        raise NotFound()
    return found


def _taken(rows: list[Row], name: str, except_id: int | None) -> bool:
    wanted = name.casefold()
    return any(r.name.casefold() == wanted and r.id != except_id for r in rows)


async def _check_location_name(
    conn: AsyncConnection, library_id: int, name: str, except_id: int | None = None
) -> None:
    if _taken(await store.location_names(conn, library_id), name, except_id):
        raise Invalid({"name": _location_name_taken()})


async def _check_room_name(
    conn: AsyncConnection, location_id: int, name: str, except_id: int | None = None
) -> None:
    if _taken(await store.room_names(conn, location_id), name, except_id):
        raise Invalid({"name": _room_name_taken()})


def _location_name_taken() -> str:
    return _("The library already has a location with this name. Choose another name.")


def _room_name_taken() -> str:
    return _("This location already has a room with this name. Choose another name.")


def _duplicate_or(exc: IntegrityError, constraint: str, column: str, message: str) -> Exception:
    """Two admins saving the same name at once: the unique constraint said no. PostgreSQL
    names the constraint; SQLite names the columns."""
    said = str(exc.orig)
    return Invalid({"name": message}) if constraint in said or column in said else exc


def _location_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rules every location keeps, however it is created (form, demo, later the API)."""
    clean: dict[str, Any] = {key: str(values.get(key) or "").strip() for key in LOCATION_FIELDS}
    clean["country"] = clean["country"].upper()
    clean["opening_hours"] = dict(values.get("opening_hours") or {})
    errors = {
        key: _("This field is required.")
        for key in ("name", "street", "postal_code", "city")
        if not clean[key]
    }
    if clean["country"] not in COUNTRIES:
        errors["country"] = _("Choose one of the options.")
    for day, hours in clean["opening_hours"].items():
        if (
            day not in {str(d) for d in range(7)}
            or not isinstance(hours, list | tuple)
            or len(hours) != 2
            or not all(isinstance(h, str) and len(h) == 5 for h in hours)
            or hours[0] >= hours[1]
        ):
            errors[f"hours_{day}_close"] = _("Closing must be after opening.")
    if errors:
        raise Invalid(errors)
    return clean


def _room_values(values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    capacity = values.get("capacity")
    if (
        not isinstance(capacity, int)
        or isinstance(capacity, bool)
        or not (MIN_CAPACITY <= capacity <= MAX_CAPACITY)
    ):
        errors["capacity"] = _(
            "Enter a number from %(minimum)d to %(maximum)d.",
            minimum=MIN_CAPACITY,
            maximum=MAX_CAPACITY,
        )
    chosen = {}
    for key, allowed in (("accessibility", ACCESSIBILITY), ("equipment", EQUIPMENT)):
        codes = list(values.get(key) or [])
        if any(code not in allowed for code in codes):
            errors[key] = _("Choose among the listed options.")
        chosen[key] = [code for code in allowed if code in codes]
    if errors:
        raise Invalid(errors)
    return {
        "name": name,
        "capacity": capacity,
        **chosen,
        "notes": str(values.get("notes") or "").strip(),
    }
