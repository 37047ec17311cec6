"""Several `samspel worker` processes on one outbox: every message is claimed by one worker at
a time and sent exactly once, while Twilio (the fake server, reached through the real twilio
library) is slow and now and then answers 429, 500 or 503. No worker dies here, so there is
no excuse for a single duplicate.

Who claimed and who sent a row is not kept once it is sent (``claimed_by`` is cleared, and
``outbox_events`` names no worker), so the test's own database gets a trigger that logs every
change of an outbox row — old and new status, old and new ``claimed_by`` — into a table of its
own. That log shows each claim and each send with the worker process behind it.

PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``; SQLite, with one writer at a time, claims
with a single conditional UPDATE. Both are run: three workers on PostgreSQL, two on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import select, text

from tests.conftest import POSTGRES_URL, SECRET
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.test_outbox import _contacts, _send, _statuses
from webapp.db.tables import outbox, outbox_events

MESSAGES = 1500
CONCURRENCY = 8
# Twilio fails now and then during the first requests only: a first retry waits 10-20 s
# (Policy.first_delay, not a setting) and a second one 20-40 s, so the retries had better go
# through for the test to stay short.
FAULTY_REQUESTS = MESSAGES // 3
ERROR_RATE = 0.05
THROTTLE_RATE = 0.04

CHANGES = "test_outbox_changes"
_LOG_CHANGES = {
    "postgresql": [
        f"""CREATE TABLE {CHANGES} (
            id SERIAL PRIMARY KEY, outbox_id INTEGER NOT NULL,
            old_status TEXT, new_status TEXT, old_claimed_by TEXT, new_claimed_by TEXT)""",
        f"""CREATE FUNCTION {CHANGES}_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {CHANGES} (outbox_id, old_status, new_status, old_claimed_by,
                                   new_claimed_by)
            VALUES (NEW.id, OLD.status, NEW.status, OLD.claimed_by, NEW.claimed_by);
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {CHANGES}_log AFTER UPDATE ON outbox
            FOR EACH ROW EXECUTE FUNCTION {CHANGES}_log()""",
    ],
    "sqlite": [
        f"""CREATE TABLE {CHANGES} (
            id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL,
            old_status TEXT, new_status TEXT, old_claimed_by TEXT, new_claimed_by TEXT)""",
        f"""CREATE TRIGGER {CHANGES}_log AFTER UPDATE ON outbox FOR EACH ROW
        BEGIN
            INSERT INTO {CHANGES} (outbox_id, old_status, new_status, old_claimed_by,
                                   new_claimed_by)
            VALUES (NEW.id, OLD.status, NEW.status, OLD.claimed_by, NEW.claimed_by);
        END""",
    ],
}


async def _log_changes(ctx) -> None:  # type: ignore[no-untyped-def]
    """The test database (never the app's schema) logs every change of an outbox row."""
    async with ctx.db.transaction() as conn:
        for statement in _LOG_CHANGES[conn.dialect.name]:
            await conn.exec_driver_sql(statement)


async def _outcome(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = list(await conn.execute(select(outbox).order_by(outbox.c.id)))
        events = list(await conn.execute(select(outbox_events.c.outbox_id, outbox_events.c.status)))
        changes = list(await conn.execute(text(f"SELECT * FROM {CHANGES} ORDER BY id")))
    return rows, events, changes


def _worker(
    tmp_path: Path, database_url: str, fake: FakeTwilio, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
        # Set, as in production: workers started together would each write a secret_key file.
        "SAMSPEL_SECRET_KEY": SECRET,
        "SAMSPEL_DATABASE_URL": database_url,
        "SAMSPEL_AUTO_MIGRATE": "0",
        "SAMSPEL_LOG_LEVEL": "WARNING",  # not twilio's dozen lines per request
        "SAMSPEL_SMS_PROVIDER": "twilio",
        "SAMSPEL_SMS_CONCURRENCY": str(CONCURRENCY),
        "SAMSPEL_SMS_LEASE_SECONDS": "120",  # the default: no lease runs out in this test
        "SAMSPEL_SMS_RETRY_SECONDS": "1",  # retries within seconds, not the default 20
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM": "+46700000000",
        "TWILIO_API_BASE": fake.base_url,
    }
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "webapp.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


@contextlib.contextmanager
def _workers(
    count: int, tmp_path: Path, database_url: str, fake: FakeTwilio
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """``count`` worker processes by the name they claim with (``worker:host:pid``); stopped
    when the block ends (SIGTERM, then SIGKILL), whatever happened in it. Their exit codes
    are checked only when the block went well."""
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with contextlib.ExitStack() as logs:
        try:
            for n in range(count):
                log = logs.enter_context((tmp_path / f"worker-{n}.log").open("wb"))
                proc = _worker(tmp_path, database_url, fake, log)
                procs[f"worker:{socket.gethostname()}:{proc.pid}"] = proc
            yield procs
        finally:
            codes = _stop(list(procs.values()))
    assert codes == [0] * count, f"every worker stops cleanly on SIGTERM: {codes}"


def _stop(procs: list[subprocess.Popen[bytes]]) -> list[int | None]:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return [proc.returncode for proc in procs]


def _logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
        for path in sorted(tmp_path.glob("worker-*.log"))
    )


def _wait(condition: Callable[[], bool], timeout: float, what: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{_logs(tmp_path)}")


@pytest.mark.parametrize(
    ("database_url", "workers"),
    [
        pytest.param(
            "postgres", 3, id="postgres",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="PostgreSQL only: set SAMSPEL_TEST_POSTGRES_URL"
            ),
        ),
        pytest.param("sqlite", 2, id="sqlite"),
    ],
    indirect=["database_url"],
)  # fmt: skip
def test_several_worker_processes_send_every_message_exactly_once(
    web: Any, world: Any, settings: Any, tmp_path: Path, workers: int
) -> None:
    ids = web.run(_contacts, web.ctx, world, MESSAGES)
    web.run(_log_changes, web.ctx)
    web.run(_send, web.ctx, world, ids)
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=11) as fake:
        fake.set_latency(0.01, jitter=0.03)
        fake.set_rates(error=ERROR_RATE, throttle=THROTTLE_RATE, retry_after=1)
        faulty = True

        def all_sent() -> bool:
            nonlocal faulty
            if faulty and len(fake.requests) >= FAULTY_REQUESTS:
                fake.set_rates(error=0, throttle=0)
                faulty = False
            return bool(web.run(_statuses, web.ctx) == {"sent": MESSAGES})

        with _workers(workers, tmp_path, settings.database_url, fake) as procs:
            _wait(all_sent, 75, "every message to be sent", tmp_path)
        requests = [r for r in fake.requests if r.method == "POST"]
        accepted = {m.sid: m for m in fake.messages}
        counts = fake.counts()
    rows, events, changes = web.run(_outcome, web.ctx)

    # Twilio got every message once, and only the requests the outbox counted as claims.
    assert len(counts) == MESSAGES and set(counts.values()) == {1}, "every message once"
    failures = Counter(r.outcome for r in requests if r.outcome != "201")
    # A 429 or 503 (Twilio took nothing) gives its claim's attempt back (invites/sms/
    # dispatcher.py): the other requests are the attempts.
    refused = failures["429"] + failures["503"]
    assert len(requests) == sum(row.attempts for row in rows) + refused, "one request per claim"
    assert set(failures) <= {"429", "500", "503"}
    assert sum(failures.values()) > FAULTY_REQUESTS * (ERROR_RATE + THROTTLE_RATE) / 3, failures

    # Every row was sent once, and is the very message Twilio accepted for it.
    assert {row.status for row in rows} == {"sent"} and len(rows) == MESSAGES
    assert {row.provider_id for row in rows} == set(accepted)
    for row in rows:
        message = accepted[row.provider_id]
        assert (message.to, message.body) == (row.phone, row.body)
        assert row.claimed_by is None and row.claimed_until is None
    assert dict(Counter(status for _, status in events)) == {
        "sent": MESSAGES,
        "retry": sum(failures.values()),
    }
    assert Counter(outbox_id for outbox_id, status in events if status == "sent") == Counter(
        row.id for row in rows
    ), "one 'sent' event per row"

    # Claims: only ever from 'queued', by one of our workers, one per attempt; the row was
    # then recorded by the worker that claimed it.
    claims: dict[int, list[str]] = defaultdict(list)
    senders: Counter[str] = Counter()
    for change in changes:
        if change.new_status == "sending":
            assert change.old_status == "queued", f"row {change.outbox_id} claimed twice"
            assert change.new_claimed_by in procs, change.new_claimed_by
            claims[change.outbox_id].append(change.new_claimed_by)
        elif change.old_status == "sending":
            assert change.new_status in ("sent", "queued"), change
            assert change.old_claimed_by == claims[change.outbox_id][-1], change
            if change.new_status == "sent":
                senders[change.old_claimed_by] += 1
    assert sum(len(c) for c in claims.values()) == len(requests), "one claim per request"
    assert all(len(claims[row.id]) >= row.attempts for row in rows)
    assert sum(senders.values()) == MESSAGES

    # And the work was shared: every worker process sent a fair part of the messages.
    assert set(senders) == set(procs), f"only {len(senders)} of {workers} workers sent: {senders}"
    assert min(senders.values()) >= MESSAGES / workers / 4, senders
