"""The SQL behind a page, and the database's plan for each statement.

``page_queries`` asks the app (in this process, through Starlette's test client) for each
path and records every statement it sends to the database while answering, with its
parameters; ``explain`` asks the database how it would run each one (``EXPLAIN QUERY PLAN``
on SQLite, ``EXPLAIN`` on PostgreSQL) and ``full_scans`` names the big tables a plan reads
from end to end. ``python -m bench pages`` prints them for the largest database it seeds;
tests/http/test_query_plans.py asserts that the program page's and the feed's statements
read no big table from end to end.
"""

from __future__ import annotations

import re
import time as time_module
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

# Tables that grow with the number of events (or sign-ups, or accounts).
BIG_TABLES = (
    "events",
    "occurrences",
    "event_partners",
    "event_transitions",
    "rsvps",
    "users",
    "audit_log",
    # … and the names webapp/program/store.py gives them (SQLite's plans show those).
    "hosted",
    "published",
)
# Indexes a page reads in their order (index -> the column of ``ORDER BY``).
ORDERED_INDEXES = {"ix_occurrences_starts": "occurrences.starts_at"}
# Statements that are not about the page (the calendar version is one primary-key row).
SKIPPED = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SELECT 1\b)", re.I)


@dataclass
class Statement:
    sql: str
    parameters: Any
    plan: list[str] = field(default_factory=list)
    seconds: float = float("nan")  # the best of a few runs, rows fetched

    @property
    def scans(self) -> list[str]:
        """The big tables the plan reads whole; a walk through an index in the order of the
        statement's ``ORDER BY … LIMIT`` is not one: it stops after a page."""
        return [
            line
            for line in full_scans(self.plan)
            if not any(
                index in line and f"ORDER BY {column}" in self.sql and "LIMIT" in self.sql
                for index, column in ORDERED_INDEXES.items()
            )
        ]

    @property
    def short(self) -> str:
        """The statement in one line, cut: enough to tell which query it is."""
        one_line = " ".join(self.sql.split())
        return one_line if len(one_line) <= 160 else one_line[:157] + "…"


def page_queries(app: Any, paths: Iterable[str]) -> dict[str, list[Statement]]:
    """Every statement the app sends while answering GET ``path``, for each path (which
    must answer 200). Blocking: call it from a thread when an event loop runs."""
    from starlette.testclient import TestClient

    engine = app.state.ctx.db.engine.sync_engine
    recorded: list[Statement] | None = None

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if recorded is not None and not SKIPPED.match(statement):
            recorded.append(Statement(statement, parameters))

    found: dict[str, list[Statement]] = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            for path in paths:
                recorded = []
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}")
                found[path], recorded = recorded, None
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return found


async def explain(
    conn: AsyncConnection, statements: Sequence[Statement], *, analyze: bool = False
) -> None:
    """Fill in each statement's plan, one line per plan node (on PostgreSQL with ``analyze``
    the plan as run: times and rows)."""
    sqlite = conn.dialect.name == "sqlite"
    for statement in statements:
        prefix = (
            "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE) " if analyze else "EXPLAIN "
        )
        result = await conn.exec_driver_sql(prefix + statement.sql, _parameters(statement))
        if sqlite:  # (id, parent, notused, detail): indent by depth
            depth: dict[int, int] = {0: -1}
            lines = []
            for row in result:
                node_id, parent, detail = int(row[0]), int(row[1]), str(row[3])
                depth[node_id] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node_id] + detail)
            statement.plan = lines
        else:
            statement.plan = [str(row[0]) for row in result]


async def time(conn: AsyncConnection, statements: Sequence[Statement], repeat: int = 3) -> None:
    """Fill in each statement's time: the best of ``repeat`` runs, every row fetched."""
    for statement in statements:
        best = float("inf")
        for _ in range(repeat):
            started = time_module.perf_counter()
            result = await conn.exec_driver_sql(statement.sql, _parameters(statement))
            result.fetchall()
            best = min(best, time_module.perf_counter() - started)
        statement.seconds = best


def _parameters(statement: Statement) -> Any:
    parameters = statement.parameters
    if isinstance(parameters, Mapping):
        return dict(parameters)
    return tuple(parameters) if parameters is not None else ()


_SQLITE_SCAN = re.compile(r"^\s*SCAN (\w+)")
# A search on an index by the event's state alone: most events are public, so it reads them
# nearly all (the plan SQLite chose without statistics before ``state || ''``).
_SQLITE_STATE_ONLY = re.compile(r"^\s*SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(state=\?\)")
_PG_SEQ = re.compile(r"Seq Scan on (\w+)")
_PG_INDEX = re.compile(r"Index (?:Only )?Scan (?:Backward )?using \w+ on (\w+)")


def full_scans(plan: Sequence[str]) -> list[str]:
    """The big tables the plan reads whole: on SQLite ``SCAN t`` (also ``SCAN t USING INDEX
    i``, which walks all of the index) and a search by the event's state alone; on
    PostgreSQL ``Seq Scan on t`` and an index scan without an ``Index Cond`` (a walk through
    all of the index)."""
    found = []
    for number, line in enumerate(plan):
        match = (
            _SQLITE_SCAN.match(line)
            or _SQLITE_STATE_ONLY.match(line)
            or _PG_SEQ.search(line)
            or _pg_unbounded_index_scan(plan, number)
        )
        if match and match.group(1) in BIG_TABLES:
            found.append(line.strip())
    return found


def _pg_unbounded_index_scan(plan: Sequence[str], number: int) -> re.Match[str] | None:
    match = _PG_INDEX.search(plan[number])
    if match is None:
        return None
    for line in plan[number + 1 :]:
        if "->" in line:
            break
        if "Index Cond:" in line:
            return None
    return match
