"""Twilio's webhooks: delivery reports and replies. Each request must carry a valid
``X-Twilio-Signature`` for the public address (the base URL, not what a proxy passed on);
anything else is 403 before the body is looked at further."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from webapp.auth.guard import authorize
from webapp.contacts import service as contacts
from webapp.orgs import service as orgs
from webapp.problems import Invalid
from webapp.sms import forms, service, webhooks
from webapp.web.routing import answers, app_context
from webapp.web.templating import render

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


def _organisation_zone(ctx: Any, organisation: Any) -> ZoneInfo:
    return ZoneInfo(organisation.timezone) if organisation.timezone else ctx.settings.tz


@answers
async def compose(request: Request) -> Response:
    """Write an SMS to a tag's contacts (or all), see what it costs, send it now or later.
    "Update the preview" (a POST without JavaScript, htmx while typing) sends nothing."""
    actor = authorize(request, "account.manage")
    ctx = app_context(request)
    organisation = await orgs.organisation(ctx, request.path_params["slug"])
    book = await contacts.book(ctx, actor=actor, organisation=organisation)
    tags = [t.tag for t in book.tags]
    tz = _organisation_zone(ctx, organisation)
    raw = await request.form(max_files=0) if request.method == "POST" else {}
    form, values = forms.compose_form(raw, tags, tz)
    sending = request.method == "POST" and raw.get("action") != "preview"
    if request.method == "GET":
        form.errors.clear()  # the page as it opens
    found = await service.preview(
        ctx, actor=actor, organisation=organisation, template=values["template"] or "",
        tag=values["tag"],
    )  # fmt: skip
    if sending and form.ok and values["template"]:
        try:
            sent = await service.send(
                ctx, actor=actor, organisation=organisation, template=values["template"],
                contact_ids=[r.id for r in found.recipients], send_after=values["send_after"],
            )  # fmt: skip
            base = f"/orgs/{organisation.slug}/sms/new"
            return RedirectResponse(f"{base}?sent={sent.recipients}", status_code=303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error("template" if name == "contacts" else name, message)
    return render(
        request,
        "sms/compose.html",
        {"org": organisation, "form": form, "preview": found, "tags": book.tags,
         "currency": ctx.settings.sms_currency, "quiet": ctx.settings.sms_quiet_hours},
        status_code=400 if sending else 200,
        block=None if sending else "preview",
    )  # fmt: skip


routes = [
    Route("/orgs/{slug}/sms/new", compose, methods=["GET", "POST"], name="compose_sms"),
    Route("/webhooks/twilio/status", status, methods=["POST"], name="twilio_status"),
    Route("/webhooks/twilio/inbound", inbound, methods=["POST"], name="twilio_inbound"),
]
