"""A built feed as an HTTP response: content type, validators, conditional requests, gzip.

``If-None-Match`` is answered from the ETag (the body's hash, one per encoding), and only
without it ``If-Modified-Since`` from the time the feed was built. Compressed bytes are made
once per built feed, not per request.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response

from webapp import clock
from webapp.calendars.cache import Built

MEDIA_TYPE = "text/calendar; charset=utf-8"
PUBLIC = "public, max-age=300"
PRIVATE = "private, max-age=300"


def calendar_response(
    request: Request, built: Built, *, filename: str, private: bool, attachment: bool = False
) -> Response:
    gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = {
        "ETag": built.gzip_etag if gzipped else built.etag,
        "Last-Modified": built.last_modified,
        "Cache-Control": PRIVATE if private else PUBLIC,
        # The texts are in the language the calendar app asks for.
        "Vary": "Accept-Encoding, Accept-Language",
    }
    if _not_modified(request, built):
        return Response(status_code=304, headers=headers)
    disposition = "attachment" if attachment else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if private:
        headers["X-Robots-Tag"] = "noindex"
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(built.gzipped, media_type=MEDIA_TYPE, headers=headers)
    return Response(built.body, media_type=MEDIA_TYPE, headers=headers)


def _not_modified(request: Request, built: Built) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or built.etag in tags or built.gzip_etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    built_at = built.built_at.replace(microsecond=0)
    # A feed built within the last second may share its Last-Modified second with a change.
    settled = built.built_at <= clock.now() - timedelta(seconds=1)
    return settled and built_at <= since


def _accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            if not params or _quality(q) > 0:
                return True
    return False


def _quality(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return 1.0
