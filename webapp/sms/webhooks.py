"""What Twilio tells us: delivery reports for our messages, and replies to them.
A YES or NO (JA/NEJ, JA/NEI) answers the newest invitation to an event the number got: the
RSVP is registered or declined and confirmed by SMS.

Both come as signed form POSTs (validated in the routes, with :class:`RefusalLimit` against
floods). A delivery report moves the message forward (never back: reports can arrive out of
order) and is kept in its history. A reply that is a keyword acts on the opt-out registry
(STOP, START) or gets the sender's contact (HELP); any other reply is kept for the
organisation that messaged the number last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from invites.sms.keywords import keyword
from webapp import clock
from webapp.contacts import phones
from webapp.contacts import store as contact_store
from webapp.context import Context
from webapp.i18n import _, use_locale
from webapp.orgs import store as org_store
from webapp.problems import Invalid, NotFound
from webapp.sms import about, service, store

# Twilio's MessageStatus → ours.
STATUSES = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent",
    "sent": "sent", "delivered": "delivered", "read": "delivered",
    "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
}  # fmt: skip

# How long a report for an id not recorded yet waits for it (seconds, in turn): at most 1.5 s,
# far below Twilio's 15 s webhook timeout.
UNKNOWN_ID_PAUSES = (0.1, 0.4, 1.0)


class RefusalLimit:
    """Webhook requests refused (bad or missing signature, too large, not a form) per client
    address, in this process's memory: an address refused ``limit`` times in a window of
    ``window`` seconds is answered 429 before its requests are read, until the window ends.

    Never limited: an address that sent a correctly signed webhook in the last ``trusted``
    seconds (Twilio's, or a proxy's that Twilio's requests come through); and the routes
    still check a signed request of a webhook's size from a limited address. So a flood
    cannot make Twilio's reports be refused. The count costs no database work, and kept per
    process it needs none: it only saves reading and checking what would be refused anyway
    (each process lets an address through ``limit`` times per window)."""

    def __init__(
        self, *, limit: int = 20, window: int = 60, trusted: int = 3600, addresses: int = 10_000
    ) -> None:
        self.limit, self.window, self.trusted, self.addresses = limit, window, trusted, addresses
        self._started = 0
        self._refused: dict[str, int] = {}
        self._signed: dict[str, int] = {}  # address → when it last sent a signed webhook

    def _now(self) -> int:
        now = clock.epoch_seconds()
        if now - self._started >= self.window:
            self._started, self._refused = now - now % self.window, {}
        return now

    def wait(self, address: str) -> int | None:
        """Seconds until ``address`` may be heard again; None when it may now."""
        now = self._now()
        if self._refused.get(address, 0) < self.limit:
            return None
        if now - self._signed.get(address, -self.trusted) < self.trusted:
            return None
        return max(1, self._started + self.window - now)

    def refused(self, address: str) -> None:
        self._now()
        if len(self._refused) >= self.addresses and address not in self._refused:
            return  # a flood from very many addresses: stop counting rather than grow
        self._refused[address] = self._refused.get(address, 0) + 1

    def signed(self, address: str) -> None:
        if len(self._signed) >= self.addresses:
            now = clock.epoch_seconds()
            self._signed = {a: t for a, t in self._signed.items() if now - t < self.trusted}
        if len(self._signed) < self.addresses or address in self._signed:
            self._signed[address] = clock.epoch_seconds()


def refusal_limit(state: object) -> RefusalLimit:
    """The app's RefusalLimit (``app.state``), made on first use."""
    limit = getattr(state, "webhook_refusals", None)
    if limit is None:
        limit = RefusalLimit()
        setattr(state, "webhook_refusals", limit)  # noqa: B010 - Starlette's State
    return limit


async def delivery_report(ctx: Context, params: Mapping[str, str]) -> None:
    status = STATUSES.get(params.get("MessageStatus", "").lower())
    provider_id = params.get("MessageSid", "")
    if status is None or not provider_id:
        return
    code_text = params.get("ErrorCode", "")
    code = int(code_text) if code_text.isdigit() else None
    # Twilio can report on a message before the dispatcher has recorded Twilio's id for it
    # (its answer and the report race): wait a moment for the id rather than drop the report.
    for pause in (0.0, *UNKNOWN_ID_PAUSES):
        await asyncio.sleep(pause)
        async with ctx.db.read() as conn:
            if await store.message_by_provider_id(conn, provider_id) is not None:
                break
    async with ctx.db.transaction() as conn:
        message = await store.message_by_provider_id(conn, provider_id)
        if message is None or store.RANK[status] < store.RANK.get(message.status, 0):
            return
        if status == message.status and code is None:
            return
        await store.set_status(
            conn, message.id, status, clock.now(), code=code,
            detail=params.get("ErrorMessage", "") or (f"Twilio error {code}" if code else ""),
        )  # fmt: skip


async def reply(ctx: Context, params: Mapping[str, str]) -> str | None:
    """Handle a reply; the text to answer with (HELP), or None."""
    provider_id = params.get("MessageSid", "")
    body = params.get("Body", "")
    try:
        phone = phones.parse(params.get("From", ""), "SE")
    except phones.BadNumber:
        return None
    digest = phones.digest(phone)
    now = clock.now()
    word = keyword(body)
    async with ctx.db.transaction() as conn:
        if not provider_id or await store.reply_known(conn, provider_id):
            return None  # Twilio retried a webhook we already handled
        organisation_id = await store.last_sender(conn, digest)
        if word == "stop":
            await contact_store.add_opt_out(conn, digest, now, "sms")
            await contact_store.mark_opted_out(conn, phone, now)
        elif word == "start":
            await contact_store.remove_opt_out(conn, digest, phone)
        await store.add_reply(
            conn,
            organisation_id=organisation_id,
            phone=phone,
            phone_hash=digest,
            body=body[:1600],
            keyword=word,
            provider_id=provider_id,
            received_at=now,
        )
        invitation = await store.latest_invitation(conn, digest) if word in ("yes", "no") else None
        sender = (
            await org_store.org_by_id(conn, organisation_id)
            if word == "help" and organisation_id
            else None
        )
    if word in ("yes", "no"):
        # Answered after the reply is stored: the RSVP has its own transaction.
        return await _rsvp_answer(ctx, invitation, coming=word == "yes") if invitation else None
    if word != "help":
        return None
    if sender is None:
        return "Samspel: " + ctx.settings.base_url
    contact = sender.email or f"{ctx.settings.base_url}/orgs/{sender.slug}/program"
    return f"{sender.name}: {contact}. STOP = no more SMS."


async def _rsvp_answer(ctx: Context, code: str, *, coming: bool) -> str | None:
    """A YES or NO to the newest invitation: the RSVP registered or declined, and the answer
    to send back, in the person's language."""
    try:
        answered = await about.answer(ctx, code, coming=coming)
    except (NotFound, Invalid):
        return None  # the event is gone or full of problems: the reply stays for staff
    found = answered.about
    person = found.contact.row if found.contact else None
    language = service.ui_language(ctx, person, found.organisation)
    with use_locale(language):
        if not coming:
            return _("Thank you for letting us know.")
        assert found.event is not None
        day, at = service.when_text(found.event, language)
        if answered.status == "waitlist":
            return _(
                "Thank you! %(title)s is full, so you are on the waitlist. We will send an "
                "SMS if a place frees up: %(link)s",
                title=found.event.title, link=answered.link,
            )  # fmt: skip
        return _(
            "Thank you! You are signed up for %(title)s on %(date)s at %(time)s. Change or "
            "cancel: %(link)s",
            title=found.event.title, date=day, time=at, link=answered.link,
        )  # fmt: skip
