"""Proposing and co-editing an event: drafts that save partially, every change kept as a
revision, and an optimistic version check so two people never silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, notify, series, store
from webapp.events.workflow import transition
from webapp.i18n import _
from webapp.orgs import store as org_store
from webapp.problems import Forbidden, Invalid
from webapp.slots import bookings
from webapp.slots.rules import rules_for

# The fields partners write; a revision records each one that changed.
FIELDS = (
    "title",
    "summary",
    "description",
    "shared_goal",
    "languages",
    "audiences",
    "expected_attendance",
    "room_needs",
    "equipment",
    "accessibility_notes",
    "wished_times",
    "location_id",
    "room_id",
    "slot_id",
    "starts_at",
    "ends_at",
    "repeat_weeks",
    "repeat_until",
    "repeat_count",
    "agreement",
    "checklist",
)
# A change of any of these after approval sends the event back to review.
BOOKING_FIELDS = (
    "room_id",
    "starts_at",
    "ends_at",
    "repeat_weeks",
    "repeat_until",
    "repeat_count",
)
# Before approval, an event that chose one of the library's open program slots holds its
# room for the library's hold days (so forgotten drafts never block rooms for long).
HOLDING_STATES = ("draft", "submitted", "changes_requested")
EMPTY: dict[str, Any] = {
    "summary": "",
    "description": "",
    "shared_goal": "",
    "languages": [],
    "audiences": [],
    "expected_attendance": None,
    "room_needs": "",
    "equipment": [],
    "accessibility_notes": "",
    "wished_times": "",
    "location_id": None,
    "room_id": None,
    "slot_id": None,
    "starts_at": None,
    "ends_at": None,
    "repeat_weeks": None,
    "repeat_until": None,
    "repeat_count": None,
    "agreement": {},
    "checklist": {},
}


class EditConflict(Exception):
    """Someone saved the event after the editor opened it: ``revisions`` are their changes."""

    def __init__(self, revisions: list[Row], current_version: int) -> None:
        super().__init__(current_version)
        self.revisions = revisions
        self.current_version = current_version


@dataclass(frozen=True)
class Saved:
    event_id: int
    changed: tuple[str, ...]
    back_to_review: bool


def jsonable(value: Any) -> Any:
    """A value as the revision history stores it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def propose(
    ctx: Context,
    *,
    actor: Actor,
    organisation: Row,
    library_id: int,
    values: Mapping[str, Any],
) -> int:
    """A new draft led by ``organisation`` at ``library_id``. Only the title is required;
    everything else may be filled in later, together with the partners."""
    if not can(actor, "event.propose", organisation):
        raise Forbidden()
    now = clock.now()
    clean = {**EMPTY, **{k: v for k, v in values.items() if k in FIELDS}}
    if not clean.get("title"):
        raise Invalid({"title": _("This field is required.")})
    async with ctx.db.transaction() as conn:
        await _check_library(conn, organisation, library_id)
        event_id = await store.create_event(
            conn,
            library_id=library_id,
            state="draft",
            version=1,
            sequence=0,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            **clean,
        )
        await store.add_partner(
            conn,
            event_id=event_id,
            organisation_id=organisation.id,
            role="lead",
            status="active",
            contribution={},
            contact_user_id=actor.user_id,
            invited_by=actor.user_id,
            created_at=now,
            answered_at=now,
        )
        await store.add_revision(
            conn,
            event_id=event_id,
            version=1,
            actor_id=actor.user_id,
            at=now,
            changes={
                k: [None, jsonable(v)] for k, v in clean.items() if v not in (None, "", [], {})
            },
        )
        await audit.record(
            conn,
            action="event.proposed",
            actor_id=actor.user_id,
            organisation_id=organisation.id,
            target=f"event:{event_id}",
            title=clean["title"],
        )
    return event_id


async def _check_library(conn: AsyncConnection, organisation: Row, library_id: int) -> None:
    """An association proposes to a library it is an approved partner of; a library to
    itself."""
    if organisation.kind == "library":
        if organisation.id != library_id:
            raise Invalid({"library_id": _("Choose one of the options.")})
        return
    partnerships = await org_store.partnerships_of_association(conn, organisation.id)
    if library_id not in {p.library_id for p in partnerships if p.status == "approved"}:
        raise Invalid({"library_id": _("Choose one of the options.")})


async def update(
    ctx: Context,
    *,
    actor: Actor,
    event_id: int,
    version: int,
    values: Mapping[str, Any],
) -> Saved:
    """Save the partners' changes. ``version`` is the one the editor started from: if
    someone saved in between, EditConflict carries their changes and nothing is written.
    A change of room or time after approval sends the event back to review."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.edit", event)
        if event.version != version:
            raise EditConflict(
                await store.revisions(conn, event_id, since_version=version), event.version
            )
        current = {name: getattr(event.row, name) for name in FIELDS}
        proposed = {**current, **{k: v for k, v in values.items() if k in FIELDS}}
        if not proposed.get("title"):
            raise Invalid({"title": _("This field is required.")})
        changed = {
            name: [jsonable(current[name]), jsonable(proposed[name])]
            for name in FIELDS
            if _normal(current[name]) != _normal(proposed[name])
        }
        if not changed:
            return Saved(event_id, (), False)
        back = event.state in ("approved", "published") and any(
            name in changed for name in BOOKING_FIELDS
        )
        update_values = {name: proposed[name] for name in changed}
        if any(name in changed for name in BOOKING_FIELDS):
            # Calendars (the partners' feeds show the wished time) see a new time or place.
            update_values["sequence"] = event.row.sequence + 1
        if back:
            update_values.update(state="submitted", submitted_at=now)
        if not await store.update_event(
            conn,
            event_id,
            expected_version=version,
            updated_at=now,
            **update_values,
        ):
            raise EditConflict(
                await store.revisions(conn, event_id, since_version=version), version + 1
            )
        await store.add_revision(
            conn,
            event_id=event_id,
            version=version + 1,
            actor_id=actor.user_id,
            at=now,
            changes=changed,
        )
        if back:
            await _back_to_review(ctx, conn, event, actor, now)
        elif event.state in HOLDING_STATES and any(
            name in changed for name in ("slot_id", *BOOKING_FIELDS)
        ):
            await _hold(conn, event, proposed, now)
        await notify.event_changed(
            conn, event, actor=actor, kind="edited", at=now, fields=sorted(changed)
        )
    del parties
    return Saved(event_id, tuple(changed), back)


async def _hold(
    conn: AsyncConnection, event: access.Event, proposed: Mapping[str, Any], now: datetime
) -> None:
    """Replace the event's holds: when it chose an open slot, hold that room at those times
    (every date of a series) until the library's hold days have passed. A slot someone else
    took a moment ago is refused next to the field."""
    await store.release_occurrences(conn, event.id, ("held",))
    if proposed.get("slot_id") is None or proposed.get("room_id") is None:
        return
    rules = await rules_for(conn, event.library_id)
    wanted = series.dates(
        proposed["starts_at"],
        proposed["ends_at"],
        event.tz,
        every_weeks=proposed.get("repeat_weeks"),
        until=proposed.get("repeat_until"),
        count=proposed.get("repeat_count"),
    )
    await bookings.lock_room(conn, proposed["room_id"])
    taken = await bookings.conflicts(
        conn,
        room_id=proposed["room_id"],
        dates=wanted,
        buffer=rules.buffer,
        now=now,
        exclude_event_id=event.id,
    )
    if taken:
        raise Invalid(
            {
                "slot": _(
                    "This time was taken a moment ago by “%(title)s”. Choose another.",
                    title=taken[0].event_title,
                )
            }
        )
    await store.add_occurrences(
        conn,
        series.occurrence_rows(
            event.id,
            proposed["room_id"],
            wanted,
            status="held",
            now=now,
            hold_until=rules.hold_until(now),
        ),
    )


async def _back_to_review(
    ctx: Context, conn: AsyncConnection, event: access.Event, actor: Actor, now: datetime
) -> None:
    """The agreed dates become holds until staff approve the new time (so the old time is not
    lost to someone else meanwhile)."""
    step = transition(event.state, "back_to_review")
    assert step is not None
    rules = await rules_for(conn, event.library_id)
    await store.hold_booked_dates(conn, event.id, until=rules.hold_until(now), at=now)
    await store.add_transition(
        conn,
        event_id=event.id,
        action="back_to_review",
        from_state=event.state,
        to_state=step.target,
        actor_id=actor.user_id,
        at=now,
        comment="",
    )
    await notify.transitioned(conn, event, actor=actor, action="back_to_review", at=now)


def _normal(value: Any) -> Any:
    if value in (None, "", [], {}):
        return None
    if isinstance(value, list):
        return sorted(value)
    return value
