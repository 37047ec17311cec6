"""Volunteers' pages. Organisers: ``/events/{id}/volunteers`` (tasks, shifts and coverage, the
sign-up page's settings), a task's form, the roster with check-in and messages, and
``/orgs/{slug}/volunteers`` (hours of the year, CSV, task templates). Volunteers, without an
account: the sign-up page ``/v/{code}`` and their personal page ``/v/me/{token}``."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp import clock
from webapp.auth.guard import authorize
from webapp.calendars.responses import calendar_response
from webapp.i18n import _, current_locale
from webapp.orgs import service as orgs
from webapp.problems import Invalid, NotFound
from webapp.volunteers import forms, roster, signups, tasks
from webapp.volunteers.timing import RELATIONS, Timing
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, limit_public_form, path_id
from webapp.web.templating import render

FORM = ["GET", "POST"]


def _base(event_id: int) -> str:
    return f"/events/{event_id}/volunteers"


def _fail(form: FormState, problem: Invalid) -> None:
    for name, message in problem.errors.items():
        form.error(name, message)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Organisers: tasks and the sign-up page ----------------------------------------------------


def _manage_page(
    request: Request, board: tasks.Board, *, board_form: FormState | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    ctx = app_context(request)
    return render(
        request,
        "volunteers/manage.html",
        {"board": board, "event": board.event.row, "tz": board.event.tz,
         "base": _base(board.event.id),
         "signup_url": f"{ctx.settings.base_url}/v/{board.board.code}",
         "board_form": board_form or FormState.initial(
             {"access": board.board.access, "note": board.board.note}
         )},
        status_code=status_code,
    )  # fmt: skip


@answers
async def manage(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    found = await tasks.board(
        app_context(request), actor=actor, event_id=path_id(request, "event_id")
    )
    return _manage_page(request, found)


@answers
async def set_access(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    form, values = forms.board_form(await request.form(max_files=0))
    if values is not None:
        await tasks.set_access(
            ctx, actor=actor, event_id=event_id, access_mode=values[0], note=values[1]
        )
        return RedirectResponse(f"{_base(event_id)}?saved=1#signup-page", 303)
    found = await tasks.board(ctx, actor=actor, event_id=event_id)
    return _manage_page(request, found, board_form=form, status_code=400)


@answers
async def new_code(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id = path_id(request, "event_id")
    await tasks.new_board_code(app_context(request), actor=actor, event_id=event_id)
    return RedirectResponse(f"{_base(event_id)}?new_link=1#signup-page", 303)


@answers
async def copy(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    raw = str((await request.form(max_files=0)).get("from_event_id", ""))
    if not raw.isdigit() or len(raw) > 10:
        raise NotFound()
    try:
        added = await tasks.copy_tasks(ctx, actor=actor, event_id=event_id, from_event_id=int(raw))
    except Invalid:
        raise NotFound() from None
    return RedirectResponse(f"{_base(event_id)}?copied={added}", 303)


def _task_page(
    request: Request, board: tasks.Board, form: FormState, task_row: Any = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "volunteers/task.html",
        {"board": board, "event": board.event.row, "tz": board.event.tz,
         "base": _base(board.event.id), "form": form, "task": task_row},
        status_code=status_code,
    )  # fmt: skip


def _task_initial(board: tasks.Board, row: Any = None) -> FormState:
    """The form's first values: the task's, or for a new one the event's own times."""
    reference = tasks.reference_date(board.event, board.dates, row.only_position if row else None)
    values: dict[str, Any] = {"people_needed": "1"}
    if row is not None:
        values = {"title": row.title, "description": row.description, "skills": row.skills,
                  "people_needed": str(row.people_needed), "partner_id": row.partner_id or "",
                  "only_position": row.only_position or ""}  # fmt: skip
    if reference is not None:
        timing = Timing.of(row) if row is not None else Timing.whole_date()
        start, end = timing.span(reference.starts_at, reference.ends_at)
        values["start_time"] = f"{start.astimezone(board.event.tz):%H:%M}"
        values["end_time"] = f"{end.astimezone(board.event.tz):%H:%M}"
    return FormState.initial(values)


async def _save_task(request: Request, task_id: int | None) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    board = await tasks.board(ctx, actor=actor, event_id=event_id)
    row = None
    if task_id is not None:
        board, row = await tasks.task(ctx, actor=actor, event_id=event_id, task_id=task_id)
    if not board.may_edit:
        raise NotFound()
    if request.method == "GET":
        return _task_page(request, board, _task_initial(board, row), row)
    raw = await request.form(max_files=0)
    chosen = str(raw.get("only_position", ""))
    position = int(chosen) if chosen.isdigit() and len(chosen) < 6 else None
    form, values = forms.task_form(
        raw, positions=[d.position for d in board.dates], responsible=board.responsible,
        reference=tasks.reference_date(board.event, board.dates, position), tz=board.event.tz,
    )  # fmt: skip
    if values is not None:
        try:
            if task_id is None:
                task_id = await tasks.add_task(ctx, actor=actor, event_id=event_id, values=values)
            else:
                await tasks.update_task(
                    ctx, actor=actor, event_id=event_id, task_id=task_id, values=values
                )
            return RedirectResponse(f"{_base(event_id)}?saved=1#task-{task_id}", 303)
        except Invalid as problem:
            _fail(form, problem)
    return _task_page(request, board, form, row, status_code=400)


@answers
async def new_task(request: Request) -> Response:
    return await _save_task(request, None)


@answers
async def edit_task(request: Request) -> Response:
    return await _save_task(request, path_id(request, "task_id"))


@answers
async def delete_task(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id, task_id = (
        app_context(request),
        path_id(request, "event_id"),
        path_id(request, "task_id"),
    )
    try:
        await tasks.delete_task(ctx, actor=actor, event_id=event_id, task_id=task_id)
    except Invalid as problem:
        board, row = await tasks.task(ctx, actor=actor, event_id=event_id, task_id=task_id)
        form = _task_initial(board, row)
        _fail(form, problem)
        return _task_page(request, board, form, row, status_code=400)
    return RedirectResponse(f"{_base(event_id)}?deleted=1", 303)


# Organisers: the roster --------------------------------------------------------------------


def _roster_page(
    request: Request, found: roster.Roster, *, message_forms: dict[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "volunteers/roster.html",
        {"roster": found, "event": found.event.row, "tz": found.event.tz,
         "base": _base(found.event.id), "message_forms": message_forms or {}},
        status_code=status_code,
    )  # fmt: skip


@answers
async def roster_page(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    raw = request.query_params.get("date", "")
    found = await roster.roster(
        app_context(request), actor=actor, event_id=path_id(request, "event_id"),
        position=int(raw) if raw.isdigit() and len(raw) < 6 else None,
        every_date=raw == "all",
    )  # fmt: skip
    return _private(_roster_page(request, found))


def _back_to_roster(request: Request, event_id: int, anchor: str) -> str:
    date = str(request.query_params.get("date", ""))
    query = f"?date={date}" if date.isdigit() or date == "all" else ""
    return f"{_base(event_id)}/roster{query}#{anchor}"


@answers
async def check_in(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id, signup_id = path_id(request, "event_id"), path_id(request, "signup_id")
    form = await request.form(max_files=0)
    await roster.check_in(
        app_context(request), actor=actor, event_id=event_id, signup_id=signup_id,
        came=form.get("came") == "1",
    )  # fmt: skip
    return RedirectResponse(_back_to_roster(request, event_id, f"signup-{signup_id}"), 303)


@answers
async def remove(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id, signup_id = path_id(request, "event_id"), path_id(request, "signup_id")
    await roster.remove(app_context(request), actor=actor, event_id=event_id, signup_id=signup_id)
    return RedirectResponse(_back_to_roster(request, event_id, "roster-title"), 303)


@answers
async def message(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx = app_context(request)
    event_id, shift_id = path_id(request, "event_id"), path_id(request, "shift_id")
    form, body = forms.message_form(await request.form(max_files=0))
    if body is not None:
        try:
            sent = await roster.message_shift(
                ctx, actor=actor, event_id=event_id, shift_id=shift_id, text=body
            )
            return RedirectResponse(
                f"{_base(event_id)}/roster?sent={sent.recipients}#shift-{shift_id}", 303
            )
        except Invalid as problem:
            _fail(form, problem)
    found = await roster.roster(ctx, actor=actor, event_id=event_id, position=None, every_date=True)
    return _private(_roster_page(request, found, message_forms={shift_id: form}, status_code=400))


# Volunteers: the sign-up page and the personal page ----------------------------------------


def _region(page: signups.SignUpPage) -> str:
    return (getattr(page.event.row, "library_country", None) or "SE").upper()


def _signup_page(
    request: Request, page: signups.SignUpPage, form: FormState, status_code: int = 200,
    mine: set[int] | None = None,
) -> Response:  # fmt: skip
    return _private(
        render(
            request,
            "volunteers/signup.html",
            {
                "page": page,
                "event": page.event.row,
                "tz": page.event.tz,
                "form": form,
                "mine": mine or set(),
            },
            status_code=status_code,
        )
    )


@answers
async def signup(request: Request) -> Response:
    ctx = app_context(request)
    code = str(request.path_params["code"])
    page = await signups.page_by_code(ctx, code)
    if request.method == "GET":
        query = request.query_params
        initial = {"proof": query.get("t", "")[:64], "m": query.get("m", "")[:16]}
        found = await signups.known(ctx, proof=initial["proof"], message_code=initial["m"])
        return _signup_page(
            request, page, FormState.initial({**initial, **found.values}), mine=found.shift_ids
        )
    await limit_public_form(request, "volunteer")
    form, values = forms.signup_form(
        await request.form(max_files=0), [s.row.id for s in page.shifts], _region(page)
    )
    if values is not None:
        try:
            done = await signups.sign_up(
                ctx, code=code, form=signups.SignUp(language=current_locale(), **values)
            )
            if done.shown:
                return RedirectResponse(f"/v/me/{done.token}?new=1", 303)
            return RedirectResponse(f"/v/{code}?sent=1", 303)
        except Invalid as problem:
            _fail(form, problem)
    page = await signups.page_by_code(ctx, code)
    return _signup_page(request, page, form, status_code=400)


def _token(request: Request) -> str:
    return str(request.path_params["token"])


def _personal_page(
    request: Request, found: signups.Personal, *, form: FormState | None = None,
    errors: dict[int, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    return _private(
        render(
            request,
            "volunteers/personal.html",
            {"mine": found, "form": form or FormState.initial(
                {"name": found.volunteer.name, "languages": found.volunteer.languages}),
             "errors": errors or {}, "zones": found.zones},
            status_code=status_code,
        )
    )  # fmt: skip


@answers
async def mine(request: Request) -> Response:
    return _personal_page(request, await signups.personal(app_context(request), _token(request)))


@answers
async def cancel(request: Request) -> Response:
    token = _token(request)
    await signups.cancel(app_context(request), token, path_id(request, "signup_id"))
    return RedirectResponse(f"/v/me/{token}?cancelled=1", 303)


@answers
async def switch(request: Request) -> Response:
    ctx, token = app_context(request), _token(request)
    signup_id = path_id(request, "signup_id")
    raw = str((await request.form(max_files=0)).get("shift_id", ""))
    try:
        if not raw.isdigit() or len(raw) > 10:
            raise Invalid({"shift_id": _("Choose one of the options.")})
        await signups.switch(ctx, token, signup_id, int(raw))
        return RedirectResponse(f"/v/me/{token}?switched=1", 303)
    except Invalid as problem:
        found = await signups.personal(ctx, token)
        return _personal_page(
            request, found, errors={signup_id: next(iter(problem.errors.values()))},
            status_code=400,
        )  # fmt: skip


@answers
async def details(request: Request) -> Response:
    ctx, token = app_context(request), _token(request)
    form, values = forms.details_form(await request.form(max_files=0))
    if values is not None:
        await signups.update_details(ctx, token, **values)
        return RedirectResponse(f"/v/me/{token}?saved=1#details-title", 303)
    return _personal_page(request, await signups.personal(ctx, token), form=form, status_code=400)


@answers
async def data(request: Request) -> Response:
    found = await signups.export(app_context(request), _token(request))
    response = Response(
        json.dumps(found, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-volunteer-data.json"'},
    )
    return _private(response)


@answers
async def delete(request: Request) -> Response:
    await signups.delete(app_context(request), _token(request))
    return _private(render(request, "volunteers/deleted.html", {}))


@answers
async def calendar(request: Request) -> Response:
    built = await signups.calendar(app_context(request), _token(request), name=_("My shifts"))
    return calendar_response(request, built, filename="my-shifts.ics", private=True)


# Organisations: hours and templates --------------------------------------------------------


async def _organisation(request: Request) -> tuple[Any, Any]:
    actor = authorize(request, "account.manage")
    organisation = await orgs.organisation(app_context(request), request.path_params["slug"])
    return actor, organisation


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    this_year = clock.now().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year + 1 else this_year


@answers
async def organisation_page(request: Request) -> Response:
    actor, organisation = await _organisation(request)
    ctx, year = app_context(request), _year(request)
    found = await roster.hours(ctx, actor=actor, organisation=organisation, year=year)
    templates = await tasks.templates(ctx, actor=actor, organisation=organisation)
    return render(
        request,
        "volunteers/organisation.html",
        {"organisation": organisation, "hours": found, "templates": templates,
         "years": list(range(clock.now().year, clock.now().year - 5, -1)),
         "relation_text": _relation_text},
    )  # fmt: skip


def _relation_text(minutes: int, anchor: str) -> str:
    if minutes == 0:
        return _("at the start") if anchor == "start" else _("at the end")
    if anchor == "start":
        if minutes < 0:
            return _("%(num)d min before the start", num=-minutes)
        return _("%(num)d min after the start", num=minutes)
    if minutes < 0:
        return _("%(num)d min before the end", num=-minutes)
    return _("%(num)d min after the end", num=minutes)


@answers
async def hours_csv(request: Request) -> Response:
    actor, organisation = await _organisation(request)
    ctx, year = app_context(request), _year(request)
    found = await roster.hours(ctx, actor=actor, organisation=organisation, year=year)
    body = roster.hours_csv(found, ZoneInfo(organisation.timezone or ctx.settings.timezone))
    name = f"volunteer-hours-{organisation.slug}-{year}.csv"
    return _private(
        Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


def _template_page(
    request: Request, organisation: Any, form: FormState, row: Any = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "volunteers/template.html",
        {"organisation": organisation, "form": form, "template": row,
         "relations": [(r, _relation_label(r)) for r in RELATIONS]},
        status_code=status_code,
    )  # fmt: skip


def _relation_label(relation: str) -> str:
    return {
        "before_start": _("minutes before the start"),
        "after_start": _("minutes after the start"),
        "before_end": _("minutes before the end"),
        "after_end": _("minutes after the end"),
    }[relation]


async def _save_template(request: Request, template_id: int | None) -> Response:
    actor, organisation = await _organisation(request)
    ctx = app_context(request)
    row = None
    if template_id is not None:
        row = await tasks.template(
            ctx, actor=actor, organisation=organisation, template_id=template_id
        )
    if request.method == "GET":
        tasks_form = (
            forms.template_initial(row) if row is not None else FormState.initial(
                {"people_needed": "1", "start_minutes": "0", "start_relation": "after_start",
                 "end_minutes": "0", "end_relation": "after_end"}
            )
        )  # fmt: skip
        tasks.require_organisation(actor, organisation)
        return _template_page(request, organisation, tasks_form, row)
    form, values = forms.template_form(await request.form(max_files=0))
    if values is not None:
        await tasks.save_template(
            ctx, actor=actor, organisation=organisation, template_id=template_id, values=values
        )
        return RedirectResponse(
            f"/orgs/{organisation.slug}/volunteers?saved=1#templates-title", 303
        )
    return _template_page(request, organisation, form, row, status_code=400)


@answers
async def new_template(request: Request) -> Response:
    return await _save_template(request, None)


@answers
async def edit_template(request: Request) -> Response:
    return await _save_template(request, path_id(request, "template_id"))


@answers
async def delete_template(request: Request) -> Response:
    actor, organisation = await _organisation(request)
    await tasks.delete_template(
        app_context(request), actor=actor, organisation=organisation,
        template_id=path_id(request, "template_id"),
    )  # fmt: skip
    return RedirectResponse(f"/orgs/{organisation.slug}/volunteers?deleted=1#templates-title", 303)


@answers
async def suggested_templates(request: Request) -> Response:
    actor, organisation = await _organisation(request)
    await tasks.add_suggested_templates(
        app_context(request), actor=actor, organisation=organisation
    )
    return RedirectResponse(f"/orgs/{organisation.slug}/volunteers?saved=1#templates-title", 303)


routes = [
    Route("/events/{event_id:int}/volunteers", manage, name="volunteers"),
    Route("/events/{event_id:int}/volunteers/access", set_access, methods=["POST"],
          name="volunteer_access"),
    Route("/events/{event_id:int}/volunteers/code", new_code, methods=["POST"],
          name="volunteer_new_code"),
    Route("/events/{event_id:int}/volunteers/copy", copy, methods=["POST"],
          name="copy_volunteer_tasks"),
    Route("/events/{event_id:int}/volunteers/tasks/new", new_task, methods=FORM,
          name="new_volunteer_task"),
    Route("/events/{event_id:int}/volunteers/tasks/{task_id:int}", edit_task, methods=FORM,
          name="edit_volunteer_task"),
    Route("/events/{event_id:int}/volunteers/tasks/{task_id:int}/delete", delete_task,
          methods=["POST"], name="delete_volunteer_task"),
    Route("/events/{event_id:int}/volunteers/roster", roster_page, name="volunteer_roster"),
    Route("/events/{event_id:int}/volunteers/roster/{signup_id:int}/checkin", check_in,
          methods=["POST"], name="volunteer_check_in"),
    Route("/events/{event_id:int}/volunteers/roster/{signup_id:int}/remove", remove,
          methods=["POST"], name="remove_volunteer"),
    Route("/events/{event_id:int}/volunteers/shifts/{shift_id:int}/message", message,
          methods=["POST"], name="message_volunteers"),
    Route("/v/me/{token}", mine, name="my_shifts"),
    Route("/v/me/{token}/calendar.ics", calendar, name="my_shifts_calendar"),
    Route("/v/me/{token}/data.json", data, name="volunteer_data"),
    Route("/v/me/{token}/details", details, methods=["POST"], name="volunteer_details"),
    Route("/v/me/{token}/delete", delete, methods=["POST"], name="delete_volunteer_data"),
    Route("/v/me/{token}/cancel/{signup_id:int}", cancel, methods=["POST"], name="cancel_shift"),
    Route("/v/me/{token}/switch/{signup_id:int}", switch, methods=["POST"], name="switch_shift"),
    Route("/v/{code}", signup, methods=FORM, name="volunteer_signup"),
    Route("/orgs/{slug}/volunteers", organisation_page, name="organisation_volunteers"),
    Route("/orgs/{slug}/volunteers/hours.csv", hours_csv, name="volunteer_hours_csv"),
    Route("/orgs/{slug}/volunteers/templates/new", new_template, methods=FORM,
          name="new_volunteer_template"),
    Route("/orgs/{slug}/volunteers/templates/suggested", suggested_templates, methods=["POST"],
          name="suggested_volunteer_templates"),
    Route("/orgs/{slug}/volunteers/templates/{template_id:int}", edit_template, methods=FORM,
          name="edit_volunteer_template"),
    Route("/orgs/{slug}/volunteers/templates/{template_id:int}/delete", delete_template,
          methods=["POST"], name="delete_volunteer_template"),
]  # fmt: skip
