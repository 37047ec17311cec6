"""SQL for the partner directory: a library's approved partnerships with their associations,
the events they did together and what their evaluations said.

Every query takes the library's id, so another library's partner, an association without an
approved partnership or a library's own id is simply not found. Events are read from the
events tables directly (the events package owns writing them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    evaluations,
    event_partners,
    events,
    memberships,
    organisations,
    partnerships,
    users,
)
from webapp.partners.vocabulary import TOGETHER_STATES

_EVENTS_WITH_PARTNERS = events.join(event_partners, event_partners.c.event_id == events.c.id)


def _together(library_id: int, association_id: Any) -> tuple[ColumnElement[bool], ...]:
    """Conditions for the library's events in which the association is an active partner.
    ``association_id`` may be a column, to correlate with an outer query."""
    return (
        events.c.library_id == library_id,
        events.c.state.in_(TOGETHER_STATES),
        event_partners.c.status == "active",
        event_partners.c.organisation_id == association_id,
    )


async def partners_of_library(
    conn: AsyncConnection,
    library_id: int,
    *,
    association_id: int | None = None,
) -> list[Row]:
    """The associations with an approved partnership with the library, in one query however
    many there are: the partnership's columns; the association's ``name``, ``slug``,
    ``description``, ``website`` and ``email``; ``members_count``; ``events_together`` and
    ``last_event_at`` (the latest start of an event together, None when there is none)."""
    together = _together(library_id, organisations.c.id)
    members_count = (
        select(func.count(memberships.c.id))
        .where(memberships.c.organisation_id == organisations.c.id)
        .scalar_subquery()
    )
    events_together = (
        select(func.count(events.c.id))
        .select_from(_EVENTS_WITH_PARTNERS)
        .where(*together)
        .scalar_subquery()
    )
    last_event_at = (
        select(func.max(events.c.starts_at))
        .select_from(_EVENTS_WITH_PARTNERS)
        .where(*together)
        .scalar_subquery()
    )
    query = (
        select(
            partnerships,
            organisations.c.name,
            organisations.c.slug,
            organisations.c.description,
            organisations.c.website,
            organisations.c.email,
            members_count.label("members_count"),
            events_together.label("events_together"),
            last_event_at.label("last_event_at"),
        )
        .join(organisations, organisations.c.id == partnerships.c.association_id)
        .where(
            partnerships.c.library_id == library_id,
            partnerships.c.status == "approved",
            organisations.c.kind == "association",
        )
        .order_by(func.lower(organisations.c.name), organisations.c.id)
    )
    if association_id is not None:
        query = query.where(partnerships.c.association_id == association_id)
    return list(await conn.execute(query))


async def contacts_of_partners(
    conn: AsyncConnection, library_id: int, *, association_id: int | None = None
) -> list[Row]:
    """(``organisation_id``, ``name``, ``email``) of the admins of the library's partner
    associations (or of one of them), in one query."""
    partners = select(partnerships.c.association_id).where(
        partnerships.c.library_id == library_id, partnerships.c.status == "approved"
    )
    if association_id is not None:
        partners = partners.where(partnerships.c.association_id == association_id)
    result = await conn.execute(
        select(memberships.c.organisation_id, users.c.name, users.c.email)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.role == "admin", memberships.c.organisation_id.in_(partners))
        .order_by(memberships.c.organisation_id, func.lower(users.c.name), users.c.id)
    )
    return list(result)


async def events_together(conn: AsyncConnection, library_id: int, association_id: int) -> list[Row]:
    """(``id``, ``title``, ``starts_at``, ``state``) of the events together, oldest first
    (an event without a date last)."""
    result = await conn.execute(
        select(events.c.id, events.c.title, events.c.starts_at, events.c.state)
        .select_from(_EVENTS_WITH_PARTNERS)
        .where(*_together(library_id, association_id))
        .order_by(events.c.starts_at.is_(None), events.c.starts_at, events.c.id)
    )
    return list(result)


async def evaluations_together(
    conn: AsyncConnection, library_id: int, association_id: int
) -> list[Row]:
    """The library's and the association's evaluations of their events together, each with
    ``event_id``, ``organisation_id``, ``organisation_name``, ``continue_together`` and
    ``at``, in the order they were given (per event)."""
    evaluated = (
        select(events.c.id)
        .select_from(_EVENTS_WITH_PARTNERS)
        .where(*_together(library_id, association_id))
    )
    result = await conn.execute(
        select(
            evaluations.c.id,
            evaluations.c.event_id,
            evaluations.c.organisation_id,
            organisations.c.name.label("organisation_name"),
            evaluations.c.continue_together,
            evaluations.c.at,
        )
        .join(organisations, organisations.c.id == evaluations.c.organisation_id)
        .where(
            evaluations.c.event_id.in_(evaluated),
            evaluations.c.organisation_id.in_((library_id, association_id)),
        )
        .order_by(evaluations.c.event_id, evaluations.c.at, evaluations.c.id)
    )
    return list(result)


async def partnership_for_update(
    conn: AsyncConnection, library_id: int, association_id: int
) -> Row | None:
    """The approved partnership, its row locked until the transaction ends (PostgreSQL;
    SQLite's write transactions are serialised anyway)."""
    result = await conn.execute(
        select(partnerships)
        .join(organisations, organisations.c.id == partnerships.c.association_id)
        .where(
            partnerships.c.library_id == library_id,
            partnerships.c.association_id == association_id,
            partnerships.c.status == "approved",
            organisations.c.kind == "association",
        )
        .with_for_update(of=partnerships)
    )
    return result.first()


async def update_partnership(conn: AsyncConnection, partnership_id: int, **values: object) -> None:
    await conn.execute(
        update(partnerships).where(partnerships.c.id == partnership_id).values(**values)
    )
