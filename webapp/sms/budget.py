"""An organisation's monthly SMS budget, in segments or in money (the configured currency).

A month is a calendar month in the organisation's time zone. What counts is every message
queued in the month (scheduled ones included, at the time they were queued), except those
cancelled and those that failed before the provider took them. A send that would go over the
budget is refused as a whole; the composer shows what is left before anyone presses send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _, ngettext
from webapp.i18n.formatting import format_money
from webapp.problems import Forbidden
from webapp.sms import store

UNITS = ("segments", "money")


@dataclass(frozen=True)
class Budget:
    unit: str | None  # None: no limit
    amount: Decimal | None
    month: date  # the first day of the month in the organisation's time zone
    used_segments: int
    used_cost: Decimal
    currency: str

    @property
    def limited(self) -> bool:
        return self.unit is not None

    @property
    def used(self) -> Decimal:
        return Decimal(self.used_segments) if self.unit == "segments" else self.used_cost

    @property
    def left(self) -> Decimal | None:
        if self.amount is None:
            return None
        return max(self.amount - self.used, Decimal(0))

    def need(self, segments: int, cost: Decimal) -> Decimal:
        """What a send of ``segments`` costing ``cost`` takes from the budget."""
        return Decimal(segments) if self.unit == "segments" else cost

    def allows(self, segments: int, cost: Decimal) -> bool:
        return self.amount is None or self.used + self.need(segments, cost) <= self.amount

    def show(self, value: Decimal) -> str:
        """``value`` in the budget's unit, for people."""
        if self.unit == "money":
            return format_money(value, self.currency)
        return ngettext(
            "%(num)s segment", "%(num)s segments", int(value),
            num=f"{int(value):,}".replace(",", "\u00a0"),
        )  # fmt: skip

    def refusal(self, segments: int, cost: Decimal) -> str:
        return _(
            "This send needs %(need)s, but only %(left)s of this month's budget of %(amount)s "
            "is left. Choose fewer recipients, shorten the message, or ask an administrator "
            "to raise the budget.",
            need=self.show(self.need(segments, cost)),
            left=self.show(self.left or Decimal(0)),
            amount=self.show(self.amount or Decimal(0)),
        )


def month_of(now: datetime, tz: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The first day of ``now``'s month in ``tz``, and the month's bounds in UTC."""
    local = now.astimezone(tz)
    first = local.date().replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime(first.year, first.month, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(following.year, following.month, 1, tzinfo=tz).astimezone(UTC)
    return first, start, end


def zone_of(ctx: Context, organisation: Row) -> ZoneInfo:
    return ZoneInfo(organisation.timezone) if organisation.timezone else ctx.settings.tz


async def current(
    conn: AsyncConnection, ctx: Context, organisation: Row, *, lock: bool = False
) -> Budget:
    """This month's budget and what has been used of it; ``lock`` holds the budget row
    until the transaction ends so concurrent sends are checked one after the other."""
    first, start, end = month_of(clock.now(), zone_of(ctx, organisation))
    row = await store.budget(conn, organisation.id, lock=lock)
    segments, cost = await store.use_between(conn, organisation.id, start, end)
    return Budget(
        unit=row.unit if row else None,
        amount=Decimal(str(row.amount)) if row else None,
        month=first,
        used_segments=segments,
        used_cost=cost,
        currency=ctx.settings.sms_currency,
    )


async def of(ctx: Context, *, actor: Actor, organisation: Row) -> Budget:
    if not can(actor, "contacts.manage", organisation):
        raise Forbidden()
    async with ctx.db.read() as conn:
        return await current(conn, ctx, organisation)


async def save(
    ctx: Context, *, actor: Actor, organisation: Row, unit: str | None, amount: Decimal | None
) -> None:
    """Set the budget (``unit`` None: no limit). Only the organisation's administrators."""
    if not can(actor, "sms.budget", organisation):
        raise Forbidden()
    async with ctx.db.transaction() as conn:
        if unit is None or amount is None:
            await store.delete_budget(conn, organisation.id)
        else:
            await store.save_budget(
                conn, organisation.id, unit=unit, amount=amount, updated_by=actor.user_id,
                updated_at=clock.now(),
            )  # fmt: skip
        await audit.record(
            conn, action="sms.budget", actor_id=actor.user_id, organisation_id=organisation.id,
            target=f"organisation:{organisation.id}", unit=unit or "", amount=str(amount or ""),
        )  # fmt: skip
