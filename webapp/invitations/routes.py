"""The invitation plan's pages: the plan of an event (audiences, channels, share links with
their visits), forms for an audience and a channel, a channel's share kit, a link's QR code,
and the public tracked link ``/l/{code}``."""

from __future__ import annotations

import io
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.events.vocabulary import language_labels
from webapp.i18n import _
from webapp.invitations import forms, posters, results, service, vocabulary
from webapp.orgs import service as orgs
from webapp.problems import Invalid, NotFound
from webapp.web import errors
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, path_id
from webapp.web.templating import render

FORM = ["GET", "POST"]


def _base(event_id: int) -> str:
    return f"/events/{event_id}/invitations"


def _choices() -> dict[str, Any]:
    return {
        "kind_labels": vocabulary.kind_labels(),
        "kind_hints": vocabulary.kind_hints(),
        "status_labels": vocabulary.status_labels(),
        "language_labels": language_labels(),
    }


def _plan_page(
    request: Request, plan: service.Plan, *, audience_form: FormState | None = None,
    link_form: FormState | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "invitations/plan.html",
        {"plan": plan, "event": plan.event.row, "tz": plan.event.tz, "base": _base(plan.event.id),
         "audience_form": audience_form or FormState(), "link_form": link_form or FormState(),
         "link_url": lambda code: service.link_url(app_context(request), code),
         "poster_language": lambda language: posters.poster_language(
             language, plan.event.row.library_country
         ), **_choices()},
        status_code=status_code,
    )  # fmt: skip


@answers
async def plan(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    found = await service.plan(
        app_context(request), actor=actor, event_id=path_id(request, "event_id")
    )
    return _plan_page(request, found)


@answers
async def add_audience(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    form, values = forms.audience_form(await request.form(max_files=0))
    if values is not None:
        try:
            audience_id = await service.add_audience(
                ctx, actor=actor, event_id=event_id, values=values
            )
            return RedirectResponse(
                f"{_base(event_id)}?added={audience_id}#audience-{audience_id}", 303
            )
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error(name, message)
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    return _plan_page(request, found, audience_form=form, status_code=400)


def _audience(found: service.Plan, audience_id: int) -> service.Audience:
    audience = next((a for a in found.audiences if a.row.id == audience_id), None)
    if audience is None:
        raise NotFound()
    return audience


@answers
async def edit_audience(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    audience_id = path_id(request, "audience_id")
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    audience = _audience(found, audience_id)
    if request.method == "GET":
        form = FormState.initial(
            {"name": audience.row.name, "language": audience.row.language,
             "size": "" if audience.row.size is None else str(audience.row.size)}
        )  # fmt: skip
    else:
        form, values = forms.audience_form(await request.form(max_files=0))
        if values is not None:
            try:
                await service.update_audience(
                    ctx, actor=actor, event_id=event_id, audience_id=audience_id, values=values
                )
                return RedirectResponse(f"{_base(event_id)}?saved=1#audience-{audience_id}", 303)
            except Invalid as problem:
                for name, message in problem.errors.items():
                    form.error(name, message)
    return render(
        request,
        "invitations/audience.html",
        {"plan": found, "event": found.event.row, "audience": audience, "form": form,
         "base": _base(event_id), **_choices()},
        status_code=400 if request.method == "POST" else 200,
    )  # fmt: skip


@answers
async def delete_audience(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id = path_id(request, "event_id")
    await service.delete_audience(
        app_context(request), actor=actor, event_id=event_id,
        audience_id=path_id(request, "audience_id"),
    )  # fmt: skip
    return RedirectResponse(f"{_base(event_id)}?deleted=audience", 303)


@answers
async def channel(request: Request) -> Response:
    """A new channel for an audience (``audience_id`` in the path) or an existing one."""
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    existing = None
    if "channel_id" in request.path_params:
        channel_id = path_id(request, "channel_id")
        existing = next(
            (c for a in found.audiences for c in a.channels if c.row.id == channel_id), None
        )
        if existing is None:
            raise NotFound()
        audience = _audience(found, existing.row.audience_id)
    else:
        audience = _audience(found, path_id(request, "audience_id"))
    if request.method == "GET":
        row = existing.row if existing else None
        form = FormState.initial(
            {"kind": row.kind if row else request.query_params.get("kind", ""),
             "message": row.message if row else "",
             "send_on": row.send_on.isoformat() if row and row.send_on else "",
             "responsible_id": str(row.responsible_id) if row and row.responsible_id else "",
             "status": row.status if row else "planned"}
        )  # fmt: skip
    else:
        form, values = forms.channel_form(await request.form(max_files=0), found.responsible)
        if values is not None:
            try:
                if existing is None:
                    made = await service.add_channel(
                        ctx, actor=actor, event_id=event_id, audience_id=audience.row.id,
                        values=values,
                    )  # fmt: skip
                else:
                    made = existing.row.id
                    await service.update_channel(
                        ctx, actor=actor, event_id=event_id, channel_id=made, values=values
                    )
                return RedirectResponse(f"{_base(event_id)}?saved=1#channel-{made}", 303)
            except Invalid as problem:
                for name, message in problem.errors.items():
                    form.error(name, message)
    return render(
        request,
        "invitations/channel.html",
        {"plan": found, "event": found.event.row, "audience": audience, "channel": existing,
         "form": form, "base": _base(event_id), **_choices()},
        status_code=400 if request.method == "POST" else 200,
    )  # fmt: skip


@answers
async def delete_channel(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id = path_id(request, "event_id")
    await service.delete_channel(
        app_context(request), actor=actor, event_id=event_id,
        channel_id=path_id(request, "channel_id"),
    )  # fmt: skip
    return RedirectResponse(f"{_base(event_id)}?deleted=channel", 303)


@answers
async def share_kit(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    kit = await service.share_kit(
        ctx, actor=actor, event_id=event_id, channel_id=path_id(request, "channel_id")
    )
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    return render(
        request,
        "invitations/share.html",
        {"kit": kit, "event": found.event.row, "base": _base(event_id),
         "language_labels": language_labels()},
    )  # fmt: skip


@answers
async def add_link(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    form, values = forms.link_form(await request.form(max_files=0), found.responsible)
    if values is not None:
        try:
            link_id = await service.add_link(ctx, actor=actor, event_id=event_id, **values)
            return RedirectResponse(f"{_base(event_id)}?saved=1#link-{link_id}", 303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error("link_organisation" if name == "responsible_id" else name, message)
    return _plan_page(request, found, link_form=form, status_code=400)


@answers
async def delete_link(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    event_id = path_id(request, "event_id")
    await service.delete_link(
        app_context(request), actor=actor, event_id=event_id, link_id=path_id(request, "link_id")
    )
    return RedirectResponse(f"{_base(event_id)}?deleted=link", 303)


@answers
async def link_qr(request: Request) -> Response:
    """The link's QR code as SVG (for print: scales without blur), for the event's people."""
    actor = authorize(request, "account.manage")
    ctx, event_id = app_context(request), path_id(request, "event_id")
    found = await service.plan(ctx, actor=actor, event_id=event_id)
    link_id = path_id(request, "link_id")
    links = [c.link for a in found.audiences for c in a.channels if c.link] + found.named_links
    chosen = next((link for link in links if link.id == link_id), None)
    if chosen is None:
        raise NotFound()
    out = io.BytesIO()
    segno.make(service.link_url(ctx, chosen.code), error="m").save(
        out, kind="svg", scale=8, border=4, title=chosen.name
    )
    return Response(
        out.getvalue(),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="qr-{chosen.code}.svg"',
                 "Cache-Control": "private, max-age=3600"},
    )  # fmt: skip


@answers
async def channel_poster(request: Request) -> Response:
    """A poster (A4, A3) or a sheet of two A5 flyers of a channel, as PDF."""
    actor = authorize(request, "account.manage")
    try:
        made = await posters.poster(
            app_context(request), actor=actor, event_id=path_id(request, "event_id"),
            channel_id=path_id(request, "channel_id"), size=request.path_params["size"],
        )  # fmt: skip
    except Invalid as problem:
        return Response(
            "; ".join(problem.errors.values()), status_code=409, media_type="text/plain"
        )
    except posters.PosterUnavailable:
        return errors.unavailable_page(
            request,
            _("The poster could not be made right now. Try again in a few minutes."),
            retry_after=60,
        )
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{made.filename}"',
                 "Cache-Control": "private, no-cache"},
    )  # fmt: skip


@answers
async def event_results(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    found = await results.of_event(
        app_context(request), actor=actor, event_id=path_id(request, "event_id")
    )
    labels = vocabulary.line_labels()
    return render(
        request,
        "invitations/results.html",
        {"results": found, "kind_label": lambda kind: labels.get(kind, kind)},
    )


@answers
async def partner_results(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx = app_context(request)
    organisation = await orgs.organisation(ctx, request.path_params["slug"])
    found = await results.of_partner(ctx, actor=actor, organisation=organisation)
    labels = vocabulary.line_labels()
    return render(
        request,
        "invitations/partner_results.html",
        {"org": organisation, "events": found,
         "all": results.Results(lines=results.by_kind(found)),
         "kind_label": lambda kind: labels.get(kind, kind)},
    )  # fmt: skip


async def visit(request: Request) -> Response:
    """A tracked link: count the visit, go to the event's public page."""
    try:
        event_id = await service.visit(app_context(request), request.path_params["code"])
    except NotFound:
        return Response("Not found", status_code=404, media_type="text/plain")
    # The link goes along in the address, so an RSVP made on the page records it.
    code = request.path_params["code"].lower()
    return RedirectResponse(
        f"/events/{event_id}?via={code}", status_code=302, headers={"Cache-Control": "no-store"}
    )


EVENT = "/events/{event_id:int}/invitations"
routes = [
    Route(EVENT, plan, name="invitations"),
    Route(EVENT + "/audiences", add_audience, methods=["POST"], name="add_audience"),
    Route(EVENT + "/audiences/{audience_id:int}", edit_audience, methods=FORM, name="audience"),
    Route(
        EVENT + "/audiences/{audience_id:int}/delete",
        delete_audience,
        methods=["POST"],
        name="delete_audience",
    ),  # fmt: skip
    Route(
        EVENT + "/audiences/{audience_id:int}/channels",
        channel,
        methods=FORM,
        name="new_channel",
    ),  # fmt: skip
    Route(EVENT + "/channels/{channel_id:int}", channel, methods=FORM, name="channel"),
    Route(
        EVENT + "/channels/{channel_id:int}/delete",
        delete_channel,
        methods=["POST"],
        name="delete_channel",
    ),  # fmt: skip
    Route(EVENT + "/channels/{channel_id:int}/share", share_kit, name="share_kit"),
    Route(
        EVENT + "/channels/{channel_id:int}/poster-{size}.pdf",
        channel_poster,
        name="channel_poster",
    ),  # fmt: skip
    Route(EVENT + "/links", add_link, methods=["POST"], name="add_link"),
    Route(EVENT + "/links/{link_id:int}/qr.svg", link_qr, name="link_qr"),
    Route(EVENT + "/links/{link_id:int}/delete", delete_link, methods=["POST"], name="delete_link"),
    Route("/events/{event_id:int}/results", event_results, name="event_results"),
    Route("/orgs/{slug}/results", partner_results, name="partner_results"),
    Route("/l/{code}", visit, name="share_link"),
]
