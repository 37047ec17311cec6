"""The accessibility statement (with its report form), its edit page and the reported
problems (the operator's admins), and the privacy page.

The statement has one address per language: ``/tillganglighet`` (Swedish), ``/was`` (Danish,
as Danish law asks), ``/tilgjengelighet`` (Norwegian) and ``/accessibility``. A national
address opens in its language unless the reader chose one (the language switcher, or their
account's language); ``/accessibility`` follows the reader's language like every page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp import clock
from webapp.auth.guard import authorize
from webapp.i18n import current_locale, use_locale
from webapp.i18n.middleware import LANGUAGE_COOKIE
from webapp.statements import content, forms, privacy, service
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, limit_public_form, path_id
from webapp.web.templating import render


def _language(request: Request) -> str:
    """The page's language: the national address's, unless the reader chose one."""
    chosen = request.state.actor.locale or request.cookies.get(LANGUAGE_COOKIE)
    path_language = content.PATH_LANGUAGES.get(request.url.path)
    if path_language is None or path_language == "en" or chosen:
        return current_locale()
    return path_language


def _came_from(request: Request) -> str:
    """The page a reader reports about: ``?page=`` (the footer's link), else empty."""
    raw = request.query_params.get("page", "")
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/"):
        return ""
    return raw[:500]


async def _statement_page(request: Request, form: FormState, *, status_code: int = 200) -> Response:
    ctx = app_context(request)
    statement = await service.current(ctx)
    extra: dict[str, Any] = {}
    actor = request.state.actor
    if actor.is_authenticated:
        extra["open_reports"] = await service.open_reports(ctx, actor=actor)
    return render(
        request,
        "statements/accessibility.html",
        {
            "statement": statement,
            "authority": content.authority(statement.country),
            "compliance_labels": content.compliance_labels(),
            "form": form,
            "sent": request.query_params.get("sent") == "1",
            "saved": request.query_params.get("saved") == "1",
            "open_reports": None,
            **extra,
        },
        status_code=status_code,
        headers={"Content-Language": current_locale()},
    )


@answers
async def statement_page(request: Request) -> Response:
    with use_locale(_language(request)):
        if request.method == "GET":
            if request.url.path == content.PATHS["da"]:
                # The Danish short address leads to the statement made in Digitaliseringsstyrelsen's
                # WAS-Tool, when the operator has one.
                statement = await service.current(app_context(request))
                if statement.was_url:
                    return RedirectResponse(statement.was_url, status_code=302)
            return await _statement_page(request, forms.report_start(_came_from(request)))
        await limit_public_form(request, "accessibility")
        form, values = forms.report_form(await request.form(max_files=0))
        if not form.ok:
            return await _statement_page(request, form, status_code=400)
        await service.report(app_context(request), values=values, language=current_locale())
        return RedirectResponse(f"{request.url.path}?sent=1#report-sent", status_code=303)


def _today(request: Request) -> Any:
    return clock.now().astimezone(app_context(request).settings.tz).date()


@answers
async def edit(request: Request) -> Response:
    ctx = app_context(request)
    actor = authorize(request, "statement.manage", await service.operator(ctx))
    statement = await service.for_editing(ctx, actor=actor)
    if request.method == "GET":
        form = FormState.initial(statement.values(_today(request)))
        status_code = 200
    else:
        form, values = forms.statement_form(await request.form(max_files=0), today=_today(request))
        if form.ok:
            await service.save(ctx, actor=actor, values=values)
            return RedirectResponse("/accessibility?saved=1", status_code=303)
        status_code = 400
    return render(
        request,
        "statements/edit.html",
        {
            "statement": statement,
            "form": form,
            "compliance_labels": content.compliance_labels(),
            "authority": content.authority(statement.country),
        },
        status_code=status_code,
    )


@answers
async def reports(request: Request) -> Response:
    ctx = app_context(request)
    authorize(request, "statement.manage", await service.operator(ctx))
    found = await service.reports(ctx, actor=request.state.actor)
    return render(
        request,
        "statements/reports.html",
        {"reports": found, "done": request.query_params.get("done")},
    )


@answers
async def report_handled(request: Request) -> Response:
    ctx = app_context(request)
    actor = authorize(request, "statement.manage", await service.operator(ctx))
    handled = (await request.form(max_files=0)).get("handled") != "0"
    await service.mark_handled(
        ctx, actor=actor, report_id=path_id(request, "report_id"), handled=handled
    )
    return RedirectResponse("/accessibility/reports", status_code=303)


@answers
async def report_delete(request: Request) -> Response:
    ctx = app_context(request)
    actor = authorize(request, "statement.manage", await service.operator(ctx))
    await service.delete_report(ctx, actor=actor, report_id=path_id(request, "report_id"))
    return RedirectResponse("/accessibility/reports?done=deleted", status_code=303)


async def privacy_page(request: Request) -> Response:
    ctx = app_context(request)
    statement = await service.current(ctx)
    return render(
        request,
        "statements/privacy.html",
        {
            "statement": statement,
            "records": privacy.records(ctx.settings),
            "processors": privacy.processors(ctx.settings),
            "accessibility_path": content.PATHS.get(current_locale(), "/accessibility"),
        },
    )


_PAGE = ["GET", "POST"]

routes = [
    Route("/accessibility", statement_page, methods=_PAGE, name="accessibility"),
    Route("/tillganglighet", statement_page, methods=_PAGE, name="accessibility_sv"),
    Route("/was", statement_page, methods=_PAGE, name="accessibility_da"),
    Route("/tilgjengelighet", statement_page, methods=_PAGE, name="accessibility_nb"),
    Route("/accessibility/edit", edit, methods=_PAGE, name="edit_accessibility"),
    Route("/accessibility/reports", reports, name="accessibility_reports"),
    Route(
        "/accessibility/reports/{report_id:int}/handled",
        report_handled,
        methods=["POST"],
        name="accessibility_report_handled",
    ),
    Route(
        "/accessibility/reports/{report_id:int}/delete",
        report_delete,
        methods=["POST"],
        name="accessibility_report_delete",
    ),
    Route("/privacy", privacy_page, name="privacy"),
]
