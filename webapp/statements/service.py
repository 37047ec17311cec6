"""The deployment's accessibility statement and the problems readers report.

One library runs the deployment (``SAMSPEL_OPERATOR``, else the oldest library): its admins
keep the statement and read the reports. Until they save a statement, a default generated
from what Samspel's own tests check is shown, in the reader's language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.notifications import store as notifications
from webapp.problems import Forbidden, NotFound
from webapp.statements import content, store

log = logging.getLogger("samspel.statements")


@dataclass(frozen=True)
class Statement:
    operator: Row | None
    compliance: str
    known_problems: str
    tested_how: str
    report_email: str
    report_phone: str
    uustatus_url: str
    was_url: str
    privacy_email: str
    privacy_note: str
    assessed_on: date | None
    reviewed_on: date | None
    updated_at: datetime | None
    # False while the generated default is shown (nobody saved a statement yet).
    saved: bool

    @property
    def contact_email(self) -> str:
        """Where to write: the statement's address, else the operator's."""
        return self.report_email or (self.operator.email if self.operator else "")

    @property
    def data_protection_email(self) -> str:
        return self.privacy_email or self.contact_email

    @property
    def country(self) -> str:
        return self.operator.country if self.operator else "SE"

    def values(self, today: date) -> dict[str, Any]:
        """The edit form's first values."""
        return {
            "compliance": self.compliance,
            "known_problems": self.known_problems,
            "tested_how": self.tested_how,
            "report_email": self.report_email,
            "report_phone": self.report_phone,
            "uustatus_url": self.uustatus_url,
            "was_url": self.was_url,
            "privacy_email": self.privacy_email,
            "privacy_note": self.privacy_note,
            "assessed_on": (self.assessed_on or today).isoformat(),
            "reviewed_on": (self.reviewed_on or today).isoformat(),
        }


async def _operator(conn: AsyncConnection, slug: str) -> Row | None:
    if not slug:
        return await store.oldest_library(conn)
    found = await store.library_by_slug(conn, slug)
    if found is None:
        # Naming no one is better than naming the wrong library as responsible.
        log.warning("SAMSPEL_OPERATOR %r names no library; the statement names no operator", slug)
    return found


async def operator(ctx: Context) -> Row | None:
    async with ctx.db.read() as conn:
        return await _operator(conn, ctx.settings.operator)


def _statement(operator: Row | None, row: Row | None) -> Statement:
    if row is None:
        return Statement(
            operator=operator,
            compliance="partial",
            known_problems=content.default_known_problems(),
            tested_how=content.default_tested_how(),
            report_email="",
            report_phone="",
            uustatus_url="",
            was_url="",
            privacy_email="",
            privacy_note="",
            assessed_on=None,
            reviewed_on=None,
            updated_at=None,
            saved=False,
        )
    return Statement(
        operator=operator,
        compliance=row.compliance,
        known_problems=row.known_problems,
        tested_how=row.tested_how,
        report_email=row.report_email,
        report_phone=row.report_phone,
        uustatus_url=row.uustatus_url,
        was_url=row.was_url,
        privacy_email=row.privacy_email,
        privacy_note=row.privacy_note,
        assessed_on=row.assessed_on,
        reviewed_on=row.reviewed_on,
        updated_at=row.updated_at,
        saved=True,
    )


async def current(ctx: Context) -> Statement:
    """The statement to show: the operator's saved one, else the generated default."""
    async with ctx.db.read() as conn:
        found = await _operator(conn, ctx.settings.operator)
        row = await store.statement_of(conn, found.id) if found is not None else None
    return _statement(found, row)


def _require(actor: Actor, found: Row | None) -> Row:
    if found is None:
        raise NotFound()
    if not can(actor, "statement.manage", found):
        raise Forbidden()
    return found


async def for_editing(ctx: Context, *, actor: Actor) -> Statement:
    statement = await current(ctx)
    _require(actor, statement.operator)
    return statement


async def save(ctx: Context, *, actor: Actor, values: dict[str, Any]) -> None:
    now = clock.now()
    async with ctx.db.transaction() as conn:
        found = _require(actor, await _operator(conn, ctx.settings.operator))
        await store.save_statement(conn, found.id, values, at=now, user_id=actor.user_id)
        await audit.record(
            conn, action="statement.save", actor_id=actor.user_id, organisation_id=found.id,
            target="accessibility", compliance=values["compliance"],
        )  # fmt: skip


# Reports -------------------------------------------------------------------------------------


async def report(ctx: Context, *, values: dict[str, Any], language: str) -> None:
    """Store a reader's report and tell the operator's admins in their inbox."""
    now = clock.now()
    async with ctx.db.transaction() as conn:
        found = await _operator(conn, ctx.settings.operator)
        if found is None:
            raise NotFound()
        await store.add_report(
            conn, organisation_id=found.id, page=values["page"],
            description=values["description"], name=values["name"],
            contact=values["contact"], language=language, created_at=now,
        )  # fmt: skip
        await notifications.add(
            conn, user_ids=await store.admin_ids(conn, found.id), kind="accessibility_report",
            event_id=None, actor_id=None, params={"page": values["page"]}, at=now,
        )  # fmt: skip


@dataclass(frozen=True)
class Reports:
    operator: Row
    items: list[Row]

    @property
    def open(self) -> int:
        return sum(1 for item in self.items if item.handled_at is None)


async def reports(ctx: Context, *, actor: Actor) -> Reports:
    async with ctx.db.read() as conn:
        found = _require(actor, await _operator(conn, ctx.settings.operator))
        return Reports(operator=found, items=await store.reports_of(conn, found.id))


async def open_reports(ctx: Context, *, actor: Actor) -> int | None:
    """How many reports wait, for the operator's admins; None for everybody else."""
    async with ctx.db.read() as conn:
        found = await _operator(conn, ctx.settings.operator)
        if found is None or not can(actor, "statement.manage", found):
            return None
        return await store.open_report_count(conn, found.id)


async def mark_handled(ctx: Context, *, actor: Actor, report_id: int, handled: bool) -> None:
    async with ctx.db.transaction() as conn:
        found = _require(actor, await _operator(conn, ctx.settings.operator))
        at = clock.now() if handled else None
        user_id = actor.user_id if handled else None
        if not await store.mark_handled(conn, found.id, report_id, at=at, user_id=user_id):
            raise NotFound()


async def delete_report(ctx: Context, *, actor: Actor, report_id: int) -> None:
    async with ctx.db.transaction() as conn:
        found = _require(actor, await _operator(conn, ctx.settings.operator))
        if not await store.delete_report(conn, found.id, report_id):
            raise NotFound()
        await audit.record(
            conn, action="accessibility_report.delete", actor_id=actor.user_id,
            organisation_id=found.id, target=f"accessibility_report:{report_id}",
        )  # fmt: skip
