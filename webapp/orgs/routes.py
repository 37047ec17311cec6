"""Organisation pages: association sign-up, dashboard, members, invitations, approvals.

No page takes files: ``request.form(max_files=0)`` answers a crafted upload with 400.
"""

from __future__ import annotations

from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize
from webapp.auth.routes import client_ip
from webapp.auth.service import open_session
from webapp.context import Context
from webapp.i18n import _
from webapp.orgs import forms, service
from webapp.orgs import store as org_store
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.web.forms import FormState
from webapp.web.routing import limit_public_form
from webapp.web.templating import render


def _ctx(request: Request) -> Context:
    return request.app.state.ctx


async def _org(request: Request) -> Row:
    try:
        return await service.organisation(_ctx(request), request.path_params["slug"])
    except NotFound:
        raise HTTPException(status_code=404) from None


def _int_param(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        raise HTTPException(status_code=404) from None


async def home(request: Request) -> Response:
    return render(request, "home.html", {})


async def signup(request: Request) -> Response:
    ctx = _ctx(request)
    async with ctx.db.read() as conn:
        libraries = await org_store.active_libraries(conn)
    context = {"libraries": libraries, "library_options": [(lib.id, lib.name) for lib in libraries]}
    if request.method == "GET":
        return render(request, "orgs/signup.html", {**context, "form": FormState()})
    await limit_public_form(request, "signup")  # 429 past the per-address limit
    raw = await request.form(max_files=0)
    form, account, data = forms.signup_form(
        raw, [lib.id for lib in libraries], request.state.locale
    )
    if form.ok and account and data["name"] and data["library_id"]:
        try:
            user_id = await service.sign_up_association(ctx, account=account, **data)
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return await _logged_in(request, user_id, "/dashboard?welcome=1")
    return render(request, "orgs/signup.html", {**context, "form": form}, status_code=400)


async def dashboard(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx = _ctx(request)
    cards = []
    async with ctx.db.read() as conn:
        for membership in actor.organisations():
            pending = 0
            partnerships: list[Row] = []
            if membership.kind == "library" and membership.role == "admin":
                pending = await org_store.count_pending_partnerships(
                    conn, membership.organisation_id
                )
            if membership.kind == "association":
                partnerships = await org_store.partnerships_of_association(
                    conn, membership.organisation_id
                )
            cards.append({"m": membership, "pending": pending, "partnerships": partnerships})
    return render(
        request,
        "orgs/dashboard.html",
        {"cards": cards, "welcome": "welcome" in request.query_params},
    )


async def organisation(request: Request) -> Response:
    org = await _org(request)
    authorize(request, "org.view", org)
    details = await service.overview(_ctx(request), org)
    return render(request, "orgs/organisation.html", {"org": org, **details})


async def edit_organisation(request: Request) -> Response:
    org = await _org(request)
    actor = authorize(request, "org.edit", org)
    if request.method == "GET":
        form = FormState.initial(
            {
                "name": org.name,
                "description": org.description,
                "website": org.website,
                "email": org.email,
            }
        )
        return render(request, "orgs/edit.html", {"org": org, "form": form})
    form, data = forms.organisation_form(await request.form(max_files=0))
    if form.ok and data["name"]:
        await service.edit_organisation(_ctx(request), actor=actor, org=org, **data)
        return RedirectResponse(f"/orgs/{org.slug}?saved=1", status_code=303)
    return render(request, "orgs/edit.html", {"org": org, "form": form}, status_code=400)


async def members(request: Request) -> Response:
    org = await _org(request)
    actor = authorize(request, "org.members.view", org)
    ctx = _ctx(request)
    invite_form = FormState.initial({"role": service.allowed_roles(org)[-1]})
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        raw = await request.form(max_files=0)
        action = raw.get("action")
        # Only admins change anything: others get 403 whatever they sent, before any checks.
        needed = "org.invite" if action in ("invite", "revoke") else "org.members.manage"
        authorize(request, needed, org)
        try:
            if action == "invite":
                invite_form = FormState(raw)
                email = invite_form.email("email")
                role = invite_form.choice("role", service.allowed_roles(org))
                if invite_form.ok and email and role:
                    await service.invite(ctx, actor=actor, org=org, email=email, role=role)
                    return RedirectResponse(f"/orgs/{org.slug}/members?invited=1", status_code=303)
                status = 400
            elif action == "role":
                await service.change_role(
                    ctx,
                    actor=actor,
                    org=org,
                    membership_id=_form_int(raw, "membership_id"),
                    role=str(raw.get("role", "")),
                )
                return RedirectResponse(f"/orgs/{org.slug}/members?saved=1", status_code=303)
            elif action == "remove":
                await service.remove_member(
                    ctx, actor=actor, org=org, membership_id=_form_int(raw, "membership_id")
                )
                return RedirectResponse(f"/orgs/{org.slug}/members?removed=1", status_code=303)
            elif action == "revoke":
                await service.revoke_invitation(
                    ctx, actor=actor, org=org, invitation_id=_form_int(raw, "invitation_id")
                )
                return RedirectResponse(f"/orgs/{org.slug}/members?revoked=1", status_code=303)
            else:
                raise HTTPException(status_code=400)
        except Invalid as exc:
            if action == "invite":
                invite_form.errors.update(exc.errors)
            else:
                errors.update(exc.errors)
            status = 400
        except Forbidden:
            raise HTTPException(status_code=403) from None
        except NotFound:
            raise HTTPException(status_code=404) from None
    return render(
        request,
        "orgs/members.html",
        {
            "org": org,
            "members": await service.members(ctx, org),
            "invitations": await service.open_invitations(ctx, org),
            "invite_form": invite_form,
            "roles": service.allowed_roles(org),
            "errors": errors,
            "flash": next(
                (
                    k
                    for k in ("invited", "saved", "removed", "revoked")
                    if k in request.query_params
                ),
                None,
            ),
        },
        status_code=status,
    )


def _form_int(raw, name: str) -> int:  # type: ignore[no-untyped-def]
    value = raw.get(name)
    if not isinstance(value, str) or not value.isdigit():
        raise HTTPException(status_code=400)
    return int(value)


async def associations(request: Request) -> Response:
    library = await _org(request)
    actor = authorize(request, "library.associations.review", library)
    ctx = _ctx(request)
    errors: dict[str, str] = {}
    failed_id = None
    status = 200
    form = FormState()
    if request.method == "POST":
        raw = await request.form(max_files=0)
        form = FormState(raw)
        decision = form.choice("decision", ("approve", "reject"))
        reason = form.text("reason", required=False, max_length=1000, multiline=True) or ""
        partnership_id = _form_int(raw, "partnership_id")
        if form.ok and decision:
            try:
                await service.decide_association(
                    ctx,
                    actor=actor,
                    library=library,
                    partnership_id=partnership_id,
                    approve=decision == "approve",
                    reason=reason,
                )
            except Invalid as exc:
                errors, failed_id, status = exc.errors, partnership_id, 400
            except NotFound:
                raise HTTPException(status_code=404) from None
            else:
                return RedirectResponse(
                    f"/orgs/{library.slug}/associations?decided={decision}", status_code=303
                )
        else:
            errors, failed_id, status = form.errors, partnership_id, 400
    requests = await service.association_requests(ctx, library)
    return render(
        request,
        "orgs/associations.html",
        {
            "org": library,
            "pending": [r for r in requests if r.status == "pending"],
            "decided": [r for r in requests if r.status != "pending"],
            "errors": errors,
            "failed_id": failed_id,
            "typed_reason": form.values.get("reason", ""),
            "decided_flash": request.query_params.get("decided"),
        },
        status_code=status,
    )


async def accept_invitation(request: Request) -> Response:
    ctx = _ctx(request)
    token = request.path_params["token"]
    try:
        found = await service.invitation(ctx, token)
    except NotFound:
        return render(
            request,
            "orgs/invitation.html",
            {"invitation": None, "form": FormState()},
            status_code=404,
        )
    actor = request.state.actor
    form = FormState.initial({"email": found.email})
    if request.method == "POST":
        raw = await request.form(max_files=0)
        account = None
        if not actor.is_authenticated:
            form = FormState(raw, secret=("password", "password_confirm"))
            account = forms.account_fields(form, request.state.locale)
            if account and account.email != found.email.lower():
                form.error("email", _email_mismatch())
                account = None
        if form.ok and (actor.is_authenticated or account):
            try:
                user_id = await service.accept_invitation(
                    ctx, token=token, actor=actor, account=account
                )
            except Invalid as exc:
                form.errors.update(exc.errors)
            except NotFound:
                raise HTTPException(status_code=404) from None
            else:
                if actor.is_authenticated:
                    return RedirectResponse(f"/orgs/{found.organisation_slug}", status_code=303)
                return await _logged_in(request, user_id, f"/orgs/{found.organisation_slug}")
        return render(
            request, "orgs/invitation.html", {"invitation": found, "form": form}, status_code=400
        )
    return render(request, "orgs/invitation.html", {"invitation": found, "form": form})


async def _logged_in(request: Request, user_id: int, target: str) -> Response:
    """Redirect a person who has just created their account, logged in."""
    key = await open_session(
        _ctx(request),
        user_id=user_id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        cookie=request.app.state.session_cookie,
    )
    response = RedirectResponse(target, status_code=303)
    request.app.state.session_cookie.set(response, key)
    return response


def _email_mismatch() -> str:
    return _("Use the e-mail address the invitation was sent to.")


routes = [
    Route("/", home, name="home"),
    Route("/signup", signup, methods=["GET", "POST"], name="signup"),
    Route("/dashboard", dashboard, name="dashboard"),
    Route("/invitations/{token}", accept_invitation, methods=["GET", "POST"], name="invitation"),
    Route("/orgs/{slug}", organisation, name="organisation"),
    Route(
        "/orgs/{slug}/edit", edit_organisation, methods=["GET", "POST"], name="edit_organisation"
    ),
    Route("/orgs/{slug}/members", members, methods=["GET", "POST"], name="members"),
    Route("/orgs/{slug}/associations", associations, methods=["GET", "POST"], name="associations"),
]
