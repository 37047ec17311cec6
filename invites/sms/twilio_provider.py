"""The Twilio SMS provider: the real ``twilio`` library's async client, one per provider.

How twilio-python 9 behaves, and what this module does about it (pinned against the fake
server in tests/unit/test_fake_twilio.py):

* every HTTP error answer raises ``TwilioRestException`` (``.status``, ``.code``, ``.msg``)
  without the response headers, so ``Retry-After`` is read from the response recorded by
  :class:`_RecordingHttpClient` (per task, so concurrent sends do not see each other's);
* transport failures are aiohttp's own exceptions (not wrapped);
* ``AsyncTwilioHttpClient(timeout=…)`` is ignored, so each call runs in ``asyncio.timeout``;
* ``AsyncTwilioHttpClient(max_retries=…)`` would resend a POST after a 5xx that Twilio may
  have accepted, so it is not used: retries belong to the outbox dispatcher;
* ``Client(sid, token)`` makes the async client build a deprecated ``aiohttp.BasicAuth`` on
  every request, so the ``Authorization`` header comes from a credential provider instead.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.auth_strategy.auth_strategy import AuthStrategy
from twilio.auth_strategy.auth_type import AuthType
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.credential.credential_provider import CredentialProvider
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from invites.sms.providers import Accepted, PermanentFailure, TemporaryFailure, parse_retry_after

log = logging.getLogger("samspel.sms.twilio")

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# An alphanumeric sender ID: up to 11 of A-Z, a-z, 0-9 and space, with at least one letter.
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")

AUTH_FAILED = 20003
OPTED_OUT = 21610

# Twilio error codes (https://www.twilio.com/docs/api/errors) in words for staff.
PERMANENT_MESSAGES: dict[int, str] = {
    20003: "Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.",
    20404: "Twilio does not know this account: check TWILIO_ACCOUNT_SID and TWILIO_API_BASE.",
    21211: "The number is not valid.",
    21212: "The sender (TWILIO_FROM) is not a valid number or sender ID.",
    21408: "The Twilio account may not send texts to this country.",
    21602: "The message is empty.",
    21603: "No sender is set: configure TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID.",
    21604: "The message has no recipient number.",
    21606: "The sender (TWILIO_FROM) is not a Twilio number that can send texts.",
    21610: "The recipient has replied STOP and does not want texts from us.",
    21612: "Texts cannot be sent to this number from our sender.",
    21614: "The number is not a mobile number, so it cannot receive texts.",
    21617: "The message is longer than 1600 characters.",
}


class _BasicAuth(AuthStrategy):
    def __init__(self, header: str) -> None:
        super().__init__(AuthType.BASIC)
        self._header = header

    def get_auth_string(self) -> str:
        return self._header

    def requires_authentication(self) -> bool:
        return True


class BasicCredentials(CredentialProvider):
    """``Authorization: Basic …`` built once, so twilio never builds ``aiohttp.BasicAuth``
    (deprecated in aiohttp 3.14: a warning on every request ``Client(sid, token)`` makes).
    Pass it as ``Client(account_sid=sid, credential_provider=BasicCredentials(sid, token))``."""

    def __init__(self, username: str, password: str) -> None:
        super().__init__(AuthType.BASIC)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._strategy = _BasicAuth(f"Basic {token}")

    def to_auth_strategy(self) -> AuthStrategy:
        return self._strategy


# The last response the HTTP client got in the current task (twilio's own
# ``_test_only_last_response`` is one attribute shared by all concurrent requests).
_last_response: ContextVar[Response | None] = ContextVar("twilio_last_response", default=None)


class _RecordingHttpClient(AsyncTwilioHttpClient):
    async def request(self, *args: Any, **kwargs: Any) -> Response:
        response: Response = await super().request(*args, **kwargs)
        _last_response.set(response)
        return response


def _now() -> datetime:
    return datetime.now(UTC)


class TwilioProvider:
    """Sends through Twilio's Messages API with ``from_number`` or, when given, the
    messaging service ``messaging_service_sid`` (which picks the sender itself)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base: str = "",
        timeout: float = 10.0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._account_sid = account_sid
        self._credentials = BasicCredentials(account_sid, auth_token)
        self._from = from_number
        self._service = messaging_service_sid
        self._api_base = api_base.rstrip("/")
        self._timeout = timeout
        self._clock = clock
        self._http: _RecordingHttpClient | None = None
        self._client: Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _twilio(self) -> Client:
        """The client, made on first use: its aiohttp session belongs to the running loop."""
        loop = asyncio.get_running_loop()
        if self._client is not None:
            if loop is not self._loop:
                raise RuntimeError("TwilioProvider is used from another event loop than before")
            return self._client
        self._http = _RecordingHttpClient()
        client = Client(
            account_sid=self._account_sid,
            credential_provider=self._credentials,
            http_client=self._http,
        )
        if self._api_base:
            client.api.base_url = self._api_base
            client.edge = client.region = None  # else the host is rewritten to an edge's
        self._client, self._loop = client, loop
        return client

    async def send(self, *, to: str, body: str, status_callback: str | None = None) -> Accepted:
        client = self._twilio()
        _last_response.set(None)
        try:
            async with asyncio.timeout(self._timeout):
                message = await client.messages.create_async(
                    to=to,
                    body=body,
                    from_=self._from or values.unset,
                    messaging_service_sid=self._service or values.unset,
                    status_callback=status_callback or values.unset,
                )
        except TwilioRestException as error:
            raise self._http_failure(error) from error
        except TimeoutError as error:
            raise TemporaryFailure(
                f"Twilio did not answer within {self._timeout:g} seconds; "
                "the message may have been sent.",
                maybe_sent=True,
            ) from error
        except aiohttp.ClientConnectorError as error:
            raise TemporaryFailure("Could not connect to Twilio.") from error
        except aiohttp.ClientError as error:
            raise TemporaryFailure(
                "The connection to Twilio was lost before it answered; "
                "the message may have been sent.",
                maybe_sent=True,
            ) from error
        return Accepted(
            provider_id=str(message.sid),
            status=str(message.status or ""),
            segments=_segments(message.num_segments),
        )

    def _http_failure(self, error: TwilioRestException) -> TemporaryFailure | PermanentFailure:
        status = int(error.status)
        code = int(error.code) if error.code is not None else None
        if status == 429:
            response = _last_response.get()
            header = response.headers.get("Retry-After") if response is not None else None
            retry_after = parse_retry_after(header, now=self._clock())
            return TemporaryFailure(
                f"Twilio asked us to slow down (too many requests) (Twilio error {code}).",
                retry_after=retry_after,
                code=code,
            )
        if status >= 500:
            # A 503 refuses the request; any other 5xx may come after Twilio took the message.
            return TemporaryFailure(
                f"Twilio had a temporary problem (HTTP {status}) (Twilio error {code}).",
                code=code,
                maybe_sent=status != 503,
            )
        words = PERMANENT_MESSAGES.get(code or 0) or f"Twilio refused the message: {error.msg}"
        if code == AUTH_FAILED:
            log.error(
                "Twilio refused the credentials for account %s (error 20003)", self._account_sid
            )
        return PermanentFailure(
            f"{words} (Twilio error {code})", code=code, opted_out=code == OPTED_OUT
        )

    async def aclose(self) -> None:
        http, self._http, self._client, self._loop = self._http, None, None, None
        if http is not None:
            await http.close()


def _segments(value: object) -> int | None:
    """Twilio's ``num_segments`` ("2"); None when missing or "0" (a messaging service has
    not picked a sender yet)."""
    try:
        count = int(str(value))
    except ValueError:
        return None
    return count if count > 0 else None


def validate_settings(
    *,
    account_sid: str,
    auth_token: str,
    from_number: str = "",
    messaging_service_sid: str = "",
    api_base: str = "",
    timeout: float = 10.0,
) -> list[str]:
    """What is wrong with these Twilio settings, one line each (empty when they are fine),
    so the app can refuse to start with a clear message."""
    problems: list[str] = []
    if not account_sid.strip():
        problems.append("TWILIO_ACCOUNT_SID is missing.")
    elif not ACCOUNT_SID.match(account_sid):
        problems.append(
            "TWILIO_ACCOUNT_SID must be AC followed by 32 hexadecimal digits "
            "(see the Twilio console)."
        )
    if not auth_token.strip():
        problems.append("TWILIO_AUTH_TOKEN is missing.")
    if not from_number and not messaging_service_sid:
        problems.append("Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: texts need a sender.")
    if from_number and not (E164.match(from_number) or ALPHANUMERIC_SENDER.match(from_number)):
        problems.append(
            f"TWILIO_FROM {from_number!r} must be a number in international form (+46701234567) "
            "or a sender name of at most 11 letters, digits and spaces."
        )
    if messaging_service_sid and not MESSAGING_SERVICE_SID.match(messaging_service_sid):
        problems.append(
            "TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hexadecimal digits."
        )
    if api_base:
        parts = urlsplit(api_base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"TWILIO_API_BASE {api_base!r} must be an http:// or https:// address.")
    if not timeout > 0:
        problems.append(f"The Twilio timeout must be more than 0 seconds, not {timeout!r}.")
    return problems
