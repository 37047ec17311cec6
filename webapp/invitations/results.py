"""Which channel brought people: visits of each tracked link, the people who signed up
through it and those who came, per event and, summed by kind of channel, per partner.
RSVPs made without a link count as "directly"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.db.tables import rsvps
from webapp.events import access
from webapp.events import store as event_store
from webapp.invitations import store
from webapp.problems import Forbidden


@dataclass(frozen=True)
class Line:
    label: str
    kind: str  # poster, sms, network, email; "named" for a named link; "direct"
    visits: int
    people: int
    came: int


@dataclass(frozen=True)
class Results:
    lines: list[Line]
    title: str = ""
    event_id: int | None = None

    @property
    def top(self) -> int:
        """The largest figure: the charts' scale."""
        return max([1, *(max(x.visits, x.people, x.came) for x in self.lines)])

    @property
    def totals(self) -> Line:
        return Line(
            label="", kind="total", visits=sum(x.visits for x in self.lines),
            people=sum(x.people for x in self.lines), came=sum(x.came for x in self.lines),
        )  # fmt: skip


async def _lines(conn: AsyncConnection, event_id: int) -> list[Line]:
    links = await store.links_of(conn, event_id)
    audiences = {a.id: a.name for a in await store.audiences_of(conn, event_id)}
    channels = {c.id: c for c in await store.channels_of(conn, event_id)}
    lines = []
    for link in links:
        channel = channels.get(link.channel_id) if link.channel_id else None
        label = f"{audiences.get(channel.audience_id, '')}" if channel else link.name
        lines.append(
            Line(label=label, kind=channel.kind if channel else "named", visits=link.visits,
                 people=link.people, came=link.came)
        )  # fmt: skip
    direct = (
        await conn.execute(
            select(
                func.coalesce(func.sum(rsvps.c.party_size), 0),
                func.coalesce(
                    func.sum(rsvps.c.party_size).filter(rsvps.c.checked_in_at.is_not(None)), 0
                ),
            ).where(
                rsvps.c.event_id == event_id,
                rsvps.c.link_id.is_(None),
                rsvps.c.status.in_(("going", "offered")),
            )
        )
    ).one()
    if direct[0]:
        lines.append(Line(label="", kind="direct", visits=0, people=int(direct[0]),
                          came=int(direct[1])))  # fmt: skip
    return lines


async def of_event(ctx: Context, *, actor: Actor, event_id: int) -> Results:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.view", event)
        lines = await _lines(conn, event_id)
    return Results(lines=lines, title=event.row.title, event_id=event_id)


async def of_partner(ctx: Context, *, actor: Actor, organisation: Row) -> list[Results]:
    """Every event the organisation co-authors (or hosts), newest first, with its figures,
    and the sums by kind of channel on the first of them."""
    if not can(actor, "org.view", organisation):
        raise Forbidden()
    async with ctx.db.read() as conn:
        if organisation.kind == "library":
            rows = await event_store.events_of_library(conn, organisation.id)
        else:
            rows = await event_store.events_of_organisation(conn, organisation.id)
            rows = [r for r in rows if r.partner_status == "active"]
        found = [
            Results(lines=await _lines(conn, r.id), title=r.title, event_id=r.id) for r in rows
        ]
    return [r for r in found if r.lines]


def by_kind(results: list[Results]) -> list[Line]:
    """The figures of all events summed by kind of channel."""
    sums: dict[str, list[int]] = {}
    for result in results:
        for line in result.lines:
            total = sums.setdefault(line.kind, [0, 0, 0])
            total[0] += line.visits
            total[1] += line.people
            total[2] += line.came
    return [Line(label="", kind=k, visits=v[0], people=v[1], came=v[2]) for k, v in sums.items()]
