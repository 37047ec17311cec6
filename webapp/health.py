"""``/healthz``: 200 with {"status": "ok"} when the database answers, 503 otherwise.

"Answers" is a query on a pooled connection, so it also covers what the pool checks: on
PostgreSQL a dead connection is replaced (pre-ping), on SQLite the file must still be at its
path (``webapp/db/engine.py``). No session, no other work: load balancers poll it often."""

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
