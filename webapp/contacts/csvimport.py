"""Reading a contact list from a CSV file: what each row would become, and why.

Files come from Excel as often as from anything else: UTF-8 with or without a BOM (or the
Windows code page Excel uses for "CSV (semicolon separated)"), commas, semicolons or tabs,
headers in Swedish, Danish, Norwegian or English, numbers written every way people write
them. Nothing here touches the database: ``read`` gets the numbers already in the contact
book and the opt-out registry and says for every row whether it is new, a duplicate, opted
out or invalid (with the reason).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from webapp.contacts import phones
from webapp.contacts.vocabulary import CONSENT_WORDS, language_words
from webapp.i18n import _

MAX_ROWS = 20_000
MAX_TAG = 60

# Header names people use, per column (compared in lower case, spaces and dashes as "_").
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "namn", "navn", "full_name", "fullständigt_namn"),
    "phone": ("phone", "mobile", "mobil", "telefon", "telefonnummer", "mobilnummer", "tel",
              "nummer", "number", "phone_number", "mobiltelefon"),
    "language": ("language", "språk", "sprog", "språk_kod", "lang"),
    "tags": ("tags", "tag", "taggar", "tagg", "etiketter", "lists", "listor", "lister", "grupp",
             "grupper", "gruppe"),
    "consent_source": ("consent_source", "consent", "samtycke", "samtykke", "källa",
                       "samtycke_källa", "samtykke_kilde", "kilde"),
    "consent_date": ("consent_date", "date", "datum", "dato", "samtycke_datum",
                     "samtykke_dato"),
    "consent_note": ("consent_note", "note", "notering", "anteckning", "notat", "kommentar",
                     "comment", "reason", "skäl", "grund"),
}  # fmt: skip
REQUIRED = ("name", "phone", "consent_source", "consent_date")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y%m%d")


@dataclass(frozen=True)
class Row:
    """One line of the file and what it would become."""

    line: int
    status: str  # new, duplicate, opted_out or invalid
    reason: str
    name: str
    phone: str  # E.164 when the number could be read, else as written
    language: str | None = None
    tags: tuple[str, ...] = ()
    consent_source: str = ""
    consent_on: date | None = None
    consent_note: str = ""


@dataclass(frozen=True)
class Preview:
    rows: list[Row]
    # File-level problems (a missing or unknown column), shown above the rows.
    problems: list[str] = field(default_factory=list)
    delimiter: str = ","

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def importable(self) -> list[Row]:
        return [row for row in self.rows if row.status == "new"]


def decode(data: bytes) -> str:
    """The file's text: UTF-16 when it starts with its BOM (Excel's "Unicode text"), else
    UTF-8 (a BOM is dropped), else Windows-1252 (Excel's older CSV). NUL characters, which no
    contact has and PostgreSQL cannot store, are dropped."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.replace("\x00", "")


def _key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read(
    text: str,
    *,
    region: str,
    existing: Collection[str],
    opted_out: Collection[str],
    today: date,
) -> Preview:
    """Every row of the file as it would be imported. ``existing``: the E.164 numbers already
    in the contact book; ``opted_out``: the hashes in the opt-out registry."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error:
        return Preview(rows=[], problems=[_unreadable(1)], delimiter=delimiter)
    if header is None or not any(cell.strip() for cell in header):
        return Preview(rows=[], problems=[_("The file is empty.")], delimiter=delimiter)
    columns, problems = _columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    rows: list[Row] = []
    seen: dict[str, int] = {}
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines between blocks
            if len(rows) >= MAX_ROWS:
                problems.append(_("Only the first %(num)d rows are read.", num=MAX_ROWS))
                break
            rows.append(
                _row(
                    number,
                    cells,
                    header,
                    columns,
                    missing,
                    region=region,
                    existing=existing,
                    opted_out=opted_out,
                    seen=seen,
                    today=today,
                )  # fmt: skip
            )
    except csv.Error:
        # A cell longer than the csv module takes (128 KB), or a broken quote: what was read
        # before it is shown, and the rest is named as unreadable.
        problems.append(_unreadable(number + 1))
    return Preview(rows=rows, problems=problems, delimiter=delimiter)


def _unreadable(line: int) -> str:
    return _(
        "The file could not be read from line %(num)d on: a cell is far too long or a "
        "quotation mark is not closed.",
        num=line,
    )


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds what, and the problems with the header."""
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    problems: list[str] = []
    for index, title in enumerate(header):
        name = aliases.get(_key(title))
        if name is None:
            if title.strip():
                problems.append(_("The column “%(title)s” is not used.", title=title.strip()))
            continue
        found.setdefault(name, index)
    for name in REQUIRED:
        if name not in found:
            problems.append(_("The file has no column for %(column)s.", column=_label(name)))
    return found, problems


def _label(column: str) -> str:
    return {
        "name": _("the name"),
        "phone": _("the phone number"),
        "consent_source": _("where the consent came from"),
        "consent_date": _("the date of the consent"),
    }.get(column, column)


def _row(
    number: int,
    cells: list[str],
    header: list[str],
    columns: dict[str, int],
    missing: list[str],
    *,
    region: str,
    existing: Collection[str],
    opted_out: Collection[str],
    seen: dict[str, int],
    today: date,
) -> Row:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name, raw_phone = cell("name"), cell("phone")
    values = {
        "name": name,
        "phone": raw_phone,
        "consent_note": cell("consent_note"),
        "tags": _tags(cell("tags")),
    }

    def invalid(reason: str) -> Row:
        return Row(number, "invalid", reason, **values)  # type: ignore[arg-type]

    if missing:
        return invalid(_("The file has no column for %(column)s.", column=_label(missing[0])))
    if len(cells) != len(header):
        return invalid(
            _(
                "The row has %(found)d columns, the header %(expected)d: a value may be in the "
                "wrong column.",
                found=len(cells),
                expected=len(header),
            )
        )
    if not name:
        return invalid(_("The name is missing."))
    try:
        phone = phones.parse(raw_phone, region)
    except phones.BadNumber as problem:
        return invalid(str(problem))
    values["phone"] = phone
    source = CONSENT_WORDS.get(cell("consent_source").lower())
    if source is None:
        return invalid(
            _("The consent is missing or not one we know: say how the person agreed.")
            if cell("consent_source")
            else _("The consent is missing.")
        )
    consent_on = _date(cell("consent_date"))
    if consent_on is None:
        return invalid(_("The date of the consent is missing or not a date (2026-11-23)."))
    if consent_on > today:
        return invalid(_("The date of the consent is in the future."))
    language = None
    if cell("language"):
        language = language_words().get(cell("language").lower())
        if language is None:
            return invalid(_("The language “%(value)s” is not known.", value=cell("language")))
    done = Row(
        number,
        "new",
        "",
        name[:160],
        phone,
        language,
        values["tags"],  # type: ignore[arg-type]
        source,
        consent_on,
        values["consent_note"],  # type: ignore[arg-type]
    )
    if phones.digest(phone) in opted_out:
        return _with(done, "opted_out", _("This number has asked to get no SMS."))
    if phone in existing:
        return _with(done, "duplicate", _("Already in the contact book."))
    if phone in seen:
        return _with(done, "duplicate", _("The same number as on line %(line)d.", line=seen[phone]))
    seen[phone] = number
    return done


def _with(row: Row, status: str, reason: str) -> Row:
    return Row(
        row.line, status, reason, row.name, row.phone, row.language, row.tags,
        row.consent_source, row.consent_on, row.consent_note,
    )  # fmt: skip


def _tags(raw: str) -> tuple[str, ...]:
    """Tags separated by | , or ; (whichever the file did not use between columns)."""
    for separator in ("|", ",", ";"):
        if separator in raw:
            parts = raw.split(separator)
            break
    else:
        parts = [raw]
    found: dict[str, str] = {}
    for part in parts:
        tag = " ".join(part.split())[:MAX_TAG]
        if tag:
            found.setdefault(tag.lower(), tag)
    return tuple(found.values())


def _date(raw: str) -> date | None:
    text = raw.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            continue
    return None
