"""Partners of an event: the lead invites organisations (associations or libraries) with a
role; a member of the invited organisation accepts or declines; each partner states what it
contributes, its role in the agreement and its contact person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from webapp import audit, clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.events import access, notify, store
from webapp.events.vocabulary import CONTRIBUTIONS, INVITABLE_ROLES
from webapp.i18n import _
from webapp.orgs import store as org_store
from webapp.problems import Forbidden, Invalid, NotFound


async def invite(
    ctx: Context, *, actor: Actor, event_id: int, organisation_id: int, role: str
) -> None:
    if role not in INVITABLE_ROLES:
        raise Invalid({"role": _("Choose one of the options.")})
    now = clock.now()
    try:
        async with ctx.db.transaction() as conn:
            event = await access.load(conn, event_id, ctx.settings.tz)
            access.require(actor, "event.invite_partner", event)
            org = await org_store.org_by_id(conn, organisation_id)
            if org is None or org.status != "active":
                raise Invalid({"organisation_id": _("Choose one of the options.")})
            if organisation_id in event.partner_roles:
                raise Invalid({"organisation_id": _("This organisation is already a partner.")})
            await store.add_partner(
                conn,
                event_id=event_id,
                organisation_id=organisation_id,
                role=role,
                status="invited",
                contribution={},
                invited_by=actor.user_id,
                created_at=now,
            )
            await notify.partner_invited(
                conn,
                event,
                actor=actor,
                at=now,
                organisation_id=organisation_id,
                organisation=org.name,
                role=role,
            )
            await audit.record(
                conn,
                action="event.partner_invited",
                actor_id=actor.user_id,
                organisation_id=organisation_id,
                target=f"event:{event_id}",
                role=role,
            )
    except IntegrityError:
        raise Invalid({"organisation_id": _("This organisation is already a partner.")}) from None


async def answer(
    ctx: Context, *, actor: Actor, event_id: int, organisation_id: int, accept: bool | None
) -> None:
    """A member of the invited organisation joins (``accept``) or declines."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.answer_invitation", event)
        if accept is None:
            raise Invalid({"answer": _("Choose one of the options.")})
        role, status = event.partner_roles.get(organisation_id, ("", ""))
        membership = actor.memberships.get(organisation_id)
        if status != "invited" or membership is None:
            raise NotFound()
        await store.update_partner(
            conn,
            event_id,
            organisation_id,
            status="active" if accept else "declined",
            answered_at=now,
            contact_user_id=actor.user_id if accept else None,
        )
        await notify.partner_answered(
            conn, event, actor=actor, at=now, organisation=membership.name, accepted=accept
        )


async def describe(
    ctx: Context,
    *,
    actor: Actor,
    event_id: int,
    organisation_id: int,
    values: Mapping[str, Any],
) -> None:
    """A partner's own part: contributions (people, materials, outreach), its role in the
    agreement and its contact person (one of its members). Only its own members write it."""
    async with ctx.db.transaction() as conn:
        event = await access.load(conn, event_id, ctx.settings.tz)
        access.require(actor, "event.edit", event)
        role, status = event.partner_roles.get(organisation_id, ("", ""))
        if status != "active":
            raise NotFound()
        if organisation_id not in actor.memberships:
            raise Forbidden()
        contact = values.get("contact_user_id")
        members = {m.user_id for m in await org_store.members_of(conn, organisation_id)}
        if contact is not None and contact not in members:
            raise Invalid({"contact_user_id": _("Choose one of the options.")})
        contribution = {k: values.get(k) or "" for k in (*CONTRIBUTIONS, "role_text")}
        await store.update_partner(
            conn,
            event_id,
            organisation_id,
            contribution=contribution,
            contact_user_id=contact,
        )
        await notify.event_changed(
            conn, event, actor=actor, kind="edited", at=clock.now(), fields=["agreement"]
        )
