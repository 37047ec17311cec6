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
