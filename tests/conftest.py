"""Fixtures: a running app on a real database — a SQLite file in tmp_path always, and
PostgreSQL too when SAMSPEL_TEST_POSTGRES_URL is set. Nothing is mocked.

Each test gets its own database: a migrated SQLite template file is copied; on PostgreSQL a
migrated template database is cloned (CREATE DATABASE … TEMPLATE …).
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from webapp.app import create_app
from webapp.auth.csrf import CSRF_COOKIE
from webapp.db.migrate import upgrade
from webapp.settings import Settings

POSTGRES_URL = os.environ.get("SAMSPEL_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
BASE_URL = "http://testserver"
SECRET = "test-secret-key-" + "x" * 40
PASSWORD = "correct horse battery"


def _pg_url(database: str) -> str:
    base = POSTGRES_URL
    for prefix in ("postgresql://", "postgres://"):
        if base.startswith(prefix):
            base = "postgresql+asyncpg://" + base.removeprefix(prefix)
    head, _, query = base.partition("?")
    return head.rsplit("/", 1)[0] + f"/{database}" + (f"?{query}" if query else "")


def run_async(coroutine_function, *args):  # type: ignore[no-untyped-def]
    """asyncio.run in its own thread: safe even while Playwright runs a loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function(*args)).result()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    dsn = _pg_url("postgres").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"samspel_tpl_{os.getpid()}"
    run_async(_pg_admin, (f'DROP DATABASE IF EXISTS "{name}"'))
    run_async(_pg_admin, (f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    run_async(_pg_admin, (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "samspel.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"samspel_t_{uuid.uuid4().hex[:12]}"
    run_async(_pg_admin, (f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    run_async(_pg_admin, (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        instance_path=tmp_path,
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE_URL,
        auto_migrate=False,
        password_hashing="argon2id-test",
        # Test apps deliver no SMS by themselves: tests/http/test_outbox.py runs dispatchers.
        sms_dispatcher="worker",
    )


class Web:
    """A TestClient that fills in the CSRF token, as a browser with our pages would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(path, **kwargs)

    def csrf(self) -> str:
        token = self.client.cookies.get(CSRF_COOKIE)
        if not token:
            self.client.get("/healthz")
            self.client.get("/login")
            token = self.client.cookies.get(CSRF_COOKIE)
        assert token
        return token

    def post(self, path: str, data: dict | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        kwargs.setdefault("follow_redirects", False)
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=data, **kwargs)

    def run(self, fn, /, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        """Run an async function on the app's event loop (for setting up data)."""
        assert self.client.portal is not None
        return self.client.portal.call(functools.partial(fn, *args, **kwargs))

    @property
    def ctx(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.ctx

    def login(self, email: str, password: str = PASSWORD) -> None:
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        self.user_email = email

    def logout(self) -> None:
        self.post("/logout")


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def web(app) -> Iterator[Web]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE_URL) as client:
        yield Web(client)


@dataclass
class World:
    """A small, known set of organisations and people, as the authorization tests need."""

    library: Any
    other_library: Any
    association: Any
    other_association: Any
    emails: dict[str, str]


@pytest.fixture
def world(web: Web) -> World:
    from tests.factories import build_world

    return web.run(build_world, web.ctx)
