"""A demo send: the association invites its network to the language café by SMS. The
messages go out through the console provider and the real dispatcher; delivery reports then
arrive as Twilio would send them (one delivered, one not, one still on its way), one
recipient replies, and the association has a monthly budget."""

from __future__ import annotations

import dataclasses
from datetime import time
from decimal import Decimal

from sqlalchemy.engine import Row

from invites.sms.providers import ConsoleSmsProvider
from invites.sms.quiet_hours import QuietHours
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.sms import budget, delivery, service, store, webhooks

TEMPLATE = "Hej {name}! Välkommen till {title} {date} kl. {time}, {place}. Läs mer: {link}"
# How the messages fare, by recipient (Twilio's MessageStatus and ErrorCode).
OUTCOMES = {
    "Karin Lindqvist": ("delivered", ""),
    "Fatima Ali": ("delivered", ""),
    "Hassan Omar": ("undelivered", "30003"),
}


async def seed(ctx: Context, *, association: Row, member: Actor, admin: Actor) -> None:
    from webapp.contacts import store as contact_store

    choices = await service.event_choices(ctx, association)
    cafe = next((c for c in choices if c.title == "Språkcafé"), choices[0] if choices else None)
    async with ctx.db.read() as conn:
        people = await contact_store.contacts_with_tag(conn, association.id, None)
    # The demo is seeded at any hour: no quiet hours for it.
    awake = dataclasses.replace(
        ctx, settings=ctx.settings.with_changes(sms_quiet_hours=QuietHours(time(0), time(0)))
    )
    sent = await service.send(
        awake, actor=member, organisation=association,
        template=TEMPLATE if cafe else "Hej {name}! Välkommen till språkcaféet på torsdag.",
        contact_ids=[p.id for p in people], event=cafe,
    )  # fmt: skip
    dispatcher = delivery.make_dispatcher(ctx, ConsoleSmsProvider(ctx.console), role="demo")
    while await dispatcher.run_once():
        pass
    async with ctx.db.read() as conn:
        messages = await store.messages_page(
            conn, sent.send_id, status=None, limit=len(people), offset=0
        )
    for message in messages:
        status, code = OUTCOMES.get(message.contact_name, ("", ""))
        if status and message.provider_id:
            await webhooks.delivery_report(
                ctx, {"MessageSid": message.provider_id, "MessageStatus": status, "ErrorCode": code}
            )
    karin = next((m for m in messages if m.contact_name == "Karin Lindqvist"), None)
    if karin is not None and karin.phone:
        await webhooks.reply(
            ctx,
            {"MessageSid": "SMdemo0000000000000000000000000001", "From": karin.phone,
             "Body": "Tack! Jag kommer och tar med min granne."},
        )  # fmt: skip
    await budget.save(
        ctx, actor=admin, organisation=association, unit="segments", amount=Decimal(2000)
    )
