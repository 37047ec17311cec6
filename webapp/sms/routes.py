"""Twilio's webhooks: delivery reports and replies. Each request must carry a valid
``X-Twilio-Signature`` for the public address (the base URL, not what a proxy passed on);
anything else is 403 before the body is looked at further."""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from webapp.sms import webhooks
from webapp.web.routing import app_context

MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _signed_form(request: Request) -> dict[str, str] | None:
    """The POSTed form when Twilio signed it, else None (also without Twilio configured)."""
    settings = app_context(request).settings
    signature = request.headers.get("x-twilio-signature", "")
    if settings.sms_provider != "twilio" or not signature:
        return None
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return None
    form = await request.form(max_files=0, max_fields=100)
    params = {key: value for key, value in form.items() if isinstance(value, str)}
    url = settings.base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        return None
    return params


async def status(request: Request) -> Response:
    params = await _signed_form(request)
    if params is None:
        return Response("Forbidden", status_code=403, media_type="text/plain")
    await webhooks.delivery_report(app_context(request), params)
    return Response(status_code=204)


async def inbound(request: Request) -> Response:
    params = await _signed_form(request)
    if params is None:
        return Response("Forbidden", status_code=403, media_type="text/plain")
    answer = await webhooks.reply(app_context(request), params)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(answer)}'
        "</Message></Response>"
        if answer
        else EMPTY_TWIML
    )
    return Response(body, media_type="application/xml")


routes = [
    Route("/webhooks/twilio/status", status, methods=["POST"], name="twilio_status"),
    Route("/webhooks/twilio/inbound", inbound, methods=["POST"], name="twilio_inbound"),
]
