"""The database going away and coming back (issue 8, faults): while it is gone ``/healthz``
answers 503 and pages answer a 503 page in the reader's language with ``Retry-After`` (never a
500 with a traceback); when it is back the same app answers again, without a restart.

PostgreSQL is reached through a TCP proxy the test cuts (connections refused, open ones
broken) and restores, and its connections are also killed server-side (pg_terminate_backend).
SQLite's "database" is its file: moved away (refused, and not recreated empty), moved back,
and replaced by another copy (a restore), which the app then reads. The SMS dispatcher of
`samspel worker` waits out the same outages and then delivers the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from invites.sms.dispatcher import Dispatcher, Policy
from invites.sms.twilio_provider import TwilioProvider
from tests.conftest import BASE_URL, SECRET, _pg_admin
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.test_outbox import _contacts, _send, _statuses
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp import clock
from webapp.app import create_app
from webapp.db import Database
from webapp.db.tables import events
from webapp.sms.outbox import SqlOutbox


def _assert_unavailable_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"].startswith("text/html")
    assert "Temporarily unavailable" in response.text
    assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()


def _client(app):  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
    client.headers["Accept-Language"] = "en"
    return client


@pytest.fixture
def published(web, world, rooms):  # type: ignore[no-untyped-def]  # noqa: F811
    return make_event(web, world, rooms, title="Språkcafé")


def test_the_database_goes_away_and_comes_back(settings, published, tmp_path, caplog):  # type: ignore[no-untyped-def]
    if settings.database_url.startswith("sqlite"):
        _sqlite_file_moved_away_and_back_and_replaced(settings, published, tmp_path)
    else:
        _postgres_cut_off_and_back(settings, published)
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def _postgres_cut_off_and_back(settings, published):  # type: ignore[no-untyped-def]
    target = urlsplit(settings.database_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
        proxied = settings.database_url.replace(target.netloc, f"postgres@127.0.0.1:{proxy.port}")
        app = create_app(settings.with_changes(database_url=proxied))
        with _client(app) as client:
            assert client.get("/healthz").status_code == 200
            assert "Språkcafé" in client.get("/program").text

            proxy.cut()
            health = client.get("/healthz")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            _assert_unavailable_page(client.get("/program"))
            _assert_unavailable_page(client.get(f"/events/{published}"))
            # In Swedish for a Swedish reader.
            swedish = client.get("/program", headers={"Accept-Language": "sv"})
            assert swedish.status_code == 503 and '<html lang="sv"' in swedish.text

            proxy.restore()
            assert client.get("/healthz").status_code == 200
            assert "Språkcafé" in client.get("/program").text

            # The server ends every connection of the app (a restart, a failover, an admin).
            _terminate(target.path.lstrip("/"))
            assert client.get("/healthz").status_code == 200
            assert "Språkcafé" in client.get("/program").text


def _terminate(database: str) -> None:
    from tests.conftest import run_async

    run_async(
        _pg_admin,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
    )


def _path(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))


def _checkpoint(path: Path) -> None:
    """Everything into the main file (WAL mode): a copy of the file is then the database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _sqlite_file_moved_away_and_back_and_replaced(settings, published, tmp_path):  # type: ignore[no-untyped-def]
    path = _path(settings)
    away = tmp_path / "moved-away.sqlite3"
    app = create_app(settings)
    with _client(app) as client:
        assert client.get("/healthz").status_code == 200
        assert "Språkcafé" in client.get("/program").text

        # Moved away (a volume detached, a careless mv): refused, and no empty file appears.
        os.rename(path, away)
        assert client.get("/healthz").status_code == 503
        _assert_unavailable_page(client.get("/program"))
        _assert_unavailable_page(client.get(f"/events/{published}"))
        assert not path.exists(), "the app created an empty database in its place"

        os.rename(away, path)
        assert client.get("/healthz").status_code == 200
        assert "Språkcafé" in client.get("/program").text

        # Replaced by another copy (a restore): the app reads the new file, not the old one
        # it still holds open.
        _checkpoint(path)
        restored = tmp_path / "restored.sqlite3"
        shutil.copy(path, restored)
        with sqlite3.connect(restored) as conn:
            conn.execute(
                str(update(events).values(title="Restored title").compile(
                    compile_kwargs={"literal_binds": True}
                ))
            )  # fmt: skip
        conn.close()
        os.replace(restored, path)
        assert client.get("/healthz").status_code == 200
        page = client.get("/program").text
        assert "Restored title" in page and "Språkcafé" not in page
        assert re.search(r"<h3><a href=\"/events/\d+\">Restored title</a>", page)


def test_the_sms_dispatcher_waits_out_a_database_outage(web, world, settings, tmp_path, caplog):  # type: ignore[no-untyped-def]
    """A dispatcher (as in `samspel worker`) started while the database is gone keeps
    trying, less and less often, and delivers the outbox once it is back — no restart."""
    ids = web.run(_contacts, web.ctx, world, 20)
    web.run(_send, web.ctx, world, ids)
    with contextlib.ExitStack() as stack:
        url, go, back = _outage(settings, tmp_path, stack)
        fake = stack.enter_context(FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN))

        async def run():  # type: ignore[no-untyped-def]
            db = Database(url)
            provider = TwilioProvider(
                DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, from_number="+46700000000",
                api_base=fake.base_url,
            )  # fmt: skip
            dispatcher = Dispatcher(
                SqlOutbox(db), provider, clock=clock.now, worker="w",
                policy=Policy(concurrency=4, idle=0.05, lease=timedelta(seconds=5)),
            )  # fmt: skip
            stop = asyncio.Event()
            go()
            running = asyncio.create_task(dispatcher.run(stop))
            try:
                await asyncio.sleep(1.0)
                assert not fake.messages, "nothing sent while the database is gone"
                back()
                for _ in range(600):  # up to 30 s
                    if len(fake.messages) == len(ids):
                        break
                    await asyncio.sleep(0.05)
            finally:
                stop.set()
                await running
                await provider.aclose()
                await db.dispose()

        web.run(run)
        counts = fake.counts()
    assert len(counts) == len(ids) and set(counts.values()) == {1}
    assert web.run(_statuses, web.ctx) == {"sent": len(ids)}
    assert any("could not reach the outbox" in r.getMessage() for r in caplog.records)


def test_a_worker_process_outlives_a_database_outage(web, world, settings, tmp_path):  # type: ignore[no-untyped-def]
    """`samspel worker` (housekeeping every 0.3 s here) while the database is gone: its rounds
    fail and are logged, the process stays up, and once the database is back it delivers a
    send made then — no restart, and a SIGTERM still stops it cleanly."""
    with contextlib.ExitStack() as stack:
        url, go, back = _outage(settings, tmp_path, stack)
        fake = stack.enter_context(FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN))
        log = tmp_path / "worker.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"), "SAMSPEL_DATABASE_URL": url,
            "SAMSPEL_SECRET_KEY": SECRET, "SAMSPEL_AUTO_MIGRATE": "0",
            "SAMSPEL_SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "TWILIO_FROM": "+46700000000",
            "TWILIO_API_BASE": fake.base_url,
        }  # fmt: skip
        with log.open("wb") as out:
            worker = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "webapp.cli", "worker", "--interval", "0.3"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            _wait_for_line(log, worker, "housekeeping:")  # a round on the database
            go()
            _wait_for_line(log, worker, "the worker's round failed")
            time.sleep(1.0)  # a few more failed rounds
            assert worker.poll() is None, "the worker outlives the outage\n" + log.read_text()
            back()
            ids = web.run(_contacts, web.ctx, world, 10)
            web.run(_send, web.ctx, world, ids)
            deadline = time.monotonic() + 20
            while len(fake.messages) < len(ids):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            worker.terminate()
            code = worker.wait(timeout=20)
        assert code == 0, log.read_text()
        assert set(fake.counts().values()) == {1}


def _outage(settings, tmp_path: Path, stack: contextlib.ExitStack):  # type: ignore[no-untyped-def]
    """The URL to give the process under test, and how to take its database away and give
    it back: the SQLite file moved aside, or the PostgreSQL connection cut at a proxy."""
    if settings.database_url.startswith("sqlite"):
        path = _path(settings)
        away = tmp_path / "away.sqlite3"
        _checkpoint(path)
        return (
            settings.database_url,
            lambda: os.rename(path, away),
            lambda: os.rename(away, path),
        )
    target = urlsplit(settings.database_url)
    proxy = stack.enter_context(TcpProxy(target.hostname or "", target.port or 5432))
    url = settings.database_url.replace(target.netloc, f"postgres@127.0.0.1:{proxy.port}")
    return url, proxy.cut, proxy.restore


def _wait_for_line(log: Path, process: subprocess.Popen[bytes], text: str) -> None:
    deadline = time.monotonic() + 20
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def test_calendar_apps_and_the_api_get_answers_they_read(
    settings, published, world, tmp_path, caplog
):  # type: ignore[no-untyped-def]
    """While the database is away, a calendar app gets plain text and the API its own error
    object (both 503, not to be cached), and the log names the page without its token. (A
    feed this process has built is still answered: its version is read from the file the
    process holds open.)"""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the SQLite file is taken away; PostgreSQL's outage is the test above")
    path = _path(settings)
    with _client(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        os.rename(path, tmp_path / "away.sqlite3")
        try:
            ics = client.get(f"/events/{published}.ics")
            api = client.get("/api/v1/events")
            personal = client.get("/r/a-secret-personal-token")
        finally:
            os.rename(tmp_path / "away.sqlite3", path)
        assert client.get(f"/events/{published}.ics").status_code == 200
    assert ics.status_code == 503 and ics.headers["content-type"].startswith("text/plain")
    assert ics.headers["retry-after"].isdigit() and ics.headers["cache-control"] == "no-store"
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert api.headers["cache-control"] == "no-store" and api.headers["retry-after"].isdigit()
    _assert_unavailable_page(personal)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "samspel.errors")
    assert "/r/{token}" in logged and "a-secret-personal-token" not in logged
