"""Account rules: log-in with rate limits, log-out, password reset and change."""

from __future__ import annotations

from dataclasses import dataclass

from invites.console import OutgoingMessage
from webapp import audit, clock
from webapp.auth import store
from webapp.auth.permissions import Actor
from webapp.auth.ratelimit import Limit
from webapp.auth.sessions import SessionCookie, start_session
from webapp.auth.tokens import LinkSigner, digest
from webapp.context import Context
from webapp.i18n import _, use_locale
from webapp.problems import Invalid, TooManyAttempts


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    session_key: str
    locale: str | None


def login_limits(ctx: Context) -> tuple[Limit, Limit]:
    s = ctx.settings
    return (
        Limit("login-account", s.login_limit_per_account, s.login_limit_window_seconds),
        Limit("login-address", s.login_limit_per_address, s.login_limit_window_seconds),
    )


async def log_in(
    ctx: Context,
    *,
    email: str,
    password: str,
    ip: str,
    user_agent: str,
    cookie: SessionCookie,
    previous_session: str | None = None,
) -> LoggedIn:
    """Check the password and open a session.

    Every attempt is counted per account and per address *before* the password is checked,
    in one atomic step, so parallel guesses cannot slip past the limit. A successful log-in
    clears the account's counter and gives the address its attempt back."""
    per_account, per_address = login_limits(ctx)
    email = email.strip().lower()
    async with ctx.db.transaction() as conn:
        account_count = await per_account.hit(conn, email)
        address_count = await per_address.hit(conn, ip)
        user = await store.user_by_email(conn, email)
    for limit, count in ((per_account, account_count), (per_address, address_count)):
        if count > limit.limit:
            raise TooManyAttempts(limit.retry_after())
    ok = await ctx.passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise Invalid({"email": _("The e-mail address or the password is wrong.")})
    new_hash = (
        await ctx.passwords.hash(password)
        if ctx.passwords.needs_rehash(user.password_hash)
        else None
    )
    async with ctx.db.transaction() as conn:
        await per_account.clear(conn, email)
        await per_address.give_back(conn, ip)
        if previous_session:
            await store.delete_session(conn, previous_session)
        if new_hash:
            await store.set_password(conn, user.id, new_hash, user.password_changed_at)
        await store.mark_login(conn, user.id, clock.now())
        key = await start_session(
            conn, cookie=cookie, user_id=user.id, ip=ip, user_agent=user_agent
        )
        await audit.record(conn, action="account.login", actor_id=user.id, ip=ip)
    return LoggedIn(user_id=user.id, session_key=key, locale=user.locale)


async def open_session(
    ctx: Context, *, user_id: int, ip: str, user_agent: str, cookie: SessionCookie
) -> str:
    """A session for someone who has just created their account (sign-up, invitation); they
    chose the password a moment ago, so no log-in limit applies. Returns the cookie's key."""
    async with ctx.db.transaction() as conn:
        await store.mark_login(conn, user_id, clock.now())
        key = await start_session(
            conn, cookie=cookie, user_id=user_id, ip=ip, user_agent=user_agent
        )
        await audit.record(conn, action="account.login", actor_id=user_id, ip=ip)
    return key


async def log_out(ctx: Context, *, key_hash: str | None) -> None:
    if key_hash:
        async with ctx.db.transaction() as conn:
            await store.delete_session(conn, key_hash)


def _reset_signer(ctx: Context) -> LinkSigner:
    return LinkSigner(ctx.settings.secret_key, "password-reset")


def _reset_token(ctx: Context, user_id: int, password_hash: str) -> str:
    # The token names a fingerprint of the current hash: once the password changes, every
    # earlier link stops working, so a link can be used only once.
    return _reset_signer(ctx).sign({"u": user_id, "p": digest(password_hash)[:16]})


# Reset e-mails to one address: at most this many an hour, so nobody can fill someone's
# mailbox with our links (the page says "sent" either way, so the limit reveals nothing).
RESET_MAILS_PER_ACCOUNT = Limit("reset-account", 5, 3600)


async def request_password_reset(ctx: Context, *, email: str) -> None:
    """Send a reset link if the account exists; the visitor is told the same either way."""
    async with ctx.db.transaction() as conn:
        user = await store.user_by_email(conn, email)
        if user is None or not user.is_active:
            return
        if await RESET_MAILS_PER_ACCOUNT.hit(conn, user.email) > RESET_MAILS_PER_ACCOUNT.limit:
            return
    token = _reset_token(ctx, user.id, user.password_hash)
    hours = ctx.settings.password_reset_hours
    with use_locale(user.locale or ctx.settings.locale):
        body = _(
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to reset your Samspel password. "
            "Open this link within %(hours)d hours to choose a new one:\n\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays as it is.",
            name=user.name,
            hours=hours,
            link=ctx.url(f"/password/reset/{token}"),
        )
        subject = _("Reset your Samspel password")
    await ctx.mail.send(OutgoingMessage("email", user.email, body, subject))


async def user_for_reset(ctx: Context, token: str):  # type: ignore[no-untyped-def]
    payload = _reset_signer(ctx).load(token, ctx.settings.password_reset_hours * 3600)
    if not payload or not isinstance(payload.get("u"), int):
        return None
    async with ctx.db.read() as conn:
        user = await store.user_by_id(conn, payload["u"])
    if user is None or not user.is_active or digest(user.password_hash)[:16] != payload.get("p"):
        return None
    return user


async def reset_password(ctx: Context, *, token: str, password: str) -> bool:
    """Set a new password from a valid link; every open session of the user ends."""
    user = await user_for_reset(ctx, token)
    if user is None:
        return False
    new_hash = await ctx.passwords.hash(password)
    async with ctx.db.transaction() as conn:
        # Only if the hash is still the one the link was made for: of two simultaneous uses
        # of the same link, exactly one wins.
        if not await store.replace_password(
            conn, user.id, user.password_hash, new_hash, clock.now()
        ):
            return False
        await store.delete_user_sessions(conn, user.id)
        await audit.record(conn, action="account.password_reset", actor_id=user.id)
    return True


async def change_password(
    ctx: Context, *, actor: Actor, current: str, new: str, keep_session: str | None
) -> None:
    async with ctx.db.read() as conn:
        user = await store.user_by_id(conn, actor.user_id or 0)
    if user is None or not await ctx.passwords.verify(user.password_hash, current):
        raise Invalid({"current_password": _("The current password is wrong.")})
    new_hash = await ctx.passwords.hash(new)
    async with ctx.db.transaction() as conn:
        await store.set_password(conn, user.id, new_hash, clock.now())
        # Sessions elsewhere end (a stolen one too); this one stays logged in.
        await store.delete_user_sessions(conn, user.id, keep_key_hash=keep_session)
        await audit.record(conn, action="account.password_changed", actor_id=user.id)


async def update_profile(ctx: Context, *, actor: Actor, name: str, locale: str | None) -> None:
    """Save name and language; no language means "as my browser prefers"."""
    async with ctx.db.transaction() as conn:
        await store.update_profile(conn, actor.user_id or 0, name=name)
        await store.set_user_locale(conn, actor.user_id or 0, locale or None)


async def remember_locale(ctx: Context, *, actor: Actor, locale: str) -> None:
    if actor.is_authenticated:
        async with ctx.db.transaction() as conn:
            await store.set_user_locale(conn, actor.user_id or 0, locale)
