"""Program slots, closures, booking rules and the staff's week grid: library admins publish
and change them, the library's staff see them, nobody else does; bad input is refused next
to the field and changes nothing; the open windows leave out skipped, closed and booked
dates, with the library's buffers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, insert, select, update

from tests import factories
from webapp import clock
from webapp.db.tables import (
    audit_log,
    closures,
    events,
    library_rules,
    occurrences,
    program_slots,
    rooms,
    slot_exceptions,
)
from webapp.locations import service as locations
from webapp.problems import Forbidden
from webapp.slots import availability, policy, service
from webapp.slots.rules import rules_for

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def english(web):
    """Pages in English, so the tests can read the messages."""
    web.client.headers["Accept-Language"] = "en"


# The library's places ----------------------------------------------------------------------------


@dataclass
class Place:
    central: int
    garage: int
    hall: int
    study: int
    workshop: int
    their_location: int
    their_room: int


def _location_values(name: str) -> dict:
    return {
        "name": name,
        "street": "Kung Oscars väg 11",
        "postal_code": "211 33",
        "city": "Malmö",
        "country": "SE",
        "directions": "",
    }


def _room_values(name: str) -> dict:
    return {"name": name, "capacity": 40, "accessibility": [], "equipment": [], "notes": ""}


async def _place(ctx, world) -> Place:  # type: ignore[no-untyped-def]
    admin = await factories.actor(ctx, world.emails["library_admin"])
    other = await factories.actor(ctx, world.emails["other_library_admin"])

    async def location(actor, library, name):  # type: ignore[no-untyped-def]
        return await locations.create_location(
            ctx, actor=actor, library=library, values=_location_values(name)
        )

    async def room(actor, library, location_id, name):  # type: ignore[no-untyped-def]
        return await locations.create_room(
            ctx, actor=actor, library=library, location_id=location_id, values=_room_values(name)
        )

    central = await location(admin, world.library, "Stadsbiblioteket")
    garage = await location(admin, world.library, "Garaget")
    theirs = await location(other, world.other_library, "Lunds stadsbibliotek")
    return Place(
        central=central,
        garage=garage,
        hall=await room(admin, world.library, central, "Hörsalen"),
        study=await room(admin, world.library, central, "Studierum"),
        workshop=await room(admin, world.library, garage, "Verkstaden"),
        their_location=theirs,
        their_room=await room(other, world.other_library, theirs, "Lundasalen"),
    )


@pytest.fixture
def place(web, world) -> Place:  # type: ignore[no-untyped-def]
    return web.run(_place, web.ctx, world)


# Helpers -----------------------------------------------------------------------------------------

# Tuesdays 18:00-20:00, 1 December 2026 to 30 March 2027.
WEEKLY = {
    "interval_weeks": 1,
    "first_date": date(2026, 12, 1),
    "until_date": date(2027, 3, 30),
    "start_time": time(18, 0),
    "end_time": time(20, 0),
    "note": "Chairs for 40.",
}


async def _as(ctx, world, who):  # type: ignore[no-untyped-def]
    return await factories.actor(ctx, world.emails[who])


async def _add_slot(ctx, world, values, other):  # type: ignore[no-untyped-def]
    who = "other_library_admin" if other else "library_admin"
    library = world.other_library if other else world.library
    actor = await _as(ctx, world, who)
    return await service.create_slot(ctx, actor=actor, library=library, values=values)


def add_slot(web, world, room_id, *, other=False, **changes) -> int:  # type: ignore[no-untyped-def]
    return web.run(_add_slot, web.ctx, world, {**WEEKLY, "room_id": room_id, **changes}, other)


async def _skip(ctx, world, slot_id, on_date, other):  # type: ignore[no-untyped-def]
    who = "other_library_admin" if other else "library_admin"
    library = world.other_library if other else world.library
    actor = await _as(ctx, world, who)
    return await service.add_exception(
        ctx, actor=actor, library=library, slot_id=slot_id, on_date=on_date
    )


def skip(web, world, slot_id, on_date, *, other=False) -> int:  # type: ignore[no-untyped-def]
    return web.run(_skip, web.ctx, world, slot_id, on_date, other)


async def _close(ctx, world, values, other):  # type: ignore[no-untyped-def]
    who = "other_library_admin" if other else "library_admin"
    library = world.other_library if other else world.library
    actor = await _as(ctx, world, who)
    return await service.add_closure(ctx, actor=actor, library=library, values=values)


def close(web, world, first, last, reason, location_id=None, *, other=False) -> int:  # type: ignore[no-untyped-def]
    values = {"location_id": location_id, "first_date": first, "last_date": last, "reason": reason}
    return web.run(_close, web.ctx, world, values, other)


async def _set_rules(ctx, world, values):  # type: ignore[no-untyped-def]
    actor = await _as(ctx, world, "library_admin")
    return await policy.update_rules(ctx, actor=actor, library=world.library, values=values)


def set_rules(web, world, **changes):  # type: ignore[no-untyped-def]
    values = {
        "setup_minutes": 15,
        "clearup_minutes": 15,
        "min_lead_days": 0,
        "max_length_minutes": 240,
        "hold_days": 14,
        "checklist": [],
        **changes,
    }
    return web.run(_set_rules, web.ctx, world, values)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


async def _book(ctx, library_id, room_id, starts_at, ends_at, status, hold_expires_at, title):  # type: ignore[no-untyped-def]
    # The events service is written in parallel: the rows are made here directly.
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event_id = (
            await conn.execute(
                insert(events)
                .values(
                    library_id=library_id,
                    state="approved" if status == "scheduled" else "draft",
                    title=title,
                    languages=[],
                    audiences=[],
                    equipment=[],
                    agreement={},
                    checklist=[],
                    created_at=now,
                    updated_at=now,
                )
                .returning(events.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(occurrences).values(
                event_id=event_id,
                room_id=room_id,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                hold_expires_at=hold_expires_at,
                created_at=now,
                updated_at=now,
            )
        )
    return event_id


def book(  # type: ignore[no-untyped-def]
    web,
    world,
    room_id,
    starts_at,
    ends_at,
    status="scheduled",
    *,
    hold_days=None,
    title="Language café",
):
    """A booked date of a room, as the events service will make it: ``scheduled``, or a
    ``held``/``counter`` hold that runs out ``hold_days`` from now (negative: ran out)."""
    expires = clock.now() + timedelta(days=hold_days) if hold_days is not None else None
    return web.run(
        _book, web.ctx, world.library.id, room_id, starts_at, ends_at, status, expires, title
    )


async def _snapshot(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:

        async def all_of(table):  # type: ignore[no-untyped-def]
            return [
                tuple(r) for r in await conn.execute(select(table).order_by(*table.primary_key))
            ]

        return {
            "slots": await all_of(program_slots),
            "exceptions": await all_of(slot_exceptions),
            "closures": await all_of(closures),
            "rules": await all_of(library_rules),
            "audit": (await conn.execute(select(func.count()).select_from(audit_log))).scalar_one(),
        }


def snapshot(web):  # type: ignore[no-untyped-def]
    return web.run(_snapshot, web.ctx)


async def _rows(ctx, table, where):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(table).where(where)))


def rows(web, table, where):  # type: ignore[no-untyped-def]
    return web.run(_rows, web.ctx, table, where)


def lib(world, *, other=False) -> str:  # type: ignore[no-untyped-def]
    return f"/orgs/{(world.other_library if other else world.library).slug}"


def slot_form(room: int, **changes: str) -> dict[str, str]:
    return {
        "room_id": str(room),
        "interval_weeks": "1",
        "first_date": "2026-12-01",
        "until_date": "2027-03-30",
        "start_time": "18:00",
        "end_time": "20:00",
        "note": "Chairs for 40.",
        **changes,
    }


RULES_FORM = {
    "setup_minutes": "15",
    "clearup_minutes": "10",
    "min_lead_days": "14",
    "max_length_minutes": "180",
    "hold_days": "10",
    "checklist": "Is it open to everyone?\r\n\r\n  Is it free of charge?  \r\n",
}


def manage_pages(b, place, slot_id, exception_id, closure_id):  # type: ignore[no-untyped-def]
    """The admin-only pages (GET) and every write (POST, with good data)."""
    gets = [f"{b}/slots/new", f"{b}/slots/{slot_id}/edit", f"{b}/closures/new", f"{b}/rules"]
    posts = {
        f"{b}/slots/new": slot_form(place.study),
        f"{b}/slots/{slot_id}/edit": slot_form(place.study, note="Changed"),
        f"{b}/slots/{slot_id}/exceptions": {"on_date": "2026-12-15"},
        f"{b}/slots/{slot_id}/exceptions/{exception_id}/delete": {},
        f"{b}/slots/{slot_id}/delete": {},
        f"{b}/closures/new": {
            "location_id": "all",
            "first_date": "2026-12-24",
            "last_date": "2026-12-26",
            "reason": "Christmas",
        },
        f"{b}/closures/{closure_id}/delete": {},
        f"{b}/rules": RULES_FORM,
    }
    return gets, posts


def some_of_everything(web, world, place):  # type: ignore[no-untyped-def]
    slot_id = add_slot(web, world, place.hall)
    exception_id = skip(web, world, slot_id, date(2026, 12, 8))
    closure_id = close(web, world, date(2027, 4, 1), date(2027, 4, 6), "Easter")
    return slot_id, exception_id, closure_id


def cells_of(page: str, room_name: str) -> list[str]:
    """The seven day cells of a room's row in the week grid."""
    row = re.search(r'<th scope="row">\s*' + re.escape(room_name) + r"(.*?)</tr>", page, re.S)
    assert row, room_name
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert len(cells) == 7, cells
    return cells


# Slots: the library admin's journeys ------------------------------------------------------------


def test_admin_publishes_a_weekly_slot_and_sees_it_listed(web, world, place):
    web.login(world.emails["library_admin"])
    page = web.get(f"{lib(world)}/slots/new")
    assert page.status_code == 200
    assert '<label for="room_id">' in page.text and 'type="date"' in page.text
    assert "Stadsbiblioteket · Hörsalen" in page.text and "Garaget · Verkstaden" in page.text
    assert "Lundasalen" not in page.text
    chosen = web.get(f"{lib(world)}/slots/new?room={place.study}").text
    assert f'<option value="{place.study}" selected>' in chosen

    response = web.post(f"{lib(world)}/slots/new", slot_form(place.hall))
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/slots?done=slot-created"
    (slot,) = rows(web, program_slots, program_slots.c.room_id == place.hall)
    assert (slot.interval_weeks, slot.first_date, slot.until_date) == (
        1,
        date(2026, 12, 1),
        date(2027, 3, 30),
    )
    assert (slot.start_time, slot.end_time, slot.note) == (time(18), time(20), "Chairs for 40.")
    assert slot.created_by is not None
    assert rows(web, audit_log, audit_log.c.action == "slot.created")

    listing = web.get(f"{lib(world)}/slots?done=slot-created")
    assert listing.status_code == 200
    for expected in (
        "The slot has been published.",
        "Stadsbiblioteket",
        "Hörsalen",
        "Every week on Tuesday, 1 Dec 2026 to 30 Mar 2027",
        "18:00–20:00",
        "Chairs for 40.",
        f"{lib(world)}/slots/{slot.id}/edit",
        f"{lib(world)}/locations/{place.central}/week",
        '<th scope="col">',
        '<th scope="row">',
    ):
        assert expected in listing.text, expected


def test_admin_publishes_a_one_off_slot_typed_the_nordic_way(web, world, place):
    web.login(world.emails["library_admin"])
    data = slot_form(
        place.workshop,
        interval_weeks="0",
        first_date="3.12.2026",
        until_date="2027-01-01",
        start_time="9.30",
        end_time="11:45",
        note="",
    )
    assert web.post(f"{lib(world)}/slots/new", data).status_code == 303
    (slot,) = rows(web, program_slots, program_slots.c.room_id == place.workshop)
    assert (slot.interval_weeks, slot.first_date, slot.until_date) == (0, date(2026, 12, 3), None)
    assert (slot.start_time, slot.end_time, slot.note) == (time(9, 30), time(11, 45), "")
    text = web.get(f"{lib(world)}/slots").text
    assert "Once, 3 Dec 2026" in text and "09:30–11:45" in text


def test_admin_edits_a_slot(web, world, place):
    slot_id = add_slot(web, world, place.hall)
    web.login(world.emails["library_admin"])
    page = web.get(f"{lib(world)}/slots/{slot_id}/edit")
    assert page.status_code == 200
    for expected in (
        'value="2026-12-01"',
        'value="2027-03-30"',
        'value="18:00"',
        'value="20:00"',
        'value="Chairs for 40."',
        f'<option value="{place.hall}" selected>',
        '<option value="1" selected>',
    ):
        assert expected in page.text, expected
    response = web.post(
        f"{lib(world)}/slots/{slot_id}/edit",
        slot_form(place.study, interval_weeks="2", start_time="17:15", end_time="19:00", note=""),
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/slots?done=slot-saved"
    (slot,) = rows(web, program_slots, program_slots.c.id == slot_id)
    assert (slot.room_id, slot.interval_weeks, slot.start_time, slot.end_time, slot.note) == (
        place.study,
        2,
        time(17, 15),
        time(19),
        "",
    )
    assert "Every 2 weeks on Tuesday" in web.get(f"{lib(world)}/slots").text


def test_admin_skips_a_date_and_stops_skipping_it(web, world, place):
    slot_id = add_slot(web, world, place.hall)
    web.login(world.emails["library_admin"])
    edit = f"{lib(world)}/slots/{slot_id}/edit"
    assert "No dates are skipped." in web.get(edit).text

    response = web.post(f"{lib(world)}/slots/{slot_id}/exceptions", {"on_date": "2026-12-08"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{edit}?done=exception-added"
    (skipped,) = rows(web, slot_exceptions, slot_exceptions.c.slot_id == slot_id)
    assert skipped.on_date == date(2026, 12, 8)
    page = web.get(f"{edit}?done=exception-added").text
    assert "The date will be skipped." in page and "Tuesday, 8 December 2026" in page
    assert "8 Dec 2026" in web.get(f"{lib(world)}/slots").text

    response = web.post(f"{lib(world)}/slots/{slot_id}/exceptions/{skipped.id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == f"{edit}?done=exception-removed"
    assert rows(web, slot_exceptions, slot_exceptions.c.slot_id == slot_id) == []
    assert web.post(f"{lib(world)}/slots/{slot_id}/exceptions/{skipped.id}/delete").status_code == (
        404
    )


def test_admin_deletes_a_slot_with_its_skipped_dates(web, world, place):
    slot_id = add_slot(web, world, place.hall)
    keep = add_slot(web, world, place.study)
    skip(web, world, slot_id, date(2026, 12, 8))
    web.login(world.emails["library_admin"])
    response = web.post(f"{lib(world)}/slots/{slot_id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/slots?done=slot-deleted"
    assert rows(web, program_slots, program_slots.c.id == slot_id) == []
    assert rows(web, slot_exceptions, slot_exceptions.c.slot_id == slot_id) == []
    assert rows(web, program_slots, program_slots.c.id == keep)
    assert "The slot has been deleted." in web.get(f"{lib(world)}/slots?done=slot-deleted").text
    assert web.post(f"{lib(world)}/slots/{slot_id}/delete").status_code == 404


def test_a_room_not_in_use_takes_no_new_slots_but_keeps_its_own(web, world, place):
    slot_id = add_slot(web, world, place.study)

    async def retire(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(rooms).where(rooms.c.id == place.study).values(is_active=False)
            )

    web.run(retire, web.ctx)
    web.login(world.emails["library_admin"])
    assert "Studierum" not in web.get(f"{lib(world)}/slots/new").text
    before = snapshot(web)
    response = web.post(f"{lib(world)}/slots/new", slot_form(place.study))
    assert response.status_code == 400
    assert 'id="room_id-error"' in response.text
    assert "This room is not in use. Choose another room." in response.text
    assert snapshot(web) == before
    edit = web.get(f"{lib(world)}/slots/{slot_id}/edit").text
    assert "Studierum (Not in use)" in edit
    response = web.post(f"{lib(world)}/slots/{slot_id}/edit", slot_form(place.study, note="x"))
    assert response.status_code == 303


# Slots: bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"room_id": ""}, "room_id", "Choose a room."),
        ({"room_id": "hall"}, "room_id", "Choose a room."),
        ({"room_id": "-3"}, "room_id", "Choose a room."),
        ({"interval_weeks": ""}, "interval_weeks", "Choose one of the options."),
        ({"interval_weeks": "9"}, "interval_weeks", "Choose one of the options."),
        ({"first_date": ""}, "first_date", "This field is required."),
        ({"first_date": "2026-02-30"}, "first_date", "Enter a date like 2026-11-30."),
        ({"first_date": "next Tuesday"}, "first_date", "Enter a date like 2026-11-30."),
        ({"until_date": ""}, "until_date", "Enter the last date of a repeating slot."),
        ({"until_date": "1.1.20266"}, "until_date", "Enter a date like 2026-11-30."),
        (
            {"until_date": "2026-11-30"},
            "until_date",
            "The last date cannot be before the first date.",
        ),
        (
            {"until_date": "2029-01-01"},
            "until_date",
            "Choose a last date at most two years after the first.",
        ),
        ({"start_time": ""}, "start_time", "This field is required."),
        ({"start_time": "25:00"}, "start_time", "Enter a time like 18:30."),
        ({"start_time": "six"}, "start_time", "Enter a time like 18:30."),
        ({"end_time": "17:00"}, "end_time", "The end must be after the start, on the same day."),
        ({"end_time": "18:00"}, "end_time", "The end must be after the start, on the same day."),
        ({"note": "n" * 201}, "note", "Use at most 200 characters."),
    ],
)
def test_bad_slot_input_is_shown_next_to_the_field(web, world, place, changes, field, message):
    slot_id = add_slot(web, world, place.hall)
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    data = slot_form(place.study, **changes)
    for path in (f"{lib(world)}/slots/new", f"{lib(world)}/slots/{slot_id}/edit"):
        response = web.post(path, data)
        assert response.status_code == 400, path
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
        assert "There is a problem" in response.text
        assert f'href="#{field}"' in response.text
        value = changes[field]
        if field not in ("room_id", "interval_weeks") and value:
            assert f'value="{value}"' in response.text  # what was typed stays
        if field != "note":
            assert 'value="Chairs for 40."' in response.text  # and so do the other fields
    assert snapshot(web) == before


def test_every_problem_with_a_slot_shows_at_once(web, world, place):
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    data = slot_form(place.hall, first_date="2026-13-01", start_time="20:00", end_time="19:00")
    response = web.post(f"{lib(world)}/slots/new", data)
    assert response.status_code == 400
    assert 'id="first_date-error"' in response.text and 'id="end_time-error"' in response.text
    assert snapshot(web) == before


@pytest.mark.parametrize(
    ("on_date", "message"),
    [
        ("", "This field is required."),
        ("2026-12-09", "The slot does not happen on this date."),  # a Wednesday
        ("2026-11-24", "The slot does not happen on this date."),  # before the first date
        ("2027-04-06", "The slot does not happen on this date."),  # after the last date
        ("2026-12-32", "Enter a date like 2026-11-30."),
        ("2026-12-15", "This date is skipped already."),
    ],
)
def test_bad_skipped_dates_are_shown_next_to_the_field(web, world, place, on_date, message):
    slot_id = add_slot(web, world, place.hall)
    skip(web, world, slot_id, date(2026, 12, 15))
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    response = web.post(f"{lib(world)}/slots/{slot_id}/exceptions", {"on_date": on_date})
    assert response.status_code == 400
    assert 'id="on_date-error"' in response.text and message in response.text
    assert 'href="#on_date"' in response.text
    if on_date:
        assert f'value="{on_date}"' in response.text
    assert 'value="2026-12-01"' in response.text  # the slot form above is as saved
    assert snapshot(web) == before


def test_a_one_off_slot_has_no_dates_to_skip(web, world, place):
    slot_id = add_slot(web, world, place.hall, interval_weeks=0, until_date=None)
    web.login(world.emails["library_admin"])
    assert "Skipped dates" not in web.get(f"{lib(world)}/slots/{slot_id}/edit").text
    before = snapshot(web)
    response = web.post(f"{lib(world)}/slots/{slot_id}/exceptions", {"on_date": "2026-12-01"})
    assert response.status_code == 400
    assert "Only a repeating slot skips dates." in response.text
    assert snapshot(web) == before


# Closures --------------------------------------------------------------------------------------


def test_admin_adds_and_removes_closures(web, world, place):
    close(web, world, date(2025, 12, 24), date(2025, 12, 26), "Last Christmas")  # over
    web.login(world.emails["library_admin"])
    page = web.get(f"{lib(world)}/closures/new")
    assert page.status_code == 200
    assert '<option value="all" selected>All locations</option>' in page.text
    assert f'<option value="{place.garage}">Garaget</option>' in page.text
    assert "Lunds stadsbibliotek" not in page.text

    christmas = {
        "location_id": "all",
        "first_date": "2026-12-24",
        "last_date": "2026-12-26",
        "reason": "Christmas",
    }
    response = web.post(f"{lib(world)}/closures/new", christmas)
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/closures?done=closure-added"
    painting = {**christmas, "location_id": str(place.garage), "reason": "Painting"}
    painting |= {"first_date": "2027-01-11", "last_date": "2027-01-11"}
    assert web.post(f"{lib(world)}/closures/new", painting).status_code == 303
    found = rows(web, closures, closures.c.library_id == world.library.id)
    by_reason = {c.reason: c for c in found}
    assert (by_reason["Christmas"].location_id, by_reason["Christmas"].last_date) == (
        None,
        date(2026, 12, 26),
    )
    assert by_reason["Painting"].location_id == place.garage

    listing = web.get(f"{lib(world)}/closures?done=closure-added").text
    for expected in (
        "The closure has been added.",
        "24 Dec 2026 – 26 Dec 2026",
        "All locations",
        "Christmas",
        "11 Jan 2027",
        "Garaget",
        "Painting",
    ):
        assert expected in listing, expected
    assert "Last Christmas" not in listing

    response = web.post(f"{lib(world)}/closures/{by_reason['Painting'].id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/closures?done=closure-removed"
    assert "Painting" not in web.get(f"{lib(world)}/closures").text
    assert web.post(f"{lib(world)}/closures/{by_reason['Painting'].id}/delete").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": ""}, "reason", "This field is required."),
        ({"reason": "r" * 201}, "reason", "Use at most 200 characters."),
        ({"first_date": ""}, "first_date", "This field is required."),
        ({"first_date": "24 December"}, "first_date", "Enter a date like 2026-11-30."),
        (
            {"last_date": "2026-12-23"},
            "last_date",
            "The last date cannot be before the first date.",
        ),
        ({"last_date": "2029-01-01"}, "last_date", "A closure can last at most two years."),
        ({"location_id": "everywhere"}, "location_id", "Choose one of the options."),
        ({"location_id": ""}, "location_id", "Choose one of the options."),
    ],
)
def test_bad_closure_input_is_shown_next_to_the_field(web, world, place, changes, field, message):
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    data = {
        "location_id": str(place.garage),
        "first_date": "2026-12-24",
        "last_date": "2026-12-26",
        "reason": "Christmas",
        **changes,
    }
    response = web.post(f"{lib(world)}/closures/new", data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text and "There is a problem" in response.text
    if field != "reason":
        assert 'value="Christmas"' in response.text
    if field != "location_id":
        assert f'<option value="{place.garage}" selected>' in response.text
    assert snapshot(web) == before


# Booking rules -----------------------------------------------------------------------------------


def test_admin_sets_the_booking_rules(web, world, place):
    web.login(world.emails["library_admin"])
    page = web.get(f"{lib(world)}/rules")
    assert page.status_code == 200
    assert 'id="setup_minutes"' in page.text and 'value="480"' in page.text
    response = web.post(f"{lib(world)}/rules", RULES_FORM)
    assert response.status_code == 303
    assert response.headers["location"] == f"{lib(world)}/rules?done=rules-saved"

    async def saved(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await rules_for(conn, world.library.id)

    rules = web.run(saved, web.ctx)
    assert (rules.setup_minutes, rules.clearup_minutes, rules.min_lead_days) == (15, 10, 14)
    assert (rules.max_length_minutes, rules.hold_days) == (180, 10)
    assert rules.checklist == ("Is it open to everyone?", "Is it free of charge?")
    page = web.get(f"{lib(world)}/rules?done=rules-saved").text
    assert "The rules have been saved." in page
    assert 'value="180"' in page
    assert "Is it open to everyone?\nIs it free of charge?</textarea>" in page
    assert rows(web, audit_log, audit_log.c.action == "rules.updated")
    # Saving again changes the one row.
    assert web.post(f"{lib(world)}/rules", {**RULES_FORM, "checklist": ""}).status_code == 303
    assert web.run(saved, web.ctx).checklist == ()
    assert len(rows(web, library_rules, library_rules.c.library_id == world.library.id)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"setup_minutes": ""}, "setup_minutes", "This field is required."),
        ({"clearup_minutes": "ten"}, "clearup_minutes", "Enter a whole number, like 40."),
        ({"setup_minutes": "-5"}, "setup_minutes", "Enter a number from 0 to 240."),
        ({"clearup_minutes": "241"}, "clearup_minutes", "Enter a number from 0 to 240."),
        ({"min_lead_days": "366"}, "min_lead_days", "Enter a number from 0 to 365."),
        ({"max_length_minutes": "10"}, "max_length_minutes", "Enter a number from 15 to 1440."),
        ({"hold_days": "0"}, "hold_days", "Enter a number from 1 to 60."),
        (
            {"checklist": "\n".join(f"Question {n}?" for n in range(11))},
            "checklist",
            "Write at most 10 questions.",
        ),
        (
            {"checklist": "Open to all?\n" + "q" * 201},
            "checklist",
            "Question 2 is longer than 200 characters. Shorten it.",
        ),
    ],
)
def test_bad_rules_are_shown_next_to_the_field(web, world, place, changes, field, message):
    set_rules(web, world, checklist=["Free of charge?"])
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    response = web.post(f"{lib(world)}/rules", {**RULES_FORM, **changes})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and message in response.text
    assert 'aria-invalid="true"' in response.text and "There is a problem" in response.text
    if field != "checklist":
        assert "Is it open to everyone?" in response.text  # the questions typed stay
        if changes[field]:
            assert f'value="{changes[field]}"' in response.text
    else:
        assert changes[field][-20:] in response.text
    assert snapshot(web) == before


# Who may see and change --------------------------------------------------------------------------


def test_staff_see_slots_closures_and_weeks_but_change_nothing(web, world, place):
    slot_id, exception_id, closure_id = some_of_everything(web, world, place)
    web.login(world.emails["library_staff"])
    before = snapshot(web)
    b = lib(world)
    listing = web.get(f"{b}/slots")
    assert listing.status_code == 200 and "Hörsalen" in listing.text
    assert "/edit" not in listing.text and f"{b}/slots/new" not in listing.text
    assert f"{b}/rules" not in listing.text
    shut = web.get(f"{b}/closures")
    assert shut.status_code == 200 and "Easter" in shut.text
    assert "/delete" not in shut.text and f"{b}/closures/new" not in shut.text
    assert web.get(f"{b}/locations/{place.central}/week?week=2026-W49").status_code == 200
    gets, posts = manage_pages(b, place, slot_id, exception_id, closure_id)
    for path in gets:
        assert web.get(path).status_code == 403, path
    for path, data in posts.items():
        assert web.post(path, data).status_code == 403, path
    assert snapshot(web) == before


@pytest.mark.parametrize(
    "who", ["association_member", "association_admin", "other_library_admin", "other_library_staff"]
)
def test_people_outside_the_library_get_403(web, world, place, who):
    slot_id, exception_id, closure_id = some_of_everything(web, world, place)
    web.login(world.emails[who])
    before = snapshot(web)
    b = lib(world)
    gets, posts = manage_pages(b, place, slot_id, exception_id, closure_id)
    views = [f"{b}/slots", f"{b}/closures", f"{b}/locations/{place.central}/week"]
    for path in [*views, *gets]:
        assert web.get(path).status_code == 403, path
    for path, data in posts.items():
        assert web.post(path, data).status_code == 403, path
    assert snapshot(web) == before


def test_anonymous_visitors_are_sent_to_log_in(web, world, place):
    slot_id, exception_id, closure_id = some_of_everything(web, world, place)
    before = snapshot(web)
    b = lib(world)
    gets, posts = manage_pages(b, place, slot_id, exception_id, closure_id)
    for path in [f"{b}/slots", f"{b}/closures", f"{b}/locations/{place.central}/week", *gets]:
        response = web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    for path, data in posts.items():
        response = web.post(path, data)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert snapshot(web) == before


def test_only_libraries_have_slots(web, world):
    web.login(world.emails["library_admin"])
    for page in ("slots", "slots/new", "closures", "closures/new", "rules"):
        assert web.get(f"/orgs/{world.association.slug}/{page}").status_code == 404, page
        assert web.get(f"/orgs/no-such-library/{page}").status_code == 404, page


def test_a_forged_csrf_token_is_refused(web, world, place):
    slot_id, exception_id, closure_id = some_of_everything(web, world, place)
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    _, posts = manage_pages(lib(world), place, slot_id, exception_id, closure_id)
    for path, data in posts.items():
        for token in ("forged-token", None):
            sent = {**data, "csrf_token": token} if token else data
            response = web.client.post(path, data=sent, follow_redirects=False)
            assert response.status_code == 403, (path, token)
    assert snapshot(web) == before


def test_another_librarys_slots_rooms_and_closures_are_not_found(web, world, place):
    own_slot, own_exception, _ = some_of_everything(web, world, place)
    their_slot = add_slot(web, world, place.their_room, other=True)
    their_exception = skip(web, world, their_slot, date(2026, 12, 8), other=True)
    their_closure = close(
        web,
        world,
        date(2026, 12, 24),
        date(2026, 12, 26),
        "Julstängt i Lund",
        place.their_location,
        other=True,
    )
    web.login(world.emails["library_admin"])
    before = snapshot(web)
    b = lib(world)

    for path in (
        f"{b}/slots/{their_slot}/edit",
        f"{b}/slots/99999/edit",
        f"{b}/slots/99999999999999999999/edit",
        f"{b}/locations/{place.their_location}/week",
        f"{b}/locations/99999/week",
    ):
        assert web.get(path).status_code == 404, path
    posts = {
        # a room of another library, for a new slot or an old one
        f"{b}/slots/new": slot_form(place.their_room),
        f"{b}/slots/{own_slot}/edit": slot_form(place.their_room),
        f"{b}/slots/{their_slot}/edit": slot_form(place.hall),
        f"{b}/slots/{their_slot}/delete": {},
        f"{b}/slots/{their_slot}/exceptions": {"on_date": "2026-12-15"},
        f"{b}/slots/{their_slot}/exceptions/{their_exception}/delete": {},
        # their exception addressed through our slot
        f"{b}/slots/{own_slot}/exceptions/{their_exception}/delete": {},
        f"{b}/closures/new": {
            "location_id": str(place.their_location),
            "first_date": "2026-12-24",
            "last_date": "2026-12-26",
            "reason": "Christmas",
        },
        f"{b}/closures/{their_closure}/delete": {},
        f"{b}/slots/99999999999/delete": {},
    }
    for path, data in posts.items():
        assert web.post(path, data).status_code == 404, path
    assert snapshot(web) == before
    assert own_exception
    assert "Lundasalen" not in web.get(f"{b}/slots").text
    assert "Julstängt i Lund" not in web.get(f"{b}/closures").text


def test_the_locations_list_links_to_slots_closures_rules_and_weeks(web, world, place):
    b = lib(world)
    web.login(world.emails["library_admin"])
    text = web.get(f"{b}/locations").text
    for link in (f"{b}/slots", f"{b}/closures", f"{b}/rules"):
        assert f'href="{link}"' in text, link
    assert f'href="{b}/locations/{place.central}/week"' in text
    assert f'href="{b}/locations/{place.garage}/week"' in text
    web.logout()
    web.login(world.emails["library_staff"])
    text = web.get(f"{b}/locations").text
    assert f'href="{b}/locations/{place.central}/week"' in text
    assert f'href="{b}/slots"' in text
    assert f'href="{b}/rules"' not in text


# Open windows ------------------------------------------------------------------------------------


def _days(windows, room_id):  # type: ignore[no-untyped-def]
    return [w.day for w in windows if w.room_id == room_id]


async def _open_windows(ctx, world, who, **kwargs):  # type: ignore[no-untyped-def]
    actor = await _as(ctx, world, who)
    return await availability.open_windows(ctx, actor=actor, library=world.library, **kwargs)


def open_windows(web, world, who="library_staff", **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("start", date(2026, 12, 1))
    kwargs.setdefault("end", date(2027, 1, 31))
    return web.run(_open_windows, web.ctx, world, who, **kwargs)


def test_open_windows_leave_out_skipped_closed_and_booked_dates(web, world, place):
    set_rules(web, world, setup_minutes=15, clearup_minutes=15)
    # Tuesdays 1 Dec - 26 Jan: in the hall 18-20, in the workshop (Garaget) 10-12.
    add_slot(web, world, place.hall, until_date=date(2027, 1, 26))
    workshop = add_slot(
        web,
        world,
        place.workshop,
        until_date=date(2027, 1, 26),
        start_time=time(10),
        end_time=time(12),
    )
    hall = rows(web, program_slots, program_slots.c.room_id == place.hall)[0].id
    once = add_slot(
        web,
        world,
        place.study,
        interval_weeks=0,
        first_date=date(2026, 12, 3),
        start_time=time(14),
        end_time=time(16),
    )
    skip(web, world, hall, date(2026, 12, 8))
    close(web, world, date(2026, 12, 22), date(2026, 12, 26), "Christmas")
    close(web, world, date(2026, 12, 15), date(2026, 12, 15), "Painting", place.garage)
    other_slot = add_slot(web, world, place.their_room, other=True)

    tue = {d: date(2026, 12, d) for d in (1, 15, 29)} | {
        100 + d: date(2027, 1, d) for d in (5, 12, 19, 26)
    }
    book(web, world, place.hall, local(tue[15], 20, 10), local(tue[15], 21))  # within 30 min
    book(web, world, place.hall, local(tue[29], 20, 30), local(tue[29], 21))  # exactly 30: fits
    book(web, world, place.hall, local(tue[105], 16), local(tue[105], 18), "held", hold_days=5)
    book(web, world, place.hall, local(tue[112], 18), local(tue[112], 20), "held", hold_days=-1)
    book(web, world, place.hall, local(tue[119], 18), local(tue[119], 20), "cancelled")
    book(web, world, place.hall, local(tue[126], 19), local(tue[126], 22), "counter", hold_days=3)
    book(web, world, place.study, local(date(2026, 12, 3), 15), local(date(2026, 12, 3), 17))

    windows = open_windows(web, world)
    assert _days(windows, place.hall) == [tue[1], tue[29], tue[112], tue[119]]
    assert _days(windows, place.workshop) == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        tue[29],
        tue[105],
        tue[112],
        tue[119],
        tue[126],
    ]
    assert _days(windows, place.study) == []
    assert {w.slot_id for w in windows} == {hall, workshop}
    assert once and other_slot not in {w.slot_id for w in windows}
    first = windows[0]
    assert (first.starts_at, first.ends_at) == (local(tue[1], 10), local(tue[1], 12))
    assert windows == sorted(windows, key=lambda w: w.starts_at)

    at_garage = open_windows(web, world, location_id=place.garage)
    assert {w.room_id for w in at_garage} == {place.workshop}
    in_hall = open_windows(web, world, who="library_admin", room_id=place.hall)
    assert _days(in_hall, place.hall) == _days(windows, place.hall)
    assert {w.room_id for w in in_hall} == {place.hall}
    assert open_windows(web, world, location_id=place.their_location) == []
    assert open_windows(web, world, start=date(2026, 12, 2), end=date(2026, 12, 7)) == []
    with pytest.raises(Forbidden):
        open_windows(web, world, who="association_admin")


def test_open_slot_choices_for_the_proposal_form(web, world, place):
    set_rules(web, world, setup_minutes=0, clearup_minutes=0, min_lead_days=7)
    today = clock.now().astimezone(STOCKHOLM).date()
    slot_id = add_slot(
        web,
        world,
        place.hall,
        first_date=today,
        until_date=today + timedelta(weeks=8),
        start_time=time(18),
        end_time=time(20),
    )
    add_slot(web, world, place.study, first_date=today, until_date=today + timedelta(weeks=8))

    async def retire_study(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(rooms).where(rooms.c.id == place.study).values(is_active=False)
            )

    web.run(retire_study, web.ctx)
    week = {n: today + timedelta(weeks=n) for n in range(9)}
    book(web, world, place.hall, local(week[2], 18), local(week[2], 19))
    draft = book(
        web, world, place.hall, local(week[3], 18), local(week[3], 20), "held", hold_days=9
    )

    def choices(**kwargs):  # type: ignore[no-untyped-def]
        return web.run(
            availability.open_slot_choices,
            web.ctx,
            library_id=kwargs.pop("library_id", world.library.id),
            start=kwargs.pop("start", today),
            end=kwargs.pop("end", today + timedelta(weeks=10)),
            **kwargs,
        )

    found = choices()
    # From the minimum lead time on (a week from today), without the booked and held weeks.
    assert [c.starts_at for c in found] == [local(week[n], 18) for n in (1, 4, 5, 6, 7, 8)]
    first = found[0]
    assert first == (slot_id, place.hall, "Hörsalen", "Stadsbiblioteket", *first[4:])
    assert (first.slot_id, first.room_id, first.room_name, first.location_name) == (
        slot_id,
        place.hall,
        "Hörsalen",
        "Stadsbiblioteket",
    )
    assert first.ends_at == local(week[1], 20)
    # A draft changing its choice does not see its own hold as taken.
    mine = choices(exclude_event_id=draft)
    assert [c.starts_at for c in mine] == [local(week[n], 18) for n in (1, 3, 4, 5, 6, 7, 8)]
    assert choices(library_id=world.other_library.id) == []
    assert choices(library_id=world.association.id) == []
    assert choices(library_id=987654) == []
    assert choices(end=today + timedelta(days=6)) == []

    def find(starts_at, **kwargs):  # type: ignore[no-untyped-def]
        return web.run(
            availability.find_window,
            web.ctx,
            library_id=world.library.id,
            slot_id=kwargs.pop("slot_id", slot_id),
            starts_at=starts_at,
            **kwargs,
        )

    assert find(local(week[4], 18)) == found[1]
    assert find(local(week[2], 18)) is None  # booked
    assert find(local(week[3], 18)) is None  # held by the draft ...
    assert find(local(week[3], 18), exclude_event_id=draft) is not None  # ... unless it asks
    assert find(local(week[4], 17)) is None  # not the slot's time
    assert find(local(week[4], 18), slot_id=slot_id + 100) is None
    assert find(local(today, 18)) is None  # within the lead time


# The week grid -----------------------------------------------------------------------------------


def test_the_week_grid_shows_bookings_holds_open_slots_and_closures(web, world, place):
    # Week 51 of 2026: Monday 14 to Sunday 20 December.
    add_slot(web, world, place.hall, first_date=date(2026, 12, 1))  # Tuesdays 18-20
    add_slot(
        web,
        world,
        place.study,
        first_date=date(2026, 12, 3),
        start_time=time(10),
        end_time=time(12),
    )  # Thursdays 10-12
    add_slot(web, world, place.workshop, first_date=date(2026, 12, 1))  # at Garaget
    book(web, world, place.hall, local(date(2026, 12, 16), 13), local(date(2026, 12, 16), 15))
    book(
        web,
        world,
        place.study,
        local(date(2026, 12, 18), 10),
        local(date(2026, 12, 18), 11, 30),
        "held",
        hold_days=10,
        title="Chess club",
    )
    book(
        web,
        world,
        place.hall,
        local(date(2026, 12, 19), 17),
        local(date(2026, 12, 19), 19),
        "counter",
        hold_days=4,
        title="Poetry night",
    )
    book(web, world, place.workshop, local(date(2026, 12, 16), 9), local(date(2026, 12, 16), 10))
    close(web, world, date(2026, 12, 20), date(2026, 12, 20), "Staff day", place.central)
    close(web, world, date(2026, 12, 14), date(2026, 12, 14), "Painting", place.garage)
    web.login(world.emails["library_staff"])

    url = f"{lib(world)}/locations/{place.central}/week"
    page = web.get(f"{url}?week=2026-W51")
    assert page.status_code == 200
    text = page.text
    assert "Stadsbiblioteket, Week 51" in text and "<caption" in text
    assert "14 December 2026 – 20 December 2026" in text
    assert 'href="?week=2026-W50"' in text and 'href="?week=2026-W52"' in text
    head = text[text.index("<thead>") : text.index("</thead>")]
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert [head.index(day) for day in days] == sorted(head.index(day) for day in days)
    assert "14 Dec" in head and "20 Dec" in head and "Closed: Staff day" in head
    assert "Painting" not in text and "Verkstaden" not in text  # another location's

    mon, tue, wed, thu, fri, sat, sun = cells_of(text, "Hörsalen")
    assert "Open slot" in tue and "18:00–20:00" in tue
    assert "Language café" in wed and "13:00–15:00" in wed and "Booked" in wed
    assert "Poetry night" in sat and "Counter-proposal, held" in sat and "17:00–19:00" in sat
    assert "Closed" in sun and "Open slot" not in text.split("Hörsalen")[0]
    assert "Open slot" not in mon + wed + thu + fri + sat + sun
    mon, tue, wed, thu, fri, sat, sun = cells_of(text, "Studierum")
    assert "Open slot" in thu and "10:00–12:00" in thu
    assert "Chess club" in fri and "Held for a draft" in fri and "10:00–11:30" in fri
    assert "Language café" not in "".join([mon, tue, wed, thu, fri, sat, sun])

    garage = web.get(f"{lib(world)}/locations/{place.garage}/week?week=2026-W51").text
    mon, tue, *_ = cells_of(garage, "Verkstaden")
    assert "Closed" in mon and "Open slot" in tue and "Staff day" not in garage


def test_the_week_grid_keeps_local_time_in_the_week_summer_time_ends(web, world, place):
    # Sweden leaves summer time on Sunday 25 October 2026 (week 43).
    for day in (date(2026, 10, 24), date(2026, 10, 25)):
        add_slot(web, world, place.hall, interval_weeks=0, first_date=day, until_date=None)
    sunday_six = local(date(2026, 10, 25), 18)
    book(web, world, place.study, sunday_six, sunday_six + timedelta(hours=1))
    web.login(world.emails["library_staff"])
    page = web.get(f"{lib(world)}/locations/{place.central}/week?week=2026-W43")
    assert page.status_code == 200 and "Week 43" in page.text
    *_, sat, sun = cells_of(page.text, "Hörsalen")
    assert "18:00–20:00" in sat and "18:00–20:00" in sun
    *_, sun = cells_of(page.text, "Studierum")
    assert "18:00–19:00" in sun


def test_the_week_grid_starts_at_this_week_and_refuses_a_bad_week(web, world, place):
    web.login(world.emails["library_admin"])
    url = f"{lib(world)}/locations/{place.central}/week"
    today = clock.now().astimezone(STOCKHOLM).date()
    page = web.get(url)
    assert page.status_code == 200
    assert f"Week {today.isocalendar()[1]}" in page.text
    assert "This week" in page.text and 'href="?"' not in page.text
    assert 'href="?"' in web.get(f"{url}?week=2027-W02").text
    for bad in ("2026-W54", "2025-W53", "banana", "", "2026-48"):
        assert web.get(f"{url}?week={bad}").status_code == 400, bad


def test_the_week_grid_does_not_query_per_booking_or_slot(web, world, place):
    web.login(world.emails["library_staff"])
    engine = web.ctx.db.engine.sync_engine
    statements: list[str] = []
    url = f"{lib(world)}/locations/{place.central}/week?week=2026-W51"

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_for_week() -> int:
        web.get(url)
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert web.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    monday = date(2026, 12, 14)
    add_slot(web, world, place.hall, first_date=monday)
    book(web, world, place.hall, local(monday, 9), local(monday, 10))
    with_one = queries_for_week()
    for n in range(1, 6):
        day = monday + timedelta(days=n)
        add_slot(
            web, world, place.study, first_date=day, start_time=time(8 + n), end_time=time(9 + n)
        )
        skip(web, world, add_slot(web, world, place.hall, first_date=day - timedelta(weeks=1)), day)
        book(web, world, place.hall, local(day, 9), local(day, 10), title=f"Event {n}")
        book(web, world, place.study, local(day, 20), local(day, 21), "held", hold_days=2)
        close(web, world, day + timedelta(weeks=1), day + timedelta(weeks=1), f"Closed {n}")
    with_many = queries_for_week()
    assert "Event 5" in web.get(url).text
    assert 0 < with_many <= with_one, (with_one, with_many)


def test_the_slot_list_does_not_query_per_slot(web, world, place):
    web.login(world.emails["library_admin"])
    engine = web.ctx.db.engine.sync_engine
    statements: list[str] = []
    url = f"{lib(world)}/slots"

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_for_list() -> int:
        web.get(url)
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert web.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    skip(web, world, add_slot(web, world, place.hall), date(2026, 12, 8))
    with_one = queries_for_list()
    for n in range(1, 6):
        slot_id = add_slot(web, world, place.workshop, first_date=date(2026, 12, n))
        skip(web, world, slot_id, date(2026, 12, n) + timedelta(weeks=1))
    with_many = queries_for_list()
    assert 0 < with_many <= with_one, (with_one, with_many)
