"""Validation of organisation forms."""

from __future__ import annotations

from webapp.auth.forms import SECRET_FIELDS, new_password
from webapp.i18n import _
from webapp.orgs.service import NewAccount
from webapp.web.forms import FormState

ACCOUNT_FIELDS = ("name", "email", "password", "password_confirm")
ORGANISATION_FIELDS = ("org_name", "description", "website", "library_id", "message")


def one_value_each(form: FormState, names: tuple[str, ...]) -> None:
    """A field sent more than once is an error, never silently its last value (no page of
    ours sends that; a crafted request does)."""
    getlist = getattr(form.raw, "getlist", None)
    for name in names:
        if getlist is not None and len(getlist(name)) > 1:
            form.error(name, _("The request could not be understood."))


def account_fields(form: FormState, locale: str | None) -> NewAccount | None:
    one_value_each(form, ACCOUNT_FIELDS)
    name = form.text("name", max_length=120)
    email = form.email("email")
    password = new_password(form)
    if name and email and password:
        return NewAccount(name=name, email=email, password=password, locale=locale)
    return None


def signup_form(raw, library_ids: list[int], locale: str):  # type: ignore[no-untyped-def]
    form = FormState(raw, secret=SECRET_FIELDS)
    one_value_each(form, ORGANISATION_FIELDS)
    org_name = form.text("org_name", max_length=160, min_length=2)
    description = form.text("description", required=False, max_length=2000, multiline=True)
    website = form.url("website")
    library = form.choice("library_id", [str(i) for i in library_ids])
    message = form.text("message", required=False, max_length=2000, multiline=True)
    account = account_fields(form, locale)
    data = {
        "name": org_name,
        "description": description or "",
        "website": website or "",
        "library_id": int(library) if library else None,
        "message": message or "",
    }
    return form, account, data


def organisation_form(raw):  # type: ignore[no-untyped-def]
    form = FormState(raw)
    data = {
        "name": form.text("name", max_length=160, min_length=2),
        "description": form.text("description", required=False, max_length=2000, multiline=True)
        or "",
        "website": form.url("website") or "",
        "email": form.email("email", required=False) or "",
    }
    return form, data
