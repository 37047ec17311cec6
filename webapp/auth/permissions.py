"""Who may do what: one table of rules and one function, ``can(actor, action, thing)``.

Every route and service asks here; nothing else decides permissions. ``thing`` is what the
action is about: for organisation actions, anything with ``id`` and ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

ROLES = ("admin", "staff", "member")


@dataclass(frozen=True)
class Membership:
    organisation_id: int
    role: str
    kind: str
    status: str
    name: str
    slug: str


@dataclass(frozen=True)
class Actor:
    """The person behind a request. ``Actor.anonymous()`` when nobody is logged in."""

    user_id: int | None = None
    name: str = ""
    email: str = ""
    is_superuser: bool = False
    locale: str | None = None
    memberships: dict[int, Membership] = field(default_factory=dict)

    @classmethod
    def anonymous(cls) -> Actor:
        return cls()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def role_in(self, organisation_id: int) -> str | None:
        membership = self.memberships.get(organisation_id)
        return membership.role if membership else None

    def organisations(self, kind: str | None = None) -> list[Membership]:
        found = [m for m in self.memberships.values() if kind is None or m.kind == kind]
        return sorted(found, key=lambda m: m.name.lower())

    @property
    def administered_libraries(self) -> list[Membership]:
        return [m for m in self.organisations("library") if m.role == "admin"]


class OrgLike(Protocol):
    id: int
    kind: str


def _authenticated(actor: Actor, thing: Any) -> bool:
    return actor.is_authenticated


def _role(*roles: str, kind: str | None = None) -> Callable[[Actor, Any], bool]:
    def rule(actor: Actor, thing: Any) -> bool:
        if thing is None:
            return False
        if kind is not None and getattr(thing, "kind", None) != kind:
            return False  # library-only actions never apply to an association, even for a superuser
        return actor.is_superuser or actor.role_in(thing.id) in roles

    return rule


def _admin_of_any_library(actor: Actor, thing: Any) -> bool:
    return actor.is_superuser or bool(actor.administered_libraries)


class EventLike(Protocol):
    @property
    def library_id(self) -> int: ...

    @property
    def state(self) -> str: ...

    # organisation id -> (role, status) of every partner of the event
    @property
    def partner_roles(self) -> dict[int, tuple[str, str]]: ...

    # Whether it has ever been submitted to the library.
    @property
    def was_submitted(self) -> bool: ...


def event_parties(actor: Actor, event: EventLike) -> frozenset[str]:
    """What the actor is to the event: ``library`` (staff or admin of the hosting library),
    ``partner`` and ``lead`` (a member of an active partner, of the lead), ``invited`` (a
    member of an organisation invited to co-author it). The workflow table names these."""
    parties: set[str] = set()
    library_is_partner = event.library_id in event.partner_roles
    # An association's draft is its own until submitted (a draft withdrawn before that, too);
    # the library sees it from then on.
    if actor.role_in(event.library_id) in ("admin", "staff") and (
        event.was_submitted or library_is_partner
    ):
        parties.add("library")
    for org_id, (role, status) in event.partner_roles.items():
        membership = actor.memberships.get(org_id)
        if membership is None or membership.status != "active":
            continue
        if status == "active":
            parties.add("partner")
            if role == "lead":
                parties.add("lead")
        elif status == "invited":
            parties.add("invited")
    return frozenset(parties)


def _event(*parties: str, states: tuple[str, ...] | None = None) -> Callable[[Actor, Any], bool]:
    def rule(actor: Actor, event: Any) -> bool:
        if event is None or (states is not None and event.state not in states):
            return False
        return bool(event_parties(actor, event) & set(parties))

    return rule


def _organisation_people(actor: Actor, org: Any) -> bool:
    """A library's staff and admins, or an association's admins and members."""
    if org is None:
        return False
    roles = ("admin", "staff") if getattr(org, "kind", None) == "library" else ("admin", "member")
    return actor.is_superuser or actor.role_in(org.id) in roles


def _active_member(actor: Actor, org: Any) -> bool:
    """Any member of an active organisation (association or library) may propose events."""
    if org is None:
        return False
    membership = actor.memberships.get(org.id)
    return membership is not None and membership.status == "active"


_EDITABLE = ("draft", "submitted", "changes_requested", "approved", "published")


RULES: dict[str, Callable[[Actor, Any], bool]] = {
    "account.manage": _authenticated,
    "org.create_library": lambda actor, thing: actor.is_superuser,
    "org.view": _role("admin", "staff", "member"),
    "org.edit": _role("admin"),
    "org.members.view": _role("admin", "staff", "member"),
    "org.members.manage": _role("admin"),
    "org.invite": _role("admin"),
    # The snippet that puts the organisation's public program on its own website.
    "program.embed": _organisation_people,
    "library.locations.view": _role("admin", "staff", kind="library"),
    "library.locations.manage": _role("admin", kind="library"),
    "library.associations.review": _role("admin", kind="library"),
    "console.view": _admin_of_any_library,
    "event.propose": _active_member,
    "event.view": _event("library", "partner", "invited"),
    "event.edit": _event("library", "partner", states=_EDITABLE),
    "event.comment": _event("library", "partner", "invited"),
    "event.invite_partner": _event("library", "lead", states=_EDITABLE),
    "event.answer_invitation": _event("invited"),
    # The last meeting: each party records its evaluation once the event has been held.
    "event.evaluate": _event("library", "partner", states=("completed", "evaluated")),
    # Cancel, move or restore single dates of a booked event (one date of a weekly series).
    "event.dates.manage": _event("library", "lead", states=("approved", "published")),
    # The invitation plan (audiences, channels, share links), while the event can change.
    "event.invitations": _event("library", "partner", states=_EDITABLE),
    # Volunteers: tasks, shifts and the sign-up page while the event can change; the roster,
    # check-in and messages to a shift for the organisers whenever (hours are counted after).
    "event.volunteers": _event("library", "partner", states=_EDITABLE),
    "event.volunteers.roster": _event("library", "partner"),
    "library.events.review": _role("admin", "staff", kind="library"),
    "library.partners.view": _role("admin", "staff", kind="library"),
    "library.partners.manage": _role("admin", "staff", kind="library"),
    "library.slots.view": _role("admin", "staff", kind="library"),
    "library.slots.manage": _role("admin", kind="library"),
    "library.rules.manage": _role("admin", kind="library"),
    # Private calendar feeds: every booking of one's library; every event of one's organisation.
    "calendar.staff_feed": _role("admin", "staff", kind="library"),
    "calendar.partner_feed": _role("admin", "staff", "member"),
    # The contact book of one's organisation (members send invitations to their networks).
    "contacts.manage": _role("admin", "staff", "member"),
    # The monthly SMS budget (sending and the message log come with contacts.manage).
    "sms.budget": _role("admin"),
    # An organisation's task templates and its volunteers' hours (reports to funders).
    "volunteers.organisation": _organisation_people,
    # The deployment's accessibility statement and the problems reported there: the admins
    # of the library that runs the service (``thing`` is that library).
    "statement.manage": _role("admin", kind="library"),
}


def can(actor: Actor, action: str, thing: Any = None) -> bool:
    """True when ``actor`` may do ``action`` to ``thing``. Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}")
    if not actor.is_authenticated:
        return False
    return rule(actor, thing)
