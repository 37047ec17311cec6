"""The public program: the list of upcoming dates, the week view, and the event page. No
log-in is needed; filters are a GET form, so every page works without JavaScript."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp import clock
from webapp.calendars import forms as calendar_forms
from webapp.calendars import links
from webapp.events import vocabulary as event_vocabulary
from webapp.locations import vocabulary as location_vocabulary
from webapp.problems import NotFound
from webapp.program import forms, service
from webapp.rsvp import page as rsvp_page
from webapp.volunteers import signups as volunteer_signups
from webapp.web.routing import app_context as _ctx
from webapp.web.templating import render

MAX_ID = 2**31 - 1
Handler = Callable[[Request], Awaitable[Response]]


def _answers(handler: Handler) -> Handler:
    """NotFound from a service is a 404 page."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except NotFound:
            raise HTTPException(status_code=404) from None

    return wrapped


async def _organisation(request: Request) -> Row | None:
    slug = request.path_params.get("slug")
    return None if slug is None else await service.organisation(_ctx(request), slug)


def _vocabulary() -> dict[str, Any]:
    return {
        "audience_labels": event_vocabulary.audience_labels(),
        "language_labels": event_vocabulary.language_labels(),
        "role_labels": event_vocabulary.role_labels(),
        "accessibility_labels": location_vocabulary.accessibility_labels(),
        "country_labels": location_vocabulary.country_labels(),
    }


def _feed_links(request: Request, organisation: Row | None, form: Any) -> dict[str, str] | None:
    """The organisation's feed with the visitor's valid filters, to download or subscribe."""
    if organisation is None:
        return None
    valid = {k: v for k, v in form.values.items() if k not in form.errors}
    url = (
        f"{_ctx(request).settings.base_url}/calendar/{organisation.slug}.ics"
        + calendar_forms.feed_query(valid)
    )
    return {"download": url, "subscribe": links.webcal(url)}


def _base(organisation: Row | None) -> str:
    return f"/orgs/{organisation.slug}/program" if organisation is not None else "/program"


@_answers
async def program(request: Request) -> Response:
    organisation = await _organisation(request)
    form, filters = forms.filters_form(request.query_params)
    found = await service.program(
        _ctx(request), organisation=organisation, filters=filters, now=clock.now()
    )
    base = _base(organisation)
    return render(
        request,
        "program/list.html",
        {
            "org": organisation,
            "program": found,
            "form": form,
            "base": base,
            "feed": _feed_links(request, organisation, form),
            **forms.list_links(base, form, filters, page=found.page, has_next=found.has_next),
            **_vocabulary(),
        },
        status_code=400 if form.errors else 200,
    )


@_answers
async def week(request: Request) -> Response:
    organisation = await _organisation(request)
    tz = service.time_zone(_ctx(request), organisation)
    monday = forms.monday_of(request.query_params.get("week"), clock.now().astimezone(tz).date())
    if monday is None:
        raise NotFound()
    form, filters = forms.filters_form(request.query_params)
    found = await service.week(
        _ctx(request), organisation=organisation, filters=filters, monday=monday
    )
    base = _base(organisation)
    return render(
        request,
        "program/week.html",
        {
            "org": organisation,
            "program": found,
            "form": form,
            "base": base,
            "feed": _feed_links(request, organisation, form),
            **forms.week_links(base, form, monday),
            **_vocabulary(),
        },
        status_code=400 if form.errors else 200,
    )


@_answers
async def event_page(request: Request) -> Response:
    event_id = request.path_params["event_id"]
    if not 0 < event_id <= MAX_ID:
        raise NotFound()
    try:
        page = await service.event_page(
            _ctx(request), actor=request.state.actor, event_id=event_id, now=clock.now()
        )
    except service.NotPublic:
        return RedirectResponse(f"/events/{event_id}/plan", status_code=303)
    return await render_event_page(request, page)


async def render_event_page(
    request: Request, page: service.EventPage, *, rsvp_form: Any = None, status_code: int = 200
) -> Response:
    """The public event page; with ``rsvp_form`` when an RSVP just failed (errors shown)."""
    calendar = links.for_event_page(_ctx(request).settings.base_url, page)
    rsvp = await rsvp_page.section(
        _ctx(request), page, via=request.query_params.get("via", ""), form=rsvp_form
    )
    return render(
        request,
        "program/event.html",
        {
            "page": page,
            "calendar": calendar,
            **rsvp,
            **_vocabulary(),
            "volunteer_code": await volunteer_signups.public_code(_ctx(request), page.event.id),
        },
        status_code=status_code,
    )


routes = [
    Route("/program", program, name="program"),
    Route("/program/week", week, name="program_week"),
    Route("/orgs/{slug}/program", program, name="org_program"),
    Route("/orgs/{slug}/program/week", week, name="org_program_week"),
    Route("/events/{event_id:int}", event_page, name="event_page"),
]
