"""Calendar feeds and files (public, no log-in; private behind a token) and the page where
people make and revoke their private feeds."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.calendars import feeds, forms, links
from webapp.calendars.responses import calendar_response
from webapp.i18n import _
from webapp.web.routing import answers, app_context, path_id
from webapp.web.templating import render

MAX_TOKEN_LENGTH = 100


def _bad_request(errors: dict[str, str]) -> Response:
    """A feed URL with bad filters: which parameter, and why (calendar apps show the text)."""
    lines = [_("This calendar address has parameters that are not valid:")]
    lines += [f"{name}: {message}" for name, message in sorted(errors.items())]
    return PlainTextResponse("\n".join(lines) + "\n", status_code=400)


@answers
async def organisation_feed(request: Request) -> Response:
    slug = request.path_params["slug"]
    form, filters = forms.feed_filters(request.query_params)
    if form.errors:
        return _bad_request(form.errors)
    built = await feeds.public_feed(app_context(request), slug=slug, filters=filters)
    return calendar_response(request, built, filename=f"{slug}.ics", private=False)


@answers
async def event_file(request: Request) -> Response:
    event_id = path_id(request, "event_id")
    built = await feeds.event_calendar(app_context(request), event_id=event_id)
    return calendar_response(
        request, built, filename=f"event-{event_id}.ics", private=False, attachment=True
    )


@answers
async def private_feed(request: Request) -> Response:
    token = request.path_params["token"]
    if not 0 < len(token) <= MAX_TOKEN_LENGTH:
        raise HTTPException(status_code=404)
    built = await feeds.private_feed(app_context(request), token=token)
    return calendar_response(request, built, filename="samspel.ics", private=True)


async def _feeds_page(request: Request, *, new: feeds.NewFeed | None = None) -> Response:
    actor = authorize(request, "account.manage")
    ctx = app_context(request)
    existing = await feeds.private_feeds(ctx, actor=actor)
    new_url = (
        f"{ctx.settings.base_url}/calendar/private/{new.token}.ics" if new is not None else None
    )
    return render(
        request,
        "calendars/feeds.html",
        {
            "feeds": existing,
            "choices": feeds.feed_choices(actor),
            "new_feed": new,
            "new_url": new_url,
            "new_webcal": links.webcal(new_url) if new_url else None,
            "base_url": ctx.settings.base_url,
            "webcal": links.webcal,
        },
    )


async def feed_list(request: Request) -> Response:
    return await _feeds_page(request)


@answers
async def create_feed(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    form = await request.form(max_files=0)
    kind, _sep, raw_id = str(form.get("feed", "")).partition(":")
    organisation_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else 0
    new = await feeds.create_private_feed(
        app_context(request), actor=actor, kind=kind, organisation_id=organisation_id
    )
    # The address is shown this once (only its hash is kept), so the page is the answer.
    return await _feeds_page(request, new=new)


@answers
async def revoke_feed(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    await feeds.revoke_private_feed(
        app_context(request), actor=actor, feed_id=path_id(request, "feed_id")
    )
    return RedirectResponse("/calendar/feeds?revoked=1", status_code=303)


routes = [
    Route("/calendar/feeds", feed_list, name="calendar_feeds"),
    Route("/calendar/feeds", create_feed, methods=["POST"], name="create_calendar_feed"),
    Route(
        "/calendar/feeds/{feed_id:int}/revoke",
        revoke_feed,
        methods=["POST"],
        name="revoke_calendar_feed",
    ),
    Route("/calendar/private/{token}.ics", private_feed, name="private_calendar_feed"),
    Route("/calendar/{slug}.ics", organisation_feed, name="organisation_calendar"),
    Route("/events/{event_id:int}.ics", event_file, name="event_calendar"),
]
