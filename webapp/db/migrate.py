"""Run Alembic migrations from code (``samspel migrate``, start-up, tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def _outside_event_loop(fn: Callable[[], None]) -> None:
    """Alembic's async env.py starts its own event loop; in a thread that already runs one
    (an async caller, a test driving a browser) do the work in a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(fn).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to ``revision`` (blocking)."""
    if database_url.startswith("sqlite"):
        Path(database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    _outside_event_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str) -> None:
    _outside_event_loop(lambda: command.downgrade(alembic_config(database_url), revision))


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(sync_connection) -> str | None:  # type: ignore[no-untyped-def]
    return MigrationContext.configure(sync_connection).get_current_revision()
