"""Rate limits of the forms anyone may send without an account: the association sign-up and
the password-reset request (log-in: tests/http/test_login.py; RSVPs and volunteer sign-ups:
tests/http/test_volunteers.py; Twilio's webhooks: their own tests). Counted in the database,
so every app process sees the same counts (webapp/auth/ratelimit.py).

The limit is lowered to 3 here so the tests stay short; the production numbers come from
the settings (docs/security.md).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.http.browsers import read_english
from tests.http.records import mail_to, row_counts
from webapp import clock
from webapp.auth.service import RESET_MAILS_PER_ACCOUNT

LIMIT = 3
PASSWORD = "we read aloud on sundays"


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return dataclasses.replace(settings, public_form_limit_per_address=LIMIT)


@pytest.fixture(autouse=True)
def english_mid_window(web, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "epoch_seconds", lambda: 1_800_000_300)  # 5 min into a window
    read_english(web)


def _signup(world, **changes):  # type: ignore[no-untyped-def]
    return {
        "org_name": "Läsfrämjarna i Rosengård",
        "description": "",
        "website": "",
        "library_id": str(world.library.id),
        "message": "",
        "name": "Maria Haddad",
        "email": "maria@lasframjarna.example",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        **changes,
    }


def test_sign_ups_are_limited_per_address(web, world):
    for _ in range(LIMIT):  # failed tries count too: each one costs us a form and a query
        assert web.post("/signup", _signup(world, org_name="")).status_code == 400
    before = row_counts(web)
    refused = web.post("/signup", _signup(world))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "300"
    assert "Too many sign-ups from this network. Try again in 5 minutes." in refused.text
    assert row_counts(web) == before  # nothing made


def test_the_sign_up_limit_is_per_address(web, world):
    for _ in range(LIMIT):
        web.post("/signup", _signup(world, org_name=""))
    assert web.post("/signup", _signup(world)).status_code == 429
    # TestClient's requests all come from "testclient"; another address still has its own.
    from webapp.auth import ratelimit

    assert web.run(ratelimit.public_form, web.ctx, "signup", "192.0.2.7") is None


def test_password_reset_requests_are_limited_per_address(web, world):
    for n in range(LIMIT):
        response = web.post("/password/forgot", {"email": f"nobody{n}@nowhere.example"})
        assert response.status_code == 200
    before = len(mail_to(web, "admin@assoc.test"))
    refused = web.post("/password/forgot", {"email": "admin@assoc.test"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "300"
    assert "Too many requests from this network. Try again in 5 minutes." in refused.text
    assert 'value="admin@assoc.test"' in refused.text  # what was typed is kept
    assert len(mail_to(web, "admin@assoc.test")) == before


def test_reset_mails_to_one_account_are_limited_without_telling(web, world):
    # Many addresses (a botnet) asking for one person's link: the mailbox gets a few. The
    # service answers the same either way (the page always says "sent"), so the limit does
    # not reveal whether the account exists.
    from webapp.auth import service

    before = len(mail_to(web, "admin@assoc.test"))  # the world's own mail (an approval)
    for _ in range(RESET_MAILS_PER_ACCOUNT.limit + 2):
        assert web.run(service.request_password_reset, web.ctx, email="admin@assoc.test") is None
    sent = len(mail_to(web, "admin@assoc.test")) - before
    assert sent == RESET_MAILS_PER_ACCOUNT.limit


def test_an_upload_over_the_limit_is_refused_and_nothing_kept(web, world):
    from webapp.contacts.service import MAX_IMPORT_BYTES

    web.login(world.emails["library_admin"])
    big = b"name;phone;consent;date\n" + b"x" * (MAX_IMPORT_BYTES + 100 * 1024)
    response = web.client.post(
        f"/orgs/{world.library.slug}/contacts/import",
        data={"csrf_token": web.csrf()},
        files={"file": ("list.csv", big, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "The file is larger than 5 MB." in response.text
    assert "/contacts/import/" not in response.headers.get("location", "")


def test_a_file_sent_to_a_form_without_one_is_refused(web, world):
    response = web.client.post(
        "/password/forgot",
        data={"csrf_token": web.csrf(), "email": "admin@assoc.test"},
        files={"email": ("x.txt", b"admin@assoc.test", "text/plain")},
        follow_redirects=False,
    )
    assert response.status_code == 400
