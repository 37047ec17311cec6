"""The contact book's rules: who may see and change it, consent on every contact, the
opt-out registry honoured everywhere, CSV imports confirmed before anything is written, and
the duties towards the people in it (export, deletion, retention)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.contacts import csvimport, phones, store
from webapp.context import Context
from webapp.db import Database
from webapp.i18n import _
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.sms import store as sms_store
from webapp.web.forms import without_control

PAGE_SIZE = 50
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# A staged import not confirmed within this time is removed by the worker.
IMPORT_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Contact:
    row: Row
    tags: list[str]
    opted_out: bool  # by the person's own request, here or to any organisation

    @property
    def id(self) -> int:
        return self.row.id


@dataclass(frozen=True)
class Book:
    contacts: list[Contact]
    tags: list[Row]
    total: int
    page: int
    has_next: bool


def _require(actor: Actor, organisation: Row) -> None:
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()


def region_of(organisation: Row) -> str:
    """Numbers written without a country code are read in the organisation's country."""
    return (getattr(organisation, "country", None) or "SE").upper()


async def book(
    ctx: Context, *, actor: Actor, organisation: Row, text: str = "", tag: str | None = None,
    page: int = 1,
) -> Book:  # fmt: skip
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        rows = await store.contact_page(
            conn, organisation.id, text=text, tag=tag, limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )  # fmt: skip
        total = await store.count(conn, organisation.id, text=text, tag=tag)
        shown = rows[:PAGE_SIZE]
        tags = await store.tags_of(conn, [r.id for r in shown])
        blocked = await store.opted_out(conn, [phones.digest(r.phone) for r in shown])
        in_use = await store.tags_in_use(conn, organisation.id)
    return Book(
        contacts=[
            Contact(
                r, tags.get(r.id, []), bool(r.opted_out_at) or phones.digest(r.phone) in blocked
            )
            for r in shown
        ],
        tags=in_use,
        total=total,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )


async def contact(ctx: Context, *, actor: Actor, organisation: Row, contact_id: int) -> Contact:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        return await _contact(conn, organisation, contact_id)


async def _contact(conn: Any, organisation: Row, contact_id: int) -> Contact:
    row = await store.contact(conn, organisation.id, contact_id)
    if row is None:
        raise NotFound()
    tags = (await store.tags_of(conn, [row.id])).get(row.id, [])
    blocked = await store.opted_out(conn, [phones.digest(row.phone)])
    return Contact(row, tags, bool(row.opted_out_at) or bool(blocked))


async def create(
    ctx: Context, *, actor: Actor, organisation: Row, values: Mapping[str, Any]
) -> int:
    """A new contact with its consent (recorded as given by ``actor``)."""
    _require(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        if await store.phone_taken(conn, organisation.id, values["phone"]):
            raise Invalid({"phone": _("This number is already in the contact book.")})
        blocked = await store.opted_out(conn, [phones.digest(values["phone"])])
        contact_id = await store.add_contact(
            conn,
            organisation_id=organisation.id,
            name=values["name"],
            phone=values["phone"],
            language=values.get("language"),
            consent_source=values["consent_source"],
            consent_on=values["consent_on"],
            consent_note=values.get("consent_note", ""),
            consent_by=actor.user_id,
            opted_out_at=now if blocked else None,
            created_at=now,
            updated_at=now,
        )
        await store.set_tags(conn, contact_id, values.get("tags", ()))
        await audit.record(
            conn, action="contact.create", actor_id=actor.user_id,
            organisation_id=organisation.id, target=f"contact:{contact_id}",
        )  # fmt: skip
    return contact_id


async def update(
    ctx: Context, *, actor: Actor, organisation: Row, contact_id: int, values: Mapping[str, Any]
) -> None:
    _require(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        found = await _contact(conn, organisation, contact_id)
        if await store.phone_taken(conn, organisation.id, values["phone"], except_id=contact_id):
            raise Invalid({"phone": _("This number is already in the contact book.")})
        changes: dict[str, Any] = {
            "name": values["name"],
            "phone": values["phone"],
            "language": values.get("language"),
            "updated_at": now,
        }
        consent = ("consent_source", "consent_on", "consent_note")
        if any(values.get(k) != getattr(found.row, k) for k in consent):
            changes.update({k: values.get(k, "") for k in consent}, consent_by=actor.user_id)
        if values["phone"] != found.row.phone:
            blocked = await store.opted_out(conn, [phones.digest(values["phone"])])
            changes["opted_out_at"] = now if blocked else None
        await store.update_contact(conn, contact_id, **changes)
        await store.set_tags(conn, contact_id, values.get("tags", ()))
        await audit.record(
            conn, action="contact.update", actor_id=actor.user_id,
            organisation_id=organisation.id, target=f"contact:{contact_id}",
        )  # fmt: skip


async def delete(ctx: Context, *, actor: Actor, organisation: Row, contact_id: int) -> None:
    """Remove the contact and everything about it (its tags go with it)."""
    _require(actor, organisation)
    async with ctx.db.transaction() as conn:
        await _contact(conn, organisation, contact_id)
        await erase(conn, [contact_id])
        await audit.record(
            conn, action="contact.delete", actor_id=actor.user_id,
            organisation_id=organisation.id, target=f"contact:{contact_id}",
        )  # fmt: skip


async def erase(conn: Any, contact_ids: list[int]) -> None:
    """Delete the contacts; messages sent to them keep only the hash of the number, not the
    text, and those not sent yet are cancelled."""
    await sms_store.forget_numbers(conn, contact_ids)
    await store.delete_contacts(conn, contact_ids)


async def opt_out(ctx: Context, *, actor: Actor, organisation: Row, contact_id: int) -> None:
    """The person asked (to staff) to get no more SMS: from this organisation or any other."""
    _require(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        found = await _contact(conn, organisation, contact_id)
        await store.add_opt_out(conn, phones.digest(found.row.phone), now, "staff")
        await store.mark_opted_out(conn, found.row.phone, now)
        await audit.record(
            conn, action="contact.opt_out", actor_id=actor.user_id,
            organisation_id=organisation.id, target=f"contact:{contact_id}",
        )  # fmt: skip


async def export(
    ctx: Context, *, actor: Actor, organisation: Row, contact_id: int
) -> dict[str, Any]:
    """Everything kept about the contact, for the person who asks (GDPR article 15)."""
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        return await _export(conn, organisation, await _contact(conn, organisation, contact_id))


async def _export(conn: Any, organisation: Row, found: Contact) -> dict[str, Any]:
    messages = await sms_store.messages_of_contact(conn, found.id)
    row = found.row
    return {
        "organisation": {"name": organisation.name, "slug": organisation.slug},
        "contact": {
            "name": row.name,
            "phone": row.phone,
            "language": row.language,
            "tags": found.tags,
            "consent": {
                "source": row.consent_source,
                "date": row.consent_on.isoformat(),
                "note": row.consent_note,
            },
            "opted_out": found.opted_out,
            "opted_out_at": row.opted_out_at.isoformat() if row.opted_out_at else None,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        },
        "messages": [
            {
                "text": m.body,
                "status": m.status,
                "queued_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "error": m.error_message or None,
            }
            for m in messages
        ],
        "exported_at": clock.now().isoformat(),
    }


# The person's own requests, through the link in a message they got --------------------------
# The message's code is their credential (webapp/sms/about.py checks it); no account needed.


async def person(ctx: Context, organisation: Row, contact_id: int) -> Contact | None:
    async with ctx.db.read() as conn:
        try:
            return await _contact(conn, organisation, contact_id)
        except NotFound:
            return None


async def export_for_person(ctx: Context, organisation: Row, contact_id: int) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        return await _export(conn, organisation, await _contact(conn, organisation, contact_id))


async def delete_for_person(
    ctx: Context, organisation: Row, contact_id: int, *, stop: bool
) -> None:
    """The person deleted their data; ``stop``: they also want no SMS from anyone."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        found = await _contact(conn, organisation, contact_id)
        if stop:
            await store.add_opt_out(conn, phones.digest(found.row.phone), now, "sms")
        await erase(conn, [contact_id])
        await audit.record(
            conn, action="contact.delete_by_person", actor_id=None,
            organisation_id=organisation.id, target=f"contact:{contact_id}",
        )  # fmt: skip


async def stop_for_person(ctx: Context, phone_hash: str, phone: str | None) -> None:
    """No more SMS to the number, from any organisation (as a STOP reply). ``phone`` is None
    when only the hash is left (the person deleted their data)."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        await store.add_opt_out(conn, phone_hash, now, "sms")
        if phone:
            await store.mark_opted_out(conn, phone, now)


async def restart_for_person(ctx: Context, phone_hash: str, phone: str | None) -> None:
    """The person wants SMS again (as a START reply)."""
    async with ctx.db.transaction() as conn:
        await store.remove_opt_out(conn, phone_hash, phone)


# Importing a CSV file ------------------------------------------------------------------------


async def stage_import(
    ctx: Context, *, actor: Actor, organisation: Row, filename: str, data: bytes
) -> int:
    """Keep the uploaded file until its preview is confirmed (nothing else is written)."""
    _require(actor, organisation)
    if not data.strip():
        raise Invalid({"file": _("Choose a CSV file with your contacts.")})
    if len(data) > MAX_IMPORT_BYTES:
        raise Invalid({"file": too_large_message()})
    async with ctx.db.transaction() as conn:
        return await store.add_import(
            conn,
            organisation_id=organisation.id,
            user_id=actor.user_id,
            filename=without_control(filename)[:200],
            content=csvimport.decode(data),
            created_at=clock.now(),
        )


def too_large_message() -> str:
    return _("The file is larger than 5 MB. Split it into smaller files.")


async def preview(
    ctx: Context, *, actor: Actor, organisation: Row, import_id: int
) -> tuple[Row, csvimport.Preview]:
    _require(actor, organisation)
    async with ctx.db.read() as conn:
        staged = await store.staged_import(conn, organisation.id, import_id, actor.user_id)  # type: ignore[arg-type]
        if staged is None:
            raise NotFound()
        return staged, await _read(conn, organisation, staged.content)


async def _read(conn: Any, organisation: Row, content: str) -> csvimport.Preview:
    region = region_of(organisation)
    first = csvimport.read(
        content, region=region, existing=(), opted_out=(), today=clock.now().date()
    )
    numbers = [row.phone for row in first.rows if row.phone.startswith("+")]
    return csvimport.read(
        content,
        region=region,
        existing=await store.phones_of(conn, organisation.id),
        opted_out=await store.opted_out(conn, [phones.digest(n) for n in numbers]),
        today=clock.now().date(),
    )


async def confirm_import(ctx: Context, *, actor: Actor, organisation: Row, import_id: int) -> int:
    """Write every new row of the staged file in one transaction; the number written."""
    _require(actor, organisation)
    now = clock.now()
    async with ctx.db.transaction() as conn:
        staged = await store.staged_import(conn, organisation.id, import_id, actor.user_id)  # type: ignore[arg-type]
        if staged is None:
            raise NotFound()
        rows = (await _read(conn, organisation, staged.content)).importable
        ids = await store.add_contacts(
            conn,
            [
                {
                    "organisation_id": organisation.id,
                    "name": row.name,
                    "phone": row.phone,
                    "language": row.language,
                    "consent_source": row.consent_source,
                    "consent_on": row.consent_on,
                    "consent_note": row.consent_note,
                    "consent_by": actor.user_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for row in rows
            ],
        )
        await store.add_tags(
            conn,
            [{"contact_id": ids[row.phone], "tag": tag} for row in rows for tag in row.tags],
        )
        await store.delete_import(conn, import_id)
        await audit.record(
            conn, action="contact.import", actor_id=actor.user_id,
            organisation_id=organisation.id, target=staged.filename, count=len(rows),
        )  # fmt: skip
    return len(rows)


# The worker's part ---------------------------------------------------------------------------


async def clean_up(db: Database, *, now: datetime, retention_months: int) -> tuple[int, int]:
    """The retention rule: contacts unused for ``retention_months`` are deleted, and staged
    imports nobody confirmed. Returns (contacts, imports) removed."""
    async with db.transaction() as conn:
        unused = await store.unused(conn, now - timedelta(days=30 * retention_months))
        await erase(conn, unused)
        imports = await store.delete_old_imports(conn, now - IMPORT_KEPT)
    return len(unused), imports
