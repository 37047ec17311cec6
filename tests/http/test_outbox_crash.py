"""A `samspel worker` killed with SIGKILL in the middle of a send, and started again: no
message is lost, and the only duplicates are messages that were in flight at the moment of
the kill (at most SAMSPEL_SMS_CONCURRENCY). The worker is a real process; Twilio is the fake
server, reached through the real twilio library."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.test_outbox import _contacts, _send
from webapp.db.tables import outbox

MESSAGES = 300
CONCURRENCY = 8


def _worker(tmp_path: Path, database_url: str, fake: FakeTwilio) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
        "SAMSPEL_DATABASE_URL": database_url,
        "SAMSPEL_AUTO_MIGRATE": "0",
        "SAMSPEL_SMS_PROVIDER": "twilio",
        "SAMSPEL_SMS_CONCURRENCY": str(CONCURRENCY),
        "SAMSPEL_SMS_LEASE_SECONDS": "2",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM": "+46700000000",
        "TWILIO_API_BASE": fake.base_url,
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "webapp.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def _statuses(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return dict(rows.all())


def test_a_killed_worker_loses_nothing_and_repeats_only_what_was_in_flight(
    web, world, settings, tmp_path
):
    ids = web.run(_contacts, web.ctx, world, MESSAGES)
    web.run(_send, web.ctx, world, ids)
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=3) as fake:
        fake.set_latency(0.03)  # every answer takes a moment: messages are in flight
        worker = _worker(tmp_path, settings.database_url, fake)
        try:
            _wait(lambda: len(fake.messages) >= 60, 60, "the first messages")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        at_kill = len(fake.messages)
        assert at_kill < MESSAGES, "killed in the middle of the send"
        left = web.run(_statuses, web.ctx)
        assert left.get("queued", 0) + left.get("sending", 0) > 0

        again = _worker(tmp_path, settings.database_url, fake)
        try:
            _wait(
                lambda: web.run(_statuses, web.ctx) == {"sent": MESSAGES},
                90,
                "every message to be sent after the restart",
            )
        finally:
            again.send_signal(signal.SIGTERM)
            assert again.wait(timeout=30) == 0, "a SIGTERM stops the worker cleanly"
        counts = fake.counts()
    assert len(counts) == MESSAGES, "no message is lost"
    twice = [key for key, n in counts.items() if n > 1]
    assert max(counts.values()) <= 2
    assert len(twice) <= CONCURRENCY, f"{len(twice)} sent twice: more than were in flight"
