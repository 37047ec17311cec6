"""The public JSON API, version 1: thin handlers. Read-only: GET and HEAD answer, OPTIONS
answers a browser's CORS preflight, any other method is a JSON 405."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webapp import clock
from webapp.api import forms, openapi, responses, service
from webapp.problems import Invalid, NotFound
from webapp.web.routing import app_context as _ctx

Handler = Callable[[Request], Awaitable[Response]]
# Every method reaches the handlers, so that the answer to one the API does not allow is
# JSON too (unsafe methods meet the CSRF check first: a 403 page without a token).
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]


def _reads(handler: Handler) -> Handler:
    """GET and HEAD reach the handler; a service's Invalid is a 400 naming the parameters."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        if request.method == "OPTIONS":
            return responses.preflight()
        if request.method not in ("GET", "HEAD"):
            return responses.method_not_allowed()
        try:
            return await handler(request)
        except Invalid as invalid:
            return responses.bad_parameters(invalid.errors)

    return wrapped


@_reads
async def events(request: Request) -> Response:
    form, query = forms.events_query(request.query_params)
    if form.errors:
        return responses.bad_parameters(form.errors)
    found = await service.events(_ctx(request), query=query, now=clock.now())
    return responses.api_json(found)


@_reads
async def event(request: Request) -> Response:
    event_id = forms.event_id(request.path_params["event_id"])
    if event_id is None:
        return responses.event_not_found()
    try:
        found = await service.event(_ctx(request), event_id=event_id)
    except NotFound:
        return responses.event_not_found()
    return responses.api_json(found)


@_reads
async def openapi_document(request: Request) -> Response:
    return responses.api_json(openapi.document(_ctx(request).settings.base_url))


@_reads
async def not_found(request: Request) -> Response:
    return responses.not_found()


routes = [
    Route("/api/v1/events", events, methods=METHODS, name="api_events"),
    Route("/api/v1/events/{event_id}", event, methods=METHODS, name="api_event"),
    Route("/api/v1/openapi.json", openapi_document, methods=METHODS, name="api_openapi"),
    Route("/api/{path:path}", not_found, methods=METHODS, name="api_not_found"),
]
