"""Loading an event with what permission checks need, and the one way services check them.

An event the actor may not see is NotFound (its existence is not revealed); one the actor
may see but not change in this way is Forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.auth.permissions import Actor, can, event_parties
from webapp.events import store
from webapp.problems import Forbidden, NotFound


@dataclass(frozen=True)
class Event:
    """An event row with its partners: satisfies ``permissions.EventLike``."""

    row: Row
    partners: list[Row]
    tz: ZoneInfo
    partner_roles: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def library_id(self) -> int:
        return self.row.library_id

    @property
    def state(self) -> str:
        return self.row.state

    @property
    def was_submitted(self) -> bool:
        return self.row.submitted_at is not None

    @property
    def version(self) -> int:
        return self.row.version

    def active_partner_ids(self) -> list[int]:
        return [org for org, (_, status) in self.partner_roles.items() if status == "active"]

    def lead(self) -> Row | None:
        return next((p for p in self.partners if p.role == "lead"), None)


async def load(conn: AsyncConnection, event_id: int, default_tz: ZoneInfo) -> Event:
    row = await store.event(conn, event_id)
    if row is None:
        raise NotFound()
    partners = await store.partners(conn, event_id)
    tz = ZoneInfo(row.library_timezone) if row.library_timezone else default_tz
    return Event(
        row=row,
        partners=partners,
        tz=tz,
        partner_roles={p.organisation_id: (p.role, p.status) for p in partners},
    )


def require(actor: Actor, action: str, event: Event) -> frozenset[str]:
    """The actor's parties to the event when ``action`` is allowed; NotFound when the actor
    may not even see the event, Forbidden otherwise."""
    if not can(actor, "event.view", event):
        raise NotFound()
    if action != "event.view" and not can(actor, action, event):
        raise Forbidden()
    return event_parties(actor, event)
