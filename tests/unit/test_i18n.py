from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from webapp.i18n import _, negotiate, use_locale
from webapp.i18n.extract import extract, problems
from webapp.i18n.formatting import (
    format_datetime,
    format_money,
    format_week,
    iso_week,
    weekday_names,
)
from webapp.settings import SUPPORTED_LOCALES


@pytest.mark.parametrize(
    ("choice", "header", "expected"),
    [
        ("da", "sv-SE", "da"),
        (None, "da-DK,da;q=0.9,en;q=0.5", "da"),
        (None, "nb-NO,nb;q=0.9", "nb"),
        (None, "no", "nb"),
        (None, "nn-NO", "nb"),
        (None, "en-GB,en;q=0.8", "en"),
        (None, "fi-FI, en;q=0.3", "en"),
        (None, "de-DE", "sv"),
        (None, "", "sv"),
        (None, "sv;q=0.1, da;q=0.9", "da"),
        ("xx", "da", "da"),
        (None, "garbage;;q=,", "sv"),
    ],
)
def test_negotiation(choice, header, expected):
    assert negotiate(choice, header, "sv") == expected


def test_every_ui_string_is_translated_in_every_language():
    template = extract()
    assert len(template) > 100
    missing = [p for locale in SUPPORTED_LOCALES for p in problems(template, locale)]
    assert not missing, "\n".join(missing[:40]) + "\nRun `make translations` and translate."


def test_translations_keep_placeholders():
    import re

    from babel.messages.pofile import read_po

    from webapp.i18n.catalogs import po_path

    pattern = re.compile(r"%\(\w+\)[sd]")
    for locale in SUPPORTED_LOCALES:
        with po_path(locale).open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = set(pattern.findall(ids[-1]))
            for text in strings:
                assert set(pattern.findall(text)) <= expected | {"%(num)d"}, (locale, message.id)
                assert expected - {"%(num)d"} <= set(pattern.findall(text)), (locale, message.id)


def test_translation_follows_the_context():
    with use_locale("en"):
        assert _("Log in") == "Log in"
    for locale in ("sv", "da", "nb"):
        with use_locale(locale):
            assert _("Log in") != "Log in", locale


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("sv", "14:05"), ("da", "14:05"), ("nb", "14:05"), ("en", "14:05")],
)
def test_24_hour_clock_everywhere(locale, expected):
    moment = datetime(2026, 3, 29, 12, 5, tzinfo=UTC)  # 14:05 in Stockholm (summer time)
    from zoneinfo import ZoneInfo

    with use_locale(locale):
        text = format_datetime(moment, ZoneInfo("Europe/Stockholm"))
    assert text.endswith(expected)
    assert "PM" not in text and "AM" not in text


def test_week_starts_monday_and_iso_week_numbers():
    # 2026-01-01 is a Thursday: ISO week 1. 2027-01-01 is a Friday: ISO week 53 of 2026.
    assert iso_week(date(2026, 1, 1)) == 1
    assert iso_week(date(2027, 1, 1)) == 53
    for locale in SUPPORTED_LOCALES:
        with use_locale(locale):
            names = weekday_names()
            assert len(names) == 7
            assert "53" in format_week(date(2027, 1, 1))
    with use_locale("en"):
        assert weekday_names()[0] == "Monday"
    with use_locale("sv"):
        assert weekday_names()[0] == "måndag"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("sv", "1 499,50 kr"), ("da", "1.499,50 SEK"), ("nb", "1 499,50 SEK"), ("en", "1,499.50 SEK")],
)
def test_money_is_written_as_the_reader_writes_it(locale, expected):
    with use_locale(locale):
        assert format_money(Decimal("1499.5"), "SEK").replace("\u00a0", " ") == expected
