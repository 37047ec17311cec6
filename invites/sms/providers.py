"""SMS providers behind one interface, chosen by a setting (``SAMSPEL_SMS_PROVIDER``).

A provider hands one text to one number and says what became of the attempt:

* it returns :class:`Accepted` when the provider took the message (delivery is reported
  later, by status callbacks);
* it raises :class:`TemporaryFailure` when trying again later may work (throttled, the
  provider is down, a timeout, a lost connection). ``maybe_sent`` says whether the request may
  have reached the provider anyway, so a retry could deliver the text twice;
* it raises :class:`PermanentFailure` when this message will never go out as it is (an invalid
  or opted-out number, refused credentials). ``opted_out`` marks a recipient who replied STOP.

The outbox dispatcher decides what to do with each; providers never retry by themselves.
Messages are plain words for staff, with the provider's error code appended.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from invites.console import ConsoleProvider, OutgoingMessage
from invites.sms.encoding import measure


@dataclass(frozen=True)
class Accepted:
    provider_id: str  # Twilio's message SID ("SM…"), or "console-…"
    status: str  # the provider's word: "queued", "accepted", "delivered"…
    segments: int | None  # as the provider counted them; None when not known yet


class SmsFailure(Exception):
    """A text was not handed over; ``str(error)`` is the message for staff."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TemporaryFailure(SmsFailure):
    """Try again later: throttled (429), the provider failing (5xx), a timeout, no connection."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after  # seconds the provider asked us to wait, if it did
        self.maybe_sent = maybe_sent  # the request may have reached the provider

    def __repr__(self) -> str:
        return (
            f"TemporaryFailure({self.message!r}, retry_after={self.retry_after!r}, "
            f"code={self.code!r}, maybe_sent={self.maybe_sent!r})"
        )


class PermanentFailure(SmsFailure):
    """This message will not go out as it is: do not retry it."""

    def __init__(self, message: str, *, code: int | None, opted_out: bool = False) -> None:
        super().__init__(message, code=code)
        self.opted_out = opted_out  # the recipient replied STOP: never text them again

    def __repr__(self) -> str:
        return (
            f"PermanentFailure({self.message!r}, code={self.code!r}, opted_out={self.opted_out!r})"
        )


class SmsProvider(Protocol):
    name: str

    async def send(self, *, to: str, body: str, status_callback: str | None = None) -> Accepted:
        """Hand ``body`` to the provider for ``to`` (E.164); raises TemporaryFailure or
        PermanentFailure when it was not accepted."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once when the app or worker stops."""
        ...


class ConsoleSmsProvider:
    """The development default: the text is logged and recorded by :class:`ConsoleProvider`,
    and counts as delivered at once."""

    name = "console"

    def __init__(self, console: ConsoleProvider) -> None:
        self._console = console

    async def send(self, *, to: str, body: str, status_callback: str | None = None) -> Accepted:
        await self._console.send(OutgoingMessage(channel="sms", recipient=to, body=body))
        return Accepted(
            provider_id=f"console-{uuid.uuid4().hex}",
            status="delivered",
            segments=measure(body).segments,
        )

    async def aclose(self) -> None:
        return None


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` value (delay-seconds or an HTTP date,
    RFC 9110 §10.2.3), never negative; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.utcoffset() is None or now.utcoffset() is None:
        return None
    return max(0.0, (when - now).total_seconds())
