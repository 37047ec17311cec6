"""SQLite under concurrent writers (issue 8, faults): several app processes on one SQLite
file, each with its SMS dispatcher and timers writing too, take a burst of RSVPs from many
clients at once — every one is answered 303 and stored (writers queue on BEGIN IMMEDIATE and
the busy timeout), none 500. And a writer that holds the lock longer than the busy timeout
(a long migration, a stuck process) gets the others a 503 page with Retry-After, not a 500;
reading goes on meanwhile, and writing works again once the lock is let go."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.conftest import BASE_URL, SECRET
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp.app import create_app
from webapp.auth.csrf import CSRF_COOKIE
from webapp.db.tables import rsvps

PROCESSES = 3
CLIENTS = 12  # each from an address of its own (the public forms' limit is per address)
RSVPS_PER_CLIENT = 15


@pytest.fixture
def sqlite_only(settings):  # type: ignore[no-untyped-def]
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer; PostgreSQL has row locks")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _apps(database_url: str, folder: Path, count: int) -> Iterator[list[str]]:
    """``count`` ``samspel serve`` processes on ``database_url``; stopped when the block ends."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    urls = []
    try:
        for n in range(count):
            port = _free_port()
            log = folder / f"app-{n}.log"
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(folder),
                "SAMSPEL_INSTANCE_PATH": str(folder / f"app-{n}"),
                "SAMSPEL_DATABASE_URL": database_url,
                "SAMSPEL_SECRET_KEY": SECRET,
                "SAMSPEL_AUTO_MIGRATE": "0",
                "SAMSPEL_ACCESS_LOG": "0",
                # Each process delivers SMS and runs the timers: writers of their own.
                "SAMSPEL_SMS_DISPATCHER": "app",
            }
            with log.open("wb") as out:
                proc = subprocess.Popen(  # noqa: S603 - our own command
                    [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)],
                    env=env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            started.append((proc, log))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        with httpx.Client(timeout=2) as client:
            for url in urls:
                while True:
                    with contextlib.suppress(httpx.TransportError):
                        if client.get(url + "/healthz").status_code == 200:
                            break
                    assert time.monotonic() < deadline, _logs(started)
                    time.sleep(0.1)
        yield urls
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            assert proc.wait(timeout=20) == 0, _logs(started)
        logs = _logs(started)
        assert "database is locked" not in logs and "Traceback" not in logs, logs
    finally:
        for proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _logs(started: list[tuple[subprocess.Popen[bytes], Path]]) -> str:
    return "\n".join(log.read_text(errors="replace")[-3000:] for _, log in started)


def _rsvps(urls: list[str], event_id: int, client_number: int) -> list[int]:
    """One person's browser (its own address) sending RSVPs through the processes in turn."""
    statuses = []
    address = f"10.0.{client_number // 250}.{client_number % 250 + 1}"
    with httpx.Client(timeout=60, headers={"X-Forwarded-For": address}) as client:
        client.get(urls[0] + "/login")
        token = client.cookies[CSRF_COOKIE]
        for n in range(RSVPS_PER_CLIENT):
            url = urls[(client_number + n) % len(urls)]
            response = client.post(
                f"{url}/events/{event_id}/rsvp",
                data={"csrf_token": token, "name": f"Guest {client_number}-{n}", "phone": "",
                      "party_size": "1", "request_key": uuid.uuid4().hex, "via": ""},
            )  # fmt: skip
            statuses.append(response.status_code)
    return statuses


@pytest.mark.usefixtures("sqlite_only")
def test_concurrent_writers_in_several_processes_queue_and_none_fails(
    web,
    world,
    rooms,  # noqa: F811
    settings,
    tmp_path,
):  # type: ignore[no-untyped-def]
    event_id = make_event(web, world, rooms, title="Språkcafé")
    with _apps(settings.database_url, tmp_path, PROCESSES) as urls:
        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda n: _rsvps(urls, event_id, n), range(CLIENTS)))
        elapsed = time.monotonic() - started
    statuses = [status for result in results for status in result]
    assert set(statuses) == {303}, sorted(set(statuses))

    async def stored(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(func.count()).select_from(rsvps))

    assert web.run(stored, web.ctx) == CLIENTS * RSVPS_PER_CLIENT
    print(f"{len(statuses)} RSVPs through {PROCESSES} processes in {elapsed:.1f} s")


@pytest.mark.usefixtures("sqlite_only")
def test_a_lock_held_past_the_busy_timeout_is_a_503_then_writing_works_again(
    web,
    world,
    rooms,  # noqa: F811
    settings,
):  # type: ignore[no-untyped-def]
    event_id = make_event(web, world, rooms, title="Språkcafé")
    # A busy timeout of half a second instead of ten, to keep the test short.
    app = create_app(settings.with_changes(database_url=settings.database_url + "?timeout=0.5"))
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        client.headers["Accept-Language"] = "en"
        client.get("/login")
        token = client.cookies[CSRF_COOKIE]

        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another writer, holding on
            started = time.monotonic()
            refused = rsvp_once(client, event_id, token)
            waited = time.monotonic() - started
            assert refused.status_code == 503, refused.text[:300]
            assert refused.headers["retry-after"].isdigit()
            assert "Temporarily unavailable" in refused.text
            assert 0.4 < waited < 5, waited  # it waited for the lock, then gave up
            # Reading goes on while the lock is held (WAL).
            assert client.get(f"/events/{event_id}").status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert rsvp_once(client, event_id, token).status_code == 303


def rsvp_once(client, event_id: int, token: str):  # type: ignore[no-untyped-def]
    """One RSVP form sent as the event page sends it (a new request key each time)."""
    return client.post(
        f"/events/{event_id}/rsvp", follow_redirects=False,
        data={"csrf_token": token, "name": "Amal", "phone": "", "party_size": "1",
              "request_key": uuid.uuid4().hex, "via": ""},
    )  # fmt: skip
