"""Co-planning pages: propose, the event's workspace, edit, history, partners, comments, the
workflow's actions, approval, the review queue, an organisation's events. Thin handlers:
parse, call one service, render or redirect."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time, timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize, current_actor
from webapp.events import (
    comments,
    drafting,
    forms,
    partners,
    review,
    vocabulary,
    workflow,
    workspace,
)
from webapp.events.access import Event
from webapp.i18n import _
from webapp.locations.vocabulary import equipment_labels
from webapp.orgs import service as orgs
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.web import routing
from webapp.web.forms import FormState
from webapp.web.templating import render

MAX_ID = routing.MAX_ID
Handler = routing.Handler


def _answers(handler: Handler) -> Handler:
    """Log in first; NotFound from a service is a 404 page, Forbidden a 403 page."""
    refusals = routing.answers(handler)

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        authorize(request, "account.manage")
        return await refusals(request)

    return wrapped


def _id(request: Request, name: str = "event_id") -> int:
    return routing.path_id(request, name)


_ctx = routing.app_context


def _plan(event_id: int, done: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"/events/{event_id}/plan" + (f"?done={done}" if done else ""), status_code=303
    )


def _labels() -> dict:  # type: ignore[type-arg]
    return {
        "audience_labels": vocabulary.audience_labels(),
        "language_labels": vocabulary.language_labels(),
        "role_labels": vocabulary.role_labels(),
        "state_labels": vocabulary.state_labels(),
        "action_labels": vocabulary.action_labels(),
        "history_labels": vocabulary.history_labels(),
        "field_labels": vocabulary.field_labels(),
        "field_label": vocabulary.field_label,
        "contribution_labels": vocabulary.contribution_labels(),
        "equipment_labels": equipment_labels(),
        "slot_key": forms.slot_key,
    }


# Proposing ------------------------------------------------------------------------------------


@_answers
async def new_event(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    choices = await workspace.proposers(ctx, actor=actor)
    if not choices:
        raise Forbidden()
    options = [(c.key, f"{c.organisation.name} → {c.library_name}") for c in choices]
    if request.method == "GET":
        form = FormState.initial({"proposer": options[0][0]})
        return render(request, "events/new.html", {"form": form, "options": options})
    form = FormState(await request.form(max_files=0))
    key = form.choice("proposer", [key for key, _label in options])
    title = form.text("title", max_length=200)
    summary = form.text("summary", required=False, max_length=300)
    if form.ok and key and title:
        chosen = next(c for c in choices if c.key == key)
        try:
            event_id = await drafting.propose(
                ctx,
                actor=actor,
                organisation=chosen.organisation,
                library_id=chosen.library_id,
                values={"title": title, "summary": summary or ""},
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return RedirectResponse(f"/events/{event_id}/edit?new=1", status_code=303)
    return render(request, "events/new.html", {"form": form, "options": options}, status_code=400)


# The workspace --------------------------------------------------------------------------------


@_answers
async def plan(request: Request) -> Response:
    page = await workspace.workspace(
        _ctx(request), actor=current_actor(request), event_id=_id(request)
    )
    return render(
        request,
        "events/plan.html",
        {
            "page": page,
            "event": page.row,
            "tz": page.event.tz,
            "done": request.query_params.get("done"),
            "comment_form": FormState(),
            "invite_form": FormState(),
            **_labels(),
        },
        block=request.query_params.get("block"),
    )


def _edit_page(
    request: Request,
    choices: workspace.Choices,
    form: FormState,
    *,
    status_code: int = 200,
    conflict: list | None = None,  # type: ignore[type-arg]
) -> Response:
    forms.checklist_values(form, choices.event.row, choices.rules.checklist)
    return render(
        request,
        "events/edit.html",
        {
            "event": choices.event.row,
            "choices": choices,
            "form": form,
            "new": request.query_params.get("new") == "1",
            "conflict": conflict or [],
            "tz": choices.event.tz,
            **_labels(),
        },
        status_code=status_code,
    )


@_answers
async def edit_event(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    event_id = _id(request)
    choices = await workspace.edit_choices(ctx, actor=actor, event_id=event_id)
    event = choices.event
    if request.method == "GET":
        return _edit_page(request, choices, forms.initial(event.row, event.tz))
    raw = await request.form(max_files=0)
    form, values = forms.event_form(
        raw,
        tz=event.tz,
        rooms=choices.rooms,
        locations=choices.locations,
        checklist=choices.rules.checklist,
        slots=choices.slots,
    )
    version = _version(raw)
    if form.ok:
        try:
            saved = await drafting.update(
                ctx, actor=actor, event_id=event_id, version=version, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        except drafting.EditConflict as conflict:
            # Keep what this person typed; show what the other person changed; saving again
            # (with the new version) writes this person's text knowingly.
            form.values["version"] = str(conflict.current_version)
            return _edit_page(request, choices, form, status_code=409, conflict=conflict.revisions)
        else:
            if "submit" in raw and event.state == "draft":
                return RedirectResponse(f"/events/{event_id}/actions/submit", status_code=303)
            return _plan(event_id, "review" if saved.back_to_review else "saved")
    form.values["version"] = str(version)
    return _edit_page(request, choices, form, status_code=400)


def _version(raw) -> int:  # type: ignore[no-untyped-def]
    value = raw.get("version")
    if not isinstance(value, str) or not value.isdigit() or len(value) > 9:
        raise HTTPException(status_code=400)
    return int(value)


@_answers
async def history(request: Request) -> Response:
    event, revisions = await workspace.history(
        _ctx(request), actor=current_actor(request), event_id=_id(request)
    )
    return render(
        request,
        "events/history.html",
        {"event": event.row, "tz": event.tz, "revisions": revisions, **_labels()},
    )


# Partners -------------------------------------------------------------------------------------


@_answers
async def invite_partner(request: Request) -> Response:
    actor = current_actor(request)
    event_id = _id(request)
    raw = await request.form(max_files=0)
    form = FormState(raw)
    org_id = form.integer("organisation_id", minimum=1, maximum=MAX_ID)
    role = form.choice("role", vocabulary.INVITABLE_ROLES)
    if form.ok and org_id and role:
        try:
            await partners.invite(
                _ctx(request), actor=actor, event_id=event_id, organisation_id=org_id, role=role
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _plan(event_id, "invited")
    page = await workspace.workspace(_ctx(request), actor=actor, event_id=event_id)
    return render(
        request,
        "events/plan.html",
        {
            "page": page,
            "event": page.row,
            "tz": page.event.tz,
            "done": None,
            "comment_form": FormState(),
            "invite_form": form,
            **_labels(),
        },
        status_code=400,
    )


@_answers
async def answer_invitation(request: Request) -> Response:
    event_id = _id(request)
    answer = (await request.form(max_files=0)).get("answer")
    try:
        await partners.answer(
            _ctx(request),
            actor=current_actor(request),
            event_id=event_id,
            organisation_id=_id(request, "organisation_id"),
            accept={"accept": True, "decline": False}.get(answer),  # type: ignore[arg-type]
        )
    except Invalid:
        raise HTTPException(status_code=400) from None
    return _plan(event_id, "joined" if answer == "accept" else "declined")


@_answers
async def describe_partner(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    event_id, org_id = _id(request), _id(request, "organisation_id")
    event, partner, members = await workspace.partner_page(
        ctx, actor=actor, event_id=event_id, organisation_id=org_id
    )
    context = {"event": event.row, "partner": partner, "members": members, **_labels()}
    if request.method == "GET":
        form = FormState.initial(
            {
                **(partner.contribution or {}),
                "contact_user_id": str(partner.contact_user_id or ""),
            }
        )
        return render(request, "events/partner.html", {**context, "form": form})
    form, values = forms.partner_form(await request.form(max_files=0), [m.user_id for m in members])
    if form.ok:
        try:
            await partners.describe(
                ctx, actor=actor, event_id=event_id, organisation_id=org_id, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _plan(event_id, "saved")
    return render(request, "events/partner.html", {**context, "form": form}, status_code=400)


# Comments -------------------------------------------------------------------------------------


@_answers
async def add_comment(request: Request) -> Response:
    actor = current_actor(request)
    event_id = _id(request)
    form = FormState(await request.form(max_files=0))
    body = form.text("body", required=False, max_length=comments.MAX_LENGTH, multiline=True)
    if form.ok:
        try:
            await comments.add(_ctx(request), actor=actor, event_id=event_id, body=body or "")
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            form = FormState()
            if not getattr(request.state, "htmx", None):
                return RedirectResponse(f"/events/{event_id}/plan#comments", status_code=303)
    page = await workspace.workspace(_ctx(request), actor=actor, event_id=event_id)
    return render(
        request,
        "events/plan.html",
        {
            "page": page,
            "event": page.row,
            "tz": page.event.tz,
            "done": None,
            "comment_form": form,
            "invite_form": FormState(),
            **_labels(),
        },
        status_code=200 if form.ok else 400,
        block="comments",
    )


# The workflow ---------------------------------------------------------------------------------


@_answers
async def action(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    event_id = _id(request)
    name = request.path_params["action"]
    if name not in workflow.ACTIONS or name in (
        "approve",
        "counter_propose",
        "back_to_review",
        "evaluate",
    ):
        raise NotFound()
    page = await workspace.workspace(ctx, actor=actor, event_id=event_id)
    step = next((t for t in page.actions if t.action == name), None)
    if step is None:
        raise Forbidden()
    form = FormState()
    if request.method == "POST":
        form = FormState(await request.form(max_files=0))
        comment = form.text(
            "comment",
            required=step.needs in ("comment", "reason"),
            max_length=2000,
            multiline=True,
        )
        if form.ok:
            try:
                await review.move(
                    ctx, actor=actor, event_id=event_id, action=name, comment=comment or ""
                )
            except Invalid as exc:
                form.errors.update(exc.errors)
            except review.BookingConflict as exc:
                form.error(
                    "comment",
                    _(
                        "The room was taken meanwhile by “%(title)s”.",
                        title=exc.conflicts[0].event_title,
                    ),
                )
            else:
                return _plan(event_id, name)
    return render(
        request,
        "events/action.html",
        {"page": page, "event": page.row, "step": step, "form": form, **_labels()},
        status_code=400 if form.errors else 200,
    )


@_answers
async def approve(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    event_id = _id(request)
    choices = await workspace.approval_choices(ctx, actor=actor, event_id=event_id)
    event = choices.event
    context = {
        "event": event.row,
        "choices": choices,
        "conflicts": [],
        "tz": event.tz,
        **_labels(),
    }
    if request.method == "GET":
        return render(request, "events/approve.html", {**context, "form": _booking_initial(event)})
    raw = await request.form(max_files=0)
    form, values = forms.booking_form(raw, event.tz, [room.id for room in choices.rooms])
    if form.ok:
        comment = values.pop("comment")
        counter = raw.get("counter") == "1"
        try:
            if counter:
                values.pop("skip_conflicts")
                await review.counter_propose(
                    ctx,
                    actor=actor,
                    event_id=event_id,
                    booking=review.Booking(**values),
                    comment=comment,
                )
                return _plan(event_id, "counter_propose")
            skipped = await review.approve(
                ctx,
                actor=actor,
                event_id=event_id,
                booking=review.Booking(**values),
                comment=comment,
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        except review.BookingConflict as exc:
            context["conflicts"] = exc.conflicts
            form.error("room_id", _("The room is taken at that time."))
        else:
            return _plan(event_id, "approved-skipped" if skipped else "approve")
    return render(request, "events/approve.html", {**context, "form": form}, status_code=400)


def _booking_initial(event: Event) -> FormState:
    row = event.row
    values: dict[str, str] = {
        "room_id": str(row.room_id or ""),
        "repeat_weeks": str(row.repeat_weeks or ""),
        "repeat_until": row.repeat_until.isoformat() if row.repeat_until else "",
        "repeat_count": str(row.repeat_count or ""),
        "capacity": str(row.capacity or row.expected_attendance or ""),
    }
    if row.starts_at and row.ends_at:
        start, end = row.starts_at.astimezone(event.tz), row.ends_at.astimezone(event.tz)
        values.update(
            date=start.date().isoformat(),
            start_time=start.strftime("%H:%M"),
            end_time=end.strftime("%H:%M"),
        )
    return FormState.initial(values)


# Lists ----------------------------------------------------------------------------------------


@_answers
async def review_queue(request: Request) -> Response:
    actor = current_actor(request)
    ctx = _ctx(request)
    library = await orgs.organisation(ctx, request.path_params["slug"])
    if library.kind != "library":
        raise NotFound()
    authorize(request, "library.events.review", library)
    filters = FormState(request.query_params)
    location_id = filters.integer("location", minimum=1, maximum=MAX_ID, required=False)
    partner_id = filters.integer("partner", minimum=1, maximum=MAX_ID, required=False)
    start = filters.date("from", required=False)
    end = filters.date("to", required=False)
    tz = ctx.settings.tz
    rows = await review.review_queue(
        ctx,
        actor=actor,
        library=library,
        location_id=location_id,
        partner_id=partner_id,
        start=_day_start(start, tz),
        end=_day_start(end + timedelta(days=1), tz) if end else None,
    )
    choices = await review.queue_filters(ctx, library_id=library.id)
    return render(
        request,
        "events/review.html",
        {"org": library, "rows": rows, "filters": filters, "choices": choices, **_labels()},
        status_code=400 if filters.errors else 200,
    )


def _day_start(day, tz) -> datetime | None:  # type: ignore[no-untyped-def]
    if day is None:
        return None
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@_answers
async def organisation_events(request: Request) -> Response:
    ctx = _ctx(request)
    org = await orgs.organisation(ctx, request.path_params["slug"])
    rows = await workspace.events_of(ctx, actor=current_actor(request), organisation=org)
    return render(request, "events/list.html", {"org": org, "rows": rows, **_labels()})


EVENT = "/events/{event_id:int}"
FORM = ["GET", "POST"]
routes = [
    Route("/events/new", new_event, methods=FORM, name="new_event"),
    Route(EVENT + "/plan", plan, name="event_plan"),
    Route(EVENT + "/edit", edit_event, methods=FORM, name="edit_event"),
    Route(EVENT + "/history", history, name="event_history"),
    Route(EVENT + "/partners", invite_partner, methods=["POST"], name="invite_partner"),
    Route(
        EVENT + "/partners/{organisation_id:int}",
        describe_partner,
        methods=FORM,
        name="event_partner",
    ),
    Route(
        EVENT + "/partners/{organisation_id:int}/answer",
        answer_invitation,
        methods=["POST"],
        name="answer_partner_invitation",
    ),
    Route(EVENT + "/comments", add_comment, methods=["POST"], name="event_comments"),
    Route(EVENT + "/actions/{action}", action, methods=FORM, name="event_action"),
    Route(EVENT + "/approve", approve, methods=FORM, name="approve_event"),
    Route("/orgs/{slug}/review", review_queue, name="review_queue"),
    Route("/orgs/{slug}/events", organisation_events, name="organisation_events"),
]
