"""Pages of the partner directory (the actor map) for a library's staff and admins: the list
of partner associations with filters, and one partner with the form that describes the
relationship. Every form works without JavaScript; htmx only swaps the filtered list."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Row
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.partners import forms, service, vocabulary
from webapp.problems import Invalid, NotFound
from webapp.web.forms import FormState
from webapp.web.routing import answers as _answers
from webapp.web.routing import app_context as _ctx
from webapp.web.routing import library_from_path as _library
from webapp.web.templating import render

MAX_ID = 2**31 - 1


def _association_id(request: Request) -> int:
    value = request.path_params.get("association_id")
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound()
    return value


def _vocabulary() -> dict[str, Any]:
    return {
        "level_labels": vocabulary.level_labels(),
        "level_hints": vocabulary.level_hints(),
        "target_group_labels": vocabulary.target_group_labels(),
        "state_labels": vocabulary.state_labels(),
        "answer_labels": vocabulary.answer_labels(),
    }


@_answers
async def partners(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.partners.view", library)
    chosen = forms.filters(request.query_params)
    found = await service.directory(_ctx(request), actor=actor, library=library, filters=chosen)
    return render(
        request,
        "partners/list.html",
        {
            "org": library,
            "directory": found,
            "filters": chosen,
            "filter_form": forms.filter_form(chosen),
            **_vocabulary(),
        },
        block="results",
    )


def _partner_page(
    request: Request,
    library: Row,
    detail: service.PartnerDetail,
    form: FormState,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "partners/partner.html",
        {
            "org": library,
            "detail": detail,
            "partner": detail.partner.row,
            "form": form,
            "suggestion_error": (errors or {}).get("suggestion"),
            "done": request.query_params.get("done"),
            **_vocabulary(),
        },
        status_code=status_code,
    )


@_answers
async def partner(request: Request) -> Response:
    library = await _library(request)
    action = "library.partners.view" if request.method == "GET" else "library.partners.manage"
    actor = authorize(request, action, library)
    association_id = _association_id(request)
    ctx = _ctx(request)
    detail = await service.partner(ctx, actor=actor, library=library, association_id=association_id)
    if request.method == "GET":
        return _partner_page(request, library, detail, forms.existing_partner(detail.partner.row))
    form, values = forms.partner_form(await request.form(max_files=0))
    if form.ok:
        try:
            changed = await service.update_partner(
                ctx, actor=actor, library=library, association_id=association_id, values=values
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return _done(request, library, association_id, "saved" if changed else "unchanged")
    return _partner_page(request, library, detail, form, status_code=400)


@_answers
async def accept_suggestion(request: Request) -> Response:
    library = await _library(request)
    actor = authorize(request, "library.partners.manage", library)
    association_id = _association_id(request)
    ctx = _ctx(request)
    level = (await request.form(max_files=0)).get("level")
    try:
        await service.accept_suggestion(
            ctx,
            actor=actor,
            library=library,
            association_id=association_id,
            level=level if isinstance(level, str) else "",
        )
    except Invalid as exc:
        detail = await service.partner(
            ctx, actor=actor, library=library, association_id=association_id
        )
        form = forms.existing_partner(detail.partner.row)
        return _partner_page(request, library, detail, form, errors=exc.errors, status_code=409)
    return _done(request, library, association_id, "level-accepted")


def _done(request: Request, library: Row, association_id: int, what: str) -> RedirectResponse:
    url = request.app.url_path_for("partner", slug=library.slug, association_id=association_id)
    return RedirectResponse(f"{url}?done={what}", status_code=303)


BASE = "/orgs/{slug}/partners"
PARTNER = BASE + "/{association_id:int}"

routes = [
    Route(BASE, partners, name="partners"),
    Route(PARTNER, partner, methods=["GET", "POST"], name="partner"),
    Route(PARTNER + "/suggestion", accept_suggestion, methods=["POST"], name="partner_suggestion"),
]
