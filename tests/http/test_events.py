"""Co-planning: an association proposes, partners co-author, staff review and approve into a
room and time. Every test runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.http.records import query_rows as _rows
from webapp.db.tables import event_revisions, events, notifications, occurrences

START = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Stockholm
END = START + timedelta(hours=2)


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _event(web, event_id):
    return _rows(web, select(events).where(events.c.id == event_id))[0]


def _version(web, event_id):
    return str(_event(web, event_id).version)


# Proposing ------------------------------------------------------------------------------------


def test_a_member_proposes_a_draft_and_fills_it_in_later(web, world):
    web.login("member@assoc.test")
    page = web.get("/events/new")
    assert page.status_code == 200
    assert "Nya grannar → Malmö stadsbibliotek" in page.text
    key = re.search(r'<option value="(\d+:\d+)"', page.text).group(1)
    response = web.post("/events/new", {"proposer": key, "title": "Läxhjälp", "summary": ""})
    assert response.status_code == 303
    event_id = int(re.search(r"/events/(\d+)/edit", response.headers["location"]).group(1))
    row = _event(web, event_id)
    assert (row.state, row.title, row.created_by is not None) == ("draft", "Läxhjälp", True)
    # The partial draft can be edited later; the edit form shows the saved title.
    assert "Läxhjälp" in web.get(f"/events/{event_id}/edit").text


def test_an_empty_title_is_refused_next_to_the_field_and_keeps_the_input(web, world):
    web.login("member@assoc.test")
    page = web.get("/events/new")
    key = re.search(r'<option value="(\d+:\d+)"', page.text).group(1)
    response = web.post("/events/new", {"proposer": key, "title": "", "summary": "Keep me"})
    assert response.status_code == 400
    assert 'id="title-error"' in response.text and "Keep me" in response.text
    assert _rows(web, select(func.count()).select_from(events))[0][0] == 0


def test_an_association_cannot_propose_to_a_library_it_does_not_work_with(web, world):
    web.login("member@assoc.test")
    forged = f"{world.association.id}:{world.other_library.id}"
    response = web.post("/events/new", {"proposer": forged, "title": "X"})
    assert response.status_code == 400
    assert _rows(web, select(func.count()).select_from(events))[0][0] == 0


def test_editing_keeps_every_change_as_a_revision(web, world):
    event_id = web.run(factories.proposed_event, web.ctx, world)
    web.login("member@assoc.test")
    form = {"version": _version(web, event_id), "title": "Språkcafé på arabiska", "summary": "New"}
    response = web.post(f"/events/{event_id}/edit", form)
    assert response.status_code == 303, response.text
    row = _event(web, event_id)
    assert row.title == "Språkcafé på arabiska" and row.version == 2
    revisions = _rows(web, select(event_revisions).where(event_revisions.c.event_id == event_id))
    latest = max(revisions, key=lambda r: r.version)
    assert latest.changes["title"] == ["Språkcafé", "Språkcafé på arabiska"]
    history = web.get(f"/events/{event_id}/history")
    assert "Språkcafé på arabiska" in history.text and "<del>" in history.text


def test_two_people_editing_at_once_do_not_overwrite_each_other(web, world):
    event_id = web.run(factories.proposed_event, web.ctx, world)
    opened = _version(web, event_id)
    web.login("admin@assoc.test")
    first = web.post(f"/events/{event_id}/edit", {"version": opened, "title": "First title"})
    assert first.status_code == 303
    web.logout()
    web.login("member@assoc.test")
    second = web.post(f"/events/{event_id}/edit", {"version": opened, "title": "Second title"})
    assert second.status_code == 409
    assert "Someone else saved this event" in second.text
    assert "First title" in second.text and 'value="Second title"' in second.text
    assert _event(web, event_id).title == "First title"
    # Saving again from the conflict page writes this person's version knowingly.
    new_version = re.search(r'name="version" value="(\d+)"', second.text).group(1)
    third = web.post(f"/events/{event_id}/edit", {"version": new_version, "title": "Second title"})
    assert third.status_code == 303
    assert _event(web, event_id).title == "Second title"


def test_bad_input_in_the_edit_form_changes_nothing(web, world):
    event_id = web.run(factories.proposed_event, web.ctx, world)
    web.login("member@assoc.test")
    version = _version(web, event_id)
    for bad, field in (
        ({"title": "x" * 201}, "title"),
        ({"title": "OK", "expected_attendance": "many"}, "expected_attendance"),
        ({"title": "OK", "languages": "klingon"}, "languages"),
        ({"title": "OK", "date": "2027-02-30", "start_time": "18:00", "end_time": "20:00"}, "date"),
        (
            {"title": "OK", "date": "2027-03-02", "start_time": "20:00", "end_time": "18:00"},
            "end_time",
        ),
        ({"title": "OK", "repeat_weeks": "1"}, "repeat_until"),
        ({"title": "OK", "room_id": "999999"}, "room_id"),
    ):
        response = web.post(f"/events/{event_id}/edit", {"version": version, **bad})
        assert response.status_code == 400, (bad, response.status_code)
        assert f'id="{field}-error"' in response.text, bad
    assert _event(web, event_id).version == int(version)
    assert web.post(f"/events/{event_id}/edit", {"title": "No version"}).status_code == 400


# Partners and comments -------------------------------------------------------------------------


def test_the_lead_invites_a_co_host_who_accepts_and_can_then_edit(web, world):
    event_id = web.run(factories.proposed_event, web.ctx, world)
    web.login("admin@assoc.test")
    response = web.post(
        f"/events/{event_id}/partners",
        {"organisation_id": str(world.other_association.id), "role": "co_host"},
    )
    assert response.status_code == 303
    web.logout()
    web.login("admin@otherassoc.test")
    # Invited: sees the event, may not edit yet.
    assert web.get(f"/events/{event_id}/plan").status_code == 200
    assert web.get(f"/events/{event_id}/edit").status_code == 403
    assert (
        web.post(
            f"/events/{event_id}/partners/{world.other_association.id}/answer", {"answer": "accept"}
        ).status_code
        == 303
    )
    assert web.get(f"/events/{event_id}/edit").status_code == 200
    inbox = _rows(web, select(notifications.c.kind, notifications.c.user_id))
    assert {"partner_invited", "partner_answered"} <= {row.kind for row in inbox}


def test_a_supporter_cannot_invite_and_outsiders_see_nothing(web, world):
    event_id = web.run(factories.proposed_event, web.ctx, world)
    for email in ("admin@otherassoc.test", "admin@otherlib.test", "staff@lib.test"):
        web.login(email)
        assert web.get(f"/events/{event_id}/plan").status_code == 404, email  # a draft is private
        assert web.get(f"/events/{event_id}/history").status_code == 404, email
        response = web.post(f"/events/{event_id}/comments", {"body": "hello"})
        assert response.status_code == 404, email
        web.logout()


def test_comments_notify_the_partners_and_mentions_are_called_out(web, world):
    event_id = web.run(factories.submitted_event, web.ctx, world)
    web.login("staff@lib.test")
    response = web.post(
        f"/events/{event_id}/comments", {"body": "Looks good @Member, one question"}
    )
    assert response.status_code == 303
    kinds = {
        (row.user_email, row.kind)
        for row in _rows(
            web,
            select(notifications.c.kind, factories_users().c.email.label("user_email")).join(
                factories_users(), factories_users().c.id == notifications.c.user_id
            ),
        )
    }
    assert ("member@assoc.test", "mention") in kinds
    assert ("admin@assoc.test", "comment") in kinds
    assert not any(
        email == "staff@lib.test" and kind in ("comment", "mention") for email, kind in kinds
    )
    web.logout()
    web.login("member@assoc.test")
    inbox = web.get("/inbox")
    assert "mentioned you" in inbox.text
    assert web.post("/inbox/read", {}).status_code == 303
    assert "New:" not in web.get("/inbox").text


def factories_users():
    from webapp.db.tables import users

    return users


# Review and approval ---------------------------------------------------------------------------


def test_staff_request_changes_the_association_resubmits_and_staff_approve(web, world):
    location_id, room_ids = web.run(factories.rooms, web.ctx, world)
    event_id = web.run(factories.submitted_event, web.ctx, world)
    web.login("staff@lib.test")
    queue = web.get(f"/orgs/{world.library.slug}/review")
    assert "Språkcafé" in queue.text
    assert (
        web.post(f"/events/{event_id}/actions/request_changes", {"comment": ""}).status_code == 400
    )
    assert (
        web.post(
            f"/events/{event_id}/actions/request_changes", {"comment": "Add a time"}
        ).status_code
        == 303
    )
    web.logout()
    web.login("member@assoc.test")
    assert web.post(f"/events/{event_id}/actions/resubmit", {}).status_code == 303
    web.logout()
    web.login("staff@lib.test")
    form = {
        "room_id": str(room_ids[0]),
        "date": "2027-03-02",
        "start_time": "18:00",
        "end_time": "20:00",
    }
    assert web.post(f"/events/{event_id}/approve", form).status_code == 303
    row = _event(web, event_id)
    assert (row.state, row.room_id, row.starts_at) == ("approved", room_ids[0], START)
    dates = _rows(web, select(occurrences).where(occurrences.c.event_id == event_id))
    assert [(d.starts_at, d.status) for d in dates] == [(START, "scheduled")]
    # Shown in the library's time zone (18:00 in Stockholm is 17:00 UTC).
    plan = web.get(f"/events/{event_id}/plan").text
    when = re.search(r"<dt>When</dt>\s*<dd>(.*?)</dd>", plan, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", when).strip().endswith("18:00–20:00"), when
    assert web.post(f"/events/{event_id}/actions/publish", {}).status_code == 303
    assert _event(web, event_id).state == "published"
    log = web.get(f"/events/{event_id}/plan").text
    for label in (
        "Submitted for review",
        "Changes requested",
        "Submitted again",
        "Approved and booked",
        "Published",
    ):
        assert label in log


def test_approving_into_a_taken_room_names_the_other_event(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    first = web.run(factories.submitted_event, web.ctx, world, title="Bokcirkel")
    second = web.run(factories.submitted_event, web.ctx, world, title="Läxhjälp")
    web.run(factories.approve, web.ctx, first, room_ids[0], START, END)
    web.login("staff@lib.test")
    form = {
        "room_id": str(room_ids[0]),
        "date": "2027-03-02",
        "start_time": "19:00",
        "end_time": "21:00",
    }
    response = web.post(f"/events/{second}/approve", form)
    assert response.status_code == 400
    assert "Bokcirkel" in response.text and "The room is taken" in response.text
    assert _event(web, second).state == "submitted"
    # The other room is free.
    form["room_id"] = str(room_ids[1])
    assert web.post(f"/events/{second}/approve", form).status_code == 303


def test_set_up_and_clear_up_buffers_keep_bookings_apart(web, world):
    from webapp.slots.rules import Rules, save_rules

    _, room_ids = web.run(factories.rooms, web.ctx, world)

    async def buffers():
        async with web.ctx.db.transaction() as conn:
            await save_rules(
                conn, world.library.id, Rules(setup_minutes=30, clearup_minutes=15), START
            )

    web.run(buffers)
    first = web.run(factories.submitted_event, web.ctx, world, title="Bokcirkel")
    second = web.run(factories.submitted_event, web.ctx, world, title="Läxhjälp")
    web.run(factories.approve, web.ctx, first, room_ids[0], START, END)
    from webapp.events.review import BookingConflict

    with pytest.raises(BookingConflict):  # starts 30 minutes after: less than 45 minutes apart
        web.run(
            factories.approve,
            web.ctx,
            second,
            room_ids[0],
            END + timedelta(minutes=30),
            END + timedelta(hours=2),
        )
    web.run(
        factories.approve,
        web.ctx,
        second,
        room_ids[0],
        END + timedelta(minutes=45),
        END + timedelta(hours=2),
    )


def test_a_change_of_time_after_approval_sends_the_event_back_to_review(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    event_id = web.run(factories.submitted_event, web.ctx, world)
    web.run(factories.approve, web.ctx, event_id, room_ids[0], START, END)
    web.login("member@assoc.test")
    version = _version(web, event_id)
    # A change of the text only keeps it approved.
    web.post(
        f"/events/{event_id}/edit",
        {
            "version": version,
            "title": "Språkcafé!",
            "room_id": str(room_ids[0]),
            "date": "2027-03-02",
            "start_time": "18:00",
            "end_time": "20:00",
        },
    )
    assert _event(web, event_id).state == "approved"
    response = web.post(
        f"/events/{event_id}/edit",
        {
            "version": _version(web, event_id),
            "title": "Språkcafé!",
            "room_id": str(room_ids[0]),
            "date": "2027-03-09",
            "start_time": "18:00",
            "end_time": "20:00",
        },
    )
    assert response.headers["location"].endswith("done=review")
    assert _event(web, event_id).state == "submitted"
    held = _rows(web, select(occurrences).where(occurrences.c.event_id == event_id))
    assert [d.status for d in held] == ["held"]


def test_a_series_is_checked_date_by_date_and_conflicting_dates_can_be_left_out(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    single = web.run(factories.submitted_event, web.ctx, world, title="Författarbesök")
    series = web.run(factories.submitted_event, web.ctx, world, title="Språkcafé")
    web.run(
        factories.approve,
        web.ctx,
        single,
        room_ids[0],
        START + timedelta(weeks=2),
        END + timedelta(weeks=2),
    )
    from webapp.events.review import BookingConflict

    with pytest.raises(BookingConflict) as refused:
        web.run(
            factories.approve,
            web.ctx,
            series,
            room_ids[0],
            START,
            END,
            repeat_weeks=1,
            repeat_count=4,
        )
    assert [c.event_title for c in refused.value.conflicts] == ["Författarbesök"]
    skipped = web.run(
        factories.approve,
        web.ctx,
        series,
        room_ids[0],
        START,
        END,
        repeat_weeks=1,
        repeat_count=4,
        skip_conflicts=True,
    )
    assert skipped == [START + timedelta(weeks=2)]
    dates = _rows(
        web,
        select(occurrences.c.starts_at)
        .where(occurrences.c.event_id == series)
        .order_by(occurrences.c.starts_at),
    )
    assert [d.starts_at for d in dates] == [
        START,
        START + timedelta(weeks=1),
        START + timedelta(weeks=3),
    ]


def test_declining_and_withdrawing_need_the_right_people(web, world):
    event_id = web.run(factories.submitted_event, web.ctx, world)
    web.login("member@assoc.test")
    assert web.post(f"/events/{event_id}/actions/decline", {"comment": "no"}).status_code == 403
    web.logout()
    web.login("staff@lib.test")
    assert web.post(f"/events/{event_id}/actions/withdraw", {}).status_code == 403
    assert web.post(f"/events/{event_id}/actions/decline", {"comment": ""}).status_code == 400
    assert (
        web.post(
            f"/events/{event_id}/actions/decline", {"comment": "We are full in March"}
        ).status_code
        == 303
    )
    assert _event(web, event_id).state == "declined"
    assert web.post(f"/events/{event_id}/actions/submit", {}).status_code == 403


# Program slots and holds ----------------------------------------------------------------------


def _weekly_slot(web, world, room_id):
    """A weekly Tuesday 18:00–20:00 slot in the room, from next week on."""
    from datetime import time

    from webapp.slots import service as slots

    async def make():
        admin = await factories.actor(web.ctx, world.emails["library_admin"])
        today = datetime.now(web.ctx.settings.tz).date()
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
        await slots.create_slot(
            web.ctx,
            actor=admin,
            library=world.library,
            values={
                "room_id": room_id,
                "first_date": tuesday,
                "until_date": tuesday + timedelta(weeks=8),
                "interval_weeks": 1,
                "start_time": time(18, 0),
                "end_time": time(20, 0),
                "note": "",
            },
        )
        return tuesday

    return web.run(make)


def test_choosing_an_open_slot_holds_the_room_and_another_draft_cannot_take_it(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    tuesday = _weekly_slot(web, world, room_ids[0])
    first = web.run(factories.proposed_event, web.ctx, world, title="Bokcirkel")
    second = web.run(factories.proposed_event, web.ctx, world, title="Läxhjälp")
    web.login("member@assoc.test")
    page = web.get(f"/events/{first}/edit")
    options = re.findall(r'<option value="(\d+@[^"]+)"', page.text)
    assert len(options) >= 8, "every Tuesday of the slot is offered"
    chosen = options[0]
    response = web.post(
        f"/events/{first}/edit",
        {"version": _version(web, first), "title": "Bokcirkel", "slot": chosen},
    )
    assert response.status_code == 303, response.text
    row = _event(web, first)
    assert row.room_id == room_ids[0] and row.starts_at.astimezone(web.ctx.settings.tz).hour == 18
    assert row.starts_at.astimezone(web.ctx.settings.tz).date() == tuesday
    held = _rows(web, select(occurrences).where(occurrences.c.event_id == first))
    assert [(h.status, h.hold_expires_at > datetime.now(UTC)) for h in held] == [("held", True)]
    # The held window is no longer offered to another draft, and cannot be forced.
    other = web.get(f"/events/{second}/edit").text
    assert chosen not in other
    forced = web.post(
        f"/events/{second}/edit",
        {"version": _version(web, second), "title": "Läxhjälp", "slot": chosen},
    )
    assert forced.status_code == 400 and 'id="slot-error"' in forced.text
    # Choosing none releases the hold.
    web.post(
        f"/events/{first}/edit", {"version": _version(web, first), "title": "Bokcirkel", "slot": ""}
    )
    assert _rows(web, select(occurrences).where(occurrences.c.event_id == first)) == []


def test_an_expired_hold_no_longer_blocks_the_room(web, world):
    from sqlalchemy import update

    _, room_ids = web.run(factories.rooms, web.ctx, world)
    _weekly_slot(web, world, room_ids[0])
    first = web.run(factories.proposed_event, web.ctx, world, title="Bokcirkel")
    second = web.run(factories.submitted_event, web.ctx, world, title="Läxhjälp")
    web.login("member@assoc.test")
    chosen = re.findall(r'<option value="(\d+@[^"]+)"', web.get(f"/events/{first}/edit").text)[0]
    web.post(
        f"/events/{first}/edit", {"version": _version(web, first), "title": "B", "slot": chosen}
    )
    starts = _event(web, first).starts_at
    from webapp.events.review import BookingConflict

    with pytest.raises(BookingConflict):
        web.run(
            factories.approve, web.ctx, second, room_ids[0], starts, starts + timedelta(hours=2)
        )

    async def expire():
        async with web.ctx.db.transaction() as conn:
            await conn.execute(
                update(occurrences)
                .where(occurrences.c.event_id == first)
                .values(hold_expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )

    web.run(expire)
    web.run(factories.approve, web.ctx, second, room_ids[0], starts, starts + timedelta(hours=2))
    from webapp.worker import housekeeping

    web.run(housekeeping, web.ctx.db)
    assert _rows(web, select(occurrences).where(occurrences.c.event_id == first)) == []


def test_staff_counter_propose_and_the_partners_accept_or_decline(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    event_id = web.run(factories.submitted_event, web.ctx, world)
    web.login("staff@lib.test")
    form = {
        "room_id": str(room_ids[1]),
        "date": "2027-03-04",
        "start_time": "17:00",
        "end_time": "18:30",
        "counter": "1",
    }
    assert web.post(f"/events/{event_id}/approve", form).status_code == 303
    dates = _rows(web, select(occurrences).where(occurrences.c.event_id == event_id))
    assert [(d.status, d.room_id) for d in dates] == [("counter", room_ids[1])]
    assert _event(web, event_id).state == "submitted"
    # The held time blocks others.
    other = web.run(factories.submitted_event, web.ctx, world, title="Läxhjälp")
    from webapp.events.review import BookingConflict

    with pytest.raises(BookingConflict):
        web.run(
            factories.approve, web.ctx, other, room_ids[1], dates[0].starts_at, dates[0].ends_at
        )
    # Staff cannot answer their own proposal; the partners can.
    assert web.post(f"/events/{event_id}/actions/accept_counter", {}).status_code == 403
    web.logout()
    web.login("member@assoc.test")
    plan = re.sub(r"<[^>]+>", "", web.get(f"/events/{event_id}/plan").text)
    assert "The library proposes another time" in plan and "17:00–18:30" in plan
    assert web.post(f"/events/{event_id}/actions/accept_counter", {}).status_code == 303
    row = _event(web, event_id)
    assert (row.state, row.room_id, row.starts_at) == ("approved", room_ids[1], dates[0].starts_at)
    booked = _rows(web, select(occurrences).where(occurrences.c.event_id == event_id))
    assert [d.status for d in booked] == ["scheduled"]


def test_a_declined_counter_proposal_frees_the_room(web, world):
    _, room_ids = web.run(factories.rooms, web.ctx, world)
    event_id = web.run(factories.submitted_event, web.ctx, world)
    from webapp.events import review

    async def propose():
        staff = await factories.actor(web.ctx, "staff@lib.test")
        await review.counter_propose(
            web.ctx,
            actor=staff,
            event_id=event_id,
            booking=review.Booking(room_id=room_ids[0], starts_at=START, ends_at=END),
        )

    web.run(propose)
    web.login("member@assoc.test")
    assert web.get(f"/events/{event_id}/actions/decline_counter").status_code == 200
    response = web.post(f"/events/{event_id}/actions/decline_counter", {"comment": "Too early"})
    assert response.status_code == 303
    assert _rows(web, select(occurrences).where(occurrences.c.event_id == event_id)) == []
    assert _event(web, event_id).state == "submitted"
    # Nothing to answer any more.
    assert web.post(f"/events/{event_id}/actions/accept_counter", {}).status_code == 403


def test_submission_is_checked_against_the_location_opening_hours(web, world):
    from webapp.locations import service as locations

    location_id, room_ids = web.run(factories.rooms, web.ctx, world)

    async def hours():
        admin = await factories.actor(web.ctx, world.emails["library_admin"])
        loc = await locations.location(
            web.ctx, actor=admin, library=world.library, location_id=location_id
        )
        await locations.update_location(
            web.ctx,
            actor=admin,
            library=world.library,
            location_id=location_id,
            values={**loc._mapping, "opening_hours": {"1": ["10:00", "19:00"]}},
        )

    web.run(hours)
    event_id = web.run(factories.proposed_event, web.ctx, world)
    web.login("member@assoc.test")
    base = {
        "title": "Språkcafé",
        "summary": "Practise Swedish",
        "shared_goal": "Meet",
        "languages": "sv",
        "audiences": "newcomers",
        "location_id": str(location_id),
        "date": "2027-03-02",
    }
    web.post(
        f"/events/{event_id}/edit",
        {**base, "version": _version(web, event_id), "start_time": "18:00", "end_time": "20:00"},
    )
    refused = web.post(f"/events/{event_id}/actions/submit", {})
    assert refused.status_code == 400 and "10:00–19:00" in refused.text
    web.post(
        f"/events/{event_id}/edit",
        {
            **base,
            "version": _version(web, event_id),
            "date": "2027-03-03",
            "start_time": "18:00",
            "end_time": "19:00",
        },
    )
    assert "closed on that day" in web.post(f"/events/{event_id}/actions/submit", {}).text
    web.post(
        f"/events/{event_id}/edit",
        {**base, "version": _version(web, event_id), "start_time": "17:00", "end_time": "19:00"},
    )
    accepted = web.post(f"/events/{event_id}/actions/submit", {})
    assert accepted.status_code == 303, re.findall(r"error-message[^>]*>(.*?)</p>", accepted.text)


def test_opening_hours_are_edited_on_the_location_form(web, world):
    location_id, _ = web.run(factories.rooms, web.ctx, world)
    web.login(world.emails["library_admin"])
    form = {
        "name": "Stadsbiblioteket",
        "street": "Kung Oscars väg 11",
        "postal_code": "211 33",
        "city": "Malmö",
        "country": "SE",
        "hours_0_open": "10:00",
        "hours_0_close": "20:00",
        "hours_1_open": "12:00",
    }
    url = f"/orgs/{world.library.slug}/locations/{location_id}/edit"
    bad = web.post(url, form)
    assert bad.status_code == 400 and 'id="hours_1_close-error"' in bad.text
    assert 'value="10:00"' in bad.text
    form["hours_1_close"] = "11:00"
    assert 'id="hours_1_close-error"' in web.post(url, form).text
    form["hours_1_close"] = "18:00"
    assert web.post(url, form).status_code == 303
    page = web.get(url).text
    assert 'value="12:00"' in page and 'value="18:00"' in page


def test_the_review_queue_is_oldest_first_filters_and_marks_counter_proposals(web, world):
    from sqlalchemy import update

    location_id, room_ids = web.run(factories.rooms, web.ctx, world)
    first = web.run(factories.submitted_event, web.ctx, world, title="Först")
    second = web.run(factories.submitted_event, web.ctx, world, title="Sedan")

    async def older():
        async with web.ctx.db.transaction() as conn:
            await conn.execute(
                update(events)
                .where(events.c.id == second)
                .values(submitted_at=datetime.now(UTC) - timedelta(days=9))
            )

    web.run(older)
    from webapp.events import review

    async def propose():
        staff = await factories.actor(web.ctx, "staff@lib.test")
        await review.counter_propose(
            web.ctx,
            actor=staff,
            event_id=first,
            booking=review.Booking(room_id=room_ids[0], starts_at=START, ends_at=END),
        )

    web.run(propose)
    web.login("staff@lib.test")
    page = web.get(f"/orgs/{world.library.slug}/review").text
    titles = re.findall(r"<h2><a href=\"/events/\d+/plan\">(.*?)</a>", page)
    assert titles == ["Sedan", "Först"], titles
    assert page.count("waits for the partners") == 1
    assert (
        "Först"
        not in web.get(
            f"/orgs/{world.library.slug}/review?partner={world.other_association.id}"
        ).text
    )
    assert web.get(f"/orgs/{world.library.slug}/review?from=2027-13-01").status_code == 400
