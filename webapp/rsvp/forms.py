"""The RSVP form (on the event page) and the personal page's change form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.contacts import phones
from webapp.i18n import _
from webapp.web.forms import FormState

MAX_PARTY = 20


def rsvp_form(raw: Any, dates: Iterable[int], region: str) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    choices = [str(d) for d in dates]
    chosen = form.choice("occurrence_id", choices) if len(choices) > 1 else None
    phone_text = form.text("phone", required=False, max_length=40) or ""
    phone = None
    if phone_text:
        try:
            phone = phones.parse(phone_text, region)
        except phones.BadNumber:
            form.error("phone", _("Write a mobile number, like 070-123 45 67, or leave it empty."))
    key = form.text("request_key", required=False, max_length=64) or ""
    values = {
        "name": form.text("name", max_length=120),
        "phone": phone,
        "party_size": form.integer("party_size", minimum=1, maximum=MAX_PARTY),
        "occurrence_id": int(chosen) if chosen else (int(choices[0]) if choices else None),
        "request_key": key,
        "via": (form.text("via", required=False, max_length=16) or None),
    }
    return form, values


def party_form(raw: Any) -> tuple[FormState, int | None]:
    form = FormState(raw)
    return form, form.integer("party_size", minimum=1, maximum=MAX_PARTY)
