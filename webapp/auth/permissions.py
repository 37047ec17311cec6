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


RULES: dict[str, Callable[[Actor, Any], bool]] = {
    "account.manage": _authenticated,
    "org.create_library": lambda actor, thing: actor.is_superuser,
    "org.view": _role("admin", "staff", "member"),
    "org.edit": _role("admin"),
    "org.members.view": _role("admin", "staff", "member"),
    "org.members.manage": _role("admin"),
    "org.invite": _role("admin"),
    "library.locations.view": _role("admin", "staff", kind="library"),
    "library.locations.manage": _role("admin", kind="library"),
    "library.associations.review": _role("admin", kind="library"),
    "console.view": _admin_of_any_library,
}


def can(actor: Actor, action: str, thing: Any = None) -> bool:
    """True when ``actor`` may do ``action`` to ``thing``. Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}")
    if not actor.is_authenticated:
        return False
    return rule(actor, thing)
