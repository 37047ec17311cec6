"""Calendar files and feeds as subscribed calendar apps see them: every feed parsed by
Mozilla's ical.js and by the ``icalendar`` package, times compared with the event page,
and cancelled and moved dates followed through UID and SEQUENCE. Events are made through
the co-planning services, as partners and staff make them."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text

from tests import factories
from tests.calendar_clients import by_uid, icalendar_events, icaljs
from tests.http.test_program import MONDAY, TWO_HOURS, _move, make_event
from tests.http.test_program import rooms as rooms  # noqa: F401 - the fixture
from webapp.events import dates as event_dates
from webapp.events import store as event_store

HOST = "testserver"


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _ics(web, path, **kwargs):  # type: ignore[no-untyped-def]
    response = web.get(path, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    icalendar_events(response.content)
    return response


def _feed(web, world, query=""):  # type: ignore[no-untyped-def]
    return icaljs(_ics(web, f"/calendar/{world.library.slug}.ics{query}").content)


def _uid(event_id: int, position: int = 1) -> str:
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", factories_base_url())
    return f"event-{event_id}{'' if position == 1 else f'-{position}'}@{host}"


def factories_base_url() -> str:
    from tests.conftest import BASE_URL

    return BASE_URL


async def _dates(ctx, event_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await event_store.occurrences_of(conn, event_id)


# The per-event calendar file ----------------------------------------------------------------


def test_event_file_has_the_event_at_the_time_of_its_page(web, world, rooms):
    event_id = make_event(
        web,
        world,
        rooms,
        title="Språkcafé, arabiska; svenska",
        summary="Fika ☕ och samtal – مرحبا",
        description="Line one, with a comma; a semicolon\nand a second line\\n with a backslash",
    )
    response = _ics(web, f"/events/{event_id}.ics")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="event-{event_id}.ics"'
    )
    body = response.content
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "lines are folded at 75 octets"
    assert b"\n" not in body.replace(b"\r\n", b"")
    parsed = icaljs(body)
    (event,) = parsed["events"]
    assert event["uid"] == _uid(event_id)
    assert event["summary"] == "Språkcafé, arabiska; svenska"
    assert "Fika ☕ och samtal – مرحبا" in event["description"]
    assert (
        "Line one, with a comma; a semicolon\nand a second line\\n with a backslash"
        in (event["description"])
    )
    assert event["start"] == MONDAY and event["end"] == MONDAY + TWO_HOURS
    assert event["tzid"] == "Europe/Stockholm"
    assert event["status"] == "CONFIRMED"
    assert event["location"] == "Hörsalen, Stadsbiblioteket, Kung Oscars väg 11, 211 33 Malmö"
    assert event["url"] == f"{factories_base_url()}/events/{event_id}"
    assert event["categories"] == ["Newcomers"]
    assert parsed["zones"] == ["Europe/Stockholm"]
    # The event page says the same time: 18:00 in Stockholm on Monday 2 December.
    page = web.get(f"/events/{event_id}").text
    assert 'datetime="2030-12-02T18:00+01:00"' in page
    # icalendar reads the same.
    (vevent,) = icalendar_events(body)
    assert vevent.start == MONDAY.astimezone(vevent.start.tzinfo)
    assert str(vevent["SUMMARY"]) == "Språkcafé, arabiska; svenska"


def test_event_page_offers_the_calendar(web, world, rooms):
    event_id = make_event(web, world, rooms, repeat_weeks=1, repeat_count=3)
    page = web.get(f"/events/{event_id}").text
    assert f'href="{factories_base_url()}/events/{event_id}.ics" download' in page
    assert f'href="webcal://{HOST}/events/{event_id}.ics"' in page.replace(
        factories_base_url().split("://")[1], HOST
    )
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "dates=20301202T170000Z%2F20301202T190000Z" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page


@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "cancelled"])
def test_a_calendar_file_is_only_for_public_events(web, world, rooms, state):
    event_id = make_event(web, world, rooms, state)
    assert web.get(f"/events/{event_id}.ics").status_code == 404
    assert web.get("/events/999999.ics").status_code == 404


# Public feeds -------------------------------------------------------------------------------


def test_public_feed_holds_the_public_dates_only(web, world, rooms):
    published = make_event(web, world, rooms, title="Open")
    hidden = {
        state: make_event(web, world, rooms, state, title=f"Hidden {state}",
                          starts_at=MONDAY + timedelta(days=n + 1))
        for n, state in enumerate(("draft", "submitted", "approved", "cancelled"))
    }  # fmt: skip
    feed = _feed(web, world)
    uids = {e["uid"] for e in feed["events"]}
    assert uids == {_uid(published)}
    assert not uids & {_uid(event_id) for event_id in hidden.values()}
    assert feed["xWrCalname"] == f"{world.library.name}: program"
    assert feed["refresh"] == "PT1H"
    # The association's feed has the events it co-authors.
    association = icaljs(_ics(web, f"/calendar/{world.association.slug}.ics").content)
    assert {e["uid"] for e in association["events"]} == {_uid(published)}


def test_public_feed_filters(web, world, rooms):
    hall = make_event(web, world, rooms, title="Hall", audiences=["adults"], languages=["sv"])
    studio = make_event(
        web, world, rooms, room="studio", starts_at=MONDAY + timedelta(days=1),
        title="Studio", audiences=["children"], languages=["ar"],
    )  # fmt: skip
    branch = make_event(
        web, world, rooms, room="branch", starts_at=MONDAY + timedelta(days=2), title="Branch"
    )

    def uids(query):  # type: ignore[no-untyped-def]
        return {e["uid"] for e in _feed(web, world, query)["events"]}

    assert uids("") == {_uid(hall), _uid(studio), _uid(branch)}
    assert uids(f"?room={rooms['studio']}") == {_uid(studio)}
    assert uids("?audience=children") == {_uid(studio)}
    assert uids("?language=ar") == {_uid(studio), _uid(branch)}  # the factory's sv + ar
    assert uids(f"?partner={world.association.id}") == {_uid(hall), _uid(studio), _uid(branch)}
    assert uids(f"?partner={world.other_association.id}") == set()
    rows = web.run(_location_of_room, web.ctx, rooms["branch"])
    assert uids(f"?location={rows}") == {_uid(branch)}
    # The organisation's program page offers the same feed with the visitor's filters.
    page = web.get(f"/orgs/{world.library.slug}/program?audience=children&language=xx").text
    assert (
        f"webcal://{factories_base_url().split('://')[1]}/calendar/{world.library.slug}.ics?audience=children"
        in page
    )  # noqa: E501


async def _location_of_room(ctx, room_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await conn.scalar(text(f"SELECT location_id FROM rooms WHERE id = {int(room_id)}"))


@pytest.mark.parametrize(
    "query",
    ["?location=abc", "?room=-1", "?audience=nobody", "?language=klingon", "?partner=1e9",
     "?room=99999999999999999999", "?location=%00"],
)  # fmt: skip
def test_bad_filters_are_a_clear_400(web, world, query):
    response = web.get(f"/calendar/{world.library.slug}.ics{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    name = query[1:].split("=")[0]
    assert f"{name}: " in response.text
    assert "not valid" in response.text


def test_unknown_parameters_are_ignored_and_unknown_organisations_are_404(web, world):
    assert web.get(f"/calendar/{world.library.slug}.ics?utm_source=x&page=9").status_code == 200
    assert web.get("/calendar/no-such-library.ics").status_code == 404


# Series, daylight saving, cancelled and moved dates -----------------------------------------

# Monday 21 October 2030, 18:00 in Stockholm; summer time ends on Sunday 27 October.
BEFORE_DST_END = datetime(2030, 10, 21, 16, 0, tzinfo=UTC)


def test_a_weekly_series_across_the_change_of_clocks_keeps_its_local_time(web, world, rooms):
    event_id = make_event(
        web, world, rooms, starts_at=BEFORE_DST_END, repeat_weeks=1, repeat_count=3
    )
    events = by_uid(_feed(web, world)["events"])
    assert set(events) == {_uid(event_id, n) for n in (1, 2, 3)}
    # 18:00 local every Monday: 16:00 UTC in summer time, 17:00 UTC after the change.
    assert events[_uid(event_id, 1)]["start"] == datetime(2030, 10, 21, 16, 0, tzinfo=UTC)
    assert events[_uid(event_id, 2)]["start"] == datetime(2030, 10, 28, 17, 0, tzinfo=UTC)
    assert events[_uid(event_id, 3)]["start"] == datetime(2030, 11, 4, 17, 0, tzinfo=UTC)
    body = _ics(web, f"/calendar/{world.library.slug}.ics").content
    assert b"DTSTART;TZID=Europe/Stockholm:20301028T180000" in body
    for vevent in icalendar_events(body):
        assert vevent.start.astimezone(vevent.start.tzinfo).hour == 18
    page = web.get(f"/events/{event_id}").text
    for day in ("2030-10-21T18:00+02:00", "2030-10-28T18:00+01:00", "2030-11-04T18:00+01:00"):
        assert f'datetime="{day}"' in page


def test_a_cancelled_date_reaches_subscribers(web, world, rooms):
    event_id = make_event(web, world, rooms, repeat_weeks=1, repeat_count=3, title="Café")
    before = by_uid(_feed(web, world)["events"])
    second = web.run(_dates, web.ctx, event_id)[1]

    async def cancel(ctx):  # type: ignore[no-untyped-def]
        staff = await factories.actor(ctx, "staff@lib.test")
        await event_dates.cancel_date(
            ctx, actor=staff, event_id=event_id, occurrence_id=second.id, reason="Staff away"
        )

    web.run(cancel, web.ctx)
    after = by_uid(_feed(web, world)["events"])
    cancelled = after[_uid(event_id, 2)]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["summary"] == "Cancelled: Café"
    assert "Staff away" in cancelled["description"]
    assert cancelled["sequence"] > before[_uid(event_id, 2)]["sequence"]
    assert after[_uid(event_id, 1)]["status"] == "CONFIRMED"
    assert after[_uid(event_id, 3)]["summary"] == "Café"


def test_a_moved_date_keeps_its_uid_with_a_higher_sequence(web, world, rooms):
    event_id = make_event(web, world, rooms, repeat_weeks=1, repeat_count=2)
    before = by_uid(_feed(web, world)["events"])
    second = web.run(_dates, web.ctx, event_id)[1]
    new_start = second.starts_at + timedelta(days=1, hours=1)

    async def move(ctx):  # type: ignore[no-untyped-def]
        staff = await factories.actor(ctx, "staff@lib.test")
        await event_dates.move_date(
            ctx, actor=staff, event_id=event_id, occurrence_id=second.id,
            starts_at=new_start, ends_at=new_start + TWO_HOURS, room_id=rooms["studio"],
        )  # fmt: skip

    web.run(move, web.ctx)
    after = by_uid(_feed(web, world)["events"])
    assert set(after) == set(before)
    moved = after[_uid(event_id, 2)]
    assert moved["start"] == new_start
    assert moved["location"].startswith("Studion, ")
    assert moved["sequence"] > before[_uid(event_id, 2)]["sequence"]


def test_a_cancelled_event_stays_cancelled_for_the_configured_days(web, world, rooms):
    event_id = make_event(web, world, rooms, title="Talk")
    sequence = _feed(web, world)["events"][0]["sequence"]
    web.run(_move, web.ctx, "member@assoc.test", event_id, "cancel", "The speaker is ill.")
    (event,) = _feed(web, world)["events"]
    assert event["status"] == "CANCELLED"
    assert event["summary"] == "Cancelled: Talk"
    assert "The speaker is ill." in event["description"]
    assert event["sequence"] > sequence
    # After the configured days it leaves the feed (subscribers have seen it by then).
    web.run(_age_dates, web.ctx, event_id, days=web.ctx.settings.calendar_cancelled_days + 2)
    assert _feed(web, world)["events"] == []


async def _age_dates(ctx, event_id, *, days):  # type: ignore[no-untyped-def]
    async with ctx.db.transaction() as conn:
        rows = await event_store.occurrences_of(conn, event_id)
        for row in rows:
            await event_store.update_occurrence(
                conn, row.id, updated_at=row.updated_at - timedelta(days=days)
            )


def test_titles_of_cancelled_dates_can_be_left_alone(web, world, rooms, app):
    app.state.ctx = app.state.ctx.__class__(
        **{**app.state.ctx.__dict__,
           "settings": app.state.ctx.settings.with_changes(calendar_mark_cancelled=False)}
    )  # fmt: skip
    event_id = make_event(web, world, rooms, title="Talk")
    web.run(_move, web.ctx, "member@assoc.test", event_id, "cancel", "Ill.")
    (event,) = _feed(web, world)["events"]
    assert event["status"] == "CANCELLED" and event["summary"] == "Talk"


# Caching ------------------------------------------------------------------------------------


def test_conditional_requests_and_gzip(web, world, rooms):
    make_event(web, world, rooms)
    path = f"/calendar/{world.library.slug}.ics"
    first = _ics(web, path, headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    assert first.headers["vary"] == "Accept-Encoding, Accept-Language"
    assert "content-encoding" not in first.headers
    assert first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert web.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert web.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert web.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    zipped = web.client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == first.content  # httpx decodes it
    assert zipped.headers["etag"] != etag
    assert web.get(path, headers={"If-None-Match": zipped.headers["etag"]}).status_code == 304
    assert zipped.headers["vary"] == "Accept-Encoding, Accept-Language"
    raw = web.client.build_request("GET", path, headers={"Accept-Encoding": "gzip"})
    streamed = web.client.send(raw, stream=True)
    assert gzip.decompress(b"".join(streamed.iter_raw())) == first.content
    streamed.close()


def test_a_feed_is_built_once_and_a_change_shows_in_the_next_request(web, world, rooms):
    make_event(web, world, rooms, title="First")
    path = f"/calendar/{world.library.slug}.ics"
    cache = web.ctx.feeds
    first = _ics(web, path)
    builds = cache.builds
    for _ in range(3):
        assert _ics(web, path).content == first.content
    assert cache.builds == builds, "nothing changed: no new build"
    make_event(web, world, rooms, title="Second", starts_at=MONDAY + timedelta(days=3))
    second = _ics(web, path)
    assert cache.builds == builds + 1
    assert {e["summary"] for e in icaljs(second.content)["events"]} == {"First", "Second"}
    assert web.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 200


def test_if_modified_since(web, world, rooms):
    make_event(web, world, rooms)
    path = f"/calendar/{world.library.slug}.ics"
    first = _ics(web, path)
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    earlier = (datetime.now(UTC) - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert web.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert web.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200
    # A feed built less than a second ago is never "not modified" by date alone.
    status = web.get(path, headers={"If-Modified-Since": later}).status_code
    assert status in (200, 304)
    assert first.headers["last-modified"].endswith("GMT")


def test_the_number_of_queries_does_not_grow_with_the_events(web, world, rooms, app):
    def count_queries(path):  # type: ignore[no-untyped-def]
        web.ctx.feeds.clear()
        seen = []
        engine = web.ctx.db.engine.sync_engine

        def record(*args):  # type: ignore[no-untyped-def]
            seen.append(args[2])

        sa_event.listen(engine, "before_cursor_execute", record)
        try:
            _ics(web, path)
        finally:
            sa_event.remove(engine, "before_cursor_execute", record)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    path = f"/calendar/{world.library.slug}.ics"
    make_event(web, world, rooms, title="One")
    one = count_queries(path)
    for n in range(4):
        make_event(web, world, rooms, title=f"More {n}", starts_at=MONDAY + timedelta(days=n + 1),
                   repeat_weeks=1, repeat_count=2)  # fmt: skip
    assert count_queries(path) == one


# The calendar version ------------------------------------------------------------------------


async def _version(ctx):  # type: ignore[no-untyped-def]
    from webapp.calendars import store

    async with ctx.db.read() as conn:
        return await store.version(conn)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE events SET title = title || '!'",
        "UPDATE occurrences SET note = 'x'",
        "UPDATE event_partners SET role = role",
        "UPDATE rooms SET name = name || '!'",
        "UPDATE locations SET street = street || '!'",
        "UPDATE organisations SET name = name || '!'",
        "DELETE FROM occurrences",
    ],
)
def test_every_change_that_feeds_show_bumps_the_calendar_version(web, world, rooms, change):
    make_event(web, world, rooms)
    before = web.run(_version, web.ctx)

    async def run(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(text(change))

    web.run(run, web.ctx)
    assert web.run(_version, web.ctx) > before


# Private feeds -------------------------------------------------------------------------------


def _make_private_feed(web, value):  # type: ignore[no-untyped-def]
    response = web.post("/calendar/feeds", {"feed": value})
    assert response.status_code == 200, response.text
    found = re.search(r'value="(http[^"]+/calendar/private/[^"]+\.ics)"', response.text)
    assert found, "the new feed's address is shown"
    assert "shown only this once" in response.text
    return found.group(1).removeprefix(factories_base_url())


def test_the_staff_feed_has_every_booking_of_the_library(web, world, rooms):
    published = make_event(web, world, rooms, title="Published")
    approved = make_event(web, world, rooms, "approved", title="Approved",
                          starts_at=MONDAY + timedelta(days=1))  # fmt: skip
    submitted = make_event(web, world, rooms, "submitted", title="Submitted")
    web.login("staff@lib.test")
    page = web.get("/calendar/feeds").text
    assert f'value="staff:{world.library.id}"' in page
    path = _make_private_feed(web, f"staff:{world.library.id}")
    web.logout()
    response = _ics(web, path)
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["x-robots-tag"] == "noindex"
    events = by_uid(icaljs(response.content)["events"])
    assert events[_uid(published)]["status"] == "CONFIRMED"
    assert events[_uid(approved)]["status"] == "TENTATIVE"
    assert _uid(submitted) not in events
    # The feed is listed on the page, with when it was made.
    web.login("staff@lib.test")
    assert "Every booking of" in web.get("/calendar/feeds").text


def test_the_partner_feed_has_drafts_as_tentative_at_their_wished_time(web, world, rooms):
    wished = datetime(2030, 11, 12, 17, 0, tzinfo=UTC)
    draft = web.run(
        factories.proposed_event, web.ctx, world, title="Draft",
        starts_at=wished, ends_at=wished + TWO_HOURS, repeat_weeks=1, repeat_count=2,
    )  # fmt: skip
    published = make_event(web, world, rooms, title="Published")
    other = web.run(_other_association_draft, web.ctx, world, wished)
    web.login("member@assoc.test")
    path = _make_private_feed(web, f"partner:{world.association.id}")
    events = by_uid(icaljs(_ics(web, path).content)["events"])
    assert set(events) == {_uid(draft, 1), _uid(draft, 2), _uid(published)}
    assert _uid(other) not in events
    assert events[_uid(draft, 1)]["status"] == "TENTATIVE"
    assert events[_uid(draft, 1)]["start"] == wished
    assert events[_uid(draft, 2)]["start"] == wished + timedelta(weeks=1)
    assert events[_uid(published)]["status"] == "CONFIRMED"
    # Withdrawn, the draft is cancelled in the feed.
    web.run(_move, web.ctx, "member@assoc.test", draft, "withdraw")
    events = by_uid(icaljs(_ics(web, path).content)["events"])
    assert events[_uid(draft, 1)]["status"] == "CANCELLED"


async def _other_association_draft(ctx, world, wished):  # type: ignore[no-untyped-def]
    from webapp.events import drafting

    admin = await factories.actor(ctx, "admin@otherassoc.test")
    return await drafting.propose(
        ctx, actor=admin, organisation=world.other_association, library_id=world.library.id,
        values={"title": "Not ours", "starts_at": wished, "ends_at": wished + TWO_HOURS},
    )  # fmt: skip


def test_only_people_of_the_organisation_make_its_feeds(web, world):
    web.login("member@assoc.test")
    assert f'value="staff:{world.library.id}"' not in web.get("/calendar/feeds").text
    assert web.post("/calendar/feeds", {"feed": f"staff:{world.library.id}"}).status_code == 403
    assert web.post("/calendar/feeds", {"feed": f"partner:{world.library.id}"}).status_code == 403
    assert web.post("/calendar/feeds", {"feed": "volunteer:1"}).status_code == 403
    assert web.post("/calendar/feeds", {"feed": "nonsense"}).status_code == 403


def test_a_revoked_feed_answers_404_and_leaks_nothing(web, world, rooms):
    make_event(web, world, rooms)
    web.login("staff@lib.test")
    path = _make_private_feed(web, f"staff:{world.library.id}")
    assert web.get(path).status_code == 200
    feed_id = web.run(_feed_ids, web.ctx)[0]
    # Someone else cannot revoke it.
    web.logout()
    web.login("member@assoc.test")
    assert web.post(f"/calendar/feeds/{feed_id}/revoke", {}).status_code == 404
    assert web.get(path).status_code == 200
    web.logout()
    web.login("staff@lib.test")
    response = web.post(f"/calendar/feeds/{feed_id}/revoke", {})
    assert response.status_code == 303
    assert "revoked" in web.get(response.headers["location"]).text
    web.logout()
    revoked = web.get(path)
    unknown = web.get("/calendar/private/" + "x" * 43 + ".ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.text.replace(path, "") == unknown.text.replace(unknown.url.path, "")
    assert "calendar" not in revoked.headers.get("content-type", "")


async def _feed_ids(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.scalars(text("SELECT id FROM feed_tokens ORDER BY id")))


def test_a_feed_stops_when_its_owner_leaves_the_organisation(web, world, rooms):
    make_event(web, world, rooms)
    web.login("staff@lib.test")
    path = _make_private_feed(web, f"staff:{world.library.id}")
    web.logout()
    assert web.get(path).status_code == 200

    async def leave(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                text(
                    "DELETE FROM memberships WHERE user_id = "
                    "(SELECT id FROM users WHERE email = 'staff@lib.test')"
                )
            )

    web.run(leave, web.ctx)
    assert web.get(path).status_code == 404


def test_the_week_view_offers_the_feed_too(web, world):
    page = web.get(f"/orgs/{world.library.slug}/program/week?week=2030-W49&audience=children").text
    host = factories_base_url().split("://")[1]
    assert f"webcal://{host}/calendar/{world.library.slug}.ics?audience=children" in page
    assert "webcal://" not in web.get("/program/week?week=2030-W49").text  # no organisation
