"""Forms of the invitation plan: an audience, a channel, a named share link."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webapp.events.vocabulary import LANGUAGES
from webapp.invitations.vocabulary import KINDS, STATUSES
from webapp.web.forms import FormState

MAX_MESSAGE = 1600


def audience_form(raw: Any) -> tuple[FormState, dict[str, Any] | None]:
    form = FormState(raw)
    values = {
        "name": form.text("name", max_length=120),
        "language": form.choice("language", LANGUAGES),
        "size": form.integer("size", minimum=0, maximum=10_000_000, required=False),
    }
    return form, values if form.ok else None


def _organisation(form: FormState, name: str, choices: Iterable[int]) -> int | None:
    chosen = form.choice(name, [str(c) for c in choices], required=False)
    return int(chosen) if chosen else None


def channel_form(raw: Any, responsible: Iterable[int]) -> tuple[FormState, dict[str, Any] | None]:
    form = FormState(raw)
    values = {
        "kind": form.choice("kind", KINDS),
        "message": form.text("message", required=False, max_length=MAX_MESSAGE, multiline=True)
        or "",
        "send_on": form.date("send_on", required=False),
        "responsible_id": _organisation(form, "responsible_id", responsible),
        "status": form.choice("status", STATUSES, required=False) or "planned",
    }
    return form, values if form.ok else None


def link_form(raw: Any, responsible: Iterable[int]) -> tuple[FormState, dict[str, Any] | None]:
    form = FormState(raw)
    values = {
        "name": form.text("link_name", max_length=120),
        "organisation_id": _organisation(form, "link_organisation", responsible),
    }
    return form, values if form.ok else None
