"""CSRF protection for every unsafe request (signed double-submit token plus Origin check).

A signed random token lives in an HttpOnly cookie; every form carries the same token in a
hidden ``csrf_token`` field and htmx sends it as the ``X-CSRF-Token`` header (set once on
``<body hx-headers>``). A request whose token is missing or does not match, or whose
Origin names another site, is refused with 403 before it reaches any route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp.auth.tokens import new_secret, same
from webapp.settings import Settings

CSRF_COOKIE = "samspel_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 20 * 1024 * 1024

Refusal = Callable[[Request, str], Awaitable[Response]]


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        refuse: Refusal,
        exempt_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.settings = settings
        self.refuse = refuse
        self.exempt_prefixes = exempt_prefixes
        self._signer = Signer(settings.secret_key, salt="samspel.csrf")
        self._origin = urlsplit(settings.base_url).netloc

    def _new_token(self) -> str:
        return self._signer.sign(new_secret()).decode()

    def _valid_cookie(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            self._signer.unsign(raw)
        except BadSignature:
            return None
        return raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie_token = self._valid_cookie(request.cookies.get(CSRF_COOKIE))
        state = scope.setdefault("state", {})
        if cookie_token:
            state["csrf_token"] = cookie_token
        else:
            # A new token is made only when a page asks for one (``csrf_token``): feeds,
            # JSON and redirects neither need one nor set the cookie.
            state.pop("csrf_token", None)
            state["csrf_issue"] = self._new_token

        if request.method not in SAFE_METHODS and not scope["path"].startswith(
            self.exempt_prefixes
        ):
            body = await _read_body(receive)
            reason = await self._check(request, cookie_token, body)
            if reason is not None:
                response = await self.refuse(request, reason)
                await response(scope, _replay(b"", receive), send)
                return
            receive = _replay(body or b"", receive)

        if cookie_token:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            token = state.get("csrf_token")
            if message["type"] == "http.response.start" and token:
                response = Response()
                response.set_cookie(
                    CSRF_COOKIE,
                    token,
                    httponly=True,
                    samesite="lax",
                    secure=self.settings.https,
                    path="/",
                )
                headers = MutableHeaders(scope=message)
                for key, value in response.raw_headers:
                    if key == b"set-cookie":
                        headers.append("set-cookie", value.decode())
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _check(
        self, request: Request, cookie_token: str | None, body: bytes | None
    ) -> str | None:
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = urlsplit(origin).netloc
            if host not in (self._origin, request.headers.get("host", "")):
                return "origin"
        if body is None:
            return "too-large"
        if cookie_token is None:
            return "missing"
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form_request = Request(request.scope, _replay(body, _disconnected))
            try:
                form = await form_request.form()
            except Exception:  # noqa: BLE001 - an unparsable body has no valid token
                return "missing"
            value = form.get(CSRF_FIELD)
            await form.close()
            sent = value if isinstance(value, str) else None
        if not sent or not same(sent, cookie_token):
            return "mismatch"
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, then: Receive) -> Receive:
    """Hand the buffered body on once, then pass through to the real channel."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def csrf_token(request: Request) -> str:
    """The request's CSRF token for a form: the cookie's, or a new one, which the middleware
    then sets as the cookie of this response ("" outside the middleware)."""
    state = request.scope.setdefault("state", {})
    token = state.get("csrf_token")
    if token is None:
        issue = state.get("csrf_issue")
        if issue is None:
            return ""
        token = state["csrf_token"] = issue()
    return token
