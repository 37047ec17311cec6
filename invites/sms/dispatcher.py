"""Delivering the SMS outbox: claim due messages, send them through a provider with bounded
concurrency, and record what happened.

The outbox lives in the app's database; this module gets it as an ``OutboxStore`` (the app
implements it), a provider and a clock, and never imports the app.

- A message is claimed for a lease before it is sent; a message still claimed when its lease
  runs out was in flight when its dispatcher died and is claimed again. So nothing is lost
  after a crash, and the duplicates are at most the messages that were in flight then. A
  dispatcher claims no more messages than it sends at once, so that is at most
  ``concurrency`` messages.
- A temporary failure (429, 5xx, a timeout, a dropped connection) is retried after an
  exponential backoff with jitter (or the provider's Retry-After, when longer), up to
  ``max_attempts``; then the message fails with the last error. A permanent failure fails at
  once; "the recipient replied STOP" also tells the store to opt the number out.
- Stopping (``stop`` set) lets the messages in flight finish and their results be recorded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from invites.sms.providers import (
    Accepted,
    PermanentFailure,
    SmsFailure,
    SmsProvider,
    TemporaryFailure,
)

log = logging.getLogger("samspel.sms")


@dataclass(frozen=True)
class Claimed:
    id: int
    to: str
    body: str
    attempts: int  # including this one


class OutboxStore(Protocol):
    async def claim(
        self, *, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[Claimed]: ...

    async def sent(self, message_id: int, *, accepted: Accepted, now: datetime) -> None: ...

    async def retry(
        self, message_id: int, *, at: datetime, failure: SmsFailure, now: datetime
    ) -> None: ...

    async def failed(self, message_id: int, *, failure: SmsFailure, now: datetime) -> None: ...


@dataclass(frozen=True)
class Policy:
    concurrency: int = 8
    max_attempts: int = 6
    first_delay: float = 20.0  # seconds before the first retry (then doubling)
    max_delay: float = 3600.0
    lease: timedelta = timedelta(minutes=2)
    idle: float = 1.0  # seconds between looks at an empty outbox


def backoff(attempts: int, policy: Policy, rng: random.Random) -> float:
    """Seconds before the next try after ``attempts`` tries: doubling from ``first_delay``,
    capped at ``max_delay``, with "equal jitter" (half fixed, half random) so retries after an
    outage do not arrive all at once."""
    ceiling = min(policy.max_delay, policy.first_delay * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + rng.random() * ceiling / 2


class Dispatcher:
    def __init__(
        self,
        store: OutboxStore,
        provider: SmsProvider,
        *,
        clock: Callable[[], datetime],
        worker: str,
        policy: Policy | None = None,
        rng: random.Random | None = None,
        status_callback: str | None = None,
    ) -> None:
        self.store = store
        self.status_callback = status_callback
        self.provider = provider
        self.clock = clock
        self.worker = worker
        self.policy = policy or Policy()
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets

    async def run_once(self) -> int:
        """Claim what is due (at most ``concurrency`` messages), send it, record it. Returns
        how many messages were handled."""
        claimed = await self.store.claim(
            worker=self.worker,
            now=self.clock(),
            limit=self.policy.concurrency,
            lease=self.policy.lease,
        )
        if claimed:
            await asyncio.gather(*(self._deliver(message) for message in claimed))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: deliver, and wait ``idle`` seconds when nothing is due."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:  # noqa: BLE001 - the database went away: try again later
                log.exception("the SMS dispatcher could not read the outbox")
                handled = 0
            if not handled:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.policy.idle)
                except TimeoutError:
                    pass

    async def _deliver(self, message: Claimed) -> None:
        try:
            accepted = await self.provider.send(
                to=message.to, body=message.body, status_callback=self.status_callback
            )
        except TemporaryFailure as failure:
            await self._temporary(message, failure)
        except PermanentFailure as failure:
            await self.store.failed(message.id, failure=failure, now=self.clock())
        else:
            await self.store.sent(message.id, accepted=accepted, now=self.clock())

    async def _temporary(self, message: Claimed, failure: TemporaryFailure) -> None:
        now = self.clock()
        if message.attempts >= self.policy.max_attempts:
            await self.store.failed(message.id, failure=failure, now=now)
            return
        delay = backoff(message.attempts, self.policy, self.rng)
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        await self.store.retry(
            message.id, at=now + timedelta(seconds=delay), failure=failure, now=now
        )
