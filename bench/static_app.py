"""The yardstick: a plain Starlette app whose routes answer with bytes loaded at start.

``BENCH_STATIC_DIR`` holds what the real app answered, for one of two benchmarks:

* ``bench/feeds.py``: ``feed.ics`` (the feed's body), ``feed.ics.gz`` (its gzip body) and
  ``etag`` / ``etag-gz``. ``/calendar/{slug}.ics`` answers with the same bytes, gzip when
  asked for (``Content-Encoding: gzip``), and 304 to a matching ``If-None-Match``.
* ``bench/pages.py``: ``pages.json``, a list of answers (method, path, status, headers and
  the file holding the body). Each path answers with those bytes and headers; a POST reads
  its body first, as a form handler would.

What serving the same answer costs with no database, no middleware, no templates and no
cache lookup. ``uvicorn bench.static_app:app``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MEDIA_TYPE = "text/calendar; charset=utf-8"
FOLDER = Path(os.environ.get("BENCH_STATIC_DIR", "."))


def _feed_route() -> Route:
    body = (FOLDER / "feed.ics").read_bytes()
    gzipped = (FOLDER / "feed.ics.gz").read_bytes()
    plain_etag = (FOLDER / "etag").read_text().strip()
    gzip_etag = (FOLDER / "etag-gz").read_text().strip()

    async def feed(request: Request) -> Response:
        wants_gzip = "gzip" in request.headers.get("accept-encoding", "")
        etag = gzip_etag if wants_gzip else plain_etag
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None and if_none_match.strip() in (plain_etag, gzip_etag):
            return Response(status_code=304, headers={"ETag": etag})
        if wants_gzip:
            return Response(
                gzipped, media_type=MEDIA_TYPE, headers={"ETag": etag, "Content-Encoding": "gzip"}
            )
        return Response(body, media_type=MEDIA_TYPE, headers={"ETag": etag})

    return Route("/calendar/{slug}.ics", feed)


def _page_route(answer: dict[str, Any]) -> Route:
    body = (FOLDER / answer["body_file"]).read_bytes()
    status, headers = int(answer["status"]), dict(answer["headers"])

    async def page(request: Request) -> Response:
        if request.method == "POST":
            await request.body()
        return Response(body, status_code=status, headers=headers)

    return Route(answer["path"], page, methods=[answer["method"]])


def _routes() -> list[Route]:
    if (FOLDER / "pages.json").exists():
        return [_page_route(a) for a in json.loads((FOLDER / "pages.json").read_text())]
    return [_feed_route()]


app = Starlette(routes=_routes())
