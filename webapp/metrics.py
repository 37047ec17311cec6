"""``/metrics`` in Prometheus' text format, and the access log.

Two kinds of figures:

- **Requests**, counted by each app process (``samspel_http_requests_total``, a latency
  histogram ``samspel_http_request_duration_seconds``, requests in progress), labelled by
  the *route* a request matched (``/events/{event_id}``), so the number of series stays
  bounded and no token in a path reaches the metrics or the log. Each process counts its
  own: scrape every process (``docs/operations.md``).
- **Queue and SMS**, read from the database when scraped, so every process answers the same:
  outbox messages per status, how many are due, how long the oldest due one has waited,
  and whether the database answers.

Who may read it: with ``SAMSPEL_METRICS_TOKEN`` set, a scraper that sends it as a bearer
token; without one, only clients on this machine (loopback). Everyone else gets 404, as
for an unknown page.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp import clock
from webapp.sms import store as sms_store
from webapp.sms.log import STATUSES

access_log = logging.getLogger("samspel.access")

# Seconds: pages answer in milliseconds, posters and big feeds in a second or two.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One app's registry (not the library's global one: every app, and every test's app,
    counts for itself)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "samspel_http_requests",
            "HTTP requests answered, by method, matched route and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "samspel_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "samspel_http_requests_in_progress",
            "Requests being answered by this process now.",
            registry=self.registry,
        )
        self.database_up = Gauge(
            "samspel_database_up",
            "1 when the database answered the scrape's queries, else 0.",
            registry=self.registry,
        )
        self.sms_messages = Gauge(
            "samspel_sms_messages",
            "SMS messages in the outbox (all organisations), by status.",
            ("status",),
            registry=self.registry,
        )
        self.sms_due = Gauge(
            "samspel_sms_queue_due",
            "Queued messages whose time has come and that no dispatcher has taken yet.",
            registry=self.registry,
        )
        self.sms_oldest_due = Gauge(
            "samspel_sms_queue_oldest_due_seconds",
            "How long the oldest due message has waited (0 when none): dispatchers behind.",
            registry=self.registry,
        )

    async def read_database(self, request: Request) -> None:
        db = request.app.state.ctx.db
        try:
            async with db.read() as conn:
                by_status, due, waited = await sms_store.outbox_figures(conn, clock.now())
        except Exception:  # noqa: BLE001 - a scrape while the database is away says so
            self.database_up.set(0)
            return
        self.database_up.set(1)
        for status in STATUSES:
            self.sms_messages.labels(status=status).set(by_status.get(status, 0))
        self.sms_due.set(due)
        self.sms_oldest_due.set(round(waited, 3))


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    root = scope.get("root_path", "")
    # A mount (/static, /vendor) names its folder only: its files are not routes.
    return f"{root}{path}" if getattr(route, "routes", None) is None else f"{path}/…"


class RequestMetricsMiddleware:
    """Counts and times every HTTP request and writes the access log line."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, access_log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        metrics = self.metrics

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        metrics.in_progress.inc()
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            metrics.in_progress.dec()
            elapsed = time.perf_counter() - started
            method = scope["method"]
            route = _route_label(scope)
            metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            metrics.duration.labels(method=method, route=route).observe(elapsed)
            if self.log:
                access_log.info(
                    "%s %s %d %.1f ms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )


def _allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_page(request: Request) -> Response:
    if not _allowed(request):
        raise HTTPException(404)
    metrics: Metrics = request.app.state.metrics
    await metrics.read_database(request)
    return Response(
        generate_latest(metrics.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/metrics", metrics_page, methods=["GET"], name="metrics")]
