"""Sets the request's language: the user's saved choice, a language cookie, Accept-Language."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webapp.i18n.catalogs import set_locale
from webapp.i18n.negotiation import negotiate

LANGUAGE_COOKIE = "samspel_lang"


class LocaleMiddleware:
    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        actor = state.get("actor")
        choice = (actor.locale if actor is not None else None) or request.cookies.get(
            LANGUAGE_COOKIE
        )
        locale = negotiate(choice, request.headers.get("accept-language"), self.default)
        state["locale"] = locale
        set_locale(locale)

        language = locale.encode("latin-1")

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                names = {key.lower(): value for key, value in raw}
                if b"content-language" not in names:
                    raw.append((b"content-language", language))
                message["headers"] = raw
                if names.get(b"content-type", b"").startswith(b"text/html"):
                    headers = MutableHeaders(scope=message)
                    headers.add_vary_header("Accept-Language")
                    headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_with_language)
