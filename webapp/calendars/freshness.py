"""Reading the calendar version on every feed request, as cheaply as the database allows.

A feed already built is answered after one look at ``calendar_state`` (and, for a public
feed, at the organisation of its slug). Through the async engine that look costs a pool
checkout and a transaction on the driver's thread, several times the cost of sending a
built feed. On SQLite, the embedded default, this module reads it instead from a read-only
connection of its own, in the event loop: a primary-key lookup in WAL mode takes
microseconds and never waits for writers (readers see the last committed version). On
PostgreSQL it goes through the engine like every other query.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from sqlalchemy.engine import make_url

from webapp.calendars import store
from webapp.db import Database

_SQL = (
    "SELECT calendar_state.version, o.id, o.name, o.slug, o.status FROM calendar_state "
    "LEFT JOIN organisations AS o ON o.slug = ? WHERE calendar_state.id = 1"
)


class Organisation(NamedTuple):
    id: int
    name: str
    slug: str
    status: str


class Freshness:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._path = make_url(db.url).database if db.is_sqlite else None
        self._connection: sqlite3.Connection | None = None

    async def read(self, slug: str = "") -> tuple[int, Organisation | None]:
        """The calendar version, and the organisation with ``slug`` (None if none)."""
        if self._path:
            try:
                return self._read_sqlite(slug)
            except sqlite3.Error:
                self.close()  # e.g. the file was replaced: the engine's way this time
        async with self.db.read() as conn:
            version, row = await store.version_and_organisation(conn, slug)
        found = Organisation(row.id, row.name, row.slug, row.status) if row is not None else None
        return version, found

    def _read_sqlite(self, slug: str) -> tuple[int, Organisation | None]:
        if self._connection is None:
            self._connection = sqlite3.connect(
                f"file:{self._path}?mode=ro",
                uri=True,
                isolation_level=None,  # autocommit: each read sees the last commit
                check_same_thread=False,
                timeout=1.0,
            )
        row = self._connection.execute(_SQL, (slug,)).fetchone()
        if row is None:
            return 0, None
        version, *organisation = row
        return int(version), (Organisation(*organisation) if organisation[0] is not None else None)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
