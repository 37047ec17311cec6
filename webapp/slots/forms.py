"""Validation of the slot, exception date, closure and rules forms, and their first values.

Each form parses what was typed, then asks the service's own rules (``clean_slot``,
``clean_closure``, ``clean_rules``) so that every problem shows at once, next to its field.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from sqlalchemy.engine import Row

from webapp.i18n import _, ngettext
from webapp.problems import Invalid
from webapp.slots.policy import LIMITS, MAX_QUESTIONS, QUESTION_LENGTH, clean_rules
from webapp.slots.rules import Rules
from webapp.slots.service import (
    MAX_INTERVAL_WEEKS,
    NOTE_LENGTH,
    REASON_LENGTH,
    clean_closure,
    clean_slot,
)
from webapp.web.forms import FormState

MAX_ID = 2**31 - 1
INTERVALS = tuple(str(n) for n in range(MAX_INTERVAL_WEEKS + 1))
EVERYWHERE = "all"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NORDIC_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::\d{2})?")


# Fields ----------------------------------------------------------------------------------------


def date_field(form: FormState, name: str, *, required: bool = True) -> date | None:
    """A date as a date field sends it (2026-11-24), or as Nordic people type it
    (24.11.2026, 24/11/2026)."""
    value = form.text(name, required=required, max_length=40)
    if not value:
        return None
    iso, nordic = _ISO_DATE.fullmatch(value), _NORDIC_DATE.fullmatch(value)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if nordic:
            return date(int(nordic.group(3)), int(nordic.group(2)), int(nordic.group(1)))
    except ValueError:
        pass
    form.error(name, _("Enter a date like 2026-11-30."))
    return None


def time_field(form: FormState, name: str) -> time | None:
    """A 24-hour time: 18:00 (as a time field sends it), or 18.00."""
    value = form.text(name, max_length=40)
    if not value:
        return None
    found = _TIME.fullmatch(value)
    if found and int(found.group(1)) < 24 and int(found.group(2)) < 60:
        return time(int(found.group(1)), int(found.group(2)))
    form.error(name, _("Enter a time like 18:30."))
    return None


def _id_field(form: FormState, name: str, message: str) -> int | None:
    value = form.text(name, max_length=12)
    if value is None:
        form.errors[name] = message
        return None
    if not re.fullmatch(r"\d{1,10}", value) or not 0 < int(value) <= MAX_ID:
        form.error(name, message)
        return None
    return int(value)


def _check(form: FormState, rules: Any, values: dict[str, Any]) -> None:
    """The service's rules over what parsed; a field's own parsing message comes first."""
    try:
        rules(values)
    except Invalid as exc:
        for name, message in exc.errors.items():
            form.error(name, message)


# Slots -----------------------------------------------------------------------------------------


def slot_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    interval = form.choice("interval_weeks", INTERVALS)
    values = {
        "room_id": _id_field(form, "room_id", _("Choose a room.")),
        "interval_weeks": int(interval) if interval is not None else None,
        "first_date": date_field(form, "first_date"),
        "until_date": date_field(form, "until_date", required=False),
        "start_time": time_field(form, "start_time"),
        "end_time": time_field(form, "end_time"),
        "note": form.text("note", required=False, max_length=NOTE_LENGTH),
    }
    _check(form, clean_slot, values)
    return form, values


def exception_form(raw: Any) -> tuple[FormState, date | None]:
    form = FormState(raw)
    return form, date_field(form, "on_date")


def room_options(rooms: list[Row]) -> list[tuple[str, str]]:
    """(id, "Location · Room") for the room select, a room not in use marked."""
    options = []
    for room in rooms:
        label = f"{room.location_name} · {room.name}"
        if not (room.is_active and room.location_is_active):
            label += " (" + _("Not in use") + ")"
        options.append((str(room.id), label))
    return options


def interval_options() -> list[tuple[str, str]]:
    return [("0", _("Once"))] + [
        (str(n), ngettext("Every week", "Every %(num)d weeks", n))
        for n in range(1, MAX_INTERVAL_WEEKS + 1)
    ]


def new_slot(room_id: int | None) -> FormState:
    return FormState.initial({"room_id": room_id, "interval_weeks": "1"})


def existing_slot(row: Row) -> FormState:
    return FormState.initial(
        {
            "room_id": str(row.room_id),
            "interval_weeks": str(row.interval_weeks),
            "first_date": row.first_date.isoformat(),
            "until_date": row.until_date.isoformat() if row.until_date else "",
            "start_time": row.start_time.strftime("%H:%M"),
            "end_time": row.end_time.strftime("%H:%M"),
            "note": row.note,
        }
    )


# Closures --------------------------------------------------------------------------------------


def closure_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    where = form.text("location_id", max_length=12)
    location_id = None
    if where is None:
        form.errors["location_id"] = _("Choose one of the options.")
    elif where != EVERYWHERE:
        location_id = _id_field(form, "location_id", _("Choose one of the options."))
    values = {
        "location_id": location_id,
        "first_date": date_field(form, "first_date"),
        "last_date": date_field(form, "last_date"),
        "reason": form.text("reason", max_length=REASON_LENGTH),
    }
    _check(form, clean_closure, values)
    return form, values


def new_closure() -> FormState:
    return FormState.initial({"location_id": EVERYWHERE})


# Rules -----------------------------------------------------------------------------------------


def rules_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values: dict[str, Any] = {
        key: form.integer(key, minimum=smallest, maximum=largest)
        for key, (smallest, largest) in LIMITS.items()
    }
    text = form.text(
        "checklist",
        required=False,
        max_length=MAX_QUESTIONS * (QUESTION_LENGTH + 1) * 4,
        multiline=True,
    )
    values["checklist"] = [line.strip() for line in (text or "").split("\n") if line.strip()]
    _check(form, clean_rules, values)
    return form, values


def existing_rules(rules: Rules) -> FormState:
    values: dict[str, Any] = {key: str(getattr(rules, key)) for key in LIMITS}
    values["checklist"] = "\n".join(rules.checklist)
    return FormState.initial(values)
