"""The API's answers: JSON with the headers every API response carries (any website may
read it; shared caches may keep it a minute), and the error objects."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from webapp.i18n import _

MAX_AGE = 60
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": f"public, max-age={MAX_AGE}",
}


def api_json(body: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=HEADERS)


def _error(status_code: int, code: str, message: str, **extra: Any) -> JSONResponse:
    response = api_json({"error": {"code": code, "message": message, **extra}}, status_code)
    # The message is in the reader's language (Accept-Language, or their saved choice).
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def bad_parameters(errors: dict[str, str]) -> JSONResponse:
    """400: each bad query parameter with what is wrong with it."""
    return _error(
        400,
        "invalid_parameters",
        _("Some query parameters are not valid."),
        parameters=dict(sorted(errors.items())),
    )


def event_not_found() -> JSONResponse:
    return _error(404, "not_found", _("There is no public event with this id."))


def not_found() -> JSONResponse:
    return _error(404, "not_found", _("There is nothing at this address of the API."))


def method_not_allowed() -> JSONResponse:
    response = _error(405, "method_not_allowed", _("The API can only be read: use GET."))
    response.headers["Allow"] = ALLOWED_METHODS
    return response


def unavailable(retry_after: int) -> JSONResponse:
    """503: the database is away or busy; not to be kept by caches."""
    response = _error(503, "unavailable", _("The service is busy or down. Try again shortly."))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = str(retry_after)
    return response


def preflight() -> Response:
    """The answer to a browser's CORS preflight (OPTIONS): GET from any origin."""
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match",
            "Access-Control-Max-Age": "86400",
            "Allow": ALLOWED_METHODS,
        },
    )
