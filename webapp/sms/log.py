"""What the sending organisation sees of its SMS: every send, every message of a send
(recipient masked, status, segments, cost, errors in plain words), each message's history,
and the replies kept for it. Everyone who may send may look (``contacts.manage``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Row

from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _
from webapp.problems import Forbidden, NotFound
from webapp.sms import store

PAGE_SIZE = 50
STATUSES = ("queued", "sending", "sent", "delivered", "undelivered", "failed", "cancelled")


def status_label(status: str) -> str:
    return {
        "queued": _("Waiting to be sent"),
        "sending": _("Being sent"),
        "sent": _("Sent"),
        "delivered": _("Delivered"),
        "undelivered": _("Not delivered"),
        "failed": _("Failed"),
        "cancelled": _("Not sent (cancelled)"),
        "retry": _("Will be tried again"),
    }.get(status, status)


def in_words(code: int | None, detail: str) -> str:
    """An error in words staff understand: Twilio's delivery error codes explained (what the
    provider said is kept as ``detail`` and shown when we have no words of our own)."""
    known = {
        21211: _("The number is not a valid phone number."),
        21408: _("The SMS account may not send to this country."),
        21610: _("The recipient has asked for no SMS (replied STOP)."),
        21612: _("Our sender cannot send SMS to this number."),
        21614: _("The number is not a mobile number."),
        30001: _("The provider had too many messages queued; it was not sent in time."),
        30002: _("The SMS account is suspended."),
        30003: _("The phone was unreachable (switched off or out of coverage for too long)."),
        30004: _("The message was blocked: the recipient or their operator does not accept it."),
        30005: _("The number does not exist or is no longer in use."),
        30006: _("The number is a landline or its operator cannot receive SMS."),
        30007: _("The operator filtered the message as unwanted."),
        30008: _("The operator did not say why the message was not delivered."),
        30009: _("A part of a long message went missing on the way."),
        30010: _("The message would cost more than the account allows."),
    }
    words = known.get(code or 0)
    if words:
        return words
    return detail or (_("Error %(code)s from the provider.", code=code) if code else "")


@dataclass(frozen=True)
class SendLine:
    send: Row
    statuses: dict[str, int]

    @property
    def delivered(self) -> int:
        return self.statuses.get("delivered", 0)

    @property
    def problems(self) -> int:
        return sum(self.statuses.get(s, 0) for s in ("undelivered", "failed"))

    @property
    def waiting(self) -> int:
        return sum(self.statuses.get(s, 0) for s in ("queued", "sending"))


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    has_next: bool


def _require(actor: Actor, organisation: Row) -> None:
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()


async def sends(ctx: Context, *, actor: Actor, organisation: Row, page: int) -> Page[SendLine]:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        rows = await store.sends_of(
            conn, organisation.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        counts = await store.statuses_of_sends(conn, [r.id for r in rows[:PAGE_SIZE]])
    lines = [SendLine(send=r, statuses=counts.get(r.id, {})) for r in rows[:PAGE_SIZE]]
    return Page(items=lines, page=page, has_next=len(rows) > PAGE_SIZE)


@dataclass(frozen=True)
class SendDetail:
    line: SendLine
    messages: Page[Row]


async def send(
    ctx: Context, *, actor: Actor, organisation: Row, send_id: int, status: str | None, page: int
) -> SendDetail:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        row = await store.send_of(conn, organisation.id, send_id)
        if row is None:
            raise NotFound()
        counts = await store.statuses_of_sends(conn, [send_id])
        messages = await store.messages_page(
            conn, send_id, status=status, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
    return SendDetail(
        line=SendLine(send=row, statuses=counts.get(send_id, {})),
        messages=Page(items=messages[:PAGE_SIZE], page=page, has_next=len(messages) > PAGE_SIZE),
    )


@dataclass(frozen=True)
class Message:
    row: Row
    history: list[Row]


async def message(ctx: Context, *, actor: Actor, organisation: Row, message_id: int) -> Message:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        row = await store.message_of(conn, organisation.id, message_id)
        if row is None:
            raise NotFound()
        return Message(row=row, history=await store.history(conn, message_id))


async def replies(ctx: Context, *, actor: Actor, organisation: Row, page: int) -> Page[Row]:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        rows = await store.replies_of(
            conn, organisation.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
    return Page(items=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)
