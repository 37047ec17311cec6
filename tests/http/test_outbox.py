"""The SMS outbox end to end: a send writes one row per recipient, dispatchers deliver them
through the real ``twilio`` library to the fake Twilio server, failures are retried or
recorded, nothing is lost and nothing is sent twice — also with two dispatchers at once and
after a dispatcher died holding messages."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from invites.sms.dispatcher import Dispatcher, Policy
from invites.sms.quiet_hours import QuietHours
from invites.sms.twilio_provider import TwilioProvider
from tests import factories
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from webapp import clock
from webapp.contacts import service as contacts
from webapp.db.tables import contacts as contacts_table
from webapp.db.tables import opt_outs, outbox, outbox_events
from webapp.problems import Invalid
from webapp.sms import service as sms
from webapp.sms.outbox import SqlOutbox

TEMPLATE = "Hej {name}! Språkcafé på torsdag kl 18 i biblioteket. Välkommen!"
QUICK = Policy(concurrency=8, max_attempts=6, first_delay=0.01, max_delay=0.05, idle=0.01)


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=7) as server:
        yield server


def _provider(fake, timeout=5.0):  # type: ignore[no-untyped-def]
    return TwilioProvider(
        DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, from_number="+46700000000",
        api_base=fake.base_url, timeout=timeout,
    )  # fmt: skip


async def _contacts(ctx, world, count, start=0):  # type: ignore[no-untyped-def]
    """``count`` consented contacts of the association, added in one go (the import's way)."""
    from webapp.contacts import store as contact_store

    now = clock.now()
    async with ctx.db.transaction() as conn:
        ids = await contact_store.add_contacts(
            conn,
            [
                {
                    "organisation_id": world.association.id,
                    "name": f"Person {n}",
                    "phone": f"+4670{n:07d}",
                    "consent_source": "form",
                    "consent_on": date(2026, 9, 1),
                    "consent_note": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, start + count)
            ],
        )
    return sorted(ids.values())


NO_QUIET_HOURS = QuietHours(time(0), time(0))


async def _send(ctx, world, contact_ids, quiet=NO_QUIET_HOURS, **kwargs):  # type: ignore[no-untyped-def]
    """Send as the association's member (without quiet hours unless given: the suite runs
    at any time of day)."""
    ctx = dataclasses.replace(ctx, settings=ctx.settings.with_changes(sms_quiet_hours=quiet))
    member = await factories.actor(ctx, "member@assoc.test")
    return await sms.send(
        ctx, actor=member, organisation=world.association,
        template=kwargs.pop("template", TEMPLATE), contact_ids=contact_ids, **kwargs,
    )  # fmt: skip


async def _statuses(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return dict(rows.all())


async def _deliver_all(ctx, dispatchers, *, limit=60.0):  # type: ignore[no-untyped-def]
    """Run the dispatchers until nothing is queued or being sent."""
    deadline = asyncio.get_running_loop().time() + limit
    while asyncio.get_running_loop().time() < deadline:
        handled = sum(await asyncio.gather(*(d.run_once() for d in dispatchers)))
        statuses = await _statuses(ctx)
        if not statuses.get("queued") and not statuses.get("sending"):
            return statuses
        if not handled:
            await asyncio.sleep(0.01)
    raise AssertionError(f"not delivered in time: {await _statuses(ctx)}")


def _dispatcher(web, provider, name="test", policy=QUICK):  # type: ignore[no-untyped-def]
    return Dispatcher(
        SqlOutbox(web.ctx.db), provider, clock=clock.now, worker=name, policy=policy,
        rng=random.Random(1),
    )  # fmt: skip


def test_a_send_writes_one_row_per_recipient_and_leaves_out_opted_out_numbers(web, world):
    ids = web.run(_contacts, web.ctx, world, 3)

    async def opt_out_one(ctx):  # type: ignore[no-untyped-def]
        member = await factories.actor(ctx, "member@assoc.test")
        await contacts.opt_out(ctx, actor=member, organisation=world.association, contact_id=ids[0])

    web.run(opt_out_one, web.ctx)
    sent = web.run(_send, web.ctx, world, ids)
    assert (sent.recipients, sent.left_out, sent.segments) == (2, 1, 2)
    assert web.run(_statuses, web.ctx) == {"queued": 2}

    async def bodies(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return list(await conn.scalars(select(outbox.c.body).order_by(outbox.c.id)))

    found = web.run(bodies, web.ctx)
    for number, body in zip((1, 2), found, strict=True):
        # Each message ends with its own link (the template has no {link}).
        assert re.fullmatch(
            rf"Hej Person {number}! Språkcafé på torsdag kl 18 i biblioteket\. Välkommen!\n"
            r"Info och stopp: http://testserver/m/[a-z2-9]{10}",
            body,
        ), body
    assert found[0][-10:] != found[1][-10:]
    with pytest.raises(Invalid):
        web.run(_send, web.ctx, world, [ids[0]])  # nobody left who may get SMS


def test_quiet_hours_hold_messages_until_the_morning(web, world, app):
    ids = web.run(_contacts, web.ctx, world, 1)
    # 23:30 in Stockholm (22:30 UTC in winter): held until 08:00 local, 07:00 UTC.
    evening = datetime(2030, 12, 2, 22, 30, tzinfo=UTC)
    web.run(_send, web.ctx, world, ids, quiet=QuietHours(time(21), time(8)), send_after=evening)

    async def due(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(select(outbox.c.next_attempt_at))

    assert web.run(due, web.ctx) == datetime(2030, 12, 3, 7, 0, tzinfo=UTC)
    assert web.ctx.settings.sms_quiet_hours == QuietHours(time(21), time(8))


def test_a_thousand_messages_with_random_failures_are_delivered_exactly_once(web, world, fake):
    ids = web.run(_contacts, web.ctx, world, 1000)
    web.run(_send, web.ctx, world, ids)
    # 503s, 500s, 429s and dropped connections (before Twilio took the message).
    fake.set_rates(error=0.08, throttle=0.05, drop=0.04, retry_after=0)

    async def run(ctx):  # type: ignore[no-untyped-def]
        provider = _provider(fake)
        try:
            return await _deliver_all(ctx, [_dispatcher(web, provider)])
        finally:
            await provider.aclose()

    assert web.run(run, web.ctx) == {"sent": 1000}
    counts = fake.counts()
    assert len(counts) == 1000
    assert set(counts.values()) == {1}, "every message exactly once"

    async def retried(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return await conn.scalar(
                select(func.count())
                .select_from(outbox_events)
                .where(outbox_events.c.status == "retry")
            )

    assert web.run(retried, web.ctx) > 50  # the faults really happened and were retried


def test_two_dispatchers_never_send_the_same_message(web, world, fake):
    ids = web.run(_contacts, web.ctx, world, 200)
    web.run(_send, web.ctx, world, ids)
    fake.set_latency(0.005)

    async def run(ctx):  # type: ignore[no-untyped-def]
        one, two = _provider(fake), _provider(fake)
        try:
            return await _deliver_all(
                ctx, [_dispatcher(web, one, "one"), _dispatcher(web, two, "two")]
            )
        finally:
            await one.aclose()
            await two.aclose()

    assert web.run(run, web.ctx) == {"sent": 200}
    assert set(fake.counts().values()) == {1}


def test_messages_of_a_dispatcher_that_died_are_sent_after_its_lease(web, world, fake):
    ids = web.run(_contacts, web.ctx, world, 20)
    web.run(_send, web.ctx, world, ids)
    lease = timedelta(seconds=30)

    async def run(ctx):  # type: ignore[no-untyped-def]
        store = SqlOutbox(ctx.db)
        # A dispatcher claims 8 messages and dies before sending them.
        dead = await store.claim(worker="dead", now=clock.now(), limit=8, lease=lease)
        assert len(dead) == 8
        provider = _provider(fake)
        try:
            alive = _dispatcher(web, provider, "alive")
            # Within the lease the claimed messages are left alone…
            await _deliver_some(alive, rounds=5)
            assert await _statuses(ctx) == {"sent": 12, "sending": 8}
            # …after it, they are claimed again and sent.
            later = Dispatcher(
                store, provider, clock=lambda: clock.now() + lease + timedelta(seconds=1),
                worker="later", policy=QUICK,
            )  # fmt: skip
            await _deliver_some(later, rounds=3)
        finally:
            await provider.aclose()
        return await _statuses(ctx)

    assert web.run(run, web.ctx) == {"sent": 20}
    assert set(fake.counts().values()) == {1}


async def _deliver_some(dispatcher, rounds):  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        await dispatcher.run_once()


def test_permanent_failures_and_too_many_attempts(web, world, fake):
    ids = web.run(_contacts, web.ctx, world, 2)
    fake.opt_out("+46700000000")  # Person 0 replied STOP to Twilio

    async def run(ctx):  # type: ignore[no-untyped-def]
        provider = _provider(fake)
        try:
            policy = Policy(concurrency=1, max_attempts=3, first_delay=0.01, max_delay=0.02)
            dispatcher = _dispatcher(web, provider, policy=policy)
            await _send(ctx, world, ids[:1])
            await _deliver_all(ctx, [dispatcher])
            # And Twilio answers 500 when Person 1's turn comes: it may have taken the message,
            # so each retry counts (a 503, which it did not, waits without counting:
            # tests/http/test_faults_twilio.py).
            fake.fail_next(500, times=100)
            await _send(ctx, world, ids[1:])
            await _deliver_all(ctx, [dispatcher])
        finally:
            await provider.aclose()
        async with ctx.db.read() as conn:
            rows = list(await conn.execute(select(outbox).order_by(outbox.c.id)))
            registry = list(await conn.scalars(select(opt_outs.c.phone_hash)))
            contact = (
                await conn.execute(select(contacts_table).where(contacts_table.c.id == ids[0]))
            ).first()
        return rows, registry, contact

    rows, registry, contact = web.run(run, web.ctx)
    stop, down = rows
    assert stop.status == "failed" and stop.error_code == 21610 and stop.attempts == 1
    assert len(registry) == 1 and contact.opted_out_at is not None  # never messaged again
    assert down.status == "failed" and down.attempts == 3
    assert down.error_message  # the last error, in words


def test_a_deleted_contacts_messages_keep_only_the_hash_of_the_number(web, world):
    ids = web.run(_contacts, web.ctx, world, 1)
    web.run(_send, web.ctx, world, ids)
    web.login("member@assoc.test")
    export = web.get(f"/orgs/{world.association.slug}/contacts/{ids[0]}/export.json").json()
    assert export["messages"][0]["text"].startswith("Hej Person 0!")
    assert export["messages"][0]["status"] == "queued"
    assert web.post(f"/orgs/{world.association.slug}/contacts/{ids[0]}/delete").status_code == 303

    async def rows(ctx):  # type: ignore[no-untyped-def]
        async with ctx.db.read() as conn:
            return list(await conn.execute(select(outbox)))

    (message,) = web.run(rows, web.ctx)
    assert message.phone is None and message.body == "" and message.contact_id is None
    assert message.status == "cancelled"
    assert len(message.phone_hash) == 64

    async def claim(ctx):  # type: ignore[no-untyped-def]
        return await SqlOutbox(ctx.db).claim(
            worker="w", now=clock.now(), limit=5, lease=timedelta(seconds=5)
        )

    assert web.run(claim, web.ctx) == []  # never sent to a deleted contact
