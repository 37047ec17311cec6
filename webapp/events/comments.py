"""The comment thread of an event. ``@name`` mentions the people of the event by first name
or e-mail name; they get a notification of their own."""

from __future__ import annotations

import re

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.events import access, notify, store
from webapp.i18n import _
from webapp.problems import Invalid

MAX_LENGTH = 4000
_MENTION = re.compile(r"@([\w.\-]+)", re.UNICODE)


async def add(ctx: Context, *, actor: Actor, event_id: int, body: str) -> int:
    body = body.strip()
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.comment", event)
        if not body:
            raise Invalid({"body": _("Write a comment first.")})
        if len(body) > MAX_LENGTH:
            raise Invalid({"body": _("Use at most %(num)d characters.", num=MAX_LENGTH)})
        comment_id = await store.add_comment(
            conn, event_id=event_id, author_id=actor.user_id, body=body, at=now
        )
        people = await notify.people(conn, event)
        mentioned = await _mentioned(conn, body, people)
        await notify.commented(conn, event, actor=actor, at=now, mentioned=mentioned)
    return comment_id


async def _mentioned(conn, body: str, people: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
    handles = {m.casefold() for m in _MENTION.findall(body)}
    if not handles or not people:
        return []
    found = []
    for row in await store.names_and_emails(conn, people):
        first = (row.name.split() or [""])[0].casefold()
        local = row.email.split("@")[0].casefold()
        if first in handles or local in handles:
            found.append(row.id)
    return found
