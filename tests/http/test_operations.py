"""What operators rely on: /metrics, the access log, and `samspel backup` (on SQLite while
writers keep writing, and on PostgreSQL through pg_dump, restored with pg_restore)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from tests.conftest import BASE_URL
from tests.http.test_outbox import _contacts, _send
from webapp.app import create_app
from webapp.backup import BackupError, make_backup
from webapp.db.migrate import upgrade

TOKEN = "a-scrapers-token-of-some-length"
STAFF_COUNT = "SELECT count(*) FROM users WHERE email = 'staff@lib.test'"


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in Prometheus' text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric, _, rest = series.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and found == wanted:
            return float(value)
    return None


def test_metrics_are_only_for_the_scraper(settings):
    # Without a token: loopback only. The test client's address is "testclient".
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        assert client.get("/metrics").status_code == 404
    with TestClient(create_app(settings), base_url=BASE_URL, client=("127.0.0.1", 5000)) as local:
        assert local.get("/metrics").status_code == 200
    # With a token: the bearer token, from anywhere; loopback without it is not enough.
    guarded = settings.with_changes(metrics_token=TOKEN)
    with TestClient(create_app(guarded), base_url=BASE_URL, client=("127.0.0.1", 5000)) as c:
        assert c.get("/metrics").status_code == 404
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        page = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/plain")
        assert page.headers["cache-control"] == "no-store"


def test_metrics_count_requests_by_route_and_read_the_queue(settings, world):
    guarded = settings.with_changes(metrics_token=TOKEN, sms_provider="console")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(guarded), base_url=BASE_URL) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
        assert client.get("/r/some-personal-token").status_code == 404
        assert client.get("/no/such/page").status_code == 404

        ctx = client.app.state.ctx

        async def queue() -> None:
            ids = await _contacts(ctx, world, 5)
            await _send(ctx, world, ids)

        assert client.portal is not None
        client.portal.call(queue)
        text = client.get("/metrics", headers=auth).text

    healthz = dict(method="GET", route="/healthz", status="200")
    assert _sample(text, "samspel_http_requests_total", **healthz) == 3
    # Labelled by the route, never by the path: the token is not in the metrics.
    assert "some-personal-token" not in text
    assert (
        _sample(text, "samspel_http_requests_total", method="GET", route="unmatched", status="404")
        == 1
    )
    count = _sample(
        text, "samspel_http_request_duration_seconds_count", method="GET", route="/healthz"
    )
    assert count == 3
    assert _sample(text, "samspel_database_up") == 1
    # Five messages went into the outbox. The test app's own dispatcher may already have
    # sent some of them: together they are five, and none failed.
    statuses = {
        s: _sample(text, "samspel_sms_messages", status=s) or 0
        for s in ("queued", "sending", "sent", "delivered", "failed")
    }
    assert sum(statuses.values()) == 5
    assert statuses["failed"] == 0
    assert _sample(text, "samspel_sms_queue_due") is not None
    assert _sample(text, "samspel_sms_queue_oldest_due_seconds") is not None
    assert _sample(text, "process_cpu_seconds_total") is not None


def test_metrics_say_when_the_database_is_away(settings, tmp_path):
    broken = settings.with_changes(
        metrics_token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path}/gone/none.db",
        auto_migrate=False, sms_dispatcher="worker",
    )  # fmt: skip
    with TestClient(create_app(broken), base_url=BASE_URL) as client:
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _sample(text, "samspel_database_up") == 0


def test_access_log_names_the_route_not_the_path(web, caplog):
    with caplog.at_level(logging.INFO, logger="samspel.access"):
        web.get("/r/a-secret-personal-token?phone=%2B46701234567")
        web.get("/healthz")
    lines = [r for r in caplog.records if r.name == "samspel.access"]
    assert [(r.method, r.route, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/r/{token}", 404),
        ("GET", "/healthz", 200),
    ]
    logged = caplog.text
    assert "a-secret-personal-token" not in logged and "46701234567" not in logged
    assert all(r.duration_ms >= 0 for r in lines)  # type: ignore[attr-defined]


# --- samspel backup ----------------------------------------------------------------------


def _samspel(tmp_path: Path, *args: str, database_url: str | None = None):  # type: ignore[no-untyped-def]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOME": str(tmp_path),
    }
    if database_url:
        env["SAMSPEL_DATABASE_URL"] = database_url
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "webapp.cli", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_sqlite_backup_while_writers_write(tmp_path):
    database = tmp_path / "instance" / "samspel.sqlite3"
    database.parent.mkdir()
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    writer = sqlite3.connect(database, timeout=10, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE scribbles (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    writer.commit()
    stop = threading.Event()
    written = [0]

    def scribble() -> None:
        while not stop.is_set():
            writer.execute("INSERT INTO scribbles (text) VALUES (?)", ("x" * 500,))
            writer.commit()
            written[0] += 1

    thread = threading.Thread(target=scribble)
    thread.start()
    try:
        while written[0] < 200:
            stop.wait(0.01)
        first = _samspel(tmp_path, "backup")
        second = _samspel(tmp_path, "backup", "--to", str(tmp_path / "elsewhere") + "/")
    finally:
        stop.set()
        thread.join()
        writer.close()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    made = Path(re.search(r"Backup written: (\S+)", first.stdout).group(1))  # type: ignore[union-attr]
    assert made.parent == tmp_path / "instance" / "backups"
    assert re.fullmatch(r"samspel-\d{8}-\d{6}\.sqlite3", made.name)
    assert list((tmp_path / "elsewhere").glob("samspel-*.sqlite3"))
    # The copy is whole and consistent: it opens, passes the check, and has the schema and
    # the rows committed before it began (and no half-written ones).
    copy = sqlite3.connect(made)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = copy.execute("SELECT count(*) FROM scribbles").fetchone()[0]
    assert 200 <= copied <= written[0]
    assert copy.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    copy.close()
    assert not list(made.parent.glob(".*partial"))

    # A restored copy is a working database: the app starts on it and answers.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(made, restored / "samspel.sqlite3")
    check = _samspel(
        restored, "migrate", database_url=f"sqlite+aiosqlite:///{restored / 'samspel.sqlite3'}"
    )
    assert check.returncode == 0, check.stderr


def test_backup_keeps_the_newest_and_refuses_to_overwrite(tmp_path):
    database = tmp_path / "db.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    folder = tmp_path / "backups"
    names = [f"samspel-20261101-0{n}0000.sqlite3" for n in range(1, 6)]
    for name in names[:4]:
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")
    made = make_backup(url, folder / names[4], keep=2)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names[3:], "notes.txt"])
    assert made.removed == tuple(folder / n for n in names[:3])
    with pytest.raises(BackupError, match="exists already"):
        make_backup(url, folder / names[4])
    with pytest.raises(BackupError, match="no SQLite database"):
        make_backup(f"sqlite+aiosqlite:///{tmp_path}/missing.db", folder / "x.sqlite3")


def test_backup_fails_clearly_on_a_full_disk(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    # /dev/full answers every write with ENOSPC: the copy cannot be written there.
    with pytest.raises(BackupError):
        make_backup(url, Path("/dev/full"))


def test_postgres_backup_restores(database_url, world, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_dump is for PostgreSQL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's client tools are not installed")
    result = _samspel(
        tmp_path, "backup", "--to", str(tmp_path / "dumps") + "/", database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    dump = next((tmp_path / "dumps").glob("samspel-*.pgdump"))
    url = make_url(database_url)
    target = f"restore_{uuid.uuid4().hex[:10]}"
    server = ["-h", url.host or "127.0.0.1", "-U", url.username or "postgres"]
    psql = ["psql", *server, "-d", url.database or "test", "-Atc"]
    subprocess.run([*psql, f'CREATE DATABASE "{target}"'], check=True, capture_output=True)  # noqa: S603
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", *server, "-d", target, str(dump)],
            check=True, capture_output=True,
        )  # fmt: skip
        counted = subprocess.run(  # noqa: S603
            ["psql", *server, "-d", target, "-Atc", STAFF_COUNT],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        assert counted.stdout.strip() == "1"
    finally:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{target}"'], capture_output=True)  # noqa: S603


def test_serve_writes_json_logs(tmp_path):
    """`samspel serve` with SAMSPEL_LOG_FORMAT=json: every line on stderr is one JSON object,
    uvicorn's start-up lines and our access lines alike."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOME": str(tmp_path),
        "SAMSPEL_LOG_FORMAT": "json",
        "SAMSPEL_SMS_DISPATCHER": "worker",
    }
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "webapp.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    assert r.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "samspel serve did not start"
                time.sleep(0.2)
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/r/secret-token-here", timeout=2)  # noqa: S310
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert any(e["logger"].startswith("uvicorn") for e in entries)
    access = [e for e in entries if e["logger"] == "samspel.access"]
    assert {(e["route"], e["status"]) for e in access} >= {("/healthz", 200), ("/r/{token}", 404)}
    assert "secret-token-here" not in err


def test_an_app_alone_does_the_housekeeping(settings):
    """With the dispatcher in the app (one process, no worker), the app's timers also run
    the housekeeping and retention rules the worker would."""
    import asyncio
    import time

    from sqlalchemy import func, insert, select

    from webapp.db import Database
    from webapp.db.tables import rate_limits

    async def plant() -> None:
        db = Database(settings.database_url)
        async with db.transaction() as conn:
            old = {"key": "login:old", "window_start": 1, "count": 3}
            await conn.execute(insert(rate_limits), [old])
        await db.dispose()

    asyncio.run(plant())
    app = create_app(settings.with_changes(sms_dispatcher="app", sms_provider="console"))

    async def count() -> int:
        async with app.state.ctx.db.read() as conn:
            query = select(func.count()).select_from(rate_limits)
            return int((await conn.execute(query)).scalar_one())

    with TestClient(app, base_url=BASE_URL) as client:
        assert client.portal is not None
        deadline = time.monotonic() + 20
        while client.portal.call(count) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.portal.call(count) == 0


def test_the_sms_log_forgets_numbers_and_texts_after_the_period(web, world):
    """Sent messages and replies older than the period keep neither number nor text; what is
    still to be sent is left alone; the console's old messages go."""
    from datetime import timedelta

    from sqlalchemy import insert, select, update

    from invites.console import OutgoingMessage
    from webapp import clock
    from webapp.console import store as console_store
    from webapp.db.tables import console_messages, outbox, sms_replies
    from webapp.sms import store as sms_store

    ctx = web.ctx

    async def scenario() -> tuple[list[tuple], list[tuple], int]:
        ids = await _contacts(ctx, world, 3)
        await _send(ctx, world, ids)
        async with ctx.db.transaction() as conn:
            first = await conn.scalar(select(outbox.c.id).order_by(outbox.c.id))
            await conn.execute(
                update(outbox).where(outbox.c.id != first).values(status="delivered")
            )
            await conn.execute(
                insert(sms_replies),
                [{"phone": "+46701112233", "phone_hash": "h", "body": "JA", "provider_id": "SM1",
                  "received_at": clock.now()}],
            )  # fmt: skip
            await console_store.record(conn, OutgoingMessage("email", "a@b.example", "link", "s"))
        async with ctx.db.transaction() as conn:
            later = clock.now() + timedelta(seconds=1)
            forgotten = await sms_store.forget_old(conn, later)
            await console_store.delete_older(conn, later)
        async with ctx.db.read() as conn:
            messages = [
                tuple(r)
                for r in await conn.execute(
                    select(outbox.c.status, outbox.c.phone, outbox.c.body).order_by(outbox.c.id)
                )
            ]
            replies = [
                tuple(r)
                for r in await conn.execute(select(sms_replies.c.phone, sms_replies.c.body))
            ]
            left = len(list(await conn.execute(select(console_messages))))
        return messages, replies, forgotten + left * 1000

    messages, replies, counted = web.run(scenario)
    assert messages[0][0] == "queued" and messages[0][1] and messages[0][2]
    assert [m[1:] for m in messages[1:]] == [(None, ""), (None, "")]
    assert replies == [(None, "")]
    assert counted == 3  # two messages and one reply; no console message left
