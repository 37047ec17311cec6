"""Forgotten passwords (a link by e-mail) and changing the password on /account."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import PASSWORD, SECRET
from tests.http.browsers import Browsers, other_browser, read_english
from tests.http.records import link_in, mail_to, row_counts, rows, session_count
from webapp.auth.sessions import SESSION_COOKIE
from webapp.auth.tokens import digest
from webapp.db.tables import users

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def english(web):  # type: ignore[no-untyped-def]
    read_english(web)


def ask_for_link(web, email: str) -> str:  # type: ignore[no-untyped-def]
    before = len(mail_to(web, email))
    response = web.post("/password/forgot", {"email": email})
    assert response.status_code == 200
    sent = mail_to(web, email)
    assert len(sent) == before + 1
    return link_in(sent[0].body, "/password/reset/")


def can_log_in(web, email: str, password: str) -> bool:  # type: ignore[no-untyped-def]
    with other_browser(web) as other:
        response = other.post("/login", {"email": email, "password": password})
    return response.status_code == 303


def test_the_answer_is_the_same_for_known_and_unknown_addresses(web, world):
    already = len(mail_to(web, "admin@assoc.test"))
    known = web.post("/password/forgot", {"email": "admin@assoc.test"})
    unknown = web.post("/password/forgot", {"email": "nobody@assoc.test"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("admin@assoc.test", "X") == unknown.text.replace(
        "nobody@assoc.test", "X"
    )
    assert mail_to(web, "nobody@assoc.test") == []
    assert len(mail_to(web, "admin@assoc.test")) == already + 1


def test_an_empty_or_malformed_address_is_400_with_a_message(web, world):
    for value in ("", "not an address"):
        response = web.post("/password/forgot", {"email": value})
        assert response.status_code == 400
        assert 'id="email-error"' in response.text


def test_the_link_sets_a_new_password_once(web, world):
    email = world.emails["association_admin"]
    link = ask_for_link(web, email)
    assert mail_to(web, email)[0].subject  # in the account's language

    page = web.get(link)
    assert page.status_code == 200
    assert 'name="password"' in page.text and 'name="password_confirm"' in page.text

    response = web.post(link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?reset=1"
    assert "Your password has been changed" in web.get("/login?reset=1").text

    assert not can_log_in(web, email, PASSWORD)
    assert can_log_in(web, email, NEW_PASSWORD)

    # The same link again: gone, by GET and by POST.
    assert web.get(link).status_code == 404
    again = web.post(
        link, {"password": "yet another passphrase", "password_confirm": "yet another passphrase"}
    )
    assert again.status_code == 404
    assert "This link has expired or has already been used." in again.text
    assert can_log_in(web, email, NEW_PASSWORD)


def test_a_reset_ends_every_open_session_of_the_account(web, world):
    email = world.emails["association_admin"]
    web.login(email)
    assert web.get("/account").status_code == 200

    with other_browser(web) as other:
        link = ask_for_link(other, email)
        other.post(link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert session_count(web, email) == 0
    response = web.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_an_older_link_stops_working_when_a_newer_one_is_used(web, world):
    email = world.emails["association_admin"]
    first = ask_for_link(web, email)
    web.post("/password/forgot", {"email": email})
    second = link_in(mail_to(web, email)[0].body, "/password/reset/")
    assert (
        web.post(second, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code
        == 303
    )
    assert web.get(first).status_code == 404


def test_mismatching_confirmation_is_400_and_changes_nothing(web, world):
    email = world.emails["association_admin"]
    link = ask_for_link(web, email)
    before = rows(web, users, users.c.email == email)[0].password_hash

    response = web.post(link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "!"})
    assert response.status_code == 400
    assert 'id="password_confirm-error"' in response.text
    assert "The two passwords are not the same." in response.text
    assert NEW_PASSWORD not in response.text

    assert rows(web, users, users.c.email == email)[0].password_hash == before
    assert can_log_in(web, email, PASSWORD)
    assert web.get(link).status_code == 200  # still usable


def test_a_short_new_password_is_400(web, world):
    link = ask_for_link(web, world.emails["association_admin"])
    response = web.post(link, {"password": "short", "password_confirm": "short"})
    assert response.status_code == 400
    assert 'id="password-error"' in response.text
    assert "at least 10 characters" in response.text


def _token(payload: dict, *, secret: str = SECRET, age_seconds: int = 0) -> str:
    class Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    serializer = URLSafeTimedSerializer(secret, salt="samspel.password-reset", signer=Backdated)
    return serializer.dumps(payload)


def _payload(web, email: str) -> dict:  # type: ignore[no-untyped-def]
    user = rows(web, users, users.c.email == email)[0]
    return {"u": user.id, "p": digest(user.password_hash)[:16]}


def test_a_genuine_token_made_like_the_app_does_works(web, world):
    # Guards the forgeries below: they differ from a working token in one way only.
    email = world.emails["association_admin"]
    assert web.get(f"/password/reset/{_token(_payload(web, email))}").status_code == 200


def test_an_expired_link_is_a_404_page(web, world):
    email = world.emails["association_admin"]
    hours = web.ctx.settings.password_reset_hours
    token = _token(_payload(web, email), age_seconds=hours * 3600 + 60)
    response = web.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert "This link has expired or has already been used." in response.text
    posted = web.post(
        f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert posted.status_code == 404
    assert can_log_in(web, email, PASSWORD)


def test_forged_and_garbled_links_are_404_pages(web, world):
    email = world.emails["association_admin"]
    genuine = link_in_for(web, email)
    forged = [
        "garbage",
        genuine[:-3] + ("aaa" if not genuine.endswith("aaa") else "bbb"),
        _token(_payload(web, email), secret="another-secret-key-" + "y" * 40),
        _token({"u": str(_payload(web, email)["u"]), "p": _payload(web, email)["p"]}),
        _token({"u": _payload(web, email)["u"], "p": "0" * 16}),
        _token({"u": 999999, "p": _payload(web, email)["p"]}),
        _token(["not", "a", "dict"]),  # type: ignore[arg-type]
    ]
    counts = row_counts(web)
    for token in forged:
        response = web.get(f"/password/reset/{token}")
        assert response.status_code == 404, token
        assert "Ask for a new link" in response.text
        posted = web.post(
            f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        )
        assert posted.status_code == 404, token
    assert row_counts(web) == counts
    assert can_log_in(web, email, PASSWORD)


def link_in_for(web, email: str) -> str:  # type: ignore[no-untyped-def]
    return ask_for_link(web, email).removeprefix("/password/reset/")


def change_password(web, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return web.post(
        "/account",
        {
            "form": "password",
            "current_password": current,
            "password": new,
            "password_confirm": confirm or new,
        },
    )


def test_changing_the_password_keeps_this_session_and_ends_the_others(web, world):
    email = world.emails["library_staff"]
    browsers = Browsers(web)
    with browsers.use("phone") as phone:
        phone.login(email)
    web.login(email)
    assert session_count(web, email) == 2

    response = change_password(web, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/account?saved=password"
    assert "Your password has been changed" in web.get("/account?saved=password").text

    assert web.get("/account").status_code == 200
    with browsers.use("phone") as phone:
        assert phone.get("/account").status_code == 303
    assert session_count(web, email) == 1
    assert not can_log_in(web, email, PASSWORD)
    assert can_log_in(web, email, NEW_PASSWORD)


def test_a_wrong_current_password_is_400_and_changes_nothing(web, world):
    email = world.emails["library_staff"]
    web.login(email)
    before = rows(web, users, users.c.email == email)[0].password_hash
    response = change_password(web, "not my password", NEW_PASSWORD)
    assert response.status_code == 400
    assert 'id="current_password-error"' in response.text
    assert "The current password is wrong." in response.text
    assert "not my password" not in response.text and NEW_PASSWORD not in response.text
    assert rows(web, users, users.c.email == email)[0].password_hash == before
    assert web.get("/account").status_code == 200


def test_a_mismatching_new_password_on_account_is_400(web, world):
    web.login(world.emails["library_staff"])
    response = change_password(web, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "?")
    assert response.status_code == 400
    assert 'id="password_confirm-error"' in response.text
    assert can_log_in(web, world.emails["library_staff"], PASSWORD)


def test_the_account_page_needs_a_login(web, world):
    response = web.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    assert SESSION_COOKIE not in web.client.cookies
