"""The OpenAPI 3.1 document of the public JSON API, written as data.

Every object is closed (``additionalProperties: false``) and lists its ``required`` fields,
so a field added, renamed or dropped in ``webapp/api/service.py`` without a change here
fails the tests (tests/http/test_api.py validates real responses against this document).
The vocabulary codes come from ``webapp/events/vocabulary.py``, the limits from
``webapp/api/forms.py``: one source each.
"""

from __future__ import annotations

import functools
from typing import Any

from webapp.api.forms import (
    MAX_ID,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SLUG,
    PARAMETERS,
)
from webapp.api.service import DEFAULT_PER_PAGE
from webapp.events.vocabulary import AUDIENCES, LANGUAGES, PARTNER_ROLES
from webapp.web.forms import FIRST_DAY, LAST_DAY

Json = dict[str, Any]

VERSION = "1.0.0"
# ISO 8601 with the offset of the hosting library's time zone, to the second.
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
# A day from FIRST_DAY (1900) to LAST_DAY (2999), as YYYY-MM-DD.
DATE_PATTERN = r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
STATUSES = ["scheduled", "cancelled"]
ERROR_CODES = ["invalid_parameters", "not_found", "method_not_allowed"]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Json], description: str = "") -> Json:
    """A closed object whose every property is required."""
    found: Json = {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }
    if description:
        found["description"] = description
    return found


def _id(description: str) -> Json:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": description}


def _text(description: str) -> Json:
    return {"type": "string", "description": description}


def _datetime(description: str) -> Json:
    return {
        "type": "string",
        "format": "date-time",
        "pattern": DATETIME_PATTERN,
        "description": description,
        "examples": ["2026-12-01T18:00:00+01:00"],
    }


def _url(description: str) -> Json:
    return {"type": "string", "format": "uri", "description": description}


def _schemas() -> dict[str, Json]:
    organisation = {
        "id": _id("The organisation's id."),
        "name": _text("The organisation's name."),
        "slug": _text("The organisation's short name in addresses; the `org` filter takes it."),
    }
    return {
        "Library": _object(organisation, "The library that hosts the event."),
        "Partner": _object(
            {
                **organisation,
                "role": {
                    "type": "string",
                    "enum": list(PARTNER_ROLES),
                    "description": "`lead` organises the event; `co_host` and `supporter` "
                    "take part.",
                },
            },
            "An organisation that organises the event (the lead first).",
        ),
        "Room": _object({"id": _id("The room's id."), "name": _text("The room's name.")}),
        "Location": _object(
            {
                "id": _id("The location's id; the `location` filter takes it."),
                "name": _text("The building's name."),
                "street": _text("Street address."),
                "postal_code": _text("Postal code."),
                "city": _text("City."),
                "country": {
                    "type": "string",
                    "pattern": "^[A-Z]{2}$",
                    "description": "ISO 3166-1 alpha-2 country code, like `SE`.",
                },
            },
            "The building the room is in, with its address.",
        ),
        "EventDate": _object(
            {
                "id": _id("The date's id."),
                "start": _datetime("When it starts."),
                "end": _datetime("When it ends."),
                "status": {
                    "type": "string",
                    "enum": STATUSES,
                    "description": "`cancelled` when this date will not take place.",
                },
                "room": _ref("Room"),
                "location": _ref("Location"),
            },
            "One date of the event: a series has several.",
        ),
        "Event": _object(
            {
                "id": _id("The event's id."),
                "title": _text("The title."),
                "summary": _text("One or two sentences; may be empty."),
                "description": _text("The longer description, as Markdown source."),
                "status": {
                    "type": "string",
                    "enum": STATUSES,
                    "description": "`cancelled` when the whole event is cancelled (all its "
                    "dates are then cancelled too).",
                },
                "url": _url("The event's public page."),
                "ics_url": _url("The event as an iCalendar file."),
                "library": _ref("Library"),
                "partners": {"type": "array", "items": _ref("Partner")},
                "audiences": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(AUDIENCES)},
                    "description": "Who the event is for (codes).",
                },
                "languages": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(LANGUAGES)},
                    "description": "The languages it is held in (ISO 639-1 codes).",
                },
                "capacity": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "How many people can come; null when not limited.",
                },
                "updated_at": _datetime("When the event was last changed."),
                "dates": {
                    "type": "array",
                    "items": _ref("EventDate"),
                    "description": "In time order. In the list: the dates that match the "
                    "filters; for one event: all its public dates, past ones too.",
                },
            },
            "A public event. Times are in the hosting library's time zone.",
        ),
        "EventList": _object(
            {
                "data": {"type": "array", "items": _ref("Event"), "maxItems": MAX_PER_PAGE},
                "meta": _object(
                    {
                        "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        "has_next": {"type": "boolean"},
                    }
                ),
                "links": _object(
                    {
                        "self": _url("This page."),
                        "next": {
                            "type": ["string", "null"],
                            "format": "uri",
                            "description": "The next page; null on the last page.",
                        },
                        "prev": {
                            "type": ["string", "null"],
                            "format": "uri",
                            "description": "The page before; null on the first page.",
                        },
                    },
                    "Absolute addresses, with the same filters.",
                ),
            }
        ),
        "EventDetail": _object({"data": _ref("Event")}),
        "Error": _object(
            {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string", "enum": ERROR_CODES},
                        "message": _text("What went wrong, in the reader's language."),
                        "parameters": {
                            "type": "object",
                            "description": "Only with `invalid_parameters`: each bad query "
                            "parameter, with what is wrong with its value.",
                            "propertyNames": {"enum": list(PARAMETERS)},
                            "additionalProperties": {"type": "string"},
                            "minProperties": 1,
                        },
                    },
                }
            }
        ),
    }


def _query(name: str, schema: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _parameters() -> list[Json]:
    integer_id = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    day = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    days = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
    return [
        _query(
            "org",
            {"type": "string", "minLength": 1, "maxLength": MAX_SLUG, "pattern": "^[a-z0-9-]+$"},
            "An organisation's slug: its events as host library or as an active partner. "
            "An unknown slug is a 400.",
        ),
        _query("location", integer_id, "Only dates at this location (its id)."),
        _query("room", integer_id, "Only dates in this room (its id)."),
        _query("audience", {"type": "string", "enum": list(AUDIENCES)}, "Only events for them."),
        _query(
            "language",
            {"type": "string", "enum": list(LANGUAGES)},
            "Only events held in this language.",
        ),
        _query("partner", integer_id, "Only events this organisation (its id) takes part in."),
        _query(
            "from",
            day,
            f"Only dates on or after this day (YYYY-MM-DD, {days}), a day of the `org`'s "
            "time zone, else the service's. Without it: only dates that have not ended yet.",
        ),
        _query(
            "to",
            day,
            f"Only dates on or before this day (YYYY-MM-DD, {days}); not before `from`.",
        ),
        _query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            "The page, from 1.",
        ),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
            "Events per page.",
        ),
    ]


def _headers() -> Json:
    return {
        "Access-Control-Allow-Origin": {
            "description": "Any website may read the API.",
            "schema": {"type": "string", "const": "*"},
        },
        "Cache-Control": {
            "description": "Shared caches may keep the answer for a minute.",
            "schema": {"type": "string"},
        },
    }


def _response(description: str, schema: str) -> Json:
    return {
        "description": description,
        "headers": _headers(),
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _paths() -> Json:
    return {
        "/api/v1/events": {
            "get": {
                "operationId": "listEvents",
                "summary": "Public events, by their next matching date",
                "description": "Published events (and published events that were later "
                "cancelled, marked so) with at least one date matching the filters.",
                "parameters": _parameters(),
                "responses": {
                    "200": _response("A page of events.", "EventList"),
                    "400": _response("A query parameter is not valid.", "Error"),
                },
            }
        },
        "/api/v1/events/{event_id}": {
            "get": {
                "operationId": "getEvent",
                "summary": "One public event",
                "parameters": [
                    {
                        "name": "event_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    }
                ],
                "responses": {
                    "200": _response("The event, with all its public dates.", "EventDetail"),
                    "404": _response("No public event has this id.", "Error"),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "headers": _headers(),
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


@functools.lru_cache(maxsize=4)
def document(base_url: str) -> Json:
    """The OpenAPI document, for the service at ``base_url``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Samspel public events API",
            "version": VERSION,
            "description": "The public program of the libraries and associations on this "
            "service, for their websites. Read-only, no key needed. See docs/api.md.",
        },
        "servers": [{"url": base_url}],
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }
