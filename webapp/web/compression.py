"""gzip for pages and JSON, but not for answers that compress themselves.

Calendar files and feeds (``*.ics``) are compressed once per built feed and sent with their
own ``Content-Encoding`` (webapp/calendars/responses.py); Starlette's middleware would only
look at their headers and pass them on, on every one of the many requests calendar apps
make, so those paths skip it altogether.
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class PageGZipMiddleware(GZipMiddleware):
    def __init__(
        self, app: ASGIApp, *, minimum_size: int = 500, skip_suffixes: tuple[str, ...] = ()
    ) -> None:
        super().__init__(app, minimum_size=minimum_size)
        self.skip_suffixes = skip_suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith(self.skip_suffixes):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
