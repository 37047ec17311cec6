"""Security headers on every page (webapp/web/headers.py), the cookies' flags, and templates
that can live under the strict Content-Security-Policy.

Every GET route of the authorization table (tests/http/test_route_access.py, which must name
every route) is requested as the library's admin and anonymously, so a new page is covered
without a change here. That htmx works under the policy in a real browser is
tests/browser/test_security_csp.py.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from tests.http.test_route_access import ASSOCIATION_PAGES, EXPECTED, _place
from webapp.app import create_app
from webapp.auth.csrf import CSRF_COOKIE
from webapp.auth.sessions import SESSION_COOKIE
from webapp.web.headers import CSP

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def _directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def test_the_policy_is_strict():
    policy = _directives(CSP)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', 'unsafe-eval', no hosts
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in CSP and "*" not in CSP


def _paths(params: dict) -> list[str]:  # type: ignore[type-arg]
    paths = [t.format(**params) for t, method, _who in EXPECTED.values() if method == "GET"]
    paths += [template.format(**params) for template, _who in ASSOCIATION_PAGES.values()]
    # Files, errors and redirects get them too.
    paths += ["/static/css/app.css", "/vendor/htmx.min.js", "/no-such-page", "/favicon.ico"]
    return paths


def _check(response, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    wrong = []
    headers = response.headers
    for name, value in ALWAYS.items():
        if headers.get(name) != value:
            wrong.append(f"{path}: {name} = {headers.get(name)!r}")
    policy = headers.get("content-security-policy", "")
    if path.startswith("/embed/"):
        # The embeddable program: other sites may frame it (SAMSPEL_EMBED_FRAME_ANCESTORS).
        if "frame-ancestors 'none'" in policy or "x-frame-options" in headers:
            wrong.append(f"{path}: the embed page must be frameable")
        if policy.replace(_directives(policy).get("frame-ancestors", ""), "'none'") != CSP:
            wrong.append(f"{path}: the embed's policy differs beyond frame-ancestors")
    else:
        if policy != CSP:
            wrong.append(f"{path}: content-security-policy = {policy!r}")
        if headers.get("x-frame-options") != "DENY":
            wrong.append(f"{path}: x-frame-options = {headers.get('x-frame-options')!r}")
    if "strict-transport-security" in headers:
        wrong.append(f"{path}: HSTS over plain http")
    return wrong


@pytest.mark.parametrize("who", ["anonymous", "library_admin"])
def test_every_page_sends_the_security_headers(web, world, who):
    params = _place(web, world)
    if who != "anonymous":
        web.login(world.emails[who])
    wrong = []
    for path in _paths(params):
        wrong += _check(web.get(path), path)
    assert not wrong, "\n".join(wrong)


def test_embed_pages_name_the_configured_frame_ancestors(settings, world):  # noqa: ARG001
    configured = dataclasses.replace(
        settings, embed_frame_ancestors="https://bibliotek.example https://*.kommun.example"
    )
    with TestClient(create_app(configured), base_url="http://testserver") as client:
        embed = client.get(f"/embed/{world.library.slug}")
        page = client.get("/program")
    assert _directives(embed.headers["content-security-policy"])["frame-ancestors"] == (
        "https://bibliotek.example https://*.kommun.example"
    )
    assert "x-frame-options" not in embed.headers
    assert "set-cookie" not in embed.headers  # a page inside another site sets no cookies
    assert page.headers["x-frame-options"] == "DENY"


def _cookie_flags(response, name: str) -> set[str]:  # type: ignore[no-untyped-def]
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie set")


def test_https_adds_hsts_and_secure_cookies(settings, world):
    https = dataclasses.replace(settings, base_url="https://samspel.example")
    with TestClient(create_app(https), base_url="https://samspel.example") as client:
        page = client.get("/login")
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        csrf = _cookie_flags(page, CSRF_COOKIE)
        logged_in = client.post(
            "/login",
            data={
                "email": world.emails["library_staff"],
                "password": PASSWORD,
                "csrf_token": client.cookies[CSRF_COOKIE],
            },
            follow_redirects=False,
        )
        assert logged_in.status_code == 303
        assert logged_in.headers["strict-transport-security"]
        session = _cookie_flags(logged_in, SESSION_COOKIE)
    for flags in (csrf, session):
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags


def test_plain_http_cookies_are_httponly_and_lax(web, world):
    page = web.get("/login")
    assert {"httponly", "samesite=lax"} <= _cookie_flags(page, CSRF_COOKIE)
    response = web.post("/login", {"email": world.emails["library_staff"], "password": PASSWORD})
    assert {"httponly", "samesite=lax"} <= _cookie_flags(response, SESSION_COOKIE)


INLINE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on… event attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"hx-on[:-]|hx-vars|js:", re.I), "htmx code evaluated from an attribute"),
]


def test_templates_have_nothing_the_policy_would_block():
    """What the CSP refuses would silently break a page; no template may contain it."""
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)
