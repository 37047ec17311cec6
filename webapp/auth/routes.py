"""Account pages: log-in, log-out, password reset, own account, language choice.

No page takes files: ``request.form(max_files=0)`` answers a crafted upload with 400.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth import ratelimit, service
from webapp.auth.forms import SECRET_FIELDS, account_email, login_form, new_password, safe_next
from webapp.auth.guard import authorize
from webapp.auth.sessions import SessionCookie
from webapp.context import Context
from webapp.i18n import ngettext
from webapp.i18n.middleware import LANGUAGE_COOKIE
from webapp.problems import Invalid, TooManyAttempts
from webapp.settings import SUPPORTED_LOCALES
from webapp.web.forms import FormState
from webapp.web.templating import render


def _ctx(request: Request) -> Context:
    return request.app.state.ctx


def _cookie(request: Request) -> SessionCookie:
    return request.app.state.session_cookie


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        if request.state.actor.is_authenticated:
            return RedirectResponse(next_url, status_code=303)
        return render(request, "auth/login.html", {"form": FormState(), "next": next_url})
    raw = await request.form(max_files=0)
    next_url = safe_next(raw.get("next") if isinstance(raw.get("next"), str) else None)  # type: ignore[arg-type]
    form, email, password = login_form(raw)
    status = 400
    headers: dict[str, str] = {}
    if form.ok and email and password:
        try:
            result = await service.log_in(
                _ctx(request),
                email=email,
                password=password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
                cookie=_cookie(request),
                previous_session=request.state.session_key_hash,
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        except TooManyAttempts as exc:
            minutes = max(1, (exc.retry_after + 59) // 60)
            form.error(
                "email",
                ngettext(
                    "Too many attempts. Try again in %(num)d minute.",
                    "Too many attempts. Try again in %(num)d minutes.",
                    minutes,
                ),
            )
            status = 429
            headers["Retry-After"] = str(exc.retry_after)
        else:
            response = RedirectResponse(next_url, status_code=303)
            _cookie(request).set(response, result.session_key)
            return response
    return render(
        request,
        "auth/login.html",
        {"form": form, "next": next_url},
        status_code=status,
        headers=headers,
    )


async def logout(request: Request) -> Response:
    await service.log_out(_ctx(request), key_hash=request.state.session_key_hash)
    response = RedirectResponse("/", status_code=303)
    _cookie(request).clear(response)
    return response


async def forgot_password(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "auth/forgot.html", {"form": FormState(), "sent": False})
    form = FormState(await request.form(max_files=0))
    wait = await ratelimit.public_form(_ctx(request), "password-reset", client_ip(request))
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        form.error(
            "email",
            ngettext(
                "Too many requests from this network. Try again in %(num)d minute.",
                "Too many requests from this network. Try again in %(num)d minutes.",
                minutes,
            ),
        )
        return render(
            request,
            "auth/forgot.html",
            {"form": form, "sent": False},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    email = account_email(form)
    if not form.ok or not email:
        return render(request, "auth/forgot.html", {"form": form, "sent": False}, status_code=400)
    await service.request_password_reset(_ctx(request), email=email)
    return render(request, "auth/forgot.html", {"form": FormState(), "sent": True, "email": email})


async def reset_password(request: Request) -> Response:
    token = request.path_params["token"]
    ctx = _ctx(request)
    if await service.user_for_reset(ctx, token) is None:
        return render(
            request, "auth/reset.html", {"form": FormState(), "valid": False}, status_code=404
        )
    if request.method == "GET":
        return render(request, "auth/reset.html", {"form": FormState(), "valid": True})
    form = FormState(await request.form(max_files=0), secret=SECRET_FIELDS)
    password = new_password(form)
    if not form.ok or not password:
        return render(request, "auth/reset.html", {"form": form, "valid": True}, status_code=400)
    if not await service.reset_password(ctx, token=token, password=password):
        return render(
            request, "auth/reset.html", {"form": FormState(), "valid": False}, status_code=404
        )
    return RedirectResponse("/login?reset=1", status_code=303)


async def account(request: Request) -> Response:
    actor = authorize(request, "account.manage")
    ctx = _ctx(request)
    profile = FormState.initial({"name": actor.name, "locale": actor.locale or ""})
    password_form = FormState()
    saved = request.query_params.get("saved")
    status = 200
    if request.method == "POST":
        raw = await request.form(max_files=0)
        if raw.get("form") == "password":
            password_form = FormState(raw, secret=SECRET_FIELDS)
            current = password_form.password("current_password", min_length=1, max_length=256)
            new = new_password(password_form)
            if password_form.ok and current and new:
                try:
                    await service.change_password(
                        ctx,
                        actor=actor,
                        current=current,
                        new=new,
                        keep_session=request.state.session_key_hash,
                    )
                except Invalid as exc:
                    password_form.errors.update(exc.errors)
                else:
                    return RedirectResponse("/account?saved=password", status_code=303)
        else:
            profile = FormState(raw)
            name = profile.text("name", max_length=120)
            locale = profile.choice("locale", SUPPORTED_LOCALES, required=False)
            if profile.ok and name:
                await service.update_profile(ctx, actor=actor, name=name, locale=locale)
                response = RedirectResponse("/account?saved=profile", status_code=303)
                if locale:
                    _set_language_cookie(request, response, locale)
                else:
                    response.delete_cookie(
                        LANGUAGE_COOKIE, httponly=True, samesite="lax", secure=ctx.settings.https
                    )
                return response
        status = 400
    return render(
        request,
        "account/account.html",
        {"profile": profile, "password_form": password_form, "saved": saved},
        status_code=status,
    )


async def choose_language(request: Request) -> Response:
    """The language switcher: a POST form (works without JavaScript)."""
    raw = await request.form(max_files=0)
    locale = raw.get("lang")
    back = safe_next(raw.get("next") if isinstance(raw.get("next"), str) else None, "/")  # type: ignore[arg-type]
    response = RedirectResponse(back, status_code=303)
    if isinstance(locale, str) and locale in SUPPORTED_LOCALES:
        _set_language_cookie(request, response, locale)
        await service.remember_locale(_ctx(request), actor=request.state.actor, locale=locale)
    return response


def _set_language_cookie(request: Request, response: Response, locale: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        locale,
        max_age=365 * 86400,
        samesite="lax",
        httponly=True,
        secure=_ctx(request).settings.https,
    )


routes = [
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/password/forgot", forgot_password, methods=["GET", "POST"], name="forgot_password"),
    Route(
        "/password/reset/{token}", reset_password, methods=["GET", "POST"], name="reset_password"
    ),
    Route("/account", account, methods=["GET", "POST"], name="account"),
    Route("/language", choose_language, methods=["POST"], name="language"),
]
