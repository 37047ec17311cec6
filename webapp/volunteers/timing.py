"""When a shift starts and ends, relative to its date: "an hour before the start until the
start" (set-up), "from the start to the end" (host), "from the end until half an hour after"
(clear-up). Kept relative, so a shift follows its date when the date moves or gets longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ANCHORS = ("start", "end")
# The choices of the template form: minutes before or after the start or the end.
RELATIONS = ("before_start", "after_start", "before_end", "after_end")
# A shift is at most a day long and starts at most a day before or after its date.
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class Timing:
    start_anchor: str
    start_minutes: int
    end_anchor: str
    end_minutes: int

    @classmethod
    def whole_date(cls) -> Timing:
        return cls("start", 0, "end", 0)

    @classmethod
    def of(cls, row: object) -> Timing:
        return cls(
            getattr(row, "start_anchor"),  # noqa: B009 - rows and dataclasses alike
            getattr(row, "start_minutes"),  # noqa: B009
            getattr(row, "end_anchor"),  # noqa: B009
            getattr(row, "end_minutes"),  # noqa: B009
        )

    def values(self) -> dict[str, object]:
        return {
            "start_anchor": self.start_anchor,
            "start_minutes": self.start_minutes,
            "end_anchor": self.end_anchor,
            "end_minutes": self.end_minutes,
        }

    def span(self, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
        """The shift's start and end on the date from ``starts_at`` to ``ends_at``."""
        anchors = {"start": starts_at, "end": ends_at}
        return (
            anchors[self.start_anchor] + timedelta(minutes=self.start_minutes),
            anchors[self.end_anchor] + timedelta(minutes=self.end_minutes),
        )

    @classmethod
    def from_times(
        cls, date_start: datetime, date_end: datetime, start: datetime, end: datetime
    ) -> Timing:
        """The timing of a shift from ``start`` to ``end`` on that date: each end of the shift
        is kept relative to the nearer end of the date (a tie goes to the same end)."""
        start_anchor = _nearer(start, date_start, date_end, prefer="start")
        end_anchor = _nearer(end, date_start, date_end, prefer="end")
        anchors = {"start": date_start, "end": date_end}
        return cls(
            start_anchor,
            _minutes(start - anchors[start_anchor]),
            end_anchor,
            _minutes(end - anchors[end_anchor]),
        )

    @classmethod
    def from_relations(
        cls, start_minutes: int, start_relation: str, end_minutes: int, end_relation: str
    ) -> Timing:
        """From the template form: "60 minutes before the start" and so on."""
        start_anchor, start_sign = _relation(start_relation)
        end_anchor, end_sign = _relation(end_relation)
        return cls(start_anchor, start_sign * start_minutes, end_anchor, end_sign * end_minutes)

    def relations(self) -> tuple[int, str, int, str]:
        """The template form's values for this timing."""
        return (
            abs(self.start_minutes),
            _relation_name(self.start_anchor, self.start_minutes),
            abs(self.end_minutes),
            _relation_name(self.end_anchor, self.end_minutes),
        )

    def is_valid_for(self, starts_at: datetime, ends_at: datetime) -> bool:
        start, end = self.span(starts_at, ends_at)
        return start < end and end - start <= timedelta(minutes=MAX_MINUTES)


def _nearer(moment: datetime, date_start: datetime, date_end: datetime, *, prefer: str) -> str:
    to_start, to_end = abs(moment - date_start), abs(moment - date_end)
    if to_start == to_end:
        return prefer
    return "start" if to_start < to_end else "end"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _relation(name: str) -> tuple[str, int]:
    when, anchor = name.split("_")
    return anchor, (-1 if when == "before" else 1)


def _relation_name(anchor: str, minutes: int) -> str:
    return f"{'before' if minutes < 0 else 'after'}_{anchor}"
