"""Quiet hours: no SMS at night in the recipient's time zone.

Quiet hours are a span of wall-clock time, ``start`` included and ``end`` excluded, that may
wrap midnight (21:00–08:00); ``start == end`` means there are none. They are compared with
the clock on the wall in the recipient's zone, so they follow daylight-saving changes.

On the days the clock changes:

- an ``end`` the clock skips (02:30 on the last Sunday of March in Europe/Stockholm) ends the
  quiet period at the moment the clock jumps past it (03:00 CEST): the first instant the
  clock shows ``end`` or later;
- an ``end`` the clock shows twice (02:30 on the last Sunday of October) ends it at the first
  time shown that is not before the message was due; a message due in the repeated hour
  (at 02:10 the second time) therefore waits for the second 02:30, because the wall clock is
  back inside the quiet span.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times: give them without a time zone")

    def contains(self, wall: time) -> bool:
        """Whether the wall-clock time ``wall`` is within the quiet hours."""
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


def is_quiet(at: datetime, tz: ZoneInfo, quiet: QuietHours) -> bool:
    """Whether the aware instant ``at`` falls in the quiet hours of the zone ``tz``."""
    return quiet.contains(_aware(at).astimezone(tz).time())


def earliest_delivery(at: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """The earliest instant (aware, UTC) not before ``at`` at which an SMS may be delivered
    to a recipient in ``tz``: ``at`` itself outside quiet hours, else their end that night."""
    moment = _aware(at).astimezone(UTC)
    # Each round moves to a later end; a second one is needed only when the end was skipped
    # by a clock change straight into the next quiet span.
    for _ in range(4):
        local = moment.astimezone(tz)
        if not quiet.contains(local.time()):
            return moment
        day = local.date()
        if quiet.start > quiet.end and local.time() >= quiet.start:
            day += timedelta(days=1)
        moment = _first_showing(day, quiet.end, tz, not_before=moment)
    raise ValueError(f"no time outside quiet hours found after {at.isoformat()} in {tz}")


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("at must be an aware datetime")
    return at


def _first_showing(day: date, wall: time, tz: ZoneInfo, *, not_before: datetime) -> datetime:
    """The first instant not before ``not_before`` at which the clock in ``tz`` shows
    ``wall`` on ``day``, or the instant it jumps past ``wall`` when it skips it that day."""
    naive = datetime.combine(day, wall)
    candidates = [naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    if candidates[0].astimezone(tz).replace(tzinfo=None) != naive:
        return _jump_past(naive, tz, *sorted(candidates))
    for candidate in sorted(candidates):
        if candidate >= not_before:
            return candidate
    return max(candidates)


def _jump_past(naive: datetime, tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The instant between ``low`` (the clock before ``naive``) and ``high`` (after it) at
    which the clock jumps past the skipped ``naive``, to the microsecond."""
    while high - low > timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high
