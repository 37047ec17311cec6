"""One date of a booked event: cancel it, move it, or restore it when cancelled. Thin
handlers: parse, call one service in ``webapp.events.dates``, render or redirect."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize, current_actor
from webapp.events import dates, review
from webapp.events.forms import local_span
from webapp.i18n import _
from webapp.problems import Invalid
from webapp.web import routing
from webapp.web.forms import FormState
from webapp.web.templating import render

ACTIONS = ("cancel", "move", "restore")


@routing.answers
async def event_date(request: Request) -> Response:
    authorize(request, "account.manage")
    actor = current_actor(request)
    ctx = routing.app_context(request)
    event_id = routing.path_id(request, "event_id")
    occurrence_id = routing.path_id(request, "occurrence_id")
    page = await dates.date_page(ctx, actor=actor, event_id=event_id, occurrence_id=occurrence_id)
    if request.method == "GET":
        return _page(request, page, done=request.query_params.get("done"))
    raw = await request.form(max_files=0)
    action = raw.get("action")
    if action not in ACTIONS:
        raise HTTPException(status_code=400)
    form = FormState(raw)
    conflicts = await _change(request, page, action, form)
    if form.ok:
        done = {"cancel": "cancelled", "move": "moved", "restore": "restored"}[action]
        return RedirectResponse(
            f"/events/{event_id}/dates/{occurrence_id}?done={done}", status_code=303
        )
    return _page(request, page, form=form, action=action, conflicts=conflicts, status_code=400)


async def _change(
    request: Request, page: dates.DatePage, action: str, form: FormState
) -> list[Any]:
    """Validate the form that was sent and make its change; problems go into ``form``, and
    the bookings in the way are returned."""
    ctx, actor = routing.app_context(request), current_actor(request)
    ids = {"event_id": page.event.id, "occurrence_id": page.date.id}
    try:
        if action == "cancel":
            reason = form.text("reason", max_length=dates.MAX_REASON, multiline=True)
            if form.ok and reason:
                await dates.cancel_date(ctx, actor=actor, reason=reason, **ids)
        elif action == "move":
            values = _move_values(form, page)
            if form.ok:
                await dates.move_date(ctx, actor=actor, **ids, **values)
        else:
            await dates.restore_date(ctx, actor=actor, **ids)
    except Invalid as exc:
        form.errors.update(exc.errors)
    except review.BookingConflict as exc:
        form.error(*_conflict_error(action, exc.conflicts, page.event.id))
        return exc.conflicts
    return []


def _conflict_error(action: str, conflicts: list[Any], event_id: int) -> tuple[str, str]:
    """The field to mark, and why: another event has the room, or the event itself is
    already on at that time (another date of the series)."""
    if all(c.event_id == event_id for c in conflicts):
        return ("date" if action == "move" else "when"), _(
            "Another date of this event is at that time."
        )
    return ("room_id" if action == "move" else "when"), _("The room is taken at that time.")


def _move_values(form: FormState, page: dates.DatePage) -> dict[str, Any]:
    """The new room, and the date and wall-clock times in the library's time zone."""
    room = form.choice("room_id", [str(room.id) for room in page.rooms])
    day = form.date("date")
    start = form.time("start_time")
    end = form.time("end_time")
    if room is None or day is None or start is None or end is None:
        return {}
    starts_at, ends_at = local_span(day, start, end, page.event.tz)
    if ends_at <= starts_at:
        form.error("end_time", _("The end must be after the start."))
        return {}
    return {"room_id": int(room), "starts_at": starts_at, "ends_at": ends_at}


def _initial(page: dates.DatePage) -> FormState:
    start = page.date.starts_at.astimezone(page.event.tz)
    end = page.date.ends_at.astimezone(page.event.tz)
    return FormState.initial(
        {
            "room_id": str(page.date.room_id),
            "date": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"),
        }
    )


def _page(
    request: Request,
    page: dates.DatePage,
    *,
    form: FormState | None = None,
    action: str = "",
    conflicts: list[Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    """The date with its forms; the one that was sent keeps its input and errors."""
    sent = form or FormState()
    return render(
        request,
        "events/date.html",
        {
            "event": page.event.row,
            "date": page.date,
            "rooms": page.rooms,
            "location_names": page.location_names,
            "tz": page.event.tz,
            "errors": sent,
            "cancel_form": sent if action == "cancel" else FormState(),
            "move_form": sent if action == "move" else _initial(page),
            "conflicts": conflicts or [],
            "done": done,
        },
        status_code=status_code,
    )


routes = [
    Route(
        "/events/{event_id:int}/dates/{occurrence_id:int}",
        event_date,
        methods=["GET", "POST"],
        name="event_date",
    ),
]
