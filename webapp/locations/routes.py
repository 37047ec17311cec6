"""Pages for a library's locations and rooms: the list (staff and admins), and the forms to
add, edit and take out of use (admins). Every form works without JavaScript."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.i18n.formatting import weekday_names
from webapp.locations import forms, service, vocabulary
from webapp.problems import Invalid
from webapp.web.forms import FormState
from webapp.web.routing import answers as _answers
from webapp.web.routing import app_context as _ctx
from webapp.web.routing import library_from_path as _library
from webapp.web.routing import path_id as _id
from webapp.web.templating import render


def _done(request: Request, library: Row, what: str) -> RedirectResponse:
    url = request.app.url_path_for("locations", slug=library.slug)
    return RedirectResponse(f"{url}?done={what}", status_code=303)


async def _active_choice(request: Request) -> bool:
    value = (await request.form()).get("active")
    if value not in ("0", "1"):
        raise HTTPException(status_code=400)
    return value == "1"


def _vocabulary() -> dict[str, Any]:
    return {
        "accessibility_labels": vocabulary.accessibility_labels(),
        "equipment_labels": vocabulary.equipment_labels(),
        "country_labels": vocabulary.country_labels(),
        "weekdays": weekday_names(),
    }


# The list ------------------------------------------------------------------------------------


@_answers
async def locations(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.view", library)
    items = await service.locations_with_rooms(_ctx(request), actor=actor, library=library)
    return render(
        request,
        "locations/list.html",
        {"org": library, "items": items, "done": request.query_params.get("done"), **_vocabulary()},
    )


# Locations -----------------------------------------------------------------------------------


def _location_page(
    request: Request,
    library: Row,
    form: FormState,
    location: Row | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "locations/location_form.html",
        {"org": library, "form": form, "location": location, **_vocabulary()},
        status_code=status_code,
    )


@_answers
async def new_location(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    if request.method == "GET":
        return _location_page(request, library, forms.new_location(library.country))
    form, values = forms.location_form(await request.form())
    if form.ok:
        try:
            await service.create_location(
                _ctx(request), actor=actor, library=library, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _done(request, library, "location-created")
    return _location_page(request, library, form, status_code=400)


@_answers
async def edit_location(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    location_id = _id(request, "location_id")
    ctx = _ctx(request)
    current = await service.location(ctx, actor=actor, library=library, location_id=location_id)
    if request.method == "GET":
        return _location_page(request, library, forms.existing_location(current), current)
    form, values = forms.location_form(await request.form())
    if form.ok:
        try:
            await service.update_location(
                ctx, actor=actor, library=library, location_id=location_id, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _done(request, library, "location-saved")
    return _location_page(request, library, form, current, status_code=400)


@_answers
async def location_active(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    active = await _active_choice(request)
    await service.set_location_active(
        _ctx(request),
        actor=actor,
        library=library,
        location_id=_id(request, "location_id"),
        active=active,
    )
    return _done(request, library, "location-reactivated" if active else "location-deactivated")


# Rooms ---------------------------------------------------------------------------------------


def _room_page(
    request: Request,
    library: Row,
    location: Row,
    form: FormState,
    room: Row | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "locations/room_form.html",
        {"org": library, "location": location, "room": room, "form": form, **_vocabulary()},
        status_code=status_code,
    )


@_answers
async def new_room(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    location_id = _id(request, "location_id")
    ctx = _ctx(request)
    location = await service.location(ctx, actor=actor, library=library, location_id=location_id)
    if request.method == "GET":
        return _room_page(request, library, location, forms.new_room())
    form, values = forms.room_form(await request.form())
    if form.ok:
        try:
            await service.create_room(
                ctx, actor=actor, library=library, location_id=location_id, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _done(request, library, "room-created")
    return _room_page(request, library, location, form, status_code=400)


@_answers
async def edit_room(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    location_id, room_id = _id(request, "location_id"), _id(request, "room_id")
    ctx = _ctx(request)
    current = await service.room(
        ctx, actor=actor, library=library, location_id=location_id, room_id=room_id
    )
    location = await service.location(ctx, actor=actor, library=library, location_id=location_id)
    if request.method == "GET":
        return _room_page(request, library, location, forms.existing_room(current), current)
    form, values = forms.room_form(await request.form())
    if form.ok:
        try:
            await service.update_room(
                ctx,
                actor=actor,
                library=library,
                location_id=location_id,
                room_id=room_id,
                values=values,
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _done(request, library, "room-saved")
    return _room_page(request, library, location, form, current, status_code=400)


@_answers
async def room_active(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.locations.manage", library)
    active = await _active_choice(request)
    await service.set_room_active(
        _ctx(request),
        actor=actor,
        library=library,
        location_id=_id(request, "location_id"),
        room_id=_id(request, "room_id"),
        active=active,
    )
    return _done(request, library, "room-reactivated" if active else "room-deactivated")


BASE = "/orgs/{slug}/locations"
LOCATION = BASE + "/{location_id:int}"
ROOM = LOCATION + "/rooms/{room_id:int}"
FORM = ["GET", "POST"]

routes = [
    Route(BASE, locations, name="locations"),
    Route(BASE + "/new", new_location, methods=FORM, name="new_location"),
    Route(LOCATION + "/edit", edit_location, methods=FORM, name="edit_location"),
    Route(LOCATION + "/active", location_active, methods=["POST"], name="location_active"),
    Route(LOCATION + "/rooms/new", new_room, methods=FORM, name="new_room"),
    Route(ROOM + "/edit", edit_room, methods=FORM, name="edit_room"),
    Route(ROOM + "/active", room_active, methods=["POST"], name="room_active"),
]
