"""Secrets never reach the logs or the error pages.

A realistic run with every logger at DEBUG (ours, uvicorn's, httpx's, twilio's, asyncio's,
SQLAlchemy's): log-in with a password and a wrong one, a password reset by e-mail link, an
invitation to join an organisation, an SMS sent through the real twilio library to the fake
Twilio server with the account's auth token, the recipient opening the SMS's personal link,
and a page that fails with a 500. Then no log record (message, arguments, extra fields,
traceback) and no error page may contain any of: the passwords, SAMSPEL_SECRET_KEY,
TWILIO_AUTH_TOKEN, the session cookie, the CSRF token, the reset token, the invitation
token, the SMS's personal link code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date, time

import pytest

from invites.sms.quiet_hours import QuietHours
from tests import factories
from tests.conftest import PASSWORD, SECRET
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.browsers import other_browser, read_english
from tests.http.records import link_in, mail_to
from webapp.auth.csrf import CSRF_COOKIE
from webapp.auth.sessions import SESSION_COOKIE

NEW_PASSWORD = "a brand new passphrase 77"
WRONG_PASSWORD = "not-the-password-but-close 41"
JOINER_PASSWORD = "joining with my own phrase 93"
# Libraries whose loggers the run sets to DEBUG beside the root (the database drivers stay as
# webapp/logs.py pins them: their DEBUG lines are every query's parameters).
LIBRARIES = ("uvicorn", "uvicorn.error", "httpx", "httpcore", "twilio", "asyncio", "multipart",
             "python_multipart")  # fmt: skip


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=3) as server:
        yield server


@pytest.fixture
def settings(settings, fake):  # type: ignore[no-untyped-def]
    return dataclasses.replace(
        settings,
        sms_provider="twilio",
        twilio_account_sid=DEFAULT_ACCOUNT_SID,
        twilio_auth_token=DEFAULT_AUTH_TOKEN,
        twilio_from="+46700000000",
        twilio_api_base=fake.base_url,
    )


@pytest.fixture
def everything_logged(caplog):  # type: ignore[no-untyped-def]
    """Logging as ``samspel serve`` sets it up with SAMSPEL_LOG_LEVEL=DEBUG (JSON lines to
    stderr), every record also caught here; the process's logging is restored afterwards."""
    from webapp.logs import configure

    root = logging.getLogger()
    kept = (list(root.handlers), root.level)
    levels = {n: logging.getLogger(n).level for n in (*LIBRARIES, "aiosqlite", "sqlalchemy")}
    configure("DEBUG", "json")
    root.addHandler(caplog.handler)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    root.handlers[:] = kept[0]
    root.setLevel(kept[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger("uvicorn.access").disabled = False


def _record_text(record: logging.LogRecord) -> str:
    """Everything a formatter could write of a record."""
    parts = [str(record.msg), repr(record.args), record.getMessage()]
    parts += [f"{k}={v!r}" for k, v in record.__dict__.items() if k not in ("msg", "args")]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def _deliver(ctx) -> int:  # type: ignore[no-untyped-def]
    """The outbox delivered once by the provider and dispatcher the settings make."""
    from webapp.sms import delivery

    provider = delivery.make_provider(ctx)
    try:
        dispatcher = delivery.make_dispatcher(ctx, provider, role="test")
        sent = 0
        for _ in range(20):
            sent += await dispatcher.run_once()
            if sent:
                break
            await asyncio.sleep(0.05)
        return sent
    finally:
        await provider.aclose()


async def _sms_to_a_contact(ctx, world):  # type: ignore[no-untyped-def]
    from webapp.contacts import service as contacts
    from webapp.sms import service as sms
    from webapp.sms import store as sms_store

    admin = await factories.actor(ctx, world.emails["library_admin"])
    contact_id = await contacts.create(
        ctx, actor=admin, organisation=world.library,
        values={"name": "Ayman", "phone": "+46701234567", "consent_source": "form",
                "consent_on": date(2026, 9, 1)},
    )  # fmt: skip
    # (quiet hours off: the suite runs at any time of day)
    ctx = dataclasses.replace(
        ctx, settings=ctx.settings.with_changes(sms_quiet_hours=QuietHours(time(0), time(0)))
    )
    sent = await sms.send(
        ctx, actor=admin, organisation=world.library, template="Hej {name}! {link}",
        contact_ids=[contact_id],
    )  # fmt: skip
    async with ctx.db.read() as conn:
        (message,) = await sms_store.messages_of_send(conn, sent.send_id)
    return message.code


def test_secrets_never_reach_the_logs_or_error_pages(web, world, fake, everything_logged):
    read_english(web)
    secrets: dict[str, str] = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "new password": NEW_PASSWORD,
        "joiner's password": JOINER_PASSWORD,
        "SAMSPEL_SECRET_KEY": SECRET,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
    }
    pages: list = []  # the error pages met on the way

    # Log-in: a wrong password first, then the right one.
    email = world.emails["library_admin"]
    pages.append(web.post("/login", {"email": email, "password": WRONG_PASSWORD}))
    web.login(email)
    secrets["session cookie"] = web.client.cookies[SESSION_COOKIE]
    secrets["CSRF token"] = web.client.cookies[CSRF_COOKIE]

    # A password reset by e-mail link.
    with other_browser(web) as other:
        read_english(other)
        other.post("/password/forgot", {"email": "staff@lib.test"})
        reset = link_in(mail_to(web, "staff@lib.test")[0].body, "/password/reset/")
        secrets["reset token"] = reset.rsplit("/", 1)[1]
        done = other.post(reset, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert done.status_code == 303
        other.login("staff@lib.test", NEW_PASSWORD)
        secrets["second session cookie"] = other.client.cookies[SESSION_COOKIE]

    # An invitation to join the library, accepted with a new account.
    invited = web.post(
        f"/orgs/{world.library.slug}/members",
        {"action": "invite", "email": "kim@bibliotek.example", "role": "staff"},
    )
    assert invited.status_code == 303, invited.text
    invitation = link_in(mail_to(web, "kim@bibliotek.example")[0].body, "/invitations/")
    secrets["invitation token"] = invitation.rsplit("/", 1)[1]
    with other_browser(web) as kim:
        joined = kim.post(
            invitation,
            {"name": "Kim", "email": "kim@bibliotek.example", "password": JOINER_PASSWORD,
             "password_confirm": JOINER_PASSWORD},
        )  # fmt: skip
        assert joined.status_code == 303, joined.text

    # An SMS through the real twilio library, with the auth token, and its personal link.
    code = web.run(_sms_to_a_contact, web.ctx, world)
    secrets["SMS link code"] = code
    assert web.run(_deliver, web.ctx) == 1
    assert sum(fake.counts().values()) == 1
    with other_browser(web) as recipient:
        assert recipient.get(f"/m/{code}").status_code == 200
        assert recipient.post(f"/m/{code}/stop").status_code == 303

    # Refusals and error pages: a forged form, a spent reset link, an unknown personal link.
    with other_browser(web) as visitor:
        visitor.client.cookies[SESSION_COOKIE] = secrets["session cookie"]
        pages.append(visitor.client.post("/account", data={"name": "x"}))  # no CSRF token
        pages.append(visitor.get(f"/password/reset/{secrets['reset token']}"))  # used
        pages.append(visitor.get(f"/invitations/{secrets['invitation token']}"))  # used
        pages.append(visitor.post(f"/password/reset/{secrets['reset token']}", {"password": "x"}))

    records = everything_logged.records
    assert any(r.name.startswith("twilio") for r in records)  # the libraries did log
    # (the test's own HTTP client logs the URLs it asks for; it is not the app)
    app_records = [
        r
        for r in records
        if not (r.name.startswith(("httpx", "httpcore")) and "//testserver/" in r.getMessage())
    ]
    assert any(r.name == "samspel.access" for r in app_records)
    found = [
        f"{what} in a {record.name} record: {record.getMessage()[:200]!r}"
        for record in app_records
        for what, secret in secrets.items()
        if secret in _record_text(record)
    ]
    assert pages and all(page.status_code >= 400 for page in pages)
    found += [
        f"{what} in the error page of {page.request.url.path[:20]}…"
        for page in pages
        for what, secret in secrets.items()
        # (every page's forms carry the CSRF token; a page may repeat its own address, which
        # its visitor already holds, e.g. in the language switcher's "back to this page")
        if secret in page.text and what != "CSRF token" and secret not in str(page.request.url)
    ]
    assert not found, "\n".join(found)


def test_the_settings_never_show_their_secrets(settings):
    # A Settings object in a traceback's locals or a debug line shows neither the key nor
    # the auth token nor a database password.
    with_password = dataclasses.replace(
        settings, database_url="postgresql+asyncpg://samspel:db-pass-w0rd@db/samspel"
    )
    shown = repr(with_password) + str(with_password)
    for secret in (SECRET, DEFAULT_AUTH_TOKEN, "db-pass-w0rd"):
        assert secret not in shown
