"""Volunteers: tasks and shifts that follow the event's dates, task templates put on an event
when it is approved, sign-up without an account (places, overlaps, the waitlist moved up),
the personal link and calendar, the roster with check-in and messages, hours for the year,
and the same privacy rules as contacts."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests import factories
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp import clock
from webapp.db.tables import (
    occurrences,
    outbox,
    volunteer_shifts,
    volunteer_signups,
    volunteer_tasks,
    volunteers,
)
from webapp.volunteers import links, notices, signups, store, tasks
from webapp.volunteers.timing import Timing

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _soon(days: int = 7) -> datetime:
    local = (clock.now() + timedelta(days=days)).astimezone(STOCKHOLM)
    return local.replace(hour=18, minute=0, second=0, microsecond=0)


def _event(web, world, rooms, **values):  # type: ignore[no-untyped-def]  # noqa: F811
    return make_event(web, world, rooms, starts_at=values.pop("starts_at", _soon()), **values)


def _add_task(web, event_id, **values):  # type: ignore[no-untyped-def]
    data = {"title": "Welcome desk", "people_needed": "2", "start_time": "", "end_time": ""}
    response = web.post(f"/events/{event_id}/volunteers/tasks/new", {**data, **values})
    assert response.status_code == 303, response.text
    return int(re.search(r"#task-(\d+)", response.headers["location"])[1])


async def _shifts(ctx, event_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await store.shifts_of_event(conn, event_id)


async def _code(ctx, event_id):  # type: ignore[no-untyped-def]
    async with ctx.db.transaction() as conn:
        return (await store.ensure_board(conn, event_id, tasks.new_code(), clock.now())).code


def _one_shift(web, event_id, **task):  # type: ignore[no-untyped-def]
    """A task with one shift on the event, added by the lead's member; the shift and the
    event's sign-up page code, with nobody logged in afterwards."""
    web.login("member@assoc.test")
    _add_task(web, event_id, **task)
    shift = web.run(_shifts, web.ctx, event_id)[0]
    code = web.run(_code, web.ctx, event_id)
    web.logout()
    return shift, code


def _sign_up(web, code, shift_ids, **values):  # type: ignore[no-untyped-def]
    data = {"name": "Amal Hassan", "phone": "070-123 45 67", "languages": "Arabic, Swedish",
            "consent": "1", "shifts": [str(i) for i in shift_ids]}  # fmt: skip
    return web.post(f"/v/{code}", {**data, **values})


def _token(response):  # type: ignore[no-untyped-def]
    return re.search(r"/v/me/([A-Za-z0-9_-]+)\?new=1", response.headers["location"])[1]


async def _bodies(ctx, phone):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(outbox.c.body).where(outbox.c.phone == phone).order_by(outbox.c.id)
        )
        return [row[0] for row in result]


async def _statuses(ctx, shift_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(volunteers.c.name, volunteer_signups.c.status)
            .join(volunteers, volunteers.c.id == volunteer_signups.c.volunteer_id)
            .where(volunteer_signups.c.shift_id == shift_id)
            .order_by(volunteer_signups.c.id)
        )
        return [tuple(row) for row in result]


# Tasks and shifts -------------------------------------------------------------------------


def test_tasks_get_a_shift_per_date_and_times_may_start_before_the_event(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms, repeat_weeks=1, repeat_count=3)
    web.login("member@assoc.test")
    page = web.get(f"/events/{event_id}/volunteers")
    assert page.status_code == 200 and "No tasks yet." in page.text
    form = web.get(f"/events/{event_id}/volunteers/tasks/new").text
    assert 'value="18:00"' in form and 'value="20:00"' in form  # the event's own times
    task_id = _add_task(web, event_id, title="Set-up", start_time="17:00", end_time="18:00",
                        skills="Lifting", description="Chairs and tables.")  # fmt: skip
    _add_task(web, event_id, title="Host", people_needed="1")
    shifts = web.run(_shifts, web.ctx, event_id)
    setup = [s for s in shifts if s.task_id == task_id]
    assert len(setup) == 3 and len(shifts) == 6
    first = setup[0]
    assert first.starts_at.astimezone(STOCKHOLM).hour == 17
    assert first.ends_at.astimezone(STOCKHOLM).hour == 18
    page = web.get(f"/events/{event_id}/volunteers").text
    assert "Set-up" in page and "0 / 2" in page and "Wanted: Lifting" in page
    assert "6 shifts to come still need people." in page

    # Bad input is shown next to the field and nothing is saved.
    bad = web.post(
        f"/events/{event_id}/volunteers/tasks/new",
        {"title": "", "people_needed": "0", "start_time": "19:00", "end_time": "18:00"},
    )
    assert bad.status_code == 400
    for field in ("title", "people_needed", "end_time"):
        assert f'id="{field}-error"' in bad.text
    assert len(web.run(_shifts, web.ctx, event_id)) == 6

    # A change of the task's times moves its shifts; the history shows the change.
    response = web.post(
        f"/events/{event_id}/volunteers/tasks/{task_id}",
        {"title": "Set-up", "people_needed": "3", "start_time": "16:30", "end_time": "18:00"},
    )
    assert response.status_code == 303
    setup = [s for s in web.run(_shifts, web.ctx, event_id) if s.task_id == task_id]
    assert {s.starts_at.astimezone(STOCKHOLM).strftime("%H:%M") for s in setup} == {"16:30"}
    assert "Volunteer task" in web.get(f"/events/{event_id}/history").text
    assert f"/events/{event_id}/volunteers" in web.get(f"/events/{event_id}/plan").text


def test_templates_are_put_on_an_event_when_it_is_approved_and_follow_a_moved_date(
    web, world, rooms,  # noqa: F811
):  # fmt: skip
    web.login("admin@assoc.test")
    page = web.get("/orgs/nya-grannar/volunteers")
    assert page.status_code == 200 and "Add the usual three" in page.text
    assert web.post("/orgs/nya-grannar/volunteers/templates/suggested").status_code == 303
    page = web.get("/orgs/nya-grannar/volunteers").text
    assert "Set-up" in page and "60 min before the start" in page and "30 min after the end" in page
    event_id = _event(web, world, rooms, state="approved")
    shifts = web.run(_shifts, web.ctx, event_id)
    assert sorted(s.title for s in shifts) == ["Clear-up", "Host", "Set-up"]
    by_title = {s.title: s for s in shifts}
    assert by_title["Set-up"].ends_at == by_title["Host"].starts_at
    assert by_title["Clear-up"].starts_at == by_title["Host"].ends_at
    assert by_title["Clear-up"].ends_at - by_title["Clear-up"].starts_at == timedelta(minutes=30)

    # Someone on the set-up shift hears when the date moves, and the shift moves with it.
    code = web.run(_code, web.ctx, event_id)
    web.logout()
    assert _sign_up(web, code, [by_title["Set-up"].id]).status_code == 303
    web.login("staff@lib.test")

    async def move(ctx):  # type: ignore[no-untyped-def]
        from webapp.events import dates

        async with ctx.db.read() as conn:
            date = (await conn.execute(
                select(occurrences).where(occurrences.c.event_id == event_id)
            )).first()  # fmt: skip
        staff = await factories.actor(ctx, "staff@lib.test")
        await dates.move_date(
            ctx, actor=staff, event_id=event_id, occurrence_id=date.id,
            starts_at=date.starts_at + timedelta(days=1),
            ends_at=date.ends_at + timedelta(days=1, hours=1), room_id=date.room_id,
        )  # fmt: skip

    web.run(move, web.ctx)
    moved = {s.title: s for s in web.run(_shifts, web.ctx, event_id)}
    assert moved["Set-up"].starts_at == by_title["Set-up"].starts_at + timedelta(days=1)
    # The host follows the longer date to its new end; clear-up starts at the new end.
    assert moved["Host"].ends_at == by_title["Host"].ends_at + timedelta(days=1, hours=1)
    assert moved["Clear-up"].starts_at == moved["Host"].ends_at
    bodies = web.run(_bodies, web.ctx, "+46701234567")
    assert any("has moved to" in body and "Set-up" in body for body in bodies)


def test_tasks_are_copied_from_an_earlier_event(web, world, rooms):  # noqa: F811
    earlier = _event(web, world, rooms, starts_at=_soon(5))
    later = _event(web, world, rooms, starts_at=_soon(12))
    web.login("member@assoc.test")
    _add_task(web, earlier, title="Interpreting", skills="Arabic")
    _add_task(web, earlier, title="Coffee")
    _add_task(web, later, title="Coffee")
    assert "Copy tasks from an earlier event" in web.get(f"/events/{later}/volunteers").text
    response = web.post(f"/events/{later}/volunteers/copy", {"from_event_id": str(earlier)})
    assert response.status_code == 303 and "copied=1" in response.headers["location"]
    titles = sorted(s.title for s in web.run(_shifts, web.ctx, later))
    assert titles == ["Coffee", "Interpreting"]


# Signing up -------------------------------------------------------------------------------


def test_signing_up_without_an_account_and_the_personal_link(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(
        web, event_id, title="Welcome desk", people_needed="2", skills="Arabic"
    )
    # The public event page links to the sign-up page.
    assert f'href="/v/{code}"' in web.get(f"/events/{event_id}").text
    page = web.get(f"/v/{code}")
    assert page.status_code == 200 and "2 places left" in page.text
    assert page.headers["cache-control"] == "no-store"

    # Mistakes are shown next to the fields and the choices are kept.
    bad = _sign_up(web, code, [shift.id], name="", phone="12", consent="")
    assert bad.status_code == 400
    for field in ("name", "phone", "consent"):
        assert f'id="{field}-error"' in bad.text
    assert f'value="{shift.id}" checked' in bad.text

    response = _sign_up(web, code, [shift.id])
    assert response.status_code == 303
    token = _token(response)
    mine = web.get(f"/v/me/{token}?new=1")
    assert mine.status_code == 200 and "You are on the shift" in mine.text
    assert "Welcome desk" in mine.text and mine.headers["cache-control"] == "no-store"
    bodies = web.run(_bodies, web.ctx, "+46701234567")
    assert len(bodies) == 1 and "Thank you, Amal Hassan!" in bodies[0]
    assert f"/v/me/{token}" in bodies[0]
    assert "1 place left" in web.get(f"/v/{code}").text

    # The personal calendar.
    feed = web.get(f"/v/me/{token}/calendar.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    from icalendar import Calendar

    entries = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert len(entries) == 1 and "Welcome desk" in str(entries[0]["SUMMARY"])
    assert entries[0]["DTSTART"].dt == shift.starts_at

    # Signing up again with the same number from another browser: nothing doubles, and the
    # page of that number is not shown to whoever typed it.
    again = _sign_up(web, code, [shift.id], name="Someone else")
    assert again.headers["location"] == f"/v/{code}?sent=1"
    assert web.run(_statuses, web.ctx, shift.id) == [("Amal Hassan", "confirmed")]

    # Cancel: the shift is free again and the calendar says so.
    signup_id = int(re.search(r'id="signup-(\d+)"', mine.text)[1])
    assert web.post(f"/v/me/{token}/cancel/{signup_id}").status_code == 303
    assert "You have no shifts to come." in web.get(f"/v/me/{token}").text
    cancelled = Calendar.from_ical(web.get(f"/v/me/{token}/calendar.ics").content)
    assert [str(e["STATUS"]) for e in cancelled.walk("VEVENT")] == ["CANCELLED"]
    assert web.get("/v/me/not-a-real-token").status_code == 404
    assert web.get("/v/nosuchcode").status_code == 404


def test_the_sign_up_page_is_public_by_invitation_only_or_closed(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    web.login("member@assoc.test")
    _add_task(web, event_id, title="Coffee")
    code = web.run(_code, web.ctx, event_id)
    response = web.post(
        f"/events/{event_id}/volunteers/access",
        {"access": "invite", "note": "Meet at the side door."},
    )
    assert response.status_code == 303
    bad = web.post(f"/events/{event_id}/volunteers/access", {"access": "everyone"})
    assert bad.status_code == 400 and 'id="access-error"' in bad.text
    web.logout()
    assert f"/v/{code}" not in web.get(f"/events/{event_id}").text  # not linked
    page = web.get(f"/v/{code}").text
    assert "Meet at the side door." in page and 'name="shifts"' in page
    web.login("member@assoc.test")
    web.post(f"/events/{event_id}/volunteers/access", {"access": "closed", "note": ""})
    # A new address: the old link no longer works.
    web.post(f"/events/{event_id}/volunteers/code")
    web.logout()
    assert web.get(f"/v/{code}").status_code == 404
    new_code = web.run(_code, web.ctx, event_id)
    closed = web.get(f"/v/{new_code}").text
    assert "This sign-up is closed." in closed and 'name="shifts"' not in closed


def test_public_forms_are_limited_per_address(web, world, rooms, monkeypatch):  # noqa: F811
    monkeypatch.setattr(clock, "epoch_seconds", lambda: 1_800_000_300)  # mid-window
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Coffee")
    for _ in range(web.ctx.settings.public_form_limit_per_address):
        assert _sign_up(web, code, [shift.id], consent="").status_code == 400
    refused = _sign_up(web, code, [shift.id])
    assert refused.status_code == 429 and refused.headers["retry-after"] == "300"
    assert "Too many sign-ups from this network. Try again in 5 minutes." in refused.text
    assert web.run(_statuses, web.ctx, shift.id) == []
    # RSVPs count on their own, up to the same limit.
    limit = web.ctx.settings.public_form_limit_per_address
    answers = [
        web.post(f"/events/{event_id}/rsvp", {"name": "", "party_size": "1"}).status_code
        for _ in range(limit + 1)
    ]
    assert answers == [400] * limit + [429]


def test_overlapping_shifts_are_refused_with_a_clear_message(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    web.login("member@assoc.test")
    _add_task(web, event_id, title="Host")
    _add_task(web, event_id, title="Coffee", start_time="19:00", end_time="21:00")
    _add_task(web, event_id, title="Clear-up", start_time="20:00", end_time="20:30")
    host, coffee, clear = sorted(web.run(_shifts, web.ctx, event_id), key=lambda s: s.task_id)
    code = web.run(_code, web.ctx, event_id)
    web.logout()
    both = _sign_up(web, code, [host.id, coffee.id])
    assert both.status_code == 400
    assert "You already have a shift at that time: Host" in both.text
    assert web.run(_statuses, web.ctx, host.id) == []  # nothing half-done
    token = _token(_sign_up(web, code, [host.id]))
    # From the personal page ("sign up for more"), the clash is named.
    later = _sign_up(web, code, [coffee.id], proof=token)
    assert later.status_code == 400 and "You already have a shift at that time: Host" in later.text
    # Back to back is fine.
    assert _sign_up(web, code, [clear.id], proof=token).status_code == 303
    # From another browser, the number's shifts are not named.
    stranger = _sign_up(web, code, [coffee.id])
    assert stranger.status_code == 400
    assert "This number already has a shift at that time" in stranger.text
    assert "Host" not in re.search(r'id="shifts-error">(.*?)</p>', stranger.text, re.S)[1]


def test_a_full_shift_has_a_waitlist_that_moves_up(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Coffee", people_needed="1")
    first = _token(_sign_up(web, code, [shift.id], name="Amal", phone="0701111111"))
    assert "Full: you join the waitlist" in web.get(f"/v/{code}").text
    second = _token(_sign_up(web, code, [shift.id], name="Bo", phone="0702222222"))
    _token(_sign_up(web, code, [shift.id], name="Cai", phone="0703333333"))
    assert "On the waitlist, number 1" in web.get(f"/v/me/{second}").text
    assert web.run(_statuses, web.ctx, shift.id) == [
        ("Amal", "confirmed"), ("Bo", "waitlist"), ("Cai", "waitlist"),
    ]  # fmt: skip
    page = web.get(f"/v/me/{first}").text
    signup_id = int(re.search(r'id="signup-(\d+)"', page)[1])
    web.post(f"/v/me/{first}/cancel/{signup_id}")
    assert web.run(_statuses, web.ctx, shift.id) == [
        ("Amal", "cancelled"), ("Bo", "confirmed"), ("Cai", "waitlist"),
    ]  # fmt: skip
    bodies = web.run(_bodies, web.ctx, "+46702222222")
    assert any("A place is free and it is yours" in body for body in bodies)
    assert "You are on the shift" in web.get(f"/v/me/{second}").text


def test_moving_to_another_shift_and_organisers_taking_someone_off(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    web.login("member@assoc.test")
    _add_task(web, event_id, title="Host", people_needed="1")
    _add_task(web, event_id, title="Coffee", people_needed="1")
    _add_task(web, event_id, title="Books", people_needed="1", start_time="16:00", end_time="17:00")
    host, coffee, books = sorted(web.run(_shifts, web.ctx, event_id), key=lambda s: s.task_id)
    code = web.run(_code, web.ctx, event_id)
    web.logout()
    token = _token(_sign_up(web, code, [host.id]))
    _sign_up(web, code, [books.id], name="Bo", phone="0702222222")
    _sign_up(web, code, [host.id], name="Cai", phone="0703333333")  # waits for the host shift
    page = web.get(f"/v/me/{token}").text
    signup_id = int(re.search(r'id="signup-(\d+)"', page)[1])
    assert f'<option value="{coffee.id}">' in page  # a free shift of the same event
    assert f'<option value="{books.id}">' not in page  # full
    full = web.post(f"/v/me/{token}/switch/{signup_id}", {"shift_id": str(books.id)})
    assert full.status_code == 400 and "That shift is full now." in full.text
    assert (
        web.post(f"/v/me/{token}/switch/{signup_id}", {"shift_id": str(coffee.id)}).status_code
        == 303
    )
    assert web.run(_statuses, web.ctx, coffee.id) == [("Amal Hassan", "confirmed")]
    # The host place went to Cai, who waited for it.
    assert web.run(_statuses, web.ctx, host.id) == [
        ("Amal Hassan", "cancelled"), ("Cai", "confirmed"),
    ]  # fmt: skip

    # The organisers take Bo off the books shift (he phoned to say he cannot come).
    web.login("member@assoc.test")
    roster = web.get(f"/events/{event_id}/volunteers/roster").text
    bo = re.search(r'<tr id="signup-(\d+)">\s*<td>Bo</td>', roster)[1]
    assert web.post(f"/events/{event_id}/volunteers/roster/{bo}/remove").status_code == 303
    assert web.run(_statuses, web.ctx, books.id) == [("Bo", "cancelled")]

    # A task whose shifts people were checked in for keeps its hours: it is not removed.
    cai = re.search(r'<tr id="signup-(\d+)">\s*<td>Cai</td>', roster)[1]
    web.post(f"/events/{event_id}/volunteers/roster/{cai}/checkin", {"came": "1"})
    kept = web.post(f"/events/{event_id}/volunteers/tasks/{host.task_id}/delete")
    assert kept.status_code == 400 and "so it stays" in kept.text
    gone = web.post(f"/events/{event_id}/volunteers/tasks/{books.task_id}/delete")
    assert gone.status_code == 303
    assert sorted(s.title for s in web.run(_shifts, web.ctx, event_id)) == ["Coffee", "Host"]


def test_concurrent_sign_ups_never_exceed_the_places(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    web.login("member@assoc.test")
    _add_task(web, event_id, title="Welcome desk", people_needed="4")
    shift = web.run(_shifts, web.ctx, event_id)[0]
    code = web.run(_code, web.ctx, event_id)

    async def many(ctx):  # type: ignore[no-untyped-def]
        async def one(i: int) -> None:
            form = signups.SignUp(
                name=f"Person {i}", phone=f"+4670{i:07d}", languages="", language="sv",
                shift_ids=[shift.id],
            )  # fmt: skip
            for attempt in range(20):
                try:
                    await signups.sign_up(ctx, code=code, form=form)
                    return
                except Exception as problem:  # SQLite "database is locked": try again
                    if "locked" not in str(problem) or attempt == 19:
                        raise
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(one(i) for i in range(20)))

    web.run(many, web.ctx)
    found = web.run(_statuses, web.ctx, shift.id)
    assert len(found) == 20
    assert sum(1 for _, status in found if status == "confirmed") == 4


def test_recruiting_volunteers_from_the_contact_book_by_sms(web, world, rooms):  # noqa: F811
    from tests.http.test_outbox import _contacts
    from tests.http.test_sms_compose import _tag

    event_id = _event(web, world, rooms, title="Språkcafé")
    web.login("member@assoc.test")
    _add_task(web, event_id, title="Interpreting", skills="Arabic")
    shift = web.run(_shifts, web.ctx, event_id)[0]
    ids = web.run(_contacts, web.ctx, world, 3)
    web.run(_tag, web.ctx, world, ids[:2], "volunteer – Arabic")
    compose = web.get(f"/orgs/{world.association.slug}/sms/new").text
    assert f'value="{event_id}:volunteers"' in compose and "Recruiting volunteers" in compose
    response = web.post(
        f"/orgs/{world.association.slug}/sms/new",
        {"tag": "volunteer – Arabic", "event": f"{event_id}:volunteers",
         "template": "Hej {name}! Kan du tolka på {title} {date}? {link}"},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    (body,) = web.run(_bodies, web.ctx, "+46700000000")
    assert body.startswith("Hej Person 0! Kan du tolka på Språkcafé")
    assert web.run(_bodies, web.ctx, "+46700000002") == []  # not tagged
    message_code = re.search(r"/m/([a-z0-9]+)", body)[1]
    web.logout()
    about = web.get(f"/m/{message_code}").text
    link = re.search(r'href="(/v/[a-z0-9]+\?m=[a-z0-9]+)"', about)[1]
    page = web.get(link).text
    assert 'value="Person 0"' in page and 'value="+46700000000"' in page
    code = link.split("/v/")[1].split("?")[0]
    response = _sign_up(web, code, [shift.id], name="Person 0", phone="+46700000000",
                        m=message_code)  # fmt: skip
    # The SMS proves the number: the person's page is shown at once.
    assert response.status_code == 303 and "/v/me/" in response.headers["location"]
    assert web.run(_statuses, web.ctx, shift.id) == [("Person 0", "confirmed")]
    # The link again: the shift they are on is said so.
    assert "You have signed up for this shift." in web.get(link).text


# Reminders --------------------------------------------------------------------------------


def test_reminders_come_at_the_same_local_time_across_summer_time(web, world, rooms):  # noqa: F811
    # A shift on the Sunday summer time ends (2030-10-27) at 18:00: the reminder is due on
    # Saturday at 18:00 local time, 25 hours before.
    starts = datetime(2030, 10, 27, 18, 0, tzinfo=STOCKHOLM)
    event_id = _event(web, world, rooms, starts_at=starts)
    shift, code = _one_shift(web, event_id, title="Host")
    _sign_up(web, code, [shift.id])

    async def backdate(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(volunteer_signups).values(created_at=datetime(2030, 10, 1, tzinfo=STOCKHOLM))
            )

    web.run(backdate, web.ctx)
    due = datetime(2030, 10, 26, 18, 0, tzinfo=STOCKHOLM)
    assert starts.timestamp() - due.timestamp() == 25 * 3600
    assert web.run(notices.send_reminders, web.ctx, now=due - timedelta(minutes=1)) == 0
    assert web.run(notices.send_reminders, web.ctx, now=due) == 1
    assert web.run(notices.send_reminders, web.ctx, now=due + timedelta(minutes=5)) == 0
    bodies = web.run(_bodies, web.ctx, "+46701234567")
    assert any(body.startswith("Reminder: you help with Host") for body in bodies)


# Organisers -------------------------------------------------------------------------------


def test_the_roster_check_in_a_message_to_a_shift_and_hours(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Welcome desk", people_needed="3")
    _sign_up(web, code, [shift.id], name="Amal", phone="0701111111")
    _sign_up(web, code, [shift.id], name="Bo", phone="0702222222")
    web.login("staff@lib.test")
    page = web.get(f"/events/{event_id}/volunteers/roster")
    assert page.status_code == 200
    assert "Amal" in page.text and "+46 70 111 11 11" in page.text and "1 more needed" in page.text
    signup_id = int(re.search(r'id="signup-(\d+)"', page.text)[1])
    assert (
        web.post(
            f"/events/{event_id}/volunteers/roster/{signup_id}/checkin", {"came": "1"}
        ).status_code
        == 303
    )
    assert "1 volunteer has come." in web.get(f"/events/{event_id}/volunteers/roster").text

    # An SMS to everyone on the shift, each with their own link, in the SMS log.
    empty = web.post(f"/events/{event_id}/volunteers/shifts/{shift.id}/message", {"body": ""})
    assert empty.status_code == 400 and 'id="body-' in empty.text
    sent = web.post(
        f"/events/{event_id}/volunteers/shifts/{shift.id}/message",
        {"body": "Meet at the side door at 17:45."},
    )
    assert sent.status_code == 303 and "sent=2" in sent.headers["location"]
    for phone in ("+46701111111", "+46702222222"):
        last = web.run(_bodies, web.ctx, phone)[-1]
        assert last.startswith("Meet at the side door") and "/v/me/" in last

    # Hours of the year, for the association (responsible as the lead) and the library.
    async def past(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(volunteer_shifts).where(volunteer_shifts.c.id == shift.id)
                .values(starts_at=shift.starts_at.replace(month=3, day=2),
                        ends_at=shift.ends_at.replace(month=3, day=2))
            )  # fmt: skip

    web.run(past, web.ctx)
    year = shift.starts_at.year
    library = web.get(f"/orgs/malmo-stadsbibliotek/volunteers?year={year}").text
    assert "Hours in all: 2" in library and "Nya grannar" in library
    web.login("admin@assoc.test")
    mine = web.get(f"/orgs/nya-grannar/volunteers?year={year}").text
    assert "Hours in all: 2" in mine and "Amal" in mine
    exported = web.get(f"/orgs/nya-grannar/volunteers/hours.csv?year={year}")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Date", "Starts at", "Ends at", "Hours"]
    assert rows[1][3] == "2.00" and rows[1][6] == "Nya grannar" and rows[1][7] == "Amal"
    assert rows[-1][:4] == ["Total", "", "", "2.00"]
    web.login("admin@otherassoc.test")
    other = web.get(f"/orgs/schackklubben/volunteers?year={year}").text
    assert "Amal" not in other


def test_an_association_sees_only_volunteers_of_its_own_events(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Welcome desk")
    _sign_up(web, code, [shift.id])
    signup_id = web.run(_statuses, web.ctx, shift.id) and 1
    web.login("admin@otherassoc.test")
    for path in ("", "/roster", "/tasks/new"):
        assert web.get(f"/events/{event_id}/volunteers{path}").status_code == 404
    for path in (f"/roster/{signup_id}/checkin", f"/shifts/{shift.id}/message", "/access"):
        assert web.post(f"/events/{event_id}/volunteers{path}", {"body": "x"}).status_code == 404
    assert web.get("/orgs/nya-grannar/volunteers").status_code == 403
    web.login("staff@lib.test")
    assert "Amal Hassan" in web.get(f"/events/{event_id}/volunteers/roster").text


# Privacy ----------------------------------------------------------------------------------


def test_volunteers_see_download_correct_and_delete_their_data(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Coffee", people_needed="1")
    token = _token(_sign_up(web, code, [shift.id]))
    _sign_up(web, code, [shift.id], name="Bo", phone="0702222222")
    data = web.get(f"/v/me/{token}/data.json")
    assert data.status_code == 200 and data.headers["cache-control"] == "no-store"
    found = json.loads(data.text)
    assert found["phone"] == "+46701234567" and found["consent"]["source"] == "sign-up"
    assert found["shifts"][0]["task"] == "Coffee"
    assert (
        web.post(f"/v/me/{token}/details", {"name": "Amal H.", "languages": ""}).status_code == 303
    )
    assert web.run(_statuses, web.ctx, shift.id)[0] == ("Amal H.", "confirmed")
    deleted = web.post(f"/v/me/{token}/delete")
    assert deleted.status_code == 200 and "Your data is deleted" in deleted.text
    assert web.get(f"/v/me/{token}").status_code == 404
    # The place went to the next in line.
    assert web.run(_statuses, web.ctx, shift.id) == [("Bo", "confirmed")]

    async def count(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(
                select(func.count())
                .select_from(volunteers)
                .where(volunteers.c.phone == "+46701234567")
            )

    assert web.run(count, web.ctx) == 0


def test_volunteers_without_shifts_for_the_retention_period_are_deleted(web, world, rooms):  # noqa: F811
    event_id = _event(web, world, rooms)
    shift, code = _one_shift(web, event_id, title="Coffee")
    _sign_up(web, code, [shift.id])
    months = web.ctx.settings.contact_retention_months
    soon = clock.now() + timedelta(days=30)
    assert web.run(signups.clean_up, web.ctx.db, now=soon, retention_months=months) == 0
    later = shift.ends_at + timedelta(days=30 * months + 1)
    assert web.run(signups.clean_up, web.ctx.db, now=later, retention_months=months) == 1


def test_timing_keeps_each_end_of_a_shift_to_the_nearer_end_of_its_date():
    start = datetime(2030, 1, 1, 18, tzinfo=STOCKHOLM)
    end = start + timedelta(hours=2)
    setup = Timing.from_times(start, end, start - timedelta(hours=1), start)
    assert setup == Timing("start", -60, "start", 0)
    assert Timing.from_times(start, end, start, end) == Timing.whole_date()
    assert Timing.from_times(start, end, end, end + timedelta(minutes=30)) == Timing(
        "end", 0, "end", 30
    )
    longer = end + timedelta(hours=1)
    assert Timing.whole_date().span(start, longer) == (start, longer)
    assert Timing("end", 0, "end", 30).span(start, longer)[0] == longer
    assert links.token_hash("x") != links.token_hash("y")
    assert volunteer_tasks.name == "volunteer_tasks"
