"""Demo program slots, closures and booking rules for ``make run`` (called from
``webapp.demo``), made through the same services the pages use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.slots import policy, service, store
from webapp.slots.availability import library_zone
from webapp.slots.calendar import week_start

CHECKLIST = [
    "Is the event open to everyone and free of charge?",
    "Will a member of your association be there the whole time?",
]


def _this_week(day: date, weekday: int) -> date:
    """The ``weekday`` (0 is Monday) of ``day``'s week, so this week's grid shows slots."""
    return week_start(day) + timedelta(days=weekday)


async def seed(
    ctx: Context,
    library_id: int,
    location_ids: Sequence[int],
    room_ids: Sequence[int],
    admin_actor: Actor,
) -> None:
    """Weekly slots in the first rooms (every Tuesday evening, every other Saturday
    morning, Thursday afternoons in the last room), one skipped Tuesday, the library closed
    over Christmas and the last location closed for a staff day, and rules with 15-minute
    set-up and clear-up buffers."""
    async with ctx.db.read() as conn:
        library = await store.library(conn, library_id)
    assert library is not None, library_id
    today = clock.now().astimezone(library_zone(ctx, library)).date()
    half_a_year = timedelta(weeks=26)
    plans = [
        (room_ids[0], _this_week(today, 1), 1, time(18, 0), time(20, 0), "Chairs for 80."),
        (
            room_ids[min(1, len(room_ids) - 1)],
            _this_week(today, 5),
            2,
            time(11, 0),
            time(13, 0),
            "",
        ),
        (room_ids[-1], _this_week(today, 3), 1, time(15, 0), time(17, 30), "Kitchen available."),
    ]
    slot_ids = []
    for room_id, first, interval, start, end, note in plans:
        slot_ids.append(
            await service.create_slot(
                ctx,
                actor=admin_actor,
                library=library,
                values={
                    "room_id": room_id,
                    "interval_weeks": interval,
                    "first_date": first,
                    "until_date": first + half_a_year,
                    "start_time": start,
                    "end_time": end,
                    "note": note,
                },
            )
        )
    await service.add_exception(
        ctx,
        actor=admin_actor,
        library=library,
        slot_id=slot_ids[0],
        on_date=plans[0][1] + timedelta(weeks=2),
    )
    christmas = date(today.year, 12, 24)
    if christmas + timedelta(days=2) < today:
        christmas = date(today.year + 1, 12, 24)
    await service.add_closure(
        ctx,
        actor=admin_actor,
        library=library,
        values={
            "location_id": None,
            "first_date": christmas,
            "last_date": christmas + timedelta(days=2),
            "reason": "Christmas",
        },
    )
    if location_ids:
        staff_day = _this_week(today, 4) + timedelta(weeks=3)
        await service.add_closure(
            ctx,
            actor=admin_actor,
            library=library,
            values={
                "location_id": location_ids[-1],
                "first_date": staff_day,
                "last_date": staff_day,
                "reason": "Staff training day",
            },
        )
    await policy.update_rules(
        ctx,
        actor=admin_actor,
        library=library,
        values={
            "setup_minutes": 15,
            "clearup_minutes": 15,
            "min_lead_days": 14,
            "max_length_minutes": 240,
            "hold_days": 14,
            "checklist": CHECKLIST,
        },
    )
