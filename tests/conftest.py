"""Fixtures: a running app on a real database — a SQLite file in tmp_path always, and
PostgreSQL too when SAMSPEL_TEST_POSTGRES_URL is set. Nothing is mocked.

Each test gets its own database: a migrated SQLite template file is copied; on PostgreSQL a
migrated template database is cloned (CREATE DATABASE … TEMPLATE …).

Two things keep that cheap for the ~1,200 tests that need it (per xdist worker process):

* ``world`` (two libraries, two associations, their people) is built once per backend, on a
  template of its own, through the same services as before; a test that asks for ``world``
  gets a copy of that database and of the ``World``, as if it had built it itself.
* On PostgreSQL a thread of the worker clones the next tests' databases (copying the
  template's files) while the current test runs, and drops used databases after the test, so
  a test seldom waits for either.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


def _test_settings(database_url: str, instance_path: Path) -> Settings:
    return Settings(
        instance_path=instance_path,
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE_URL,
        auto_migrate=False,
        password_hashing="argon2id-test",
        # Test apps deliver no SMS by themselves: tests/http/test_outbox.py runs dispatchers.
        sms_dispatcher="worker",
    )


def _build_world_in(database_url: str, instance_path: Path) -> World:
    """``world`` built on ``database_url`` by the app's services (tests/factories.py), with
    the settings every test app has; the database is left with no connection open."""
    from tests.factories import build_world

    app = create_app(_test_settings(database_url, instance_path))
    ctx = app.state.ctx

    async def build() -> World:
        try:
            return await build_world(ctx)
        finally:
            ctx.calendar_versions.close()
            await ctx.db.dispose()

    return run_async(build)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, World]:
    """The migrated template with ``world`` in it, and that ``World``."""
    folder = tmp_path_factory.mktemp("world")
    path = folder / "world.sqlite3"
    shutil.copy(sqlite_template, path)
    world = _build_world_in(f"sqlite+aiosqlite:///{path}", folder)
    # Everything into the main file (WAL mode), so a copy of the file is the whole database.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, world


class PostgresDatabases:
    """Test databases cloned from templates by a thread of this worker process: the clones
    for the next tests are made while the current test runs, and a used database is dropped
    after its test without the next one waiting for it. Clones and drops go through admin
    connections of their own, so a slow drop does not hold up the next clone."""

    AHEAD = 2  # clones of a template kept ready

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._admins: dict[str, tuple[asyncio.Lock, Any]] = {}
        self._ready: dict[str, list[Future[str]]] = {}
        self._templates: list[str] = []
        self._version: int | None = None  # the server's major version

    def _submit(self, coroutine: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _execute(self, sql: str, admin: str = "clone") -> None:
        """``sql`` on the admin connection ``admin``: one statement at a time on each."""
        import asyncpg

        if admin not in self._admins:
            self._admins[admin] = (asyncio.Lock(), None)
        lock, _ = self._admins[admin]
        async with lock:
            conn = self._admins[admin][1]
            if conn is None:
                dsn = _pg_url("postgres").replace("postgresql+asyncpg://", "postgresql://")
                conn = await asyncpg.connect(dsn)
                self._admins[admin] = (lock, conn)
                self._version = conn.get_server_version().major
            await conn.execute(sql)

    async def _clone(self, template: str) -> str:
        name = f"samspel_t_{uuid.uuid4().hex[:12]}"
        await self._execute(await self._create(name, template))
        return name

    async def _create(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE, as a copy of ``template``'s files where there is one: far less
        work for the server than PostgreSQL 15's default, which writes every page of the
        template to the WAL (before 15, copying the files is the only way)."""
        if template is None:
            return f'CREATE DATABASE "{name}"'
        if self._version is None:
            await self._execute("SELECT 1")
        strategy = " STRATEGY FILE_COPY" if (self._version or 0) >= 15 else ""
        return f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}'

    def execute(self, sql: str) -> None:
        self._submit(self._execute(sql)).result()

    def template(self, name: str, source: str | None = None) -> str:
        """A new database ``name`` (empty, or a clone of ``source``), dropped at the end."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.execute(self._submit(self._create(name, source)).result())
        self._templates.append(name)
        return name

    def take(self, template: str) -> str:
        """A fresh clone of ``template``; clones for the next tests are set going."""
        ready = self._ready.setdefault(template, [])
        while len(ready) <= self.AHEAD:
            ready.append(self._submit(self._clone(template)))
        return ready.pop(0).result()

    def give_back(self, name: str) -> None:
        self._submit(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "drop"))

    def close(self) -> None:
        leftovers = [future.result() for ready in self._ready.values() for future in ready]
        for name in leftovers:
            self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        for name in reversed(self._templates):
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        async def disconnect() -> None:
            for lock, conn in self._admins.values():
                async with lock:  # after the statements queued on it
                    if conn is not None:
                        await conn.close()

        self._submit(disconnect()).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_databases: PostgresDatabases) -> str:
    name = postgres_databases.template(f"samspel_tpl_{os.getpid()}")
    upgrade(_pg_url(name))
    return name


@pytest.fixture(scope="session")
def postgres_world(
    postgres_databases: PostgresDatabases,
    postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, World]:
    """A clone of the migrated template with ``world`` in it, itself a template; and that
    ``World``."""
    name = postgres_databases.template(f"samspel_world_{os.getpid()}", postgres_template)
    world = _build_world_in(_pg_url(name), tmp_path_factory.mktemp("world"))
    return name, world


WORLD = pytest.StashKey["World"]()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    # A test that asks for ``world`` (itself or through a fixture) starts from the database
    # with the world in it; the ``world`` fixture then hands it the World of that database.
    with_world = "world" in request.fixturenames
    if request.param == "sqlite":
        if with_world:
            template, request.node.stash[WORLD] = request.getfixturevalue("sqlite_world")
        else:
            template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "samspel.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    if with_world:
        template, request.node.stash[WORLD] = request.getfixturevalue("postgres_world")
    else:
        template = request.getfixturevalue("postgres_template")
    name = databases.take(template)
    yield _pg_url(name)
    databases.give_back(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return _test_settings(database_url, tmp_path)


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
def world(web: Web, request: pytest.FixtureRequest) -> World:
    """Built on a template once per backend (see ``database_url``): this test's database is a
    copy of it, and the World its own copy (the rows in it cannot be changed)."""
    world = request.node.stash[WORLD]
    return dataclasses.replace(world, emails=dict(world.emails))


# Scheduling on pytest-xdist workers (`make test`: --dist loadscope, where a module, or a class,
# is one unit of work): the units with the most tests first, then the browser units in file
# order (the accessibility audit's plan is made before the journeys add to the demo data).
# The browser units must come after every other unit of their worker: Playwright's sync API
# leaves its event loop set as the running loop of the main thread for the rest of the
# session, and any later test calling asyncio.run() there would fail. (Handing the long
# browser units out first was faster, and broke exactly so.)


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "dist", "no") == "loadscope":
        config.option.loadscopereorder = False  # keep the order made below


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # only on xdist's workers, whose order xdist uses
        return
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(item.nodeid.rsplit("::", 1)[0], []).append(item)  # as xdist groups
    browser = [unit for unit in units if unit.startswith("tests/browser/")]
    rest = sorted((unit for unit in units if unit not in browser), key=lambda u: -len(units[u]))
    items[:] = [item for unit in rest + browser for item in units[unit]]
