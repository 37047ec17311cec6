"""A library's rules for proposals and bookings, with defaults when the library set none.

Set-up and clear-up buffers widen every booking when conflicts are checked; the others are
checked when a proposal is submitted (with the reasons shown to the proposer).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import library_rules


@dataclass(frozen=True)
class Rules:
    setup_minutes: int = 0
    clearup_minutes: int = 0
    min_lead_days: int = 0
    max_length_minutes: int = 8 * 60
    hold_days: int = 14
    # The library's own questions a proposer answers before submitting ("Open to everyone
    # and free of charge?"). Each answer must be yes.
    checklist: tuple[str, ...] = field(default_factory=tuple)

    @property
    def buffer(self) -> timedelta:
        """How far apart two bookings of one room must be: one's clear-up plus the next's
        set-up."""
        return timedelta(minutes=self.setup_minutes + self.clearup_minutes)

    def hold_until(self, now: datetime) -> datetime:
        return now + timedelta(days=self.hold_days)

    def values(self) -> dict[str, Any]:
        values = asdict(self)
        values["checklist"] = list(self.checklist)
        return values


async def rules_for(conn: AsyncConnection, library_id: int) -> Rules:
    row = (
        await conn.execute(select(library_rules).where(library_rules.c.library_id == library_id))
    ).first()
    if row is None:
        return Rules()
    return Rules(
        setup_minutes=row.setup_minutes,
        clearup_minutes=row.clearup_minutes,
        min_lead_days=row.min_lead_days,
        max_length_minutes=row.max_length_minutes,
        hold_days=row.hold_days,
        checklist=tuple(row.checklist or ()),
    )


async def save_rules(conn: AsyncConnection, library_id: int, rules: Rules, at: datetime) -> None:
    values = {**rules.values(), "updated_at": at}
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(library_rules).values(library_id=library_id, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=["library_id"], set_=values))
