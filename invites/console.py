"""The console provider: the development default for e-mail and SMS.

Nothing leaves the machine: each message is handed to a recorder (the web app stores it so
it can be read on a page, /console/messages) and a line saying to whom it went is written to
the log. The text itself is never logged: it holds password-reset, invitation and personal
SMS links, which anyone reading the logs could otherwise use (docs/security.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("samspel.console")


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str  # "email" or "sms"
    recipient: str
    body: str
    subject: str = ""


class Mailer(Protocol):
    """Where e-mail goes: this console (development) or SMTP (invites/smtp.py)."""

    name: str

    async def send(self, message: OutgoingMessage) -> object: ...


class Recorder(Protocol):
    async def __call__(self, message: OutgoingMessage) -> None: ...


class ConsoleProvider:
    name = "console"

    def __init__(self, record: Recorder) -> None:
        self._record = record

    async def send(self, message: OutgoingMessage) -> None:
        log.info(
            "%s to %s: %s (%d characters, shown on /console/messages)",
            message.channel,
            message.recipient,
            message.subject,
            len(message.body),
        )
        await self._record(message)
