"""The inbox of the person logged in."""

from __future__ import annotations

from dataclasses import dataclass

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.notifications import store
from webapp.notifications.texts import text


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    event_id: int | None
    created_at: object
    unread: bool
    comment: str


async def inbox(ctx: Context, *, actor: Actor) -> list[Item]:
    async with ctx.db.read() as conn:
        rows = await store.inbox(conn, actor.user_id or 0)
    return [
        Item(
            id=row.id,
            text=text(row),
            event_id=row.event_id,
            created_at=row.created_at,
            unread=row.read_at is None,
            comment=(row.params or {}).get("comment", ""),
        )
        for row in rows
    ]


async def unread(ctx: Context, *, actor: Actor) -> int:
    async with ctx.db.read() as conn:
        return await store.unread_count(conn, actor.user_id or 0)


async def mark_read(ctx: Context, *, actor: Actor, notification_id: int | None = None) -> None:
    async with ctx.db.transaction() as conn:
        await store.mark_read(conn, actor.user_id or 0, clock.now(), notification_id)
