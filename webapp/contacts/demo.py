"""Demo contacts: the association's SMS network and the library's newsletter list, each with
a recorded consent, one number that asked for no more SMS, and a list waiting in an import
(so the preview can be seen)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from webapp.auth.permissions import Actor
from webapp.contacts import service
from webapp.context import Context

NETWORK: tuple[dict[str, Any], ...] = (
    {"name": "Fatima Ali", "phone": "+46701112233", "language": "ar",
     "tags": ["volunteer", "Arabic"], "consent_source": "form",
     "consent_note": "Invitations to the language café and information evenings."},
    {"name": "Hassan Omar", "phone": "+46702223344", "language": "so",
     "tags": ["Somali"], "consent_source": "verbal",
     "consent_note": "Said yes at the information evening."},
    {"name": "Karin Lindqvist", "phone": "+46703334455", "language": "sv",
     "tags": ["volunteer"], "consent_source": "paper", "consent_note": ""},
    {"name": "Mette Jensen", "phone": "+4520123456", "language": "da",
     "tags": [], "consent_source": "event", "consent_note": "Signed up at the book café."},
)  # fmt: skip

IMPORT = (
    "namn;mobil;språk;taggar;samtycke;datum\n"
    "Amina Yusuf;070-444 55 66;somaliska;nyhetsbrev;formulär;2026-10-01\n"
    "Per Holm;08-123 456 78;;;formulär;2026-10-01\n"
    "Sara Nilsson;0705556677;svenska;nyhetsbrev;;\n"
)


async def seed(
    ctx: Context, *, association: Row, member: Actor, library: Row, admin: Actor
) -> None:
    for values in NETWORK:
        await service.create(
            ctx,
            actor=member,
            organisation=association,
            values={**values, "consent_on": date(2026, 9, 15)},
        )
    library_contact = await service.create(
        ctx,
        actor=admin,
        organisation=library,
        values={
            "name": "Olof Berg",
            "phone": "+46709998877",
            "language": "sv",
            "tags": ["newsletter"],
            "consent_source": "form",
            "consent_on": date(2026, 8, 20),
            "consent_note": "The library's newsletter by SMS.",
        },
    )
    # Olof asked the library to send no more SMS: no organisation may message him now.
    await service.opt_out(ctx, actor=admin, organisation=library, contact_id=library_contact)
    await service.stage_import(
        ctx, actor=member, organisation=association, filename="network.csv",
        data=IMPORT.encode(),
    )  # fmt: skip
