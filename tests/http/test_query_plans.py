"""The program page and the calendar feed find their rows through indexes, on both databases.

With a few hundred events any plan is fast, so the tests read the plans, not the clock: every
statement a page sends (recorded while the app answers it) is EXPLAINed, and none may read a
table that grows with the events from end to end (``bench/plans.py``: a full scan, a walk
through a whole index, or on SQLite a search by the event's state alone, which reads nearly
every event). On PostgreSQL sequential scans, hash and merge joins are switched off for the
EXPLAIN: with a few hundred rows the planner rightly reads tables whole, and the question is
whether an index could serve each table. ``python -m bench pages`` shows the plans at
100,000 events (docs/performance.md).
"""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import plans, seed
from tests.conftest import run_async
from webapp.app import create_app
from webapp.settings import Settings

EVENTS = 240  # two libraries of 120: the program and feed of one must not read the other's


@pytest.fixture
def seeded(database_url: str) -> seed.Seeded:
    return run_async(functools.partial(seed.seed, per_library=EVENTS // 2), database_url, EVENTS)


def _plans(
    settings: Settings, database_url: str, paths: list[str]
) -> dict[str, list[plans.Statement]]:
    app = create_app(settings)
    found = plans.page_queries(app, paths)

    async def explain() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                        await conn.execute(text(f"SET {setting} = off"))
                for statements in found.values():
                    await plans.explain(conn, statements)
        finally:
            await engine.dispose()

    run_async(explain)
    return found


def _pages(seeded: seed.Seeded) -> list[str]:
    event_id = seeded.event_ids[len(seeded.event_ids) // 2]
    return [
        f"/orgs/{seeded.library_slug}/program",
        f"/orgs/{seeded.library_slug}/program?page=2",
        f"/calendar/{seeded.library_slug}.ics",
        f"/events/{event_id}.ics",
    ]


def test_program_and_feeds_read_no_big_table_whole(settings, database_url, seeded):
    found = _plans(settings, database_url, _pages(seeded))
    scans = {
        f"{path}: {statement.short}": statement.scans
        for path, statements in found.items()
        for statement in statements
        if statement.scans
    }
    assert scans == {}
    program, feed = found[_pages(seeded)[0]], found[_pages(seeded)[2]]
    assert any("occurrences" in s.sql for s in program)  # the statements were recorded
    assert any("occurrences" in s.sql for s in feed)


def test_the_program_of_all_libraries_reads_its_first_page_in_time_order(
    settings, database_url, seeded
):
    """Its first page walks the dates by start time (``ix_occurrences_starts``) and stops
    after a page, rather than sorting every upcoming date. (The filters' choices of this page
    read every upcoming date, once per calendar version: webapp/program/choices.py.)"""
    found = _plans(settings, database_url, ["/program"])
    (dates,) = [s for s in found["/program"] if "ORDER BY occurrences.starts_at" in s.sql]
    assert "ORDER BY occurrences.starts_at" in dates.sql and "LIMIT" in dates.sql
    assert any("ix_occurrences_starts" in line for line in dates.plan), dates.plan


def test_full_scans_are_recognised():
    assert plans.full_scans(["SCAN occurrences"]) == ["SCAN occurrences"]
    assert plans.full_scans(["  SEARCH events USING INDEX ix_events_state_starts (state=?)"])
    assert not plans.full_scans(
        ["SEARCH events USING INDEX ix_events_library_state (library_id=?)"]
    )
    assert not plans.full_scans(["SCAN rooms"])  # a small table
    pg = [
        "Nested Loop  (cost=0.29..16.6 rows=1 width=4)",
        "  ->  Index Scan using pk_events on events  (cost=0.29..8.31 rows=1 width=4)",
        "        Filter: (library_id = 1)",
        "  ->  Index Scan using ix_occurrences_event on occurrences  (cost=0.29..8.31 rows=1)",
        "        Index Cond: (event_id = events.id)",
        "  ->  Seq Scan on event_transitions published  (cost=0.00..1.0 rows=1 width=4)",
    ]
    assert [line.split("  (")[0] for line in plans.full_scans(pg)] == [
        "->  Index Scan using pk_events on events",
        "->  Seq Scan on event_transitions published",
    ]
