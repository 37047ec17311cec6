"""The invitation plan's rules: every party to an event sees it; the library and the active
partners change it while the event can still change. A change is part of the co-authored
event: it gets a revision (a new event version, in the history) and the other parties a
notification. Every channel gets its own tracked link when it is made; any number of named
links can be added for ambassadors and partners' own networks."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, notify
from webapp.events import store as event_store
from webapp.i18n import _
from webapp.invitations import store
from webapp.problems import Invalid, NotFound

# Link codes: 8 characters from 32 without look-alikes (40 bits): short enough to type from a
# poster, too many to guess one.
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Channel:
    row: Row
    link: Row | None  # its tracked link, with visits


@dataclass(frozen=True)
class Audience:
    row: Row
    channels: list[Channel] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    event: access.Event
    audiences: list[Audience]
    named_links: list[Row]  # links of no channel: ambassadors, networks
    may_edit: bool
    responsible: dict[int, str]  # organisation id -> name: the library and active partners

    @property
    def visits(self) -> int:
        return sum(c.link.visits for a in self.audiences for c in a.channels if c.link) + sum(
            link.visits for link in self.named_links
        )


async def _event(conn: AsyncConnection, ctx: Context, actor: Actor, event_id: int) -> Any:
    event = await access.load(conn, event_id, ctx.settings.tz)
    access.require(actor, "event.view", event)
    return event


async def _editable(conn: AsyncConnection, ctx: Context, actor: Actor, event_id: int) -> Any:
    """The event, when the actor may change its invitation plan (NotFound or Forbidden)."""
    event = await _event(conn, ctx, actor, event_id)
    access.require(actor, "event.invitations", event)
    return event


def _responsible(event: access.Event) -> dict[int, str]:
    names = {p.organisation_id: p.name for p in event.partners if p.status == "active"}
    return {event.library_id: event.row.library_name, **names}


async def plan(ctx: Context, *, actor: Actor, event_id: int) -> Plan:
    async with ctx.db.read() as conn:
        event = await _event(conn, ctx, actor, event_id)
        rows = await store.audiences_of(conn, event_id)
        channel_rows = await store.channels_of(conn, event_id)
        links = await store.links_of(conn, event_id)
    by_channel = {link.channel_id: link for link in links if link.channel_id is not None}
    audiences = [
        Audience(
            row=row,
            channels=[
                Channel(row=c, link=by_channel.get(c.id))
                for c in channel_rows
                if c.audience_id == row.id
            ],
        )
        for row in rows
    ]
    return Plan(
        event=event,
        audiences=audiences,
        named_links=[link for link in links if link.channel_id is None],
        may_edit=can(actor, "event.invitations", event),
        responsible=_responsible(event),
    )


async def _changed(
    conn: AsyncConnection, event: access.Event, actor: Actor, now: datetime,
    changes: Mapping[str, list[Any]],
) -> None:  # fmt: skip
    """The plan changed: a revision of the event, a notification to the other parties."""
    version = await event_store.bump_version(conn, event.id, at=now)
    await event_store.add_revision(
        conn, event_id=event.id, version=version, actor_id=actor.user_id, at=now,
        changes=dict(changes),
    )  # fmt: skip
    await notify.event_changed(
        conn, event, actor=actor, kind="edited", at=now, fields=sorted(changes)
    )


def _audience_text(values: Mapping[str, Any]) -> str:
    size = f", {values['size']}" if values.get("size") is not None else ""
    return f"{values['name']} ({values['language']}{size})"


def _channel_text(kind: str, audience: Row) -> str:
    return f"{kind}: {audience.name}"


# Audiences -------------------------------------------------------------------------------------


async def add_audience(
    ctx: Context, *, actor: Actor, event_id: int, values: Mapping[str, Any]
) -> int:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        if await store.name_taken(conn, event_id, values["name"]):
            raise Invalid({"name": _("The event already has an audience with this name.")})
        audience_id = await store.add_audience(
            conn, event_id=event_id, created_at=now, updated_at=now, **values
        )
        await _changed(
            conn, event, actor, now, {"invitation_audience": [None, _audience_text(values)]}
        )
        await audit.record(
            conn, action="invitations.audience_added", actor_id=actor.user_id,
            target=f"event:{event_id}", audience=audience_id,
        )  # fmt: skip
    return audience_id


async def update_audience(
    ctx: Context, *, actor: Actor, event_id: int, audience_id: int, values: Mapping[str, Any]
) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        row = await store.audience(conn, event_id, audience_id)
        if row is None:
            raise NotFound()
        if await store.name_taken(conn, event_id, values["name"], other_than=audience_id):
            raise Invalid({"name": _("The event already has an audience with this name.")})
        before = {"name": row.name, "language": row.language, "size": row.size}
        if before == dict(values):
            return
        await store.update_audience(conn, audience_id, updated_at=now, **values)
        await _changed(
            conn, event, actor, now,
            {"invitation_audience": [_audience_text(before), _audience_text(values)]},
        )  # fmt: skip


async def delete_audience(ctx: Context, *, actor: Actor, event_id: int, audience_id: int) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        row = await store.audience(conn, event_id, audience_id)
        if row is None:
            raise NotFound()
        await store.delete_audience(conn, audience_id)
        text = _audience_text({"name": row.name, "language": row.language, "size": row.size})
        await _changed(conn, event, actor, now, {"invitation_audience": [text, None]})


# Channels --------------------------------------------------------------------------------------


def _check_responsible(event: access.Event, values: Mapping[str, Any]) -> None:
    chosen = values.get("responsible_id")
    if chosen is not None and chosen not in _responsible(event):
        raise Invalid({"responsible_id": _("Choose the library or one of the event's partners.")})


async def add_channel(
    ctx: Context, *, actor: Actor, event_id: int, audience_id: int, values: Mapping[str, Any]
) -> int:
    """A channel for the audience, with its own tracked link."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        audience = await store.audience(conn, event_id, audience_id)
        if audience is None:
            raise NotFound()
        _check_responsible(event, values)
        channel_id = await store.add_channel(
            conn, event_id=event_id, audience_id=audience_id, created_at=now, updated_at=now,
            **values,
        )  # fmt: skip
        await store.add_link(
            conn, code=new_code(), event_id=event_id, channel_id=channel_id,
            name=_channel_text(values["kind"], audience),
            organisation_id=values.get("responsible_id"), created_by=actor.user_id,
            created_at=now,
        )  # fmt: skip
        await _changed(
            conn, event, actor, now,
            {"invitation_channel": [None, _channel_text(values["kind"], audience)]},
        )  # fmt: skip
    return channel_id


async def update_channel(
    ctx: Context, *, actor: Actor, event_id: int, channel_id: int, values: Mapping[str, Any]
) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        row = await store.channel(conn, event_id, channel_id)
        if row is None:
            raise NotFound()
        _check_responsible(event, values)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            return
        await store.update_channel(conn, channel_id, updated_at=now, **changed)
        audience = await store.audience(conn, event_id, row.audience_id)
        assert audience is not None
        await _changed(
            conn, event, actor, now,
            {"invitation_channel": [_channel_text(row.kind, audience),
                                    _channel_text(values.get("kind", row.kind), audience)]},
        )  # fmt: skip


async def delete_channel(ctx: Context, *, actor: Actor, event_id: int, channel_id: int) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        row = await store.channel(conn, event_id, channel_id)
        if row is None:
            raise NotFound()
        audience = await store.audience(conn, event_id, row.audience_id)
        assert audience is not None
        # Its link keeps working (posters are printed) and keeps its visits, as a named link.
        await store.delete_channel(conn, channel_id)
        await _changed(
            conn, event, actor, now,
            {"invitation_channel": [_channel_text(row.kind, audience), None]},
        )  # fmt: skip


# Named links -----------------------------------------------------------------------------------


async def add_link(
    ctx: Context, *, actor: Actor, event_id: int, name: str, organisation_id: int | None
) -> int:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        _check_responsible(event, {"responsible_id": organisation_id})
        link_id = await store.add_link(
            conn, code=new_code(), event_id=event_id, channel_id=None, name=name,
            organisation_id=organisation_id, created_by=actor.user_id, created_at=now,
        )  # fmt: skip
        await _changed(conn, event, actor, now, {"invitation_link": [None, name]})
    return link_id


async def delete_link(ctx: Context, *, actor: Actor, event_id: int, link_id: int) -> None:
    """A named link (not a channel's): its address stops working and its visits go with it.
    A channel's link stays as long as the event: posters with it may be on a wall."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await _editable(conn, ctx, actor, event_id)
        row = await store.link(conn, event_id, link_id)
        if row is None or row.channel_id is not None:
            raise NotFound()
        await store.delete_link(conn, link_id)
        await _changed(conn, event, actor, now, {"invitation_link": [row.name, None]})


# Visits ----------------------------------------------------------------------------------------


async def visit(ctx: Context, code: str) -> int:
    """Count a visit of the link and say which event it leads to. Only the link and the day
    are stored: no address, no cookie, nothing about the visitor."""
    if not code.isalnum() or len(code) > 16:
        raise NotFound()
    async with ctx.db.transaction() as conn:
        row = await store.link_by_code(conn, code.lower())
        if row is None:
            raise NotFound()
        await store.count_visit(conn, row.id, clock.now().astimezone(ctx.settings.tz).date())
    return int(row.event_id)


# Share kits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareKit:
    """What a partner or an ambassador needs to share the event with a network."""

    audience: Row
    link: Row
    url: str
    text: str  # the ready text with the link

    @property
    def sms_href(self) -> str:
        # "sms:?&body=" works on both iOS and Android.
        return "sms:?&body=" + quote(self.text)

    @property
    def whatsapp_href(self) -> str:
        return "https://wa.me/?text=" + quote(self.text)


def link_url(ctx: Context, code: str) -> str:
    return f"{ctx.settings.base_url}/l/{code}"


async def share_kit(ctx: Context, *, actor: Actor, event_id: int, channel_id: int) -> ShareKit:
    found = await plan(ctx, actor=actor, event_id=event_id)
    for audience in found.audiences:
        for channel in audience.channels:
            if channel.row.id == channel_id and channel.link is not None:
                url = link_url(ctx, channel.link.code)
                message = channel.row.message.strip() or found.event.row.title
                return ShareKit(
                    audience=audience.row, link=channel.link, url=url,
                    text=f"{message}\n{url}",
                )  # fmt: skip
    raise NotFound()
