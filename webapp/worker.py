"""``samspel worker``: background jobs. For now housekeeping (expired sessions, old
rate-limit counters, expired room holds, the contacts' retention rule); the SMS dispatcher
joins it in a later issue."""

from __future__ import annotations

import asyncio
import logging
import signal

from webapp import clock
from webapp.auth import store as accounts
from webapp.contacts import service as contacts
from webapp.db import Database
from webapp.events import store as events
from webapp.settings import Settings

log = logging.getLogger("samspel.worker")


async def housekeeping(db: Database, settings: Settings | None = None) -> int:
    now = clock.now()
    async with db.transaction() as conn:
        removed = await accounts.delete_expired_sessions(conn, now)
        await accounts.delete_old_hits(conn, clock.epoch_seconds() - 86400)
        await events.delete_expired_holds(conn, now)
    if settings is not None:
        # The retention rule for personal data: unused contacts, unconfirmed imports.
        gone, imports = await contacts.clean_up(
            db, now=now, retention_months=settings.contact_retention_months
        )
        if gone or imports:
            log.info("retention: %d unused contacts and %d old imports removed", gone, imports)
    return removed


async def run_worker(settings: Settings, *, once: bool = False, interval: float = 30.0) -> int:
    db = Database(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started")
    try:
        while True:
            removed = await housekeeping(db, settings)
            log.info("housekeeping: %d expired sessions removed", removed)
            if once:
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                break
            except TimeoutError:
                continue
    finally:
        await db.dispose()
        log.info("worker stopped")
    return 0
