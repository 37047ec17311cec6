"""The program's filters, read from the query string (a GET form that works without
JavaScript), the ISO week of the week view, and links that keep the visitor's filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from webapp.events.vocabulary import AUDIENCES, LANGUAGES
from webapp.i18n import _
from webapp.program.service import Filters
from webapp.web.forms import FormState

MAX_ID = 2**31 - 1
MAX_PAGE = 500
FIELDS = ("from", "to", "location", "room", "audience", "language", "partner")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def filters_form(query: Mapping[str, Any]) -> tuple[FormState, Filters]:
    """The filters the visitor chose; a filter with a bad value gets a message next to its
    field and is left out (the rest still apply)."""
    form = FormState(query)
    start = _day(form, "from")
    end = _day(form, "to")
    if start and end and end < start:
        form.error("to", _("Choose a date on or after the first date."))
        end = None
    filters = Filters(
        start=start,
        end=end,
        location_id=form.integer("location", minimum=1, maximum=MAX_ID, required=False),
        room_id=form.integer("room", minimum=1, maximum=MAX_ID, required=False),
        audience=form.choice("audience", AUDIENCES, required=False),
        language=form.choice("language", LANGUAGES, required=False),
        partner_id=form.integer("partner", minimum=1, maximum=MAX_ID, required=False),
        page=_page(query.get("page")),
    )
    return form, filters


def _day(form: FormState, name: str) -> date | None:
    return form.date(name, required=False)


def _page(raw: Any) -> int:
    """A page number from a link we made; anything else is the first page."""
    if isinstance(raw, str) and raw.isdigit() and 0 < int(raw) <= MAX_PAGE:
        return int(raw)
    return 1


def monday_of(raw: Any, today: date) -> date | None:
    """The Monday of an ISO week written like ``2026-W48``; this week's without a value;
    None when the value is not a week."""
    if raw in (None, ""):
        return today - timedelta(days=today.weekday())
    found = _WEEK.fullmatch(raw) if isinstance(raw, str) else None
    if found is None:
        return None
    year, number = int(found.group(1)), int(found.group(2))
    if not 1900 <= year <= 9998:
        return None
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError:
        return None


def week_code(day: date) -> str:
    """``2026-W48``: the ISO week of ``day``, as the week view's links and <time> use it."""
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02d}"


def query_string(form: FormState, **changes: Any) -> str:
    """The visitor's valid filters as a query string (``?…`` or ""), with ``changes``."""
    kept = {
        name: value
        for name in FIELDS
        if (value := form.values.get(name)) and isinstance(value, str) and name not in form.errors
    }
    kept.update({k: str(v) for k, v in changes.items() if v not in (None, "")})
    for name in [k for k, v in changes.items() if v in (None, "")]:
        kept.pop(name, None)
    return f"?{urlencode(kept)}" if kept else ""


def list_links(
    base: str, form: FormState, filters: Filters, *, page: int, has_next: bool
) -> dict[str, str | None]:
    """The list's links to its other pages and to the week view, filters kept."""
    no_dates = {"from": None, "to": None}
    return {
        "week_link": f"{base}/week"
        + query_string(form, week=week_code(filters.start) if filters.start else None, **no_dates),
        "previous_page": (
            base + query_string(form, page=page - 1 if page > 2 else None) if page > 1 else None
        ),
        "next_page": base + query_string(form, page=page + 1) if has_next else None,
    }


def week_links(base: str, form: FormState, monday: date) -> dict[str, str]:
    """The week view's links to the weeks before and after and to the list, filters kept."""
    no_dates = {"from": None, "to": None}

    def week(days: int) -> str:
        code = week_code(monday + timedelta(days=days))
        return f"{base}/week" + query_string(form, week=code, **no_dates)

    return {
        "week_code": week_code(monday),
        "previous_week": week(-7),
        "next_week": week(7),
        "list_link": base + query_string(form, **no_dates),
    }
