"""The async engine over aiosqlite (embedded default) or asyncpg (scale path).

``Database.read()`` opens a read-only unit of work; ``Database.transaction()`` opens a
write transaction. On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing half-way with "database is locked".

When the database cannot be reached, or is too busy to answer in time, the error that
surfaces is one that :func:`unavailable` recognises: pages answer 503 with ``Retry-After``
rather than 500 (``webapp/web/errors.py``), and the next request tries again, so the app
recovers by itself when the database is back. On SQLite "gone" means its file: a file that
was moved away or deleted is reported (never silently recreated empty), and a file that
was replaced (a restore) is reopened (see :func:`_watch_file`).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# How long a writer waits for another's transaction on SQLite before giving up with "database
# is locked" (then a 503); a ``?timeout=SECONDS`` in the database URL sets another.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long opening a PostgreSQL connection may take (a cut network otherwise hangs ~60 s).
POSTGRES_CONNECT_TIMEOUT = 5.0

# SQLite result codes meaning "not now" (busy, locked) or "not there" (the file cannot be
# opened or read, the disk is full): the database is unavailable rather than the code wrong.
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL",
    "SQLITE_READONLY", "SQLITE_NOTADB",
)  # fmt: skip
# PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk
# full, too many connections), 57P operator intervention (shut down, terminated, starting).
_POSTGRES_UNAVAILABLE = ("08", "53", "57P")
_OS_UNAVAILABLE = {
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
    errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENOSPC,
}  # fmt: skip


class DatabaseGone(exc.DBAPIError):
    """The SQLite database file is not where it was (moved away, deleted, its disk gone)."""

    def __init__(self, path: str) -> None:
        super().__init__(None, None, OSError(errno.ENOENT, "database file missing", path))
        self.path = path

    def __str__(self) -> str:
        return f"the SQLite database file {self.path} is missing"


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be reached or is too
    busy right now — a 503 and a try again — rather than a bug."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable_here(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unavailable_here(error: BaseException) -> bool:
    if isinstance(error, DatabaseGone | exc.TimeoutError):  # TimeoutError: the pool is full
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        return name.startswith(_SQLITE_UNAVAILABLE) or str(error) == "database is locked"
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_POSTGRES_UNAVAILABLE):
        return True
    if type(error).__name__ in ("ConnectionDoesNotExistError", "InterfaceError") and (
        "connection" in str(error).lower() and "closed" in str(error).lower()
    ):
        return True  # asyncpg: the connection was closed under us
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    return isinstance(error, OSError) and error.errno in _OS_UNAVAILABLE


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        # aiosqlite's adapter: autocommit at the driver level, transactions are ours (_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("samspel_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def _watch_file(engine: AsyncEngine, path: str) -> None:
    """Keep the pool's connections on the file at ``path``. A connection holds its file open,
    so without this a moved or deleted database would go on answering from the old file (and
    lose every write with it), and a restored one would never be seen. Each checkout looks at
    the path (one ``stat``): missing → :class:`DatabaseGone` (and no new connection, which
    would create an empty database there); another file → the connection is replaced."""
    opened = {"before": False}  # the first connection may create the file, no later one

    def before_connect(*_args: Any) -> None:
        if opened["before"] and _file_id(path) is None:
            raise DatabaseGone(path)

    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["samspel_file"] = _file_id(path)
        opened["before"] = True

    def checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        current = _file_id(path)
        if current is None:
            raise DatabaseGone(path)
        if record.info.get("samspel_file") != current:
            raise exc.DisconnectionError(f"the SQLite database file {path} was replaced")

    event.listen(engine.sync_engine, "do_connect", before_connect)
    event.listen(engine.sync_engine, "connect", connected)
    event.listen(engine.sync_engine, "checkout", checkout)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        parsed = make_url(url)
        timeout = parsed.query.get("timeout")
        busy_ms = int(float(str(timeout)) * 1000) if timeout else SQLITE_BUSY_TIMEOUT_MS
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_ms))
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        path = parsed.database or ""
        if path and path != ":memory:" and not path.startswith("file:"):
            _watch_file(engine, os.path.abspath(path))
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800,
        connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT},
    )  # fmt: skip


class Database:
    """The application's handle on its database."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.is_sqlite = url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back on error."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(samspel_write=True)
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only unit of work (one consistent snapshot)."""
        async with self.engine.connect() as conn:
            async with conn.begin():
                yield conn

    async def ping(self) -> bool:
        """Whether the database answers a query now (on SQLite: its file is there too)."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
