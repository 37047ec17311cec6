"""Single dates of a booked weekly series: staff of the hosting library and the lead partner
cancel, move or restore one date without touching the others, checked like an approval.
Every test runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.http.records import query_rows as _rows
from webapp.db.tables import audit_log, event_revisions, events, notifications, occurrences
from webapp.events import partners, review

START = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Stockholm (UTC+1)
END = START + timedelta(hours=2)
WEEK = timedelta(weeks=1)


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _event(web, event_id):
    return _rows(web, select(events).where(events.c.id == event_id))[0]


def _dates(web, event_id):
    return _rows(
        web,
        select(occurrences)
        .where(occurrences.c.event_id == event_id)
        .order_by(occurrences.c.id),  # made in date order
    )


async def _series(ctx, world, room_id, *, title="Språkcafé", co_host=False, **booking):  # type: ignore[no-untyped-def]
    """A weekly series of four Tuesdays, approved into the room; optionally with the
    world's other association as an active co-host."""
    event_id = await factories.proposed_event(ctx, world, title=title)
    if co_host:
        lead = await factories.actor(ctx, "member@assoc.test")
        await partners.invite(
            ctx,
            actor=lead,
            event_id=event_id,
            organisation_id=world.other_association.id,
            role="co_host",
        )
        guest = await factories.actor(ctx, world.emails["other_association_admin"])
        await partners.answer(
            ctx,
            actor=guest,
            event_id=event_id,
            organisation_id=world.other_association.id,
            accept=True,
        )
    await factories.describe_partners(ctx, world, event_id)
    lead = await factories.actor(ctx, "member@assoc.test")
    await review.move(ctx, actor=lead, event_id=event_id, action="submit")
    booking = booking or {"repeat_weeks": 1, "repeat_count": 4}
    await factories.approve(ctx, event_id, room_id, START, END, **booking)
    return event_id


@pytest.fixture
def place(web, world):
    """Two rooms; the series in the first; another event on the Wednesday 18:00–20:00."""
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    series = web.run(_series, web.ctx, world, room_ids[0], co_host=True)
    other = web.run(factories.submitted_event, web.ctx, world, title="Bokcirkel")
    web.run(factories.approve, web.ctx, other, room_ids[0], START + timedelta(days=1),
            END + timedelta(days=1))  # fmt: skip
    return {"rooms": room_ids, "series": series, "other": other, "dates": _dates(web, series)}


def _path(place, index=0):
    return f"/events/{place['series']}/dates/{place['dates'][index].id}"


def _move(day, start="18:00", end="20:00", room=None, place=None):
    return {
        "action": "move",
        "room_id": str(room if room is not None else place["rooms"][0]),
        "date": day,
        "start_time": start,
        "end_time": end,
    }


def _snapshot(web, place):
    """Everything a refused change must leave as it was."""
    event = _event(web, place["series"])
    dates = [
        (d.id, d.status, d.starts_at, d.room_id, d.sequence) for d in _dates(web, place["series"])
    ]
    return event.version, event.sequence, dates


# Cancelling -----------------------------------------------------------------------------------


def test_staff_cancel_one_date_and_the_others_are_untouched(web, world, place):
    before = _event(web, place["series"])
    dates = place["dates"]
    web.login("staff@lib.test")
    plan = web.get(f"/events/{place['series']}/plan").text
    links = re.findall(rf'href="/events/{place["series"]}/dates/(\d+)"', plan)
    assert [int(link) for link in links] == [d.id for d in dates]
    page = web.get(_path(place, 1))
    assert page.status_code == 200
    assert "Cancel this date" in page.text and "Move this date" in page.text
    assert "18:00" in page.text and "20:00" in page.text  # the library's time zone

    response = web.post(_path(place, 1), {"action": "cancel", "reason": "The hall is painted."})
    assert response.status_code == 303
    assert response.headers["location"] == _path(place, 1) + "?done=cancelled"

    after = _dates(web, place["series"])
    assert [d.status for d in after] == ["scheduled", "cancelled", "scheduled", "scheduled"]
    assert after[1].note == "The hall is painted." and after[1].sequence == dates[1].sequence + 1
    for old, new in zip([dates[0], *dates[2:]], [after[0], *after[2:]], strict=True):
        assert (new.sequence, new.updated_at, new.starts_at) == (
            old.sequence,
            old.updated_at,
            old.starts_at,
        )
    event = _event(web, place["series"])
    assert (event.state, event.sequence, event.version) == (
        "approved",
        before.sequence + 1,
        before.version + 1,
    )
    assert (event.starts_at, event.repeat_count) == (before.starts_at, before.repeat_count)
    revision = _rows(
        web,
        select(event_revisions).where(
            event_revisions.c.event_id == place["series"],
            event_revisions.c.version == event.version,
        ),
    )[0]
    assert revision.changes == {
        f"date:{dates[1].id}": [dates[1].starts_at.isoformat(), "cancelled"]
    }
    audit = _rows(web, select(audit_log).where(audit_log.c.action == "event.date_cancelled"))
    assert [(a.target, a.details["occurrence_id"]) for a in audit] == [
        (f"event:{place['series']}", dates[1].id)
    ]
    edits = _rows(
        web,
        select(notifications).where(
            notifications.c.event_id == place["series"], notifications.c.kind == "edited"
        ),
    )
    told = {n.user_id for n in edits if n.params == {"fields": ["dates"]}}
    # The partners (the co-host too) hear about it, the person who did it does not.
    for email, expected in (
        ("member@assoc.test", True),
        (world.emails["other_association_admin"], True),
        ("staff@lib.test", False),
    ):
        assert (web.run(factories.actor, web.ctx, email).user_id in told) is expected, email

    page = web.get(response.headers["location"]).text
    assert "The date has been cancelled." in page and "Restore this date" in page
    assert "The hall is painted." in page and "Move this date" not in page


def test_a_cancelled_date_can_be_restored_when_its_time_is_still_free(web, world, place):
    web.login("member@assoc.test")  # the lead partner
    path = _path(place, 2)
    assert web.post(path, {"action": "cancel", "reason": "Easter break"}).status_code == 303
    # The freed time is taken by another event meanwhile: restoring is refused, naming it.
    third = web.run(factories.submitted_event, web.ctx, world, title="Läxhjälp")
    web.run(factories.approve, web.ctx, third, place["rooms"][0], START + 2 * WEEK,
            END + 2 * WEEK)  # fmt: skip
    before = _snapshot(web, place)
    refused = web.post(path, {"action": "restore"})
    assert refused.status_code == 400
    assert "Läxhjälp" in refused.text and "The room is taken" in refused.text
    assert _snapshot(web, place) == before

    # Once that booking is gone, the date comes back at its time, the reason cleared.
    async def cancel_third(ctx):
        staff = await factories.actor(ctx, "staff@lib.test")
        await review.move(ctx, actor=staff, event_id=third, action="cancel", comment="Moved")

    web.run(cancel_third, web.ctx)
    assert web.post(path, {"action": "restore"}).status_code == 303
    date = _dates(web, place["series"])[2]
    assert (date.status, date.note, date.starts_at) == ("scheduled", "", START + 2 * WEEK)
    assert date.sequence == place["dates"][2].sequence + 2
    revisions = _rows(
        web,
        select(event_revisions)
        .where(event_revisions.c.event_id == place["series"])
        .order_by(event_revisions.c.version.desc()),
    )
    assert revisions[0].changes == {f"date:{date.id}": ["cancelled", date.starts_at.isoformat()]}
    assert web.post(path, {"action": "restore"}).status_code == 400  # not cancelled any more


# Moving ---------------------------------------------------------------------------------------


def test_a_date_moves_to_a_free_time_and_keeps_its_first_original_time(web, world, place):
    before = _event(web, place["series"])
    web.login("staff@lib.test")
    first_move = _move("2027-03-11", "17:30", "19:00", room=place["rooms"][1], place=place)
    response = web.post(_path(place, 1), first_move)
    assert response.status_code == 303
    moved = _dates(web, place["series"])[1]
    assert moved.starts_at == datetime(2027, 3, 11, 16, 30, tzinfo=UTC)
    assert moved.ends_at == datetime(2027, 3, 11, 18, 0, tzinfo=UTC)
    assert moved.room_id == place["rooms"][1]
    assert moved.original_starts_at == START + WEEK
    assert moved.sequence == place["dates"][1].sequence + 1
    page = web.get(response.headers["location"]).text
    assert "The date has been moved." in page and "Originally" in page

    # Moved again by the lead: the first original time stays.
    web.logout()
    web.login("admin@assoc.test")
    second_move = _move("2027-03-12", place=place)
    assert web.post(_path(place, 1), second_move).status_code == 303
    moved = _dates(web, place["series"])[1]
    assert moved.starts_at == datetime(2027, 3, 12, 17, 0, tzinfo=UTC)
    assert moved.original_starts_at == START + WEEK
    others = [d for d in _dates(web, place["series"]) if d.id != moved.id]
    assert [d.starts_at for d in others] == [START, START + 2 * WEEK, START + 3 * WEEK]
    event = _event(web, place["series"])
    assert (event.sequence, event.version) == (before.sequence + 2, before.version + 2)
    revision = _rows(
        web,
        select(event_revisions)
        .where(event_revisions.c.event_id == place["series"])
        .order_by(event_revisions.c.version.desc()),
    )[0]
    assert revision.changes == {
        f"date:{moved.id}": [
            datetime(2027, 3, 11, 16, 30, tzinfo=UTC).isoformat(),
            moved.starts_at.isoformat(),
        ]
    }


def test_moving_into_a_taken_time_is_refused_naming_the_other_event(web, world, place):
    web.login("staff@lib.test")
    before = _snapshot(web, place)
    response = web.post(_path(place, 0), _move("2027-03-03", "19:00", "21:00", place=place))
    assert response.status_code == 400
    assert "Bokcirkel" in response.text and "The room is taken" in response.text
    assert 'value="2027-03-03"' in response.text and 'value="19:00"' in response.text
    assert _snapshot(web, place) == before
    # The other room is free then.
    other_room = _move("2027-03-03", "19:00", "21:00", room=place["rooms"][1], place=place)
    assert web.post(_path(place, 0), other_room).status_code == 303


def test_the_librarys_buffers_keep_a_moved_date_apart(web, world, place):
    from webapp.slots.rules import Rules, save_rules

    async def buffers():
        async with web.ctx.db.transaction() as conn:
            await save_rules(
                conn, world.library.id, Rules(setup_minutes=30, clearup_minutes=15), START
            )

    web.run(buffers)
    web.login("staff@lib.test")
    # Bokcirkel ends 20:00 on the Wednesday: 20:30 is less than 45 minutes after.
    too_close = _move("2027-03-03", "20:30", "21:30", place=place)
    response = web.post(_path(place, 0), too_close)
    assert response.status_code == 400 and "Bokcirkel" in response.text
    assert (
        web.post(_path(place, 0), _move("2027-03-03", "20:45", "21:45", place=place)).status_code
        == 303
    )


def test_a_moved_date_cannot_overlap_another_date_of_the_same_series(web, world, place):
    web.login("staff@lib.test")
    before = _snapshot(web, place)
    # Onto the next Tuesday's time, in the same room and in the other one.
    for room in place["rooms"]:
        response = web.post(
            _path(place, 0), _move("2027-03-09", "19:00", "20:30", room=room, place=place)
        )
        assert response.status_code == 400, response.text
        assert "another date of this event" in response.text
    assert _snapshot(web, place) == before
    # Right after it, in the other room, is fine (the buffers apply within a room only).
    after = _move("2027-03-09", "20:00", "21:00", room=place["rooms"][1], place=place)
    assert web.post(_path(place, 0), after).status_code == 303
    # A cancelled date does not block its time.
    assert web.post(_path(place, 2), {"action": "cancel", "reason": "Closed"}).status_code == 303
    onto_cancelled = _move("2027-03-16", "18:30", "20:00", room=place["rooms"][1], place=place)
    assert web.post(_path(place, 3), onto_cancelled).status_code == 303


# Bad input ------------------------------------------------------------------------------------


def test_bad_input_is_explained_next_to_its_field_and_changes_nothing(web, world, place):
    web.login("staff@lib.test")
    before = _snapshot(web, place)
    path = _path(place, 0)
    cases = [
        ({"action": "cancel", "reason": ""}, "reason"),
        ({"action": "cancel", "reason": "   "}, "reason"),
        ({"action": "cancel", "reason": "x" * 301}, "reason"),
        (_move("2027-03-04", "20:00", "18:00", place=place), "end_time"),
        (_move("2027-03-04", "20:00", "20:00", place=place), "end_time"),
        (_move("2027-02-30", place=place), "date"),
        (_move("4 March", place=place), "date"),
        (_move("2027-03-04", "25:00", place=place), "start_time"),
        (_move("2020-03-03", place=place), "date"),  # in the past
        (_move("2027-03-04", room=999999, place=place), "room_id"),
        (_move("2027-03-02", place=place), "date"),  # its own time and room
        ({**_move("2027-03-04", place=place), "date": ""}, "date"),
    ]
    for data, field in cases:
        response = web.post(path, data)
        assert response.status_code == 400, (data, response.status_code)
        assert f'id="{field}-error"' in response.text, (data, field)
    assert web.post(path, {"action": "delete"}).status_code == 400
    assert web.post(path, {"action": "restore"}).status_code == 400  # not cancelled
    # The typed reason is kept next to its error.
    kept = web.post(path, {"action": "cancel", "reason": "y" * 301})
    assert "y" * 301 in kept.text
    assert _snapshot(web, place) == before


def test_another_events_date_or_an_unknown_one_is_404(web, world, place):
    other_dates = _dates(web, place["other"])
    web.login("staff@lib.test")
    before = _snapshot(web, place)
    for occurrence_id in (other_dates[0].id, 999999, 0):
        path = f"/events/{place['series']}/dates/{occurrence_id}"
        assert web.get(path).status_code == 404
        assert web.post(path, {"action": "cancel", "reason": "x"}).status_code == 404
    assert web.get(f"/events/999999/dates/{place['dates'][0].id}").status_code == 404
    assert _snapshot(web, place) == before
    assert [d.status for d in _dates(web, place["other"])] == ["scheduled"]


def test_a_forged_request_without_the_csrf_token_is_refused(web, world, place):
    web.login("staff@lib.test")
    before = _snapshot(web, place)
    for token in (None, "forged"):
        data = {"action": "cancel", "reason": "Forged"}
        if token:
            data["csrf_token"] = token
        response = web.client.post(_path(place, 0), data=data, follow_redirects=False)
        assert response.status_code == 403
    assert _snapshot(web, place) == before


def test_a_date_that_has_passed_cannot_be_changed(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    past = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(days=2)

    async def make(ctx):
        event_id = await factories.submitted_event(ctx, world)
        await factories.approve(ctx, event_id, room_ids[0], past, past + timedelta(hours=1))
        return event_id

    event_id = web.run(make, web.ctx)
    date = _dates(web, event_id)[0]
    web.login("staff@lib.test")
    response = web.post(f"/events/{event_id}/dates/{date.id}", {"action": "cancel", "reason": "x"})
    assert response.status_code == 400 and "This date has passed" in response.text
    assert _dates(web, event_id)[0].status == "scheduled"


# Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("library_admin", 200),
        ("library_staff", 200),
        ("association_admin", 200),  # the lead partner
        ("association_member", 200),
        ("other_association_admin", 403),  # a co-host: sees the event, may not change dates
        ("other_library_admin", 404),  # an outsider: the event is not even revealed
        ("other_library_staff", 404),
    ],
)
def test_library_staff_and_the_lead_may_change_dates_and_nobody_else(
    web, world, place, role, status
):
    path = _path(place, 0)
    web.login(world.emails.get(role) or "staff@otherlib.test")
    assert web.get(path).status_code == status
    plan = web.get(f"/events/{place['series']}/plan")
    assert (f'href="{path}"' in plan.text) == (status == 200)
    response = web.post(path, {"action": "cancel", "reason": "Because"})
    if status == 200:
        assert response.status_code == 303
        assert _dates(web, place["series"])[0].status == "cancelled"
    else:
        assert response.status_code == status
        assert _dates(web, place["series"])[0].status == "scheduled"
        moved = web.post(path, _move("2027-03-04", place=place))
        assert moved.status_code == status
        assert _dates(web, place["series"])[0].starts_at == START


def test_anonymous_visitors_are_sent_to_log_in(web, world, place):
    response = web.get(_path(place, 0))
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert web.post(_path(place, 0), {"action": "cancel", "reason": "x"}).status_code == 303
    assert _dates(web, place["series"])[0].status == "scheduled"


def test_dates_of_an_event_that_is_not_booked_cannot_be_changed(web, world, place):
    async def cancel_series(ctx):
        staff = await factories.actor(ctx, "staff@lib.test")
        await review.move(ctx, actor=staff, event_id=place["series"], action="cancel", comment="No")

    web.run(cancel_series, web.ctx)
    web.login("staff@lib.test")
    assert web.get(_path(place, 0)).status_code == 403
    assert web.post(_path(place, 0), {"action": "restore"}).status_code == 403
    assert "/dates/" not in web.get(f"/events/{place['series']}/plan").text
