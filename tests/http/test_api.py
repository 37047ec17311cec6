"""The public JSON API: library websites read the published events, filtered and paged as
the program is, with times in the hosting library's time zone; nothing that is not public
is ever in it; bad parameters are a 400 that names them; every response matches the
OpenAPI document (checked with schemathesis). The events are made through the co-planning
services, as partners and staff make them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import event as sa_event
from sqlalchemy import update

from tests import factories
from tests.conftest import BASE_URL
from webapp.api.forms import PARAMETERS
from webapp.db.tables import organisations
from webapp.events import partners
from webapp.events import store as event_store
from webapp.events.vocabulary import AUDIENCES, LANGUAGES
from webapp.locations import service as locations

# Monday 2 December 2030, 18:00–20:00 in Stockholm (UTC+1 in winter).
MONDAY = datetime(2030, 12, 2, 17, 0, tzinfo=UTC)
# Monday 3 June 2030, 18:00–20:00 in Stockholm (UTC+2 in summer).
SUMMER = datetime(2030, 6, 3, 16, 0, tzinfo=UTC)
TWO_HOURS = timedelta(hours=2)
NOT_PUBLIC = ("draft", "submitted", "changes_requested", "approved", "withdrawn", "declined",
              "cancelled")  # fmt: skip
EVENTS = "/api/v1/events"

CENTRAL = {
    "name": "Stadsbiblioteket",
    "street": "Kung Oscars väg 11",
    "postal_code": "211 33",
    "city": "Malmö",
    "country": "SE",
    "directions": "",
}
BRANCH = {**CENTRAL, "name": "Rosengårds bibliotek", "street": "Amiralsgatan 35",
          "postal_code": "215 72"}  # fmt: skip
HALL = {"name": "Hörsalen", "capacity": 80, "accessibility": [], "equipment": [], "notes": ""}


@pytest.fixture(autouse=True)
def english(web):
    """Messages in English, so the tests can read them."""
    web.client.headers["Accept-Language"] = "en"


# Making events through the co-planning services ---------------------------------------------


async def _places(ctx, world):  # type: ignore[no-untyped-def]
    admin = await factories.actor(ctx, world.emails["library_admin"])
    central = await locations.create_location(
        ctx, actor=admin, library=world.library, values=CENTRAL
    )
    branch = await locations.create_location(ctx, actor=admin, library=world.library, values=BRANCH)
    found = {"central": central, "branch_location": branch}
    for key, location_id, room in (
        ("hall", central, HALL),
        ("studio", central, {**HALL, "name": "Studion", "capacity": 20}),
        ("branch", branch, {**HALL, "name": "Sagorummet"}),
    ):
        found[key] = await locations.create_room(
            ctx, actor=admin, library=world.library, location_id=location_id, values=room
        )
    return found


@pytest.fixture
def places(web, world):  # type: ignore[no-untyped-def]
    return web.run(_places, web.ctx, world)


_move = factories.move


def make_event(web, world, places, state="published", *, room="hall", starts_at=MONDAY, **values):  # type: ignore[no-untyped-def]
    return web.run(factories.event_in_state, web.ctx, world, state, places[room], starts_at, values)


def add_partner(web, world, event_id, org, role="supporter", accept=True):  # type: ignore[no-untyped-def]
    emails = {world.other_association.id: "admin@otherassoc.test"}

    async def run(ctx):  # type: ignore[no-untyped-def]
        lead = await factories.actor(ctx, "member@assoc.test")
        await partners.invite(ctx, actor=lead, event_id=event_id, organisation_id=org.id, role=role)
        if accept:
            who = await factories.actor(ctx, emails[org.id])
            await partners.answer(
                ctx, actor=who, event_id=event_id, organisation_id=org.id, accept=True
            )

    web.run(run, web.ctx)


def dates_of(web, event_id):  # type: ignore[no-untyped-def]
    async def run(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await event_store.occurrences_of(conn, event_id)

    return web.run(run, web.ctx)


def get_json(web, path: str, status: int = 200) -> Any:
    response = web.get(path)
    assert response.status_code == status, (path, response.status_code, response.text)
    assert response.headers["content-type"] == "application/json", path
    return response.json()


def titles(web, path: str) -> list[str]:
    return [event["title"] for event in get_json(web, path)["data"]]


# The objects ----------------------------------------------------------------------------------


def test_an_event_has_every_documented_field(web, world, places):
    event_id = make_event(
        web,
        world,
        places,
        title="Språkcafé",
        summary="Practise Swedish over coffee.",
        description="Bring a **friend**.\n\n- Talk\n- Coffee",
        languages=["sv", "ar"],
        audiences=["newcomers", "adults"],
    )
    add_partner(web, world, event_id, world.other_association, role="co_host")
    [found] = dates_of(web, event_id)
    expected = {
        "id": event_id,
        "title": "Språkcafé",
        "summary": "Practise Swedish over coffee.",
        "description": "Bring a **friend**.\n\n- Talk\n- Coffee",
        "status": "scheduled",
        "url": f"{BASE_URL}/events/{event_id}",
        "ics_url": f"{BASE_URL}/events/{event_id}.ics",
        "library": {
            "id": world.library.id,
            "name": "Malmö stadsbibliotek",
            "slug": world.library.slug,
        },
        "partners": [
            {
                "id": world.association.id,
                "name": "Nya grannar",
                "slug": world.association.slug,
                "role": "lead",
            },
            {
                "id": world.other_association.id,
                "name": "Schackklubben",
                "slug": world.other_association.slug,
                "role": "co_host",
            },
        ],
        "audiences": ["newcomers", "adults"],
        "languages": ["sv", "ar"],
        "capacity": 80,
        "dates": [
            {
                "id": found.id,
                "start": "2030-12-02T18:00:00+01:00",
                "end": "2030-12-02T20:00:00+01:00",
                "status": "scheduled",
                "room": {"id": places["hall"], "name": "Hörsalen"},
                "location": {
                    "id": places["central"],
                    "name": "Stadsbiblioteket",
                    "street": "Kung Oscars väg 11",
                    "postal_code": "211 33",
                    "city": "Malmö",
                    "country": "SE",
                },
            }
        ],
    }
    listed = get_json(web, EVENTS)["data"]
    one = get_json(web, f"{EVENTS}/{event_id}")["data"]
    for found_event in (listed[0], one):
        updated_at = datetime.fromisoformat(found_event.pop("updated_at"))
        assert updated_at.utcoffset() == timedelta(hours=1)  # changed in the test run: winter
        assert found_event == expected
    assert len(listed) == 1


def test_times_carry_the_offset_of_winter_and_summer(web, world, places):
    winter = make_event(web, world, places, title="Winter")
    summer = make_event(web, world, places, title="Summer", starts_at=SUMMER, room="studio")
    shown = {e["title"]: e["dates"][0] for e in get_json(web, f"{EVENTS}?from=2030-01-01")["data"]}
    assert shown["Summer"]["start"] == "2030-06-03T18:00:00+02:00"
    assert shown["Summer"]["end"] == "2030-06-03T20:00:00+02:00"
    assert shown["Winter"]["start"] == "2030-12-02T18:00:00+01:00"
    assert list(shown) == ["Summer", "Winter"]
    one = get_json(web, f"{EVENTS}/{summer}")["data"]
    assert one["dates"][0]["start"] == "2030-06-03T18:00:00+02:00"
    assert get_json(web, f"{EVENTS}/{winter}")["data"]["dates"][0]["end"].endswith("+01:00")


def test_a_series_across_the_change_of_time_keeps_its_local_time(web, world, places):
    """Daylight saving ends on 27 October 2030: the dates either side show their own offset."""
    start = datetime(2030, 10, 21, 16, 0, tzinfo=UTC)  # 18:00 in Stockholm (UTC+2)
    event_id = make_event(web, world, places, starts_at=start, repeat_weeks=1, repeat_count=2)
    found = dates_of(web, event_id)
    shown = get_json(web, f"{EVENTS}/{event_id}")["data"]["dates"]
    assert shown[0]["start"] == "2030-10-21T18:00:00+02:00"
    second = found[1].starts_at.astimezone(datetime.fromisoformat(shown[1]["start"]).tzinfo)
    assert shown[1]["start"] == second.isoformat()
    assert shown[1]["start"].endswith("+01:00")


def test_times_are_in_the_hosting_library_time_zone(web, world, places):
    late = datetime(2030, 12, 2, 22, 30, tzinfo=UTC)  # 23:30 in Stockholm, 00:30 in Helsinki
    event_id = make_event(web, world, places, starts_at=late)

    async def helsinki(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(organisations)
                .where(organisations.c.id == world.library.id)
                .values(timezone="Europe/Helsinki")
            )

    web.run(helsinki, web.ctx)
    found = get_json(web, f"{EVENTS}/{event_id}")["data"]
    assert found["dates"][0]["start"] == "2030-12-03T00:30:00+02:00"
    assert found["updated_at"].endswith("+02:00")
    # The days of from/to are the organisation's with ``org``, the service's without.
    org = f"org={world.library.slug}"
    assert titles(web, f"{EVENTS}?{org}&from=2030-12-03&to=2030-12-03") == ["Språkcafé"]
    assert titles(web, f"{EVENTS}?{org}&from=2030-12-02&to=2030-12-02") == []
    assert titles(web, f"{EVENTS}?from=2030-12-02&to=2030-12-02") == ["Språkcafé"]


# What is public -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_an_event_that_is_not_public_is_never_in_the_api(web, world, places, state):
    secret = make_event(web, world, places, state, title="Secret")
    make_event(web, world, places, title="Public", room="studio")
    for path in (
        EVENTS,
        f"{EVENTS}?from=2000-01-01",
        f"{EVENTS}?org={world.library.slug}",
        f"{EVENTS}?org={world.association.slug}",
    ):
        assert titles(web, path) == ["Public"], (state, path)
    assert titles(web, f"{EVENTS}?room={places['hall']}") == []
    error = get_json(web, f"{EVENTS}/{secret}", 404)
    assert error == {
        "error": {"code": "not_found", "message": "There is no public event with this id."}
    }
    # Not even to its own people: the API has no logged-in view.
    web.login(world.emails["association_member"])
    assert web.get(f"{EVENTS}/{secret}").status_code == 404
    assert titles(web, EVENTS) == ["Public"]


def test_a_published_event_that_is_cancelled_is_marked_cancelled(web, world, places):
    flooded = make_event(
        web, world, places, "published_then_cancelled", title="Flooded",
        repeat_weeks=1, repeat_count=2,
    )  # fmt: skip
    series = make_event(
        web, world, places, title="Läxhjälp", room="studio", repeat_weeks=1, repeat_count=3
    )
    # One date of the series is cancelled; the series is not.
    third = dates_of(web, series)[1]

    async def cancel_one(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await event_store.update_occurrence(conn, third.id, status="cancelled")

    web.run(cancel_one, web.ctx)
    listed = {e["title"]: e for e in get_json(web, EVENTS)["data"]}
    assert listed["Flooded"]["status"] == "cancelled"
    assert [d["status"] for d in listed["Flooded"]["dates"]] == ["cancelled"] * 2
    assert listed["Läxhjälp"]["status"] == "scheduled"
    assert [d["status"] for d in listed["Läxhjälp"]["dates"]] == [
        "scheduled",
        "cancelled",
        "scheduled",
    ]
    assert get_json(web, f"{EVENTS}/{flooded}")["data"]["status"] == "cancelled"


def test_past_events_are_listed_only_when_asked_for_with_from(web, world, places):
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    old = make_event(web, world, places, title="Last week", starts_at=past)
    make_event(web, world, places, title="Next year", room="studio")
    assert titles(web, EVENTS) == ["Next year"]
    since = (past - timedelta(days=1)).date().isoformat()
    assert titles(web, f"{EVENTS}?from={since}") == ["Last week", "Next year"]
    # The event itself stays readable after it took place.
    assert get_json(web, f"{EVENTS}/{old}")["data"]["title"] == "Last week"


# Filters ---------------------------------------------------------------------------------------


def _filter_world(web, world, places):  # type: ignore[no-untyped-def]
    make_event(web, world, places, title="Språkcafé", audiences=["newcomers"], languages=["sv"])
    make_event(
        web, world, places, title="Sagostund", room="branch",
        starts_at=MONDAY + timedelta(days=2), audiences=["children", "families"],
        languages=["ar", "sv"],
    )  # fmt: skip
    chess = make_event(
        web, world, places, title="Schack", room="studio",
        starts_at=MONDAY + timedelta(days=9), audiences=["people_with_disabilities"],
        languages=["en"],
    )  # fmt: skip
    add_partner(web, world, chess, world.other_association)


def test_the_filters_are_the_program_filters(web, world, places):
    _filter_world(web, world, places)
    everything = ["Språkcafé", "Sagostund", "Schack"]
    cases = {
        "": everything,
        f"location={places['branch_location']}": ["Sagostund"],
        f"location={places['central']}": ["Språkcafé", "Schack"],
        f"room={places['studio']}": ["Schack"],
        "audience=children": ["Sagostund"],
        "audience=people_with_disabilities": ["Schack"],
        "audience=seniors": [],
        "language=sv": ["Språkcafé", "Sagostund"],
        "language=en": ["Schack"],
        f"partner={world.other_association.id}": ["Schack"],
        f"partner={world.association.id}": everything,
        f"org={world.library.slug}": everything,
        f"org={world.association.slug}": everything,
        f"org={world.other_association.slug}": ["Schack"],
        f"org={world.other_library.slug}": [],
        "from=2030-12-03": ["Sagostund", "Schack"],
        "from=2030-12-01&to=2030-12-04": ["Språkcafé", "Sagostund"],
        "to=2030-12-02": ["Språkcafé"],
        "from=2030-12-02&to=2030-12-02": ["Språkcafé"],
        "language=sv&audience=children": ["Sagostund"],
        # Parameters the API does not know are ignored.
        "colour=blue&language=en": ["Schack"],
    }
    for query, expected in cases.items():
        assert titles(web, f"{EVENTS}?{query}") == expected, query


def test_events_come_by_their_next_matching_date_with_the_matching_dates(web, world, places):
    weekly = make_event(web, world, places, title="Weekly", repeat_weeks=1, repeat_count=3)
    make_event(web, world, places, title="Tuesday", room="studio", starts_at=MONDAY + timedelta(1))
    assert titles(web, EVENTS) == ["Weekly", "Tuesday"]
    later = get_json(web, f"{EVENTS}?from=2030-12-03")["data"]
    assert [e["title"] for e in later] == ["Tuesday", "Weekly"]
    assert [d["start"][:10] for d in later[1]["dates"]] == ["2030-12-09", "2030-12-16"]
    # The event alone has all its dates.
    one = get_json(web, f"{EVENTS}/{weekly}")["data"]
    assert [d["start"][:10] for d in one["dates"]] == ["2030-12-02", "2030-12-09", "2030-12-16"]
    # A date moved to another room: filtering by room keeps only the dates there.
    moved = dates_of(web, weekly)[2]

    async def move(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await event_store.update_occurrence(conn, moved.id, room_id=places["branch"])

    web.run(move, web.ctx)
    in_branch = get_json(web, f"{EVENTS}?room={places['branch']}")["data"]
    assert [(e["title"], len(e["dates"])) for e in in_branch] == [("Weekly", 1)]
    assert in_branch[0]["dates"][0]["room"] == {"id": places["branch"], "name": "Sagorummet"}
    assert in_branch[0]["dates"][0]["location"]["name"] == "Rosengårds bibliotek"


# Pages -----------------------------------------------------------------------------------------


def test_pages_and_their_links_keep_the_filters(web, world, places):
    for n in range(5):
        make_event(web, world, places, title=f"Event {n}", starts_at=MONDAY + timedelta(days=n))
    first = get_json(web, f"{EVENTS}?per_page=2&language=sv&colour=blue")
    assert [e["title"] for e in first["data"]] == ["Event 0", "Event 1"]
    assert first["meta"] == {"page": 1, "per_page": 2, "has_next": True}
    assert first["links"] == {
        "self": f"{BASE_URL}{EVENTS}?language=sv&per_page=2",
        "next": f"{BASE_URL}{EVENTS}?language=sv&per_page=2&page=2",
        "prev": None,
    }
    second = get_json(web, first["links"]["next"].removeprefix(BASE_URL))
    assert [e["title"] for e in second["data"]] == ["Event 2", "Event 3"]
    assert second["links"]["prev"] == f"{BASE_URL}{EVENTS}?language=sv&per_page=2"
    assert second["links"]["self"] == f"{BASE_URL}{EVENTS}?language=sv&per_page=2&page=2"
    third = get_json(web, second["links"]["next"].removeprefix(BASE_URL))
    assert [e["title"] for e in third["data"]] == ["Event 4"]
    assert third["meta"] == {"page": 3, "per_page": 2, "has_next": False}
    assert third["links"]["next"] is None
    beyond = get_json(web, f"{EVENTS}?per_page=2&page=9")
    assert beyond["data"] == [] and beyond["meta"]["has_next"] is False
    assert beyond["links"]["prev"] == f"{BASE_URL}{EVENTS}?per_page=2&page=8"
    default = get_json(web, EVENTS)
    assert default["meta"] == {"page": 1, "per_page": 20, "has_next": False}
    assert default["links"] == {"self": f"{BASE_URL}{EVENTS}", "next": None, "prev": None}
    assert len(get_json(web, f"{EVENTS}?per_page=100")["data"]) == 5


# Errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ("location=abc", {"location": "Enter a whole number, like 40."}),
        ("room=1.5", {"room": "Enter a whole number, like 40."}),
        ("partner=-1", {"partner": "Enter a number from 1 to 2147483647."}),
        ("location=99999999999", {"location": "Enter a number from 1 to 2147483647."}),
        ("audience=martians", {"audience": "Choose one of the options."}),
        ("language=xx", {"language": "Choose one of the options."}),
        ("from=2030-02-30", {"from": "Enter a date like 2026-11-30."}),
        ("from=tomorrow", {"from": "Enter a date like 2026-11-30."}),
        ("to=2030-12-1", {"to": "Enter a date like 2026-11-30."}),
        ("from=2030-12-10&to=2030-12-01", {"to": "Choose a date on or after the first date."}),
        ("to=9999-12-31", {"to": "Enter a date from 1900-01-01 to 2999-12-31."}),
        ("from=0001-01-01", {"from": "Enter a date from 1900-01-01 to 2999-12-31."}),
        ("page=0", {"page": "Enter a number from 1 to 10000."}),
        ("page=two", {"page": "Enter a whole number, like 40."}),
        ("per_page=1000", {"per_page": "Enter a number from 1 to 100."}),
        ("per_page=0", {"per_page": "Enter a number from 1 to 100."}),
        ("org=nobody-here", {"org": "There is no organisation with this slug."}),
        (
            "audience=martians&page=0&location=x&colour=blue",
            {
                "audience": "Choose one of the options.",
                "page": "Enter a number from 1 to 10000.",
                "location": "Enter a whole number, like 40.",
            },
        ),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(web, world, query, bad):
    response = web.get(f"{EVENTS}?{query}")
    assert response.status_code == 400, (query, response.text)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": "invalid_parameters",
            "message": "Some query parameters are not valid.",
            "parameters": bad,
        }
    }


def test_an_organisation_that_is_not_active_is_a_bad_org(web, world):
    async def pending(ctx):  # type: ignore[no-untyped-def]
        return await factories.association(ctx, "Väntar", "wait@assoc.test", world.library.id)

    org = web.run(pending, web.ctx)
    assert org.status == "pending"
    error = get_json(web, f"{EVENTS}?org={org.slug}", 400)["error"]
    assert list(error["parameters"]) == ["org"]


def test_the_messages_are_in_the_reader_language(web, world):
    web.client.headers["Accept-Language"] = "sv"
    response = web.get(f"{EVENTS}?location=abc")
    assert response.status_code == 400
    message = response.json()["error"]["parameters"]["location"]
    assert message == "Skriv ett heltal, till exempel 40."
    assert "Accept-Language" in response.headers["vary"]


def test_unknown_events_and_addresses_are_json_404s(web, world):
    for path in (
        f"{EVENTS}/999999",
        f"{EVENTS}/0",
        f"{EVENTS}/-1",
        f"{EVENTS}/abc",
        f"{EVENTS}/99999999999",
        f"{EVENTS}/%C2%B2",
        "/api/v1/nothing",
        "/api/v2/events",
    ):
        error = get_json(web, path, 404)["error"]
        assert error["code"] == "not_found" and error["message"], path


# Headers and methods ---------------------------------------------------------------------------


def test_any_website_may_read_the_api_and_caches_may_keep_it_a_minute(web, world, places):
    event_id = make_event(web, world, places)
    for path, status in (
        (EVENTS, 200),
        (f"{EVENTS}/{event_id}", 200),
        ("/api/v1/openapi.json", 200),
        (f"{EVENTS}?page=0", 400),
        (f"{EVENTS}/999999", 404),
    ):
        response = web.get(path, headers={"Origin": "https://bibliotek.example"})
        assert response.status_code == status, path
        assert response.headers["access-control-allow-origin"] == "*", path
        assert response.headers["cache-control"] == "public, max-age=60", path
        assert response.headers["content-type"] == "application/json", path
    head = web.client.head(EVENTS)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["access-control-allow-origin"] == "*"
    preflight = web.client.options(
        EVENTS,
        headers={
            "Origin": "https://bibliotek.example",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_the_api_is_read_only(web, world, places):
    event_id = make_event(web, world, places)
    token = web.csrf()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in (EVENTS, f"{EVENTS}/{event_id}"):
            response = web.client.request(method, path, headers={"X-CSRF-Token": token})
            assert response.status_code == 405, (method, path)
            assert response.json()["error"]["code"] == "method_not_allowed"
            assert response.headers["allow"] == "GET, HEAD, OPTIONS"
        # Without the token the CSRF check refuses it before the API sees it.
        assert web.client.request(method, EVENTS).status_code == 403
    assert get_json(web, f"{EVENTS}/{event_id}")["data"]["status"] == "scheduled"


# Query count -----------------------------------------------------------------------------------


def _queries(web, path: str) -> int:
    """The SQL statements one request runs (transaction control left out)."""
    engine = web.ctx.db.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    web.get(path)  # warm up anything done once
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert web.get(path).status_code == 200, path
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len([s for s in statements if s.split()[0] not in ("BEGIN", "COMMIT", "ROLLBACK")])


def test_the_api_does_not_query_per_event(web, world, places):
    first = make_event(web, world, places, title="Event 1")
    paths = (
        EVENTS,
        f"{EVENTS}?org={world.library.slug}&language=sv",
        f"{EVENTS}?from=2030-12-01&per_page=3",
        f"{EVENTS}/{first}",
    )
    with_one = {path: _queries(web, path) for path in paths}
    for n, room in enumerate(("studio", "branch", "hall", "studio"), start=2):
        make_event(
            web, world, places, title=f"Event {n}", room=room,
            starts_at=MONDAY + timedelta(days=n), repeat_weeks=1, repeat_count=3,
        )  # fmt: skip
    add_partner(web, world, first, world.other_association)
    assert len(get_json(web, EVENTS)["data"]) == 5
    with_many = {path: _queries(web, path) for path in paths}
    assert with_many == with_one
    # The events, their dates, their partners (and the organisation of ``org``).
    assert with_one == {path: 4 if "org=" in path else 3 for path in paths}


# The OpenAPI document --------------------------------------------------------------------------


def _objects(schema: Any):  # type: ignore[no-untyped-def]
    """Every object schema inside ``schema``."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


def test_the_openapi_document_describes_every_parameter_and_closes_every_object(web):
    document = get_json(web, "/api/v1/openapi.json")
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": BASE_URL}]
    paths = document["paths"]
    assert set(paths) == {EVENTS, f"{EVENTS}/{{event_id}}", "/api/v1/openapi.json"}
    parameters = {p["name"]: p for p in paths[EVENTS]["get"]["parameters"]}
    assert tuple(parameters) == PARAMETERS
    assert parameters["audience"]["schema"]["enum"] == list(AUDIENCES)
    assert parameters["language"]["schema"]["enum"] == list(LANGUAGES)
    assert set(paths[EVENTS]["get"]["responses"]) == {"200", "400"}
    assert set(paths[f"{EVENTS}/{{event_id}}"]["get"]["responses"]) == {"200", "404"}
    schemas = document["components"]["schemas"]
    objects = list(_objects(schemas))
    assert len(objects) >= len(schemas)
    for found in objects:
        assert found["additionalProperties"] is False, found
        assert set(found["required"]) <= set(found["properties"]), found
    event = schemas["Event"]
    assert set(event["required"]) == set(event["properties"])
    assert set(event["required"]) == {
        "id", "title", "summary", "description", "status", "url", "ics_url", "library",
        "partners", "audiences", "languages", "capacity", "updated_at", "dates",
    }  # fmt: skip


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def hypothesis_home(tmp_path):  # type: ignore[no-untyped-def]
    """Hypothesis keeps its files in the test's folder, not in the checkout."""
    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)


def test_responses_match_the_openapi_document(web, world, places, hypothesis_home):
    """Real responses, and requests that schemathesis generates from the document (bounded
    to a few dozen per operation), each checked against the document."""
    cancelled = make_event(
        web, world, places, "published_then_cancelled", title="Flooded", starts_at=SUMMER
    )
    series = make_event(
        web, world, places, title="Läxhjälp", room="studio", repeat_weeks=1, repeat_count=3
    )
    add_partner(web, world, series, world.other_association)
    make_event(web, world, places, "draft", title="Draft")
    schema = schemathesis.openapi.from_dict(get_json(web, "/api/v1/openapi.json"))
    events_operation = schema[EVENTS]["GET"]
    event_operation = schema[f"{EVENTS}/{{event_id}}"]["GET"]

    def send(case) -> None:  # type: ignore[no-untyped-def]
        kwargs = case.as_transport_kwargs(base_url=BASE_URL)
        response = web.client.request(
            kwargs["method"], kwargs["url"], params=kwargs.get("params"), follow_redirects=False
        )
        case.validate_response(response, checks=CHECKS)

    known = [
        events_operation.Case(query={}),
        events_operation.Case(query={"from": "2030-01-01", "per_page": 1}),
        events_operation.Case(query={"from": "2030-01-01", "per_page": 1, "page": 2}),
        events_operation.Case(query={"org": world.other_association.slug, "language": "sv"}),
        events_operation.Case(query={"audience": "nobody"}),
        events_operation.Case(query={"from": "2030-12-10", "to": "2030-12-01"}),
        events_operation.Case(query={"org": "nobody-here"}),
        event_operation.Case(path_parameters={"event_id": series}),
        event_operation.Case(path_parameters={"event_id": cancelled}),
        event_operation.Case(path_parameters={"event_id": 999999}),
        schema["/api/v1/openapi.json"]["GET"].Case(),
    ]
    for case in known:
        send(case)

    for operation in (events_operation, event_operation):

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        def generated(case) -> None:  # type: ignore[no-untyped-def]
            send(case)

        generated()
