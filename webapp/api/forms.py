"""The API's query parameters: the program's filters (read by the program's own form, so the
two can never disagree), the organisation's slug, and the page. A bad value is an error
named after its parameter; parameters the API does not know are ignored."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from webapp.api.service import DEFAULT_PER_PAGE, Query
from webapp.program import forms as program_forms
from webapp.web.forms import FormState

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_SLUG = 80
MAX_ID = program_forms.MAX_ID
# Every parameter of GET /api/v1/events, in the order the links write them.
PARAMETERS = (
    "org",
    "location",
    "room",
    "audience",
    "language",
    "partner",
    "from",
    "to",
    "page",
    "per_page",
)


def events_query(raw: Mapping[str, Any]) -> tuple[FormState, Query]:
    """The parameters of the event list; ``form.errors`` names each bad one."""
    form, filters = program_forms.filters_form(raw)
    page = form.integer("page", minimum=1, maximum=MAX_PAGE, required=False)
    per_page = form.integer("per_page", minimum=1, maximum=MAX_PER_PAGE, required=False)
    org = form.text("org", required=False, max_length=MAX_SLUG) or None
    query = Query(
        filters=dataclasses.replace(filters, page=page or 1),
        org=org,
        per_page=per_page or DEFAULT_PER_PAGE,
        params={
            name: value.strip()
            for name in PARAMETERS
            if isinstance(value := raw.get(name), str) and value.strip()
        },
    )
    return form, query


def event_id(raw: str) -> int | None:
    """An event id from the path; None when it cannot be one."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
