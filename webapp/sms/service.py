"""Sending SMS to contacts: the message from a template, one outbox row per recipient written
in the transaction that records the send, never to a number that asked for no SMS, and not
during quiet hours in the recipient's time zone (held until the morning)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from invites.sms import encoding, quiet_hours
from invites.sms.templates import TemplateError, problems, render
from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.contacts import phones
from webapp.contacts import store as contact_store
from webapp.context import Context
from webapp.i18n import _
from webapp.problems import Forbidden, Invalid
from webapp.sms import store


@dataclass(frozen=True)
class Sent:
    send_id: int
    recipients: int
    left_out: int  # numbers that asked for no SMS
    segments: int


async def send(
    ctx: Context,
    *,
    actor: Actor,
    organisation: Row,
    template: str,
    contact_ids: Sequence[int],
    send_after: datetime | None = None,
    values: Mapping[str, str] | None = None,
) -> Sent:
    """Queue the message for every contact in ``contact_ids`` (of this organisation) that may
    get SMS. ``values`` fill the template's placeholders; ``{name}`` is each recipient's."""
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()
    now = clock.now()
    start = max(send_after or now, now)
    tz = ZoneInfo(organisation.timezone) if organisation.timezone else ctx.settings.tz
    async with ctx.db.transaction() as conn:
        rows = [
            row
            for contact_id in dict.fromkeys(contact_ids)
            if (row := await contact_store.contact(conn, organisation.id, contact_id)) is not None
        ]
        blocked = await contact_store.opted_out(conn, [phones.digest(r.phone) for r in rows])
        allowed = [
            r for r in rows if r.opted_out_at is None and phones.digest(r.phone) not in blocked
        ]
        if not allowed:
            raise Invalid({"contacts": _("None of the chosen contacts may get SMS.")})
        messages = [_message(template, row, values or {}) for row in allowed]
        due = quiet_hours.earliest_delivery(start, tz, ctx.settings.sms_quiet_hours)
        send_id = await store.add_send(
            conn,
            organisation_id=organisation.id,
            created_by=actor.user_id,
            template=template,
            recipients=len(allowed),
            send_after=send_after,
            created_at=now,
        )
        await store.add_messages(
            conn,
            [
                {
                    "send_id": send_id,
                    "organisation_id": organisation.id,
                    "contact_id": row.id,
                    "phone": row.phone,
                    "phone_hash": phones.digest(row.phone),
                    "body": body,
                    "segments": encoding.measure(body).segments,
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": due,
                    "created_at": now,
                    "updated_at": now,
                }
                for row, body in zip(allowed, messages, strict=True)
            ],
        )
        await audit.record(
            conn, action="sms.send", actor_id=actor.user_id, organisation_id=organisation.id,
            target=f"send:{send_id}", recipients=len(allowed),
        )  # fmt: skip
    return Sent(
        send_id=send_id,
        recipients=len(allowed),
        left_out=len(rows) - len(allowed),
        segments=sum(encoding.measure(body).segments for body in messages),
    )


def _message(template: str, contact: Row, values: Mapping[str, Any]) -> str:
    try:
        return render(template, {**values, "name": contact.name})
    except TemplateError as problem:
        raise Invalid({"template": "; ".join(problem.problems)}) from None


# The composer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What a send would be, before it is made."""

    recipients: list[Row]  # the contacts who may get SMS
    left_out: int  # contacts with the tag who asked for no SMS
    sample: str  # the message as the first recipient gets it
    measure: encoding.Measure
    cost_each: Decimal
    cost_total: Decimal
    suggestion: str | None  # the same text in GSM-7, when only punctuation forced UCS-2
    problems: list[str]


async def preview(
    ctx: Context, *, actor: Actor, organisation: Row, template: str, tag: str | None
) -> Preview:
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()
    async with ctx.db.read() as conn:
        chosen = await contact_store.contacts_with_tag(conn, organisation.id, tag)
        blocked = await contact_store.opted_out(conn, [phones.digest(r.phone) for r in chosen])
    recipients = [
        r for r in chosen if r.opted_out_at is None and phones.digest(r.phone) not in blocked
    ]
    found = list(problems(template)) if template.strip() else []
    name = recipients[0].name if recipients else _("Anna Andersson")
    sample = template if found else render(template, {"name": name})
    measured = encoding.measure(sample)
    price = Decimal(ctx.settings.sms_segment_price)
    each = encoding.cost(measured.segments, price)
    total = sum(
        (
            encoding.cost(encoding.measure(template.replace("{name}", r.name)).segments, price)
            for r in recipients
        ),
        Decimal(0),
    ) if not found else Decimal(0)  # fmt: skip
    return Preview(
        recipients=recipients,
        left_out=len(chosen) - len(recipients),
        sample=sample,
        measure=measured,
        cost_each=each,
        cost_total=total,
        suggestion=encoding.suggest_gsm(template) if template else None,
        problems=found,
    )
