"""The contact book's pages: list and search, add and edit, export, opt out, delete, and the
CSV import with its preview. Only the import form takes a file."""

from __future__ import annotations

import json

from sqlalchemy.engine import Row
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp import clock
from webapp.auth.guard import authorize
from webapp.contacts import forms, service
from webapp.contacts.vocabulary import consent_labels
from webapp.events.vocabulary import language_labels
from webapp.orgs import service as orgs
from webapp.problems import Invalid
from webapp.web.forms import FormState
from webapp.web.routing import answers, app_context, path_id
from webapp.web.templating import render

MAX_UPLOAD = service.MAX_IMPORT_BYTES + 64 * 1024


async def _organisation(request: Request) -> Row:
    return await orgs.organisation(app_context(request), request.path_params["slug"])


def _base(organisation: Row) -> str:
    return f"/orgs/{organisation.slug}/contacts"


def _choices() -> dict[str, object]:
    return {"consent_labels": consent_labels(), "language_labels": language_labels()}


@answers
async def contact_list(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    text, tag, page = forms.search(request.query_params)
    found = await service.book(
        app_context(request), actor=actor, organisation=organisation, text=text, tag=tag,
        page=page,
    )  # fmt: skip
    return render(
        request,
        "contacts/list.html",
        {"org": organisation, "book": found, "q": text, "tag": tag, "base": _base(organisation)},
    )


@answers
async def new_contact(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    ctx = app_context(request)
    if request.method == "GET":
        await service.book(ctx, actor=actor, organisation=organisation)  # who may
        form = FormState.initial({"consent_on": _today(request)})
        return _form_page(request, organisation, form, None)
    form, values = forms.contact_form(
        await request.form(max_files=0), service.region_of(organisation)
    )
    if form.ok:
        try:
            await service.create(ctx, actor=actor, organisation=organisation, values=values)
            return RedirectResponse(f"{_base(organisation)}?saved=1", status_code=303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error(name, message)
    return _form_page(request, organisation, form, None, status_code=400)


def _today(request: Request) -> str:
    return clock.now().astimezone(app_context(request).settings.tz).date().isoformat()


@answers
async def edit_contact(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    ctx = app_context(request)
    contact_id = path_id(request, "contact_id")
    found = await service.contact(
        ctx, actor=actor, organisation=organisation, contact_id=contact_id
    )
    if request.method == "GET":
        return _form_page(request, organisation, forms.initial(found), found)
    form, values = forms.contact_form(
        await request.form(max_files=0), service.region_of(organisation)
    )
    if form.ok:
        try:
            await service.update(
                ctx, actor=actor, organisation=organisation, contact_id=contact_id, values=values
            )
            return RedirectResponse(f"{_base(organisation)}?saved=1", status_code=303)
        except Invalid as problem:
            for name, message in problem.errors.items():
                form.error(name, message)
    return _form_page(request, organisation, form, found, status_code=400)


def _form_page(
    request: Request,
    organisation: Row,
    form: FormState,
    found: service.Contact | None,
    *,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "contacts/form.html",
        {"org": organisation, "form": form, "contact": found, "base": _base(organisation),
         **_choices()},
        status_code=status_code,
    )  # fmt: skip


@answers
async def delete_contact(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    await service.delete(
        app_context(request), actor=actor, organisation=organisation,
        contact_id=path_id(request, "contact_id"),
    )  # fmt: skip
    return RedirectResponse(f"{_base(organisation)}?deleted=1", status_code=303)


@answers
async def opt_out_contact(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    contact_id = path_id(request, "contact_id")
    await service.opt_out(
        app_context(request), actor=actor, organisation=organisation, contact_id=contact_id
    )
    return RedirectResponse(f"{_base(organisation)}/{contact_id}?opted_out=1", status_code=303)


@answers
async def export_contact(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    contact_id = path_id(request, "contact_id")
    data = await service.export(
        app_context(request), actor=actor, organisation=organisation, contact_id=contact_id
    )
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="contact-{contact_id}.json"',
            "Cache-Control": "no-store",
        },
    )


# Import ----------------------------------------------------------------------------------------


@answers
async def import_contacts(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    ctx = app_context(request)
    if request.method == "GET":
        await service.book(ctx, actor=actor, organisation=organisation)  # who may
        return _import_page(request, organisation, FormState())
    form = FormState()
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD:
        form.error("file", service.too_large_message())
        return _import_page(request, organisation, form, status_code=400)
    raw = await request.form(max_files=1)
    upload = raw.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    filename = upload.filename or "" if isinstance(upload, UploadFile) else ""
    await raw.close()
    try:
        import_id = await service.stage_import(
            ctx, actor=actor, organisation=organisation, filename=filename, data=data
        )
    except Invalid as problem:
        for name, message in problem.errors.items():
            form.error(name, message)
        return _import_page(request, organisation, form, status_code=400)
    return RedirectResponse(f"{_base(organisation)}/import/{import_id}", status_code=303)


def _import_page(
    request: Request, organisation: Row, form: FormState, *, status_code: int = 200
) -> Response:
    return render(
        request,
        "contacts/import.html",
        {"org": organisation, "form": form, "base": _base(organisation)},
        status_code=status_code,
    )


@answers
async def import_preview(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    organisation = await _organisation(request)
    ctx = app_context(request)
    import_id = path_id(request, "import_id")
    if request.method == "POST":
        written = await service.confirm_import(
            ctx, actor=actor, organisation=organisation, import_id=import_id
        )
        return RedirectResponse(f"{_base(organisation)}?imported={written}", status_code=303)
    staged, preview = await service.preview(
        ctx, actor=actor, organisation=organisation, import_id=import_id
    )
    return render(
        request,
        "contacts/preview.html",
        {"org": organisation, "staged": staged, "preview": preview, "base": _base(organisation),
         **_choices()},
    )  # fmt: skip


routes = [
    Route("/orgs/{slug}/contacts", contact_list, name="contacts"),
    Route("/orgs/{slug}/contacts/new", new_contact, methods=["GET", "POST"], name="new_contact"),
    Route(
        "/orgs/{slug}/contacts/import",
        import_contacts,
        methods=["GET", "POST"],
        name="import_contacts",
    ),
    Route(
        "/orgs/{slug}/contacts/import/{import_id:int}",
        import_preview,
        methods=["GET", "POST"],
        name="contact_import",
    ),
    Route(
        "/orgs/{slug}/contacts/{contact_id:int}",
        edit_contact,
        methods=["GET", "POST"],
        name="contact",
    ),
    Route(
        "/orgs/{slug}/contacts/{contact_id:int}/delete",
        delete_contact,
        methods=["POST"],
        name="delete_contact",
    ),
    Route(
        "/orgs/{slug}/contacts/{contact_id:int}/opt-out",
        opt_out_contact,
        methods=["POST"],
        name="opt_out_contact",
    ),
    Route(
        "/orgs/{slug}/contacts/{contact_id:int}/export.json",
        export_contact,
        name="export_contact",
    ),
]
