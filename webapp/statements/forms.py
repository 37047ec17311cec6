"""Validation of the statement's edit form and of the report form readers send."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from webapp.i18n import _
from webapp.statements.content import COMPLIANCE
from webapp.web.forms import FormState

_PHONE = re.compile(r"\+?[0-9 ()-]{5,40}")


def statement_form(raw: Any, *, today: date) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values: dict[str, Any] = {
        "compliance": form.choice("compliance", COMPLIANCE),
        "known_problems": form.text(
            "known_problems", required=False, max_length=10000, multiline=True
        ),
        "tested_how": form.text("tested_how", max_length=5000, multiline=True),
        "report_email": form.email("report_email", required=False),
        "report_phone": _phone(form, "report_phone"),
        "uustatus_url": _address(form, "uustatus_url", "uustatus.no"),
        "was_url": _address(form, "was_url", "was.digst.dk"),
        "privacy_email": form.email("privacy_email", required=False),
        "privacy_note": form.text("privacy_note", required=False, max_length=5000, multiline=True),
        "assessed_on": _past_date(form, "assessed_on", today),
        "reviewed_on": _past_date(form, "reviewed_on", today),
    }
    assessed, reviewed = values["assessed_on"], values["reviewed_on"]
    if assessed and reviewed and reviewed < assessed:
        form.error("reviewed_on", _("The review cannot be before the assessment."))
    return form, values


def _phone(form: FormState, name: str) -> str | None:
    value = form.text(name, required=False, max_length=40)
    if value and not _PHONE.fullmatch(value):
        form.error(name, _("Enter a phone number with digits, like 040-123 45 67."))
        return None
    return value


def _address(form: FormState, name: str, host: str) -> str | None:
    """An https address on ``host`` (the national statement services)."""
    value = form.url(name)
    if not value:
        return value
    parts = urlsplit(value)
    found = (parts.hostname or "").lower().removeprefix("www.")
    if parts.scheme != "https" or found != host:
        form.error(name, _("Enter the address of your statement on %(host)s.", host=host))
        return None
    return value


def _past_date(form: FormState, name: str, today: date) -> date | None:
    value = form.date(name)
    if value and value > today:
        form.error(name, _("The date cannot be in the future."))
        return None
    return value


def report_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values = {
        "description": form.text("description", max_length=5000, multiline=True),
        "page": form.text("page", required=False, max_length=500),
        "name": form.text("name", required=False, max_length=120),
        "contact": form.text("contact", required=False, max_length=254),
    }
    return form, values


def report_start(page: str) -> FormState:
    """An empty report form, with the page the reader came from when known."""
    return FormState.initial({"description": "", "page": page, "name": "", "contact": ""})
