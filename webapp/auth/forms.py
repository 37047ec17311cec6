"""Validation of the account forms."""

from __future__ import annotations

import re

from webapp.auth.passwords import MAX_LENGTH, MIN_LENGTH
from webapp.i18n import _
from webapp.web.forms import FormState

SECRET_FIELDS = ("password", "password_confirm", "current_password")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def account_email(form: FormState, name: str = "email") -> str | None:
    """The address to look an account up by. Only its shape is checked: accounts made on the
    command line may use addresses the sign-up form refuses (an intranet's ``.local``), and
    their owners must still be able to log in and reset their password."""
    value = form.text(name, max_length=254)
    if value and not _ADDRESS.fullmatch(value):
        form.error(name, _("Enter an e-mail address like name@example.org."))
        return None
    return value.lower() if value else None


def login_form(raw) -> tuple[FormState, str | None, str | None]:  # type: ignore[no-untyped-def]
    form = FormState(raw, secret=SECRET_FIELDS)
    email = account_email(form)
    password = form.password("password", min_length=1, max_length=MAX_LENGTH)
    return form, email, password


def new_password(form: FormState, name: str = "password") -> str | None:
    password = form.password(name, min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    confirm = form.raw.get("password_confirm")
    if password and confirm is not None and confirm != password:
        form.error("password_confirm", _("The two passwords are not the same."))
        return None
    return password


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only local paths: a log-in link must not send people to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
