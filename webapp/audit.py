"""The audit log: who did what, when, to which organisation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import clock
from webapp.db.tables import audit_log


async def record(
    conn: AsyncConnection,
    *,
    action: str,
    actor_id: int | None,
    organisation_id: int | None = None,
    target: str = "",
    **details: Any,
) -> None:
    await conn.execute(
        insert(audit_log).values(
            at=clock.now(),
            actor_id=actor_id,
            organisation_id=organisation_id,
            action=action,
            target=target,
            details=details,
        )
    )


async def entries_for(conn: AsyncConnection, organisation_id: int, limit: int = 50) -> list[Row]:
    result = await conn.execute(
        select(audit_log)
        .where(audit_log.c.organisation_id == organisation_id)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
    )
    return list(result)
