"""Log-in sessions: a signed cookie carrying a random key; the database holds its hash.

The middleware resolves the cookie to an :class:`Actor` on ``request.state.actor`` for
every request (two indexed queries), so any process can serve any user.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from webapp import clock
from webapp.auth import store
from webapp.auth.permissions import Actor
from webapp.auth.tokens import digest, new_secret
from webapp.db import Database
from webapp.settings import Settings

SESSION_COOKIE = "samspel_session"
TOUCH_AFTER = timedelta(minutes=5)
# Twilio's webhooks carry no session: a flood with a stolen cookie costs no lookup.
SKIP_PREFIXES = ("/static/", "/healthz", "/webhooks/")


class SessionCookie:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._signer = Signer(settings.secret_key, salt="samspel.session")
        self.lifetime = timedelta(days=settings.session_days)

    def key_from(self, request: Request) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            return self._signer.unsign(raw).decode()
        except BadSignature:
            return None

    def set(self, response: Response, key: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self._signer.sign(key).decode(),
            max_age=int(self.lifetime.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self.settings.https,
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="lax", secure=self.settings.https, path="/"
        )


async def start_session(
    conn: AsyncConnection, *, cookie: SessionCookie, user_id: int, ip: str, user_agent: str
) -> str:
    """Create a session row and return the (unhashed) key for the cookie."""
    key = new_secret()
    await store.create_session(
        conn,
        key_hash=digest(key),
        user_id=user_id,
        at=clock.now(),
        lifetime=cookie.lifetime,
        ip=ip,
        user_agent=user_agent,
    )
    return key


class SessionMiddleware:
    """Puts ``actor`` (and ``session_key_hash``) on the request state."""

    def __init__(self, app: ASGIApp, *, db: Database, cookie: SessionCookie) -> None:
        self.app = app
        self.db = db
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["actor"] = Actor.anonymous()
        state["session_key_hash"] = None
        if not scope["path"].startswith(SKIP_PREFIXES):
            key = self.cookie.key_from(Request(scope))
            if key:
                await self._resolve(state, digest(key))
        await self.app(scope, receive, send)

    async def _resolve(self, state: dict, key_hash: str) -> None:
        now = clock.now()
        async with self.db.read() as conn:
            found = await store.actor_for_session(conn, key_hash, now)
        if found is None:
            return
        actor, session = found
        state["actor"] = actor
        state["session_key_hash"] = key_hash
        if now - session.last_seen_at > TOUCH_AFTER:
            async with self.db.transaction() as conn:
                await store.touch_session(conn, session.id, now, self.cookie.lifetime)
