"""SMS pages: the composer, the log of sends and messages, replies, the monthly budget; the
recipient's page behind each message's link (``/m/{code}``); and Twilio's webhooks.

The webhooks (delivery reports and replies) must carry a valid ``X-Twilio-Signature`` for
the public address (the base URL, not what a proxy passed on). Anything else is refused
before any database work, cheaply even in a flood: see ``_signed_form``."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from sqlalchemy.engine import Row
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from webapp.auth.guard import authorize
from webapp.auth.permissions import Actor, can
from webapp.contacts import service as contacts
from webapp.contacts.vocabulary import consent_labels
from webapp.context import Context
from webapp.i18n import _
from webapp.orgs import service as orgs
from webapp.problems import Forbidden, Invalid
from webapp.rsvp import forms as rsvp_forms
from webapp.rsvp import service as rsvp_service
from webapp.settings import Settings
from webapp.sms import about, budget, forms, log, service, webhooks
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, path_id
from webapp.web.templating import render

MAX_BODY = 64 * 1024  # Twilio's largest forms (1,600 characters of emoji) are ~20 KB
MAX_FIELDS = 100
SMALL_BODY = 8 * 1024  # a delivery report is ~0.5 KB, a 1,600-character reply at most ~5 KB
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORM = "application/x-www-form-urlencoded"


def _refusal(status_code: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status_code, media_type="text/plain", headers=headers)


async def _body(request: Request) -> bytes | None:
    """The body, read as it comes and given up on past MAX_BODY (None then)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _signed_form(request: Request) -> dict[str, str] | Response:
    """The POSTed form when Twilio signed it; else the refusal, decided before any database
    work: 429 for an address refused too often lately (webhooks.RefusalLimit), 413 for a
    body over MAX_BODY (not read whole), 400 for what is not a form, 403 for a missing or
    wrong signature (also when Twilio is not configured)."""
    settings = app_context(request).settings
    limit = webhooks.refusal_limit(request.app.state)
    address = request.client.host if request.client else "unknown"
    wait = limit.wait(address)
    if wait is not None and not _small_and_signed(request):
        return _refusal(429, "Too Many Requests", {"Retry-After": str(wait)})
    checked = await _check(request, settings)
    if isinstance(checked, Response):
        limit.refused(address)
    else:
        limit.signed(address)
    return checked


def _small_and_signed(request: Request) -> bool:
    """Signed and the size of a real webhook: checked even from a limited address (one
    HMAC), so a flood from an address Twilio shares (a proxy's) cannot lose its reports."""
    declared = request.headers.get("content-length") or ""
    return bool(request.headers.get("x-twilio-signature")) and (
        declared.isdigit() and int(declared) <= SMALL_BODY
    )


async def _check(request: Request, settings: Settings) -> dict[str, str] | Response:
    signature = request.headers.get("x-twilio-signature", "")
    if settings.sms_provider != "twilio" or not signature:
        return _refusal(403, "Forbidden")
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit():
        return _refusal(400, "Bad Request")
    if int(declared) > MAX_BODY:
        return _refusal(413, "Payload Too Large")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return _refusal(400, "Bad Request")
    body = await _body(request)
    if body is None:
        return _refusal(413, "Payload Too Large")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS,
            errors="strict",
        )  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        return _refusal(400, "Bad Request")
    params = dict(pairs)
    url = settings.base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        return _refusal(403, "Forbidden")
    return params


async def status(request: Request) -> Response:
    params = await _signed_form(request)
    if isinstance(params, Response):
        return params
    await webhooks.delivery_report(app_context(request), params)
    return Response(status_code=204)


async def inbound(request: Request) -> Response:
    params = await _signed_form(request)
    if isinstance(params, Response):
        return params
    answer = await webhooks.reply(app_context(request), params)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(answer)}'
        "</Message></Response>"
        if answer
        else EMPTY_TWIML
    )
    return Response(body, media_type="application/xml")


async def _signed_in(request: Request) -> tuple[Actor, Context, Row]:
    """The person (signed in), the app and the organisation of the path. What the person may
    do there is for the services to say."""
    ctx = app_context(request)
    actor = authorize(request, "account.manage")
    return actor, ctx, await orgs.organisation(ctx, request.path_params["slug"])


@answers
async def compose(request: Request) -> Response:
    """Write an SMS to a tag's contacts (or all), about an event or not, see what it costs
    and what is left of the month's budget, send it now or later. "Update the preview" (a
    POST without JavaScript, htmx while typing) sends nothing."""
    actor, ctx, organisation = await _signed_in(request)
    book = await contacts.book(ctx, actor=actor, organisation=organisation)
    choices = await service.event_choices(ctx, organisation)
    raw = await request.form(max_files=0) if request.method == "POST" else {}
    form, values = forms.compose_form(
        raw, [t.tag for t in book.tags], [c.key for c in choices], budget.zone_of(ctx, organisation)
    )
    sending = request.method == "POST" and raw.get("action") != "preview"
    if request.method == "GET":
        form.errors.clear()  # the page as it opens
    event = next((c for c in choices if c.key == values["event"]), None)
    found = await service.preview(
        ctx, actor=actor, organisation=organisation, template=values["template"] or "",
        tag=values["tag"], event=event,
    )  # fmt: skip
    if sending and form.ok and found.problems:
        form.error("template", "; ".join(found.problems))
    if sending and form.ok and values["template"]:
        try:
            sent = await service.send(
                ctx, actor=actor, organisation=organisation, template=values["template"],
                contact_ids=[r.id for r in found.recipients], send_after=values["send_after"],
                event=event,
            )  # fmt: skip
            return RedirectResponse(_base(organisation) + f"/sends/{sent.send_id}?sent=1", 303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error("template" if name == "contacts" else name, message)
    return render(
        request,
        "sms/compose.html",
        {"org": organisation, "form": form, "preview": found, "tags": book.tags,
         "events": choices, "currency": ctx.settings.sms_currency,
         "quiet": ctx.settings.sms_quiet_hours},
        status_code=400 if sending else 200,
        block=None if sending else "preview",
    )  # fmt: skip


def _base(organisation: Row) -> str:
    return f"/orgs/{organisation.slug}/sms"


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


@answers
async def overview(request: Request) -> Response:
    """The organisation's sends, newest first, with this month's budget."""
    actor, ctx, organisation = await _signed_in(request)
    page = await log.sends(ctx, actor=actor, organisation=organisation, page=_page(request))
    limit = await budget.of(ctx, actor=actor, organisation=organisation)
    return render(
        request,
        "sms/overview.html",
        {"org": organisation, "sends": page, "budget": limit, "base": _base(organisation),
         "may_budget": can(actor, "sms.budget", organisation)},
    )  # fmt: skip


@answers
async def send_page(request: Request) -> Response:
    """One send: its messages with masked recipients, status, segments, cost and errors."""
    actor, ctx, organisation = await _signed_in(request)
    status = request.query_params.get("status")
    detail = await log.send(
        ctx, actor=actor, organisation=organisation, send_id=path_id(request, "send_id"),
        status=status if status in log.STATUSES else None, page=_page(request),
    )  # fmt: skip
    return render(
        request,
        "sms/send.html",
        {"org": organisation, "detail": detail, "base": _base(organisation),
         "status": status if status in log.STATUSES else None,
         "currency": ctx.settings.sms_currency},
    )  # fmt: skip


@answers
async def message_page(request: Request) -> Response:
    actor, ctx, organisation = await _signed_in(request)
    found = await log.message(
        ctx, actor=actor, organisation=organisation, message_id=path_id(request, "message_id")
    )
    return render(
        request,
        "sms/message.html",
        {"org": organisation, "message": found, "base": _base(organisation),
         "currency": ctx.settings.sms_currency},
    )  # fmt: skip


@answers
async def replies_page(request: Request) -> Response:
    actor, ctx, organisation = await _signed_in(request)
    page = await log.replies(ctx, actor=actor, organisation=organisation, page=_page(request))
    return render(
        request,
        "sms/replies.html",
        {"org": organisation, "replies": page, "base": _base(organisation)},
    )


@answers
async def budget_page(request: Request) -> Response:
    """The monthly budget: administrators set it (or no limit)."""
    actor, ctx, organisation = await _signed_in(request)
    if not can(actor, "sms.budget", organisation):
        raise Forbidden()
    current = await budget.of(ctx, actor=actor, organisation=organisation)
    if request.method == "POST":
        form, unit, amount = forms.budget_form(await request.form(max_files=0))
        if unit is not None and amount is None and form.ok:
            form.error("amount", _("Enter the budget, or choose no limit."))
        if form.ok:
            await budget.save(ctx, actor=actor, organisation=organisation, unit=unit, amount=amount)
            return RedirectResponse(_base(organisation) + "?budget=1", status_code=303)
    else:
        form = FormState.initial(
            {"unit": current.unit or "none",
             "amount": "" if current.amount is None else (
                 str(int(current.amount)) if current.unit == "segments" else str(current.amount))}
        )  # fmt: skip
    return render(
        request,
        "sms/budget.html",
        {"org": organisation, "form": form, "budget": current, "base": _base(organisation),
         "currency": ctx.settings.sms_currency, "price": ctx.settings.sms_segment_price},
        status_code=400 if request.method == "POST" else 200,
    )  # fmt: skip


# The recipient's page behind a message's link --------------------------------------------------


@answers
async def about_page(request: Request) -> Response:
    ctx = app_context(request)
    found = await about.about(ctx, request.path_params["code"])
    code = found.message.code
    rsvp_link = f"/r/{rsvp_service.token_for(ctx, about.rsvp_key(code))}" if found.rsvp else ""
    response = render(
        request,
        "sms/about.html",
        {"about": found, "code": code, "consent_labels": consent_labels(),
         "rsvp_link": rsvp_link},
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@answers
async def about_stop(request: Request) -> Response:
    code = request.path_params["code"].lower()
    await about.stop(app_context(request), code)
    return RedirectResponse(f"/m/{code}?stopped=1", status_code=303)


@answers
async def about_start(request: Request) -> Response:
    code = request.path_params["code"].lower()
    await about.restart(app_context(request), code)
    return RedirectResponse(f"/m/{code}?started=1", status_code=303)


@answers
async def about_delete(request: Request) -> Response:
    code = request.path_params["code"].lower()
    form = await request.form(max_files=0)
    await about.delete(app_context(request), code, stop=form.get("stop") == "1")
    return RedirectResponse(f"/m/{code}?deleted=1", status_code=303)


@answers
async def about_answer(request: Request) -> Response:
    """The invitation's answer from its page: coming (with how many) or not."""
    code = request.path_params["code"].lower()
    raw = await request.form(max_files=0)
    coming = raw.get("coming") == "yes"
    _form, party_size = rsvp_forms.party_form(raw)
    if coming and party_size is None:
        return RedirectResponse(f"/m/{code}?party=bad#answer", status_code=303)
    try:
        answered = await about.answer(
            app_context(request), code, coming=coming, party_size=party_size or 1
        )
    except Invalid as problem:
        first = next(iter(problem.errors.values()), "")
        return RedirectResponse(f"/m/{code}?problem={quote(first)}#answer", status_code=303)
    if answered.link is None:
        return RedirectResponse(f"/m/{code}?declined=1", status_code=303)
    path = answered.link.removeprefix(app_context(request).settings.base_url)
    return RedirectResponse(f"{path}?new=1", status_code=303)


@answers
async def about_data(request: Request) -> Response:
    code = request.path_params["code"].lower()
    data = await about.export(app_context(request), code)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex",
        },
    )


routes = [
    Route("/orgs/{slug}/sms", overview, name="sms_overview"),
    Route("/orgs/{slug}/sms/new", compose, methods=["GET", "POST"], name="compose_sms"),
    Route("/orgs/{slug}/sms/sends/{send_id:int}", send_page, name="sms_send"),
    Route("/orgs/{slug}/sms/messages/{message_id:int}", message_page, name="sms_message"),
    Route("/orgs/{slug}/sms/replies", replies_page, name="sms_replies"),
    Route("/orgs/{slug}/sms/budget", budget_page, methods=["GET", "POST"], name="sms_budget"),
    Route("/m/{code}", about_page, name="sms_about"),
    Route("/m/{code}/data.json", about_data, name="sms_about_data"),
    Route("/m/{code}/stop", about_stop, methods=["POST"], name="sms_about_stop"),
    Route("/m/{code}/start", about_start, methods=["POST"], name="sms_about_start"),
    Route("/m/{code}/delete", about_delete, methods=["POST"], name="sms_about_delete"),
    Route("/m/{code}/answer", about_answer, methods=["POST"], name="sms_about_answer"),
    Route("/webhooks/twilio/status", status, methods=["POST"], name="twilio_status"),
    Route("/webhooks/twilio/inbound", inbound, methods=["POST"], name="twilio_inbound"),
]
