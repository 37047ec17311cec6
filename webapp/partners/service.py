"""Rules for the partner directory (the actor map): a library's staff and admins see every
association the library has approved, how close each relationship is and what they did
together, and describe the relationship (level, interests, target groups, notes).

An association without an approved partnership with the library is NotFound, always: also
another library's partner, and a library's own id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _, ngettext
from webapp.partners import store
from webapp.partners.suggestion import Suggestion, suggest
from webapp.partners.vocabulary import LEVELS, TARGET_GROUPS
from webapp.problems import Forbidden, Invalid, NotFound

MAX_INTERESTS = 1000
MAX_NOTES = 4000
MAX_SEARCH = 100
FIELDS = ("level", "interests", "target_groups", "notes")


@dataclass(frozen=True)
class Filters:
    """What the directory is narrowed to; empty strings mean "all"."""

    level: str = ""
    target_group: str = ""
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.level or self.target_group or self.search)


@dataclass(frozen=True)
class Partner:
    """One partner association: ``row`` from ``store.partners_of_library`` and the admins
    to contact."""

    row: Row
    contacts: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class Directory:
    partners: list[Partner]
    total: int  # approved partners, whatever the filters


@dataclass(frozen=True)
class PartnerDetail:
    partner: Partner
    events: list[Row]  # newest first
    evaluations: dict[int, list[Row]]  # event id → the library's and the association's
    suggestion: Suggestion | None


# Reading -------------------------------------------------------------------------------------


async def directory(ctx: Context, *, actor: Actor, library: Row, filters: Filters) -> Directory:
    """The library's partners matching ``filters``, in a fixed number of queries however
    many partners and events there are.

    The filters apply here rather than in SQL: a library has tens or hundreds of partners,
    JSON lists are queried differently on SQLite and PostgreSQL, and SQLite's lower() does
    not fold Nordic letters (Å, Ø, Æ) for the name search."""
    _require(actor, "library.partners.view", library)
    async with ctx.db.read() as conn:
        rows = await store.partners_of_library(conn, library.id)
        contacts = await store.contacts_of_partners(conn, library.id)
    by_association: dict[int, list[Row]] = {}
    for contact in contacts:
        by_association.setdefault(contact.organisation_id, []).append(contact)
    wanted = filters.search.casefold()
    partners = [
        Partner(row=row, contacts=by_association.get(row.association_id, []))
        for row in rows
        if (not filters.level or row.level == filters.level)
        and (not filters.target_group or filters.target_group in (row.target_groups or []))
        and (not wanted or wanted in row.name.casefold())
    ]
    partners.sort(key=lambda p: (p.row.name.casefold(), p.row.association_id))
    return Directory(partners=partners, total=len(rows))


async def partner(
    ctx: Context, *, actor: Actor, library: Row, association_id: int
) -> PartnerDetail:
    """One partner with the events done together, their evaluations and a suggestion."""
    _require(actor, "library.partners.view", library)
    async with ctx.db.read() as conn:
        found = await _partner(conn, library, association_id)
        contacts = await store.contacts_of_partners(conn, library.id, association_id=association_id)
        together = await store.events_together(conn, library.id, association_id)
        given = await store.evaluations_together(conn, library.id, association_id)
    by_event: dict[int, list[Row]] = {}
    for evaluation in given:
        by_event.setdefault(evaluation.event_id, []).append(evaluation)
    return PartnerDetail(
        partner=Partner(row=found, contacts=contacts),
        events=list(reversed(together)),
        evaluations=by_event,
        suggestion=_suggestion(found.level, together, given),
    )


# Changing ------------------------------------------------------------------------------------


async def update_partner(
    ctx: Context, *, actor: Actor, library: Row, association_id: int, values: Mapping[str, Any]
) -> bool:
    """Save the level, interests, target groups and notes; True when anything changed. The
    audit log names every changed field, with old and new level and target groups (notes
    and interests are free text and are not copied into the log)."""
    _require(actor, "library.partners.manage", library)
    clean = partner_values(values)
    async with ctx.db.transaction() as conn:
        current = await store.partnership_for_update(conn, library.id, association_id)
        if current is None:
            raise NotFound()
        return await _save(conn, actor, library, current, clean, action="partner.updated")


async def accept_suggestion(
    ctx: Context, *, actor: Actor, library: Row, association_id: int, level: str
) -> None:
    """Set the level the evaluations suggest. ``level`` is the level the person saw
    suggested: when the suggestion has changed since (someone saved another level, a new
    evaluation came in), nothing is changed and Invalid says so."""
    _require(actor, "library.partners.manage", library)
    async with ctx.db.transaction() as conn:
        current = await store.partnership_for_update(conn, library.id, association_id)
        if current is None:
            raise NotFound()
        together = await store.events_together(conn, library.id, association_id)
        given = await store.evaluations_together(conn, library.id, association_id)
        suggestion = _suggestion(current.level, together, given)
        if suggestion is None or suggestion.kind != "level" or suggestion.level != level:
            raise Invalid(
                {"suggestion": _("The suggestion has changed meanwhile. Look at it again.")}
            )
        clean = {
            "level": level,
            "interests": current.interests,
            "target_groups": list(current.target_groups or []),
            "notes": current.notes,
        }
        await _save(conn, actor, library, current, clean, action="partner.suggestion_accepted")


# Helpers -------------------------------------------------------------------------------------


def partner_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The rules every partnership description keeps, however it is saved (form, demo,
    later the API)."""
    errors: dict[str, str] = {}
    level = str(values.get("level") or "")
    if level not in LEVELS:
        errors["level"] = _("Choose one of the options.")
    groups = list(values.get("target_groups") or [])
    if any(code not in TARGET_GROUPS for code in groups):
        errors["target_groups"] = _("Choose among the listed options.")
    texts = {}
    for key, limit in (("interests", MAX_INTERESTS), ("notes", MAX_NOTES)):
        texts[key] = str(values.get(key) or "").strip()
        if len(texts[key]) > limit:
            errors[key] = ngettext(
                "Use at most %(num)d character.", "Use at most %(num)d characters.", limit
            )
    if errors:
        raise Invalid(errors)
    return {
        "level": level,
        "interests": texts["interests"],
        "target_groups": [code for code in TARGET_GROUPS if code in groups],
        "notes": texts["notes"],
    }


async def _save(
    conn: AsyncConnection,
    actor: Actor,
    library: Row,
    current: Row,
    clean: dict[str, Any],
    *,
    action: str,
) -> bool:
    old = {key: getattr(current, key) for key in FIELDS}
    old["target_groups"] = list(old["target_groups"] or [])
    changed = [key for key in FIELDS if old[key] != clean[key]]
    if not changed:
        return False
    await store.update_partnership(conn, current.id, **{key: clean[key] for key in changed})
    details: dict[str, Any] = {"changed": changed}
    if "level" in changed:
        details["level"] = [old["level"], clean["level"]]
    if "target_groups" in changed:
        details["target_groups"] = [old["target_groups"], clean["target_groups"]]
    await audit.record(
        conn,
        action=action,
        actor_id=actor.user_id,
        organisation_id=library.id,
        target=f"organisation:{current.association_id}",
        **details,
    )
    return True


def _suggestion(level: str, together: list[Row], given: list[Row]) -> Suggestion | None:
    """``suggest`` fed with the events together (oldest first) and their evaluations."""
    answers: dict[int, list[str]] = {}
    for evaluation in given:
        answers.setdefault(evaluation.event_id, []).append(evaluation.continue_together)
    return suggest(
        level=level,
        events_together=len(together),
        answers=[answers.get(row.id, []) for row in together],
    )


def _require(actor: Actor, action: str, library: Row) -> None:
    if getattr(library, "kind", None) != "library":
        raise NotFound()
    if not can(actor, action, library):
        raise Forbidden()


async def _partner(conn: AsyncConnection, library: Row, association_id: int) -> Row:
    found = await store.partners_of_library(conn, library.id, association_id=association_id)
    if not found:
        raise NotFound()
    return found[0]
