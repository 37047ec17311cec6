"""Reading contact lists as people really make them: Excel's semicolons and code page, a
BOM, headers in Nordic languages, numbers written every way, duplicates, rows without
consent. Every row gets a status and a reason; nothing here touches a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from webapp.contacts import csvimport, phones
from webapp.i18n import use_locale

FIXTURES = Path(__file__).parents[1] / "fixtures" / "contacts"
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _read(name: str, *, existing=(), opted_out=(), region="SE") -> csvimport.Preview:
    text = csvimport.decode((FIXTURES / name).read_bytes())
    return csvimport.read(text, region=region, existing=existing, opted_out=opted_out, today=TODAY)


def test_a_messy_excel_file_with_semicolons_and_a_bom():
    preview = _read("messy-semicolon.csv", existing={"+4520123456"})
    assert preview.delimiter == ";"
    by_line = {row.line: row for row in preview.rows}
    assert [(r.line, r.status) for r in preview.rows] == [
        (2, "new"), (3, "new"), (4, "duplicate"), (5, "new"), (6, "duplicate"),
        (7, "invalid"), (8, "invalid"), (9, "invalid"), (10, "invalid"), (12, "new"),
    ]  # fmt: skip
    ayman = by_line[2]
    assert ayman.name == "Ayman Haddad"  # the BOM is not part of the first header
    assert ayman.phone == "+46701234567"  # 070-123 45 67 read in Sweden
    assert ayman.language == "ar"  # "arabiska"
    assert ayman.tags == ("volontär", "arabiska")
    assert ayman.consent_source == "form" and ayman.consent_on == date(2026, 9, 1)
    assert by_line[3].consent_on == date(2026, 10, 1)  # 1.10.2026
    assert by_line[3].consent_source == "verbal"
    assert by_line[4].phone == "+4520123456"  # 0045 …, a Danish mobile
    assert by_line[4].reason == "Already in the contact book."
    assert by_line[5].phone == "+4741234567" and by_line[5].language == "nb"
    assert by_line[6].reason == "The same number as on line 2."  # 0046701234567
    assert by_line[7].reason == "The consent is missing."
    assert "mobile number" in by_line[8].reason  # a Stockholm landline
    assert by_line[9].reason == "The date of the consent is in the future."
    assert "wrong column" in by_line[10].reason
    assert by_line[12].consent_source == "other"  # after a blank line


def test_commas_quotes_and_an_unknown_column():
    preview = _read("comma-extra-column.csv")
    assert preview.delimiter == ","
    assert preview.problems == ["The column “Fax” is not used."]
    first = preview.rows[0]
    assert first.name == "Haddad, Ayman"
    assert first.tags == ("volunteer", "arabic")
    assert [row.status for row in preview.rows] == ["new", "new", "new"]


def test_excel_windows_code_page():
    preview = _read("excel-cp1252.csv")
    assert [row.name for row in preview.rows] == ["Åsa Öberg", "Björn Ähl"]
    assert [row.phone for row in preview.rows] == ["+46709876543", "+46739876543"]


def test_an_opted_out_number_is_never_imported():
    preview = _read("excel-cp1252.csv", opted_out={phones.digest("+46709876543")})
    assert preview.rows[0].status == "opted_out"
    assert preview.rows[0].reason == "This number has asked to get no SMS."
    assert [row.line for row in preview.importable] == [3]


def test_a_file_without_the_required_columns():
    preview = csvimport.read(
        "who,when\nAyman,2026-09-01\n", region="SE", existing=(), opted_out=(), today=TODAY
    )
    assert "The file has no column for the phone number." in preview.problems
    assert preview.rows[0].status == "invalid"
    assert csvimport.read("", region="SE", existing=(), opted_out=(), today=TODAY).problems == [
        "The file is empty."
    ]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("070-123 45 67", "SE", "+46701234567"),
        ("0701234567", "SE", "+46701234567"),
        ("+46 (0)70 123 45 67", "SE", "+46701234567"),
        ("0046 70 123 45 67", "DK", "+46701234567"),
        ("20 12 34 56", "DK", "+4520123456"),
        ("412 34 567", "NO", "+4741234567"),
        ("+358 40 123 4567", "SE", "+358401234567"),
    ],
)
def test_numbers_as_people_write_them(raw, region, expected):
    assert phones.parse(raw, region) == expected


@pytest.mark.parametrize("raw", ["", "abc", "123", "08-123 456 78", "+46 70 123"])
def test_numbers_that_cannot_get_sms(raw):
    with pytest.raises(phones.BadNumber):
        phones.parse(raw, "SE")


def test_masked_and_display():
    assert phones.display("+46701234567") == "+46 70 123 45 67"
    assert phones.masked("+46701234567") == "+46 70 *** ** 67"
    assert len(phones.digest("+46701234567")) == 64


def test_ten_thousand_rows_are_read():
    lines = ["name;phone;consent;date"] + [
        f"Person {n};+467{n:08d};form;2026-09-01" for n in range(10_000)
    ]
    preview = csvimport.read("\n".join(lines), region="SE", existing=(), opted_out=(), today=TODAY)
    assert preview.count("new") == 10_000
