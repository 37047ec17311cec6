"""The program's filter choices (which locations and which partners have public dates),
kept per process until the calendar version changes.

Finding them reads every public date of the window: for the program of all libraries that
is every upcoming date in the database, so the query grows with the table (150–300 ms on
PostgreSQL at 100,000 events). The choices only change when the program does, which the
calendar version (bumped by triggers in the transaction of every change, read on every
feed request anyway) tells, so each process finds them once per version, organisation,
window and hour. The hour: the default window is "dates not yet over", and a date that
ended within the last hour may still be offered as a choice — it is the filter's list, the
dates themselves are read fresh every time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

from sqlalchemy.engine import Row

MAX_ENTRIES = 1024


class Choices:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, list[Row], list[Row]]] = OrderedDict()

    def get(self, key: Hashable, version: int) -> tuple[list[Row], list[Row]] | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1], found[2]

    def put(self, key: Hashable, version: int, locations: list[Row], partners: list[Row]) -> None:
        self._entries[key] = (version, locations, partners)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def hour(moment: datetime | None) -> datetime | None:
    """``after`` as the cache keys it (and the choices are read with): its hour."""
    return moment.replace(minute=0, second=0, microsecond=0) if moment is not None else None
