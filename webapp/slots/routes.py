"""Pages for a library's program slots, closures and booking rules (admins change them, staff
see them), and the staff's week grid per location. Every form works without JavaScript."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.i18n.formatting import weekday_names
from webapp.problems import Invalid
from webapp.slots import availability, calendar, forms, policy, service
from webapp.web.forms import FormState
from webapp.web.routing import answers as _answers
from webapp.web.routing import app_context as _ctx
from webapp.web.routing import library_from_path as _library
from webapp.web.routing import path_id as _id
from webapp.web.templating import render

MAX_ID = forms.MAX_ID


def _back(request: Request, library: Row, route: str, what: str, **params: Any) -> Response:
    url = request.app.url_path_for(route, slug=library.slug, **params)
    return RedirectResponse(f"{url}?done={what}", status_code=303)


# Slots ---------------------------------------------------------------------------------------


@_answers
async def slots(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.view", library)
    items = await service.slots_by_location(_ctx(request), actor=actor, library=library)
    return render(
        request,
        "slots/list.html",
        {
            "org": library,
            "items": items,
            "done": request.query_params.get("done"),
            "weekdays": weekday_names(),
        },
    )


async def _slot_page(
    request: Request,
    library: Row,
    form: FormState,
    current: service.SlotView | None = None,
    exception_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    actor = request.state.actor
    keep = current.slot.room_id if current else None
    rooms = await service.rooms_to_choose(_ctx(request), actor=actor, library=library, keep=keep)
    return render(
        request,
        "slots/slot_form.html",
        {
            "org": library,
            "form": form,
            "current": current,
            "exception_form": exception_form or FormState(),
            "room_options": forms.room_options(rooms),
            "interval_options": forms.interval_options(),
            "weekdays": weekday_names(),
            "done": request.query_params.get("done"),
        },
        status_code=status_code,
    )


def _room_asked(request: Request) -> int | None:
    value = request.query_params.get("room", "")
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


@_answers
async def new_slot(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    if request.method == "GET":
        return await _slot_page(request, library, forms.new_slot(_room_asked(request)))
    form, values = forms.slot_form(await request.form())
    if form.ok:
        try:
            await service.create_slot(_ctx(request), actor=actor, library=library, values=values)
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _back(request, library, "slots", "slot-created")
    return await _slot_page(request, library, form, status_code=400)


@_answers
async def edit_slot(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    slot_id = _id(request, "slot_id")
    ctx = _ctx(request)
    current = await service.slot(ctx, actor=actor, library=library, slot_id=slot_id)
    if request.method == "GET":
        return await _slot_page(request, library, forms.existing_slot(current.slot), current)
    form, values = forms.slot_form(await request.form())
    if form.ok:
        try:
            await service.update_slot(
                ctx, actor=actor, library=library, slot_id=slot_id, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _back(request, library, "slots", "slot-saved")
    return await _slot_page(request, library, form, current, status_code=400)


@_answers
async def delete_slot(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    await service.delete_slot(
        _ctx(request), actor=actor, library=library, slot_id=_id(request, "slot_id")
    )
    return _back(request, library, "slots", "slot-deleted")


@_answers
async def add_slot_exception(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    slot_id = _id(request, "slot_id")
    ctx = _ctx(request)
    current = await service.slot(ctx, actor=actor, library=library, slot_id=slot_id)
    form, on_date = forms.exception_form(await request.form())
    if form.ok and on_date is not None:
        try:
            await service.add_exception(
                ctx, actor=actor, library=library, slot_id=slot_id, on_date=on_date
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _back(request, library, "edit_slot", "exception-added", slot_id=slot_id)
    return await _slot_page(
        request,
        library,
        forms.existing_slot(current.slot),
        current,
        exception_form=form,
        status_code=400,
    )


@_answers
async def delete_slot_exception(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    slot_id = _id(request, "slot_id")
    await service.remove_exception(
        _ctx(request),
        actor=actor,
        library=library,
        slot_id=slot_id,
        exception_id=_id(request, "exception_id"),
    )
    return _back(request, library, "edit_slot", "exception-removed", slot_id=slot_id)


# Closures ------------------------------------------------------------------------------------


@_answers
async def closures(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.view", library)
    items = await service.closures(_ctx(request), actor=actor, library=library)
    return render(
        request,
        "slots/closures.html",
        {"org": library, "items": items, "done": request.query_params.get("done")},
    )


@_answers
async def new_closure(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    ctx = _ctx(request)
    form = forms.new_closure()
    if request.method == "POST":
        form, values = forms.closure_form(await request.form())
        if form.ok:
            try:
                await service.add_closure(ctx, actor=actor, library=library, values=values)
            except Invalid as exc:
                form.errors.update(exc.errors)
            else:
                return _back(request, library, "closures", "closure-added")
    places = await service.locations(ctx, actor=actor, library=library)
    return render(
        request,
        "slots/closure_form.html",
        {"org": library, "form": form, "places": places, "everywhere": forms.EVERYWHERE},
        status_code=200 if request.method == "GET" else 400,
    )


@_answers
async def delete_closure(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.manage", library)
    await service.remove_closure(
        _ctx(request), actor=actor, library=library, closure_id=_id(request, "closure_id")
    )
    return _back(request, library, "closures", "closure-removed")


# Rules ---------------------------------------------------------------------------------------


@_answers
async def library_rules(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.rules.manage", library)
    ctx = _ctx(request)
    if request.method == "GET":
        rules = await policy.library_rules(ctx, actor=actor, library=library)
        form = forms.existing_rules(rules)
    else:
        form, values = forms.rules_form(await request.form())
        if form.ok:
            try:
                await policy.update_rules(ctx, actor=actor, library=library, values=values)
            except Invalid as exc:
                form.errors.update(exc.errors)
            else:
                return _back(request, library, "library_rules", "rules-saved")
    return render(
        request,
        "slots/rules.html",
        {
            "org": library,
            "form": form,
            "limits": policy.LIMITS,
            "max_questions": policy.MAX_QUESTIONS,
            "question_length": policy.QUESTION_LENGTH,
            "done": request.query_params.get("done"),
        },
        status_code=200 if request.method == "GET" or form.ok else 400,
    )


# The week grid -------------------------------------------------------------------------------


@_answers
async def location_week(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.slots.view", library)
    ctx = _ctx(request)
    current = availability.this_week(ctx, library)
    asked = request.query_params.get("week")
    monday = current if asked is None else calendar.parse_iso_week(asked)
    if monday is None:
        raise HTTPException(status_code=400)
    grid = await availability.week_grid(
        ctx, actor=actor, library=library, location_id=_id(request, "location_id"), monday=monday
    )
    return render(
        request,
        "slots/week.html",
        {
            "org": library,
            "grid": grid,
            "sunday": grid.monday + timedelta(days=6),
            "is_this_week": grid.monday == current,
            "weekdays": weekday_names(),
        },
    )


LIBRARY = "/orgs/{slug}"
SLOT = LIBRARY + "/slots/{slot_id:int}"
FORM = ["GET", "POST"]

routes = [
    Route(LIBRARY + "/slots", slots, name="slots"),
    Route(LIBRARY + "/slots/new", new_slot, methods=FORM, name="new_slot"),
    Route(SLOT + "/edit", edit_slot, methods=FORM, name="edit_slot"),
    Route(SLOT + "/delete", delete_slot, methods=["POST"], name="delete_slot"),
    Route(SLOT + "/exceptions", add_slot_exception, methods=["POST"], name="add_slot_exception"),
    Route(
        SLOT + "/exceptions/{exception_id:int}/delete",
        delete_slot_exception,
        methods=["POST"],
        name="delete_slot_exception",
    ),
    Route(LIBRARY + "/closures", closures, name="closures"),
    Route(LIBRARY + "/closures/new", new_closure, methods=FORM, name="new_closure"),
    Route(
        LIBRARY + "/closures/{closure_id:int}/delete",
        delete_closure,
        methods=["POST"],
        name="delete_closure",
    ),
    Route(LIBRARY + "/rules", library_rules, methods=FORM, name="library_rules"),
    Route(LIBRARY + "/locations/{location_id:int}/week", location_week, name="location_week"),
]
