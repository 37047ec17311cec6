"""Demo events in every state, for ``samspel demo``: a published single event with a co-host,
a published weekly series, one waiting for review, one with changes requested, a draft, an
approved one, a declined, a cancelled and a completed one that one partner has evaluated."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from webapp.auth.permissions import Actor
from webapp.events import drafting, evaluations, partners, review

AGREEMENT = {
    "resources": "The library lends the room and the projector; "
    "Nya grannar brings coffee and interpreters.",
    "invitations": "The library puts up posters; Nya grannar sends SMS through its network.",
    "success": "Forty people come, half of them for the first time at the library.",
}


def _at(day: date, hour: int, minute: int, tz: Any) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


async def seed(
    ctx: Any,
    *,
    library_id: int,
    association: Any,
    co_host: Any,
    member: Actor,
    co_host_admin: Actor,
    staff: Actor,
    rooms: list[int],
) -> None:
    tz = ctx.settings.tz
    today = datetime.now(tz).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)

    async def draft(title: str, summary: str, **values: Any) -> int:
        return await drafting.propose(
            ctx,
            actor=member,
            organisation=association,
            library_id=library_id,
            values={
                "title": title,
                "summary": summary,
                "shared_goal": "Newcomers and long-time Malmö residents meet at the library.",
                "languages": ["sv", "ar"],
                "audiences": ["newcomers", "adults"],
                "agreement": AGREEMENT,
                "wished_times": "A weekday evening",
                "description": (
                    "Welcome! **Free** and open to everyone. Sign up so we know how many to expect."
                    "\n\n- Coffee\n- Interpreters"
                ),
                **values,
            },
        )

    async def ready(event_id: int) -> None:
        await partners.describe(
            ctx,
            actor=member,
            event_id=event_id,
            organisation_id=association.id,
            values={
                "role_text": "Hosts the evening and interprets",
                "contact_user_id": member.user_id,
                "people": "Four volunteers",
                "outreach": "SMS to our network",
            },
        )
        await review.move(ctx, actor=member, event_id=event_id, action="submit")

    async def approved(
        event_id: int, room: int, start: datetime, minutes: int, **series: Any
    ) -> None:
        await review.approve(
            ctx,
            actor=staff,
            event_id=event_id,
            booking=review.Booking(
                room_id=room, starts_at=start, ends_at=start + timedelta(minutes=minutes), **series
            ),
        )

    # Published, with a co-host.
    info = await draft(
        "Informationskväll för nyanlända", "Questions about Sweden answered in Arabic and Swedish."
    )
    await partners.invite(
        ctx, actor=member, event_id=info, organisation_id=co_host.id, role="co_host"
    )
    await partners.answer(
        ctx, actor=co_host_admin, event_id=info, organisation_id=co_host.id, accept=True
    )
    await partners.describe(
        ctx,
        actor=co_host_admin,
        event_id=info,
        organisation_id=co_host.id,
        values={
            "role_text": "Brings books in easy Swedish",
            "contact_user_id": co_host_admin.user_id,
        },
    )
    await ready(info)
    await approved(info, rooms[0], _at(tuesday, 18, 0, tz), 120)
    await review.move(ctx, actor=staff, event_id=info, action="publish")

    # A published weekly series.
    cafe = await draft(
        "Språkcafé", "Practise Swedish over coffee, every Thursday.", languages=["sv"]
    )
    await ready(cafe)
    await approved(
        cafe,
        rooms[1],
        _at(tuesday + timedelta(days=2), 17, 0, tz),
        90,
        repeat_weeks=1,
        repeat_count=8,
    )
    await review.move(ctx, actor=staff, event_id=cafe, action="publish")

    # Approved, not yet published.
    author = await draft("Författarbesök", "An author reads from her new novel.")
    await ready(author)
    await approved(author, rooms[0], _at(tuesday + timedelta(days=10), 19, 0, tz), 90)

    # Waiting for review, with changes requested, a draft.
    homework = await draft(
        "Läxhjälp", "Homework help for pupils in years 4–9.", audiences=["children", "youth"]
    )
    await ready(homework)
    circle = await draft("Bokcirkel på arabiska", "We read and talk about a novel in Arabic.")
    await ready(circle)
    await review.move(
        ctx,
        actor=staff,
        event_id=circle,
        action="request_changes",
        comment="Could you suggest a time? Thursdays after 17:00 work best for us.",
    )
    await draft(
        "Sagostund",
        "Stories for the youngest, in several languages.",
        audiences=["children", "families"],
    )

    # Declined, cancelled, completed.
    film = await draft("Filmkväll", "A film about moving to a new country.")
    await ready(film)
    await review.move(
        ctx,
        actor=staff,
        event_id=film,
        action="decline",
        comment="The hall is being renovated then.",
    )
    crafts = await draft("Julpyssel", "Christmas crafts for families.")
    await ready(crafts)
    await approved(crafts, rooms[2], _at(tuesday + timedelta(days=4), 15, 0, tz), 120)
    await review.move(
        ctx, actor=staff, event_id=crafts, action="cancel", comment="Too few volunteers this year."
    )
    summer = await draft("Sommarboken avslutning", "Celebrating the summer's readers.")
    await ready(summer)
    await approved(summer, rooms[0], _at(today - timedelta(days=30), 14, 0, tz), 120)
    await review.move(ctx, actor=staff, event_id=summer, action="publish")
    await review.move(ctx, actor=staff, event_id=summer, action="complete")
    # The last meeting: Nya grannar has evaluated; the library's answer is still to come.
    await evaluations.evaluate(
        ctx,
        actor=member,
        event_id=summer,
        organisation_id=association.id,
        answer=evaluations.Answer(
            continue_together="yes",
            attendance=34,
            worked="Families came through our SMS network; many borrowed books for the first time.",
            did_not_work="The room was too warm, and the posters went up too late.",
        ),
    )

    # Evaluated by everyone: the association and the library.
    quiz = await draft("Frågesport om Malmö", "A quiz evening about the city's history.")
    await ready(quiz)
    await approved(quiz, rooms[1], _at(today - timedelta(days=60), 18, 0, tz), 120)
    await review.move(ctx, actor=staff, event_id=quiz, action="publish")
    await review.move(ctx, actor=staff, event_id=quiz, action="complete")
    for who, org_id in ((member, association.id), (staff, library_id)):
        await evaluations.evaluate(
            ctx,
            actor=who,
            event_id=quiz,
            organisation_id=org_id,
            answer=evaluations.Answer(
                continue_together="yes", attendance=28, worked="Teams mixed."
            ),
        )

    # Withdrawn by the association; and one with a counter-proposal from the library.
    poetry = await draft("Poesiverkstad", "Writing poems together.")
    await review.move(ctx, actor=member, event_id=poetry, action="withdraw")
    games = await draft("Spelkväll", "Board games for everyone.", audiences=["families"])
    await ready(games)
    await review.counter_propose(
        ctx,
        actor=staff,
        event_id=games,
        booking=review.Booking(
            room_id=rooms[2],
            starts_at=_at(tuesday + timedelta(days=3), 17, 0, tz),
            ends_at=_at(tuesday + timedelta(days=3), 19, 0, tz),
        ),
        comment="The hall is booked; Verkstaden in Garaget is free on Friday afternoon.",
    )
