"""The embeddable program: an organisation's public program, shown in an iframe on its own
website, and the snippet builder that writes that iframe.

The embed reads nothing but ``service.program`` (what is public is decided there). Besides
the program's filters (``forms.FIELDS``) its query string takes three options of its own:
``limit`` (dates per page), ``title`` (the heading, plain text) and ``lang`` (the page's
language, for a website in one language whatever the visitor's browser says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Row

from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.locations import service as locations
from webapp.problems import Forbidden
from webapp.program import forms, service
from webapp.program.service import Filters
from webapp.settings import SUPPORTED_LOCALES
from webapp.web.forms import FormState

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_TITLE = 80
# The snippet's frame: wide as the column it is pasted into, tall enough for a few days.
FRAME_HEIGHT = 600


@dataclass(frozen=True)
class Options:
    limit: int = DEFAULT_LIMIT
    title: str = ""
    lang: str | None = None


def language(query: Mapping[str, Any]) -> str | None:
    """The page language the embed asks for, when it is one we have."""
    raw = query.get("lang")
    return raw if raw in SUPPORTED_LOCALES else None


def options_form(query: Mapping[str, Any]) -> tuple[FormState, Filters, Options]:
    """The program's filters and the embed's options; a bad value gets a message and is
    left out, the rest still apply (as on the program page)."""
    form, filters = forms.filters_form(query)
    limit = form.integer("limit", minimum=1, maximum=MAX_LIMIT, required=False)
    title = form.text("title", required=False, max_length=MAX_TITLE)
    lang = form.choice("lang", SUPPORTED_LOCALES, required=False)
    return form, filters, Options(limit=limit or DEFAULT_LIMIT, title=title or "", lang=lang)


def query(form: FormState, options: Options, **changes: Any) -> str:
    """The valid filters and options as a query string (``?…`` or ""), with ``changes``;
    defaults are left out, so a snippet says only what was chosen."""
    return forms.query_string(
        form,
        limit=options.limit if options.limit != DEFAULT_LIMIT else None,
        title=options.title or None,
        lang=options.lang,
        **changes,
    )


def path(slug: str) -> str:
    return f"/embed/{quote(slug, safe='')}"


def snippet(*, base_url: str, slug: str, query: str, title: str) -> str:
    """The ``<iframe>`` to paste into a web page, its attribute values HTML-escaped."""
    src = escape(base_url + path(slug) + query, quote=True)
    return (
        f'<iframe src="{src}" title="{escape(title, quote=True)}" width="100%" '
        f'height="{FRAME_HEIGHT}" loading="lazy" style="border:0"></iframe>'
    )


# The snippet builder -------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the builder's selects offer, as (value, label) pairs."""

    locations: list[tuple[int, str]]
    rooms: list[tuple[int, str]]
    partners: list[tuple[int, str]]


async def choices(ctx: Context, *, actor: Actor, organisation: Row, now: datetime) -> Choices:
    """A library offers its locations and rooms in use; an association the locations of its
    upcoming program (its rooms are the libraries'). Both offer the organisations they
    plan their upcoming public events with."""
    if not can(actor, "program.embed", organisation):
        raise Forbidden()
    upcoming = await service.program(
        ctx, organisation=organisation, filters=Filters(), now=now, page_size=1
    )
    partners = [(org.id, org.name) for org in upcoming.partners]
    if organisation.kind != "library":
        places = [(loc.id, f"{loc.name}, {loc.city}") for loc in upcoming.locations]
        return Choices(locations=places, rooms=[], partners=partners)
    found = await locations.locations_with_rooms(ctx, actor=actor, library=organisation)
    in_use = [place for place in found if place.location.is_active]
    return Choices(
        locations=[(p.location.id, f"{p.location.name}, {p.location.city}") for p in in_use],
        rooms=[
            (room.id, f"{p.location.name}: {room.name}")
            for p in in_use
            for room in p.rooms
            if room.is_active
        ],
        partners=partners,
    )
