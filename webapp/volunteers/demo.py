"""The demo's volunteers: Nya grannar's usual tasks (set-up, host, clear-up) put on its events
as they are approved, an interpreting task at the language café with people signed up, and
hours from the summer readers' party that was held a month ago."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Row

from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.db.tables import events
from webapp.i18n import use_locale
from webapp.volunteers import signups, store, tasks


async def seed_templates(ctx: Context, *, admin: Actor, association: Row) -> None:
    """Before the demo events are approved, so they get the tasks."""
    with use_locale("sv"):
        await tasks.add_suggested_templates(ctx, actor=admin, organisation=association)


async def seed(ctx: Context, *, member: Actor) -> None:
    async with ctx.db.read() as conn:
        found = dict(
            (
                await conn.execute(
                    select(events.c.title, events.c.id).where(
                        events.c.title.in_(("Språkcafé", "Sommarboken avslutning"))
                    )
                )
            ).all()  # fmt: skip
        )
    cafe, summer = found.get("Språkcafé"), found.get("Sommarboken avslutning")
    if cafe is not None:
        await tasks.add_task(
            ctx, actor=member, event_id=cafe,
            values=tasks.TaskValues(
                title="Tolkning arabiska", description="Hjälp nya besökare in i samtalen.",
                skills="Arabiska", people_needed=2, partner_id=None, only_position=None,
                starts_at=None, ends_at=None,
            ),
        )  # fmt: skip
        async with ctx.db.read() as conn:
            shifts = await store.shifts_of_event(conn, cafe)
            board = await store.board_of(conn, cafe)
        assert board is not None
        # The first date's shifts: interpreting, and the usual tasks in the templates' order
        # (set-up, host, clear-up), whatever language their titles were made in.
        first = min(s.starts_at for s in shifts)
        async with ctx.db.read() as conn:
            usual = {t.id: t.template_id for t in await store.tasks_of_event(conn, cafe)}
        on_first = sorted(
            (s for s in shifts if s.starts_at.date() == first.date()),
            key=lambda s: (usual.get(s.task_id) is None, usual.get(s.task_id) or 0),
        )
        setup, host = on_first[0], on_first[1]
        interpreting = next(s for s in on_first if s.title == "Tolkning arabiska")
        for name, phone, languages, shift in (
            ("Fatima Ali", "+46701112233", "arabiska, svenska", interpreting),
            ("Karin Lindqvist", "+46703334455", "svenska, engelska", setup),
            ("Omar Haddad", "+46705556677", "arabiska", host),
        ):
            await signups.sign_up(
                ctx, code=board.code,
                form=signups.SignUp(name=name, phone=phone, languages=languages,
                                    language="sv", shift_ids=[shift.id]),
            )  # fmt: skip
    if summer is not None:
        # The party was held: the people who helped were checked in (hours for the year).
        async with ctx.db.transaction() as conn:
            shifts = await store.shifts_of_event(conn, summer)
            now = clock.now()
            for shift, (name, phone) in zip(
                shifts,
                (("Fatima Ali", "+46701112233"), ("Lars Berg", "+46708889900"),
                 ("Omar Haddad", "+46705556677")),
                strict=False,
            ):  # fmt: skip
                person, _ = await store.lock_volunteer_by_phone(
                    conn, phone, _person(ctx, name, now)
                )
                signup = await store.add_signup(
                    conn, shift_id=shift.id, event_id=summer, volunteer_id=person.id,
                    status="confirmed", created_at=shift.starts_at, updated_at=shift.ends_at,
                )  # fmt: skip
                await store.check_in(conn, summer, signup, shift.starts_at)


def _person(ctx: Context, name: str, now: object) -> dict[str, object]:
    from webapp.volunteers import links

    key = links.new_link_key()
    return {
        "name": name, "languages": "", "language": "sv", "link_key": key,
        "token_hash": links.token_hash(links.token_for(ctx, key)), "consent_source": "sign-up",
        "consent_at": now, "last_active_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip
