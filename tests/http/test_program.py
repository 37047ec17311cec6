"""The public program: anyone sees the published events' dates, by day and by week, and
each event's page; nothing that is not published is ever shown to the public. The events
are made through the co-planning services, as partners and staff make them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event

from tests import factories
from webapp.db.tables import events, occurrences
from webapp.events import partners
from webapp.events import store as event_store
from webapp.locations import service as locations

# Monday 2 December 2030, 18:00–20:00 in Stockholm (UTC+1 in winter): ISO week 49.
MONDAY = datetime(2030, 12, 2, 17, 0, tzinfo=UTC)
TWO_HOURS = timedelta(hours=2)

CENTRAL = {
    "name": "Stadsbiblioteket",
    "street": "Kung Oscars väg 11",
    "postal_code": "211 33",
    "city": "Malmö",
    "country": "SE",
    "directions": "Entrance from the park side.\nTake the lift to floor 2.",
}
BRANCH = {**CENTRAL, "name": "Rosengårds bibliotek", "street": "Amiralsgatan 35",
          "postal_code": "215 72", "directions": ""}  # fmt: skip
HALL = {
    "name": "Hörsalen",
    "capacity": 80,
    "accessibility": ["step_free", "hearing_loop"],
    "equipment": [],
    "notes": "Key at the front desk.",
}
NOT_PUBLIC = ("draft", "submitted", "changes_requested", "approved", "withdrawn", "declined",
              "cancelled")  # fmt: skip


@pytest.fixture(autouse=True)
def english(web):
    """Pages in English, so the tests can read them."""
    web.client.headers["Accept-Language"] = "en"


# Making events through the co-planning services ---------------------------------------------


async def _rooms(ctx, world):  # type: ignore[no-untyped-def]
    admin = await factories.actor(ctx, world.emails["library_admin"])
    found = {}
    for key, place, room in (
        ("hall", CENTRAL, HALL),
        ("studio", None, {**HALL, "name": "Studion", "capacity": 20, "accessibility": []}),
        ("branch", BRANCH, {**HALL, "name": "Sagorummet", "accessibility": ["lift"]}),
    ):
        if place is not None:
            location_id = await locations.create_location(
                ctx, actor=admin, library=world.library, values=place
            )
        found[key] = await locations.create_room(
            ctx, actor=admin, library=world.library, location_id=location_id, values=room
        )
    return found


@pytest.fixture
def rooms(web, world):  # type: ignore[no-untyped-def]
    return web.run(_rooms, web.ctx, world)


_move = factories.move


def make_event(web, world, rooms, state="published", *, room="hall", starts_at=MONDAY, **values):  # type: ignore[no-untyped-def]
    return web.run(factories.event_in_state, web.ctx, world, state, rooms[room], starts_at, values)


async def _dates_of(ctx, event_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await event_store.occurrences_of(conn, event_id)


def cancel_date(web, event_id, index):  # type: ignore[no-untyped-def]
    """Cancel one date of a series (no service does this yet: the store does)."""

    async def run(ctx):  # type: ignore[no-untyped-def]
        found = await _dates_of(ctx, event_id)
        async with ctx.db.transaction() as conn:
            await event_store.update_occurrence(conn, found[index].id, status="cancelled")
        return found[index]

    return web.run(run, web.ctx)


def titles(html: str) -> list[str]:
    """The event titles listed on a program page, in order (one per date)."""
    return re.findall(r'<h3><a href="/events/\d+">([^<]+)</a>', html)


# The list -------------------------------------------------------------------------------------


def test_anyone_sees_published_dates_by_day_with_the_local_time(web, world, rooms):
    event_id = make_event(web, world, rooms, title="Språkcafé")
    page = web.get("/program")
    assert page.status_code == 200
    assert titles(page.text) == ["Språkcafé"]
    assert f'href="/events/{event_id}"' in page.text
    assert '<time datetime="2030-12-02">Monday, 2 December 2030</time>' in page.text
    assert '<time datetime="2030-12-02T18:00+01:00">18:00</time>' in page.text
    assert '<time datetime="2030-12-02T20:00+01:00">20:00</time>' in page.text
    assert "Stadsbiblioteket, Malmö" in page.text
    assert "By Nya grannar" in page.text and "In Swedish, Arabic" in page.text
    assert not re.search(r"\d\s?[AP]M\b", page.text)  # the 24-hour clock


def test_a_series_lists_every_date_and_a_cancelled_date_is_marked(web, world, rooms):
    event_id = make_event(web, world, rooms, title="Läxhjälp", repeat_weeks=1, repeat_count=3)
    cancelled = cancel_date(web, event_id, 1)
    page = web.get("/program")
    assert titles(page.text) == ["Läxhjälp"] * 3
    for day in ("2030-12-02", "2030-12-09", "2030-12-16"):
        assert f'<time datetime="{day}">' in page.text
    items = re.findall(r'<li class="program-date[^"]*">.*?</li>', page.text, re.S)
    assert ["Cancelled" in item for item in items] == [False, True, False]
    assert 'class="program-date is-cancelled"' in items[1]
    # The event page shows every date, the cancelled one marked.
    event_page = web.get(f"/events/{event_id}").text
    dates = re.findall(r'<li id="date-(\d+)">(.*?)</li>', event_page, re.S)
    assert [int(d[0]) == cancelled.id for d in dates] == [False, True, False]
    assert "Cancelled" in dates[1][1] and "<del>" in dates[1][1]
    assert "Cancelled" not in dates[0][1]


def test_dates_are_in_time_order_across_events(web, world, rooms):
    make_event(web, world, rooms, title="Later", starts_at=MONDAY + timedelta(days=1))
    make_event(web, world, rooms, title="Earlier", room="studio")
    make_event(web, world, rooms, title="Same day", room="branch", starts_at=MONDAY + TWO_HOURS)
    assert titles(web.get("/program").text) == ["Earlier", "Same day", "Later"]


def test_past_dates_are_not_upcoming_but_can_be_looked_up(web, world, rooms):
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    make_event(web, world, rooms, title="Last week", starts_at=past)
    make_event(web, world, rooms, title="Next year", room="studio")
    assert titles(web.get("/program").text) == ["Next year"]
    since = (past - timedelta(days=1)).date().isoformat()
    assert titles(web.get(f"/program?from={since}").text) == ["Last week", "Next year"]


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_an_event_that_is_not_published_is_never_listed(web, world, rooms, state):
    make_event(web, world, rooms, state, title="Secret")
    make_event(web, world, rooms, title="Public", room="studio")
    for path in (
        "/program",
        f"/orgs/{world.library.slug}/program",
        f"/orgs/{world.association.slug}/program",
        "/program/week?week=2030-W49",
        f"/orgs/{world.library.slug}/program/week?week=2030-W49",
    ):
        page = web.get(path)
        assert page.status_code == 200, path
        assert "Secret" not in page.text, (state, path)
        assert "Public" in page.text, path


@pytest.mark.parametrize("state", ["published", "completed", "evaluated"])
def test_published_completed_and_evaluated_events_are_public(web, world, rooms, state):
    event_id = make_event(web, world, rooms, state, title="Open to all")
    assert "Open to all" in web.get("/program").text
    page = web.get(f"/events/{event_id}")
    assert page.status_code == 200
    assert "Open to all" in page.text
    assert ("This event has taken place." in page.text) == (state != "published")


def test_a_library_program_shows_its_events_and_an_association_its_own(web, world, rooms):
    make_event(web, world, rooms, title="Språkcafé")
    other_id = make_event(
        web, world, rooms, title="Schack för alla", room="studio", starts_at=MONDAY + TWO_HOURS
    )

    async def co_host(ctx):  # type: ignore[no-untyped-def]
        # The other association is invited but has not answered: not an organiser yet.
        lead = await factories.actor(ctx, "member@assoc.test")
        await partners.invite(
            ctx,
            actor=lead,
            event_id=other_id,
            organisation_id=world.other_association.id,
            role="co_host",
        )

    web.run(co_host, web.ctx)
    library = web.get(f"/orgs/{world.library.slug}/program")
    assert titles(library.text) == ["Språkcafé", "Schack för alla"]
    assert "Program of Malmö stadsbibliotek" in library.text
    assert titles(web.get(f"/orgs/{world.association.slug}/program").text) == [
        "Språkcafé",
        "Schack för alla",
    ]
    assert titles(web.get(f"/orgs/{world.other_library.slug}/program").text) == []
    assert titles(web.get(f"/orgs/{world.other_association.slug}/program").text) == []

    async def accept(ctx):  # type: ignore[no-untyped-def]
        admin = await factories.actor(ctx, "admin@otherassoc.test")
        await partners.answer(
            ctx,
            actor=admin,
            event_id=other_id,
            organisation_id=world.other_association.id,
            accept=True,
        )

    web.run(accept, web.ctx)
    other = web.get(f"/orgs/{world.other_association.slug}/program")
    assert titles(other.text) == ["Schack för alla"]


def test_an_unknown_or_pending_organisation_has_no_program(web, world):
    assert web.get("/orgs/nobody-here/program").status_code == 404
    assert web.get("/orgs/nobody-here/program/week").status_code == 404

    async def pending(ctx):  # type: ignore[no-untyped-def]
        return await factories.association(ctx, "Väntar", "wait@assoc.test", world.library.id)

    org = web.run(pending, web.ctx)
    assert org.status == "pending"
    assert web.get(f"/orgs/{org.slug}/program").status_code == 404


# Filters ---------------------------------------------------------------------------------------


def _filter_world(web, world, rooms):  # type: ignore[no-untyped-def]
    make_event(web, world, rooms, title="Språkcafé", audiences=["newcomers"], languages=["sv"])
    make_event(
        web, world, rooms, title="Sagostund", room="branch",
        starts_at=MONDAY + timedelta(days=2), audiences=["children", "families"],
        languages=["ar", "sv"],
    )  # fmt: skip
    chess = make_event(
        web, world, rooms, title="Schack", room="studio",
        starts_at=MONDAY + timedelta(days=9), audiences=["people_with_disabilities"],
        languages=["en"],
    )  # fmt: skip

    async def co_host(ctx):  # type: ignore[no-untyped-def]
        lead = await factories.actor(ctx, "member@assoc.test")
        await partners.invite(
            ctx, actor=lead, event_id=chess,
            organisation_id=world.other_association.id, role="supporter",
        )  # fmt: skip
        other = await factories.actor(ctx, "admin@otherassoc.test")
        await partners.answer(
            ctx, actor=other, event_id=chess,
            organisation_id=world.other_association.id, accept=True,
        )  # fmt: skip

    web.run(co_host, web.ctx)


def _location_id(page: str, name: str) -> str:
    found = re.search(rf'<option value="(\d+)"[^>]*>{name}, Malmö</option>', page)
    assert found, name
    return found.group(1)


def test_filters_narrow_the_program_without_javascript(web, world, rooms):
    _filter_world(web, world, rooms)
    page = web.get("/program").text
    assert titles(page) == ["Språkcafé", "Sagostund", "Schack"]
    assert '<form method="get" action="/program" role="search"' in page
    branch = _location_id(page, "Rosengårds bibliotek")
    assert _location_id(page, "Stadsbiblioteket")

    def shown(query: str) -> list[str]:
        response = web.get(f"/program?{query}")
        assert response.status_code == 200, (query, response.text)
        return titles(response.text)

    assert shown(f"location={branch}") == ["Sagostund"]
    assert shown("audience=children") == ["Sagostund"]
    assert shown("audience=people_with_disabilities") == ["Schack"]
    assert shown("audience=seniors") == []
    assert shown("language=sv") == ["Språkcafé", "Sagostund"]
    assert shown("language=en") == ["Schack"]
    assert shown(f"partner={world.other_association.id}") == ["Schack"]
    assert shown(f"partner={world.association.id}") == ["Språkcafé", "Sagostund", "Schack"]
    assert shown("from=2030-12-03") == ["Sagostund", "Schack"]
    assert shown("from=2030-12-01&to=2030-12-04") == ["Språkcafé", "Sagostund"]
    assert shown("to=2030-12-02") == ["Språkcafé"]
    assert shown("language=sv&audience=children") == ["Sagostund"]
    # The chosen values stay chosen in the form.
    page = web.get(f"/program?location={branch}&language=ar").text
    assert f'<option value="{branch}" selected>' in page
    assert '<option value="ar" selected>' in page
    # The partner filter offers the organisers of listed events.
    assert f'<option value="{world.other_association.id}">Schackklubben</option>' in page


def test_a_bad_filter_is_explained_next_to_its_field(web, world, rooms):
    _filter_world(web, world, rooms)
    for query, field in (
        ("from=2030-02-30", "from"),
        ("from=tomorrow", "from"),
        ("from=2030-12-10&to=2030-12-01", "to"),
        ("audience=martians", "audience"),
        ("language=xx", "language"),
        ("location=abc", "location"),
        ("partner=-1", "partner"),
    ):
        response = web.get(f"/program?{query}")
        assert response.status_code == 400, query
        assert f'id="{field}-error"' in response.text, query
        assert 'aria-invalid="true"' in response.text
        # The other filters still apply; the bad one is left out.
        assert "Språkcafé" in response.text or field == "to", query


def test_the_program_is_paged(web, world, rooms):
    make_event(web, world, rooms, title="Weekly", repeat_weeks=1, repeat_count=45)
    first = web.get("/program")
    assert len(titles(first.text)) == 40
    assert '<a href="/program?page=2" rel="next">' in first.text
    second = web.get("/program?page=2")
    assert len(titles(second.text)) == 5
    assert '<a href="/program" rel="prev">' in second.text
    assert 'rel="next"' not in second.text
    # Filters survive paging.
    filtered = web.get("/program?language=sv").text
    assert '<a href="/program?language=sv&amp;page=2" rel="next">' in filtered
    assert web.get("/program?page=nonsense").status_code == 200


# The week view ---------------------------------------------------------------------------------


def test_the_week_view_lists_each_day_monday_first_with_the_iso_week(web, world, rooms):
    make_event(web, world, rooms, title="Språkcafé", repeat_weeks=1, repeat_count=2)
    make_event(
        web, world, rooms, title="Söndagsbio", room="studio", starts_at=MONDAY + timedelta(days=6)
    )
    page = web.get("/program/week?week=2030-W49")
    assert page.status_code == 200
    assert '<h1><time datetime="2030-W49">Week 49, 2030</time></h1>' in page.text
    days = re.findall(r'<h2 id="day-([\d-]+)">', page.text)
    assert days == [f"2030-12-0{n}" for n in range(2, 9)]
    assert "Monday, 2 December 2030" in page.text
    assert titles(page.text) == ["Språkcafé", "Söndagsbio"]
    assert page.text.count("Nothing in the program this day.") == 5
    assert 'href="/program/week?week=2030-W48" rel="prev"' in page.text
    assert 'href="/program/week?week=2030-W50" rel="next"' in page.text
    next_week = web.get("/program/week?week=2030-W50")
    assert titles(next_week.text) == ["Språkcafé"]
    assert "<table" not in page.text


def test_the_week_view_keeps_filters_and_crosses_years(web, world, rooms):
    _filter_world(web, world, rooms)
    page = web.get(f"/orgs/{world.library.slug}/program/week?week=2030-W49&language=ar")
    assert titles(page.text) == ["Sagostund"]
    assert f"/orgs/{world.library.slug}/program/week?language=ar&amp;week=2030-W50" in page.text
    # 2026 has 53 ISO weeks; 2025 does not.
    year_end = web.get("/program/week?week=2026-W53")
    assert year_end.status_code == 200
    assert 'href="/program/week?week=2027-W01" rel="next"' in year_end.text
    assert '<time datetime="2026-12-28">' in year_end.text
    for bad in ("2025-W53", "2030-W00", "2030-49", "nonsense", "0000-W01"):
        assert web.get(f"/program/week?week={bad}").status_code == 404, bad
    this_week = web.get("/program/week")
    assert this_week.status_code == 200 and "Week " in this_week.text


# The event page --------------------------------------------------------------------------------


def test_the_event_page_tells_an_attendee_everything(web, world, rooms):
    event_id = make_event(
        web,
        world,
        rooms,
        title="Språkcafé",
        summary="Practise Swedish over coffee.",
        description="Bring a **friend**.\n\n# What happens\n\n- Talk\n- Coffee",
        accessibility_notes="Sign language interpreter on request.",
        languages=["sv", "ar"],
        audiences=["newcomers", "adults"],
    )

    async def co_hosts(ctx):  # type: ignore[no-untyped-def]
        lead = await factories.actor(ctx, "member@assoc.test")
        for org in (world.other_association, world.other_library):
            await partners.invite(
                ctx, actor=lead, event_id=event_id, organisation_id=org.id, role="co_host"
            )
        other = await factories.actor(ctx, "admin@otherassoc.test")
        await partners.answer(
            ctx, actor=other, event_id=event_id,
            organisation_id=world.other_association.id, accept=True,
        )  # fmt: skip

    web.run(co_hosts, web.ctx)
    page = web.get(f"/events/{event_id}")
    assert page.status_code == 200
    text = page.text
    assert '<h1 id="event-title">Språkcafé</h1>' in text
    assert "Practise Swedish over coffee." in text
    assert "Bring a <strong>friend</strong>." in text and "<h3>What happens</h3>" in text
    assert '<time datetime="2030-12-02T18:00+01:00">Monday, 2 December 2030</time>' in text
    assert ">18:00</time>–<time" in text and ">20:00</time>" in text
    assert "Kung Oscars väg 11" in text and "211 33 Malmö" in text and "Sweden" in text
    assert "<strong>Stadsbiblioteket</strong>, Hörsalen" in text
    assert "<p>Entrance from the park side.</p>" in text
    assert "<p>Take the lift to floor 2.</p>" in text
    assert "<li>Step-free access</li>" in text and "<li>Hearing loop</li>" in text
    assert "Sign language interpreter on request." in text
    assert "Swedish, Arabic" in text and "Newcomers, Adults" in text
    assert "80 places" in text
    assert re.search(r"Places left</dt>\s*<dd>80</dd>", text)  # nobody has signed up yet
    organisers = re.search(r'id="organisers-title".*?</ul>', text, re.S).group(0)
    assert "Nya grannar</a> (Lead)" in organisers
    assert "Schackklubben</a> (Co-host)" in organisers
    assert "Lunds stadsbibliotek" not in organisers  # invited, has not answered
    assert not re.search(r"\d\s?[AP]M\b", text)  # the 24-hour clock
    assert "staff@lib.test" not in text and "member@assoc.test" not in text


def test_the_event_page_shows_each_place_when_dates_are_in_different_rooms(web, world, rooms):
    event_id = make_event(web, world, rooms, repeat_weeks=1, repeat_count=2)

    async def move_second(ctx):  # type: ignore[no-untyped-def]
        found = await _dates_of(ctx, event_id)
        async with ctx.db.transaction() as conn:
            await event_store.update_occurrence(conn, found[1].id, room_id=rooms["branch"])

    web.run(move_second, web.ctx)
    text = web.get(f"/events/{event_id}").text
    assert "Amiralsgatan 35" in text and "Kung Oscars väg 11" in text
    assert "Rosengårds bibliotek, Sagorummet" in text
    assert "<li>Lift</li>" in text


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_an_event_that_is_not_public_is_404_or_sends_its_people_to_the_workspace(
    web, world, rooms, state
):
    event_id = make_event(web, world, rooms, state, title="Not yet")
    path = f"/events/{event_id}"
    assert web.get(path).status_code == 404
    strangers = ("other_library_admin", "other_library_staff", "other_association_admin")
    partners_ = ["association_admin", "association_member"]
    staff = ["library_admin", "library_staff"]
    # An association's draft is its own: the library does not see it yet.
    if state == "draft":
        strangers += tuple(staff)
    else:
        partners_ += staff
    for role in strangers:
        web.login(world.emails[role])
        response = web.get(path)
        assert response.status_code == 404, (role, response.status_code)
        assert "Not yet" not in response.text
        web.logout()
    for role in partners_:
        web.login(world.emails[role])
        response = web.get(path)
        assert response.status_code == 303, (role, response.status_code)
        assert response.headers["location"] == f"/events/{event_id}/plan"
        web.logout()


def test_a_public_event_is_shown_to_its_partners_too_with_a_way_to_the_workspace(web, world, rooms):
    event_id = make_event(web, world, rooms)
    assert "co-planning workspace" not in web.get(f"/events/{event_id}").text
    web.login(world.emails["association_member"])
    page = web.get(f"/events/{event_id}")
    assert page.status_code == 200
    assert f'<a href="/events/{event_id}/plan">' in page.text


def test_unknown_events_are_404(web, world):
    for path in ("/events/999999", "/events/0", "/events/99999999999"):
        assert web.get(path).status_code == 404, path


def test_the_description_is_sanitised(web, world, rooms):
    description = (
        "<script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) and [home](https://example.org)\n\n"
        '<img src=x onerror="alert(1)"> <a href="javascript:alert(2)">raw</a>'
    )
    event_id = make_event(web, world, rooms, description=description)
    text = web.get(f"/events/{event_id}").text
    about = re.search(r'<div class="description">(.*?)</div>', text, re.S).group(1)
    assert "<script" not in about and "&lt;script&gt;" in about
    assert "<p>[click](javascript:alert(1)) and " in about  # not a link: text
    assert re.findall(r"<a [^>]*>", about) == [
        '<a href="https://example.org" rel="nofollow noopener">'
    ]
    assert '&lt;a href="javascript:alert(2)"&gt;raw&lt;/a&gt;' in about  # shown as text
    assert "<img" not in about and "&lt;img" in about


# Languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day"),
    [
        ("sv", "måndag 2 december 2030"),
        ("da", "mandag den 2. december 2030"),
        ("nb", "mandag 2. desember 2030"),
        ("en", "Monday, 2 December 2030"),
    ],
)
def test_dates_and_times_are_written_as_people_there_write_them(web, world, rooms, language, day):
    event_id = make_event(web, world, rooms, starts_at=MONDAY.replace(hour=12, minute=30))
    web.client.headers["Accept-Language"] = language
    for path in ("/program", "/program/week?week=2030-W49", f"/events/{event_id}"):
        text = web.get(path).text
        assert day in text, (language, path)
        assert ">13:30</time>" in text and ">15:30</time>" in text, (language, path)
        assert " PM" not in text and " AM" not in text


# Links to the program -------------------------------------------------------------------------


def test_the_header_and_the_home_page_link_to_the_program(web, world):
    for who in (None, world.emails["association_member"]):
        if who:
            web.login(who)
        home = web.get("/").text
        nav = re.search(r'<nav aria-label="Main">.*?</nav>', home, re.S).group(0)
        assert '<a href="/program">Program</a>' in nav
        assert 'href="/program"' in home.split("</nav>", 1)[1]
    program = web.get("/program").text
    assert '<a href="/program" aria-current="page">Program</a>' in program


# Query count -----------------------------------------------------------------------------------


def _queries(web, path: str) -> int:
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
    return len(statements)


def test_the_pages_do_not_query_per_event(web, world, rooms):
    first = make_event(web, world, rooms, title="Event 1")
    web.login(world.emails["association_member"])  # a session costs the same every time
    paths = (
        "/program",
        f"/orgs/{world.library.slug}/program",
        "/program/week?week=2030-W49",
        f"/events/{first}",
    )
    with_one = {path: _queries(web, path) for path in paths}
    for n, room in enumerate(("studio", "branch", "hall", "studio"), start=2):
        make_event(
            web, world, rooms, title=f"Event {n}", room=room,
            starts_at=MONDAY + timedelta(days=n), repeat_weeks=1, repeat_count=3,
        )  # fmt: skip

    async def more_partners(ctx):  # type: ignore[no-untyped-def]
        lead = await factories.actor(ctx, "member@assoc.test")
        await partners.invite(
            ctx, actor=lead, event_id=first,
            organisation_id=world.other_association.id, role="supporter",
        )  # fmt: skip

    web.run(more_partners, web.ctx)
    assert len(titles(web.get("/program").text)) == 13
    with_many = {path: _queries(web, path) for path in paths}
    assert with_many == with_one
    # The event page's last query asks whether volunteers may sign up (webapp/volunteers).
    assert all(0 < n <= 13 for n in with_one.values()), with_one


# The data stays as it was ---------------------------------------------------------------------


def test_reading_the_program_changes_nothing(web, world, rooms):
    event_id = make_event(web, world, rooms)

    async def snapshot(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            rows = await conn.execute(events.select().where(events.c.id == event_id))
            dates = await conn.execute(occurrences.select().order_by(occurrences.c.id))
            return [tuple(r) for r in rows], [tuple(r) for r in dates]

    before = web.run(snapshot, web.ctx)
    for path in ("/program", "/program/week?week=2030-W49", f"/events/{event_id}"):
        web.get(path)
    assert web.run(snapshot, web.ctx) == before


# Cancelled after publication -------------------------------------------------------------------


def _published_then_cancelled(web, world, rooms, **values):  # type: ignore[no-untyped-def]
    event_id = make_event(web, world, rooms, **values)
    web.run(_move, web.ctx, "staff@lib.test", event_id, "cancel", "The hall flooded.\nSorry!")
    return event_id


def test_a_published_event_that_is_cancelled_stays_public_marked_cancelled(web, world, rooms):
    event_id = _published_then_cancelled(
        web, world, rooms, title="Flooded", repeat_weeks=1, repeat_count=2
    )
    make_event(web, world, rooms, title="Still on", room="studio")
    # The poster's link: the page is there, says so clearly, and gives the organisers' reason.
    for who in (None, world.emails["other_association_admin"], world.emails["association_member"]):
        if who:
            web.login(who)
        page = web.get(f"/events/{event_id}")
        assert page.status_code == 200, who
        assert "<title>Cancelled: Flooded" in page.text
        notice = re.search(r'<div class="notice" id="cancelled">(.*?)</div>', page.text, re.S)
        assert "This event has been cancelled." in notice.group(1)
        assert "The hall flooded.\nSorry!" in notice.group(1)
        assert "This event has taken place." not in page.text
        dates = re.findall(r'<li id="date-\d+">(.*?)</li>', page.text, re.S)
        assert len(dates) == 2 and all("Cancelled" in d and "<del>" in d for d in dates)
        if who:
            web.logout()
    # The program lists and the week view keep its dates, marked cancelled.
    for path in (
        "/program",
        f"/orgs/{world.library.slug}/program",
        f"/orgs/{world.association.slug}/program",
        "/program/week?week=2030-W49",
    ):
        text = web.get(path).text
        items = re.findall(r'<li class="program-date[^"]*">.*?</li>', text, re.S)
        flooded = [item for item in items if "Flooded" in item]
        assert flooded and all("is-cancelled" in i and "Cancelled" in i for i in flooded), path
        assert any("Still on" in i and "is-cancelled" not in i for i in items), path
    assert titles(web.get("/program").text).count("Flooded") == 2


def test_an_event_cancelled_before_publication_stays_private(web, world, rooms):
    event_id = make_event(web, world, rooms, "approved", title="Never public")
    web.run(_move, web.ctx, "member@assoc.test", event_id, "cancel", "Secret reason")
    assert web.get(f"/events/{event_id}").status_code == 404
    for path in ("/program", "/program/week?week=2030-W49", f"/orgs/{world.library.slug}/program"):
        text = web.get(path).text
        assert "Never public" not in text and "Secret reason" not in text, path
    web.login(world.emails["other_association_admin"])
    assert web.get(f"/events/{event_id}").status_code == 404
    web.logout()
    web.login(world.emails["association_member"])
    assert web.get(f"/events/{event_id}").headers["location"] == f"/events/{event_id}/plan"


def test_a_cancelled_event_costs_no_extra_queries_per_event(web, world, rooms):
    make_event(web, world, rooms, title="Event 1")
    with_one = _queries(web, "/program")
    for n, room in enumerate(("studio", "branch"), start=2):
        _published_then_cancelled(
            web, world, rooms, title=f"Event {n}", room=room, starts_at=MONDAY + timedelta(days=n)
        )
    assert len(titles(web.get("/program").text)) == 3
    assert _queries(web, "/program") == with_one


def test_a_moved_date_shows_its_new_time_and_room_and_a_cancelled_one_its_reason(web, world, rooms):
    """One date of a published series moved (and another cancelled) through the service
    partners and staff use (webapp/events/dates.py): the program and the event page show
    the new time and place; nothing of the old time remains."""
    from webapp.events import dates as event_dates

    event_id = make_event(web, world, rooms, title="Läxhjälp", repeat_weeks=1, repeat_count=3)
    found = web.run(_dates_of, web.ctx, event_id)
    new_start = datetime(2030, 12, 11, 18, 30, tzinfo=UTC)  # Wednesday 19:30 in Stockholm

    async def change(ctx):  # type: ignore[no-untyped-def]
        staff = await factories.actor(ctx, "staff@lib.test")
        await event_dates.move_date(
            ctx,
            actor=staff,
            event_id=event_id,
            occurrence_id=found[1].id,
            starts_at=new_start,
            ends_at=new_start + TWO_HOURS,
            room_id=rooms["branch"],
        )
        await event_dates.cancel_date(
            ctx, actor=staff, event_id=event_id, occurrence_id=found[2].id, reason="Holidays"
        )

    web.run(change, web.ctx)
    page = web.get("/program").text
    assert titles(page) == ["Läxhjälp"] * 3
    assert '<time datetime="2030-12-11">' in page and '<time datetime="2030-12-09">' not in page
    assert '<time datetime="2030-12-11T19:30+01:00">19:30</time>' in page
    assert '<time datetime="2030-12-11T21:30+01:00">21:30</time>' in page
    assert "Rosengårds bibliotek" in page
    week = web.get("/program/week?week=2030-W50").text
    assert '<time datetime="2030-12-11T19:30+01:00">19:30</time>' in week
    event_page = web.get(f"/events/{event_id}").text
    shown = dict(re.findall(r'<li id="date-(\d+)">(.*?)</li>', event_page, re.S))
    assert "11 December 2030" in shown[str(found[1].id)]
    assert "Rosengårds bibliotek, Sagorummet" in shown[str(found[1].id)]
    assert "Cancelled" in shown[str(found[2].id)] and "Holidays" in shown[str(found[2].id)]
    assert "Cancelled" not in shown[str(found[1].id)]


@pytest.mark.parametrize("query", ["?to=9999-12-31", "?from=0001-01-01", "?from=9999-12-31"])
def test_far_off_dates_are_a_message_not_an_error_page(web, query):
    response = web.get(f"/program{query}")
    assert response.status_code == 400
    assert "Enter a date from 1900-01-01 to 2999-12-31." in response.text


def test_the_filters_choices_are_found_once_per_change(web, world, rooms):  # noqa: F811
    """The choices of the location and partner filters are kept per calendar version: a
    second visit does not look for them again, and a change (an event at a new location)
    is offered at once."""
    make_event(web, world, rooms, title="Första", room="hall")
    path = f"/orgs/{world.library.slug}/program"
    web.get(path)
    web.ctx.program_choices._entries.clear()
    engine = web.ctx.db.engine.sync_engine
    seen: list[str] = []

    def note(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        web.get(path)  # finds the choices: the locations' query is among its statements
        found = sum("DISTINCT locations.id" in sql for sql in seen)
        seen.clear()
        web.get(path)  # keeps them
        kept = sum("DISTINCT locations.id" in sql for sql in seen)
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    assert (found, kept) == (1, 0)
    # A change: an event in another location is offered as a choice on the next visit.
    before = web.get(path).text
    make_event(web, world, rooms, title="Andra", room="branch")
    after = web.get(path).text
    assert "Andra" in after and after.count("<option") > before.count("<option")
