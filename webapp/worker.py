"""``samspel worker``: background jobs. The SMS outbox all the time; every round the timers
(waitlist offers, reminders) and housekeeping: expired sessions, old rate-limit counters,
expired room holds, and the retention rules for personal data (contacts, volunteers,
sign-ups, the SMS log, the development console's messages)."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from webapp import clock
from webapp.auth import store as accounts
from webapp.console import store as console_store
from webapp.contacts import service as contacts
from webapp.context import build_context
from webapp.db import Database
from webapp.events import store as events
from webapp.rsvp import notices as rsvp_notices
from webapp.rsvp import service as rsvp
from webapp.rsvp import store as rsvp_store
from webapp.settings import Settings
from webapp.sms import delivery
from webapp.sms import store as sms_store
from webapp.volunteers import notices as volunteer_notices
from webapp.volunteers import signups as volunteer_signups

log = logging.getLogger("samspel.worker")

CONSOLE_KEPT = timedelta(days=30)


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
        # The same rule for volunteers: deleted when their last shift is that long ago.
        people = await volunteer_signups.clean_up(
            db, now=now, retention_months=settings.contact_retention_months
        )
        if people:
            log.info("retention: %d volunteers without shifts removed", people)
        async with db.transaction() as conn:
            # Sign-ups keep no name or number once their date is long past; the SMS log
            # keeps no number or text after the contacts' period; the development
            # console's messages (reset links) go after a month.
            rsvps = await rsvp_store.erase_ended(
                conn, now - timedelta(days=settings.rsvp_retention_days)
            )
            messages = await sms_store.forget_old(
                conn, now - timedelta(days=30 * settings.contact_retention_months)
            )
            await console_store.delete_older(conn, now - CONSOLE_KEPT)
        if rsvps or messages:
            log.info("retention: %d sign-ups and %d SMS made anonymous", rsvps, messages)
    return removed


async def run_worker(settings: Settings, *, once: bool = False, interval: float = 30.0) -> int:
    """Housekeeping every ``interval`` seconds and, all the time, the SMS outbox. SIGTERM or
    SIGINT stop it cleanly: messages in flight are finished and recorded first. ``once``:
    one round of housekeeping and of the outbox, then exit (for cron and tests)."""
    db = Database(settings.database_url)
    ctx = build_context(settings, db)
    provider = delivery.make_provider(ctx)
    dispatcher = delivery.make_dispatcher(ctx, provider, role="worker")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started")
    sending = None if once else asyncio.create_task(dispatcher.run(stop))
    try:
        while True:
            try:
                removed = await housekeeping(db, settings)
                log.info("housekeeping: %d expired sessions removed", removed)
                # Waitlist offers nobody claimed in time go to the next in line.
                await rsvp.lapse_offers(ctx, now=clock.now())
                # Reminders before the dates people signed up for.
                await rsvp_notices.send_reminders(ctx, now=clock.now())
                # Reminders before volunteers' shifts.
                await volunteer_notices.send_reminders(ctx, now=clock.now())
            except Exception:
                if once:
                    raise
                # The database away or too busy: the next round tries again (the worker
                # must outlive an outage, as the app does; tests/http/test_faults_database.py).
                log.exception("the worker's round failed; the next one is in %g s", interval)
            if once:
                while await dispatcher.run_once():
                    pass
                break
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                break
            except TimeoutError:
                continue
    finally:
        stop.set()
        if sending is not None:
            await sending
        await provider.aclose()
        ctx.calendar_versions.close()
        await db.dispose()
        log.info("worker stopped")
    return 0
