"""What route modules share: service refusals turned into error pages, the application's
context, ids from the path, and the library a ``/orgs/{slug}/…`` URL names."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from webapp.context import Context
from webapp.problems import Forbidden, NotFound

MAX_ID = 2**31 - 1
Handler = Callable[[Request], Awaitable[Response]]


def answers(handler: Handler) -> Handler:
    """NotFound from a service is a 404 page, Forbidden a 403 page."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except NotFound:
            raise HTTPException(status_code=404) from None
        except Forbidden:
            raise HTTPException(status_code=403) from None

    return wrapped


async def limit_public_form(request: Request, kind: str) -> None:
    """A public form (no account) sent too often from one address: 429 with Retry-After."""
    from webapp.auth import ratelimit
    from webapp.i18n import ngettext

    address = request.client.host if request.client else "unknown"
    wait = await ratelimit.public_form(app_context(request), kind, address)
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        raise HTTPException(
            status_code=429,
            detail=ngettext(
                "Too many sign-ups from this network. Try again in %(num)d minute.",
                "Too many sign-ups from this network. Try again in %(num)d minutes.",
                minutes,
            ),
            headers={"Retry-After": str(wait)},
        )


def app_context(request: Request) -> Context:
    return request.app.state.ctx


def path_id(request: Request, name: str) -> int:
    """A positive database id from the path; anything else is NotFound."""
    value = request.path_params.get(name)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


async def library_from_path(request: Request) -> Row:
    """The library named by ``{slug}``; an association's slug is NotFound here."""
    from webapp.orgs import service as orgs

    org = await orgs.organisation(app_context(request), request.path_params["slug"])
    if org.kind != "library":
        raise NotFound()
    return org


# Path parameters that name something public; any other text in a path (a token, a code,
# a feed's key) may be someone's personal link.
PUBLIC_PARAMETERS = frozenset({"slug"})


def shareable_path(request: Request) -> str:
    """The page's path as it may be passed on to others (the accessibility report's "which
    page"): the path itself when its parameters are ids and organisations' names, else the
    route's pattern (``/r/{token}``), so a personal link never travels with it."""
    route = request.scope.get("route")
    params = request.path_params
    if all(isinstance(v, int) or k in PUBLIC_PARAMETERS for k, v in params.items()):
        return request.url.path
    return str(getattr(route, "path", "/"))
