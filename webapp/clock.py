"""The current time, always timezone-aware UTC. One place, so tests can reason about it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def epoch_seconds() -> int:
    return int(now().timestamp())
