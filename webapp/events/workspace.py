"""What the co-planning pages show: the workspace of one event, the edit form's choices, the
history, and an organisation's list of events. Read-only; every function checks who asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row

from webapp import clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.events import access, evaluations, store
from webapp.events.drafting import HOLDING_STATES
from webapp.events.review import agreement_problems, opening_hours_of, submission_problems
from webapp.events.workflow import Transition, available
from webapp.locations import store as location_store
from webapp.orgs import store as org_store
from webapp.problems import NotFound
from webapp.slots.availability import SlotChoice, open_slot_choices
from webapp.slots.rules import Rules, rules_for

# How far ahead the edit form offers the library's open program slots.
SLOT_WEEKS = 12


@dataclass
class Workspace:
    event: access.Event
    parties: frozenset[str]
    actions: list[Transition]
    dates: list[Row]
    transitions: list[Row]
    comments: list[Row]
    rules: Rules
    submission_problems: dict[str, str]
    agreement_problems: dict[str, str]
    candidates: list[Row] = field(default_factory=list)
    my_partner_ids: list[int] = field(default_factory=list)
    invited_me: list[Row] = field(default_factory=list)
    counter: list[Row] = field(default_factory=list)
    # After the event: each party that must evaluate, and when it answered (None: not yet).
    evaluations: list[tuple[str, datetime | None]] = field(default_factory=list)

    @property
    def row(self) -> Row:
        return self.event.row


async def workspace(ctx: Context, *, actor: Actor, event_id: int) -> Workspace:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        rules = await rules_for(conn, event.library_id)
        page = Workspace(
            event=event,
            parties=parties,
            actions=[t for t in available(event.state, parties) if "system" not in t.who],
            dates=await store.occurrences_of(conn, event_id),
            transitions=await store.transitions(conn, event_id),
            comments=await store.comments(conn, event_id),
            rules=rules,
            submission_problems=submission_problems(
                event.row,
                rules,
                clock.now(),
                tz=event.tz,
                opening_hours=await opening_hours_of(conn, event),
            ),
            agreement_problems=agreement_problems(event),
        )
        if event.state in ("completed", "evaluated"):
            answered = {r.organisation_id: r.at for r in await store.evaluations_of(conn, event_id)}
            page.evaluations = [
                (party.name, answered.get(party.organisation_id))
                for party in evaluations.parties_of(event)
            ]
        if can(actor, "event.invite_partner", event):
            page.candidates = await store.partner_candidates(conn, event.partner_roles)
    now = clock.now()
    page.counter = [
        d for d in page.dates
        if d.status == "counter" and d.hold_expires_at and d.hold_expires_at > now
    ]  # fmt: skip
    page.actions = [
        t for t in page.actions
        if t.action != "counter_propose" and (t.needs != "counter" or page.counter)
    ]  # fmt: skip
    page.my_partner_ids = [
        p.organisation_id
        for p in event.partners
        if p.status == "active" and p.organisation_id in actor.memberships
    ]
    page.invited_me = [
        p
        for p in event.partners
        if p.status == "invited" and p.organisation_id in actor.memberships
    ]
    return page


@dataclass
class Choices:
    """What the edit form offers: the library's locations and rooms and its questions."""

    event: access.Event
    locations: list[Row]
    rooms: list[Row]
    rules: Rules
    slots: list[SlotChoice] = field(default_factory=list)


async def edit_choices(ctx: Context, *, actor: Actor, event_id: int) -> Choices:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.edit", event)
        choices = await _choices(conn, event)
    if event.state in HOLDING_STATES:
        today = clock.now().astimezone(event.tz).date()
        choices.slots = await open_slot_choices(
            ctx,
            library_id=event.library_id,
            start=today,
            end=today + timedelta(weeks=SLOT_WEEKS),
            exclude_event_id=event.id,
        )
    return choices


async def _choices(conn: Any, event: access.Event) -> Choices:
    locations = [
        loc
        for loc in await location_store.locations_of_library(conn, event.library_id)
        if loc.is_active
    ]
    active = {loc.id for loc in locations}
    rooms = [
        room
        for room in await location_store.rooms_of_library(conn, event.library_id)
        if room.is_active and room.location_id in active
    ]
    return Choices(event, locations, rooms, await rules_for(conn, event.library_id))


async def approval_choices(ctx: Context, *, actor: Actor, event_id: int) -> Choices:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        parties = access.require(actor, "event.view", event)
        if "library" not in parties:
            raise NotFound()
        return await _choices(conn, event)


async def history(ctx: Context, *, actor: Actor, event_id: int) -> tuple[access.Event, list[Row]]:
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.view", event)
        return event, await store.revisions(conn, event_id)


async def partner_page(
    ctx: Context, *, actor: Actor, event_id: int, organisation_id: int
) -> tuple[access.Event, Row, list[Row]]:
    """The partner's own part and its members (for the contact person)."""
    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.edit", event)
        partner = next(
            (
                p
                for p in event.partners
                if p.organisation_id == organisation_id and p.status == "active"
            ),
            None,
        )
        if partner is None or organisation_id not in actor.memberships:
            raise NotFound()
        return event, partner, await org_store.members_of(conn, organisation_id)


@dataclass(frozen=True)
class Proposer:
    """An organisation the actor may propose for, and a library it may propose to."""

    organisation: Row
    library_id: int
    library_name: str

    @property
    def key(self) -> str:
        return f"{self.organisation.id}:{self.library_id}"


async def proposers(ctx: Context, *, actor: Actor) -> list[Proposer]:
    found: list[Proposer] = []
    async with ctx.db.read() as conn:
        for membership in actor.organisations():
            org = await org_store.org_by_id(conn, membership.organisation_id)
            if org is None or not can(actor, "event.propose", org):
                continue
            if org.kind == "library":
                found.append(Proposer(org, org.id, org.name))
                continue
            for p in await org_store.partnerships_of_association(conn, org.id):
                if p.status == "approved":
                    found.append(Proposer(org, p.library_id, p.library_name))
    return found


async def events_of(ctx: Context, *, actor: Actor, organisation: Row) -> list[Row]:
    """The organisation's events: those it co-authors and, for a library, those it hosts."""
    if not can(actor, "org.view", organisation):
        raise NotFound()
    async with ctx.db.read() as conn:
        rows = {row.id: row for row in await store.events_of_organisation(conn, organisation.id)}
        if organisation.kind == "library" and can(actor, "library.events.review", organisation):
            for row in await store.events_of_library(conn, organisation.id):
                rows.setdefault(row.id, row)
    return sorted(rows.values(), key=lambda r: r.updated_at, reverse=True)


def local(value: datetime | None, event: access.Event) -> datetime | None:
    return value.astimezone(event.tz) if value else None
