"""CSRF: every unsafe route of the app refuses a request without the right token.

The routes come from the app's own route list, so a new POST route is covered the day it is
added. Each one is sent, anonymously and logged in: no token and no cookie; the cookie but no
token; another browser's (validly signed) token; a wrong ``X-CSRF-Token`` header (htmx's
way); and the right token from another site's page (Origin). All must be the CSRF refusal
(403 with its own message) and change nothing.

The only routes without the token are listed in ``TOKEN_FREE`` with the reason; the test
checks that list against the middleware's exemptions both ways.
"""

from __future__ import annotations

import re

from starlette.middleware import Middleware
from starlette.routing import Mount, Route

from tests.http.browsers import other_browser, read_english
from tests.http.records import row_counts
from webapp.auth.csrf import CSRF_HEADER, CSRFMiddleware

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
REFUSAL = "Your form had expired or came from another site."

# Route name -> why it takes no CSRF token.
TOKEN_FREE = {
    "twilio_status": "Twilio's delivery reports: a server-to-server call without cookies; "
    "the X-Twilio-Signature (HMAC of the URL and form with the auth token) is checked instead "
    "(tests/http/test_twilio_webhooks.py).",
    "twilio_inbound": "Twilio's incoming messages: as twilio_status, signed by Twilio.",
}
# The JSON API (webapp/api) is read-only and takes no bearer tokens: its unsafe methods meet
# the CSRF check like every page (then a JSON 405), so it needs no exemption.

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _example_path(route: Route) -> str:
    """The route's path with made-up values (the check runs before routing anyway)."""

    def value(found: re.Match[str]) -> str:
        kind = found.group(2) or "str"
        return {"int": "1", "path": "some/path", "float": "1.0"}.get(kind, "something")

    return _PARAM.sub(value, route.path)


def unsafe_routes(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(name, method, path) of every route that takes an unsafe method."""
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(set(route.methods or ()) & set(UNSAFE)):
                found.append((route.name, method, _example_path(route)))
        else:
            assert isinstance(route, Mount) and route.name in ("static", "vendor"), route
    return found


def _csrf_exemptions(app) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    (csrf,) = [
        m for m in app.user_middleware if isinstance(m, Middleware) and m.cls is CSRFMiddleware
    ]
    return tuple(csrf.kwargs.get("exempt_prefixes", ()))


def test_the_token_free_routes_are_exactly_the_exempt_ones(app):
    prefixes = _csrf_exemptions(app)
    exempt = {name for name, _m, path in unsafe_routes(app) if path.startswith(prefixes)}
    assert exempt == set(TOKEN_FREE), (
        "routes the CSRF middleware lets through without a token must be listed, with the "
        f"reason, in TOKEN_FREE: {exempt ^ set(TOKEN_FREE)}"
    )
    assert prefixes == ("/webhooks/",)
    # The enumeration itself sees the app's forms (a broken one would make the sweep empty).
    names = {name for name, _m, _p in unsafe_routes(app)}
    assert {"login", "logout", "signup", "rsvp", "members", "compose_sms"} <= names


def _attempts(web, path: str, method: str):  # type: ignore[no-untyped-def]
    """The forged requests, as (what, response)."""
    own = web.csrf()
    with other_browser(web):
        foreign = web.csrf()  # a token the attacker's own visit got: validly signed
    form = {"name": "x", "email": "a@b.example", "password": "whatever"}
    yield "no token", web.client.request(method, path, data=form)
    yield (
        "another browser's token",
        web.client.request(method, path, data={**form, "csrf_token": foreign}),
    )
    yield (
        "wrong htmx header",
        web.client.request(
            method, path, data=form, headers={CSRF_HEADER: foreign, "HX-Request": "true"}
        ),
    )
    yield "empty token", web.client.request(method, path, data={**form, "csrf_token": ""})
    yield (
        "right token, other site",
        web.client.request(
            method,
            path,
            data={**form, "csrf_token": own},
            headers={"Origin": "https://evil.example"},
        ),
    )


def _sweep(web, app) -> list[str]:  # type: ignore[no-untyped-def]
    failures = []
    for name, method, path in unsafe_routes(app):
        if name in TOKEN_FREE:
            continue
        for what, response in _attempts(web, path, method):
            if response.status_code != 403 or REFUSAL not in response.text:
                failures.append(f"{method} {path} ({name}), {what}: {response.status_code}")
    return failures


def test_every_unsafe_route_refuses_a_forged_request_anonymously(web, app, world):
    read_english(web)
    before = row_counts(web)
    # Without any cookie at all (a first visit from another site's form).
    with other_browser(web):
        for name, method, path in unsafe_routes(app):
            if name not in TOKEN_FREE:
                response = web.client.request(method, path, data={"name": "x"})
                assert response.status_code == 403 and REFUSAL in response.text, (name, method)
    assert not _sweep(web, app)
    assert row_counts(web) == before


def test_every_unsafe_route_refuses_a_forged_request_when_logged_in(web, app, world):
    read_english(web)
    web.login(world.emails["library_admin"])
    before = row_counts(web)
    failures = _sweep(web, app)
    assert not failures, "\n".join(failures)
    assert row_counts(web) == before
    assert web.get("/dashboard").status_code == 200  # still logged in: nothing was undone


def test_the_token_free_routes_still_refuse_unsigned_requests(web, app):
    # Exempt from the token, not from proof: without Twilio's signature they are 403 too.
    paths = {name: path for name, _m, path in unsafe_routes(app)}
    for name in TOKEN_FREE:
        response = web.client.post(paths[name], data={"MessageSid": "SM1", "From": "+46701234567"})
        assert response.status_code == 403, name
        assert REFUSAL not in response.text  # refused by the signature check, not CSRF
