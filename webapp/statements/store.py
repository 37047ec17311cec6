"""SQL for the deployment's statements: which library runs it, its accessibility statement,
and the accessibility problems reported by readers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import accessibility_reports, memberships, organisations, statements


async def library_by_slug(conn: AsyncConnection, slug: str) -> Row | None:
    result = await conn.execute(
        select(organisations).where(organisations.c.slug == slug, organisations.c.kind == "library")
    )
    return result.first()


async def oldest_library(conn: AsyncConnection) -> Row | None:
    result = await conn.execute(
        select(organisations)
        .where(organisations.c.kind == "library", organisations.c.status == "active")
        .order_by(organisations.c.created_at, organisations.c.id)
        .limit(1)
    )
    return result.first()


async def statement_of(conn: AsyncConnection, organisation_id: int) -> Row | None:
    result = await conn.execute(
        select(statements).where(statements.c.organisation_id == organisation_id)
    )
    return result.first()


async def save_statement(
    conn: AsyncConnection, organisation_id: int, values: dict[str, Any], *, at: datetime,
    user_id: int | None,
) -> None:  # fmt: skip
    """Insert or update the organisation's statement (one row per organisation)."""
    changed = {**values, "updated_by": user_id, "updated_at": at}
    result = await conn.execute(
        update(statements).where(statements.c.organisation_id == organisation_id).values(changed)
    )
    if result.rowcount == 0:
        await conn.execute(
            insert(statements).values(organisation_id=organisation_id, created_at=at, **changed)
        )


async def admin_ids(conn: AsyncConnection, organisation_id: int) -> list[int]:
    result = await conn.execute(
        select(memberships.c.user_id).where(
            memberships.c.organisation_id == organisation_id, memberships.c.role == "admin"
        )
    )
    return list(result.scalars())


# Reports -------------------------------------------------------------------------------------


async def add_report(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(
        insert(accessibility_reports).values(**values).returning(accessibility_reports.c.id)
    )
    return int(result.scalar_one())


async def reports_of(conn: AsyncConnection, organisation_id: int, *, limit: int = 200) -> list[Row]:
    """Open reports first, newest first within each."""
    result = await conn.execute(
        select(accessibility_reports)
        .where(accessibility_reports.c.organisation_id == organisation_id)
        .order_by(
            accessibility_reports.c.handled_at.is_not(None),
            accessibility_reports.c.created_at.desc(),
            accessibility_reports.c.id.desc(),
        )
        .limit(limit)
    )
    return list(result)


async def open_report_count(conn: AsyncConnection, organisation_id: int) -> int:
    result = await conn.execute(
        select(func.count())
        .select_from(accessibility_reports)
        .where(
            accessibility_reports.c.organisation_id == organisation_id,
            accessibility_reports.c.handled_at.is_(None),
        )
    )
    return int(result.scalar_one())


async def mark_handled(
    conn: AsyncConnection, organisation_id: int, report_id: int, *, at: datetime | None,
    user_id: int | None,
) -> bool:  # fmt: skip
    """Mark the report handled (``at``) or open again (None); False when there is none."""
    result = await conn.execute(
        update(accessibility_reports)
        .where(
            accessibility_reports.c.id == report_id,
            accessibility_reports.c.organisation_id == organisation_id,
        )
        .values(handled_at=at, handled_by=user_id)
    )
    return bool(result.rowcount)


async def delete_report(conn: AsyncConnection, organisation_id: int, report_id: int) -> bool:
    result = await conn.execute(
        delete(accessibility_reports).where(
            accessibility_reports.c.id == report_id,
            accessibility_reports.c.organisation_id == organisation_id,
        )
    )
    return bool(result.rowcount)
