"""Which language pages come in: the browser's wish, the switcher, the account's choice.

The catalogs are being translated; these tests read the ``lang`` attribute and the
Content-Language header, and words only in English, the source language.
"""

from __future__ import annotations

import re

import pytest

from tests.http.browsers import other_browser
from tests.http.records import rows
from webapp.db.tables import users
from webapp.i18n.middleware import LANGUAGE_COOKIE


def lang(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'<html lang="([^"]+)">', response.text)
    assert found, response.text[:200]
    assert response.headers["content-language"] == found.group(1)
    return found.group(1)


def saved_locale(web, email: str) -> str | None:  # type: ignore[no-untyped-def]
    return rows(web, users, users.c.email == email)[0].locale


def choose(web, code: str, back: str = "/signup", **kwargs):  # type: ignore[no-untyped-def]
    return web.post("/language", {"lang": code, "next": back}, **kwargs)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("da", "da"),
        ("da-DK,da;q=0.9,en;q=0.5", "da"),
        ("nb-NO", "nb"),
        ("no", "nb"),
        ("nn", "nb"),
        ("en-GB,en;q=0.8", "en"),
        ("sv-FI", "sv"),
        ("de-DE,fr;q=0.5", "sv"),  # nothing we have: the service's default
        ("fr;q=1, da;q=0.2", "da"),
        ("en;q=0, da", "da"),
    ],
)
def test_the_browser_language_is_used(web, accept, expected):
    response = web.get("/login", headers={"Accept-Language": accept})
    assert response.status_code == 200
    assert lang(response) == expected
    assert "accept-language" in response.headers["vary"].lower()


def test_without_a_wish_pages_are_in_the_service_language(web):
    assert lang(web.get("/")) == web.ctx.settings.locale == "sv"


def test_english_pages_read_in_english(web):
    page = web.get("/login", headers={"Accept-Language": "en"})
    assert "<title>Log in · Samspel</title>" in page.text
    assert "Forgot your password?" in page.text


def test_every_page_carries_the_switcher_back_to_itself(web):
    page = web.get("/signup?from=poster")
    assert '<form method="post" action="/language"' in page.text
    assert 'name="next" value="/signup?from=poster"' in page.text
    for code in ("sv", "da", "nb", "en"):
        assert f'name="lang" value="{code}"' in page.text


def test_the_switcher_sets_a_cookie_and_then_pages_follow_it(web):
    response = choose(web, "nb", "/signup?from=poster")
    assert response.status_code == 303
    assert response.headers["location"] == "/signup?from=poster"
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(f"{LANGUAGE_COOKIE}=")
    )
    assert header.startswith(f"{LANGUAGE_COOKIE}=nb;")
    assert "samesite=lax" in header.lower()

    # The choice wins over what the browser asks for.
    assert lang(web.get("/signup", headers={"Accept-Language": "da"})) == "nb"
    assert lang(web.get("/login")) == "nb"
    assert 'aria-current="true">Norsk bokmål<' in web.get("/").text


def test_the_switcher_works_on_error_pages_too(web):
    choose(web, "da")
    response = web.get("/no-such-page")
    assert response.status_code == 404
    assert lang(response) == "da"


@pytest.mark.parametrize("code", ["xx", "de", "", "EN", "sv-SE", "<script>"])
def test_an_unknown_language_is_ignored(web, code):
    choose(web, "da")
    response = choose(web, code)
    assert response.status_code == 303
    assert response.headers["location"] == "/signup"
    assert not any(
        h.startswith(f"{LANGUAGE_COOKIE}=") for h in response.headers.get_list("set-cookie")
    )
    assert lang(web.get("/")) == "da"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switcher_goes_back_only_to_local_pages(web, target):
    response = choose(web, "en", target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_switcher_needs_the_csrf_token(web):
    web.csrf()
    response = web.client.post(
        "/language", data={"lang": "da", "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert lang(web.get("/")) == "sv"


def test_a_logged_in_choice_is_saved_to_the_account_and_follows_the_person(web, world):
    email = world.emails["association_member"]
    web.login(email)
    choose(web, "da")
    assert saved_locale(web, email) == "da"

    # Another device, no language cookie, a browser set to English: the account's choice wins.
    with other_browser(web) as laptop:
        laptop.login(email)
        assert lang(laptop.get("/dashboard", headers={"Accept-Language": "en"})) == "da"
        # Logged out again, the browser's wish applies.
        laptop.logout()
        assert lang(laptop.get("/", headers={"Accept-Language": "en"})) == "en"


def test_the_account_choice_wins_over_an_older_cookie(web, world):
    email = world.emails["association_member"]
    choose(web, "nb")  # anonymous: only the cookie
    web.login(email)
    assert lang(web.get("/dashboard")) == "nb"
    choose(web, "en")
    assert saved_locale(web, email) == "en"
    web.client.cookies.set(LANGUAGE_COOKIE, "nb")
    assert lang(web.get("/dashboard")) == "en"


def test_an_anonymous_choice_changes_no_account(web, world):
    choose(web, "da")
    assert {saved_locale(web, e) for e in world.emails.values()} == {None}


def test_the_language_on_the_account_page(web, world):
    email = world.emails["association_member"]
    web.login(email)
    response = web.post("/account", {"form": "profile", "name": "Lina Ahmadi", "locale": "nb"})
    assert response.status_code == 303
    assert saved_locale(web, email) == "nb"
    assert lang(web.get("/account", headers={"Accept-Language": "da"})) == "nb"
    assert rows(web, users, users.c.email == email)[0].name == "Lina Ahmadi"


def test_the_account_can_go_back_to_the_browser_language(web, world):
    email = world.emails["association_member"]
    web.login(email)
    choose(web, "nb")
    response = web.post("/account", {"form": "profile", "name": "Member", "locale": ""})
    assert response.status_code == 303
    assert saved_locale(web, email) is None
    assert lang(web.get("/account", headers={"Accept-Language": "da"})) == "da"


def test_an_unknown_language_on_the_account_page_is_400(web, world):
    email = world.emails["association_member"]
    web.login(email)
    response = web.post("/account", {"form": "profile", "name": "Member", "locale": "xx"})
    assert response.status_code == 400
    assert 'id="locale-error"' in response.text
    assert saved_locale(web, email) is None
