"""Setting up an instance from the command line: migrate if needed, create the first admin."""

from __future__ import annotations

import anyio.to_thread

from webapp.context import build_context
from webapp.db import Database
from webapp.db.migrate import upgrade
from webapp.orgs.service import NewAccount, create_library
from webapp.settings import Settings


async def create_admin(
    settings: Settings, *, account: NewAccount, library: str, country: str
) -> tuple[int, int]:
    await anyio.to_thread.run_sync(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        return await create_library(
            build_context(settings, db),
            name=library,
            country=country.upper()[:2],
            admin=account,
            existing_user=True,
        )
    finally:
        await db.dispose()
