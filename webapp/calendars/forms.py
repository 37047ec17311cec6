"""A feed's filters from its query string: the program's filters, without dates or pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from webapp.events.vocabulary import AUDIENCES, LANGUAGES
from webapp.program.store import Narrowing
from webapp.web.forms import FormState

MAX_ID = 2**31 - 1
FIELDS = ("location", "room", "audience", "language", "partner")
NO_FILTERS = Narrowing()


def feed_filters(query: Mapping[str, Any]) -> tuple[FormState, Narrowing]:
    """The narrowing a feed URL asks for (the feed adds its organisation); the form's errors
    name each bad parameter (the route answers 400 with them). Parameters the feed does not
    know are ignored."""
    form = FormState(query)
    if not any(name in query for name in FIELDS):
        return form, NO_FILTERS  # the common case: the whole program
    narrowing = Narrowing(
        location_id=form.integer("location", minimum=1, maximum=MAX_ID, required=False),
        room_id=form.integer("room", minimum=1, maximum=MAX_ID, required=False),
        audience=form.choice("audience", AUDIENCES, required=False),
        language=form.choice("language", LANGUAGES, required=False),
        partner_id=form.integer("partner", minimum=1, maximum=MAX_ID, required=False),
    )
    return form, narrowing


def feed_query(values: Mapping[str, Any]) -> str:
    """``?location=…`` for the filters among ``values`` that a feed understands ("" if none)."""
    kept = {
        name: str(value)
        for name in FIELDS
        if (value := values.get(name)) not in (None, "") and isinstance(value, str | int)
    }
    return f"?{urlencode(kept)}" if kept else ""
