"""The fake Twilio server (tests/fakes/twilio.py) driven by the real ``twilio`` library.

These tests also pin down how twilio-python 9 behaves on errors, timeouts and 429s, which the
SMS provider relies on: no automatic retries in the sync client, ``TwilioRestException`` for
every HTTP error answer, the transport's own exceptions (requests / aiohttp) for dropped
connections and timeouts, and an async client that ignores its ``timeout``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest
import requests
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio import (
    DEFAULT_ACCOUNT_SID,
    FakeTwilio,
    Fault,
    SignedWebhook,
    point_at,
    segments,
)

FROM = "+46700000000"
TO = "+46701234567"
SID = re.compile(r"^SM[0-9a-f]{32}$")


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(seed=1) as server:
        yield server


@pytest.fixture
def client(fake: FakeTwilio) -> Iterator[Client]:
    with fake.client(timeout=5) as twilio_client:
        yield twilio_client


def send(client: Client, to: str = TO, body: Any = "Hej!", **kwargs: Any) -> Any:
    return client.messages.create(to=to, from_=kwargs.pop("from_", FROM), body=body, **kwargs)


def raw_post(fake: FakeTwilio, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """POST without the twilio library, to see the wire format itself."""
    url = f"{fake.base_url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    credentials = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": f"Basic {credentials}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


# --- the happy path, sync and async ---------------------------------------------------------


def test_sync_client_sends_and_reads_back(fake: FakeTwilio, client: Client) -> None:
    message = send(
        client, body="Hej på dig, välkommen till biblioteket!", status_callback="http://app/cb"
    )

    assert SID.match(message.sid)
    assert message.status == "queued"
    assert message.num_segments == "1"
    assert message.num_media == "0"
    assert message.direction == "outbound-api"
    assert message.account_sid == fake.account_sid
    assert message.to == TO and message.from_ == FROM
    assert message.price is None and message.price_unit == "USD"
    assert message.error_code is None
    assert message.date_created.tzinfo is not None  # parsed from RFC 2822

    [sent] = fake.messages
    assert sent.sid == message.sid and sent.status_callback == "http://app/cb"
    fetched = client.messages(message.sid).fetch()
    assert (fetched.sid, fetched.body, fetched.status) == (message.sid, message.body, "queued")


def test_wire_format_matches_twilio(fake: FakeTwilio) -> None:
    status, headers, text = raw_post(fake, {"To": TO, "From": FROM, "Body": "x" * 161})
    assert status == 201
    assert headers["Content-Type"].startswith("application/json")
    body = json.loads(text)
    assert body["num_segments"] == "2" and body["num_media"] == "0"
    assert body["api_version"] == "2010-04-01" and body["messaging_service_sid"] is None
    assert body["uri"] == f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{body['sid']}.json"
    assert body["subresource_uris"]["media"].endswith(f"/Messages/{body['sid']}/Media.json")
    assert re.match(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$", body["date_created"])
    assert parsedate_to_datetime(body["date_updated"]).tzinfo is not None

    status, _, text = raw_post(
        fake, {"To": TO, "MessagingServiceSid": "MG" + "a" * 32, "Body": "x"}
    )
    service_message = json.loads(text)
    assert status == 201
    assert service_message["status"] == "accepted"  # as Twilio does for a messaging service
    assert service_message["from"] is None
    assert service_message["messaging_service_sid"] == "MG" + "a" * 32


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("å" * 160, 1),  # Nordic letters are GSM-7
        ("Ø" * 161, 2),
        ("€" * 80, 1),  # extension table: two septets each
        ("€" * 81, 2),
        ("ł" * 70, 1),  # UCS-2
        ("ł" * 71, 2),
        ("🙂" * 35, 1),  # a surrogate pair counts twice
        ("🙂" * 36, 2),
    ],
)
def test_segments(body: str, expected: int) -> None:
    assert segments(body) == expected


def test_async_client_sends_concurrently(fake: FakeTwilio) -> None:
    async def main() -> list[Any]:
        async with fake.async_client() as client:
            return await asyncio.gather(
                *(
                    client.messages.create_async(to=TO, from_=FROM, body=f"nr {i}")
                    for i in range(10)
                )
            )

    messages = asyncio.run(main())

    assert all(SID.match(m.sid) and m.status == "queued" for m in messages)
    assert {m.body for m in messages} == {f"nr {i}" for i in range(10)}
    assert len(fake.messages) == 10 and all(n == 1 for n in fake.counts().values())


def test_async_client_with_plain_credentials_warns_under_aiohttp_3_14(fake: FakeTwilio) -> None:
    """Client(sid, token) + AsyncTwilioHttpClient builds aiohttp.BasicAuth per request, which
    aiohttp 3.14 deprecates: an error under filterwarnings=error. The fake's async_client (and
    our provider) pass BasicCredentialProvider instead. Drop this test when aiohttp stops."""

    async def main() -> Any:
        async with AsyncTwilioHttpClient() as http_client:
            client = Client(fake.account_sid, fake.auth_token, http_client=http_client)
            point_at(client, fake.base_url)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                message = await client.messages.create_async(to=TO, from_=FROM, body="hej")
            return message, [str(w.message) for w in caught if w.category is DeprecationWarning]

    message, deprecations = asyncio.run(main())
    assert SID.match(message.sid)
    assert any("BasicAuth is deprecated" in text for text in deprecations)


def test_point_at_overrides_edge_and_region(fake: FakeTwilio) -> None:
    with fake.client() as client:
        client.edge, client.region = "dublin", "ie1"  # e.g. from TWILIO_EDGE / TWILIO_REGION
        assert client.get_hostname(f"{fake.base_url}/x") != f"{fake.base_url}/x"
        point_at(client, fake.base_url)
        assert SID.match(send(client).sid)


def test_keep_alive_reuses_one_connection(fake: FakeTwilio, client: Client) -> None:
    for i in range(5):
        send(client, body=f"{i}")
    assert len({r.peer for r in fake.requests}) == 1


# --- Twilio's error answers -----------------------------------------------------------------


def test_wrong_token_is_401_20003(fake: FakeTwilio) -> None:
    with fake.client(auth_token="wrong") as client, pytest.raises(TwilioRestException) as error:
        send(client)
    assert (error.value.status, error.value.code) == (401, 20003)
    assert fake.messages == []


def test_wrong_token_async(fake: FakeTwilio) -> None:
    async def main() -> None:
        async with fake.async_client(auth_token="wrong") as client:
            await client.messages.create_async(to=TO, from_=FROM, body="x")

    with pytest.raises(TwilioRestException) as error:
        asyncio.run(main())
    assert (error.value.status, error.value.code) == (401, 20003)


@pytest.mark.parametrize(
    ("to", "body", "from_", "code", "message"),
    [
        ("12345", "x", FROM, 21211, "The 'To' number 12345 is not a valid phone number."),
        ("", "x", FROM, 21604, "A 'To' phone number is required."),
        (TO, values.unset, FROM, 21602, "Message body is required."),
        (TO, "x", values.unset, 21603, "A 'From' phone number is required."),
        (TO, "x" * 1601, FROM, 21617, "1600 character limit"),
    ],
)
def test_invalid_requests_are_400(
    fake: FakeTwilio, client: Client, to: str, body: Any, from_: Any, code: int, message: str
) -> None:
    with pytest.raises(TwilioRestException) as error:
        client.messages.create(to=to, from_=from_, body=body)
    assert (error.value.status, error.value.code) == (400, code)
    assert message in error.value.msg
    assert fake.messages == []


def test_opted_out_number_is_21610_until_start(fake: FakeTwilio, client: Client) -> None:
    fake.inbound_message("http://app/sms", from_=TO, to=FROM, body=" stop ")
    with pytest.raises(TwilioRestException) as error:
        send(client)
    assert (error.value.status, error.value.code) == (400, 21610)

    fake.inbound_message("http://app/sms", from_=TO, to=FROM, body="START")
    assert SID.match(send(client).sid)


def test_fetch_unknown_message_is_404(client: Client) -> None:
    with pytest.raises(TwilioRestException) as error:
        client.messages("SM" + "0" * 32).fetch()
    assert (error.value.status, error.value.code) == (404, 20404)


# --- faults ---------------------------------------------------------------------------------


def test_429_with_retry_after_is_raised_not_retried(fake: FakeTwilio) -> None:
    fake.fail_next(Fault.throttle(retry_after=2))
    # max_retries mounts a retrying adapter for https:// only, and urllib3 never retries a POST
    # on a status anyway: the sync client makes exactly one request.
    with fake.client(max_retries=3) as client, pytest.raises(TwilioRestException) as error:
        send(client)
    assert (error.value.status, error.value.code) == (429, 20429)
    # The exception has no headers; Retry-After is only on the client's last response.
    assert client.http_client._test_only_last_response.headers["Retry-After"] == "2"
    assert [r.outcome for r in fake.requests] == ["429"]


@pytest.mark.parametrize(("status", "code"), [(503, 20503), (500, 20500)])
def test_server_errors_are_raised(fake: FakeTwilio, client: Client, status: int, code: int) -> None:
    fake.fail_next(status)
    with pytest.raises(TwilioRestException) as error:
        send(client)
    assert (error.value.status, error.value.code) == (status, code)
    assert fake.messages == []
    assert SID.match(send(client).sid)  # only the next request was affected


def test_async_max_retries_retries_a_post_on_5xx_but_not_429(fake: FakeTwilio) -> None:
    """aiohttp_retry's ExponentialRetry retries every method, POST included, on any 5xx: if
    Twilio answered 500 after accepting a message, it would be sent twice."""
    fake.fail_next(503, times=2)
    fake.fail_nth(4, 429)

    async def main() -> Any:
        async with fake.async_client(max_retries=3) as client:
            first = await client.messages.create_async(to=TO, from_=FROM, body="retried")
            with pytest.raises(TwilioRestException) as error:
                await client.messages.create_async(to=TO, from_=FROM, body="throttled")
            return first, error.value

    message, throttled = asyncio.run(main())
    assert SID.match(message.sid) and throttled.status == 429
    assert [r.outcome for r in fake.requests] == ["503", "503", "201", "429"]


def test_dropped_connection_sync(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        send(client)
    assert fake.messages == []
    assert SID.match(send(client).sid)  # the pool opens a fresh connection


def test_dropped_connection_async(fake: FakeTwilio) -> None:
    fake.fail_next("drop")

    async def main() -> None:
        async with fake.async_client() as client:
            await client.messages.create_async(to=TO, from_=FROM, body="x")

    with pytest.raises(aiohttp.ServerDisconnectedError):
        asyncio.run(main())


def test_dropped_after_accept_means_delivered_but_unknown(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(Fault.drop(accept=True))
    with pytest.raises(requests.exceptions.ConnectionError):
        send(client, body="once?")
    assert fake.count(TO, "once?") == 1  # a blind retry would make it 2


def test_fail_nth_request(fake: FakeTwilio, client: Client) -> None:
    fake.fail_nth(2, 503)
    send(client)
    with pytest.raises(TwilioRestException):
        send(client)
    send(client)
    assert [r.outcome for r in fake.requests] == ["201", "503", "201"]


def test_latency(fake: FakeTwilio, client: Client) -> None:
    fake.set_latency(0.1)
    started = time.monotonic()
    send(client)
    assert time.monotonic() - started >= 0.1


def test_sync_timeout_then_the_slow_message_still_arrives(fake: FakeTwilio) -> None:
    fake.slow_then_succeed(0.4)
    with fake.client(timeout=0.1) as client, pytest.raises(requests.exceptions.ReadTimeout):
        send(client, body="slow")
    deadline = time.monotonic() + 2
    while not fake.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.count(TO, "slow") == 1  # Twilio got it although the client gave up


def test_async_client_ignores_its_timeout(fake: FakeTwilio) -> None:
    """AsyncTwilioHttpClient(timeout=…) is never used (it passes timeout=None to aiohttp, i.e.
    no timeout at all): bound calls with asyncio.timeout instead."""
    fake.slow_then_succeed(0.3, times=2)

    async def main() -> float:
        async with fake.async_client(timeout=0.05) as client:
            started = time.monotonic()
            await client.messages.create_async(to=TO, from_=FROM, body="slow")
            elapsed = time.monotonic() - started
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    await client.messages.create_async(to=TO, from_=FROM, body="cut")
            return elapsed

    assert asyncio.run(main()) >= 0.3


def test_random_faults_are_deterministic_per_seed() -> None:
    def outcomes(seed: int) -> list[str]:
        with FakeTwilio(seed=seed) as fake, fake.client() as client:
            fake.set_rates(error=0.3, throttle=0.2, drop=0.1)
            fake.set_latency(0.0, jitter=0.005)
            for i in range(20):
                try:
                    send(client, body=str(i))
                except (TwilioRestException, requests.exceptions.ConnectionError):
                    pass
            return [r.outcome for r in fake.requests]

    first = outcomes(7)
    assert first == outcomes(7)
    assert {"201", "dropped"} <= set(first) and {"429", "500", "503"} & set(first)
    assert first != outcomes(8)


# --- recorder -------------------------------------------------------------------------------


def test_recorder_counts_per_recipient_and_body(fake: FakeTwilio, client: Client) -> None:
    send(client, body="påminnelse")
    send(client, body="påminnelse")
    send(client, to="+4791234567", body="påminnelse")
    assert fake.count(TO, "påminnelse") == 2
    assert fake.count(TO) == 2
    assert fake.counts() == {(TO, "påminnelse"): 2, ("+4791234567", "påminnelse"): 1}
    assert [m.to for m in fake.messages] == [TO, TO, "+4791234567"]
    fake.reset()
    assert fake.messages == [] and fake.requests == []


# --- webhooks -------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    """A stand-in for the app's webhook: validates X-Twilio-Signature like the app will."""

    received: list[dict[str, str]]
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        host = self.headers["Host"]
        valid = RequestValidator(self.server.auth_token).validate(  # type: ignore[attr-defined]
            f"http://{host}{self.path}", params, self.headers.get("X-Twilio-Signature", "")
        )
        self.server.received.append(params)  # type: ignore[attr-defined]
        self.send_response(204 if valid else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def receiver(fake: FakeTwilio) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.auth_token = fake.auth_token  # type: ignore[attr-defined]
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_status_callback_is_signed_and_delivered(
    fake: FakeTwilio, client: Client, receiver: ThreadingHTTPServer
) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/webhooks/twilio/status?x=1"
    message = send(client, status_callback=url)

    webhook = fake.status_callback(message.sid, "undelivered", error_code=30003)
    assert webhook.url == url
    assert webhook.params["MessageSid"] == message.sid
    assert webhook.params["MessageStatus"] == "undelivered"
    assert webhook.params["ErrorCode"] == "30003"
    assert webhook.params["AccountSid"] == DEFAULT_ACCOUNT_SID
    assert (webhook.params["To"], webhook.params["From"]) == (TO, FROM)
    validator = RequestValidator(fake.auth_token)
    assert validator.validate(url, webhook.params, webhook.headers["X-Twilio-Signature"])
    assert not validator.validate(
        url, {**webhook.params, "MessageStatus": "delivered"}, webhook.headers["X-Twilio-Signature"]
    )
    assert not RequestValidator("other").validate(
        url, webhook.params, webhook.headers["X-Twilio-Signature"]
    )

    assert fake.send(webhook).status == 204
    assert receiver.received == [webhook.params]  # type: ignore[attr-defined]
    forged = SignedWebhook(url, {**webhook.params, "MessageStatus": "delivered"}, webhook.headers)
    assert fake.send(forged).status == 403

    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_inbound_message_is_signed(fake: FakeTwilio, receiver: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/webhooks/twilio/inbound"
    webhook = fake.inbound_message(url, from_=TO, to=FROM, body="Ja, vi kommer!")
    assert SID.match(webhook.params["MessageSid"])
    assert webhook.params["Body"] == "Ja, vi kommer!" and webhook.params["From"] == TO
    assert fake.send(webhook).status == 204


def test_status_callback_needs_a_url(fake: FakeTwilio, client: Client) -> None:
    message = send(client)
    with pytest.raises(ValueError, match="no StatusCallback"):
        fake.status_callback(message.sid, "delivered")


# --- lifecycle ------------------------------------------------------------------------------


def test_stop_ends_idle_keep_alive_connections_and_threads() -> None:
    before = set(threading.enumerate())
    fake = FakeTwilio().start()
    with fake.client() as client:
        send(client)  # leaves an idle keep-alive connection and its handler thread
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 1
        assert set(threading.enumerate()) <= before
        with pytest.raises(requests.exceptions.ConnectionError):
            send(client)
