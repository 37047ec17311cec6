"""iCalendar (RFC 5545) text from calendar entries: a pure function from data to bytes.

The content lines are written here rather than through ``icalendar``'s component objects:
for a feed of 5,000 events those take about 1.5 s, this takes a small fraction of that (see
docs/decisions.md and ``make bench``): text escaping (RFC 5545 3.3.11) and line folding
(3.1: at 75 octets, never inside a UTF-8 character or after a backslash) are a few string
operations each. The time-zone definitions come from ``icalendar``, and the tests parse
every feed with ``icalendar`` and with Mozilla's ``ical.js``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Timezone

PRODID = "-//Samspel//Samspel calendars//EN"
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
# Control characters are not allowed in iCalendar text (a tab is).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


class Entry(NamedTuple):
    """One date of an event, as calendar apps see it (a tuple: thousands are made per feed)."""

    uid: str
    sequence: int
    status: str  # one of STATUSES
    starts: datetime  # aware
    ends: datetime  # aware
    zone: str  # the IANA zone the times are written in (TZID)
    summary: str
    description: str
    location: str
    url: str
    categories: tuple[str, ...]
    organizer_name: str
    organizer_address: str  # a URI: mailto:… or https://…
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class Calendar:
    name: str
    description: str
    zone: str  # the calendar's own zone (X-WR-TIMEZONE)
    refresh: timedelta
    entries: Sequence[Entry]


def render(calendar: Calendar) -> bytes:
    """The whole calendar as iCalendar bytes (UTF-8, CRLF line ends, folded at 75 octets)."""
    refresh = _duration(calendar.refresh)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _text_line("NAME", calendar.name),
        _text_line("X-WR-CALNAME", calendar.name),
        _text_line("X-WR-CALDESC", calendar.description),
        f"X-WR-TIMEZONE:{calendar.zone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    for zone, (first, last) in sorted(_zone_years(calendar.entries).items()):
        lines.append(_vtimezone(zone, first, last))
    zones: dict[str, ZoneInfo] = {}
    for entry in calendar.entries:
        info = zones.get(entry.zone) or zones.setdefault(entry.zone, ZoneInfo(entry.zone))
        lines.append(_event(entry, info))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _event(entry: Entry, zone: ZoneInfo) -> str:
    """One VEVENT, its content lines joined."""
    stamp = _utc(entry.modified)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",  # ours: ASCII letters, digits, - @ . (nothing to escape or fold)
        f"DTSTAMP:{stamp}",
        f"CREATED:{_utc(entry.created)}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{entry.sequence}",
        f"STATUS:{entry.status}",
        f"DTSTART;TZID={entry.zone}:{_local(entry.starts, zone)}",
        f"DTEND;TZID={entry.zone}:{_local(entry.ends, zone)}",
        _text_line("SUMMARY", entry.summary),
    ]
    if entry.description:
        lines.append(_text_line("DESCRIPTION", entry.description))
    if entry.location:
        lines.append(_text_line("LOCATION", entry.location))
    if entry.categories:
        lines.append(_categories(entry.categories))
    if entry.url:
        lines.append(_fold(f"URL:{entry.url}"))
    if entry.organizer_address:
        lines.append(_organizer(entry.organizer_name, entry.organizer_address))
    lines.append("TRANSP:TRANSPARENT" if entry.status == "CANCELLED" else "TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


@functools.lru_cache(maxsize=1024)
def _categories(categories: tuple[str, ...]) -> str:
    """The CATEGORIES line (a few combinations of audiences: each written once)."""
    return _fold("CATEGORIES:" + ",".join([_escape(c) for c in categories]))


@functools.lru_cache(maxsize=1024)
def _organizer(name: str, address: str) -> str:
    return _fold(f'ORGANIZER;CN="{_param(name)}":{address}')


def _escape(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks; control
    characters are not allowed in iCalendar text and are left out."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _text_line(name: str, value: str) -> str:
    return _fold(f"{name}:{_escape(value)}")


def _param(value: str) -> str:
    """A quoted parameter value: no control characters and no double quotes (RFC 5545 3.2)."""
    return _CONTROL.sub("", value).replace('"', "'").replace("\n", " ")


def _fold(line: str, limit: int = 75) -> str:
    """The content line folded: CRLF and a space before every 75 octets (the space counts
    on the continuation lines), cut only between UTF-8 characters and never right after a
    backslash (some clients would read the escape apart)."""
    if line.isascii():
        if len(line) <= limit:
            return line
        if "\\" not in line:  # one character is one octet: plain slices
            rest = line[limit:]
            step = limit - 1
            return "\r\n ".join(
                [line[:limit], *(rest[i : i + step] for i in range(0, len(rest), step))]
            )
    elif len(line) <= limit // 4 or len(line.encode()) <= limit:
        return line
    data = line.encode()
    parts: list[bytes] = []
    start = 0
    room = limit
    while len(data) - start > room:
        cut = start + room
        while data[cut] & 0xC0 == 0x80:  # inside a UTF-8 character: cut before it
            cut -= 1
        if data[cut - 1] == 0x5C and cut - 1 > start:  # right after a backslash
            cut -= 1
        parts.append(data[start:cut])
        start = cut
        room = limit - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def _utc(moment: datetime) -> str:
    """``20261201T170000Z`` (isoformat and two replaces: several times faster than strftime)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")[:19].replace("-", "").replace(":", "") + "Z"


@functools.lru_cache(maxsize=8192)
def _local(moment: datetime, zone: ZoneInfo) -> str:
    """``20261201T180000``: the wall-clock time in ``zone`` (dates share their slots' times,
    so each is worked out once)."""
    text = moment.astimezone(zone).isoformat(timespec="seconds")
    return text[:19].replace("-", "").replace(":", "")


def _duration(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 1)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")


def _zone_years(entries: Iterable[Entry]) -> dict[str, tuple[int, int]]:
    """Each zone in use with the first and last year its entries fall in."""
    years: dict[str, tuple[int, int]] = {}
    for entry in entries:
        first = entry.starts.year
        last = entry.ends.year
        known = years.get(entry.zone)
        years[entry.zone] = (min(known[0], first), max(known[1], last)) if known else (first, last)
    return years


@functools.lru_cache(maxsize=256)
def _vtimezone(zone: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE of ``zone`` for the years the calendar covers (a year either side),
    generated from the tz database by ``icalendar``."""
    component = Timezone.from_tzinfo(
        ZoneInfo(zone),
        zone,
        first_date=date(first_year - 1, 1, 1),
        last_date=date(last_year + 1, 12, 31),
    )
    return component.to_ical().decode().rstrip("\r\n")
