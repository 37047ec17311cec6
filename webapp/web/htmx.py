"""htmx request details on ``request.state.htmx``, as starlette-htmx gives them, from a plain
ASGI middleware: starlette-htmx's own is a ``BaseHTTPMiddleware``, which costs every request
(calendar feeds and the API included) a task and a stream; this one costs an attribute."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette_htmx.middleware import HtmxDetails


class HtmxMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["htmx"] = HtmxDetails(Request(scope))
        await self.app(scope, receive, send)
