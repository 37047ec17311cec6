"""Data for tests, made through the same services the app uses."""

from __future__ import annotations

from webapp import clock
from webapp.auth import store as accounts
from webapp.orgs import service as orgs
from webapp.orgs import store as org_store

PASSWORD = "correct horse battery"


def account(name: str, email: str, locale: str | None = None) -> orgs.NewAccount:
    return orgs.NewAccount(name=name, email=email, password=PASSWORD, locale=locale)


async def library(ctx, name: str, admin_email: str):  # type: ignore[no-untyped-def]
    org_id, _ = await orgs.create_library(
        ctx, name=name, country="SE", admin=account(f"Admin of {name}", admin_email)
    )
    async with ctx.db.read() as conn:
        return await org_store.org_by_id(conn, org_id)


async def member(ctx, org_id: int, email: str, role: str, name: str | None = None) -> int:  # type: ignore[no-untyped-def]
    password_hash = await ctx.passwords.hash(PASSWORD)
    async with ctx.db.transaction() as conn:
        user = await accounts.user_by_email(conn, email)
        user_id = (
            user.id
            if user
            else await accounts.create_user(
                conn,
                email=email,
                name=name or email.split("@")[0].title(),
                password_hash=password_hash,
                locale=None,
                at=clock.now(),
            )
        )
        await org_store.add_member(conn, user_id=user_id, org_id=org_id, role=role, at=clock.now())
    return user_id


async def association(ctx, name: str, admin_email: str, library_id: int, approve_by=None):  # type: ignore[no-untyped-def]
    await orgs.sign_up_association(
        ctx,
        account=account(f"Admin of {name}", admin_email),
        name=name,
        description="",
        website="",
        library_id=library_id,
        message="",
    )
    async with ctx.db.read() as conn:
        user = await accounts.user_by_email(conn, admin_email)
        org_id = next(iter((await accounts.actor_for_user(conn, user)).memberships))
        org = await org_store.org_by_id(conn, org_id)
        requests = await org_store.partnerships_of_library(conn, library_id)
    if approve_by is not None:
        request = next(r for r in requests if r.association_id == org.id)
        await orgs.decide_association(
            ctx,
            actor=approve_by,
            library=await _org(ctx, library_id),
            partnership_id=request.id,
            approve=True,
            reason="",
        )
        org = await _org(ctx, org.id)
    return org


async def actor(ctx, email: str):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        user = await accounts.user_by_email(conn, email)
        return await accounts.actor_for_user(conn, user)


async def _org(ctx, org_id: int):  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return await org_store.org_by_id(conn, org_id)


async def build_world(ctx):  # type: ignore[no-untyped-def]
    """Two libraries, two associations; one person per role that the route tests need."""
    from tests.conftest import World

    lib = await library(ctx, "Malmö stadsbibliotek", "admin@lib.test")
    other_lib = await library(ctx, "Lunds stadsbibliotek", "admin@otherlib.test")
    await member(ctx, lib.id, "staff@lib.test", "staff")
    await member(ctx, other_lib.id, "staff@otherlib.test", "staff")
    admin = await actor(ctx, "admin@lib.test")
    assoc = await association(ctx, "Nya grannar", "admin@assoc.test", lib.id, approve_by=admin)
    await member(ctx, assoc.id, "member@assoc.test", "member")
    other_assoc = await association(
        ctx, "Schackklubben", "admin@otherassoc.test", lib.id, approve_by=admin
    )
    return World(
        library=lib,
        other_library=other_lib,
        association=assoc,
        other_association=other_assoc,
        emails={
            "library_admin": "admin@lib.test",
            "library_staff": "staff@lib.test",
            "other_library_admin": "admin@otherlib.test",
            "other_library_staff": "staff@otherlib.test",
            "association_admin": "admin@assoc.test",
            "association_member": "member@assoc.test",
            "other_association_admin": "admin@otherassoc.test",
        },
    )


# Events ---------------------------------------------------------------------------------------

AGREEMENT = {
    "resources": "The library lends the room, the association brings coffee.",
    "invitations": "Posters at the library, SMS through the association's network.",
    "success": "Forty people come, half of them new to the library.",
}


async def rooms(ctx, world, count: int = 2):  # type: ignore[no-untyped-def]
    """A location of the world's library with ``count`` rooms; returns (location_id, [room ids])."""
    from webapp.locations import service as locations

    admin = await actor(ctx, world.emails["library_admin"])
    location_id = await locations.create_location(
        ctx,
        actor=admin,
        library=world.library,
        values={
            "name": "Stadsbiblioteket",
            "street": "Kung Oscars väg 11",
            "postal_code": "211 33",
            "city": "Malmö",
            "country": "SE",
            "directions": "",
        },
    )
    room_ids = []
    for i in range(count):
        room_ids.append(
            await locations.create_room(
                ctx,
                actor=admin,
                library=world.library,
                location_id=location_id,
                values={
                    "name": f"Rum {i + 1}",
                    "capacity": 40,
                    "accessibility": ["step_free"],
                    "equipment": [],
                    "notes": "",
                },
            )
        )
    return location_id, room_ids


async def proposed_event(ctx, world, *, email="member@assoc.test", **values):  # type: ignore[no-untyped-def]
    """A draft led by the world's association, with everything submission needs."""
    from webapp.events import drafting

    member = await actor(ctx, email)
    fields = {
        "title": "Språkcafé",
        "summary": "Practise Swedish over coffee.",
        "shared_goal": "Newcomers meet Swedish speakers and find the library.",
        "languages": ["sv", "ar"],
        "audiences": ["newcomers"],
        "agreement": AGREEMENT,
        "wished_times": "A Tuesday evening in December",
        **values,
    }
    return await drafting.propose(
        ctx,
        actor=member,
        organisation=world.association,
        library_id=world.library.id,
        values=fields,
    )


async def describe_partners(ctx, world, event_id: int):  # type: ignore[no-untyped-def]
    """Every active partner names its contact person and role (the agreement)."""
    from webapp.events import access, partners

    async with ctx.db.read() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
    for partner in event.partners:
        if partner.status != "active":
            continue
        email = {
            world.association.id: "member@assoc.test",
            world.other_association.id: "admin@otherassoc.test",
            world.library.id: "staff@lib.test",
        }[partner.organisation_id]
        who = await actor(ctx, email)
        await partners.describe(
            ctx,
            actor=who,
            event_id=event_id,
            organisation_id=partner.organisation_id,
            values={"role_text": "Hosts the evening", "contact_user_id": who.user_id},
        )


async def submitted_event(ctx, world, **values):  # type: ignore[no-untyped-def]
    from webapp.events import review

    event_id = await proposed_event(ctx, world, **values)
    await describe_partners(ctx, world, event_id)
    member = await actor(ctx, "member@assoc.test")
    await review.move(ctx, actor=member, event_id=event_id, action="submit")
    return event_id


async def approve(ctx, event_id: int, room_id: int, starts_at, ends_at, **booking):  # type: ignore[no-untyped-def]
    from webapp.events import review

    staff = await actor(ctx, "staff@lib.test")
    return await review.approve(
        ctx,
        actor=staff,
        event_id=event_id,
        booking=review.Booking(room_id=room_id, starts_at=starts_at, ends_at=ends_at, **booking),
    )


async def move(ctx, email: str, event_id: int, action: str, comment: str = "") -> None:  # type: ignore[no-untyped-def]
    """``email``'s person takes the workflow action on the event."""
    from webapp.events import review

    who = await actor(ctx, email)
    await review.move(ctx, actor=who, event_id=event_id, action=action, comment=comment)


async def event_in_state(ctx, world, state: str, room_id: int, starts_at, values: dict):  # type: ignore[no-untyped-def]
    """An event led by the world's association, taken to ``state`` the way people would:
    proposed, submitted, approved into the room for two hours at ``starts_at`` (every week
    with ``repeat_weeks``/``repeat_count`` in ``values``), published, and so on. Besides the
    workflow's states: ``published_then_cancelled`` (public, marked cancelled)."""
    from datetime import timedelta

    from webapp.events import store as event_store

    staff, lead = "staff@lib.test", "member@assoc.test"
    values = dict(values)
    booking = {k: values.pop(k) for k in ("repeat_weeks", "repeat_count") if k in values}
    if state == "draft":
        return await proposed_event(ctx, world, **values)
    event_id = await submitted_event(ctx, world, **values)
    if state == "withdrawn":
        await move(ctx, lead, event_id, "withdraw")
    if state in ("changes_requested", "declined"):
        action = "request_changes" if state == "changes_requested" else "decline"
        await move(ctx, staff, event_id, action, "Not this time.")
    if state in ("submitted", "changes_requested", "declined", "withdrawn"):
        return event_id
    await approve(ctx, event_id, room_id, starts_at, starts_at + timedelta(hours=2), **booking)
    if state == "approved":
        return event_id
    if state == "cancelled":
        # Cancelled before it was published: never public.
        await move(ctx, lead, event_id, "cancel", "The speaker is ill.")
        return event_id
    await move(ctx, staff, event_id, "publish")
    if state == "published_then_cancelled":
        await move(ctx, staff, event_id, "cancel", "The hall flooded.")
    if state in ("completed", "evaluated"):
        await move(ctx, staff, event_id, "complete")
    if state == "evaluated":
        # Straight to the state (the evaluations themselves are tested elsewhere).
        async with ctx.db.transaction() as conn:
            await event_store.move_state(conn, event_id, source="completed", target="evaluated")
    return event_id
