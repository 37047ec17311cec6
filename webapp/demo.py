"""Demo data for ``make run``: a library with branches and rooms, staff, an approved
association with a member, and one association waiting for approval. Seeded once."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from webapp.auth import store as accounts
from webapp.context import build_context
from webapp.db import Database
from webapp.db.migrate import upgrade
from webapp.locations import service as locations
from webapp.orgs import service as orgs
from webapp.orgs import store as org_store
from webapp.settings import Settings

DEMO_PASSWORD = "samspel-demo"  # noqa: S105 - the published demo password


@dataclass(frozen=True)
class DemoLogins:
    password: str
    accounts: list[tuple[str, str]]


ACCOUNTS = [
    ("Library admin, Malmö stadsbibliotek", "admin@bibliotek.example"),
    ("Library staff, Malmö stadsbibliotek", "staff@bibliotek.example"),
    ("Association admin, Nya grannar", "ayman@nyagrannar.example"),
    ("Association member, Nya grannar", "lina@nyagrannar.example"),
    ("Association awaiting approval", "kalle@schack.example"),
    ("Co-host association admin, Läsfrämjarna", "maria@lasframjarna.example"),
]


async def seed_demo(settings: Settings) -> DemoLogins:
    await anyio.to_thread.run_sync(upgrade, settings.database_url)
    db = Database(settings.database_url)
    ctx = build_context(settings, db)
    try:
        async with db.read() as conn:
            seeded = await accounts.user_by_email(conn, ACCOUNTS[0][1]) is not None
        if not seeded:
            await _seed(ctx)
    finally:
        await db.dispose()
    return DemoLogins(password=DEMO_PASSWORD, accounts=ACCOUNTS)


def _account(name: str, email: str, locale: str | None = None) -> orgs.NewAccount:
    return orgs.NewAccount(name=name, email=email, password=DEMO_PASSWORD, locale=locale)


async def _seed(ctx) -> None:  # type: ignore[no-untyped-def]
    library_id, admin_id = await orgs.create_library(
        ctx,
        name="Malmö stadsbibliotek",
        country="SE",
        admin=_account("Anna Lindqvist", ACCOUNTS[0][1]),
    )
    async with ctx.db.read() as conn:
        library = await org_store.org_by_id(conn, library_id)
    assert library is not None
    admin = await _actor(ctx, admin_id)

    central = await locations.create_location(
        ctx,
        actor=admin,
        library=library,
        values={
            "name": "Stadsbiblioteket",
            "street": "Kung Oscars väg 11",
            "postal_code": "211 33",
            "city": "Malmö",
            "country": "SE",
            "directions": "Entrance from the park side. Lift to all floors.",
            "opening_hours": {
                **{str(day): ["08:00", "21:00"] for day in range(5)},
                "5": ["11:00", "17:00"],
                "6": ["11:00", "17:00"],
            },
        },
    )
    garage = await locations.create_location(
        ctx,
        actor=admin,
        library=library,
        values={
            "name": "Garaget",
            "street": "Lönngatan 30",
            "postal_code": "214 49",
            "city": "Malmö",
            "country": "SE",
            "directions": "",
        },
    )
    rooms = [
        (
            central,
            "Hörsalen",
            120,
            ["step_free", "hearing_loop", "accessible_toilet"],
            ["projector", "microphone", "speakers"],
        ),
        (central, "Studierum 3", 12, ["step_free"], ["screen", "whiteboard"]),
        (garage, "Verkstaden", 30, ["step_free", "accessible_toilet"], ["kitchen", "projector"]),
    ]
    for location_id, name, capacity, access, equipment in rooms:
        await locations.create_room(
            ctx,
            actor=admin,
            library=library,
            location_id=location_id,
            values={
                "name": name,
                "capacity": capacity,
                "accessibility": access,
                "equipment": equipment,
                "notes": "",
            },
        )

    await _direct_member(ctx, library_id, _account("Sven Berg", ACCOUNTS[1][1]), "staff")

    await orgs.sign_up_association(
        ctx,
        account=_account("Ayman Haddad", ACCOUNTS[2][1], "en"),
        name="Nya grannar",
        description="Volunteers who help newcomers find their way in Malmö.",
        website="https://nyagrannar.example",
        library_id=library_id,
        message="We would like to hold information evenings at the library.",
    )
    async with ctx.db.read() as conn:
        requests = await org_store.partnerships_of_library(conn, library_id)
        association = await org_store.org_by_slug(conn, "nya-grannar")
    assert association is not None
    await orgs.decide_association(
        ctx, actor=admin, library=library, partnership_id=requests[0].id, approve=True, reason=""
    )
    await _direct_member(ctx, association.id, _account("Lina Ahmadi", ACCOUNTS[3][1]), "member")

    await _demo_events(ctx, library, admin, association)

    await orgs.sign_up_association(
        ctx,
        account=_account("Kalle Nilsson", ACCOUNTS[4][1]),
        name="Malmö schackklubb",
        description="Chess for all ages.",
        website="",
        library_id=library_id,
        message="Could we run a weekly chess café?",
    )


async def _demo_events(ctx, library, admin, association) -> None:  # type: ignore[no-untyped-def]
    """A second approved association, program slots, closures and rules, events in every
    state, and the partner directory's levels."""
    from webapp.contacts import demo as contact_demo
    from webapp.events import demo as event_demo
    from webapp.invitations import demo as invitation_demo
    from webapp.locations import store as location_store
    from webapp.partners import demo as partner_demo
    from webapp.slots import demo as slot_demo
    from webapp.sms import demo as sms_demo
    from webapp.volunteers import demo as volunteer_demo

    await orgs.sign_up_association(
        ctx,
        account=_account("Maria Svensson", ACCOUNTS[5][1]),
        name="Läsfrämjarna",
        description="Reading circles and book talks for adults.",
        website="",
        library_id=library.id,
        message="We run reading circles and would like to co-host events.",
    )
    async with ctx.db.read() as conn:
        co_host = await org_store.org_by_slug(conn, "lasframjarna")
        requests = await org_store.partnerships_of_library(conn, library.id)
        locations = [loc.id for loc in await location_store.locations_of_library(conn, library.id)]
        rooms = [r.id for r in await location_store.rooms_of_library(conn, library.id)]
        people = {
            email: await accounts.user_by_email(conn, email)
            for email in (ACCOUNTS[1][1], ACCOUNTS[2][1], ACCOUNTS[3][1], ACCOUNTS[5][1])
        }
    assert co_host is not None
    lina, maria, sven = (
        people[ACCOUNTS[3][1]],
        people[ACCOUNTS[5][1]],
        people[ACCOUNTS[1][1]],
    )
    ayman = people[ACCOUNTS[2][1]]
    assert lina is not None and maria is not None and sven is not None and ayman is not None
    # Nya grannar's usual volunteer tasks, put on its events as they are approved.
    await volunteer_demo.seed_templates(
        ctx, admin=await _actor(ctx, ayman.id), association=association
    )
    request = next(r for r in requests if r.association_id == co_host.id)
    await orgs.decide_association(
        ctx, actor=admin, library=library, partnership_id=request.id, approve=True, reason=""
    )
    await event_demo.seed(
        ctx,
        library_id=library.id,
        association=association,
        co_host=co_host,
        member=await _actor(ctx, lina.id),
        co_host_admin=await _actor(ctx, maria.id),
        staff=await _actor(ctx, sven.id),
        rooms=rooms,
    )
    # The library's rules come after the demo events (they would refuse the near dates).
    await slot_demo.seed(ctx, library.id, locations, rooms, admin)
    await partner_demo.seed(ctx, library.id, [association.id, co_host.id])
    await contact_demo.seed(
        ctx,
        association=association,
        member=await _actor(ctx, lina.id),
        library=library,
        admin=admin,
    )
    await invitation_demo.seed(
        ctx, member=await _actor(ctx, lina.id), association_id=association.id
    )
    await sms_demo.seed(
        ctx,
        association=association,
        member=await _actor(ctx, lina.id),
        admin=await _actor(ctx, ayman.id),
    )
    await volunteer_demo.seed(ctx, member=await _actor(ctx, lina.id))


async def _actor(ctx, user_id: int):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        user = await accounts.user_by_id(conn, user_id)
        assert user is not None
        return await accounts.actor_for_user(conn, user)


async def _direct_member(ctx, org_id: int, account: orgs.NewAccount, role: str) -> None:  # type: ignore[no-untyped-def]
    from webapp import clock

    password_hash = await ctx.passwords.hash(account.password)
    async with ctx.db.transaction() as conn:
        user_id = await accounts.create_user(
            conn,
            email=account.email,
            name=account.name,
            password_hash=password_hash,
            locale=account.locale,
            at=clock.now(),
        )
        await org_store.add_member(conn, user_id=user_id, org_id=org_id, role=role, at=clock.now())
