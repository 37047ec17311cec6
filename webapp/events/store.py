"""SQL for events: the event row, its partners, dates, revisions, transitions and comments.

Queries are named after what they return. Every function takes an open connection; the
services decide the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.db.tables import (
    evaluations,
    event_comments,
    event_partners,
    event_revisions,
    event_transitions,
    events,
    locations,
    memberships,
    occurrences,
    organisations,
    rooms,
    users,
)

# Events ---------------------------------------------------------------------------------------


async def event(conn: AsyncConnection, event_id: int) -> Row | None:
    """The event with its library's name, slug and time zone, and its room and location."""
    library = organisations.alias("library")
    result = await conn.execute(
        select(
            events,
            library.c.name.label("library_name"),
            library.c.slug.label("library_slug"),
            library.c.timezone.label("library_timezone"),
            library.c.country.label("library_country"),
            rooms.c.name.label("room_name"),
            rooms.c.capacity.label("room_capacity"),
            locations.c.name.label("location_name"),
        )
        .join(library, library.c.id == events.c.library_id)
        .outerjoin(rooms, rooms.c.id == events.c.room_id)
        .outerjoin(locations, locations.c.id == events.c.location_id)
        .where(events.c.id == event_id)
    )
    return result.first()


async def create_event(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(insert(events).values(**values).returning(events.c.id))
    return result.scalar_one()


async def update_event(
    conn: AsyncConnection, event_id: int, *, expected_version: int | None, **values: Any
) -> bool:
    """Write ``values`` and bump the version; False when someone else saved first."""
    query = update(events).where(events.c.id == event_id)
    if expected_version is not None:
        query = query.where(events.c.version == expected_version)
    result = await conn.execute(query.values(version=events.c.version + 1, **values))
    return result.rowcount == 1


async def move_state(
    conn: AsyncConnection, event_id: int, *, source: str, target: str, **values: Any
) -> bool:
    """Compare-and-set of the state: of two simultaneous transitions exactly one wins. A new
    state is a new calendar status, so the iCalendar SEQUENCE goes up."""
    values.setdefault("sequence", events.c.sequence + 1)
    result = await conn.execute(
        update(events)
        .where(events.c.id == event_id, events.c.state == source)
        .values(state=target, version=events.c.version + 1, **values)
    )
    return result.rowcount == 1


async def events_of_organisation(conn: AsyncConnection, organisation_id: int) -> list[Row]:
    """Events the organisation co-authors or is invited to, newest first."""
    result = await conn.execute(
        select(
            events.c.id,
            events.c.title,
            events.c.state,
            events.c.starts_at,
            events.c.updated_at,
            event_partners.c.role,
            event_partners.c.status.label("partner_status"),
        )
        .join(event_partners, event_partners.c.event_id == events.c.id)
        .where(
            event_partners.c.organisation_id == organisation_id,
            event_partners.c.status != "declined",
        )
        .order_by(events.c.updated_at.desc(), events.c.id.desc())
    )
    return list(result)


async def events_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    """Every event the library hosts (drafts of associations excluded: they are private
    until submitted, unless the library is a partner)."""
    result = await conn.execute(
        select(events.c.id, events.c.title, events.c.state, events.c.starts_at, events.c.updated_at)
        .where(events.c.library_id == library_id, events.c.state != "draft")
        .order_by(events.c.updated_at.desc(), events.c.id.desc())
    )
    return list(result)


async def review_queue(
    conn: AsyncConnection,
    library_id: int,
    *,
    location_id: int | None = None,
    partner_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
) -> list[Row]:
    """Submitted events of the library, oldest submission first, with the lead's name and
    (``counter_until``) whether staff's counter-proposal waits for the partners."""
    lead = event_partners.alias("lead")
    lead_org = organisations.alias("lead_org")
    query = (
        select(
            events.c.id,
            events.c.title,
            events.c.summary,
            events.c.starts_at,
            events.c.ends_at,
            events.c.wished_times,
            events.c.submitted_at,
            events.c.repeat_weeks,
            events.c.expected_attendance,
            locations.c.name.label("location_name"),
            rooms.c.name.label("room_name"),
            lead_org.c.name.label("lead_name"),
            select(occurrences.c.hold_expires_at)
            .where(
                occurrences.c.event_id == events.c.id,
                occurrences.c.status == "counter",
                occurrences.c.hold_expires_at > now,
            )
            .limit(1)
            .scalar_subquery()
            .label("counter_until"),
        )
        .outerjoin(locations, locations.c.id == events.c.location_id)
        .outerjoin(rooms, rooms.c.id == events.c.room_id)
        .outerjoin(lead, and_(lead.c.event_id == events.c.id, lead.c.role == "lead"))
        .outerjoin(lead_org, lead_org.c.id == lead.c.organisation_id)
        .where(events.c.library_id == library_id, events.c.state == "submitted")
        .order_by(events.c.submitted_at, events.c.id)
    )
    if location_id is not None:
        query = query.where(events.c.location_id == location_id)
    if partner_id is not None:
        query = query.where(
            events.c.id.in_(
                select(event_partners.c.event_id).where(
                    event_partners.c.organisation_id == partner_id,
                    event_partners.c.status == "active",
                )
            )
        )
    if start is not None:
        query = query.where(events.c.starts_at >= start)
    if end is not None:
        query = query.where(events.c.starts_at < end)
    return list(await conn.execute(query))


# Partners -------------------------------------------------------------------------------------


async def partners(conn: AsyncConnection, event_id: int) -> list[Row]:
    """The event's partner organisations (lead first) with their contact person's name."""
    result = await conn.execute(
        select(
            event_partners,
            organisations.c.name,
            organisations.c.slug,
            organisations.c.kind,
            users.c.name.label("contact_name"),
            users.c.email.label("contact_email"),
        )
        .join(organisations, organisations.c.id == event_partners.c.organisation_id)
        .outerjoin(users, users.c.id == event_partners.c.contact_user_id)
        .where(event_partners.c.event_id == event_id)
        .order_by(event_partners.c.created_at, event_partners.c.id)
    )
    rows = list(result)
    return sorted(rows, key=lambda r: r.role != "lead")


async def partner_organisations_of_library(conn: AsyncConnection, library_id: int) -> list[Row]:
    """Organisations that co-author events of the library (for filters)."""
    result = await conn.execute(
        select(organisations.c.id, organisations.c.name)
        .where(
            organisations.c.id.in_(
                select(event_partners.c.organisation_id)
                .join(events, events.c.id == event_partners.c.event_id)
                .where(events.c.library_id == library_id, event_partners.c.status == "active")
            )
        )
        .order_by(organisations.c.name)
    )
    return list(result)


async def add_partner(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(
        insert(event_partners).values(**values).returning(event_partners.c.id)
    )
    return result.scalar_one()


async def update_partner(
    conn: AsyncConnection, event_id: int, organisation_id: int, **values: Any
) -> bool:
    result = await conn.execute(
        update(event_partners)
        .where(
            event_partners.c.event_id == event_id,
            event_partners.c.organisation_id == organisation_id,
        )
        .values(**values)
    )
    return result.rowcount == 1


async def partner_candidates(conn: AsyncConnection, exclude: Iterable[int]) -> list[Row]:
    """Active organisations that could be invited as partners."""
    result = await conn.execute(
        select(organisations.c.id, organisations.c.name, organisations.c.kind)
        .where(organisations.c.status == "active", organisations.c.id.not_in(list(exclude)))
        .order_by(organisations.c.name)
    )
    return list(result)


async def member_ids(conn: AsyncConnection, organisation_ids: Sequence[int]) -> list[int]:
    if not organisation_ids:
        return []
    result = await conn.execute(
        select(memberships.c.user_id)
        .where(memberships.c.organisation_id.in_(list(organisation_ids)))
        .distinct()
    )
    return [row.user_id for row in result]


async def staff_ids(conn: AsyncConnection, library_id: int) -> list[int]:
    result = await conn.execute(
        select(memberships.c.user_id).where(
            memberships.c.organisation_id == library_id,
            memberships.c.role.in_(("admin", "staff")),
        )
    )
    return [row.user_id for row in result]


async def names_and_emails(conn: AsyncConnection, user_ids: Sequence[int]) -> list[Row]:
    result = await conn.execute(
        select(users.c.id, users.c.name, users.c.email).where(users.c.id.in_(list(user_ids)))
    )
    return list(result)


# Dates ----------------------------------------------------------------------------------------


async def occurrences_of(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(occurrences, rooms.c.name.label("room_name"))
        .join(rooms, rooms.c.id == occurrences.c.room_id)
        .where(occurrences.c.event_id == event_id)
        .order_by(occurrences.c.starts_at, occurrences.c.id)
    )
    return list(result)


async def add_occurrences(conn: AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(occurrences), list(rows))


async def release_occurrences(
    conn: AsyncConnection, event_id: int, statuses: Sequence[str]
) -> None:
    """Drop the event's holds or bookings of the given statuses."""
    await conn.execute(
        delete(occurrences).where(
            occurrences.c.event_id == event_id, occurrences.c.status.in_(list(statuses))
        )
    )


async def set_occurrences_status(
    conn: AsyncConnection, event_id: int, *, source: Sequence[str], target: str, at: datetime
) -> None:
    await conn.execute(
        update(occurrences)
        .where(occurrences.c.event_id == event_id, occurrences.c.status.in_(list(source)))
        .values(status=target, sequence=occurrences.c.sequence + 1, updated_at=at)
    )


async def hold_booked_dates(
    conn: AsyncConnection, event_id: int, *, until: datetime, at: datetime
) -> None:
    """The event's scheduled dates become holds that expire at ``until``."""
    await conn.execute(
        update(occurrences)
        .where(occurrences.c.event_id == event_id, occurrences.c.status == "scheduled")
        .values(status="held", hold_expires_at=until, updated_at=at)
    )


async def update_occurrence(conn: AsyncConnection, occurrence_id: int, **values: Any) -> None:
    await conn.execute(
        update(occurrences).where(occurrences.c.id == occurrence_id).values(**values)
    )


# History --------------------------------------------------------------------------------------


async def add_revision(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(event_revisions).values(**values))


async def revisions(conn: AsyncConnection, event_id: int, *, since_version: int = 0) -> list[Row]:
    result = await conn.execute(
        select(event_revisions, users.c.name.label("actor_name"))
        .outerjoin(users, users.c.id == event_revisions.c.actor_id)
        .where(event_revisions.c.event_id == event_id, event_revisions.c.version > since_version)
        .order_by(event_revisions.c.version.desc(), event_revisions.c.id.desc())
    )
    return list(result)


async def add_transition(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(event_transitions).values(**values))


async def transitions(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(event_transitions, users.c.name.label("actor_name"))
        .outerjoin(users, users.c.id == event_transitions.c.actor_id)
        .where(event_transitions.c.event_id == event_id)
        .order_by(event_transitions.c.at, event_transitions.c.id)
    )
    return list(result)


async def add_comment(conn: AsyncConnection, **values: Any) -> int:
    result = await conn.execute(
        insert(event_comments).values(**values).returning(event_comments.c.id)
    )
    return result.scalar_one()


async def comments(conn: AsyncConnection, event_id: int) -> list[Row]:
    result = await conn.execute(
        select(event_comments, users.c.name.label("author_name"))
        .outerjoin(users, users.c.id == event_comments.c.author_id)
        .where(event_comments.c.event_id == event_id)
        .order_by(event_comments.c.at, event_comments.c.id)
    )
    return list(result)


async def delete_expired_holds(conn: AsyncConnection, now: datetime) -> int:
    """Holds (drafts' chosen slots, counter-proposals) whose time has run out free their
    rooms: the conflict check ignores them already; this removes the rows."""
    result = await conn.execute(
        delete(occurrences).where(
            occurrences.c.status.in_(("held", "counter")), occurrences.c.hold_expires_at <= now
        )
    )
    return result.rowcount or 0


# Single dates ---------------------------------------------------------------------------------


async def occurrence_of_event(
    conn: AsyncConnection, event_id: int, occurrence_id: int
) -> Row | None:
    """One date of the event, with its room's name; None when it is another event's."""
    result = await conn.execute(
        select(occurrences, rooms.c.name.label("room_name"))
        .join(rooms, rooms.c.id == occurrences.c.room_id)
        .where(occurrences.c.id == occurrence_id, occurrences.c.event_id == event_id)
    )
    return result.first()


async def bump_event(
    conn: AsyncConnection, event_id: int, *, states: Sequence[str], at: datetime
) -> int | None:
    """Bump the event's version and calendar sequence while it is in one of ``states``;
    the new version, or None when the event has left those states. On PostgreSQL the row
    stays locked until the transaction ends, so changes to one event's dates queue here."""
    result = await conn.execute(
        update(events)
        .where(events.c.id == event_id, events.c.state.in_(list(states)))
        .values(version=events.c.version + 1, sequence=events.c.sequence + 1, updated_at=at)
        .returning(events.c.version)
    )
    return result.scalar_one_or_none()


async def bump_version(conn: AsyncConnection, event_id: int, *, at: datetime) -> int:
    """A change to what belongs to the event outside its row (its invitation plan): a new
    version for the revision history. The calendar sequence stays: no date or place moved."""
    result = await conn.execute(
        update(events)
        .where(events.c.id == event_id)
        .values(version=events.c.version + 1, updated_at=at)
        .returning(events.c.version)
    )
    return int(result.scalar_one())


async def change_occurrence(
    conn: AsyncConnection, occurrence_id: int, *, source: str, **values: Any
) -> bool:
    """Compare-and-set of one date while its status is ``source``; bumps its sequence."""
    result = await conn.execute(
        update(occurrences)
        .where(occurrences.c.id == occurrence_id, occurrences.c.status == source)
        .values(sequence=occurrences.c.sequence + 1, **values)
    )
    return result.rowcount == 1


# Evaluations ----------------------------------------------------------------------------------


async def lock_event(conn: AsyncConnection, event_id: int) -> None:
    """Serialise changes of one event until the transaction ends (SQLite's write transactions
    are serial already)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(events.c.id).where(events.c.id == event_id).with_for_update())


async def evaluations_of(conn: AsyncConnection, event_id: int) -> list[Row]:
    """The event's evaluations, one per organisation, with their author's name."""
    result = await conn.execute(
        select(evaluations, users.c.name.label("author_name"))
        .outerjoin(users, users.c.id == evaluations.c.author_id)
        .where(evaluations.c.event_id == event_id)
        .order_by(evaluations.c.at, evaluations.c.id)
    )
    return list(result)


async def save_evaluation(
    conn: AsyncConnection, *, event_id: int, organisation_id: int, **values: Any
) -> None:
    """Write the organisation's evaluation of the event: a new one, or over its earlier one."""
    result = await conn.execute(
        update(evaluations)
        .where(
            evaluations.c.event_id == event_id,
            evaluations.c.organisation_id == organisation_id,
        )
        .values(**values)
    )
    if result.rowcount == 0:
        await conn.execute(
            insert(evaluations).values(event_id=event_id, organisation_id=organisation_id, **values)
        )
