"""Twilio down for ten minutes (issue 8, faults): the messages of a send wait, queued (none
fails), while the dispatcher holds back instead of hammering Twilio, and each goes out exactly
once after Twilio is back — with the dispatcher the settings make (SAMSPEL_SMS_MAX_ATTEMPTS=6,
SAMSPEL_SMS_RETRY_SECONDS=20), on the app's clock, which the test moves on in steps.

Before the outage rule in invites/sms/dispatcher.py, six attempts spaced 20 s doubling (with
jitter: 5 to 10 minutes in all) failed every message within such an outage.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import func, select

from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.test_outbox import _contacts, _send, _statuses
from webapp import clock
from webapp.db.tables import outbox
from webapp.sms import delivery

MESSAGES = 40
STEP = timedelta(seconds=5)
OUTAGE = timedelta(minutes=10)


def test_a_ten_minute_twilio_outage_delays_messages_and_loses_none(web, world, monkeypatch):
    start = clock.now()
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    ids = web.run(_contacts, web.ctx, world, MESSAGES)
    web.run(_send, web.ctx, world, ids)

    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN) as fake:
        settings = web.ctx.settings.with_changes(
            sms_provider="twilio", twilio_account_sid=DEFAULT_ACCOUNT_SID,
            twilio_auth_token=DEFAULT_AUTH_TOKEN, twilio_from="+46700000000",
            twilio_api_base=fake.base_url,
        )  # fmt: skip
        assert (settings.sms_max_attempts, settings.sms_retry_seconds) == (6, 20)
        ctx = dataclasses.replace(web.ctx, settings=settings)

        async def deliver_until(dispatcher, until, *, stop_when_done=False):  # type: ignore[no-untyped-def]
            """Run the dispatcher as its loop would, moving the clock on in steps."""
            while moment[0] < until:
                while await dispatcher.run_once():
                    pass
                if stop_when_done and (await _statuses(ctx)) == {"sent": MESSAGES}:
                    return
                moment[0] += STEP

        async def run():  # type: ignore[no-untyped-def]
            provider = delivery.make_provider(ctx)
            dispatcher = delivery.make_dispatcher(ctx, provider, role="test")
            try:
                # Down: first connections refused (the port closed), then 503s.
                fake.start_outage(refuse=True)
                await deliver_until(dispatcher, start + OUTAGE / 2)
                during_refusal = await _statuses(ctx)
                fake.end_outage()
                fake.start_outage()
                await deliver_until(dispatcher, start + OUTAGE)
                during_503 = await _statuses(ctx)
                tried_while_down = len(fake.requests)
                fake.end_outage()
                await deliver_until(
                    dispatcher, start + OUTAGE + timedelta(minutes=10), stop_when_done=True
                )
                async with ctx.db.read() as conn:
                    attempts = await conn.scalar(select(func.max(outbox.c.attempts)))
            finally:
                await provider.aclose()
            return during_refusal, during_503, tried_while_down, attempts

        during_refusal, during_503, tried_while_down, attempts = web.run(run)
        counts = fake.counts()

    assert during_refusal == {"queued": MESSAGES} and during_503 == {"queued": MESSAGES}
    assert web.run(_statuses, web.ctx) == {"sent": MESSAGES}
    assert len(counts) == MESSAGES and set(counts.values()) == {1}, "each exactly once"
    assert attempts == 1, "the outage used up no attempt"
    # Holding back: a batch now and then while Twilio is down, not every message every round.
    assert tried_while_down <= 10 * web.ctx.settings.sms_concurrency, tried_while_down
    # Out within the longest pause (5 minutes) of Twilio coming back.
    assert moment[0] - (start + OUTAGE) <= timedelta(minutes=5) + STEP, moment[0] - start
