"""The date and time lines of a poster, as people who read its language write them.

Babel (CLDR) decides the words and their order: "torsdag 3 december 2026" in Swedish,
"Thursday, 3 December 2026" in English (British English, as the rest of Samspel, keeps day
before month), "الخميس، 3 ديسمبر 2026" in Arabic. Times are always on the 24-hour clock.
CLDR has month names for Northern and Inari Sámi but not yet for Lule, Southern or Skolt Sámi;
for a language without them the date is printed as digits ("3.12.2026"), which every Nordic
reader understands, rather than as CLDR's placeholder "2026 M12 3".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton


def when_lines(
    starts: datetime, ends: datetime | None, language: str, tz: ZoneInfo
) -> tuple[str, str]:
    """The date line and the time line of an event that starts (and ends) at aware datetimes,
    in ``tz``: ("Torsdag 3 december 2026", "18:00–20:30"). An event over several days gets a
    date range ("3–5 december 2026") and its daily times."""
    local_start = starts.astimezone(tz)
    local_end = ends.astimezone(tz) if ends is not None else None
    locale = babel_locale(language)
    if local_end is not None and local_end.date() != local_start.date():
        day = _date_range(local_start.date(), local_end.date(), locale)
    else:
        day = _date(local_start.date(), locale)
    time = _times(local_start, local_end, locale)
    return _capitalised(_plain(day)), _plain(time)


def babel_locale(language: str) -> Locale | None:
    """The Babel locale for ``language``, None when Babel has no month names for it."""
    name = "en_GB" if language in ("en", "en_GB", "en-GB") else language.replace("-", "_")
    try:
        locale = Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return None
    # CLDR falls back to root, whose month names are "M01".."M12", when it has none.
    if locale.months["format"]["wide"].get(12, "M12") == "M12":
        return None
    return locale


def _times(start: datetime, end: datetime | None, locale: Locale | None) -> str:
    if locale is None:  # never Babel's default, which follows the server's environment
        hours = f"{start:%H:%M}"
        return hours if end is None or end == start else f"{hours}–{end:%H:%M}"
    if end is None or end == start:
        return format_skeleton("Hm", start.time(), locale=locale)
    return format_interval(start.time(), end.time(), "Hm", locale=locale)


def _date(day: date, locale: Locale | None) -> str:
    if locale is None:
        return f"{day.day}.{day.month}.{day.year}"
    return format_date(day, format="full", locale=locale)


def _date_range(first: date, last: date, locale: Locale | None) -> str:
    if locale is None:
        return f"{_date(first, None)}–{_date(last, None)}"
    return format_interval(first, last, "yMMMMd", locale=locale)


def _capitalised(text: str) -> str:
    """A date line stands alone on a poster, so it starts with a capital where the script has
    them ("Torsdag", not "torsdag")."""
    return text[:1].upper() + text[1:]


def _plain(text: str) -> str:
    # The fonts have the no-break space but not the narrow or thin ones some locales use.
    return text.replace("\u202f", "\u00a0").replace("\u2009", "\u00a0")
