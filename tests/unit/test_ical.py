"""The iCalendar writer on its own: escaping, folding, zones, and parsers that agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from tests.calendar_clients import icaljs
from webapp.calendars import ical

NASTY = [
    "Språkcafé, arabiska; svenska",
    "Line one\nline two\r\nline three\rline four",
    "Back\\slash \\n not a newline, \\; not a semicolon",
    "Emoji ☕🎉👩🏽‍💻 and Arabic مرحبا بكم في المكتبة and Sámi čđŋšŧž",
    "Control\x00char\x07acters\x1b and a tab\tstay out",
    "Æble, Øre, Åse; Über " * 20,
    "x" * 74 + "é" + "\\" * 3 + "y" * 100,
]


def _entry(n: int, text: str) -> ical.Entry:
    start = datetime(2030, 3, 25 + n % 7, 16, 0, tzinfo=UTC)
    return ical.Entry(
        uid=f"event-{n}@example.org",
        sequence=n,
        status=ical.STATUSES[n % 3],
        starts=start,
        ends=start + timedelta(hours=2),
        zone="Europe/Oslo" if n % 2 else "Europe/Stockholm",
        summary=text,
        description=text + "\n\n" + text,
        location=text,
        url=f"https://example.org/events/{n}",
        categories=("Adults", text[:20]),
        organizer_name='The "quoted", association; ok',
        organizer_address="mailto:info@example.org",
        created=start - timedelta(days=30),
        modified=start - timedelta(days=1),
    )


def _calendar(texts: list[str]) -> bytes:
    return ical.render(
        ical.Calendar(
            name="Bibliotek: program; 2030",
            description="Test",
            zone="Europe/Stockholm",
            refresh=timedelta(hours=1),
            entries=[_entry(n, t) for n, t in enumerate(texts)],
        )
    )


def test_every_line_is_folded_at_75_octets_with_crlf():
    body = _calendar(NASTY)
    assert body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    for line in lines:
        line.decode()  # never cut inside a UTF-8 character


def test_both_parsers_read_back_exactly_what_was_written():
    body = _calendar(NASTY)
    expected = [t.replace("\r\n", "\n").replace("\r", "\n") for t in NASTY]
    expected = [e.translate({c: None for c in range(32) if c not in (9, 10)}) for e in expected]
    parsed = icaljs(body)
    assert [e["summary"] for e in parsed["events"]] == expected
    assert [e["location"] for e in parsed["events"]] == expected
    assert [e["description"] for e in parsed["events"]] == [f"{e}\n\n{e}" for e in expected]
    assert sorted(parsed["zones"]) == ["Europe/Oslo", "Europe/Stockholm"]
    # NAME and X-WR-CALNAME are TEXT (RFC 7986; RFC 5545 3.8.8.2 makes TEXT the default of
    # non-standard properties), so they are escaped; both parsers keep the text of these
    # calendar-level properties as written, without unescaping it.
    assert parsed["xWrCalname"] == "Bibliotek: program\\; 2030"
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["NAME"].to_ical() == b"Bibliotek: program\\; 2030"
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == expected
    assert [e.categories for e in events][0] == ["Adults", expected[0][:20]]
    for event, entry in zip(events, [_entry(n, t) for n, t in enumerate(NASTY)], strict=True):
        assert event.start == entry.starts
        assert event.end == entry.ends
        assert event["STATUS"] == entry.status
        assert event.sequence == entry.sequence


@pytest.mark.parametrize(
    ("span", "text"),
    [(timedelta(hours=1), "PT1H"), (timedelta(minutes=90), "PT1H30M"), (timedelta(0), "PT1M")],
)
def test_refresh_interval(span, text):
    body = ical.render(ical.Calendar("n", "d", "Europe/Stockholm", span, []))
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{text}\r\n".encode() in body
    assert f"X-PUBLISHED-TTL:{text}\r\n".encode() in body
