"""Signing up for an event without an account: the form on the event page, the personal
link, capacity with a waitlist whose first person is offered a freed place for a limited
time, and the tracked link the person came through."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from invites.sms.templates import format_when
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp import clock
from webapp.db.tables import events, occurrences, outbox, rsvps, share_links
from webapp.rsvp import service


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _soon():  # type: ignore[no-untyped-def]
    return (clock.now() + timedelta(days=7)).replace(hour=16, minute=0, second=0, microsecond=0)


def _event(web, world, rooms, capacity=None):  # type: ignore[no-untyped-def]  # noqa: F811
    event_id = make_event(web, world, rooms, starts_at=_soon())

    async def set_capacity(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(events).where(events.c.id == event_id).values(capacity=capacity)
            )
            return await conn.scalar(
                select(occurrences.c.id).where(occurrences.c.event_id == event_id)
            )

    return event_id, web.run(set_capacity, web.ctx)


def _form(web, event_id):  # type: ignore[no-untyped-def]
    page = web.get(f"/events/{event_id}").text
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    via = re.search(r'name="via" value="([^"]*)"', page).group(1)
    return page, key, via


def _rsvp(web, event_id, **values):  # type: ignore[no-untyped-def]
    _, key, via = _form(web, event_id)
    data = {"name": "Amal", "phone": "", "party_size": "1", "request_key": key, "via": via}
    return web.post(f"/events/{event_id}/rsvp", {**data, **values})


def _token(response):  # type: ignore[no-untyped-def]
    return re.search(r"/r/([A-Za-z0-9_-]+)\?new=1", response.headers["location"]).group(1)


async def _statuses(ctx, occurrence_id):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        result = await conn.execute(
            select(rsvps.c.name, rsvps.c.status, rsvps.c.party_size)
            .where(rsvps.c.occurrence_id == occurrence_id)
            .order_by(rsvps.c.id)
        )
        return [tuple(row) for row in result]


def test_signing_up_from_the_event_page_and_the_personal_link(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    page, key, _ = _form(web, event_id)
    assert "Sign up to come" in page and "10 places" in page and "Places left" in page
    response = _rsvp(web, event_id, name="Amal Hassan", phone="070-123 45 67", party_size="2")
    assert response.status_code == 303
    token = _token(response)
    mine = web.get(response.headers["location"])
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    assert "You are coming" in mine.text and "Amal Hassan" in mine.text
    assert f"/events/{event_id}.ics" in mine.text
    assert web.run(_statuses, web.ctx, occurrence_id) == [("Amal Hassan", "going", 2)]
    assert (
        "8" in re.search(r"Places left</dt>\s*<dd>([^<]+)", web.get(f"/events/{event_id}").text)[1]
    )

    # Change the party, then cancel.
    assert web.post(f"/r/{token}/change", {"party_size": "3"}).status_code == 303
    assert web.run(_statuses, web.ctx, occurrence_id) == [("Amal Hassan", "going", 3)]
    assert web.post(f"/r/{token}/cancel").status_code == 303
    assert "Cancelled" in web.get(f"/r/{token}").text
    assert web.get("/r/not-a-real-token").status_code == 404


def test_pressing_send_twice_makes_one_rsvp(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    _, key, via = _form(web, event_id)
    data = {"name": "Amal", "party_size": "1", "request_key": key, "via": via}
    first = web.post(f"/events/{event_id}/rsvp", data)
    second = web.post(f"/events/{event_id}/rsvp", data)
    assert first.headers["location"] == second.headers["location"]
    assert len(web.run(_statuses, web.ctx, occurrence_id)) == 1


def test_mistakes_are_shown_next_to_the_field(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=4)
    response = _rsvp(web, event_id, name="", phone="12", party_size="0")
    assert response.status_code == 400
    for field in ("name", "phone", "party_size"):
        assert f'id="{field}-error"' in response.text
    assert 'value="12"' in response.text
    too_many = _rsvp(web, event_id, party_size="5")
    assert too_many.status_code == 400 and "At most 4 people fit." in too_many.text
    assert web.run(_statuses, web.ctx, occurrence_id) == []


def test_a_full_date_has_a_waitlist_and_a_freed_place_is_offered_in_turn(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=3)
    a = _token(_rsvp(web, event_id, name="A", party_size="2"))
    _token(_rsvp(web, event_id, name="B", party_size="1"))
    c = _token(_rsvp(web, event_id, name="C", party_size="2", phone="0701234567"))
    d = _token(_rsvp(web, event_id, name="D", party_size="1", phone="0702345678"))
    assert "On the waitlist, number 1" in web.get(f"/r/{c}").text
    assert "number 2" in web.get(f"/r/{d}").text
    # D's party of one would fit in a freed place of one, but C is first in line.
    assert web.post(f"/r/{a}/change", {"party_size": "1"}).status_code == 303
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "going", "going", "waitlist", "waitlist",
    ]  # fmt: skip
    # A cancels: two places free, offered to C, told by SMS with the personal link.
    web.post(f"/r/{a}/cancel")
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "cancelled", "going", "offered", "waitlist",
    ]  # fmt: skip

    async def texts(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return list(await conn.scalars(select(outbox.c.body).order_by(outbox.c.id)))

    (sms,) = web.run(texts, web.ctx)
    assert f"/r/{c}" in sms
    page = web.get(f"/r/{c}").text
    assert "A place is offered to you" in page and "Claim the place" in page

    # Nobody claims it in time: it lapses and goes to D.
    web.run(lambda ctx: service.lapse_offers(ctx, now=clock.now() + timedelta(days=2)), web.ctx)
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "cancelled", "going", "lapsed", "offered",
    ]  # fmt: skip
    late = web.post(f"/r/{c}/claim")
    assert late.headers["location"].endswith("?late=1")
    assert web.post(f"/r/{d}/claim").headers["location"].endswith("?claimed=1")
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "cancelled", "going", "lapsed", "going",
    ]  # fmt: skip
    assert "The place is yours" in web.get(f"/r/{d}?claimed=1").text


def test_simultaneous_rsvps_never_overbook(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=10)

    async def rush(ctx):  # type: ignore[no-untyped-def]
        async def one(n):  # type: ignore[no-untyped-def]
            return await service.book(
                ctx, event_id=event_id, occurrence_id=occurrence_id, name=f"P{n}", phone=None,
                party_size=1 + n % 3, language="sv", request_key=f"rush-{n}", via=None,
            )  # fmt: skip

        return await asyncio.gather(*(one(n) for n in range(30)))

    web.run(rush, web.ctx)

    async def seats(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            going = await conn.scalar(
                select(func.sum(rsvps.c.party_size)).where(
                    rsvps.c.occurrence_id == occurrence_id, rsvps.c.status == "going"
                )
            )
            total = await conn.scalar(select(func.count()).select_from(rsvps))
        return going, total

    going, total = web.run(seats, web.ctx)
    assert total == 30
    assert 8 <= going <= 10  # full, but never more than 10


def test_an_rsvp_after_a_tracked_link_records_the_link(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=None)
    web.login("member@assoc.test")
    web.post(f"/events/{event_id}/invitations/links", {"link_name": "Aymans nätverk"})

    async def code(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return (await conn.execute(select(share_links.c.id, share_links.c.code))).one()

    link_id, link_code = web.run(code, web.ctx)
    web.logout() if hasattr(web, "logout") else web.client.cookies.clear()
    visit = web.get(f"/l/{link_code}")
    assert visit.headers["location"] == f"/events/{event_id}?via={link_code}"
    page = web.get(visit.headers["location"]).text
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    assert f'name="via" value="{link_code}"' in page
    web.post(
        f"/events/{event_id}/rsvp",
        {"name": "Yusuf", "party_size": "1", "request_key": key, "via": link_code},
    )

    async def source(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(rsvps.c.link_id))

    assert web.run(source, web.ctx) == link_id
    web.login("member@assoc.test")
    plan = web.get(f"/events/{event_id}/invitations").text
    row = re.search(r"<tr id=\"link-\d+\">.*?</tr>", plan, re.S).group(0)
    assert "Aymans nätverk" in row and re.search(
        r"<td>1</td>\s*<td>1</td>", row
    )  # 1 visit, 1 person
    # Without a limit there is no waitlist.
    assert web.run(_statuses, web.ctx, occurrence_id) == [("Yusuf", "going", 1)]


def test_an_sms_invitation_is_answered_on_its_page_or_by_replying_yes_or_no(web, world, rooms):  # noqa: F811
    from tests.http.test_outbox import _contacts, _send
    from webapp.sms import service as sms
    from webapp.sms import webhooks

    event_id, occurrence_id = _event(web, world, rooms, capacity=2)
    web.login("member@assoc.test")
    audience = web.post(
        f"/events/{event_id}/invitations/audiences", {"name": "Grannar", "language": "sv"}
    )
    audience_id = re.search(r"added=(\d+)", audience.headers["location"]).group(1)
    web.post(f"/events/{event_id}/invitations/audiences/{audience_id}/channels", {"kind": "sms"})
    ids = web.run(_contacts, web.ctx, world, 3)

    async def invite(ctx):  # type: ignore[no-untyped-def]
        choice = await sms.event_choice(ctx, world.association, event_id)
        await _send(ctx, world, ids, template="{title} {date} kl {time}: {link}", event=choice)
        async with ctx.db.read() as conn:
            rows = await conn.execute(select(outbox.c.code, outbox.c.phone).order_by(outbox.c.id))
            sms_link = await conn.scalar(select(share_links.c.id))
        return list(rows), sms_link

    (first, second, third), sms_link = web.run(invite, web.ctx)
    web.client.cookies.clear()
    page = web.get(f"/m/{first.code}").text
    assert "Are you coming?" in page
    answered = web.post(f"/m/{first.code}/answer", {"coming": "yes", "party_size": "1"})
    assert re.search(r"^/r/[A-Za-z0-9_-]+\?new=1$", answered.headers["location"])
    assert "You have answered that you are coming." in web.get(f"/m/{first.code}").text

    def reply(phone, body, n):  # type: ignore[no-untyped-def]
        params = {"MessageSid": f"SM{n:032d}", "From": phone, "Body": body}
        return web.run(webhooks.reply, web.ctx, params)

    yes = reply(second.phone, "Ja tack!", 1)
    assert yes.startswith("Tack! Du är anmäld till Språkcafé") and "/r/" in yes
    full = reply(third.phone, "JA", 2)
    assert "väntelistan" in full
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "going", "going", "waitlist",
    ]  # fmt: skip
    # The first says no after all: their place is offered to the one waiting.
    assert reply(first.phone, "nej", 3) == "Tack för att du hör av dig."
    assert [s for _, s, _ in web.run(_statuses, web.ctx, occurrence_id)] == [
        "cancelled", "going", "offered",
    ]  # fmt: skip

    async def sources(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return set(await conn.scalars(select(rsvps.c.link_id)))

    assert web.run(sources, web.ctx) == {sms_link}  # all brought by the SMS channel
    # A repeated YES is the same RSVP, not a second one.
    reply(second.phone, "ja", 4)
    assert len(web.run(_statuses, web.ctx, occurrence_id)) == 3


# Reminders and changes -------------------------------------------------------------------------


def test_the_reminder_keeps_the_local_clock_across_summer_time():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from webapp.rsvp.notices import reminder_time

    tz = ZoneInfo("Europe/Stockholm")
    # Summer time begins in the night to Sunday 28 March 2027: a Sunday 18:00 (16:00 UTC)
    # is reminded on Saturday at 18:00 local, 17:00 UTC: 23 hours before, not 24.
    sunday = datetime(2027, 3, 28, 16, 0, tzinfo=UTC)
    assert reminder_time(sunday, tz, 24) == datetime(2027, 3, 27, 17, 0, tzinfo=UTC)
    # And back in the night to Sunday 31 October 2027: 25 hours before.
    autumn = datetime(2027, 10, 31, 17, 0, tzinfo=UTC)  # 18:00 winter time
    assert reminder_time(autumn, tz, 24) == datetime(2027, 10, 30, 16, 0, tzinfo=UTC)
    assert reminder_time(autumn, tz, 3) == datetime(2027, 10, 31, 14, 0, tzinfo=UTC)


async def _texts(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(outbox.c.phone, outbox.c.body).order_by(outbox.c.id))
        return [tuple(row) for row in rows]


def test_a_reminder_goes_once_to_those_coming_when_it_is_due(web, world, rooms):  # noqa: F811
    from webapp.rsvp import notices

    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    going = _token(_rsvp(web, event_id, name="Amal", phone="0701234567"))
    _rsvp(web, event_id, name="Utan telefon")
    start = _soon()
    due = notices.reminder_time(start, ZoneInfo("Europe/Stockholm"), 24)

    def remind(at):  # type: ignore[no-untyped-def]
        return web.run(lambda ctx: notices.send_reminders(ctx, now=at), web.ctx)

    assert remind(due - timedelta(minutes=1)) == 0
    assert remind(due + timedelta(minutes=1)) == 1
    assert remind(due + timedelta(hours=2)) == 0  # once
    ((phone, body),) = web.run(_texts, web.ctx)
    assert phone == "+46701234567"
    # In the language the person signed up in (this page was in English).
    assert body.startswith("Welcome to Språkcafé on ") and f"/r/{going}" in body


def test_people_signed_up_hear_when_a_date_moves_or_the_event_is_cancelled(web, world, rooms):  # noqa: F811
    from tests import factories
    from webapp.events import dates

    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    _rsvp(web, event_id, name="Amal", phone="0701234567")
    later = _soon() + timedelta(days=1, hours=1)

    async def move(ctx):  # type: ignore[no-untyped-def]
        staff = await factories.actor(ctx, "staff@lib.test")
        await dates.move_date(
            ctx, actor=staff, event_id=event_id, occurrence_id=occurrence_id, starts_at=later,
            ends_at=later + timedelta(hours=2), room_id=rooms["hall"],
        )  # fmt: skip

    web.run(move, web.ctx)
    ((_, moved),) = web.run(_texts, web.ctx)
    day, at = format_when(later, "en", ZoneInfo("Europe/Stockholm"))
    assert moved.startswith(f"Språkcafé has moved to {day} at {at}.")
    web.run(factories.move, web.ctx, "staff@lib.test", event_id, "cancel", "Föreläsaren är sjuk.")
    cancelled = web.run(_texts, web.ctx)[-1][1]
    assert " is cancelled. " in cancelled and cancelled.endswith("Föreläsaren är sjuk.")


# The day ---------------------------------------------------------------------------------------


def test_the_check_in_list_counts_who_came_per_link(web, world, rooms):  # noqa: F811
    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    web.login("member@assoc.test")
    web.post(f"/events/{event_id}/invitations/links", {"link_name": "Aymans nätverk"})

    async def code(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(share_links.c.code))

    via = web.run(code, web.ctx)
    _rsvp(web, event_id, name="Amal", party_size="3", via=via)
    _rsvp(web, event_id, name="Bo", party_size="1")
    page = web.get(f"/events/{event_id}/checkin")
    assert page.status_code == 200
    assert "4 people expected" in page.text and "0 have come" in page.text

    async def ids(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return list(await conn.scalars(select(rsvps.c.id).order_by(rsvps.c.id)))

    amal, bo = web.run(ids, web.ctx)
    done = web.post(f"/events/{event_id}/checkin/{occurrence_id}/{amal}", {"came": "1"})
    assert done.status_code == 303
    page = web.get(done.headers["location"]).text
    assert "3 have come" in page
    plan = web.get(f"/events/{event_id}/invitations").text
    row = re.search(r"<tr id=\"link-\d+\">.*?</tr>", plan, re.S).group(0)
    assert re.search(r"<td>3</td>\s*<td>3</td>", row)  # 3 signed up, 3 came
    # What brought people: per link, and sign-ups without one.
    figures = web.get(f"/events/{event_id}/results").text
    assert re.search(r"Share link: Aymans nätverk</th><td>0</td><td>3</td><td>3</td>", figures), (
        figures
    )
    assert re.search(r"Directly on the event page</th><td>0</td><td>1</td><td>0</td>", figures)
    assert 'role="img"' in figures and "3 people signed up, 3 came." in figures
    partner = web.get(f"/orgs/{world.association.slug}/results").text
    assert "All events together, by kind of channel" in partner and "Aymans nätverk" in partner
    assert "What brought people" in web.get(f"/events/{event_id}/evaluation").text
    # Undo; and nobody outside the event ticks or reads the list.
    web.post(f"/events/{event_id}/checkin/{occurrence_id}/{amal}", {"came": "0"})
    assert "0 have come" in web.get(f"/events/{event_id}/checkin").text
    web.login("admin@otherassoc.test")
    assert web.get(f"/events/{event_id}/checkin").status_code == 404
    assert web.get(f"/events/{event_id}/results").status_code == 404
    assert (
        web.post(f"/events/{event_id}/checkin/{occurrence_id}/{bo}", {"came": "1"}).status_code
        == 404
    )


def test_answers_count_for_the_sms_channel_the_send_was_made_for(web, world, rooms):  # noqa: F811
    from tests.http.test_outbox import _contacts

    event_id, _ = _event(web, world, rooms, capacity=10)
    web.login("member@assoc.test")
    channels = []
    for name in ("Grannar", "Föräldrar"):
        made = web.post(
            f"/events/{event_id}/invitations/audiences", {"name": name, "language": "sv"}
        )
        audience_id = re.search(r"added=(\d+)", made.headers["location"]).group(1)
        channel = web.post(
            f"/events/{event_id}/invitations/audiences/{audience_id}/channels", {"kind": "sms"}
        )
        channels.append(int(re.search(r"#channel-(\d+)", channel.headers["location"]).group(1)))
    web.run(_contacts, web.ctx, world, 1)
    composer = web.get(f"/orgs/{world.association.slug}/sms/new").text
    assert (
        f'value="{event_id}:{channels[1]}"' in composer and "SMS channel for Föräldrar" in composer
    )
    sent = web.post(
        f"/orgs/{world.association.slug}/sms/new",
        {"template": "{title}: {link}", "event": f"{event_id}:{channels[1]}"},
    )
    assert sent.status_code == 303

    async def code_and_link(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            code = await conn.scalar(select(outbox.c.code))
            link = await conn.scalar(
                select(share_links.c.id).where(share_links.c.channel_id == channels[1])
            )
        return code, link

    code, link_id = web.run(code_and_link, web.ctx)
    web.post(f"/m/{code}/answer", {"coming": "yes", "party_size": "2"})

    async def source(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(rsvps.c.link_id))

    assert web.run(source, web.ctx) == link_id


def test_a_personal_feed_holds_the_dates_of_a_proven_number(web, world, rooms):  # noqa: F811
    import icalendar

    first, _ = _event(web, world, rooms, capacity=10)
    second = make_event(web, world, rooms, starts_at=_soon() + timedelta(days=3), title="Bokcirkel")
    token = _token(_rsvp(web, first, name="Amal", phone="0701234567"))
    other = _token(_rsvp(web, second, name="Amal", phone="070-123 45 67"))
    _rsvp(web, second, name="Someone else", phone="0709999999")

    def summaries():  # type: ignore[no-untyped-def]
        response = web.get(f"/r/{token}/calendar.ics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        assert response.headers["cache-control"].startswith("private")
        calendar = icalendar.Calendar.from_ical(response.content)
        return sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))

    # Made on the web form, where anyone may type any number: only its own date.
    assert summaries() == ["Språkcafé"]

    async def answered_by_sms(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            first_id = await conn.scalar(select(func.min(rsvps.c.id)))
            await conn.execute(
                update(rsvps).where(rsvps.c.id == first_id).values(request_key="sms:abcdefghij")
            )

    # An answer to an SMS invitation proves the number: every date of the number.
    web.run(answered_by_sms, web.ctx)
    assert summaries() == ["Bokcirkel", "Språkcafé"]
    assert "webcal://testserver/r/" in web.get(f"/r/{token}").text
    web.post(f"/r/{other}/cancel")
    assert summaries() == ["Språkcafé"]
    assert web.get("/r/not-a-token/calendar.ics").status_code == 404


def test_names_and_numbers_go_when_the_date_is_long_past(web, world, rooms, monkeypatch):  # noqa: F811
    """The retention rule (SAMSPEL_RSVP_RETENTION_DAYS): sign-ups keep no name or number once
    their date ended that long ago; the counts of who came, and through what, stay."""
    from webapp.worker import housekeeping

    event_id, occurrence_id = _event(web, world, rooms, capacity=10)
    _rsvp(web, event_id, name="Amal Haddad", phone="070-123 45 67", party_size="3")
    _rsvp(web, event_id, name="Bo", party_size="1")
    web.login("member@assoc.test")

    async def ids_and_end(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            end = await conn.scalar(
                select(occurrences.c.ends_at).where(occurrences.c.id == occurrence_id)
            )
            return list(await conn.scalars(select(rsvps.c.id).order_by(rsvps.c.id))), end

    (amal, _bo), ends_at = web.run(ids_and_end, web.ctx)
    web.post(f"/events/{event_id}/checkin/{occurrence_id}/{amal}", {"came": "1"})

    async def people(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            result = await conn.execute(
                select(rsvps.c.name, rsvps.c.phone, rsvps.c.party_size).order_by(rsvps.c.id)
            )
            return [tuple(row) for row in result]

    days = web.ctx.settings.rsvp_retention_days
    for moment, kept in (
        (ends_at + timedelta(days=days - 1), True),
        (ends_at + timedelta(days=days, hours=1), False),
    ):
        monkeypatch.setattr(clock, "now", lambda moment=moment: moment)
        web.run(housekeeping, web.ctx.db, web.ctx.settings)
        monkeypatch.undo()
        if kept:
            assert web.run(people, web.ctx) == [("Amal Haddad", "+46701234567", 3), ("Bo", None, 1)]
    assert web.run(people, web.ctx) == [("", None, 3), ("", None, 1)]
    web.login("member@assoc.test")  # the far-future housekeeping ended the session
    figures = web.get(f"/events/{event_id}/results").text
    assert "4 people signed up, 3 came." in figures
