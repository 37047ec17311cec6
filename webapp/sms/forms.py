"""The composer's form: whom (a tag, or every contact), the message, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from invites.sms.templates import problems
from webapp import clock
from webapp.i18n import _
from webapp.web.forms import FormState

MAX_TEMPLATE = 1600  # ten segments of GSM-7


def compose_form(raw: Any, tags: Sequence[str], tz: ZoneInfo) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    template = form.text("template", max_length=MAX_TEMPLATE, multiline=True)
    if template:
        found = problems(template)
        if found:
            form.error("template", _("The message has placeholders we do not know: %(problems)s",
                                     problems="; ".join(found)))  # fmt: skip
    values: dict[str, Any] = {
        "tag": form.choice("tag", list(tags), required=False),
        "template": template,
        "send_after": _when(form, tz),
    }
    return form, values


def _when(form: FormState, tz: ZoneInfo) -> datetime | None:
    day = form.date("send_date", required=False)
    at = form.time("send_time", required=False)
    if day is None and at is None:
        return None
    if day is None or at is None:
        form.error("send_date", _("Give both a date and a time, or neither to send now."))
        return None
    when = datetime.combine(day, at, tzinfo=tz)
    if when < clock.now():
        form.error("send_date", _("Choose a time in the future, or leave it empty to send now."))
        return None
    return when
