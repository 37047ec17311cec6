"""SMS providers behind one interface: the Twilio provider driven against the fake Twilio
server (tests/fakes/twilio.py) with the real ``twilio`` library, and the console adapter.

Every outcome is classified for the outbox dispatcher: Accepted, TemporaryFailure (retry later;
``maybe_sent`` when a retry could deliver twice) or PermanentFailure (``opted_out`` for STOP).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import socket
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import pytest

from invites.console import ConsoleProvider, OutgoingMessage
from invites.sms.providers import (
    Accepted,
    ConsoleSmsProvider,
    PermanentFailure,
    SmsProvider,
    TemporaryFailure,
    parse_retry_after,
)
from invites.sms.twilio_provider import TwilioProvider, validate_settings
from tests.fakes.twilio import FakeTwilio, Fault

FROM = "+46700000000"
TO = "+46701234567"
SERVICE = "MG" + "ab" * 16
SID = re.compile(r"^SM[0-9a-f]{32}$")
T = TypeVar("T")


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(seed=1) as server:
        yield server


def twilio(fake: FakeTwilio, **options: Any) -> TwilioProvider:
    options.setdefault("from_number", FROM)
    options.setdefault("timeout", 5.0)
    token = options.pop("auth_token", fake.auth_token)
    return TwilioProvider(fake.account_sid, token, api_base=fake.base_url, **options)


def run(provider: SmsProvider, use: Callable[[SmsProvider], Awaitable[T]]) -> T:
    """Run ``use(provider)`` in a fresh event loop and close the provider afterwards."""

    async def main() -> T:
        try:
            return await use(provider)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def send_one(provider: SmsProvider, *, to: str = TO, body: str = "Hej!", **kw: Any) -> Accepted:
    return run(provider, lambda p: p.send(to=to, body=body, **kw))


def fails(provider: SmsProvider, error: type[Exception], **kw: Any) -> Any:
    with pytest.raises(error) as caught:
        send_one(provider, **kw)
    return caught.value


# --- accepted ------------------------------------------------------------------------------


def test_accepted_from_a_number_with_status_callback(fake: FakeTwilio) -> None:
    callback = "https://samspel.example/sms/status"
    body = "Välkommen till sagostund! " * 7  # 182 GSM-7 characters: two segments
    accepted = send_one(twilio(fake), body=body, status_callback=callback)

    assert SID.match(accepted.provider_id)
    assert (accepted.status, accepted.segments) == ("queued", 2)
    [message] = fake.messages
    assert message.sid == accepted.provider_id
    assert (message.to, message.from_, message.messaging_service_sid) == (TO, FROM, None)
    assert (message.body, message.status_callback) == (body, callback)


def test_accepted_through_a_messaging_service(fake: FakeTwilio) -> None:
    accepted = send_one(twilio(fake, from_number="", messaging_service_sid=SERVICE))

    assert (accepted.status, accepted.segments) == ("accepted", 1)
    [message] = fake.messages
    assert (message.from_, message.messaging_service_sid) == (None, SERVICE)
    assert message.status_callback is None


# --- temporary failures ----------------------------------------------------------------------


def test_throttled_with_retry_after(fake: FakeTwilio) -> None:
    fake.fail_next(Fault.throttle(retry_after=7))
    error = fails(twilio(fake), TemporaryFailure)

    assert (error.retry_after, error.code, error.maybe_sent) == (7.0, 20429, False)
    assert "slow down" in str(error) and "20429" in str(error)
    assert fake.messages == []


@pytest.mark.parametrize(
    ("status", "maybe_sent"), [(503, False), (500, True), (502, True)], ids=str
)
def test_server_errors_are_temporary(fake: FakeTwilio, status: int, maybe_sent: bool) -> None:
    fake.fail_next(status)
    error = fails(twilio(fake), TemporaryFailure)

    assert (error.code, error.retry_after) == (20000 + status, None)
    assert error.maybe_sent is maybe_sent  # a 503 refused it; a 500 may follow an accept
    assert f"HTTP {status}" in str(error)


def test_dropped_connection_may_have_sent(fake: FakeTwilio) -> None:
    fake.fail_next(Fault.drop(accept=True))
    error = fails(twilio(fake), TemporaryFailure, body="once?")

    assert error.maybe_sent is True
    assert fake.count(TO, "once?") == 1  # Twilio has it: a blind retry would send it twice


def test_timeout_may_have_sent_and_the_slow_message_arrives(fake: FakeTwilio) -> None:
    fake.slow_then_succeed(0.5)
    started = time.monotonic()
    error = fails(twilio(fake, timeout=0.1), TemporaryFailure, body="slow")

    assert time.monotonic() - started < 0.4  # the provider's timeout, not twilio's (none)
    assert error.maybe_sent is True and "0.1 seconds" in str(error)
    deadline = time.monotonic() + 3
    while not fake.count(TO, "slow") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.count(TO, "slow") == 1  # the duplicate risk that maybe_sent flags


def test_no_connection_was_not_sent() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = TwilioProvider(
        "AC" + "0" * 32, "token", from_number=FROM, api_base=f"http://127.0.0.1:{port}"
    )
    error = fails(provider, TemporaryFailure)

    assert error.maybe_sent is False and "connect" in str(error)


# --- permanent failures ----------------------------------------------------------------------


def test_invalid_number(fake: FakeTwilio) -> None:
    error = fails(twilio(fake), PermanentFailure, to="0701234567")

    assert (error.code, error.opted_out) == (21211, False)
    assert str(error) == "The number is not valid. (Twilio error 21211)"


def test_opted_out_recipient(fake: FakeTwilio) -> None:
    fake.opt_out(TO)
    error = fails(twilio(fake), PermanentFailure)

    assert (error.code, error.opted_out) == (21610, True)
    assert "STOP" in str(error)


def test_wrong_token_is_permanent_and_logged(
    fake: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="samspel.sms.twilio"):
        error = fails(twilio(fake, auth_token="wrong"), PermanentFailure)

    assert (error.code, error.opted_out) == (20003, False)
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in str(error)
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "wrong" not in caplog.text  # the token is never logged


# --- concurrency and closing -----------------------------------------------------------------


def test_hundred_concurrent_sends_each_accepted_once(fake: FakeTwilio) -> None:
    bodies = [f"Inbjudan nr {i}" for i in range(100)]

    async def send_all(provider: SmsProvider) -> list[Accepted]:
        return await asyncio.gather(*(provider.send(to=TO, body=b) for b in bodies))

    accepted = run(twilio(fake), send_all)

    assert len({a.provider_id for a in accepted}) == 100
    assert fake.counts() == {(TO, b): 1 for b in bodies}
    assert len(fake.requests) == 100  # no request was repeated
    assert {m.sid: m.body for m in fake.messages} == {
        a.provider_id: b for a, b in zip(accepted, bodies, strict=True)
    }


def leaks(fake: FakeTwilio, *, close: bool) -> list[str]:
    """Warnings and loop complaints (unclosed sessions…) from sending once and then closing,
    or not closing, the provider."""
    found: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: found.append(context["message"]))
        provider = twilio(fake)
        await provider.send(to=TO, body="x")
        if close:
            await provider.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    return found + [f"{w.category.__name__}: {w.message}" for w in caught]


def test_aclose_leaves_nothing_behind(fake: FakeTwilio) -> None:
    assert leaks(fake, close=True) == []
    assert leaks(fake, close=False)  # the check does see an unclosed provider


def test_provider_can_be_closed_twice_and_reused_after_closing(fake: FakeTwilio) -> None:
    provider = twilio(fake)

    async def twice(p: SmsProvider) -> None:
        await p.send(to=TO, body="1")
        await p.aclose()
        await p.aclose()

    run(provider, twice)
    send_one(provider, body="2")  # a new loop: a new client
    assert [m.body for m in fake.messages] == ["1", "2"]


# --- Retry-After ----------------------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now) == 30.0
    assert parse_retry_after(
        format_datetime(now + timedelta(seconds=90), usegmt=True), now=now
    ) == pytest.approx(90.0)
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    for unreadable in (None, "", "soon", "-5", "1.5"):
        assert parse_retry_after(unreadable, now=now) is None


# --- settings -------------------------------------------------------------------------------

GOOD = {"account_sid": "AC" + "0123456789abcdef" * 2, "auth_token": "secret"}


@pytest.mark.parametrize(
    "extra",
    [
        {"from_number": FROM},
        {"from_number": "Biblioteket"},  # alphanumeric sender, 11 characters
        {"messaging_service_sid": SERVICE},
        {"from_number": FROM, "messaging_service_sid": SERVICE, "api_base": "http://127.0.0.1:1"},
        {"from_number": FROM, "api_base": "https://api.twilio.com"},
    ],
)
def test_valid_settings(extra: dict[str, str]) -> None:
    assert validate_settings(**GOOD, **extra) == []


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"account_sid": ""}, "TWILIO_ACCOUNT_SID is missing."),
        ({"account_sid": "AC123"}, "TWILIO_ACCOUNT_SID must be AC followed by 32"),
        ({"account_sid": "MG" + "0" * 32}, "TWILIO_ACCOUNT_SID must be AC followed by 32"),
        ({"auth_token": " "}, "TWILIO_AUTH_TOKEN is missing."),
        ({"from_number": ""}, "Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"),
        ({"from_number": "0701234567"}, "TWILIO_FROM '0701234567' must be a number"),
        ({"from_number": "Stadsbiblioteket"}, "at most 11 letters"),
        ({"from_number": "12345"}, "TWILIO_FROM '12345'"),
        ({"messaging_service_sid": "MG1"}, "TWILIO_MESSAGING_SERVICE_SID must be MG"),
        ({"api_base": "ftp://example.org"}, "TWILIO_API_BASE 'ftp://example.org' must be"),
        ({"api_base": "localhost:8080"}, "TWILIO_API_BASE 'localhost:8080' must be"),
        ({"timeout": 0}, "timeout must be more than 0"),
    ],
)
def test_invalid_settings(settings: dict[str, Any], problem: str) -> None:
    options = {**GOOD, "from_number": FROM, **settings}
    [found] = validate_settings(**options)
    assert problem in found


def test_every_problem_is_reported_at_once() -> None:
    assert len(validate_settings(account_sid="", auth_token="")) == 3


# --- console -------------------------------------------------------------------------------


def test_console_adapter_records_and_counts_segments() -> None:
    recorded: list[OutgoingMessage] = []

    async def record(message: OutgoingMessage) -> None:
        recorded.append(message)

    async def two(provider: SmsProvider) -> list[Accepted]:
        return [
            await provider.send(to=TO, body="Hej!"),
            await provider.send(to=TO, body="Sámi ŋ " * 12),  # 84 UCS-2 units: two segments
        ]

    provider = ConsoleSmsProvider(ConsoleProvider(record))
    short, long = run(provider, two)

    assert provider.name == "console"
    assert re.fullmatch(r"console-[0-9a-f]{32}", short.provider_id)
    assert short.provider_id != long.provider_id
    assert (short.status, short.segments, long.segments) == ("delivered", 1, 2)
    assert recorded == [
        OutgoingMessage(channel="sms", recipient=TO, body="Hej!"),
        OutgoingMessage(channel="sms", recipient=TO, body="Sámi ŋ " * 12),
    ]
