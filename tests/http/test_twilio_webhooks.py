"""Twilio's webhooks as Twilio sends them: signed form POSTs to the public address. Delivery
reports move messages forward (never back), replies act on STOP, START and HELP in the
Nordic forms, other replies are kept for the organisation; a forged request is 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from tests.conftest import BASE_URL
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from tests.http.test_outbox import _contacts, _send
from webapp.contacts import phones
from webapp.db.tables import contacts, opt_outs, outbox, outbox_events, sms_replies

STATUS = "/webhooks/twilio/status"
INBOUND = "/webhooks/twilio/inbound"


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The app with Twilio as its provider (the fake's credentials)."""
    return settings.with_changes(
        sms_provider="twilio",
        twilio_account_sid=DEFAULT_ACCOUNT_SID,
        twilio_auth_token=DEFAULT_AUTH_TOKEN,
        twilio_from="+46700000000",
    )


def _post(web, path, params, *, token=DEFAULT_AUTH_TOKEN, url=None, headers=None):  # type: ignore[no-untyped-def]
    signature = RequestValidator(token).compute_signature(url or BASE_URL + path, params)
    return web.client.post(
        path, data=params, headers={"X-Twilio-Signature": signature, **(headers or {})}
    )


async def _rows(ctx, table):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(table).order_by(table.c[list(table.c.keys())[0]])))


async def _sent_message(ctx, world):  # type: ignore[no-untyped-def]
    """A message the dispatcher handed to Twilio (status sent, Twilio's SID)."""
    ids = await _contacts(ctx, world, 1)
    await _send(ctx, world, ids)
    async with ctx.db.transaction() as conn:
        await conn.execute(update(outbox).values(status="sent", provider_id="SM" + "a" * 32))
    return "SM" + "a" * 32


def test_delivery_reports_move_messages_forward_only(web, world):
    sid = web.run(_sent_message, web.ctx, world)
    response = _post(web, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"})
    assert response.status_code == 204
    _post(web, STATUS, {"MessageSid": sid, "MessageStatus": "sent"})  # late and out of order
    (message,) = web.run(_rows, web.ctx, outbox)
    assert message.status == "delivered"
    history = [e.status for e in web.run(_rows, web.ctx, outbox_events)]
    assert history == ["delivered"]


def test_a_report_that_comes_before_the_id_is_recorded_waits_for_it(web, world):
    """Twilio's report and the dispatcher's record of Twilio's answer can race."""
    import asyncio

    from webapp.sms import webhooks

    ids = web.run(_contacts, web.ctx, world, 1)
    web.run(_send, web.ctx, world, ids)
    sid = "SM" + "b" * 32

    async def race(ctx):  # type: ignore[no-untyped-def]
        report = asyncio.create_task(
            webhooks.delivery_report(ctx, {"MessageSid": sid, "MessageStatus": "delivered"})
        )
        await asyncio.sleep(0.3)  # the dispatcher records Twilio's answer a moment later
        async with ctx.db.transaction() as conn:
            await conn.execute(update(outbox).values(status="sent", provider_id=sid))
        await report

    web.run(race, web.ctx)
    (message,) = web.run(_rows, web.ctx, outbox)
    assert message.status == "delivered"


def test_an_undelivered_report_keeps_the_error(web, world):
    sid = web.run(_sent_message, web.ctx, world)
    response = _post(
        web, STATUS, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    )
    assert response.status_code == 204
    (message,) = web.run(_rows, web.ctx, outbox)
    assert (message.status, message.error_code) == ("undelivered", 30005)


def test_forged_requests_are_refused(web, world):
    sid = web.run(_sent_message, web.ctx, world)
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    assert _post(web, STATUS, params, token="not-the-token").status_code == 403
    assert web.client.post(STATUS, data=params).status_code == 403  # no signature
    tampered = RequestValidator(DEFAULT_AUTH_TOKEN).compute_signature(
        BASE_URL + STATUS, {**params, "MessageStatus": "failed"}
    )
    assert (
        web.client.post(STATUS, data=params, headers={"X-Twilio-Signature": tampered}).status_code
        == 403
    )
    assert (
        _post(web, INBOUND, {"From": "+46701112233", "Body": "STOP"}, token="x").status_code == 403
    )
    (message,) = web.run(_rows, web.ctx, outbox)
    assert message.status == "sent"


def test_the_public_address_is_checked_behind_a_proxy(web, world):
    """Twilio signs the public address; the app behind a proxy sees another host."""
    sid = web.run(_sent_message, web.ctx, world)
    response = _post(
        web, STATUS, {"MessageSid": sid, "MessageStatus": "delivered"},
        headers={"Host": "app-internal:8000"},
    )  # fmt: skip
    assert response.status_code == 204


def _reply(web, body, sid, number="+46700000000"):  # type: ignore[no-untyped-def]
    return _post(web, INBOUND, {"MessageSid": sid, "From": number, "To": "+46700000001",
                                "Body": body, "AccountSid": DEFAULT_ACCOUNT_SID})  # fmt: skip


@pytest.mark.parametrize("stop", ["STOP", "stopp", "Sluta.", "avmeld", "AFMELD!"])
def test_stop_in_any_nordic_form_opts_the_number_out_everywhere(web, world, stop):
    web.run(_sent_message, web.ctx, world)
    response = _reply(web, stop, "SM" + "b" * 32)
    assert response.status_code == 200
    assert "<Message>" not in response.text  # Twilio confirms STOP itself
    registry = web.run(_rows, web.ctx, opt_outs)
    assert [r.phone_hash for r in registry] == [phones.digest("+46700000000")]
    (person,) = web.run(_rows, web.ctx, contacts)
    assert person.opted_out_at is not None
    # START makes the number reachable again.
    _reply(web, "start", "SM" + "c" * 32)
    assert web.run(_rows, web.ctx, opt_outs) == []
    (person,) = web.run(_rows, web.ctx, contacts)
    assert person.opted_out_at is None


def test_help_answers_with_the_senders_contact(web, world):
    web.run(_sent_message, web.ctx, world)
    response = _reply(web, "Hjälp", "SM" + "d" * 32)
    assert response.headers["content-type"].startswith("application/xml")
    assert f"<Message>{world.association.name}:" in response.text


def test_other_replies_are_kept_for_the_organisation_once(web, world):
    web.run(_sent_message, web.ctx, world)
    for _ in range(2):  # Twilio may deliver the same webhook twice
        assert _reply(web, "Vi kommer tre personer!", "SM" + "e" * 32).status_code == 200
    (reply,) = web.run(_rows, web.ctx, sms_replies)
    assert reply.organisation_id == world.association.id
    assert reply.body == "Vi kommer tre personer!" and reply.keyword is None
