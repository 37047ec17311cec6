"""Calendar text read the way calendar apps read it: with Mozilla's ical.js (Thunderbird's
parser, from the npm registry, run by Node) and with the ``icalendar`` package. Both must
accept every feed without an error."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar

PARSER = Path(__file__).parent / "icaljs" / "parse.mjs"


def icaljs(body: bytes) -> dict[str, Any]:
    """What ical.js makes of ``body``: calendar name, zones and every VEVENT (times in UTC)."""
    done = subprocess.run(
        ["node", str(PARSER)], input=body, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"ical.js refused the calendar: {done.stderr.decode()}"
    found = json.loads(done.stdout)
    for event in found["events"]:
        for key in ("start", "end"):
            event[key] = datetime.fromisoformat(event[key].replace("Z", "+00:00")).astimezone(UTC)
    return found


def icalendar_events(body: bytes) -> list[icalendar.Event]:
    """The VEVENTs as the ``icalendar`` package parses them (strictly: errors raise)."""
    calendar = icalendar.Calendar.from_ical(body)
    assert not calendar.errors, calendar.errors
    for component in calendar.walk():
        assert not getattr(component, "errors", None), component.errors
    return list(calendar.walk("VEVENT"))


def by_uid(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {event["uid"]: event for event in events}
