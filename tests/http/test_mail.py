"""E-mail through SMTP: a real SMTP server (aiosmtpd) on 127.0.0.1 receives what the app sends.

Password resets are the journey that depends on it most: the link in the received message
must work. An SMTP server that refuses or is gone never turns a request into a 500, and the
message's text (with its link) never reaches the log.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.testclient import TestClient

from tests.conftest import BASE_URL, PASSWORD
from webapp.app import create_app
from webapp.settings import ConfigError, load_settings

SENDER = "Samspel <noreply@bibliotek.example>"


@dataclass
class Inbox:
    """What the SMTP server accepted; ``refuse`` makes it answer 451 to the next N messages."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mail_settings(settings, port: int):  # type: ignore[no-untyped-def]
    return settings.with_changes(
        mail_provider="smtp", mail_from=SENDER, smtp_host="127.0.0.1", smtp_port=port,
        smtp_security="none",
    )  # fmt: skip


def test_a_password_reset_arrives_by_smtp_and_its_link_works(settings, world, smtp, caplog):
    inbox, port = smtp
    app = create_app(_mail_settings(settings, port))
    with TestClient(app, base_url=BASE_URL) as client, caplog.at_level(logging.DEBUG):
        client.get("/login")
        token = client.cookies.get("samspel_csrf")
        client.cookies.set("samspel_locale", "sv")
        answer = client.post(
            "/password/forgot", data={"email": "staff@lib.test", "csrf_token": token}
        )
        assert answer.status_code == 200
        assert len(inbox.messages) == 1
        message = inbox.messages[0]
        assert message["From"] == SENDER and message["To"] == "staff@lib.test"
        assert inbox.envelopes[0] == ("noreply@bibliotek.example", ["staff@lib.test"])
        assert message["Message-ID"].endswith("@bibliotek.example>")
        assert message["Auto-Submitted"] == "auto-generated"
        body = message.get_content()
        link = re.search(r"https?://\S+/password/reset/\S+", body).group(0)  # type: ignore[union-attr]
        assert client.get(link.removeprefix(BASE_URL)).status_code == 200
        # Nothing went to the console page: the console is not the mail provider now.
        assert app.state.ctx.mail.name == "smtp"
    # The app's own log says a mail went to the domain; the link is in no line of it (the
    # test client's own log of its requests is not the app's).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("samspel"))
    secret = link.rpartition("/")[2]
    assert secret not in logged and "…@lib.test" in logged


def test_nordic_letters_survive_the_trip(settings, world, smtp):
    from invites.console import OutgoingMessage

    inbox, port = smtp
    app = create_app(_mail_settings(settings, port))
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.portal is not None
        text = "Hej Åsa Ødegård! Välkommen till Språkcafé – بالعربية"
        sent = client.portal.call(
            app.state.ctx.mail.send,
            OutgoingMessage("email", "asa@example.org", text, "Årsmöte ÆØÅ"),
        )
    assert sent is True
    assert inbox.messages[0]["Subject"] == "Årsmöte ÆØÅ"
    assert inbox.messages[0].get_content().strip() == text


def test_a_refusing_server_is_tried_again_and_then_logged(settings, world, smtp, caplog):
    from invites.console import OutgoingMessage

    inbox, port = smtp
    app = create_app(_mail_settings(settings, port))
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.portal is not None
        send = app.state.ctx.mail.send
        app.state.ctx.mail.retry_after = 0.01
        inbox.refuse = 1  # the first try is refused, the second taken
        assert client.portal.call(send, OutgoingMessage("email", "a@example.org", "x", "s")) is True
        inbox.refuse = 2  # both refused: logged, not raised
        with caplog.at_level(logging.WARNING, logger="samspel.mail"):
            assert (
                client.portal.call(send, OutgoingMessage("email", "b@example.org", "x", "s"))
                is False
            )
    assert len(inbox.messages) == 1
    assert "451" in caplog.text and "could not be sent" in caplog.text


def test_a_server_that_is_gone_does_not_break_the_page(settings, world):
    port = _free_port()  # nothing listens there
    app = create_app(_mail_settings(settings, port))
    app.state.ctx.mail.retry_after = 0.01
    with TestClient(app, base_url=BASE_URL) as client:
        client.get("/login")
        token = client.cookies.get("samspel_csrf")
        answer = client.post(
            "/password/forgot", data={"email": "staff@lib.test", "csrf_token": token}
        )
    # The same answer as always: the address's owner is not told apart from others.
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"SAMSPEL_MAIL_PROVIDER": "smtp"}, "SAMSPEL_SMTP_HOST is required"),
        ({"SAMSPEL_MAIL_PROVIDER": "smtp", "SAMSPEL_SMTP_HOST": "mail"}, "SAMSPEL_MAIL_FROM"),
        (
            {
                "SAMSPEL_MAIL_PROVIDER": "smtp",
                "SAMSPEL_SMTP_HOST": "m",
                "SAMSPEL_MAIL_FROM": "nobody",
            },
            "SAMSPEL_MAIL_FROM",
        ),
        ({"SAMSPEL_SMTP_SECURITY": "ssl3"}, "SAMSPEL_SMTP_SECURITY"),
        ({"SAMSPEL_MAIL_PROVIDER": "pigeon"}, "SAMSPEL_MAIL_PROVIDER"),
        ({"SAMSPEL_SMTP_PASSWORD": "x"}, "SAMSPEL_SMTP_USERNAME"),
    ],
)
def test_mail_settings_are_checked_at_start(tmp_path, env, problem):
    env = {"SAMSPEL_INSTANCE_PATH": str(tmp_path), **env}
    if "SAMSPEL_SMTP_PASSWORD" in env:
        env.update(
            {"SAMSPEL_MAIL_PROVIDER": "smtp", "SAMSPEL_SMTP_HOST": "m", "SAMSPEL_MAIL_FROM": SENDER}
        )
    with pytest.raises(ConfigError, match=problem):
        load_settings(env)


def test_good_mail_settings_load(tmp_path):
    settings = load_settings(
        {
            "SAMSPEL_INSTANCE_PATH": str(tmp_path),
            "SAMSPEL_MAIL_PROVIDER": "smtp",
            "SAMSPEL_SMTP_HOST": "smtp.kommun.example",
            "SAMSPEL_SMTP_PORT": "465",
            "SAMSPEL_SMTP_SECURITY": "tls",
            "SAMSPEL_SMTP_USERNAME": "samspel",
            "SAMSPEL_SMTP_PASSWORD": "hunter2-hunter2",
            "SAMSPEL_MAIL_FROM": "noreply@bibliotek.example",
        }
    )
    assert (settings.smtp_port, settings.smtp_security) == (465, "tls")
    assert "hunter2" not in repr(settings)


def test_the_console_page_is_there_while_anything_goes_to_the_console(settings, world, smtp):
    _inbox, port = smtp
    cases = {
        ("console", "console"): 200,
        ("twilio", "console"): 200,  # e-mails still go to the console: read them there
        ("console", "smtp"): 200,
        ("twilio", "smtp"): 404,  # nothing does
    }
    twilio = {
        "twilio_account_sid": "AC" + "0" * 32, "twilio_auth_token": "x" * 32,
        "twilio_from": "+46700000000",
    }  # fmt: skip
    for (sms, mail), expected in cases.items():
        changed = _mail_settings(settings, port).with_changes(
            sms_provider=sms, mail_provider=mail, **(twilio if sms == "twilio" else {})
        )
        with TestClient(create_app(changed), base_url=BASE_URL) as client:
            client.get("/login")
            token = client.cookies.get("samspel_csrf")
            client.post(
                "/login",
                data={"email": "admin@lib.test", "password": PASSWORD, "csrf_token": token},
            )
            assert client.get("/console/messages").status_code == expected, (sms, mail)
