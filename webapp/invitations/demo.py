"""The demo's invitation plan for the language café: two audiences with their channels, a
named link for Ayman's network, and some visits so the counts show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.db.tables import events, occurrences
from webapp.invitations import service, store
from webapp.rsvp import service as rsvp


async def seed(ctx: Context, *, member: Actor, association_id: int) -> None:
    async with ctx.db.read() as conn:
        event_id = await conn.scalar(
            select(events.c.id).where(events.c.title == "Språkcafé", events.c.state == "published")
        )
    if event_id is None:
        return
    send_on = (clock.now() + timedelta(days=3)).date()
    families = await service.add_audience(
        ctx, actor=member, event_id=event_id,
        values={"name": "Arabisktalande familjer", "language": "ar", "size": 40},
    )  # fmt: skip
    await service.add_channel(
        ctx, actor=member, event_id=event_id, audience_id=families,
        values={"kind": "sms", "message": "مرحبا! مقهى اللغة في المكتبة يوم الخميس. أهلا وسهلا",
                "send_on": send_on, "responsible_id": association_id, "status": "ready"},
    )  # fmt: skip
    await service.add_channel(
        ctx, actor=member, event_id=event_id, audience_id=families,
        values={"kind": "network", "message": "Språkcafé på biblioteket på torsdag. Välkommen!",
                "send_on": None, "responsible_id": association_id, "status": "planned"},
    )  # fmt: skip
    readers = await service.add_audience(
        ctx, actor=member, event_id=event_id,
        values={"name": "Besökare på biblioteket", "language": "sv", "size": None},
    )  # fmt: skip
    await service.add_channel(
        ctx, actor=member, event_id=event_id, audience_id=readers,
        values={"kind": "poster", "message": "Öva svenska över en kopp kaffe.",
                "send_on": send_on, "responsible_id": None, "status": "done"},
    )  # fmt: skip
    await service.add_link(
        ctx, actor=member, event_id=event_id, name="Aymans nätverk",
        organisation_id=association_id,
    )  # fmt: skip
    # Visits: the network has been busier than the poster.
    async with ctx.db.read() as conn:
        links = await store.links_of(conn, event_id)
    for link, visits in zip(links, (0, 18, 6, 25), strict=False):
        for _ in range(visits):
            await service.visit(ctx, link.code)
    # Some came through the links and signed up for the next date.
    async with ctx.db.read() as conn:
        next_date = await conn.scalar(
            select(occurrences.c.id)
            .where(
                occurrences.c.event_id == event_id,
                occurrences.c.status == "scheduled",
                occurrences.c.starts_at > clock.now(),
            )
            .order_by(occurrences.c.starts_at)
            .limit(1)
        )
    if next_date is None:
        return
    came: list[tuple[str, int, str | None]] = [
        ("Samira", 2, links[1].code), ("Omar", 1, links[1].code), ("Leila", 3, links[3].code),
        ("Karin", 1, None),
    ]  # fmt: skip
    for n, (name, people, via) in enumerate(came):
        await rsvp.book(
            ctx, event_id=event_id, occurrence_id=next_date, name=name, phone=None,
            party_size=people, language="sv", request_key=f"demo-rsvp-{n}", via=via,
        )  # fmt: skip
