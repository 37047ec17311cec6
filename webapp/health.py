"""``/healthz``: 200 with {"status": "ok"} when the database answers, 503 otherwise."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request: Request) -> JSONResponse:
    if await request.app.state.ctx.db.ping():
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
    return JSONResponse(
        {"status": "unavailable", "database": "not answering"},
        status_code=503,
        headers={"Cache-Control": "no-store", "Retry-After": "5"},
    )


routes = [Route("/healthz", healthz, methods=["GET", "HEAD"], name="healthz")]
