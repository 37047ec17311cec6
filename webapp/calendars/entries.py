"""From the rows of a feed to calendar entries: UIDs, statuses, titles and texts.

Each date of an event is its own VEVENT (a series is not written as one RRULE; see
docs/decisions.md). Its UID comes from the event and the date's place in the series as
planned, so it stays the same when the date moves or the series is approved again:
``event-12@host`` for the first (or only) date, ``event-12-3@host`` for the third.
SEQUENCE is the event's: it goes up with every change of time, place or state, and with
every change of one of its dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from webapp.calendars.ical import Entry
from webapp.events import series
from webapp.i18n import _

StatusOf = Callable[[Row], str]


@dataclass(frozen=True)
class Site:
    """What entries need from the deployment."""

    base_url: str
    default_zone: str
    mark_cancelled: bool  # also say "Cancelled:" in the title (some apps hide the status)
    audience_labels: Mapping[str, str]
    uid_domain: str = ""  # the host of base_url unless given

    def __post_init__(self) -> None:
        if not self.uid_domain:
            object.__setattr__(self, "uid_domain", urlsplit(self.base_url).hostname or "samspel")


def uid(event_id: int, position: int, site: Site) -> str:
    suffix = "" if position <= 1 else f"-{position}"
    return f"event-{event_id}{suffix}@{site.uid_domain}"


# Statuses ------------------------------------------------------------------------------------


def _cancelled(row: Row) -> bool:
    return getattr(row, "status", None) == "cancelled" or row.state in (
        "cancelled",
        "withdrawn",
        "declined",
    )


def public_status(row: Row) -> str:
    return "CANCELLED" if _cancelled(row) else "CONFIRMED"


def staff_status(row: Row) -> str:
    """Staff see every booking: one not published yet is tentative."""
    if _cancelled(row):
        return "CANCELLED"
    return "TENTATIVE" if row.state == "approved" else "CONFIRMED"


def partner_status(row: Row) -> str:
    """Partners see every event they co-author: one not approved yet is tentative."""
    if _cancelled(row):
        return "CANCELLED"
    booked = ("approved", "published", "completed", "evaluated")
    return "CONFIRMED" if row.state in booked else "TENTATIVE"


# Entries -------------------------------------------------------------------------------------


def booked_entries(
    rows: Iterable[Any],
    partners: Mapping[int, Sequence[Row]],
    reasons: Mapping[int, str],
    *,
    status_of: StatusOf,
    site: Site,
) -> list[Entry]:
    """One entry per booked date (``occurrences`` rows joined with their event and place)."""
    return [
        _entry(
            row,
            position=row.position,
            starts=row.starts_at,
            ends=row.ends_at,
            status=status_of(row),
            modified=row.modified_at,
            note=row.note,
            partners=partners.get(row.event_id, ()),
            reason=reasons.get(row.event_id, ""),
            site=site,
        )
        for row in rows
    ]


def wished_entries(
    rows: Iterable[Row],
    partners: Mapping[int, Sequence[Row]],
    reasons: Mapping[int, str],
    *,
    status_of: StatusOf,
    site: Site,
    since: datetime,
) -> list[Entry]:
    """Entries for events not booked yet, at their wished time (every date of a wished
    series, numbered as approval will number them), ending after ``since``."""
    found: list[Entry] = []
    for row in rows:
        zone = ZoneInfo(row.library_timezone or site.default_zone)
        wanted = series.dates(
            row.starts_at,
            row.ends_at,
            zone,
            every_weeks=row.repeat_weeks,
            until=row.repeat_until,
            count=row.repeat_count,
        )
        for position, (starts, ends) in enumerate(wanted, start=1):
            if ends <= since:
                continue
            found.append(
                _entry(
                    row,
                    position=position,
                    starts=starts,
                    ends=ends,
                    status=status_of(row),
                    modified=row.updated_at,
                    note="",
                    partners=partners.get(row.event_id, ()),
                    reason=reasons.get(row.event_id, ""),
                    site=site,
                )
            )
    return sorted(found, key=lambda e: (e.starts, e.uid))


def _entry(
    row: Row,
    *,
    position: int,
    starts: datetime,
    ends: datetime,
    status: str,
    modified: datetime,
    note: str,
    partners: Sequence[Row],
    reason: str,
    site: Site,
) -> Entry:
    title = row.title
    if status == "CANCELLED" and site.mark_cancelled:
        title = _("Cancelled: %(title)s", title=title)
    organizer_name, organizer_address = _organizer(row, partners, site)
    labels = site.audience_labels
    # Positional, in Entry's order (thousands per feed; keywords cost twice as much).
    return Entry(
        uid(row.event_id, position, site),
        row.sequence,
        status,
        starts,
        ends,
        row.library_timezone or site.default_zone,
        title,
        _description(row, partners, note, reason if status == "CANCELLED" else ""),
        location_text(row),
        f"{site.base_url}/events/{row.event_id}",
        tuple([labels.get(a, a) for a in row.audiences or ()]),
        organizer_name,
        organizer_address,
        row.created_at,
        modified,
    )


def _description(row: Row, partners: Sequence[Row], note: str, reason: str) -> str:
    parts = []
    if reason.strip():
        parts.append(_("Cancelled. The organisers' reason: %(reason)s", reason=reason.strip()))
    if note.strip():
        parts.append(note.strip())
    if row.summary.strip():
        parts.append(row.summary.strip())
    if row.description.strip():
        parts.append(row.description.strip())
    if partners:
        names = ", ".join(p.name for p in partners)
        parts.append(_("Organised by %(names)s", names=names))
    return "\n\n".join(parts)


def location_text(row: Row) -> str:
    if row.location_name is None:
        return ""
    place = [row.room_name, row.location_name, row.street, f"{row.postal_code} {row.city}"]
    return ", ".join(part.strip() for part in place if part and part.strip())


def _organizer(row: Row, partners: Sequence[Row], site: Site) -> tuple[str, str]:
    """The lead partner (or the library), reached by e-mail when it gives one, else at its
    public program page."""
    lead = partners[0] if partners else None
    if lead is not None and lead.email:
        return lead.name, f"mailto:{lead.email}"
    if row.library_email:
        return row.library_name, f"mailto:{row.library_email}"
    if lead is not None:
        return lead.name, f"{site.base_url}/orgs/{lead.slug}/program"
    return row.library_name, f"{site.base_url}/orgs/{row.library_slug}/program"
