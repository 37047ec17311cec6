"""Who hears about what happens to an event: the members of its active partners and, once
it is submitted, the hosting library's staff. Never the person who did it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.auth.permissions import Actor
from webapp.events import store
from webapp.events.access import Event
from webapp.notifications import store as inbox


async def people(conn: AsyncConnection, event: Event, *, state: str | None = None) -> list[int]:
    """Every user who works on the event."""
    user_ids = await store.member_ids(conn, event.active_partner_ids())
    if (state or event.state) != "draft":
        user_ids += await store.staff_ids(conn, event.library_id)
    return list(dict.fromkeys(user_ids))


async def _send(
    conn: AsyncConnection,
    event: Event,
    *,
    actor: Actor,
    kind: str,
    at: datetime,
    user_ids: Iterable[int] | None = None,
    state: str | None = None,
    **params: Any,
) -> None:
    recipients = user_ids if user_ids is not None else await people(conn, event, state=state)
    await inbox.add(
        conn,
        user_ids=[u for u in recipients if u != actor.user_id],
        kind=kind,
        event_id=event.id,
        actor_id=actor.user_id,
        params=params,
        at=at,
    )


async def event_changed(
    conn: AsyncConnection, event: Event, *, actor: Actor, kind: str, at: datetime, fields: list[str]
) -> None:
    await _send(conn, event, actor=actor, kind=kind, at=at, fields=fields)


async def transitioned(
    conn: AsyncConnection,
    event: Event,
    *,
    actor: Actor,
    action: str,
    at: datetime,
    target: str | None = None,
    comment: str = "",
) -> None:
    await _send(
        conn,
        event,
        actor=actor,
        kind="transition",
        at=at,
        state=target,
        action=action,
        comment=comment[:300],
    )


async def commented(
    conn: AsyncConnection, event: Event, *, actor: Actor, at: datetime, mentioned: list[int]
) -> None:
    everyone = await people(conn, event)
    if mentioned:
        await _send(conn, event, actor=actor, kind="mention", at=at, user_ids=mentioned)
    others = [u for u in everyone if u not in set(mentioned)]
    await _send(conn, event, actor=actor, kind="comment", at=at, user_ids=others)


async def partner_invited(
    conn: AsyncConnection,
    event: Event,
    *,
    actor: Actor,
    at: datetime,
    organisation_id: int,
    organisation: str,
    role: str,
) -> None:
    invited = await store.member_ids(conn, [organisation_id])
    await _send(
        conn,
        event,
        actor=actor,
        kind="partner_invited",
        at=at,
        user_ids=[*await people(conn, event), *invited],
        organisation=organisation,
        role=role,
    )


async def partner_answered(
    conn: AsyncConnection,
    event: Event,
    *,
    actor: Actor,
    at: datetime,
    organisation: str,
    accepted: bool,
) -> None:
    await _send(
        conn,
        event,
        actor=actor,
        kind="partner_answered",
        at=at,
        organisation=organisation,
        accepted=accepted,
    )
