"""What Twilio tells us: delivery reports for our messages, and replies to them.

Both come as signed form POSTs (validated in the routes). A delivery report moves the
message forward (never back: reports can arrive out of order) and is kept in its history. A
reply that is a keyword acts on the opt-out registry (STOP, START) or gets the sender's
contact (HELP); any other reply is kept for the organisation that messaged the number last.
"""

from __future__ import annotations

from collections.abc import Mapping

from invites.sms.keywords import keyword
from webapp import clock
from webapp.contacts import phones
from webapp.contacts import store as contact_store
from webapp.context import Context
from webapp.orgs import store as org_store
from webapp.sms import store

# Twilio's MessageStatus → ours.
STATUSES = {
    "accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent",
    "sent": "sent", "delivered": "delivered", "read": "delivered",
    "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
}  # fmt: skip


async def delivery_report(ctx: Context, params: Mapping[str, str]) -> None:
    status = STATUSES.get(params.get("MessageStatus", "").lower())
    provider_id = params.get("MessageSid", "")
    if status is None or not provider_id:
        return
    code_text = params.get("ErrorCode", "")
    code = int(code_text) if code_text.isdigit() else None
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
        if word != "help":
            return None
        sender = await org_store.org_by_id(conn, organisation_id) if organisation_id else None
    if sender is None:
        return "Samspel: " + ctx.settings.base_url
    contact = sender.email or f"{ctx.settings.base_url}/orgs/{sender.slug}/program"
    return f"{sender.name}: {contact}. STOP = no more SMS."
