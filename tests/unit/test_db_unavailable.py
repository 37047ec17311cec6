"""Which database errors are "unavailable" (a 503 and try again) and which are bugs (a 500):
errors made by the real drivers, not built by hand."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.db.engine import Database, DatabaseGone, unavailable


def _sqlite_error(path: Path, sql: str, *, hold: bool = False) -> sqlite3.Error:
    holder = sqlite3.connect(path, isolation_level=None)
    if hold:
        holder.execute("BEGIN IMMEDIATE")
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        conn.close()
        holder.close()
    raise AssertionError(f"{sql} did not fail")


def test_sqlite_busy_is_unavailable_and_a_wrong_query_is_not(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.close()
    assert unavailable(_sqlite_error(path, "BEGIN IMMEDIATE", hold=True))  # database is locked
    assert not unavailable(_sqlite_error(path, "SELECT nothing FROM t"))  # no such column
    assert not unavailable(_sqlite_error(path, "SELECT * FROM missing"))  # no such table
    assert not unavailable(_sqlite_error(path, "INSERT INTO t VALUES (1), (1)"))  # constraint


def test_no_server_and_a_missing_file_are_unavailable(tmp_path):  # type: ignore[no-untyped-def]
    async def errors() -> list[BaseException]:
        found = []
        path = tmp_path / "gone.sqlite3"
        for url in ("postgresql+asyncpg://nobody@127.0.0.1:1/none", f"sqlite+aiosqlite:///{path}"):
            db = Database(url)
            try:
                async with db.read() as conn:
                    await conn.execute(text("SELECT 1"))
                path.unlink()  # the SQLite file, once opened, goes away
                async with db.read() as conn:
                    await conn.execute(text("SELECT 1"))
            except (OSError, SQLAlchemyError) as error:
                found.append(error)
            finally:
                await db.dispose()
        return found

    refused, gone = asyncio.run(errors())
    assert isinstance(refused, ConnectionRefusedError) and unavailable(refused)
    assert isinstance(gone, DatabaseGone) and unavailable(gone)
    assert not (tmp_path / "gone.sqlite3").exists(), "no empty database made in its place"


@pytest.mark.parametrize("error", [ValueError("x"), KeyError("y"), RuntimeError("z")])
def test_other_errors_are_bugs(error):  # type: ignore[no-untyped-def]
    assert not unavailable(error)
