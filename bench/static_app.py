"""The yardstick: a plain Starlette app whose one route answers with bytes loaded at start.

``BENCH_STATIC_DIR`` holds what the real feed answered: ``feed.ics`` (its body),
``feed.ics.gz`` (its gzip body) and ``etag`` / ``etag-gz``. The route answers with the same
bytes, gzip when asked for (``Content-Encoding: gzip``), and 304 to a matching
``If-None-Match``: what serving the feed costs with no database, no middleware and no
cache lookup. ``uvicorn bench.static_app:app``.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MEDIA_TYPE = "text/calendar; charset=utf-8"
FOLDER = Path(os.environ.get("BENCH_STATIC_DIR", "."))
BODY = (FOLDER / "feed.ics").read_bytes()
GZIPPED = (FOLDER / "feed.ics.gz").read_bytes()
ETAG = (FOLDER / "etag").read_text().strip()
ETAG_GZ = (FOLDER / "etag-gz").read_text().strip()


async def feed(request: Request) -> Response:
    gzipped = "gzip" in request.headers.get("accept-encoding", "")
    etag = ETAG_GZ if gzipped else ETAG
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and if_none_match.strip() in (ETAG, ETAG_GZ):
        return Response(status_code=304, headers={"ETag": etag})
    if gzipped:
        return Response(
            GZIPPED, media_type=MEDIA_TYPE, headers={"ETag": etag, "Content-Encoding": "gzip"}
        )
    return Response(BODY, media_type=MEDIA_TYPE, headers={"ETag": etag})


app = Starlette(routes=[Route("/calendar/{slug}.ics", feed)])
