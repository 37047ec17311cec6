"""Validation of the location and room forms, and their first values when editing."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Row

from webapp.i18n import _
from webapp.locations.service import MAX_CAPACITY, MIN_CAPACITY
from webapp.locations.vocabulary import ACCESSIBILITY, COUNTRIES, EQUIPMENT
from webapp.web.forms import FormState

_POSTAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*")


def location_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values = {
        "name": form.text("name", max_length=160),
        "street": form.text("street", max_length=200),
        "postal_code": _postal_code(form),
        "city": form.text("city", max_length=100),
        "country": form.choice("country", COUNTRIES),
        "directions": form.text("directions", required=False, max_length=2000, multiline=True),
        "opening_hours": _opening_hours(form),
    }
    return form, values


def _opening_hours(form: FormState) -> dict[str, list[str]]:
    """Seven optional pairs of times (Monday first); a day left empty is closed."""
    hours: dict[str, list[str]] = {}
    for day in range(7):
        opens = form.time(f"hours_{day}_open", required=False)
        closes = form.time(f"hours_{day}_close", required=False)
        if opens is None and closes is None:
            continue
        if opens is None or closes is None:
            name = f"hours_{day}_open" if opens is None else f"hours_{day}_close"
            if name not in form.errors:
                form.error(name, _("Give both the opening and the closing time, or neither."))
            continue
        if closes <= opens:
            form.error(f"hours_{day}_close", _("Closing must be after opening."))
            continue
        hours[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    return hours


def _postal_code(form: FormState) -> str | None:
    value = form.text("postal_code", max_length=16)
    if value and not _POSTAL_CODE.fullmatch(value):
        form.error("postal_code", _("Enter a postal code with digits and letters, like 211 33."))
        return None
    return value


def room_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values = {
        "name": form.text("name", max_length=160),
        "capacity": form.integer("capacity", minimum=MIN_CAPACITY, maximum=MAX_CAPACITY),
        "accessibility": form.many("accessibility", ACCESSIBILITY),
        "equipment": form.many("equipment", EQUIPMENT),
        "notes": form.text("notes", required=False, max_length=2000, multiline=True),
    }
    return form, values


def new_location(country: str) -> FormState:
    return FormState.initial({"country": country if country in COUNTRIES else COUNTRIES[0]})


def existing_location(row: Row) -> FormState:
    return FormState.initial(
        {
            "name": row.name,
            "street": row.street,
            "postal_code": row.postal_code,
            "city": row.city,
            "country": row.country,
            "directions": row.directions,
            **{
                f"hours_{day}_{edge}": hours[i]
                for day, hours in (row.opening_hours or {}).items()
                for i, edge in enumerate(("open", "close"))
            },
        }
    )


def new_room() -> FormState:
    return FormState.initial({"accessibility": [], "equipment": []})


def existing_room(row: Row) -> FormState:
    return FormState.initial(
        {
            "name": row.name,
            "capacity": str(row.capacity),
            "accessibility": list(row.accessibility or []),
            "equipment": list(row.equipment or []),
            "notes": row.notes,
        }
    )
