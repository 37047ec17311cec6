"""The page that shows what the console provider delivered (development default)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.console import store
from webapp.web.templating import render


async def messages(request: Request) -> Response:
    settings = request.app.state.settings
    if settings.sms_provider != "console" and settings.mail_provider != "console":
        raise HTTPException(status_code=404)  # nothing is delivered to the console
    authorize(request, "console.view")
    async with request.app.state.ctx.db.read() as conn:
        latest = await store.latest(conn)
    return render(request, "console/messages.html", {"messages": latest})


routes = [Route("/console/messages", messages, name="console_messages")]
