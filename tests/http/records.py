"""What the app wrote, as the HTTP tests read it: e-mails the console provider "sent" and
how many rows each account table holds (to show that a refused request wrote nothing)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from webapp.console import store as console
from webapp.db.tables import (
    audit_log,
    console_messages,
    invitations,
    memberships,
    organisations,
    partnerships,
    sessions,
    users,
)

COUNTED = (
    users,
    organisations,
    memberships,
    partnerships,
    invitations,
    console_messages,
    audit_log,
)


async def _latest(ctx):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await console.latest(conn, limit=1000)


def mail_to(web, email: str) -> list:  # type: ignore[no-untyped-def]
    """Messages sent to ``email``, newest first."""
    return [m for m in web.run(_latest, web.ctx) if m.recipient == email]


def link_in(body: str, prefix: str) -> str:
    """The path (with query) of the first link in ``body`` whose path starts with ``prefix``."""
    for url in re.findall(r"https?://\S+", body):
        parts = urlsplit(url.rstrip(".,)"))
        if parts.path.startswith(prefix):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no {prefix} link in {body!r}")


async def _counts(ctx) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return {
            table.name: int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in COUNTED
        }


def row_counts(web) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return web.run(_counts, web.ctx)


async def _rows(ctx, table, where):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(table).where(where)))


def rows(web, table, where) -> list:  # type: ignore[no-untyped-def]
    return web.run(_rows, web.ctx, table, where)


def session_count(web, user_email: str) -> int:  # type: ignore[no-untyped-def]
    found = rows(web, users, users.c.email == user_email)
    return len(rows(web, sessions, sessions.c.user_id == found[0].id))


def query_rows(web, query):  # type: ignore[no-untyped-def]
    """Run a SELECT on the app's database and return its rows."""

    async def run():  # type: ignore[no-untyped-def]
        async with web.ctx.db.read() as conn:
            return list(await conn.execute(query))

    return web.run(run)
