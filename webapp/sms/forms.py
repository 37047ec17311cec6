"""The composer's form: whom (a tag, or every contact), the event it is about, the message,
and when; and the monthly budget's form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from invites.sms.templates import problems
from webapp import clock
from webapp.i18n import _
from webapp.web.forms import FormState

MAX_TEMPLATE = 1600  # ten segments of GSM-7


def compose_form(
    raw: Any, tags: Sequence[str], event_keys: Sequence[str], tz: ZoneInfo
) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    event = form.choice("event", event_keys, required=False)
    template = form.text("template", max_length=MAX_TEMPLATE, multiline=True)
    if template:
        found = problems(template)
        if found:
            form.error("template", _("The message has placeholders we do not know: %(problems)s",
                                     problems="; ".join(found)))  # fmt: skip
    values: dict[str, Any] = {
        "tag": form.choice("tag", list(tags), required=False),
        "event": event,  # "event id" or "event id:channel id"
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


MAX_BUDGET = 10_000_000


def budget_form(raw: Any) -> tuple[FormState, str | None, Decimal | None]:
    """No limit, or an amount of segments (a whole number) or money (two decimals)."""
    form = FormState(raw)
    unit = form.choice("unit", ["none", "segments", "money"])
    if unit in (None, "none"):
        return form, None, None
    text = form.text("amount", max_length=20, required=False) or ""
    if not text:
        return form, unit, None
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    pattern = r"\d{1,8}" if unit == "segments" else r"\d{1,8}(\.\d{1,2})?"
    if not re.fullmatch(pattern, cleaned):
        form.error(
            "amount",
            _("Enter a whole number of segments, like 2000.")
            if unit == "segments"
            else _("Enter an amount like 500 or 499.50."),
        )
        return form, unit, None
    amount = Decimal(cleaned)
    if amount > MAX_BUDGET:
        form.error("amount", _("Enter at most %(num)s.", num=f"{MAX_BUDGET:,}".replace(",", " ")))
        return form, unit, None
    return form, unit, amount
