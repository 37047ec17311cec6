"""Delivering the SMS outbox: claim due messages, send them through a provider with bounded
concurrency, and record what happened.

The outbox lives in the app's database; this module gets it as an ``OutboxStore`` (the app
implements it), a provider and a clock, and never imports the app.

- A message is claimed for a lease before it is sent; a message still claimed when its lease
  runs out was in flight when its dispatcher died and is claimed again. So nothing is lost
  after a crash, and the duplicates are at most the messages that were in flight then. A
  dispatcher claims no more messages than it sends at once, so that is at most
  ``concurrency`` messages.
- A temporary failure that may have sent the message anyway (a timeout, a dropped
  connection, a 5xx other than 503) is retried after an exponential backoff with jitter, up
  to ``max_attempts``; then the message fails with the last error. Each such retry may send
  the text twice, so their number stays bounded.
- A temporary failure that certainly did not send it (the provider could not be reached,
  answered 503 or 429) is the provider's trouble, not the message's: it uses up no attempt,
  however long it lasts: the message waits, queued, until the provider takes it (after the
  provider's Retry-After at least). After a round in which the provider took nothing, the
  dispatcher holds back (a circuit breaker): it claims nothing for a pause doubling from
  ``first_delay`` up to ``outage_max_delay``, then tries one batch again. (A ten-minute
  Twilio outage used to burn all six attempts, which span five to ten minutes, and fail
  every message.)
- A permanent failure fails at once; "the recipient replied STOP" also tells the store to
  opt the number out.
- Stopping (``stop`` set) lets the messages in flight finish and their results be recorded.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
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
        self,
        message_id: int,
        *,
        at: datetime,
        failure: SmsFailure,
        now: datetime,
        attempt_used: bool = True,
    ) -> None:
        """Queue the message again for ``at``; ``attempt_used=False`` gives back the attempt
        its claim counted (the provider never took it)."""
        ...

    async def failed(self, message_id: int, *, failure: SmsFailure, now: datetime) -> None: ...


@dataclass(frozen=True)
class Policy:
    concurrency: int = 8
    max_attempts: int = 6
    first_delay: float = 20.0  # seconds before the first retry (then doubling)
    max_delay: float = 3600.0
    lease: timedelta = timedelta(minutes=2)
    idle: float = 1.0  # seconds between looks at an empty outbox
    # The longest pause while the provider is down: after it comes back, messages go out
    # within this many seconds.
    outage_max_delay: float = 300.0


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
        # The circuit breaker: while the provider is down, nothing is claimed before
        # ``held_until``; ``outages`` counts the rounds it has failed in a row.
        self.held_until: datetime | None = None
        self.outages = 0

    async def run_once(self) -> int:
        """Claim what is due (at most ``concurrency`` messages), send it, record it. Returns
        how many messages were handled (none while holding back for a provider outage)."""
        if self.held_until is not None and self.clock() < self.held_until:
            return 0
        claimed = await self.store.claim(
            worker=self.worker,
            now=self.clock(),
            limit=self.policy.concurrency,
            lease=self.policy.lease,
        )
        if claimed:
            outcomes = await asyncio.gather(*(self._deliver(message) for message in claimed))
            self._follow(outcomes)
        return len(claimed)

    def _follow(self, outcomes: list[str]) -> None:
        """The circuit breaker: a round in which the provider took nothing and refused
        something (unreachable, 503, 429) holds the dispatcher back; any message taken
        closes it again. A refusal now and then among accepted messages only delays that
        message."""
        if "sent" in outcomes:
            self.outages = 0
            self.held_until = None
        elif "down" in outcomes:
            self.outages += 1
            delay = backoff(self.outages, self._outage_policy, self.rng)
            self.held_until = self.clock() + timedelta(seconds=delay)
            log.warning(
                "the SMS provider took no message in the last round; holding back %.0f s", delay
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: deliver, and wait ``idle`` seconds when nothing is due."""
        failures = 0
        while not stop.is_set():
            pause = self.policy.idle
            try:
                handled = await self.run_once()
                failures = 0
            except Exception:  # noqa: BLE001 - the database went away: try again later
                failures += 1
                handled = 0
                # Every second at first, then less often (up to a minute): an outage of
                # the database is not a traceback a second in the log.
                pause = min(self.policy.idle * 2 ** (failures - 1), 60.0)
                if failures <= 3 or failures % 10 == 0:
                    log.exception(
                        "the SMS dispatcher could not reach the outbox (%d times in a row)",
                        failures,
                    )
            if not handled:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except TimeoutError:
                    pass

    async def _deliver(self, message: Claimed) -> str:
        """Send one message and record the outcome: "sent", "down" (the provider did not
        take it, through no fault of the message), or "failed" (retried or failed)."""
        try:
            accepted = await self.provider.send(
                to=message.to, body=message.body, status_callback=self.status_callback
            )
        except TemporaryFailure as failure:
            return await self._temporary(message, failure)
        except PermanentFailure as failure:
            await self.store.failed(message.id, failure=failure, now=self.clock())
            return "failed"
        await self.store.sent(message.id, accepted=accepted, now=self.clock())
        return "sent"

    async def _temporary(self, message: Claimed, failure: TemporaryFailure) -> str:
        now = self.clock()
        if not failure.maybe_sent:
            # Not taken (unreachable, 503, 429): again later, without using up an attempt.
            delay = backoff(self.outages + 1, self._outage_policy, self.rng)
            delay = max(delay, failure.retry_after or 0.0)
            await self.store.retry(
                message.id, at=now + timedelta(seconds=delay), failure=failure, now=now,
                attempt_used=False,
            )  # fmt: skip
            return "down"
        if message.attempts >= self.policy.max_attempts:
            await self.store.failed(message.id, failure=failure, now=now)
            return "failed"
        delay = backoff(message.attempts, self.policy, self.rng)
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        await self.store.retry(
            message.id, at=now + timedelta(seconds=delay), failure=failure, now=now
        )
        return "failed"

    @property
    def _outage_policy(self) -> Policy:
        return replace(self.policy, max_delay=self.policy.outage_max_delay)
