"""Locations and rooms: library admins add and edit them, the library's staff see them,
nobody else does; bad input is refused next to the field and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from tests import factories
from webapp.db.tables import audit_log, locations, rooms
from webapp.locations import service, store
from webapp.problems import Invalid

CENTRAL = {
    "name": "Stadsbiblioteket",
    "street": "Kung Oscars väg 11",
    "postal_code": "211 33",
    "city": "Malmö",
    "country": "SE",
    "directions": "Entrance from the park side.",
}
HALL = {
    "name": "Hörsalen",
    "capacity": 120,
    "accessibility": ["step_free", "hearing_loop"],
    "equipment": ["projector", "microphone"],
    "notes": "Key at the front desk.",
}


@pytest.fixture(autouse=True)
def english(web):
    """Pages in English, so the tests can read the messages."""
    web.client.headers["Accept-Language"] = "en"


# Helpers ---------------------------------------------------------------------------------------


async def _add_location(ctx, email, library, values):  # type: ignore[no-untyped-def]
    actor = await factories.actor(ctx, email)
    return await service.create_location(ctx, actor=actor, library=library, values=values)


async def _add_room(ctx, email, library, location_id, values):  # type: ignore[no-untyped-def]
    actor = await factories.actor(ctx, email)
    return await service.create_room(
        ctx, actor=actor, library=library, location_id=location_id, values=values
    )


def add_location(web, world, values=None, *, other=False):  # type: ignore[no-untyped-def]
    library = world.other_library if other else world.library
    email = world.emails["other_library_admin" if other else "library_admin"]
    return web.run(_add_location, web.ctx, email, library, values or CENTRAL)


def add_room(web, world, location_id, values=None, *, other=False):  # type: ignore[no-untyped-def]
    library = world.other_library if other else world.library
    email = world.emails["other_library_admin" if other else "library_admin"]
    return web.run(_add_room, web.ctx, email, library, location_id, values or HALL)


async def _snapshot(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return {
            "locations": [
                tuple(r) for r in await conn.execute(select(locations).order_by(locations.c.id))
            ],
            "rooms": [tuple(r) for r in await conn.execute(select(rooms).order_by(rooms.c.id))],
            "audit": (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one(),
        }


def snapshot(web):  # type: ignore[no-untyped-def]
    return web.run(_snapshot, web.ctx)


async def _row(ctx, table, row_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return (await conn.execute(select(table).where(table.c.id == row_id))).one()


def row(web, table, row_id):  # type: ignore[no-untyped-def]
    return web.run(_row, web.ctx, table, row_id)


def base(world, *, other=False) -> str:  # type: ignore[no-untyped-def]
    return f"/orgs/{(world.other_library if other else world.library).slug}/locations"


def room_form(**changes):  # type: ignore[no-untyped-def]
    data = {**HALL, **changes}
    return {key: (str(v) if key == "capacity" else v) for key, v in data.items()}


def manage_pages(b, location_id, room_id):  # type: ignore[no-untyped-def]
    """The admin-only pages (GET) and every write (POST, with good data) for one room."""
    room_url = f"{b}/{location_id}/rooms/{room_id}"
    gets = [
        f"{b}/new",
        f"{b}/{location_id}/edit",
        f"{b}/{location_id}/rooms/new",
        f"{room_url}/edit",
    ]
    posts = {
        f"{b}/new": {**CENTRAL, "name": "Garaget"},
        f"{b}/{location_id}/edit": {**CENTRAL, "name": "Changed"},
        f"{b}/{location_id}/active": {"active": "0"},
        f"{b}/{location_id}/rooms/new": room_form(name="Verkstaden"),
        f"{room_url}/edit": room_form(name="Changed"),
        f"{room_url}/active": {"active": "0"},
    }
    return gets, posts


# Journeys of the library admin -----------------------------------------------------------------


def test_admin_adds_a_location_and_a_room_and_sees_them_listed(web, world):
    web.login(world.emails["library_admin"])
    page = web.get(f"{base(world)}/new")
    assert page.status_code == 200
    assert '<label for="street">' in page.text

    response = web.post(f"{base(world)}/new", CENTRAL)
    assert response.status_code == 303
    assert response.headers["location"] == f"{base(world)}?done=location-created"
    stored = snapshot(web)["locations"]
    assert len(stored) == 1
    location = row(web, locations, stored[0][0])
    assert (location.library_id, location.name, location.street, location.postal_code) == (
        world.library.id,
        "Stadsbiblioteket",
        "Kung Oscars väg 11",
        "211 33",
    )
    assert (location.city, location.country, location.is_active) == ("Malmö", "SE", True)

    response = web.post(f"{base(world)}/{location.id}/rooms/new", room_form())
    assert response.status_code == 303
    assert response.headers["location"] == f"{base(world)}?done=room-created"
    room = row(web, rooms, snapshot(web)["rooms"][0][0])
    assert (room.location_id, room.name, room.capacity) == (location.id, "Hörsalen", 120)
    assert sorted(room.accessibility) == ["hearing_loop", "step_free"]
    assert sorted(room.equipment) == ["microphone", "projector"]
    assert room.notes == "Key at the front desk."

    listing = web.get(f"{base(world)}?done=room-created")
    assert listing.status_code == 200
    text = listing.text
    for expected in (
        "Stadsbiblioteket",
        "Kung Oscars väg 11",
        "211 33 Malmö",
        "Sweden",
        "Hörsalen",
        "120 people",
        "Step-free access",
        "Hearing loop",
        "Projector",
        "Microphone",
        "The room has been added.",
    ):
        assert expected in text, expected
    assert f"{base(world)}/{location.id}/edit" in text
    assert f"{base(world)}/{location.id}/rooms/{room.id}/edit" in text
    assert f"{base(world)}/new" in text
    assert '<th scope="col">' in text and '<th scope="row">' in text


def test_admin_edits_a_location_and_a_room(web, world):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    web.login(world.emails["library_admin"])

    page = web.get(f"{base(world)}/{location_id}/edit")
    assert page.status_code == 200
    assert 'value="Kung Oscars väg 11"' in page.text
    response = web.post(
        f"{base(world)}/{location_id}/edit",
        {
            **CENTRAL,
            "name": "Stadsbiblioteket Malmö",
            "street": "Regementsgatan 3",
            "directions": "",
        },
    )
    assert response.status_code == 303
    location = row(web, locations, location_id)
    assert (location.name, location.street, location.directions) == (
        "Stadsbiblioteket Malmö",
        "Regementsgatan 3",
        "",
    )

    page = web.get(f"{base(world)}/{location_id}/rooms/{room_id}/edit")
    assert page.status_code == 200
    assert 'value="120"' in page.text
    assert re.search(r'id="accessibility-step_free"[^>]*checked', page.text)
    assert not re.search(r'id="accessibility-lift"[^>]*checked', page.text)
    response = web.post(
        f"{base(world)}/{location_id}/rooms/{room_id}/edit",
        {
            "name": "Stora salen",
            "capacity": "80",
            "accessibility": ["lift", "quiet_room"],
            "equipment": ["piano"],
            "notes": "",
        },
    )
    assert response.status_code == 303
    room = row(web, rooms, room_id)
    assert (room.name, room.capacity, room.notes) == ("Stora salen", 80, "")
    assert sorted(room.accessibility) == ["lift", "quiet_room"]
    assert room.equipment == ["piano"]

    text = web.get(base(world)).text
    assert "Stadsbiblioteket Malmö" in text and "Regementsgatan 3" in text
    assert "Stora salen" in text and "80 people" in text and "Piano" in text
    assert "Hörsalen" not in text


def test_admin_keeps_a_room_name_while_changing_other_details(web, world):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    web.login(world.emails["library_admin"])
    response = web.post(
        f"{base(world)}/{location_id}/rooms/{room_id}/edit", room_form(capacity=130)
    )
    assert response.status_code == 303
    assert row(web, rooms, room_id).capacity == 130


def test_admin_takes_a_location_and_a_room_out_of_use_and_back(web, world):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    web.login(world.emails["library_admin"])
    room_url = f"{base(world)}/{location_id}/rooms/{room_id}"

    assert web.post(f"{room_url}/active", {"active": "0"}).status_code == 303
    assert row(web, rooms, room_id).is_active is False
    assert "Put Hörsalen back in use" in web.get(f"{room_url}/edit").text
    assert web.post(f"{base(world)}/{location_id}/active", {"active": "0"}).status_code == 303
    assert row(web, locations, location_id).is_active is False
    assert "Not in use" in web.get(base(world)).text

    assert web.post(f"{base(world)}/{location_id}/active", {"active": "1"}).status_code == 303
    assert web.post(f"{room_url}/active", {"active": "1"}).status_code == 303
    assert row(web, locations, location_id).is_active is True
    assert row(web, rooms, room_id).is_active is True
    assert "Not in use" not in web.get(base(world)).text
    assert web.post(f"{room_url}/active", {"active": "maybe"}).status_code == 400


# Who may see and change ------------------------------------------------------------------------


def test_staff_see_the_list_but_cannot_change_anything(web, world):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    web.login(world.emails["library_staff"])
    before = snapshot(web)

    listing = web.get(base(world))
    assert listing.status_code == 200
    assert "Hörsalen" in listing.text and "Step-free access" in listing.text
    assert "/edit" not in listing.text and f"{base(world)}/new" not in listing.text

    gets, posts = manage_pages(base(world), location_id, room_id)
    for path in gets:
        assert web.get(path).status_code == 403, path
    for path, data in posts.items():
        assert web.post(path, data).status_code == 403, path
    assert snapshot(web) == before


@pytest.mark.parametrize(
    "who", ["association_member", "association_admin", "other_library_admin", "other_library_staff"]
)
def test_people_outside_the_library_get_403(web, world, who):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    web.login(world.emails[who])
    before = snapshot(web)
    gets, posts = manage_pages(base(world), location_id, room_id)
    for path in [base(world), *gets]:
        assert web.get(path).status_code == 403, path
    for path, data in posts.items():
        assert web.post(path, data).status_code == 403, path
    assert snapshot(web) == before


def test_anonymous_visitors_are_sent_to_log_in(web, world):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id)
    before = snapshot(web)
    gets, posts = manage_pages(base(world), location_id, room_id)
    for path in [base(world), *gets]:
        response = web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    for path, data in posts.items():
        response = web.post(path, data)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert snapshot(web) == before


def test_only_libraries_have_locations(web, world):
    web.login(world.emails["library_admin"])
    assert web.get(f"/orgs/{world.association.slug}/locations").status_code == 404
    assert web.get("/orgs/no-such-library/locations").status_code == 404


def test_a_post_without_csrf_token_is_refused(web, world):
    location_id = add_location(web, world)
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    response = web.client.post(
        f"{base(world)}/new", data={**CENTRAL, "name": "Garaget"}, follow_redirects=False
    )
    assert response.status_code == 403
    response = web.client.post(
        f"{base(world)}/{location_id}/active", data={"active": "0"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert snapshot(web) == before


# Another library's data ------------------------------------------------------------------------


def test_another_librarys_ids_are_not_found_and_untouched(web, world):
    own_location = add_location(web, world)
    own_room = add_room(web, world, own_location)
    theirs = add_location(web, world, {**CENTRAL, "name": "Lunds stadsbibliotek"}, other=True)
    their_room = add_room(web, world, theirs, other=True)
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    b = base(world)

    gets = (
        f"{b}/{theirs}/edit",
        f"{b}/{theirs}/rooms/new",
        f"{b}/{theirs}/rooms/{their_room}/edit",
        # a room addressed through a location it is not at
        f"{b}/{own_location}/rooms/{their_room}/edit",
        f"{b}/{theirs}/rooms/{own_room}/edit",
        f"{b}/99999/edit",
        f"{b}/99999999999999999999/edit",
    )
    for path in gets:
        assert web.get(path).status_code == 404, path
    _, posts = manage_pages(b, theirs, their_room)
    del posts[f"{b}/new"]  # adding a location to one's own library is fine
    mixed = f"{b}/{own_location}/rooms/{their_room}"
    posts |= {f"{mixed}/edit": room_form(name="Taken over"), f"{mixed}/active": {"active": "0"}}
    for path, data in posts.items():
        assert web.post(path, data).status_code == 404, path
    assert snapshot(web) == before
    assert "Lunds stadsbibliotek" not in web.get(b).text


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "x" * 161, "Use at most 160 characters."),
        ("street", "   ", "This field is required."),
        ("postal_code", "211 33 ###", "Enter a postal code with digits and letters, like 211 33."),
        ("postal_code", "1" * 17, "Use at most 16 characters."),
        ("city", "c" * 101, "Use at most 100 characters."),
        ("country", "XX", "Choose one of the options."),
        ("directions", "d" * 2001, "Use at most 2000 characters."),
    ],
)
def test_bad_location_input_is_shown_next_to_the_field(web, world, field, value, message):
    location_id = add_location(web, world)
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    data = {**CENTRAL, "name": "Garaget", field: value}
    for path in (f"{base(world)}/new", f"{base(world)}/{location_id}/edit"):
        response = web.post(path, data)
        assert response.status_code == 400, path
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
        assert "There is a problem" in response.text
        if field not in ("country", "directions") and value.strip():
            assert f'value="{value}"' in response.text
        kept = 'value="Kung Oscars väg 11"' if field != "street" else 'value="Garaget"'
        assert kept in response.text  # the other fields keep what was typed
    assert snapshot(web) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "r" * 161}, "name", "Use at most 160 characters."),
        ({"capacity": "abc"}, "capacity", "Enter a whole number, like 40."),
        ({"capacity": ""}, "capacity", "This field is required."),
        ({"capacity": "0"}, "capacity", "Enter a number from 1 to 10000."),
        ({"capacity": "10001"}, "capacity", "Enter a number from 1 to 10000."),
        (
            {"accessibility": ["step_free", "teleporter"]},
            "accessibility",
            "Choose among the listed options.",
        ),
        ({"equipment": ["laser"]}, "equipment", "Choose among the listed options."),
        ({"notes": "n" * 2001}, "notes", "Use at most 2000 characters."),
    ],
)
def test_bad_room_input_is_shown_next_to_the_field(web, world, changes, field, message):
    location_id = add_location(web, world)
    room_id = add_room(web, world, location_id, {**HALL, "name": "Studierum"})
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    data = room_form(**{"name": "Verkstaden", **changes})
    for path in (
        f"{base(world)}/{location_id}/rooms/new",
        f"{base(world)}/{location_id}/rooms/{room_id}/edit",
    ):
        response = web.post(path, data)
        assert response.status_code == 400, path
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        assert f'href="#{field}"' in response.text
        if field == "capacity" and changes["capacity"]:
            assert f'value="{changes["capacity"]}"' in response.text
        if field != "name":
            assert 'value="Verkstaden"' in response.text
        # The ticked boxes stay ticked.
        assert re.search(r'id="accessibility-step_free"[^>]*checked', response.text)
    assert snapshot(web) == before


def test_duplicate_names_are_refused_at_the_name_field(web, world):
    location_id = add_location(web, world)
    garage = add_location(web, world, {**CENTRAL, "name": "Garaget"})
    room_id = add_room(web, world, location_id)
    add_room(web, world, location_id, {**HALL, "name": "Studierum 3"})
    # The same names at another library, or at another location, are fine (below).
    add_location(web, world, CENTRAL, other=True)
    web.login(world.emails["library_admin"])
    before = snapshot(web)

    cases = [
        (f"{base(world)}/new", {**CENTRAL}, "already has a location with this name"),
        (
            f"{base(world)}/new",
            {**CENTRAL, "name": "stadsBIBLIOTEKET"},
            "already has a location with this name",
        ),
        (f"{base(world)}/{garage}/edit", {**CENTRAL}, "already has a location with this name"),
        (
            f"{base(world)}/{location_id}/rooms/new",
            room_form(),
            "already has a room with this name",
        ),
        (
            f"{base(world)}/{location_id}/rooms/{room_id}/edit",
            room_form(name="studierum 3"),
            "already has a room with this name",
        ),
    ]
    for path, data, message in cases:
        response = web.post(path, data)
        assert response.status_code == 400, path
        assert 'id="name-error"' in response.text
        assert message in response.text
        assert f'value="{data["name"]}"' in response.text
    assert snapshot(web) == before

    assert web.post(f"{base(world)}/{garage}/rooms/new", room_form()).status_code == 303


def test_the_database_backs_the_unique_names(web, world, monkeypatch):
    """Should two admins save the same name at once, the constraint answers, not a 500."""
    location_id = add_location(web, world)
    add_room(web, world, location_id)
    before = snapshot(web)

    async def no_names(conn, owner_id):  # type: ignore[no-untyped-def]
        return []  # as if the other admin's row were not yet visible

    monkeypatch.setattr(store, "location_names", no_names)
    monkeypatch.setattr(store, "room_names", no_names)

    async def save_both(ctx):  # type: ignore[no-untyped-def]
        actor = await factories.actor(ctx, world.emails["library_admin"])
        errors = []
        try:
            await service.create_location(ctx, actor=actor, library=world.library, values=CENTRAL)
        except Invalid as exc:
            errors.append(exc.errors)
        try:
            await service.create_room(
                ctx, actor=actor, library=world.library, location_id=location_id, values=HALL
            )
        except Invalid as exc:
            errors.append(exc.errors)
        return errors

    errors = web.run(save_both, web.ctx)
    assert [sorted(e) for e in errors] == [["name"], ["name"]]
    assert snapshot(web) == before


# Query count -----------------------------------------------------------------------------------


def test_the_list_does_not_query_per_location(web, world):
    web.login(world.emails["library_admin"])
    engine = web.ctx.db.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_for_list() -> int:
        web.get(base(world))  # warm up anything done once per session
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert web.get(base(world)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    first = add_location(web, world)
    add_room(web, world, first)
    add_room(web, world, first, {**HALL, "name": "Studierum"})
    with_one = queries_for_list()
    for n in range(2, 6):
        location_id = add_location(web, world, {**CENTRAL, "name": f"Filial {n}"})
        add_room(web, world, location_id)
        add_room(web, world, location_id, {**HALL, "name": "Studierum"})
    with_five = queries_for_list()
    assert "Filial 5" in web.get(base(world)).text
    assert 0 < with_five <= with_one, (with_one, with_five)
