"""Alembic builds the schema from empty on both databases, and it matches the tables."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import BACKENDS, _pg_admin, _pg_url, run_async
from webapp.db.migrate import downgrade, head_revision, upgrade
from webapp.db.tables import metadata


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"samspel_m_{uuid.uuid4().hex[:10]}"
    run_async(_pg_admin, (f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    run_async(_pg_admin, (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _inspect(url):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn):
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "target_metadata": metadata}
                )
                return (
                    context.get_current_revision(),
                    compare_metadata(context, metadata),
                    set(inspect(sync_conn).get_table_names()),
                )

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def test_schema_from_empty_matches_the_tables(empty_database):
    upgrade(empty_database)
    revision, differences, tables = run_async(_inspect, empty_database)
    assert revision == head_revision()
    assert differences == []
    for table in ("organisations", "users", "memberships", "locations", "rooms", "sessions"):
        assert table in tables


def test_downgrade_to_empty_and_up_again(empty_database):
    upgrade(empty_database)
    downgrade(empty_database, "base")
    revision, _, tables = run_async(_inspect, empty_database)
    assert revision is None
    assert tables <= {"alembic_version"}
    upgrade(empty_database)
    assert run_async(_inspect, empty_database)[0] == head_revision()


def test_upgrade_twice_is_harmless(empty_database):
    upgrade(empty_database)
    upgrade(empty_database)
    assert run_async(_inspect, empty_database)[0] == head_revision()


def test_sqlite_pragmas(web):
    if not web.ctx.db.is_sqlite:
        pytest.skip("SQLite only")
    from sqlalchemy import text

    async def pragmas():
        async with web.ctx.db.read() as conn:
            return [
                (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]

    assert web.run(pragmas) == ["wal", 1, 10000]
