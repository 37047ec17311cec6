"""The page behind every message's short link (``/m/{code}``): the recipient sees who sent it
and why they are in that organisation's contact book (the consent recorded), the event it is
about, and can stop all SMS, see everything kept about them, or delete it.

The code in the link is the credential: 50 random bits, one per message, never shown
elsewhere. Anyone holding the message may act on it, as with a STOP reply. After deletion the
link still answers, saying that nothing is kept any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row

from webapp.contacts import phones
from webapp.contacts import service as contacts
from webapp.contacts import store as contact_store
from webapp.context import Context
from webapp.invitations import store as invitation_store
from webapp.orgs import store as org_store
from webapp.problems import NotFound
from webapp.rsvp import service as rsvp
from webapp.rsvp import store as rsvp_store
from webapp.sms import service, store
from webapp.volunteers import store as volunteer_store


@dataclass(frozen=True)
class About:
    message: Row
    organisation: Row
    contact: contacts.Contact | None  # None once the person deleted their data
    event: service.EventChoice | None  # the event the message is about, if still to come
    event_id: int | None
    stopped: bool  # the number gets no SMS from anyone
    rsvp: Row | None = None  # the person's answer to the invitation, if any
    channel_id: int | None = None  # the invitation plan's SMS channel the send belongs to
    # A message recruiting volunteers: the event's sign-up page (its code), while it is open.
    volunteer_code: str | None = None

    @property
    def masked_phone(self) -> str:
        return phones.masked(self.message.phone) if self.message.phone else ""


async def about(ctx: Context, code: str) -> About:
    if not code.isalnum() or len(code) > 16:
        raise NotFound()
    async with ctx.db.read() as conn:
        message = await store.message_by_code(conn, code.lower())
        if message is None:
            raise NotFound()
        organisation = await org_store.org_by_id(conn, message.organisation_id)
        send = await store.send_of(conn, message.organisation_id, message.send_id)
        stopped = bool(await contact_store.opted_out(conn, [message.phone_hash]))
    if organisation is None or send is None:
        raise NotFound()
    person = (
        await contacts.person(ctx, organisation, message.contact_id)
        if message.contact_id is not None
        else None
    )
    event = None
    if send.event_id is not None:
        event = next(
            (c for c in await service.event_choices(ctx, organisation) if c.id == send.event_id),
            None,
        )
    async with ctx.db.read() as conn:
        answer = await rsvp_store.by_request_key(conn, rsvp_key(message.code))
        board = (
            await volunteer_store.board_of(conn, send.event_id)
            if send.purpose == "volunteers" and send.event_id is not None
            else None
        )
    return About(
        message=message, organisation=organisation, contact=person, event=event,
        event_id=send.event_id, stopped=stopped, rsvp=answer, channel_id=send.channel_id,
        volunteer_code=board.code if board is not None and board.access != "closed" else None,
    )  # fmt: skip


def rsvp_key(code: str) -> str:
    """The RSVP made from a message (its link or a YES reply) has this one-time key: one
    RSVP per invitation, however often the person answers."""
    return f"sms:{code}"


@dataclass(frozen=True)
class Answered:
    about: About
    link: str | None  # the personal RSVP link when coming
    status: str | None  # going or waitlist when coming


async def answer(ctx: Context, code: str, *, coming: bool, party_size: int = 1) -> Answered:
    """The person answers the invitation in the message: coming (an RSVP for the event's
    next date, recorded as brought by the event's SMS channel) or not (an RSVP made before
    is cancelled)."""
    found = await about(ctx, code)
    if found.event is None:
        raise NotFound()
    if not coming:
        if found.rsvp is not None and found.rsvp.status != "cancelled":
            await rsvp.cancel(ctx, rsvp.token_for(ctx, rsvp_key(found.message.code)))
        return Answered(about=found, link=None, status=None)
    async with ctx.db.read() as conn:
        # Counted for the channel the send was made for; else the event's SMS channel that
        # the sender is responsible for (or its first).
        via = (
            await invitation_store.link_code_of_channel(conn, found.channel_id)
            if found.channel_id
            else None
        ) or await invitation_store.channel_link_code(
            conn, found.event.id, "sms", found.organisation.id
        )
    name = found.contact.row.name if found.contact is not None else "-"
    booked = await rsvp.book(
        ctx, event_id=found.event.id, occurrence_id=found.event.occurrence_id, name=name,
        phone=found.message.phone, party_size=party_size,
        language=found.contact.row.language or "sv" if found.contact else "sv",
        request_key=rsvp_key(found.message.code), via=via,
    )  # fmt: skip
    return Answered(
        about=found, link=f"{ctx.settings.base_url}/r/{booked.token}", status=booked.status
    )


async def stop(ctx: Context, code: str) -> About:
    found = await about(ctx, code)
    await contacts.stop_for_person(ctx, found.message.phone_hash, found.message.phone)
    return found


async def restart(ctx: Context, code: str) -> About:
    found = await about(ctx, code)
    await contacts.restart_for_person(ctx, found.message.phone_hash, found.message.phone)
    return found


async def export(ctx: Context, code: str) -> dict[str, Any]:
    found = await about(ctx, code)
    if found.contact is None:
        raise NotFound()
    return await contacts.export_for_person(ctx, found.organisation, found.contact.id)


async def delete(ctx: Context, code: str, *, stop: bool) -> None:
    found = await about(ctx, code)
    if found.contact is not None:
        await contacts.delete_for_person(ctx, found.organisation, found.contact.id, stop=stop)
    elif stop:
        await contacts.stop_for_person(ctx, found.message.phone_hash, found.message.phone)
