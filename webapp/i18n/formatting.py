"""Dates and numbers as people in the Nordics write them: 24-hour clock, Monday first,
ISO week numbers. Used by templates through filters registered in ``webapp.web.templating``."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_currency, format_decimal

from webapp.i18n.catalogs import current_locale, gettext
from webapp.i18n.negotiation import babel_locale


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    if tz is not None and value.tzinfo is not None:
        return value.astimezone(tz)
    return value


def in_zone(default: tzinfo):  # type: ignore[no-untyped-def]
    """Wrap a formatter so that a UTC datetime (as read from the database) is shown in
    ``default`` when the template names no zone; a datetime already in a local zone stays."""

    def wrap(fn):  # type: ignore[no-untyped-def]
        def formatted(value, tz=None, **kwargs):  # type: ignore[no-untyped-def]
            if tz is None and isinstance(value, datetime) and value.utcoffset() is not None:
                if value.utcoffset().total_seconds() == 0 and value.tzname() in ("UTC", None):
                    tz = default
            return fn(value, tz, **kwargs)

        return formatted

    return wrap


def format_date(value: date | datetime, tz: tzinfo | None = None, fmt: str = "medium") -> str:
    if isinstance(value, datetime):
        value = _local(value, tz).date()
    return _format_date(value, format=fmt, locale=babel_locale(current_locale()))


def format_time(value: datetime, tz: tzinfo | None = None) -> str:
    return _format_time(_local(value, tz), format="HH:mm", locale=babel_locale(current_locale()))


def format_datetime(value: datetime, tz: tzinfo | None = None, fmt: str = "medium") -> str:
    """Date and 24-hour time, e.g. "29 mars 2026 14:05" in Swedish."""
    local = _local(value, tz)
    return f"{format_date(local, fmt=fmt)} {format_time(local)}"


def iso_week(value: date | datetime) -> int:
    return value.isocalendar()[1]


def format_week(value: date | datetime) -> str:
    return gettext("Week %(week)d", week=iso_week(value))


def format_number(value: int | float) -> str:
    return format_decimal(value, locale=babel_locale(current_locale()))


def format_money(value: Decimal | float | int, currency: str) -> str:
    """An amount as the reader writes it, the currency after it: "1 499,50 kr" in Swedish,
    "1,499.50 SEK" in English."""
    return format_currency(
        value, currency, format="#,##0.00\u00a0¤", locale=babel_locale(current_locale())
    )


def weekday_names(width: str = "wide") -> list[str]:
    """Monday first, whatever the locale's own convention."""
    names = babel_locale(current_locale()).days["format"][width]
    return [names[i] for i in range(7)]


__all__ = [
    "format_date",
    "format_datetime",
    "format_number",
    "format_time",
    "format_week",
    "iso_week",
    "weekday_names",
    "_format_datetime",
]
