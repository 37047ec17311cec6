"""What makes SMS trustworthy for the people who get them and for those who pay: each message's
own link (why you got it, stop, your data, delete), the monthly budget shown before sending
and enforced, event placeholders in the recipient's language, and the sending organisation's
log of sends, messages and replies."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from invites.sms.providers import ConsoleSmsProvider
from invites.sms.templates import format_when
from tests import factories
from tests.http.test_outbox import _contacts, _send
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp import clock
from webapp.contacts import phones
from webapp.contacts import service as contacts
from webapp.db.tables import contacts as contact_table
from webapp.db.tables import opt_outs, outbox
from webapp.problems import Invalid
from webapp.sms import budget, delivery, webhooks


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _sms(world, rest=""):  # type: ignore[no-untyped-def]
    return f"/orgs/{world.association.slug}/sms{rest}"


async def _messages(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(outbox).order_by(outbox.c.id)))


async def _set_budget(ctx, world, unit, amount):  # type: ignore[no-untyped-def]
    admin = await factories.actor(ctx, "admin@assoc.test")
    await budget.save(
        ctx, actor=admin, organisation=world.association, unit=unit,
        amount=None if amount is None else Decimal(amount),
    )  # fmt: skip


async def _deliver(ctx):  # type: ignore[no-untyped-def]
    dispatcher = delivery.make_dispatcher(ctx, ConsoleSmsProvider(ctx.mail), role="test")
    while await dispatcher.run_once():
        pass


# The message's own link --------------------------------------------------------------------------


def test_every_message_ends_with_its_own_link_unless_the_template_places_it(web, world):
    ids = web.run(_contacts, web.ctx, world, 2)
    web.run(_send, web.ctx, world, ids)
    web.run(_send, web.ctx, world, ids[:1], template="Hej {name}, läs mer: {link} /Nya grannar")
    first, second, placed = web.run(_messages, web.ctx)
    assert first.code != second.code and len(first.code) == 10
    assert first.body.endswith(f"\nInfo och stopp: http://testserver/m/{first.code}")
    assert placed.body == f"Hej Person 0, läs mer: http://testserver/m/{placed.code} /Nya grannar"
    assert placed.body.count("/m/") == 1


def test_the_link_says_why_and_lets_the_recipient_stop_export_and_delete(web, world):
    (contact_id,) = web.run(_contacts, web.ctx, world, 1)
    web.run(_send, web.ctx, world, [contact_id])
    (message,) = web.run(_messages, web.ctx)
    page = web.get(f"/m/{message.code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert world.association.name in page.text
    assert phones.masked(message.phone) in page.text and message.phone not in page.text
    assert "agreed to get SMS from them: a form they filled in" in page.text.lower() or (
        "they recorded that you agreed" in page.text.lower()
    )
    assert web.get("/m/nosuchcode").status_code == 404

    # Stop: the registry holds the number's hash; every organisation's sends leave it out.
    assert web.post(f"/m/{message.code}/stop").status_code == 303
    assert "gets no SMS through Samspel" in web.get(f"/m/{message.code}").text
    with pytest.raises(Invalid):
        web.run(_send, web.ctx, world, [contact_id])
    assert web.post(f"/m/{message.code}/start").status_code == 303
    assert web.run(_send, web.ctx, world, [contact_id]).recipients == 1

    data = web.get(f"/m/{message.code}/data.json")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    exported = json.loads(data.text)
    assert exported["contact"]["name"] == "Person 0"
    assert len(exported["messages"]) == 2

    # Delete, and never again: the contact is gone, messages keep only the hash.
    assert web.post(f"/m/{message.code}/delete", {"stop": "1"}).status_code == 303

    async def state(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            left = await conn.scalar(
                select(contact_table.c.id).where(contact_table.c.id == contact_id)
            )
            stopped = await conn.scalar(select(opt_outs.c.phone_hash))
            kept = list(
                await conn.execute(select(outbox.c.phone, outbox.c.body, outbox.c.phone_hash))
            )
        return left, stopped, kept

    left, stopped, kept = web.run(state, web.ctx)
    assert left is None
    assert stopped == phones.digest(message.phone)
    assert all(row.phone is None and row.body == "" for row in kept)
    after = web.get(f"/m/{message.code}")
    assert after.status_code == 200
    assert "Nothing about you is kept" in after.text
    assert web.get(f"/m/{message.code}/data.json").status_code == 404
    # Re-imported by anyone, the number still gets nothing.
    (again,) = web.run(_contacts, web.ctx, world, 1)
    with pytest.raises(Invalid):
        web.run(_send, web.ctx, world, [again])


def test_the_link_pages_need_the_csrf_token(web, world):
    ids = web.run(_contacts, web.ctx, world, 1)
    web.run(_send, web.ctx, world, ids)
    (message,) = web.run(_messages, web.ctx)
    forged = web.client.post(f"/m/{message.code}/delete", data={"stop": "1"})
    assert forged.status_code == 403
    assert web.run(_messages, web.ctx)[0].phone is not None


# The monthly budget ------------------------------------------------------------------------------


def test_a_send_over_the_segment_budget_is_refused_whole(web, world):
    ids = web.run(_contacts, web.ctx, world, 5)
    web.run(_set_budget, web.ctx, world, "segments", 12)
    # Each message is two segments: the text and the link line make it longer than 160.
    long_text = "Välkommen till språkcaféet på torsdag! " * 4 + "{name}"
    web.run(_send, web.ctx, world, ids[:3], template=long_text)
    assert sum(m.segments for m in web.run(_messages, web.ctx)) == 6
    with pytest.raises(Invalid) as refused:
        web.run(_send, web.ctx, world, ids, template=long_text)  # 10 more: over 12
    assert "bara 6 segment återstår av månadens budget på 12 segment" in str(
        refused.value.errors["template"]
    ).replace("\u00a0", " ")
    assert len(web.run(_messages, web.ctx)) == 3  # nothing of the refused send was written
    web.run(_send, web.ctx, world, ids[3:], template=long_text)  # 4 more: exactly 10 < 12
    assert len(web.run(_messages, web.ctx)) == 5


def test_the_composer_shows_what_is_left_and_refuses_next_to_the_message(web, world):
    web.run(_contacts, web.ctx, world, 3)
    web.run(_set_budget, web.ctx, world, "money", "1.00")
    web.login("member@assoc.test")
    preview = web.post(_sms(world, "/new"), {"action": "preview", "template": "Hej {name}"})
    text = preview.text.replace("\u00a0", " ")
    assert "Left of this month" in text
    assert "1.00 SEK" in text
    # 3 messages of one segment at 0.45: 1.35, more than 1.00.
    assert "only 1.00 SEK of this month&#39;s budget of 1.00 SEK is left" in text
    sent = web.post(_sms(world, "/new"), {"template": "Hej {name}"})
    assert sent.status_code == 400
    assert 'id="template-error"' in sent.text and "budget" in sent.text
    assert "Hej {name}" in sent.text  # what was written is kept
    assert web.run(_messages, web.ctx) == []


def test_cancelled_and_unsent_failures_do_not_use_the_budget(web, world):
    ids = web.run(_contacts, web.ctx, world, 4)
    web.run(_send, web.ctx, world, ids)

    async def fate(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            rows = list(await conn.scalars(select(outbox.c.id).order_by(outbox.c.id)))
            await conn.execute(
                update(outbox).where(outbox.c.id == rows[0]).values(status="cancelled")
            )
            await conn.execute(update(outbox).where(outbox.c.id == rows[1]).values(status="failed"))
            await conn.execute(
                update(outbox).where(outbox.c.id == rows[2])
                .values(status="failed", provider_id="SM1")
            )  # fmt: skip
        member = await factories.actor(ctx, "member@assoc.test")
        return await budget.of(ctx, actor=member, organisation=world.association)

    used = web.run(fate, web.ctx)
    assert used.used_segments == 2  # the one failed at the provider and the queued one
    assert used.used_cost == Decimal("0.90")


def test_the_month_is_the_organisations_calendar_month():
    tz = ZoneInfo("Europe/Stockholm")
    # 23:30 UTC on 31 January is already 1 February in Stockholm.
    first, start, end = budget.month_of(datetime(2027, 1, 31, 23, 30, tzinfo=UTC), tz)
    assert first.isoformat() == "2027-02-01"
    assert start == datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
    assert end == datetime(2027, 2, 28, 23, 0, tzinfo=UTC)
    first, _, end = budget.month_of(datetime(2027, 12, 15, tzinfo=UTC), tz)
    assert (first.isoformat(), end) == ("2027-12-01", datetime(2027, 12, 31, 23, 0, tzinfo=UTC))


def test_only_administrators_set_the_budget_and_mistakes_are_shown(web, world):
    web.login("member@assoc.test")
    assert web.get(_sms(world, "/budget")).status_code == 403
    assert web.post(_sms(world, "/budget"), {"unit": "segments", "amount": "5"}).status_code == 403
    web.login("admin@assoc.test")
    bad = web.post(_sms(world, "/budget"), {"unit": "segments", "amount": "12.5"})
    assert bad.status_code == 400
    assert 'id="amount-error"' in bad.text and "whole number of segments" in bad.text
    assert 'value="12.5"' in bad.text
    missing = web.post(_sms(world, "/budget"), {"unit": "money", "amount": ""})
    assert missing.status_code == 400 and "Enter the budget" in missing.text
    saved = web.post(_sms(world, "/budget"), {"unit": "money", "amount": "499,50"})
    assert saved.status_code == 303
    overview = web.get(_sms(world) + "?budget=1").text.replace("\u00a0", " ")
    assert "The budget has been saved." in overview and "499.50 SEK" in overview
    assert 'value="499.50"' in web.get(_sms(world, "/budget")).text
    assert web.post(_sms(world, "/budget"), {"unit": "none", "amount": ""}).status_code == 303
    assert "No monthly budget is set." in web.get(_sms(world)).text


# Event placeholders ------------------------------------------------------------------------------


def test_event_placeholders_are_filled_in_each_recipients_language(web, world, rooms):  # noqa: F811
    starts = (clock.now() + timedelta(days=10)).replace(hour=16, minute=0, second=0, microsecond=0)
    event_id = make_event(web, world, rooms, starts_at=starts, title="Språkcafé")
    ids = web.run(_contacts, web.ctx, world, 2)

    async def languages(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.transaction() as conn:
            await conn.execute(
                update(contact_table).where(contact_table.c.id == ids[0]).values(language="da")
            )
            await conn.execute(
                update(contact_table).where(contact_table.c.id == ids[1]).values(language="en")
            )

    web.run(languages, web.ctx)
    web.login("member@assoc.test")
    template = "{title} {date} kl {time}, {place}: {link}"
    without = web.post(_sms(world, "/new"), {"template": template})
    assert without.status_code == 400 and "Choose an event to use {title}" in without.text
    page = web.get(_sms(world, "/new")).text
    assert f'<option value="{event_id}">Språkcafé' in page
    response = web.post(_sms(world, "/new"), {"template": template, "event": str(event_id)})
    assert response.status_code == 303, response.text
    tz = ZoneInfo("Europe/Stockholm")
    danish, english_ = web.run(_messages, web.ctx)
    for message, language in ((danish, "da"), (english_, "en")):
        day, at = format_when(starts, language, tz)
        assert message.body == (
            f"Språkcafé {day} kl {at}, Stadsbiblioteket: http://testserver/m/{message.code}"
        )
    assert "december" in danish.body.lower() or re.search(r"\d+\. \w+ \d{4}", danish.body)
    # The link's page shows the event.
    about = web.get(f"/m/{danish.code}").text
    assert "Språkcafé" in about and f"/events/{event_id}.ics" in about
    # Only the organisation's public events with a date to come can be chosen.
    other = web.post(_sms(world, "/new"), {"template": template, "event": "999999"})
    assert other.status_code == 400 and 'id="event-error"' in other.text


# The log ---------------------------------------------------------------------------------------


def test_the_log_shows_masked_recipients_status_history_and_errors_in_words(web, world):
    ids = web.run(_contacts, web.ctx, world, 3)
    sent = web.run(_send, web.ctx, world, ids)
    web.run(_deliver, web.ctx)
    messages = web.run(_messages, web.ctx)
    web.run(
        webhooks.delivery_report, web.ctx,
        {"MessageSid": messages[1].provider_id, "MessageStatus": "undelivered",
         "ErrorCode": "30003", "ErrorMessage": "Unreachable destination handset"},
    )  # fmt: skip
    web.login("member@assoc.test")
    overview = web.get(_sms(world)).text
    assert f"/sms/sends/{sent.send_id}" in overview
    page = web.get(_sms(world, f"/sends/{sent.send_id}")).text.replace("\u00a0", " ")
    assert phones.masked(messages[0].phone) in page and messages[0].phone not in page
    assert "Not delivered" in page
    assert "The phone was unreachable" in page
    assert "0.45 SEK" in page
    only_failed = web.get(_sms(world, f"/sends/{sent.send_id}?status=undelivered")).text
    assert only_failed.count("/sms/messages/") == 1
    detail = web.get(_sms(world, f"/messages/{messages[1].id}")).text
    assert "History" in detail and "code 30003" in detail and "Sent" in detail
    # Another organisation's people do not see it.
    web.login("admin@otherassoc.test")
    assert web.get(_sms(world, f"/sends/{sent.send_id}")).status_code in (403, 404)
    assert web.get(f"/orgs/{world.association.slug}/sms/messages/{messages[1].id}").status_code in (
        403,
        404,
    )


def test_replies_are_listed_for_the_organisation_that_sent(web, world):
    ids = web.run(_contacts, web.ctx, world, 1)
    web.run(_send, web.ctx, world, ids)
    (message,) = web.run(_messages, web.ctx)
    web.run(
        webhooks.reply, web.ctx,
        {"MessageSid": "SM" + "1" * 32, "From": message.phone, "Body": "Jag kommer gärna!"},
    )  # fmt: skip
    web.login("member@assoc.test")
    page = web.get(_sms(world, "/replies")).text
    assert "Jag kommer gärna!" in page and "Person 0" in page
    assert phones.masked(message.phone) in page


# Retention and use -----------------------------------------------------------------------------


def test_sending_counts_as_use_and_the_retention_clean_up_forgets_numbers(web, world):
    ids = web.run(_contacts, web.ctx, world, 2)
    web.run(_send, web.ctx, world, ids[:1])

    async def check(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            used = dict(
                (await conn.execute(select(contact_table.c.id, contact_table.c.last_used_at))).all()
            )
        assert used[ids[0]] is not None and used[ids[1]] is None
        # Two years on, both are past the retention period.
        removed, _ = await contacts.clean_up(
            ctx.db, now=clock.now() + timedelta(days=800), retention_months=24
        )
        async with ctx.db.read() as conn:
            kept = list(await conn.execute(select(outbox.c.phone, outbox.c.body)))
        return removed, kept

    removed, kept = web.run(check, web.ctx)
    assert removed == 2
    assert kept == [(None, "")]


def test_a_large_send_is_shown_a_page_at_a_time(web, world):
    ids = web.run(_contacts, web.ctx, world, 51)
    sent = web.run(_send, web.ctx, world, ids)
    web.login("member@assoc.test")
    first = web.get(_sms(world, f"/sends/{sent.send_id}")).text
    assert first.count("/sms/messages/") == 50
    assert f"/sends/{sent.send_id}?status=&amp;page=2" in first and 'rel="prev"' not in first
    second = web.get(_sms(world, f"/sends/{sent.send_id}?page=2")).text
    assert second.count("/sms/messages/") == 1 and 'rel="prev"' in second
