"""Organisation rules: sign-up of associations and their approval by libraries, libraries,
members and roles, invitations of colleagues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from invites.console import OutgoingMessage
from webapp import audit, clock
from webapp.auth import store as accounts
from webapp.auth.permissions import ROLES, Actor, can
from webapp.auth.tokens import digest, new_secret
from webapp.context import Context
from webapp.i18n import _, use_locale
from webapp.orgs import store
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.web.forms import slugify


@dataclass(frozen=True)
class NewAccount:
    name: str
    email: str
    password: str
    locale: str | None


async def unique_slug(conn: AsyncConnection, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while await store.slug_taken(conn, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


async def _create_account(conn: AsyncConnection, account: NewAccount, password_hash: str) -> int:
    if await accounts.user_by_email(conn, account.email):
        raise Invalid(
            {"email": _("An account with this e-mail address exists already. Log in instead.")}
        )
    return await accounts.create_user(
        conn,
        email=account.email,
        name=account.name,
        password_hash=password_hash,
        locale=account.locale,
        at=clock.now(),
    )


async def sign_up_association(
    ctx: Context,
    *,
    account: NewAccount,
    name: str,
    description: str,
    website: str,
    library_id: int,
    message: str,
) -> int:
    """Create a pending association, its first member (admin) and a partnership request to
    the chosen library, whose admins are told. Returns the new user's id."""
    password_hash = await ctx.passwords.hash(account.password)
    now = clock.now()
    try:
        async with ctx.db.transaction() as conn:
            library = await store.org_by_id(conn, library_id)
            if library is None or library.kind != "library" or library.status != "active":
                raise Invalid({"library_id": _("Choose one of the libraries in the list.")})
            user_id = await _create_account(conn, account, password_hash)
            org_id = await store.create_org(
                conn,
                kind="association",
                name=name,
                slug=await unique_slug(conn, name),
                status="pending",
                description=description,
                website=website,
                email=account.email,
                country=library.country,
                at=now,
            )
            await store.add_member(conn, user_id=user_id, org_id=org_id, role="admin", at=now)
            await store.request_partnership(
                conn, library_id=library.id, association_id=org_id, message=message, at=now
            )
            await audit.record(
                conn,
                action="association.signed_up",
                actor_id=user_id,
                organisation_id=org_id,
                name=name,
            )
            admins = await store.admin_emails(conn, library.id)
    except IntegrityError:
        # Two sign-ups with the same e-mail at the same moment: the database said no.
        raise Invalid(
            {"email": _("An account with this e-mail address exists already. Log in instead.")}
        ) from None
    for admin in admins:
        with use_locale(admin.locale or ctx.settings.locale):
            await ctx.mail.send(
                OutgoingMessage(
                    "email",
                    admin.email,
                    _(
                        "%(association)s has signed up and asks to work with %(library)s. "
                        "Review the request: %(link)s",
                        association=name,
                        library=library.name,
                        link=ctx.url(f"/orgs/{library.slug}/associations"),
                    ),
                    _("New association awaits approval"),
                )
            )
    return user_id


async def create_library(
    ctx: Context, *, name: str, country: str, admin: NewAccount, existing_user: bool = False
) -> tuple[int, int]:
    """A library with its first admin (``samspel createadmin``, the demo). Returns ids."""
    now = clock.now()
    password_hash = await ctx.passwords.hash(admin.password)
    async with ctx.db.transaction() as conn:
        user = await accounts.user_by_email(conn, admin.email)
        if user is not None and not existing_user:
            raise Invalid(
                {"email": _("An account with this e-mail address exists already. Log in instead.")}
            )
        user_id = user.id if user else await _create_account(conn, admin, password_hash)
        org = await store.org_by_slug(conn, slugify(name))
        if org is None or org.kind != "library":
            org_id = await store.create_org(
                conn,
                kind="library",
                name=name,
                slug=await unique_slug(conn, name),
                status="active",
                description="",
                website="",
                email="",
                country=country,
                at=now,
            )
        else:
            org_id = org.id
        if not await store.is_member(conn, org_id, user_id):
            await store.add_member(conn, user_id=user_id, org_id=org_id, role="admin", at=now)
        await audit.record(conn, action="library.created", actor_id=user_id, organisation_id=org_id)
    return org_id, user_id


async def organisation(ctx: Context, slug: str) -> Row:
    async with ctx.db.read() as conn:
        org = await store.org_by_slug(conn, slug)
    if org is None:
        raise NotFound()
    return org


async def overview(ctx: Context, org: Row) -> dict:
    async with ctx.db.read() as conn:
        members = await store.members_of(conn, org.id)
        if org.kind == "library":
            pending = await store.count_pending_partnerships(conn, org.id)
            partners: list[Row] = []
        else:
            pending = 0
            partners = await store.partnerships_of_association(conn, org.id)
    return {"members": members, "pending_associations": pending, "partnerships": partners}


async def edit_organisation(
    ctx: Context, *, actor: Actor, org: Row, name: str, description: str, website: str, email: str
) -> None:
    if not can(actor, "org.edit", org):
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        await store.update_org(
            conn, org.id, name=name, description=description, website=website, email=email
        )
        await audit.record(
            conn, action="org.edited", actor_id=actor.user_id, organisation_id=org.id
        )


# Association approval ----------------------------------------------------------------------


async def association_requests(ctx: Context, library: Row) -> list[Row]:
    async with ctx.db.read() as conn:
        return await store.partnerships_of_library(conn, library.id)


async def decide_association(
    ctx: Context, *, actor: Actor, library: Row, partnership_id: int, approve: bool, reason: str
) -> None:
    """Approve or reject an association's request. Approval activates a pending association;
    a rejection needs a reason, which the association is told."""
    if not can(actor, "library.associations.review", library):
        raise Forbidden()
    if not approve and not reason:
        raise Invalid({"reason": _("Tell the association why, so they can respond.")})
    now = clock.now()
    async with ctx.db.transaction() as conn:
        request = await store.partnership(conn, library.id, partnership_id)
        if request is None:
            raise NotFound()
        status = "approved" if approve else "rejected"
        decided = await store.decide_partnership(
            conn, request.id, status=status, reason=reason, decided_by=actor.user_id or 0, at=now
        )
        if not decided:
            raise Invalid({"decision": _("Someone else has already decided on this request.")})
        association = await store.org_by_id(conn, request.association_id)
        assert association is not None
        if approve and association.status != "active":
            await store.update_org(conn, association.id, status="active")
        elif not approve and association.status == "pending":
            if not await store.has_approved_partnership(conn, association.id):
                await store.update_org(conn, association.id, status="rejected")
        await audit.record(
            conn,
            action=f"association.{status}",
            actor_id=actor.user_id,
            organisation_id=library.id,
            target=f"organisation:{association.id}",
            reason=reason,
        )
        admins = await store.admin_emails(conn, association.id)
    for admin in admins:
        with use_locale(admin.locale or ctx.settings.locale):
            if approve:
                subject = _(
                    "%(library)s approved %(association)s",
                    library=library.name,
                    association=association.name,
                )
                body = _(
                    "Welcome! %(library)s has approved %(association)s on Samspel. "
                    "You can now plan events together: %(link)s",
                    library=library.name,
                    association=association.name,
                    link=ctx.url("/dashboard"),
                )
            else:
                subject = _("%(library)s declined the request", library=library.name)
                body = _(
                    "%(library)s did not approve %(association)s this time. Their reason: %(reason)s",  # noqa: E501
                    library=library.name,
                    association=association.name,
                    reason=reason,
                )
            await ctx.mail.send(OutgoingMessage("email", admin.email, body, subject))


# Members and roles ---------------------------------------------------------------------------


async def members(ctx: Context, org: Row) -> list[Row]:
    async with ctx.db.read() as conn:
        return await store.members_of(conn, org.id)


async def change_role(
    ctx: Context, *, actor: Actor, org: Row, membership_id: int, role: str
) -> None:
    if not can(actor, "org.members.manage", org):
        raise Forbidden()
    if role not in allowed_roles(org):
        raise Invalid({"role": _("Choose one of the options.")})
    async with ctx.db.transaction() as conn:
        member = await store.membership(conn, org.id, membership_id)
        if member is None:
            raise NotFound()
        if (
            member.role == "admin"
            and role != "admin"
            and await store.count_admins(conn, org.id) <= 1
        ):
            raise Invalid(
                {
                    "role": _(
                        "An organisation needs at least one admin. Make someone else admin first."
                    )
                }
            )
        await store.set_role(conn, membership_id, role)
        await audit.record(
            conn,
            action="member.role_changed",
            actor_id=actor.user_id,
            organisation_id=org.id,
            target=f"user:{member.user_id}",
            role=role,
        )


async def remove_member(ctx: Context, *, actor: Actor, org: Row, membership_id: int) -> None:
    if not can(actor, "org.members.manage", org):
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        member = await store.membership(conn, org.id, membership_id)
        if member is None:
            raise NotFound()
        if member.role == "admin" and await store.count_admins(conn, org.id) <= 1:
            raise Invalid(
                {
                    "member": _(
                        "An organisation needs at least one admin. Make someone else admin first."
                    )
                }
            )
        await store.remove_member(conn, membership_id)
        await audit.record(
            conn,
            action="member.removed",
            actor_id=actor.user_id,
            organisation_id=org.id,
            target=f"user:{member.user_id}",
        )


def allowed_roles(org: Row) -> tuple[str, ...]:
    """Libraries have admins and staff; associations have admins and members."""
    return ("admin", "staff") if org.kind == "library" else ("admin", "member")


# Invitations -----------------------------------------------------------------------------------


async def open_invitations(ctx: Context, org: Row) -> list[Row]:
    async with ctx.db.read() as conn:
        return await store.open_invitations(conn, org.id, clock.now())


async def invite(ctx: Context, *, actor: Actor, org: Row, email: str, role: str) -> None:
    """Invite a colleague by e-mail; the link lets them join with a new or existing account."""
    if not can(actor, "org.invite", org):
        raise Forbidden()
    if role not in allowed_roles(org) or role not in ROLES:
        raise Invalid({"role": _("Choose one of the options.")})
    token = new_secret()
    now = clock.now()
    async with ctx.db.transaction() as conn:
        existing = await accounts.user_by_email(conn, email)
        if existing is not None and await store.is_member(conn, org.id, existing.id):
            raise Invalid({"email": _("This person is already a member.")})
        await store.create_invitation(
            conn,
            organisation_id=org.id,
            email=email,
            role=role,
            token_hash=digest(token),
            invited_by=actor.user_id,
            created_at=now,
            expires_at=now + timedelta(days=ctx.settings.invitation_days),
        )
        await audit.record(
            conn,
            action="member.invited",
            actor_id=actor.user_id,
            organisation_id=org.id,
            email=email,
            role=role,
        )
    with use_locale((existing.locale if existing else None) or ctx.settings.locale):
        body = _(
            "%(inviter)s invites you to join %(organisation)s on Samspel, where libraries and "
            "associations plan events together. Accept within %(days)d days: %(link)s",
            inviter=actor.name,
            organisation=org.name,
            days=ctx.settings.invitation_days,
            link=ctx.url(f"/invitations/{token}"),
        )
        subject = _("Join %(organisation)s on Samspel", organisation=org.name)
    await ctx.mail.send(OutgoingMessage("email", email, body, subject))


async def revoke_invitation(ctx: Context, *, actor: Actor, org: Row, invitation_id: int) -> None:
    if not can(actor, "org.invite", org):
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        if not await store.revoke_invitation(conn, org.id, invitation_id, clock.now()):
            raise NotFound()
        await audit.record(
            conn, action="member.invitation_revoked", actor_id=actor.user_id, organisation_id=org.id
        )


async def invitation(ctx: Context, token: str) -> Row:
    """An invitation that can still be accepted, or NotFound (unknown, used, revoked, expired)."""
    async with ctx.db.read() as conn:
        found = await store.invitation_by_token_hash(conn, digest(token))
    if (
        found is None
        or found.accepted_at is not None
        or found.revoked_at is not None
        or found.expires_at <= clock.now()
    ):
        raise NotFound()
    return found


async def accept_invitation(
    ctx: Context, *, token: str, actor: Actor, account: NewAccount | None
) -> int:
    """Join the organisation as the logged-in user, or with a new account. Returns user id."""
    found = await invitation(ctx, token)
    password_hash = await ctx.passwords.hash(account.password) if account else None
    now = clock.now()
    async with ctx.db.transaction() as conn:
        if actor.is_authenticated:
            user_id = actor.user_id or 0
        elif account is not None and password_hash is not None:
            user_id = await _create_account(conn, account, password_hash)
        else:
            raise Invalid({"email": _("Log in or create an account to accept.")})
        if not await store.accept_invitation(conn, found.id, now):
            raise NotFound()
        if not await store.is_member(conn, found.organisation_id, user_id):
            await store.add_member(
                conn, user_id=user_id, org_id=found.organisation_id, role=found.role, at=now
            )
        await audit.record(
            conn, action="member.joined", actor_id=user_id, organisation_id=found.organisation_id
        )
    return user_id
