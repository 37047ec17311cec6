"""Sending SMS to contacts: the message from a template, one outbox row per recipient written
in the transaction that records the send, never to a number that asked for no SMS, within the
organisation's monthly budget, and not during quiet hours in the recipient's time zone (held
until the morning).

Every message has its own short link (``/m/{code}``, webapp/sms/about.py) where the recipient
sees why they got it and the event it is about, and can stop SMS or delete their data. A
template that does not use ``{link}`` gets the link on a line of its own at the end.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from invites.sms import encoding, quiet_hours
from invites.sms.templates import TemplateError, fields, format_when, problems, render
from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.contacts import phones
from webapp.contacts import store as contact_store
from webapp.context import Context
from webapp.i18n import _, use_locale
from webapp.invitations import store as invitation_store
from webapp.problems import Forbidden, Invalid
from webapp.program import store as program_store
from webapp.settings import SUPPORTED_LOCALES
from webapp.sms import budget, store
from webapp.volunteers import store as volunteer_store

# Codes of the short links: 10 characters from 32 (50 bits), none that look alike.
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_LENGTH = 10
SAMPLE_CODE = "x" * CODE_LENGTH
# Placeholders that need an event.
EVENT_FIELDS = ("title", "date", "time", "place")
# The language of the organisation's country, for recipients without one we speak.
COUNTRY_LANGUAGE = {"SE": "sv", "DK": "da", "NO": "nb"}


@dataclass(frozen=True)
class EventChoice:
    """A public event of the organisation with a date to come, as a message refers to it."""

    id: int
    title: str
    starts_at: datetime  # its next date
    place: str
    tz: ZoneInfo
    occurrence_id: int  # the next date's
    # An SMS channel of the event's invitation plan: answers are counted for its link.
    channel_id: int | None = None
    audience: str = ""
    # "volunteers": the message recruits volunteers (its page leads to the sign-up page).
    purpose: str | None = None

    @property
    def key(self) -> str:
        """The composer's value for this choice."""
        if self.purpose == "volunteers":
            return f"{self.id}:volunteers"
        return f"{self.id}:{self.channel_id}" if self.channel_id else str(self.id)


@dataclass(frozen=True)
class Sent:
    send_id: int
    recipients: int
    left_out: int  # numbers that asked for no SMS
    segments: int


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def link_of(ctx: Context, code: str) -> str:
    return f"{ctx.settings.base_url}/m/{code}"


def ui_language(ctx: Context, contact: Any, organisation: Row) -> str:
    """The language of dates, of the link's line and of the page behind it: the recipient's
    when it is one of ours (Swedish, Danish, Norwegian, English), else the language of the
    organisation's country, which the message is written in. An Arabic month name inside a
    Swedish sentence would turn the reading direction around and triple the cost (UCS-2)."""
    if contact is not None and contact.language in SUPPORTED_LOCALES:
        return str(contact.language)
    country = (getattr(organisation, "country", None) or "").upper()
    return COUNTRY_LANGUAGE.get(country, ctx.settings.locale)


def _message(
    ctx: Context, template: str, contact: Any, organisation: Row, event: EventChoice | None,
    code: str,
) -> str:  # fmt: skip
    """The text ``contact`` gets: the template filled in, dates in their language."""
    link = link_of(ctx, code)
    values = {"name": contact.name, "link": link}
    if event is not None:
        day, at = when_text(event, ui_language(ctx, contact, organisation))
        values.update(title=event.title, date=day, time=at, place=event.place)
    try:
        body = render(template, values)
    except TemplateError as problem:
        raise Invalid({"template": "; ".join(problem.problems)}) from None
    if "link" not in fields(template):
        with use_locale(ui_language(ctx, contact, organisation)):
            body = body.rstrip() + "\n" + _("Info and stop: %(link)s", link=link)
    return body


def when_text(event: EventChoice, language: str) -> tuple[str, str]:
    try:
        return format_when(event.starts_at, language, event.tz)
    except (ValueError, LookupError):  # a language Babel does not know
        return format_when(event.starts_at, "en", event.tz)


def check_template(template: str, event: EventChoice | None) -> list[str]:
    """What keeps ``template`` from being sent, in words for the composer."""
    found = list(problems(template))
    if not found and event is None:
        needing = [name for name in fields(template) if name in EVENT_FIELDS]
        if needing:
            found.append(
                _("Choose an event to use %(fields)s.",
                  fields=", ".join("{" + name + "}" for name in needing))
            )  # fmt: skip
    return found


async def event_choices(ctx: Context, organisation: Row) -> list[EventChoice]:
    """The organisation's public events with a date to come (it hosts or co-authors them),
    soonest first: a message can only point to an event anyone may look at."""
    async with ctx.db.read() as conn:
        rows = await program_store.dates(
            conn,
            program_store.Window(start=clock.now()),
            program_store.Narrowing(organisation_id=organisation.id),
            limit=500,
        )
        events: dict[int, EventChoice] = {}
        for row in rows:
            if row.status == "scheduled" and row.event_id not in events:
                zone = row.library_timezone or organisation.timezone
                events[row.event_id] = EventChoice(
                    id=row.event_id, title=row.title, starts_at=row.starts_at,
                    place=row.location_name, tz=ZoneInfo(zone) if zone else ctx.settings.tz,
                    occurrence_id=row.id,
                )  # fmt: skip
        planned = await invitation_store.sms_channels_of(conn, list(events))
        recruiting = await volunteer_store.recruiting(conn, list(events), clock.now())
    choices: list[EventChoice] = []
    for event in events.values():
        choices.append(event)
        choices.extend(
            replace(event, channel_id=c.id, audience=c.audience_name)
            for c in planned
            if c.event_id == event.id
        )
        if event.id in recruiting:
            choices.append(replace(event, purpose="volunteers"))
    return choices


async def event_choice(
    ctx: Context, organisation: Row, event_id: int | None, channel_id: int | None = None,
    purpose: str | None = None,
) -> EventChoice | None:  # fmt: skip
    if event_id is None:
        return None
    found = {
        (choice.id, choice.channel_id, choice.purpose): choice
        for choice in await event_choices(ctx, organisation)
    }
    if (event_id, channel_id, purpose) not in found:
        raise Invalid({"event": _("Choose one of the organisation's coming public events.")})
    return found[(event_id, channel_id, purpose)]


async def send(
    ctx: Context,
    *,
    actor: Actor,
    organisation: Row,
    template: str,
    contact_ids: Sequence[int],
    send_after: datetime | None = None,
    event: EventChoice | None = None,
) -> Sent:
    """Queue the message for every contact in ``contact_ids`` (of this organisation) that may
    get SMS, if the month's budget allows all of it. ``{name}`` is each recipient's; the
    event's placeholders come from ``event``; ``{link}`` is each message's own link."""
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()
    found = check_template(template, event)
    if found:
        raise Invalid({"template": "; ".join(found)})
    now = clock.now()
    start = max(send_after or now, now)
    tz = budget.zone_of(ctx, organisation)
    price = Decimal(ctx.settings.sms_segment_price)
    async with ctx.db.transaction() as conn:
        limit = await budget.current(conn, ctx, organisation, lock=True)
        rows = await contact_store.contacts_by_id(conn, organisation.id, contact_ids)
        blocked = await contact_store.opted_out(conn, [phones.digest(r.phone) for r in rows])
        allowed = [
            r for r in rows if r.opted_out_at is None and phones.digest(r.phone) not in blocked
        ]
        if not allowed:
            raise Invalid({"contacts": _("None of the chosen contacts may get SMS.")})
        codes = [new_code() for _ in allowed]
        messages = [
            _message(ctx, template, row, organisation, event, code)
            for row, code in zip(allowed, codes, strict=True)
        ]
        segments = [encoding.measure(body).segments for body in messages]
        costs = [encoding.cost(n, price) for n in segments]
        total_cost = sum(costs, Decimal(0))
        if not limit.allows(sum(segments), total_cost):
            raise Invalid({"template": limit.refusal(sum(segments), total_cost)})
        due = quiet_hours.earliest_delivery(start, tz, ctx.settings.sms_quiet_hours)
        send_id = await store.add_send(
            conn,
            organisation_id=organisation.id,
            created_by=actor.user_id,
            template=template,
            recipients=len(allowed),
            event_id=event.id if event else None,
            channel_id=event.channel_id if event else None,
            purpose=event.purpose if event else None,
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
                    "segments": count,
                    "cost": cost,
                    "code": code,
                    "status": "queued",
                    "attempts": 0,
                    "next_attempt_at": due,
                    "created_at": now,
                    "updated_at": now,
                }
                for row, body, count, cost, code in zip(
                    allowed, messages, segments, costs, codes, strict=True
                )
            ],
        )
        await contact_store.mark_used(conn, [row.id for row in allowed], now)
        await audit.record(
            conn, action="sms.send", actor_id=actor.user_id, organisation_id=organisation.id,
            target=f"send:{send_id}", recipients=len(allowed),
        )  # fmt: skip
    return Sent(
        send_id=send_id,
        recipients=len(allowed),
        left_out=len(rows) - len(allowed),
        segments=sum(segments),
    )


# The composer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What a send would be, before it is made."""

    recipients: list[Row]  # the contacts who may get SMS
    left_out: int  # contacts with the tag who asked for no SMS
    sample: str  # the message as the first recipient gets it
    measure: encoding.Measure
    cost_each: Decimal
    segments_total: int
    cost_total: Decimal
    suggestion: str | None  # the same text in GSM-7, when only punctuation forced UCS-2
    problems: list[str]
    limit: budget.Budget  # this month's budget and its use

    @property
    def over_budget(self) -> bool:
        return bool(self.recipients) and not self.limit.allows(self.segments_total, self.cost_total)


async def preview(
    ctx: Context, *, actor: Actor, organisation: Row, template: str, tag: str | None,
    event: EventChoice | None = None,
) -> Preview:  # fmt: skip
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()
    async with ctx.db.read() as conn:
        chosen = await contact_store.contacts_with_tag(conn, organisation.id, tag)
        blocked = await contact_store.opted_out(conn, [phones.digest(r.phone) for r in chosen])
        limit = await budget.current(conn, ctx, organisation)
    recipients = [
        r for r in chosen if r.opted_out_at is None and phones.digest(r.phone) not in blocked
    ]
    found = check_template(template, event) if template.strip() else []
    price = Decimal(ctx.settings.sms_segment_price)
    if found or not template.strip():
        sample, segments_total = template, 0
    else:
        # Every recipient's own text (names and date formats differ), with a link as long
        # as the real one.
        bodies = [_message(ctx, template, r, organisation, event, SAMPLE_CODE) for r in recipients]
        sample = bodies[0] if bodies else _message(
            ctx, template, _Someone(_("Anna Andersson")), organisation, event, SAMPLE_CODE
        )  # fmt: skip
        segments_total = sum(encoding.measure(body).segments for body in bodies)
    measured = encoding.measure(sample)
    return Preview(
        recipients=recipients,
        left_out=len(chosen) - len(recipients),
        sample=sample,
        measure=measured,
        cost_each=encoding.cost(measured.segments, price),
        segments_total=segments_total,
        cost_total=encoding.cost(segments_total, price),
        suggestion=encoding.suggest_gsm(template) if template else None,
        problems=found,
        limit=limit,
    )


@dataclass(frozen=True)
class _Someone:
    """A made-up recipient for the preview of a tag without contacts."""

    name: str
    language: str | None = None


# Notices to one person ---------------------------------------------------------------------


async def notice(
    conn: AsyncConnection, ctx: Context, *, organisation_id: int, phone: str, body: str,
    tz: ZoneInfo, now: datetime,
) -> datetime | None:  # fmt: skip
    """Queue one message about something the person asked for (their RSVP), in the caller's
    transaction: no contact book and no consent record needed, but a number that asked for no
    SMS gets none, and quiet hours hold it until the morning. When it will be delivered at
    the earliest, or None when it will not be sent."""
    digest = phones.digest(phone)
    if await contact_store.opted_out(conn, [digest]):
        return None
    due = quiet_hours.earliest_delivery(now, tz, ctx.settings.sms_quiet_hours)
    segments = encoding.measure(body).segments
    send_id = await store.add_send(
        conn, organisation_id=organisation_id, created_by=None, template=body, recipients=1,
        event_id=None, send_after=None, created_at=now,
    )  # fmt: skip
    await store.add_messages(
        conn,
        [{"send_id": send_id, "organisation_id": organisation_id, "contact_id": None,
          "phone": phone, "phone_hash": digest, "body": body, "segments": segments,
          "cost": encoding.cost(segments, Decimal(ctx.settings.sms_segment_price)),
          "code": None, "status": "queued", "attempts": 0, "next_attempt_at": due,
          "created_at": now, "updated_at": now}],
    )  # fmt: skip
    return due


async def send_to_people(
    conn: AsyncConnection, ctx: Context, *, actor: Actor, organisation: Row,
    bodies: Sequence[tuple[str, str]], event_id: int | None, purpose: str, now: datetime,
) -> Sent:  # fmt: skip
    """Queue organiser-written texts, ``(phone, body)`` each, to people who gave their number
    for the matter (the volunteers on a shift), in the caller's transaction: like a send to
    contacts it is within the month's budget (refused as a whole), in the SMS log, never to a
    number that asked for no SMS, and held during quiet hours."""
    tz = budget.zone_of(ctx, organisation)
    price = Decimal(ctx.settings.sms_segment_price)
    limit = await budget.current(conn, ctx, organisation, lock=True)
    blocked = await contact_store.opted_out(conn, [phones.digest(p) for p, _body in bodies])
    allowed = [(p, body) for p, body in bodies if phones.digest(p) not in blocked]
    if not allowed:
        raise Invalid({"body": _("None of them may get SMS.")})
    segments = [encoding.measure(body).segments for _p, body in allowed]
    costs = [encoding.cost(n, price) for n in segments]
    if not limit.allows(sum(segments), sum(costs, Decimal(0))):
        raise Invalid({"body": limit.refusal(sum(segments), sum(costs, Decimal(0)))})
    due = quiet_hours.earliest_delivery(now, tz, ctx.settings.sms_quiet_hours)
    send_id = await store.add_send(
        conn, organisation_id=organisation.id, created_by=actor.user_id,
        template=allowed[0][1], recipients=len(allowed), event_id=event_id, purpose=purpose,
        send_after=None, created_at=now,
    )  # fmt: skip
    await store.add_messages(
        conn,
        [{"send_id": send_id, "organisation_id": organisation.id, "contact_id": None,
          "phone": phone, "phone_hash": phones.digest(phone), "body": body, "segments": count,
          "cost": cost, "code": None, "status": "queued", "attempts": 0,
          "next_attempt_at": due, "created_at": now, "updated_at": now}
         for (phone, body), count, cost in zip(allowed, segments, costs, strict=True)],
    )  # fmt: skip
    await audit.record(
        conn, action="sms.send", actor_id=actor.user_id, organisation_id=organisation.id,
        target=f"send:{send_id}", recipients=len(allowed), purpose=purpose,
    )  # fmt: skip
    return Sent(
        send_id=send_id, recipients=len(allowed), left_out=len(bodies) - len(allowed),
        segments=sum(segments),
    )  # fmt: skip
