"""Built feeds, kept in the process until the calendar version changes.

Each app process keeps the feeds it built, with the calendar version they were built from;
the version lives in the database (``calendar_state``, bumped by triggers in the
transaction of every change), so a change made through any process is seen by every other
one on its next request. Nothing here is needed by another process: a process without a
feed builds it.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

# About forty 5,000-event feeds; the least recently used go first.
DEFAULT_MAX_BYTES = 128 * 1024 * 1024


@dataclass
class Built:
    """A feed's bytes with what conditional requests and gzip need."""

    body: bytes
    etag: str  # a quoted strong validator of the body
    built_at: datetime
    _gzipped: bytes | None = field(default=None, repr=False)

    @classmethod
    def of(cls, body: bytes, built_at: datetime) -> Built:
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        return cls(body=body, etag=f'"{digest}"', built_at=built_at)

    @property
    def gzipped(self) -> bytes:
        """The body compressed once, the first time a client asks for gzip."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped

    @functools.cached_property
    def last_modified(self) -> str:
        """The build time as an HTTP date (``Last-Modified``)."""
        return format_datetime(self.built_at.astimezone(UTC), usegmt=True)

    @functools.cached_property
    def gzip_etag(self) -> str:
        """The validator of the gzip-encoded bytes (another representation, another tag)."""
        return self.etag[:-1] + '-gz"'

    @property
    def size(self) -> int:
        return len(self.body) + len(self._gzipped or b"")


class FeedCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[int, Built]] = OrderedDict()
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self.builds = 0  # how many feeds this process built (for tests and benchmarks)

    def get(self, key: Hashable, version: int) -> Built | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: Hashable, version: int, built: Built) -> None:
        self._entries[key] = (version, built)
        self._entries.move_to_end(key)
        self.builds += 1
        while len(self._entries) > 1 and self._size() > self.max_bytes:
            self._entries.popitem(last=False)

    def lock(self, key: Hashable) -> asyncio.Lock:
        """One build at a time per feed: a burst of requests after a change builds it once."""
        if len(self._locks) > 4 * max(len(self._entries), 64):
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(key, asyncio.Lock())

    def clear(self) -> None:
        self._entries.clear()

    def _size(self) -> int:
        return sum(built.size for _, built in self._entries.values())
