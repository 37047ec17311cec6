"""Error pages and the exceptions routes raise to reach them."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from webapp.api import responses as api_responses
from webapp.db.engine import unavailable
from webapp.i18n import _
from webapp.web.routing import shareable_path
from webapp.web.templating import render

log = logging.getLogger("samspel.errors")


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/')}"


async def login_required(request: Request, exc: Exception) -> Response:
    url = login_url(request)
    if getattr(request.state, "htmx", None):
        # A 302 would swap the login page into a fragment; ask htmx to navigate instead.
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("There is nothing at this address. Check the link.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many attempts"), _("Wait a while and try again.")),
        500: (_("Something went wrong"), _("An error occurred on our side. Try again shortly.")),
        503: (_("Temporarily unavailable"), _("The service is busy or down. Try again shortly.")),
    }


def error_page(request: Request, status_code: int, detail: str | None = None) -> Response:
    title, text = _messages().get(status_code, _messages()[400 if status_code < 500 else 500])
    if detail and status_code < 500:
        text = detail
    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "title": title, "text": text},
        status_code=status_code,
    )


def unavailable_page(request: Request, text: str, *, retry_after: int) -> Response:
    """A 503 page saying what could not be done right now, with ``Retry-After``."""
    title = _messages()[503][0]
    response = render(
        request,
        "errors/error.html",
        {"status_code": 503, "title": title, "text": text},
        status_code=503,
    )
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail and exc.status_code in (403, 429)
        else None
    )
    if detail and detail in ("Forbidden", "Too Many Requests"):
        detail = None
    response = error_page(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


# Seconds a client is asked to wait when the database is unavailable (503).
UNAVAILABLE_RETRY_AFTER = 10


def _unavailable_page(request: Request, exc: Exception) -> Response:
    # The database is down, cut off or too busy (webapp/db/engine.py): not a bug, and the
    # next request tries again. One log line, no traceback: an outage would be all tracebacks.
    # The path as it may be shown (never a personal link's token).
    path = shareable_path(request)
    log.warning("database unavailable for %s %s: %s", request.method, path, exc)
    text = _messages()[503][1]
    # Each kind of client gets the kind of answer it reads: the API's error object for the
    # API, plain text for calendar apps, a page for people.
    if request.url.path.startswith("/api/"):
        return api_responses.unavailable(UNAVAILABLE_RETRY_AFTER)
    if request.url.path.endswith(".ics"):
        return PlainTextResponse(
            text,
            status_code=503,
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER), "Cache-Control": "no-store"},
        )
    return unavailable_page(request, text, retry_after=UNAVAILABLE_RETRY_AFTER)


async def database_error(request: Request, exc: Exception) -> Response:
    """A database or OS error in a route: the 503 page when the database is unavailable;
    anything else goes on to :func:`server_error` (a 500, logged with its traceback)."""
    if not unavailable(exc):
        raise exc
    return _unavailable_page(request, exc)


async def server_error(request: Request, exc: Exception) -> Response:
    if unavailable(exc):  # raised outside the routes (a middleware's session lookup)
        return _unavailable_page(request, exc)
    return error_page(request, 500)


async def csrf_refused(request: Request, reason: str) -> Response:
    if reason == "too-large":
        return error_page(request, 413)
    return error_page(
        request,
        403,
        _(
            "Your form had expired or came from another site. Go back, reload the page and try again."  # noqa: E501
        ),
    )
