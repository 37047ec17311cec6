"""Rules that must hold when requests arrive at the same moment, on both databases."""

import asyncio

from tests.factories import actor
from webapp import clock
from webapp.auth import service as accounts
from webapp.auth import store as account_store
from webapp.auth.tokens import digest
from webapp.orgs import service as orgs
from webapp.orgs import store as org_store
from webapp.problems import Invalid, TooManyAttempts


def test_parallel_password_guesses_cannot_pass_the_limit(web, world):
    email = world.emails["association_member"]
    limit = web.ctx.settings.login_limit_per_account

    async def guess(n):
        try:
            await accounts.log_in(
                web.ctx,
                email=email,
                password=f"wrong {n}",
                ip=f"10.0.0.{n}",
                user_agent="",
                cookie=web.client.app.state.session_cookie,
            )
        except Invalid:
            return "checked"
        except TooManyAttempts:
            return "refused"
        return "in"

    async def storm():
        return await asyncio.gather(*(guess(n) for n in range(limit * 3)))

    results = web.run(storm)
    assert results.count("in") == 0
    assert results.count("checked") <= limit
    assert results.count("refused") >= limit * 2


def test_a_reset_link_used_twice_at_once_works_once(web, world):
    email = world.emails["association_member"]

    async def race():
        async with web.ctx.db.read() as conn:
            user = await account_store.user_by_email(conn, email)
        token = accounts._reset_signer(web.ctx).sign(
            {"u": user.id, "p": digest(user.password_hash)[:16]}
        )
        return await asyncio.gather(
            accounts.reset_password(web.ctx, token=token, password="first new password"),
            accounts.reset_password(web.ctx, token=token, password="second new password"),
        )

    assert sorted(web.run(race)) == [False, True]


def test_two_admins_demoting_each_other_leave_one_admin(web, world):
    async def race():
        org = world.association
        second = await actor(web.ctx, world.emails["association_member"])
        async with web.ctx.db.transaction() as conn:
            members = await org_store.members_of(conn, org.id)
            for m in members:
                await org_store.set_role(conn, m.id, "admin")
        first = await actor(web.ctx, world.emails["association_admin"])
        second = await actor(web.ctx, world.emails["association_member"])
        ids = {m.email: m.id for m in members}

        async def demote(who, whom):
            try:
                await orgs.change_role(
                    web.ctx, actor=who, org=org, membership_id=ids[whom], role="member"
                )
            except Invalid:
                return False
            return True

        results = await asyncio.gather(
            demote(first, world.emails["association_member"]),
            demote(second, world.emails["association_admin"]),
        )
        async with web.ctx.db.read() as conn:
            return results, await org_store.count_admins(conn, org.id)

    results, admins = web.run(race)
    assert admins >= 1
    assert results.count(True) == 1


def test_now_is_timezone_aware():
    assert clock.now().tzinfo is not None


def test_two_staff_approving_conflicting_events_at_once_make_exactly_one_booking(web, world):
    """Each approval comes through its own engine (as from two app processes); over several
    rounds, exactly one of each pair of overlapping approvals wins."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from tests import factories
    from webapp.context import build_context
    from webapp.db import Database
    from webapp.db.tables import occurrences
    from webapp.events import review

    _, room_ids = web.run(factories.rooms, web.ctx, world)
    start = datetime(2027, 4, 6, 16, 0, tzinfo=UTC)

    async def race():
        staff = await actor(web.ctx, world.emails["library_staff"])
        admin = await actor(web.ctx, world.emails["library_admin"])
        one = build_context(web.ctx.settings, Database(web.ctx.settings.database_url))
        two = build_context(web.ctx.settings, Database(web.ctx.settings.database_url))
        outcomes = []
        try:
            for round_ in range(5):
                day = start + timedelta(days=round_)
                first = await factories.submitted_event(web.ctx, world, title=f"A{round_}")
                second = await factories.submitted_event(web.ctx, world, title=f"B{round_}")

                async def approve(ctx, who, event_id, offset, day=day):
                    booking = review.Booking(
                        room_id=room_ids[0],
                        starts_at=day + timedelta(minutes=offset),
                        ends_at=day + timedelta(hours=2, minutes=offset),
                    )
                    try:
                        await review.approve(ctx, actor=who, event_id=event_id, booking=booking)
                    except review.BookingConflict:
                        return "refused"
                    return "approved"

                outcomes.append(
                    sorted(
                        await asyncio.gather(
                            approve(one, staff, first, 0), approve(two, admin, second, 30)
                        )
                    )
                )
            async with web.ctx.db.read() as conn:
                booked = list(
                    await conn.execute(
                        select(occurrences.c.starts_at).where(
                            occurrences.c.room_id == room_ids[0],
                            occurrences.c.status == "scheduled",
                        )
                    )
                )
        finally:
            await one.db.dispose()
            await two.db.dispose()
        return outcomes, booked

    outcomes, booked = web.run(race)
    assert outcomes == [["approved", "refused"]] * 5
    assert len(booked) == 5


def test_one_event_approved_by_two_staff_at_once_is_approved_once(web, world):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from tests import factories
    from webapp.db.tables import event_transitions, occurrences
    from webapp.events import review

    _, room_ids = web.run(factories.rooms, web.ctx, world)
    start = datetime(2027, 4, 6, 16, 0, tzinfo=UTC)
    event_id = web.run(factories.submitted_event, web.ctx, world)

    async def race():
        staff = await actor(web.ctx, world.emails["library_staff"])
        admin = await actor(web.ctx, world.emails["library_admin"])

        async def approve(who, room_id):
            booking = review.Booking(
                room_id=room_id, starts_at=start, ends_at=start + timedelta(hours=2)
            )
            try:
                await review.approve(web.ctx, actor=who, event_id=event_id, booking=booking)
            except (Invalid, review.BookingConflict):
                return "refused"
            except Exception as exc:  # a Forbidden: the event is no longer submitted
                return type(exc).__name__
            return "approved"

        results = await asyncio.gather(approve(staff, room_ids[0]), approve(admin, room_ids[1]))
        async with web.ctx.db.read() as conn:
            dates = (await conn.execute(select(func.count()).select_from(occurrences))).scalar_one()
            approvals = (
                await conn.execute(
                    select(func.count())
                    .select_from(event_transitions)
                    .where(event_transitions.c.action == "approve")
                )
            ).scalar_one()
        return results, dates, approvals

    results, dates, approvals = web.run(race)
    assert results.count("approved") == 1
    assert (dates, approvals) == (1, 1)


def test_two_dates_moved_into_the_same_free_time_at_once_make_exactly_one_booking(web, world):
    """Dates of two different booked events, each moved through its own engine (as from two
    app processes) into the same free time of one room: over several rounds, exactly one
    move of each pair wins and the room is never booked twice."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from tests import factories
    from webapp.context import build_context
    from webapp.db import Database
    from webapp.db.tables import occurrences
    from webapp.events import dates, review

    _, room_ids = web.run(factories.rooms, web.ctx, world)
    start = datetime(2027, 4, 6, 16, 0, tzinfo=UTC)
    target = datetime(2027, 5, 4, 16, 0, tzinfo=UTC)

    async def booked_date(title, room_id, day):
        event_id = await factories.submitted_event(web.ctx, world, title=title)
        await factories.approve(web.ctx, event_id, room_id, day, day + timedelta(hours=2))
        async with web.ctx.db.read() as conn:
            row = (
                await conn.execute(
                    select(occurrences.c.id).where(occurrences.c.event_id == event_id)
                )
            ).one()
        return event_id, row.id

    async def race():
        staff = await actor(web.ctx, world.emails["library_staff"])
        lead = await actor(web.ctx, world.emails["association_member"])
        one = build_context(web.ctx.settings, Database(web.ctx.settings.database_url))
        two = build_context(web.ctx.settings, Database(web.ctx.settings.database_url))
        outcomes = []
        try:
            for round_ in range(5):
                day = start + timedelta(days=round_)
                first = await booked_date(f"A{round_}", room_ids[0], day)
                second = await booked_date(f"B{round_}", room_ids[1], day)
                when = target + timedelta(days=round_)

                async def move(ctx, who, date, offset, when=when):
                    try:
                        await dates.move_date(
                            ctx,
                            actor=who,
                            event_id=date[0],
                            occurrence_id=date[1],
                            starts_at=when + timedelta(minutes=offset),
                            ends_at=when + timedelta(hours=2, minutes=offset),
                            room_id=room_ids[0],
                        )
                    except review.BookingConflict:
                        return "refused"
                    return "moved"

                outcomes.append(
                    sorted(
                        await asyncio.gather(
                            move(one, staff, first, 0), move(two, lead, second, 30)
                        )
                    )
                )
            async with web.ctx.db.read() as conn:
                booked = list(
                    await conn.execute(
                        select(occurrences.c.starts_at).where(
                            occurrences.c.room_id == room_ids[0],
                            occurrences.c.status == "scheduled",
                            occurrences.c.starts_at >= target,
                        )
                    )
                )
        finally:
            await one.db.dispose()
            await two.db.dispose()
        return outcomes, booked

    outcomes, booked = web.run(race)
    assert outcomes == [["moved", "refused"]] * 5
    assert len(booked) == 5
