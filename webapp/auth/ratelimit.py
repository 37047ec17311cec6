"""Fixed-window rate limits kept in the database, so every app process sees the same counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import clock
from webapp.auth import store
from webapp.context import Context


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int

    def window_start(self) -> int:
        now = clock.epoch_seconds()
        return now - now % self.window_seconds

    def retry_after(self) -> int:
        return self.window_start() + self.window_seconds - clock.epoch_seconds()

    def key(self, subject: str) -> str:
        return f"{self.name}:{subject}"[:200]

    async def exceeded(self, conn: AsyncConnection, subject: str) -> bool:
        return await store.hit_count(conn, self.key(subject), self.window_start()) >= self.limit

    async def hit(self, conn: AsyncConnection, subject: str) -> int:
        return await store.count_hit(conn, self.key(subject), self.window_start())

    async def give_back(self, conn: AsyncConnection, subject: str) -> None:
        """Undo one hit of the current window (an attempt that turned out legitimate)."""
        await store.uncount_hit(conn, self.key(subject), self.window_start())

    async def clear(self, conn: AsyncConnection, subject: str) -> None:
        await store.clear_hits(conn, self.key(subject))


async def public_form(ctx: Context, kind: str, address: str) -> int | None:
    """Count one send of a public form (``kind``: rsvp, volunteer…) from ``address``; the
    seconds to wait when the address has sent too many in this window, else None."""
    limit = Limit(
        f"form-{kind}",
        ctx.settings.public_form_limit_per_address,
        ctx.settings.public_form_limit_window_seconds,
    )
    async with ctx.db.transaction() as conn:
        if await limit.exceeded(conn, address):
            return limit.retry_after()
        await limit.hit(conn, address)
    return None
