"""SQL for the contact book, its tags, the opt-out registry and staged CSV imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import contact_imports, contact_tags, contacts, opt_outs


def _search(organisation_id: int, text: str, tag: str | None) -> list[Any]:
    conditions: list[Any] = [contacts.c.organisation_id == organisation_id]
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 3 and not any(c.isalpha() for c in text):
        # A number as people write it ("070-123 45", "+46 70"): its digits, anywhere.
        conditions.append(contacts.c.phone.contains(digits.lstrip("0"), autoescape=True))
        text = ""
    for word in text.split():
        digits = "".join(c for c in word if c.isdigit())
        matches: list[Any] = [contacts.c.name.ilike(f"%{_like(word)}%", escape="\\")]
        if len(digits) >= 3:
            matches.append(contacts.c.phone.contains(digits, autoescape=True))
        conditions.append(or_(*matches))
    if tag:
        conditions.append(
            contacts.c.id.in_(select(contact_tags.c.contact_id).where(contact_tags.c.tag == tag))
        )
    return conditions


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def contact_page(
    conn: AsyncConnection,
    organisation_id: int,
    *,
    text: str = "",
    tag: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[Row]:
    """Contacts whose name (or number, for digits) matches every word of ``text``, with
    ``tag`` when given, by name."""
    result = await conn.execute(
        select(contacts)
        .where(*_search(organisation_id, text, tag))
        .order_by(func.lower(contacts.c.name), contacts.c.id)
        .limit(limit)
        .offset(offset)
    )
    return list(result)


async def count(conn: AsyncConnection, organisation_id: int, *, text: str, tag: str | None) -> int:
    found = await conn.scalar(
        select(func.count()).select_from(contacts).where(*_search(organisation_id, text, tag))
    )
    return int(found or 0)


async def contact(conn: AsyncConnection, organisation_id: int, contact_id: int) -> Row | None:
    result = await conn.execute(
        select(contacts).where(
            contacts.c.id == contact_id, contacts.c.organisation_id == organisation_id
        )
    )
    return result.first()


async def contacts_by_id(
    conn: AsyncConnection, organisation_id: int, contact_ids: Sequence[int]
) -> list[Row]:
    """The organisation's contacts among ``contact_ids``, in that order (others left out).
    Read in chunks: one query per thousand, not one per contact."""
    found: dict[int, Row] = {}
    ids = list(dict.fromkeys(contact_ids))
    for start in range(0, len(ids), 1000):
        result = await conn.execute(
            select(contacts).where(
                contacts.c.organisation_id == organisation_id,
                contacts.c.id.in_(ids[start : start + 1000]),
            )
        )
        found.update((row.id, row) for row in result)
    return [found[i] for i in ids if i in found]


async def tags_of(conn: AsyncConnection, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    if not contact_ids:
        return {}
    result = await conn.execute(
        select(contact_tags.c.contact_id, contact_tags.c.tag)
        .where(contact_tags.c.contact_id.in_(list(contact_ids)))
        .order_by(contact_tags.c.contact_id, func.lower(contact_tags.c.tag))
    )
    found: dict[int, list[str]] = {}
    for row in result:
        found.setdefault(row.contact_id, []).append(row.tag)
    return found


async def tags_in_use(conn: AsyncConnection, organisation_id: int) -> list[Row]:
    """Each tag of the organisation's contacts with how many contacts have it."""
    result = await conn.execute(
        select(contact_tags.c.tag, func.count().label("contacts"))
        .join(contacts, contacts.c.id == contact_tags.c.contact_id)
        .where(contacts.c.organisation_id == organisation_id)
        .group_by(contact_tags.c.tag)
        .order_by(func.lower(contact_tags.c.tag))
    )
    return list(result)


async def phones_of(conn: AsyncConnection, organisation_id: int) -> set[str]:
    result = await conn.scalars(
        select(contacts.c.phone).where(contacts.c.organisation_id == organisation_id)
    )
    return set(result)


async def phone_taken(
    conn: AsyncConnection, organisation_id: int, phone: str, except_id: int | None = None
) -> bool:
    query = select(contacts.c.id).where(
        contacts.c.organisation_id == organisation_id, contacts.c.phone == phone
    )
    if except_id is not None:
        query = query.where(contacts.c.id != except_id)
    return (await conn.scalar(query)) is not None


async def add_contact(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(contacts).returning(contacts.c.id), [values])
    return int(result.scalar_one())


async def add_contacts(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Many contacts in one statement; the id of each by its number."""
    if not rows:
        return {}
    await conn.execute(insert(contacts), list(rows))
    organisation_id = rows[0]["organisation_id"]
    result = await conn.execute(
        select(contacts.c.phone, contacts.c.id).where(
            contacts.c.organisation_id == organisation_id,
            contacts.c.phone.in_([row["phone"] for row in rows]),
        )
    )
    return {row.phone: row.id for row in result}


async def update_contact(conn: AsyncConnection, contact_id: int, **values: Any) -> None:
    await conn.execute(update(contacts).where(contacts.c.id == contact_id).values(**values))


async def set_tags(conn: AsyncConnection, contact_id: int, tags: Iterable[str]) -> None:
    await conn.execute(delete(contact_tags).where(contact_tags.c.contact_id == contact_id))
    rows = [{"contact_id": contact_id, "tag": tag} for tag in tags]
    if rows:
        await conn.execute(insert(contact_tags), rows)


async def add_tags(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(contact_tags), list(rows))


async def unused(conn: AsyncConnection, before: datetime) -> list[int]:
    """Contacts not used (no message sent, no change) since ``before``: the retention rule."""
    result = await conn.execute(
        select(contacts.c.id).where(
            or_(
                and_(contacts.c.last_used_at.is_(None), contacts.c.updated_at < before),
                contacts.c.last_used_at < before,
            )
        )
    )
    return list(result.scalars())


async def delete_contacts(conn: AsyncConnection, contact_ids: Sequence[int]) -> None:
    if contact_ids:
        await conn.execute(delete(contacts).where(contacts.c.id.in_(list(contact_ids))))


async def mark_used(conn: AsyncConnection, contact_ids: Sequence[int], at: datetime) -> None:
    """The contacts were messaged: the retention period starts again."""
    ids = list(contact_ids)
    for start in range(0, len(ids), 1000):
        await conn.execute(
            update(contacts)
            .where(contacts.c.id.in_(ids[start : start + 1000]))
            .values(last_used_at=at)
        )


# The opt-out registry ------------------------------------------------------------------------


async def opted_out(conn: AsyncConnection, hashes: Sequence[str]) -> set[str]:
    """Which of the numbers (by hash) asked to get no SMS."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        result = await conn.scalars(
            select(opt_outs.c.phone_hash).where(
                opt_outs.c.phone_hash.in_(wanted[start : start + 1000])
            )
        )
        found.update(result)
    return found


async def add_opt_out(conn: AsyncConnection, phone_hash: str, at: datetime, source: str) -> None:
    if await conn.scalar(select(opt_outs.c.phone_hash).where(opt_outs.c.phone_hash == phone_hash)):
        return
    await conn.execute(
        insert(opt_outs).values(phone_hash=phone_hash, opted_out_at=at, source=source)
    )


async def mark_opted_out(conn: AsyncConnection, phone: str, at: datetime) -> None:
    """Every organisation's contact with this number is opted out."""
    await conn.execute(
        update(contacts)
        .where(contacts.c.phone == phone, contacts.c.opted_out_at.is_(None))
        .values(opted_out_at=at)
    )


# Staged imports ------------------------------------------------------------------------------


async def add_import(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(contact_imports).returning(contact_imports.c.id), [values])
    return int(result.scalar_one())


async def staged_import(
    conn: AsyncConnection, organisation_id: int, import_id: int, user_id: int
) -> Row | None:
    result = await conn.execute(
        select(contact_imports).where(
            contact_imports.c.id == import_id,
            contact_imports.c.organisation_id == organisation_id,
            contact_imports.c.user_id == user_id,
        )
    )
    return result.first()


async def delete_import(conn: AsyncConnection, import_id: int) -> None:
    await conn.execute(delete(contact_imports).where(contact_imports.c.id == import_id))


async def delete_old_imports(conn: AsyncConnection, before: datetime) -> int:
    result = await conn.execute(
        delete(contact_imports).where(contact_imports.c.created_at < before)
    )
    return result.rowcount


async def remove_opt_out(conn: AsyncConnection, phone_hash: str, phone: str | None) -> None:
    """The person texted START: they may get SMS again (consent from before still applies)."""
    await conn.execute(delete(opt_outs).where(opt_outs.c.phone_hash == phone_hash))
    if phone:
        await conn.execute(
            update(contacts).where(contacts.c.phone == phone).values(opted_out_at=None)
        )


async def contacts_with_tag(
    conn: AsyncConnection, organisation_id: int, tag: str | None
) -> list[Row]:
    """The organisation's contacts (with ``tag`` when given), by name."""
    return await contact_page(conn, organisation_id, tag=tag, limit=100_000)
