"""Demo descriptions of a library's partners: levels, interests, target groups and notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp import audit
from webapp.context import Context
from webapp.partners import service, store

# Given to the associations in the order their ids are passed (and again from the top).
PROFILES: tuple[dict[str, Any], ...] = (
    {
        "level": "recurring",
        "interests": "Information evenings for newcomers, language cafés and homework help.",
        "target_groups": ["newcomers", "language_learners", "families"],
        "notes": "Ayman reaches many people through his own network by SMS; ask him early.",
    },
    {
        "level": "occasional",
        "interests": "Chess for all ages; a weekly chess café in the library.",
        "target_groups": ["children", "youth", "seniors"],
        "notes": "",
    },
    {
        "level": "partnership",
        "interests": "Reading circles and author talks.",
        "target_groups": ["adults", "seniors"],
        "notes": "",
    },
)


async def seed(ctx: Context, library_id: int, association_ids: Sequence[int]) -> None:
    """Describe the library's partnerships with ``association_ids`` (each gets the next of
    ``PROFILES``). Associations without an approved partnership with the library are
    skipped. Each change is in the audit log, with no actor."""
    async with ctx.db.transaction() as conn:
        for n, association_id in enumerate(association_ids):
            current = await store.partnership_for_update(conn, library_id, association_id)
            if current is None:
                continue
            values = service.partner_values(PROFILES[n % len(PROFILES)])
            await store.update_partnership(conn, current.id, **values)
            await audit.record(
                conn,
                action="partner.updated",
                actor_id=None,
                organisation_id=library_id,
                target=f"organisation:{association_id}",
                changed=list(values),
                demo=True,
            )
