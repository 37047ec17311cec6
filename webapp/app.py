"""``create_app(settings)``: routes, middleware and lifespan, all listed here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from webapp import clock
from webapp.api import routes as api_routes
from webapp.auth import routes as auth_routes
from webapp.auth.csrf import CSRFMiddleware
from webapp.auth.guard import LoginRequired
from webapp.auth.sessions import SessionCookie, SessionMiddleware
from webapp.calendars import routes as calendar_routes
from webapp.console import routes as console_routes
from webapp.contacts import routes as contact_routes
from webapp.context import Context, build_context
from webapp.db import Database
from webapp.db.migrate import upgrade
from webapp.events import date_routes, evaluation_routes
from webapp.events import routes as event_routes
from webapp.health import routes as health_routes
from webapp.i18n.middleware import LocaleMiddleware
from webapp.invitations import routes as invitation_routes
from webapp.locations import routes as location_routes
from webapp.metrics import Metrics, RequestMetricsMiddleware
from webapp.metrics import routes as metrics_routes
from webapp.notifications import routes as notification_routes
from webapp.orgs import routes as org_routes
from webapp.partners import routes as partner_routes
from webapp.program import embed_routes
from webapp.program import routes as program_routes
from webapp.rsvp import notices as rsvp_notices
from webapp.rsvp import routes as rsvp_routes
from webapp.rsvp import service as rsvp_service
from webapp.settings import Settings
from webapp.slots import routes as slot_routes
from webapp.sms import delivery
from webapp.sms import routes as sms_routes
from webapp.statements import routes as statement_routes
from webapp.volunteers import notices as volunteer_notices
from webapp.volunteers import routes as volunteer_routes
from webapp.web import errors
from webapp.web.compression import PageGZipMiddleware
from webapp.web.headers import SecurityHeadersMiddleware
from webapp.web.htmx import HtmxMiddleware
from webapp.web.templating import STATIC, create_templates
from webapp.worker import housekeeping

log = logging.getLogger("samspel")

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
# Front-end files from the npm registry (package.json), served under /vendor/.
VENDOR = {
    "htmx.min.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
}


class VendorFiles(StaticFiles):
    """Serves only the named files of node_modules, never the whole folder."""

    def __init__(self, files: dict[str, Path]) -> None:
        super().__init__(directory=None, check_dir=False)
        self.files = files

    def lookup_path(self, path: str):  # type: ignore[no-untyped-def]
        import os

        target = self.files.get(path)
        if target is None or not target.exists():
            return "", None
        return str(target), os.stat(target)


async def _timers(ctx: Context, stop: asyncio.Event, interval: float = 30.0) -> None:
    """What ``samspel worker`` does on a timer and an app process alone must do too:
    housekeeping and the retention rules, waitlist offers that ran out, reminders before
    dates and before volunteers' shifts."""
    while not stop.is_set():
        try:
            await housekeeping(ctx.db, ctx.settings)
            await rsvp_service.lapse_offers(ctx, now=clock.now())
            await rsvp_notices.send_reminders(ctx, now=clock.now())
            await volunteer_notices.send_reminders(ctx, now=clock.now())
        except Exception:  # keep the timer alive; the next round tries again
            log.exception("the timers failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def create_app(settings: Settings) -> Starlette:
    db = Database(settings.database_url)
    ctx = build_context(settings, db)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await anyio.to_thread.run_sync(upgrade, settings.database_url)
        stop = asyncio.Event()
        dispatching: asyncio.Task[None] | None = None
        timers: asyncio.Task[None] | None = None
        provider = None
        if settings.sms_dispatcher == "app":
            # The SMS outbox is delivered from this process too (several app processes and
            # workers can share it: each claims its own messages).
            provider = delivery.make_provider(ctx)
            dispatcher = delivery.make_dispatcher(ctx, provider, role="app")
            dispatching = asyncio.create_task(dispatcher.run(stop))
            # And the timers of the embedded case: waitlist offers that ran out.
            timers = asyncio.create_task(_timers(ctx, stop))
        try:
            yield
        finally:
            stop.set()
            for task in (dispatching, timers):
                if task is not None:
                    await task
            if provider is not None:
                await provider.aclose()
            ctx.calendar_versions.close()
            await db.dispose()

    routes = [
        *health_routes,
        *metrics_routes,
        # Feeds first: calendar apps poll them far more often than people open pages, and
        # Starlette tries the routes in order.
        *calendar_routes.routes,
        *org_routes.routes,
        *auth_routes.routes,
        *location_routes.routes,
        *partner_routes.routes,
        *program_routes.routes,
        *embed_routes.routes,
        *slot_routes.routes,
        *event_routes.routes,
        *evaluation_routes.routes,
        *date_routes.routes,
        *notification_routes.routes,
        *contact_routes.routes,
        *sms_routes.routes,
        *invitation_routes.routes,
        *rsvp_routes.routes,
        *volunteer_routes.routes,
        *console_routes.routes,
        *statement_routes.routes,
        *api_routes.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/vendor", VendorFiles(VENDOR), name="vendor"),
    ]
    cookie = SessionCookie(settings)
    metrics = Metrics()
    middleware = [
        # Outermost: every request is counted and timed, whatever answers it.
        Middleware(RequestMetricsMiddleware, metrics=metrics, access_log=settings.access_log),
        Middleware(
            SecurityHeadersMiddleware,
            https=settings.https,
            frameable_prefixes=embed_routes.FRAMEABLE,
            frame_ancestors=settings.embed_frame_ancestors,
            cookieless_prefixes=("/static/", "/vendor/"),
        ),
        # Calendar files and feeds bring their own gzip (compressed once per built feed).
        Middleware(PageGZipMiddleware, minimum_size=1000, skip_suffixes=(".ics",)),
        Middleware(SessionMiddleware, db=db, cookie=cookie),
        Middleware(LocaleMiddleware, default=settings.locale),
        Middleware(
            CSRFMiddleware,
            settings=settings,
            refuse=errors.csrf_refused,
            exempt_prefixes=("/webhooks/",),
        ),
        Middleware(HtmxMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: errors.http_exception,
            LoginRequired: errors.login_required,
            # The database unreachable or too busy: a 503 page (else on to the 500 page).
            SQLAlchemyError: errors.database_error,
            OSError: errors.database_error,
            500: errors.server_error,
        },
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.state.metrics = metrics
    app.state.session_cookie = cookie
    app.state.templates = create_templates(settings, VENDOR)
    return app
