"""The one authorization entry point routes use: ``authorize(request, action, thing)``."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from webapp.auth.permissions import Actor, can


class LoginRequired(Exception):
    """An anonymous visitor asked for something that needs an account."""


def current_actor(request: Request) -> Actor:
    return request.state.actor


def authorize(request: Request, action: str, thing: Any = None) -> Actor:
    """Return the actor when allowed; otherwise send to log-in (anonymous) or answer 403."""
    actor = current_actor(request)
    if not actor.is_authenticated:
        raise LoginRequired()
    if not can(actor, action, thing):
        raise HTTPException(status_code=403)
    return actor
