"""Security headers on every response.

No page may be shown in another site's frame (``frame-ancestors 'none'``, ``X-Frame-Options:
DENY``), except the paths under ``frameable_prefixes`` (the embeddable program, /embed/…):
their policy names ``frame_ancestors`` instead (the SAMSPEL_EMBED_FRAME_ANCESTORS setting)
and they send no X-Frame-Options. Those paths and the ``cookieless_prefixes`` (the static
files they load) set no cookies: a page inside a library's website has no use for them, and
a visitor of that website never chose to visit us.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# htmx is loaded as a file and configured (meta htmx-config) to inject no inline styles
# and evaluate no strings, so the policy needs no 'unsafe-inline' or 'unsafe-eval'.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def frameable_csp(frame_ancestors: str) -> str:
    """The policy of a page other sites may frame: the same, with their frame-ancestors."""
    return CSP.replace("frame-ancestors 'none'", f"frame-ancestors {frame_ancestors}")


class SecurityHeadersMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        https: bool,
        frameable_prefixes: tuple[str, ...] = (),
        frame_ancestors: str = "*",
        cookieless_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.frameable_prefixes = frameable_prefixes
        self.cookieless_prefixes = frameable_prefixes + cookieless_prefixes
        self.headers = {
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        if https:
            self.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        self.frameable_headers = {
            **{k: v for k, v in self.headers.items() if k != "X-Frame-Options"},
            "Content-Security-Policy": frameable_csp(frame_ancestors),
        }
        # As ASGI sends them (lower-case bytes), made once: they go on every response.
        self.raw = _raw(self.headers)
        self.frameable_raw = _raw(self.frameable_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope["path"]
        frameable = bool(self.frameable_prefixes) and path.startswith(self.frameable_prefixes)
        cookieless = bool(self.cookieless_prefixes) and path.startswith(self.cookieless_prefixes)
        chosen = self.frameable_raw if frameable else self.raw

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if cookieless:
                    headers = [(k, v) for k, v in headers if k.lower() != b"set-cookie"]
                present = {key.lower() for key, _value in headers}
                headers.extend(header for header in chosen if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
