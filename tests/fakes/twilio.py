"""A fake Twilio REST server (Messages API) for tests, spoken to by the real ``twilio`` library.

Standard library only: an ``http.server.ThreadingHTTPServer`` on 127.0.0.1 with a free port, in
a background thread. HTTP/1.1 with keep-alive; ``stop()`` wakes idle keep-alive handlers, joins
every thread and closes every socket, so nothing is left behind and no ResourceWarning fires.

Pointing the real ``twilio`` client at another base URL (the ``TWILIO_API_BASE`` recipe)
--------------------------------------------------------------------------------------------

Every REST call goes ``MessageList.create`` → ``Version`` (prefixes ``2010-04-01``) →
``Domain.absolute_url`` which joins ``Domain.base_url`` (``"https://api.twilio.com"`` for
``client.api``) with the path, then ``ClientBase.request`` → ``http_client.request(url)``.
``Domain.base_url`` is a plain attribute, read on every call, and it serves both the sync and
the ``*_async`` methods, so the cleanest override is one assignment::

    client = Client(account_sid, auth_token)          # or http_client=AsyncTwilioHttpClient()
    client.api.base_url = "http://127.0.0.1:PORT"     # TWILIO_API_BASE
    client.edge = client.region = None                # see below
    client.messages.create(to=..., from_=..., body=...)

* ``client.messages`` is ``client.api.account.messages``, so it uses ``client.api``'s base URL.
  Other products live on other domains (``client.messaging``, ``client.lookups``…), each with
  its own ``base_url``; override those too if they are ever used.
* ``ClientBase.get_hostname`` rewrites the host when an edge or region is set (also read from
  ``TWILIO_EDGE`` / ``TWILIO_REGION`` in the environment — and ``environment={}`` falls back to
  ``os.environ`` because ``{}`` is falsy). It would mangle ``127.0.0.1:PORT`` into something like
  ``127.us1.0.1:PORT``, so clear ``client.edge`` and ``client.region`` when overriding.
* Async: create ``AsyncTwilioHttpClient()`` *inside* the running loop (its constructor opens
  an ``aiohttp.ClientSession``), pass it as ``http_client``, do the same ``base_url``
  assignment, ``await client.messages.create_async(...)``, and ``await http_client.close()``
  (or ``async with AsyncTwilioHttpClient() as http_client``). Authenticate with
  ``Client(account_sid=sid, credential_provider=BasicCredentials(sid, token), ...)``
  (``invites.sms.twilio_provider.BasicCredentials``) rather than ``Client(sid, token)``: the
  latter makes twilio build an ``aiohttp.BasicAuth`` and pass ``auth=`` on every request,
  both deprecated in aiohttp 3.14 — two DeprecationWarnings per call, i.e. errors under
  ``filterwarnings = error``.
* Sync: ``TwilioHttpClient`` keeps a ``requests.Session`` that twilio never closes; call
  ``client.http_client.session.close()`` when done or its pooled sockets raise ResourceWarning
  when garbage-collected. :meth:`FakeTwilio.client` and :meth:`FakeTwilio.async_client` do all
  of the above.

The alternative — an ``HttpClient`` subclass rewriting ``https://api.twilio.com`` in the URL —
works as well but needs a sync and an async subclass; the attribute needs neither.

twilio-python's behaviour on failures (pinned by tests/unit/test_fake_twilio.py)
------------------------------------------------------------------------------

* Any HTTP error answer (4xx/5xx, 429 included) raises ``TwilioRestException`` with ``.status``
  and ``.code`` (Twilio's code from the JSON body, else the HTTP status). It carries no
  headers: ``Retry-After`` is only reachable via ``http_client._test_only_last_response``.
* Transport failures are not wrapped: sync raises ``requests.exceptions.ConnectionError`` for
  a dropped connection and ``requests.exceptions.ReadTimeout`` on timeout; async raises
  ``aiohttp.ServerDisconnectedError`` (an ``aiohttp.ClientConnectionError``).
* Sync never retries: ``TwilioHttpClient(max_retries=n)`` mounts its retrying adapter on
  ``https://`` only, and urllib3 does not retry a POST on a status or read error anyway.
  ``TwilioHttpClient()`` has no timeout unless ``timeout=`` is given.
* Async ``AsyncTwilioHttpClient(timeout=…)`` is ignored: every request passes ``timeout=None``
  to aiohttp, which means no timeout at all. Wrap calls in ``asyncio.timeout()``.
* Async ``AsyncTwilioHttpClient(max_retries=n)`` uses aiohttp_retry, which retries *POST* on
  every 5xx (n attempts, 0.2 s, 0.4 s… backoff, ignoring Retry-After) but not on 429 nor on
  connection errors: a 500 after Twilio accepted the message would send it twice.

What the fake does
------------------

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form: ``To``, ``From`` or
  ``MessagingServiceSid``, ``Body``, optional ``StatusCallback``), HTTP Basic auth → 201 with a
  Twilio-shaped message (``status`` "queued"; "accepted" when sent through a messaging service
  without ``From``, as Twilio does). Errors use Twilio's JSON: 401/20003, 400/21604 (no To),
  21603 (no From/MessagingServiceSid), 21602 (no Body), 21211 (invalid To), 21610 (opted out),
  21617 (body over 1600 characters), 404/20404.
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` → the stored message.
* Records accepted messages (:attr:`FakeTwilio.messages`, :meth:`FakeTwilio.count`) and every
  API request with its outcome (:attr:`FakeTwilio.requests`).
* Faults (:class:`Fault`): fixed/random latency, probabilities of 500/503, 429 (with
  ``Retry-After``) and dropped connections, the next N requests, or the Nth request. Random
  choices come from ``random.Random(seed)``: deterministic for a sequential client.
* Outages (:meth:`FakeTwilio.start_outage`, :meth:`FakeTwilio.end_outage`): every request
  answered 503 until the outage ends, or (``refuse=True``) the port closed, so connections
  are refused, and opened again on the same port when it ends.
* Signed webhooks: status callbacks and inbound messages with a correct ``X-Twilio-Signature``
  (``twilio.request_validator.RequestValidator``), built (:meth:`FakeTwilio.status_callback`,
  :meth:`FakeTwilio.inbound_message`) for an in-process test client, or POSTed
  (:meth:`FakeTwilio.send`) to a URL.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import random
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from twilio.request_validator import RequestValidator

from invites.sms.twilio_provider import BasicCredentials

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 31 + "1"
DEFAULT_AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
MAX_BODY = 1600
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})

_E164 = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{6,14}$")
_MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json$")
_MESSAGE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$"
)

# GSM 03.38: the basic character set (one septet each) and the extension table (two septets).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def new_sid(prefix: str) -> str:
    """A Twilio-style SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(timestamp: float) -> str:
    """Twilio's date format, e.g. ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    return formatdate(timestamp, usegmt=False).replace("-0000", "+0000")


def segments(body: str) -> int:
    """How many SMS segments ``body`` takes: GSM-7 (160/153 septets) or UCS-2 (70/67 units)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in body):
        septets = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in body)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's legacy error JSON (what the Messages API returns; twilio-python parses it)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass(frozen=True)
class Fault:
    """What to do to one request instead of (or before) answering it normally.

    * ``kind="status"``: answer ``status`` with Twilio's error JSON, ``Retry-After`` when set.
    * ``kind="drop"``: close the connection without a response. ``accept=True`` creates and
      records the message first (Twilio got it, the client never hears back).
    * ``kind="slow"``: wait ``delay`` seconds, then answer normally (the message is recorded
      even if the client has given up by then — as with the real service).
    """

    kind: Literal["status", "drop", "slow"]
    status: int = 0
    code: int = 0
    message: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    accept: bool = False

    @classmethod
    def error(cls, status: int = 503) -> Fault:
        code, message = {
            500: (20500, "Internal Server Error"),
            502: (20502, "Bad Gateway"),
            503: (20503, "Service Unavailable"),
        }.get(status, (status, "Error"))
        return cls("status", status=status, code=code, message=message)

    @classmethod
    def throttle(cls, retry_after: int = 1) -> Fault:
        return cls(
            "status", status=429, code=20429, message="Too Many Requests", retry_after=retry_after
        )

    @classmethod
    def drop(cls, *, accept: bool = False) -> Fault:
        return cls("drop", accept=accept)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls("slow", delay=delay)


@dataclass
class Faults:
    """Per-test fault configuration; change it through :attr:`FakeTwilio.faults` or helpers.

    Probabilities are checked in the order drop, throttle, error, with one draw each from the
    seeded RNG per request that no scheduled fault (``nth`` / ``queue``) has claimed.
    """

    latency: float = 0.0  # added to every API request
    jitter: float = 0.0  # plus uniform(0, jitter), seeded
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    throttle_rate: float = 0.0
    retry_after: int = 1
    drop_rate: float = 0.0
    nth: dict[int, Fault] = field(default_factory=dict)  # 1-based API request number → fault
    queue: list[Fault] = field(default_factory=list)  # faults for the next requests, in order


@dataclass(frozen=True)
class SentMessage:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    received_at: float  # time.time()
    status: str = "queued"
    error_code: int | None = None

    def resource(self) -> dict[str, Any]:
        """The JSON Twilio returns for this message."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        date = rfc2822(self.received_at)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(segments(self.body)),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


@dataclass(frozen=True)
class RequestRecord:
    number: int  # 1-based, counts API requests (create and fetch)
    method: str
    path: str
    form: dict[str, str]
    outcome: str  # "201", "400", "429", "dropped", …
    at: float  # time.monotonic() when the answer was decided
    peer: tuple[str, int]  # the client's address: one per keep-alive connection


@dataclass(frozen=True)
class SignedWebhook:
    """A webhook Twilio would send: POST ``params`` (form-encoded) to ``url`` with ``headers``."""

    url: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined in server_close()
    block_on_close = True
    request_queue_size = 128  # the default 5 drops SYNs under a burst: a 1 s retransmit stall

    def __init__(self, fake: FakeTwilio, host: str, port: int = 0) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.discard(request)

    def wake_connections(self) -> None:
        """Unblock handlers waiting for the next keep-alive request."""
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTwilio/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle and the client's delayed ACK every
        # keep-alive response after the first would stall ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    def do_DELETE(self) -> None:
        self.server.fake._handle(self)

    def read_form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] = {}) -> None:  # noqa: B006
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed its end
            self.close_connection = True


class FakeTwilio:
    """The fake server. ``with FakeTwilio() as fake:`` starts and stops it.

    ``account_sid`` / ``auth_token`` are the only accepted credentials. ``seed`` makes random
    latency and probabilistic faults reproducible.
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.faults = Faults()
        self.opted_out: set[str] = set()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._messages: dict[str, SentMessage] = {}
        self._requests: list[RequestRecord] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0  # kept through an outage that closes the port
        self._down = False  # answering 503 to everything

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        if self._server is not None:
            raise RuntimeError("FakeTwilio already started")
        self._stopping.clear()
        self._server = _Server(self, self.host, self._port)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # cut short any injected delay
        server.shutdown()  # stop accepting
        thread.join()
        server.wake_connections()  # end idle keep-alive handlers
        server.server_close()  # join handler threads, close the listening socket
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeTwilio not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What ``TWILIO_API_BASE`` should be: replaces ``https://api.twilio.com``."""
        return f"http://{self.host}:{self.port}"

    # --- twilio clients wired to this server ----------------------------------------------

    @contextlib.contextmanager
    def client(self, *, auth_token: str | None = None, **http: Any) -> Iterator[Any]:
        """A real ``twilio.rest.Client`` on this server; ``http`` goes to TwilioHttpClient."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        http_client = TwilioHttpClient(**http)
        client = Client(self.account_sid, auth_token or self.auth_token, http_client=http_client)
        point_at(client, self.base_url)
        try:
            yield client
        finally:
            if http_client.session is not None:
                http_client.session.close()

    @contextlib.asynccontextmanager
    async def async_client(
        self, *, auth_token: str | None = None, **http: Any
    ) -> AsyncIterator[Any]:
        """The same with ``AsyncTwilioHttpClient`` (enter it inside the running loop)."""
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        credentials = BasicCredentials(self.account_sid, auth_token or self.auth_token)
        async with AsyncTwilioHttpClient(**http) as http_client:
            client = Client(
                account_sid=self.account_sid,
                credential_provider=credentials,
                http_client=http_client,
            )
            point_at(client, self.base_url)
            yield client

    # --- recorder ----------------------------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        """Accepted messages, in order."""
        with self._lock:
            return list(self._messages.values())

    @property
    def requests(self) -> list[RequestRecord]:
        """Every API request with its outcome, in order."""
        with self._lock:
            return list(self._requests)

    def counts(self) -> Counter[tuple[str, str]]:
        """Accepted messages per ``(to, body)``."""
        return Counter((m.to, m.body) for m in self.messages)

    def count(self, to: str, body: str | None = None) -> int:
        return sum(1 for m in self.messages if m.to == to and (body is None or m.body == body))

    def message(self, sid: str) -> SentMessage:
        with self._lock:
            return self._messages[sid]

    def reset(self) -> None:
        """Forget messages, requests, faults and opt-outs (keeps the server running)."""
        with self._lock:
            self._messages.clear()
            self._requests.clear()
            self.faults = Faults()
            self.opted_out.clear()

    # --- faults ------------------------------------------------------------------------------

    def set_latency(self, seconds: float, jitter: float = 0.0) -> None:
        """Every API request takes ``seconds`` + uniform(0, ``jitter``) longer."""
        with self._lock:
            self.faults.latency, self.faults.jitter = seconds, jitter

    def fail_next(self, fault: Fault | int | str, times: int = 1) -> None:
        """The next ``times`` API requests get ``fault`` (503, 429, "drop" or a :class:`Fault`)."""
        with self._lock:
            self.faults.queue.extend([_as_fault(fault, self.faults.retry_after)] * times)

    def fail_nth(self, n: int, fault: Fault | int | str) -> None:
        """The ``n``-th API request (1-based, counted since start/reset) gets ``fault``."""
        with self._lock:
            self.faults.nth[n] = _as_fault(fault, self.faults.retry_after)

    def slow_then_succeed(self, delay: float, times: int = 1) -> None:
        """The next ``times`` requests take ``delay`` seconds, then are accepted normally."""
        self.fail_next(Fault.slow(delay), times)

    def set_rates(
        self,
        *,
        error: float | None = None,
        throttle: float | None = None,
        drop: float | None = None,
        error_statuses: tuple[int, ...] | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Probabilities (0..1) of a 500/503, a 429 and a dropped connection per request."""
        with self._lock:
            f = self.faults
            f.error_rate = f.error_rate if error is None else error
            f.throttle_rate = f.throttle_rate if throttle is None else throttle
            f.drop_rate = f.drop_rate if drop is None else drop
            f.error_statuses = error_statuses or f.error_statuses
            f.retry_after = f.retry_after if retry_after is None else retry_after

    def start_outage(self, *, refuse: bool = False) -> None:
        """Twilio is down: every API request is answered 503 (Service Unavailable) until
        :meth:`end_outage`; with ``refuse``, the port is closed instead (connections are
        refused, open keep-alive connections end). Requests refused so are not recorded."""
        if refuse:
            self.stop()
        else:
            with self._lock:
                self._down = True

    def end_outage(self) -> None:
        """Twilio is back, on the same port."""
        with self._lock:
            self._down = False
        if self._server is None:
            self.start()

    def opt_out(self, number: str) -> None:
        """``number`` replied STOP: sending to it fails with 21610."""
        with self._lock:
            self.opted_out.add(number)

    # --- webhooks ----------------------------------------------------------------------------

    def sign(self, url: str, params: Mapping[str, str]) -> SignedWebhook:
        """Sign ``params`` for ``url`` exactly as Twilio does (HMAC-SHA1 with the auth token)."""
        signature = RequestValidator(self.auth_token).compute_signature(url, dict(params))
        return SignedWebhook(
            url=url,
            params=dict(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
                "I-Twilio-Idempotency-Token": secrets.token_hex(16),
            },
        )

    def status_callback(
        self,
        sid: str,
        status: str,
        *,
        url: str | None = None,
        error_code: int | None = None,
    ) -> SignedWebhook:
        """A signed status callback for message ``sid``; updates its stored status.

        ``url`` defaults to the message's ``StatusCallback``. ``status``: queued, sending, sent,
        delivered, undelivered, failed, read… ``error_code`` e.g. 30003 (unreachable).
        """
        with self._lock:
            msg = self._messages[sid]
            msg = self._messages[sid] = replace(msg, status=status, error_code=error_code)
        target = url or msg.status_callback
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback and no url was given")
        params = {
            "AccountSid": msg.account_sid,
            "ApiVersion": API_VERSION,
            "From": msg.from_ or "",
            "MessageSid": msg.sid,
            "MessageStatus": status,
            "SmsSid": msg.sid,
            "SmsStatus": status,
            "To": msg.to,
        }
        if msg.messaging_service_sid:
            params["MessagingServiceSid"] = msg.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return self.sign(target, params)

    def inbound_message(
        self, url: str, *, from_: str, to: str, body: str, messaging_service_sid: str | None = None
    ) -> SignedWebhook:
        """A signed incoming SMS; STOP/START words update the opt-out list as Twilio does."""
        sid = new_sid("SM")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segments(body)),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }
        if messaging_service_sid:
            params["MessagingServiceSid"] = messaging_service_sid
        word = body.strip().upper()
        with self._lock:
            if word in STOP_WORDS:
                self.opted_out.add(from_)
                params["OptOutType"] = "STOP"
            elif word in START_WORDS:
                self.opted_out.discard(from_)
                params["OptOutType"] = "START"
        return self.sign(url, params)

    @staticmethod
    def send(webhook: SignedWebhook, timeout: float = 5.0) -> WebhookResponse:
        """POST ``webhook`` to its URL over real HTTP; any status is returned, not raised."""
        data = urllib.parse.urlencode(webhook.params).encode()
        request = urllib.request.Request(
            webhook.url, data=data, headers=webhook.headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return WebhookResponse(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return WebhookResponse(error.code, error.read().decode())

    # --- request handling (runs on server threads) --------------------------------------------

    def _handle(self, h: _Handler) -> None:
        form = h.read_form()
        path = urllib.parse.urlsplit(h.path).path
        with self._lock:
            number = len(self._requests) + 1
            fault = self._pick_fault(number)
            delay = self.faults.latency + (
                self._rng.uniform(0, self.faults.jitter) if self.faults.jitter else 0.0
            )
        if fault is not None and fault.kind == "slow":
            delay += fault.delay
        if delay:
            self._stopping.wait(delay)

        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            error = error_body(fault.status, fault.code, fault.message)
            self._record(number, h, path, form, str(fault.status))
            h.send_json(fault.status, error, headers)
            return
        if fault is not None and fault.kind == "drop":
            if fault.accept:
                self._answer(h, path, form)  # computed, then thrown away with the connection
            self._record(number, h, path, form, "dropped")
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return

        status, payload, headers = self._answer(h, path, form)
        self._record(number, h, path, form, str(status))
        h.send_json(status, payload, headers)

    def _record(
        self, number: int, h: _Handler, path: str, form: dict[str, str], outcome: str
    ) -> None:
        with self._lock:
            self._requests.append(
                RequestRecord(
                    number, h.command, path, form, outcome, time.monotonic(), h.client_address
                )
            )

    def _pick_fault(self, number: int) -> Fault | None:
        if self._down:
            return Fault.error(503)
        f = self.faults
        if number in f.nth:
            return f.nth.pop(number)
        if f.queue:
            return f.queue.pop(0)
        # One draw per kind, always in the same order, so a seed gives one sequence.
        drop, throttle, error = self._rng.random(), self._rng.random(), self._rng.random()
        if drop < f.drop_rate:
            return Fault.drop()
        if throttle < f.throttle_rate:
            return Fault.throttle(f.retry_after)
        if error < f.error_rate:
            return Fault.error(self._rng.choice(f.error_statuses))
        return None

    def _answer(
        self, h: _Handler, path: str, form: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if not self._authorised(h.headers.get("Authorization")):
            return (
                401,
                error_body(401, 20003, "Authenticate"),
                {"WWW-Authenticate": 'Basic realm="Twilio API"'},
            )
        if (match := _MESSAGES.match(path)) and h.command == "POST":
            if match["account"] != self.account_sid:
                return _not_found(path)
            return self._create(form)
        if (match := _MESSAGE.match(path)) and h.command == "GET":
            with self._lock:
                msg = self._messages.get(match["sid"])
            if match["account"] != self.account_sid or msg is None:
                return _not_found(path)
            return 200, msg.resource(), {}
        if _MESSAGES.match(path) or _MESSAGE.match(path):
            return 405, error_body(405, 20004, "Method not allowed"), {}
        return _not_found(path)

    def _authorised(self, header: str | None) -> bool:
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return secrets.compare_digest(
            f"{user}:{password}".encode(), f"{self.account_sid}:{self.auth_token}".encode()
        )

    def _create(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        to = form.get("To", "").strip()
        from_ = form.get("From", "").strip() or None
        service = form.get("MessagingServiceSid", "").strip() or None
        body = form.get("Body", "")
        if not to:
            return 400, error_body(400, 21604, "A 'To' phone number is required."), {}
        if not from_ and not service:
            return 400, error_body(400, 21603, "A 'From' phone number is required."), {}
        if not body:
            return 400, error_body(400, 21602, "Message body is required."), {}
        if not _E164.match(to):
            message = f"The 'To' number {to} is not a valid phone number."
            return 400, error_body(400, 21211, message), {}
        if len(body) > MAX_BODY:
            message = "The concatenated message body exceeds the 1600 character limit."
            return 400, error_body(400, 21617, message), {}
        with self._lock:
            if to in self.opted_out:
                message = "Attempt to send to unsubscribed recipient"
                return 400, error_body(400, 21610, message), {}
            msg = SentMessage(
                sid=new_sid("SM"),
                account_sid=self.account_sid,
                to=to,
                from_=from_,
                messaging_service_sid=service,
                body=body,
                status_callback=form.get("StatusCallback") or None,
                received_at=time.time(),
                status="queued" if from_ else "accepted",
            )
            self._messages[msg.sid] = msg
        return 201, msg.resource(), {}


def _not_found(path: str) -> tuple[int, Any, dict[str, str]]:
    message = f"The requested resource {path} was not found"
    return 404, error_body(404, 20404, message), {}


def _as_fault(fault: Fault | int | str, retry_after: int) -> Fault:
    if isinstance(fault, Fault):
        return fault
    if fault == 429:
        return Fault.throttle(retry_after)
    if fault == "drop":
        return Fault.drop()
    if isinstance(fault, int):
        return Fault.error(fault)
    raise ValueError(f"unknown fault {fault!r}")


def point_at(client: Any, base_url: str) -> None:
    """Send ``client``'s ``api.twilio.com`` calls (Messages…) to ``base_url`` (sync and async)."""
    client.api.base_url = base_url.rstrip("/")
    client.edge = client.region = None
