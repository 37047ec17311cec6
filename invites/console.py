"""The console provider: the development default for e-mail and SMS.

Nothing leaves the machine: each message is written to the log and handed to a recorder
(the web app stores it so it can be read on a page).
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


class Recorder(Protocol):
    async def __call__(self, message: OutgoingMessage) -> None: ...


class ConsoleProvider:
    name = "console"

    def __init__(self, record: Recorder) -> None:
        self._record = record

    async def send(self, message: OutgoingMessage) -> None:
        log.info(
            "%s to %s: %s\n%s", message.channel, message.recipient, message.subject, message.body
        )
        await self._record(message)
