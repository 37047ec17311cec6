"""SQL for accounts: users, sessions, rate-limit counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp.auth.permissions import Actor, Membership
from webapp.db.tables import memberships, organisations, rate_limits, sessions, users


async def user_by_email(conn: AsyncConnection, email: str) -> Row | None:
    result = await conn.execute(select(users).where(users.c.email == email.strip().lower()))
    return result.first()


async def user_by_id(conn: AsyncConnection, user_id: int) -> Row | None:
    return (await conn.execute(select(users).where(users.c.id == user_id))).first()


async def create_user(
    conn: AsyncConnection,
    *,
    email: str,
    name: str,
    password_hash: str,
    locale: str | None,
    at: datetime,
) -> int:
    result = await conn.execute(
        insert(users)
        .values(
            email=email.strip().lower(),
            name=name,
            password_hash=password_hash,
            locale=locale,
            is_active=True,
            is_superuser=False,
            created_at=at,
            password_changed_at=at,
        )
        .returning(users.c.id)
    )
    return result.scalar_one()


async def set_password(
    conn: AsyncConnection, user_id: int, password_hash: str, at: datetime
) -> None:
    await conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, password_changed_at=at)
    )


async def replace_password(
    conn: AsyncConnection, user_id: int, old_hash: str, new_hash: str, at: datetime
) -> bool:
    """Set the new hash only if the old one is still in place (compare-and-set)."""
    result = await conn.execute(
        update(users)
        .where(users.c.id == user_id, users.c.password_hash == old_hash)
        .values(password_hash=new_hash, password_changed_at=at)
    )
    return (result.rowcount or 0) == 1


async def set_user_locale(conn: AsyncConnection, user_id: int, locale: str | None) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(locale=locale))


async def update_profile(conn: AsyncConnection, user_id: int, *, name: str) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(name=name))


async def mark_login(conn: AsyncConnection, user_id: int, at: datetime) -> None:
    await conn.execute(update(users).where(users.c.id == user_id).values(last_login_at=at))


async def create_session(
    conn: AsyncConnection,
    *,
    key_hash: str,
    user_id: int,
    at: datetime,
    lifetime: timedelta,
    ip: str,
    user_agent: str,
) -> None:
    await conn.execute(
        insert(sessions).values(
            key_hash=key_hash,
            user_id=user_id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + lifetime,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )


async def actor_for_session(
    conn: AsyncConnection, key_hash: str, at: datetime
) -> tuple[Actor, Row] | None:
    """The logged-in actor and the session row, or None for an unknown or expired key.

    Two queries whatever the number of memberships."""
    row = (
        await conn.execute(
            select(sessions, users.c.name, users.c.email, users.c.is_superuser, users.c.locale)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.key_hash == key_hash, sessions.c.expires_at > at, users.c.is_active)
        )
    ).first()
    if row is None:
        return None
    return await actor_for_user(conn, row), row


async def actor_for_user(conn: AsyncConnection, user: Row) -> Actor:
    user_id = user.user_id if "user_id" in user._fields else user.id
    result = await conn.execute(
        select(
            memberships.c.organisation_id,
            memberships.c.role,
            organisations.c.kind,
            organisations.c.status,
            organisations.c.name,
            organisations.c.slug,
        )
        .join(organisations, organisations.c.id == memberships.c.organisation_id)
        .where(memberships.c.user_id == user_id)
    )
    return Actor(
        user_id=user_id,
        name=user.name,
        email=user.email,
        is_superuser=bool(user.is_superuser),
        locale=user.locale,
        memberships={r.organisation_id: Membership(**r._mapping) for r in result},
    )


async def touch_session(
    conn: AsyncConnection, session_id: int, at: datetime, lifetime: timedelta
) -> None:
    await conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id)
        .values(last_seen_at=at, expires_at=at + lifetime)
    )


async def delete_session(conn: AsyncConnection, key_hash: str) -> None:
    await conn.execute(delete(sessions).where(sessions.c.key_hash == key_hash))


async def delete_user_sessions(
    conn: AsyncConnection, user_id: int, *, keep_key_hash: str | None = None
) -> None:
    condition = sessions.c.user_id == user_id
    if keep_key_hash:
        condition = condition & (sessions.c.key_hash != keep_key_hash)
    await conn.execute(delete(sessions).where(condition))


async def delete_expired_sessions(conn: AsyncConnection, at: datetime) -> int:
    result = await conn.execute(delete(sessions).where(sessions.c.expires_at <= at))
    return result.rowcount or 0


async def count_hit(conn: AsyncConnection, key: str, window_start: int) -> int:
    """Add one to a rate-limit counter and return the new count (atomic upsert)."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(rate_limits).values(key=key, window_start=window_start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[rate_limits.c.key, rate_limits.c.window_start],
        set_={"count": rate_limits.c.count + 1},
    ).returning(rate_limits.c.count)
    return (await conn.execute(statement)).scalar_one()


async def uncount_hit(conn: AsyncConnection, key: str, window_start: int) -> None:
    await conn.execute(
        update(rate_limits)
        .where(
            rate_limits.c.key == key,
            rate_limits.c.window_start == window_start,
            rate_limits.c.count > 0,
        )
        .values(count=rate_limits.c.count - 1)
    )


async def hit_count(conn: AsyncConnection, key: str, window_start: int) -> int:
    result = await conn.execute(
        select(func.coalesce(func.sum(rate_limits.c.count), 0)).where(
            rate_limits.c.key == key, rate_limits.c.window_start == window_start
        )
    )
    return int(result.scalar_one())


async def clear_hits(conn: AsyncConnection, key: str) -> None:
    await conn.execute(delete(rate_limits).where(rate_limits.c.key == key))


async def delete_old_hits(conn: AsyncConnection, before_window: int) -> None:
    await conn.execute(delete(rate_limits).where(rate_limits.c.window_start < before_window))
