"""SQL for organisations, memberships, partnerships and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import invitations, memberships, organisations, partnerships, users


async def org_by_slug(conn: AsyncConnection, slug: str) -> Row | None:
    return (await conn.execute(select(organisations).where(organisations.c.slug == slug))).first()


async def org_by_id(conn: AsyncConnection, org_id: int) -> Row | None:
    return (await conn.execute(select(organisations).where(organisations.c.id == org_id))).first()


async def slug_taken(conn: AsyncConnection, slug: str) -> bool:
    result = await conn.execute(select(organisations.c.id).where(organisations.c.slug == slug))
    return result.first() is not None


async def active_libraries(conn: AsyncConnection) -> list[Row]:
    result = await conn.execute(
        select(organisations)
        .where(organisations.c.kind == "library", organisations.c.status == "active")
        .order_by(organisations.c.name)
    )
    return list(result)


async def create_org(conn: AsyncConnection, *, at: datetime, **values: object) -> int:
    result = await conn.execute(
        insert(organisations).values(created_at=at, **values).returning(organisations.c.id)
    )
    return result.scalar_one()


async def update_org(conn: AsyncConnection, org_id: int, **values: object) -> None:
    await conn.execute(update(organisations).where(organisations.c.id == org_id).values(**values))


async def add_member(
    conn: AsyncConnection, *, user_id: int, org_id: int, role: str, at: datetime
) -> None:
    await conn.execute(
        insert(memberships).values(
            user_id=user_id, organisation_id=org_id, role=role, created_at=at
        )
    )


async def membership(conn: AsyncConnection, org_id: int, membership_id: int) -> Row | None:
    result = await conn.execute(
        select(memberships).where(
            memberships.c.id == membership_id, memberships.c.organisation_id == org_id
        )
    )
    return result.first()


async def is_member(conn: AsyncConnection, org_id: int, user_id: int) -> bool:
    result = await conn.execute(
        select(memberships.c.id).where(
            memberships.c.organisation_id == org_id, memberships.c.user_id == user_id
        )
    )
    return result.first() is not None


async def members_of(conn: AsyncConnection, org_id: int) -> list[Row]:
    result = await conn.execute(
        select(
            memberships.c.id,
            memberships.c.role,
            memberships.c.created_at,
            users.c.id.label("user_id"),
            users.c.name,
            users.c.email,
            users.c.last_login_at,
        )
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.organisation_id == org_id)
        .order_by(func.lower(users.c.name))
    )
    return list(result)


async def count_admins(conn: AsyncConnection, org_id: int) -> int:
    """The organisation's admins, locking their rows until the transaction ends, so two
    admins demoting each other at once cannot leave the organisation without one (on
    PostgreSQL; SQLite's write transactions are serialised anyway)."""
    result = await conn.execute(
        select(memberships.c.id)
        .where(memberships.c.organisation_id == org_id, memberships.c.role == "admin")
        .with_for_update()
    )
    return len(result.all())


async def set_role(conn: AsyncConnection, membership_id: int, role: str) -> None:
    await conn.execute(
        update(memberships).where(memberships.c.id == membership_id).values(role=role)
    )


async def remove_member(conn: AsyncConnection, membership_id: int) -> None:
    await conn.execute(delete(memberships).where(memberships.c.id == membership_id))


async def admin_emails(conn: AsyncConnection, org_id: int) -> list[Row]:
    result = await conn.execute(
        select(users.c.email, users.c.name, users.c.locale)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.organisation_id == org_id, memberships.c.role == "admin")
    )
    return list(result)


# Partnerships (library ↔ association) -------------------------------------------------


async def request_partnership(
    conn: AsyncConnection, *, library_id: int, association_id: int, message: str, at: datetime
) -> None:
    await conn.execute(
        insert(partnerships).values(
            library_id=library_id,
            association_id=association_id,
            status="pending",
            message=message,
            decision_reason="",
            created_at=at,
        )
    )


async def partnerships_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    """Every association that asked this library, newest requests first within status."""
    assoc = organisations.alias("assoc")
    result = await conn.execute(
        select(
            partnerships,
            assoc.c.name.label("association_name"),
            assoc.c.slug.label("association_slug"),
            assoc.c.status.label("association_status"),
            assoc.c.description.label("association_description"),
            assoc.c.website.label("association_website"),
            assoc.c.email.label("association_email"),
        )
        .join(assoc, assoc.c.id == partnerships.c.association_id)
        .where(partnerships.c.library_id == library_id)
        .order_by(partnerships.c.created_at, partnerships.c.id)
    )
    return list(result)


async def partnerships_of_association(conn: AsyncConnection, association_id: int) -> list[Row]:
    lib = organisations.alias("lib")
    result = await conn.execute(
        select(partnerships, lib.c.name.label("library_name"), lib.c.slug.label("library_slug"))
        .join(lib, lib.c.id == partnerships.c.library_id)
        .where(partnerships.c.association_id == association_id)
        .order_by(lib.c.name)
    )
    return list(result)


async def partnership(conn: AsyncConnection, library_id: int, partnership_id: int) -> Row | None:
    result = await conn.execute(
        select(partnerships).where(
            partnerships.c.id == partnership_id, partnerships.c.library_id == library_id
        )
    )
    return result.first()


async def decide_partnership(
    conn: AsyncConnection,
    partnership_id: int,
    *,
    status: str,
    reason: str,
    decided_by: int,
    at: datetime,
) -> bool:
    """Record the decision if still pending; False when someone else decided first."""
    result = await conn.execute(
        update(partnerships)
        .where(and_(partnerships.c.id == partnership_id, partnerships.c.status == "pending"))
        .values(status=status, decision_reason=reason, decided_by=decided_by, decided_at=at)
    )
    return (result.rowcount or 0) == 1


async def count_pending_partnerships(conn: AsyncConnection, library_id: int) -> int:
    result = await conn.execute(
        select(func.count()).where(
            partnerships.c.library_id == library_id, partnerships.c.status == "pending"
        )
    )
    return int(result.scalar_one())


async def has_approved_partnership(conn: AsyncConnection, association_id: int) -> bool:
    result = await conn.execute(
        select(partnerships.c.id).where(
            partnerships.c.association_id == association_id, partnerships.c.status == "approved"
        )
    )
    return result.first() is not None


# Invitations -----------------------------------------------------------------------------


async def create_invitation(conn: AsyncConnection, **values: object) -> int:
    result = await conn.execute(insert(invitations).values(**values).returning(invitations.c.id))
    return result.scalar_one()


async def open_invitations(conn: AsyncConnection, org_id: int, at: datetime) -> list[Row]:
    result = await conn.execute(
        select(invitations)
        .where(
            invitations.c.organisation_id == org_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
            invitations.c.expires_at > at,
        )
        .order_by(invitations.c.created_at.desc())
    )
    return list(result)


async def invitation_by_token_hash(conn: AsyncConnection, token_hash: str) -> Row | None:
    result = await conn.execute(
        select(
            invitations,
            organisations.c.name.label("organisation_name"),
            organisations.c.slug.label("organisation_slug"),
            organisations.c.kind.label("organisation_kind"),
        )
        .join(organisations, organisations.c.id == invitations.c.organisation_id)
        .where(invitations.c.token_hash == token_hash)
    )
    return result.first()


async def revoke_invitation(
    conn: AsyncConnection, org_id: int, invitation_id: int, at: datetime
) -> bool:
    result = await conn.execute(
        update(invitations)
        .where(
            invitations.c.id == invitation_id,
            invitations.c.organisation_id == org_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return (result.rowcount or 0) == 1


async def accept_invitation(conn: AsyncConnection, invitation_id: int, at: datetime) -> bool:
    result = await conn.execute(
        update(invitations)
        .where(
            invitations.c.id == invitation_id,
            invitations.c.accepted_at.is_(None),
            invitations.c.revoked_at.is_(None),
        )
        .values(accepted_at=at)
    )
    return (result.rowcount or 0) == 1
