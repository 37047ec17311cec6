"""RSVP pages: the form on the event page posts here; the personal link ``/r/{token}`` shows
the RSVP and changes, cancels or claims it. No account: the token is the key."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp import clock
from webapp.auth.guard import authorize
from webapp.calendars import feeds
from webapp.calendars.responses import calendar_response
from webapp.i18n import _, current_locale
from webapp.problems import Invalid, NotFound
from webapp.program import service as program
from webapp.program.routes import render_event_page
from webapp.rsvp import checkin, forms, service
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, limit_public_form, path_id
from webapp.web.templating import render


@answers
async def make(request: Request) -> Response:
    ctx = app_context(request)
    event_id = path_id(request, "event_id")
    await limit_public_form(request, "rsvp")
    try:
        page = await program.event_page(
            ctx, actor=request.state.actor, event_id=event_id, now=clock.now()
        )
    except program.NotPublic:
        raise NotFound() from None
    dates = [d.id for d in page.upcoming if not d.cancelled]
    region = (page.places[0].country if page.places else "SE") or "SE"
    form, values = forms.rsvp_form(await request.form(max_files=0), dates, region)
    if not dates:
        form.error("name", "")
    if form.ok:
        try:
            booked = await service.book(
                ctx, event_id=event_id, occurrence_id=values["occurrence_id"],
                name=values["name"], phone=values["phone"], party_size=values["party_size"],
                language=current_locale(),
                request_key=values["request_key"] or service.new_request_key(),
                via=values["via"],
            )  # fmt: skip
            return RedirectResponse(f"/r/{booked.token}?new=1", status_code=303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error(name, message)
    return await render_event_page(request, page, rsvp_form=form, status_code=400)


def _token(request: Request) -> str:
    return str(request.path_params["token"])


@answers
async def mine(request: Request) -> Response:
    found = await service.personal(app_context(request), _token(request))
    response = render(
        request,
        "rsvp/personal.html",
        {"mine": found, "event": found.event.row, "tz": found.event.tz,
         "form": FormState.initial({"party_size": str(found.rsvp.party_size)})},
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@answers
async def change(request: Request) -> Response:
    ctx, token = app_context(request), _token(request)
    form, party_size = forms.party_form(await request.form(max_files=0))
    if party_size is not None:
        try:
            await service.change(ctx, token, party_size)
            return RedirectResponse(f"/r/{token}?changed=1", status_code=303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error(name, message)
    found = await service.personal(ctx, token)
    return render(
        request,
        "rsvp/personal.html",
        {"mine": found, "event": found.event.row, "tz": found.event.tz, "form": form},
        status_code=400,
    )  # fmt: skip


@answers
async def cancel(request: Request) -> Response:
    token = _token(request)
    await service.cancel(app_context(request), token)
    return RedirectResponse(f"/r/{token}?cancelled=1", status_code=303)


@answers
async def claim(request: Request) -> Response:
    ctx, token = app_context(request), _token(request)
    claimed = await service.claim(ctx, token)
    return RedirectResponse(f"/r/{token}?{'claimed' if claimed else 'late'}=1", status_code=303)


@answers
async def check_in_list(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    raw = request.query_params.get("date", "")
    found = await checkin.check_in_list(
        app_context(request), actor=actor, event_id=path_id(request, "event_id"),
        occurrence_id=int(raw) if raw.isdigit() and len(raw) < 12 else None,
    )  # fmt: skip
    return render(
        request,
        "rsvp/checkin.html",
        {"list": found, "event": found.event.row, "tz": found.event.tz},
    )


@answers
async def check_in(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id = path_id(request, "event_id")
    occurrence_id = path_id(request, "occurrence_id")
    rsvp_id = path_id(request, "rsvp_id")
    form = await request.form(max_files=0)
    await checkin.mark(
        app_context(request), actor=actor, event_id=event_id, occurrence_id=occurrence_id,
        rsvp_id=rsvp_id, came=form.get("came") == "1",
    )  # fmt: skip
    return RedirectResponse(
        f"/events/{event_id}/checkin?date={occurrence_id}#rsvp-{rsvp_id}", status_code=303
    )


@answers
async def my_calendar(request: Request) -> Response:
    """A feed of every date the person signed up for: to subscribe to in a calendar app."""
    ctx = app_context(request)
    dates, marker = await service.calendar_of(ctx, _token(request))
    built = await feeds.attendee_calendar(
        ctx, occurrence_ids=dates, name=_("My sign-ups"), marker=marker
    )
    return calendar_response(request, built, filename="my-sign-ups.ics", private=True)


routes = [
    Route("/events/{event_id:int}/checkin", check_in_list, name="check_in_list"),
    Route(
        "/events/{event_id:int}/checkin/{occurrence_id:int}/{rsvp_id:int}",
        check_in,
        methods=["POST"],
        name="check_in",
    ),  # fmt: skip
    Route("/events/{event_id:int}/rsvp", make, methods=["POST"], name="rsvp"),
    Route("/r/{token}", mine, name="my_rsvp"),
    Route("/r/{token}/calendar.ics", my_calendar, name="my_rsvp_calendar"),
    Route("/r/{token}/change", change, methods=["POST"], name="change_rsvp"),
    Route("/r/{token}/cancel", cancel, methods=["POST"], name="cancel_rsvp"),
    Route("/r/{token}/claim", claim, methods=["POST"], name="claim_rsvp"),
]
