"""Logging in and out: the session cookie, safe redirects, and rate limits kept in the database."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import BASE_URL, PASSWORD, Web
from tests.http.browsers import read_english
from webapp import clock
from webapp.app import create_app
from webapp.auth.sessions import SESSION_COOKIE

# The rate limits count in fixed windows of wall-clock time; a test that ran across the end
# of a window would see its counts start again. Their clock stands still mid-window.
FROZEN_EPOCH = 1_800_000_450  # 450 s into a 900 s window


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "epoch_seconds", lambda: FROZEN_EPOCH)


@pytest.fixture(autouse=True)
def english(web):  # type: ignore[no-untyped-def]
    read_english(web)


def set_cookie(response, name: str) -> str | None:  # type: ignore[no-untyped-def]
    """The Set-Cookie header for ``name``, or None."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


def flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_log_in_and_out(web, world):
    email = world.emails["association_admin"]
    page = web.get("/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="password"' in page.text

    response = web.post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert "Admin of Nya grannar" in web.get("/dashboard").text

    response = web.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert web.get("/dashboard").headers["location"].startswith("/login")


def test_e_mail_is_matched_without_regard_to_case_and_spaces(web, world):
    response = web.post("/login", {"email": "  ADMIN@assoc.test ", "password": PASSWORD})
    assert response.status_code == 303


def test_wrong_password_is_400_with_message_at_the_e_mail_field(web, world):
    response = web.post(
        "/login", {"email": world.emails["association_admin"], "password": "not the password"}
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "The e-mail address or the password is wrong." in response.text
    assert 'aria-describedby="email-error"' in response.text
    assert set_cookie(response, SESSION_COOKIE) is None
    assert SESSION_COOKIE not in web.client.cookies
    # The address stays in the field; the password never comes back.
    assert 'value="admin@assoc.test"' in response.text
    assert "not the password" not in response.text


def test_unknown_account_gets_the_same_answer(web, world):
    response = web.post("/login", {"email": "nobody@nowhere.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "The e-mail address or the password is wrong." in response.text


def test_empty_fields_are_400_with_messages(web, world):
    response = web.post("/login", {"email": "", "password": ""})
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert 'id="password-error"' in response.text


def test_session_cookie_is_http_only_and_same_site_lax(web, world):
    response = web.post(
        "/login", {"email": world.emails["association_admin"], "password": PASSWORD}
    )
    header = set_cookie(response, SESSION_COOKIE)
    assert header is not None
    assert "httponly" in flags(header)
    assert "samesite=lax" in flags(header)
    assert "path=/" in flags(header)
    # Plain http (local development): Secure would make the browser drop the cookie.
    assert "secure" not in flags(header)


def test_session_cookie_is_secure_when_served_over_https(settings, world):
    https = "https://samspel.example"
    app = create_app(settings.with_changes(base_url=https))
    with TestClient(app, base_url=https) as client:
        first_visit = client.get("/login")
        csrf = set_cookie(first_visit, "samspel_csrf")
        assert csrf is not None and {"secure", "httponly", "samesite=lax"} <= flags(csrf)
        web = Web(client)
        response = web.post(
            "/login", {"email": world.emails["association_admin"], "password": PASSWORD}
        )
        assert response.status_code == 303
        header = set_cookie(response, SESSION_COOKIE)
        assert header is not None
        assert {"secure", "httponly", "samesite=lax"} <= flags(header)
        assert client.get("/dashboard", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("target", ["/orgs/nya-grannar/members", "/account?saved=profile"])
def test_next_takes_you_back_to_a_local_page(web, world, target):
    page = web.client.get("/login", params={"next": target})
    assert f'name="next" value="{target}"' in page.text
    response = web.post(
        "/login", {"email": world.emails["association_admin"], "password": PASSWORD, "next": target}
    )
    assert response.headers["location"] == target


def test_a_protected_page_sends_you_to_log_in_and_back(web, world):
    response = web.get("/orgs/nya-grannar/members")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/orgs/nya-grannar/members"


OTHER_SITES = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", OTHER_SITES)
def test_next_never_leads_to_another_site(web, world, target):
    email = world.emails["association_admin"]
    response = web.client.post(
        "/login",
        params={"next": target},
        data={"email": email, "password": PASSWORD, "next": target, "csrf_token": web.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    # Already logged in, the log-in page redirects at once: still only locally.
    again = web.client.get("/login", params={"next": target}, follow_redirects=False)
    assert again.headers["location"] == "/dashboard"


def test_log_out_ends_the_session_on_the_server(web, world):
    web.login(world.emails["association_admin"])
    stolen = web.client.cookies.get(SESSION_COOKIE)
    assert web.get("/account").status_code == 200

    web.post("/logout")
    assert SESSION_COOKIE not in web.client.cookies

    # Replaying the old cookie (copied before log-out) finds no session: anonymous.
    web.client.cookies.set(SESSION_COOKIE, stolen)
    response = web.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert "Log in" in web.get("/").text


def test_a_forged_session_cookie_is_anonymous(web, world):
    web.client.cookies.set(SESSION_COOKIE, "made-up.value")
    assert web.get("/account").status_code == 303


def test_log_out_needs_the_csrf_token(web, world):
    web.login(world.emails["association_admin"])
    response = web.client.post("/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert web.get("/account").status_code == 200


def fail(web, email: str):  # type: ignore[no-untyped-def]
    return web.post("/login", {"email": email, "password": "wrong password here"})


def test_too_many_failures_for_one_account_lock_it_for_a_while(web, world):
    email = world.emails["association_admin"]
    limit = web.ctx.settings.login_limit_per_account
    for _ in range(limit):
        assert fail(web, email).status_code == 400

    response = web.post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 429
    window = web.ctx.settings.login_limit_window_seconds
    assert int(response.headers["retry-after"]) == window - FROZEN_EPOCH % window
    assert 'id="email-error"' in response.text
    assert "Too many attempts" in response.text
    assert set_cookie(response, SESSION_COOKIE) is None

    # The same account written differently is the same account.
    assert (
        web.post("/login", {"email": "ADMIN@assoc.test", "password": PASSWORD}).status_code == 429
    )
    # Other accounts are not affected.
    web.login(world.emails["association_member"])


def test_a_successful_log_in_resets_the_account_count(web, world):
    email = world.emails["association_admin"]
    limit = web.ctx.settings.login_limit_per_account
    for _ in range(limit - 1):
        fail(web, email)
    web.login(email)
    web.logout()
    for _ in range(limit - 1):
        assert fail(web, email).status_code == 400
    web.login(email)


def test_too_many_failures_from_one_address_across_accounts(web, world):
    limit = web.ctx.settings.login_limit_per_address
    per_account = web.ctx.settings.login_limit_per_account
    for n in range(limit):
        # Spread over many accounts, so no single account reaches its own limit.
        assert fail(web, f"guess{n // (per_account - 1)}@nowhere.test").status_code == 400

    response = web.post("/login", {"email": world.emails["library_staff"], "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_the_counts_are_shared_by_every_app_process(web, settings, world):
    email = world.emails["association_admin"]
    for _ in range(web.ctx.settings.login_limit_per_account):
        fail(web, email)
    second = create_app(settings)
    with TestClient(second, base_url=BASE_URL) as client:
        response = Web(client).post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 429
