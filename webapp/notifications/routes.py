"""The inbox page: newest first; mark one or all as read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.notifications import service
from webapp.web.templating import render


async def inbox(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    items = await service.inbox(request.app.state.ctx, actor=actor)
    return render(request, "notifications/inbox.html", {"items": items})


async def mark_read(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    raw = (await request.form(max_files=0)).get("id")
    notification_id = int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 10 else None
    await service.mark_read(request.app.state.ctx, actor=actor, notification_id=notification_id)
    return RedirectResponse("/inbox", status_code=303)


routes = [
    Route("/inbox", inbox, name="inbox"),
    Route("/inbox/read", mark_read, methods=["POST"], name="inbox_read"),
]
