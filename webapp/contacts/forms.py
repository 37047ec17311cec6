"""Validation of the contact form and the search, and the form's first values when editing."""

from __future__ import annotations

from typing import Any

from webapp import clock
from webapp.contacts import phones
from webapp.contacts.csvimport import MAX_TAG
from webapp.contacts.service import Contact
from webapp.contacts.vocabulary import CONSENT_SOURCES
from webapp.events.vocabulary import LANGUAGES
from webapp.i18n import _
from webapp.web.forms import FormState, without_control

MAX_TAGS = 20


def contact_form(raw: Any, region: str) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values: dict[str, Any] = {
        "name": form.text("name", max_length=160),
        "phone": _phone(form, region),
        "language": form.choice("language", LANGUAGES, required=False),
        "tags": _tags(form),
        "consent_source": form.choice("consent_source", CONSENT_SOURCES),
        "consent_on": form.date("consent_on"),
        "consent_note": form.text("consent_note", required=False, max_length=1000, multiline=True),
    }
    consent_on = values["consent_on"]
    if consent_on is not None and consent_on > clock.now().date():
        form.error("consent_on", _("The date of the consent cannot be in the future."))
    return form, values


def _phone(form: FormState, region: str) -> str | None:
    raw = form.text("phone", max_length=40)
    if raw is None:
        return None
    try:
        return phones.parse(raw, region)
    except phones.BadNumber as problem:
        form.error("phone", str(problem))
        return None


def _tags(form: FormState) -> list[str]:
    raw = form.text("tags", required=False, max_length=1000) or ""
    found: dict[str, str] = {}
    for part in raw.split(","):
        tag = " ".join(part.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            form.error("tags", _("A tag may have at most %(num)d characters.", num=MAX_TAG))
            return []
        found.setdefault(tag.lower(), tag)
    if len(found) > MAX_TAGS:
        form.error("tags", _("Use at most %(num)d tags.", num=MAX_TAGS))
        return []
    return list(found.values())


def initial(found: Contact) -> FormState:
    row = found.row
    return FormState.initial(
        {
            "name": row.name,
            "phone": phones.display(row.phone),
            "language": row.language or "",
            "tags": ", ".join(found.tags),
            "consent_source": row.consent_source,
            "consent_on": row.consent_on.isoformat(),
            "consent_note": row.consent_note,
        }
    )


def search(raw: Any) -> tuple[str, str | None, int]:
    """The search words, the tag and the page from the list's query string (never an error:
    a page number we did not make is the first page)."""
    text = " ".join(without_control(str(raw.get("q", "")))[:100].split())
    tag = " ".join(without_control(str(raw.get("tag", "")))[:MAX_TAG].split()) or None
    page_raw = str(raw.get("page", ""))
    page = int(page_raw) if page_raw.isdigit() and 0 < int(page_raw) <= 10_000 else 1
    return text, tag, page
