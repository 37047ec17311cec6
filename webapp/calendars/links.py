"""Links that put an event into people's calendars: subscriptions and the web calendars'
own "new event" pages (Google Calendar, Outlook.com, Microsoft 365)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

# The web calendars cut long texts; a link that is too long fails in some browsers.
MAX_DETAILS = 1000


def webcal(url: str) -> str:
    """The ``webcal://`` form of a feed's address: calendar apps subscribe to it."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", parts.netloc, parts.path, parts.query, ""))


@dataclass(frozen=True)
class WebCalendars:
    google: str
    outlook: str
    office365: str


def web_calendars(
    *, title: str, starts: datetime, ends: datetime, details: str, location: str
) -> WebCalendars:
    details = details if len(details) <= MAX_DETAILS else details[: MAX_DETAILS - 1] + "…"
    google = urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{_google_time(starts)}/{_google_time(ends)}",
            "details": details,
            "location": location,
        }
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": starts.astimezone(UTC).isoformat(timespec="seconds"),
            "enddt": ends.astimezone(UTC).isoformat(timespec="seconds"),
            "body": details,
            "location": location,
        }
    )
    return WebCalendars(
        google=f"https://calendar.google.com/calendar/render?{google}",
        outlook=f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
        office365=f"https://outlook.office.com/calendar/0/deeplink/compose?{outlook}",
    )


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class EventLinks:
    """The event page's "add to calendar" links: its calendar file (download), the same file
    as a subscription (it follows changes: useful for a series), and the next date in the
    web calendars (None when no date is ahead)."""

    download: str
    subscribe: str
    web: WebCalendars | None


def event_links(
    base_url: str,
    *,
    event_id: int,
    title: str,
    summary: str,
    next_date: tuple[datetime, datetime] | None,
    location: str,
) -> EventLinks:
    url = f"{base_url}/events/{event_id}"
    web = None
    if next_date is not None:
        details = f"{summary}\n\n{url}" if summary else url
        web = web_calendars(
            title=title, starts=next_date[0], ends=next_date[1], details=details, location=location
        )
    return EventLinks(download=f"{url}.ics", subscribe=webcal(f"{url}.ics"), web=web)


def for_event_page(base_url: str, page: Any) -> EventLinks:
    """The links of a public event page (``program.service.EventPage``): the web calendars
    get its next date that is not cancelled, with that date's place."""
    upcoming = next((d for d in page.upcoming if not d.cancelled), None)
    place = page.rooms.get(upcoming.room_id) if upcoming is not None else None
    return event_links(
        base_url,
        event_id=page.row.id,
        title=page.row.title,
        summary=page.row.summary,
        next_date=(upcoming.starts, upcoming.ends) if upcoming is not None else None,
        location=(
            f"{place.room_name}, {place.location_name}, {place.street}, {place.city}"
            if place is not None
            else ""
        ),
    )
