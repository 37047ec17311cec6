"""Property-based fuzzing (hypothesis) of every form parser and of the CSV import: whatever
text arrives (unicode, control characters, NUL, huge strings, odd numbers and dates, fields
sent twice, fields nobody asked for), a parser returns its FormState with field errors or
clean values, and never raises.

Every public function of every forms module (``webapp/*/forms.py``, ``webapp/*/*_forms.py``)
must be in ``PARSERS`` (called with fuzzed input) or in ``NOT_PARSERS`` (builds a form from
saved data, or formats links), so a new form cannot escape the fuzzing. The field names are
found by watching which ones each parser reads. The HTTP side (fuzzed POSTs to every form
route) is tests/http/test_security_fuzz_http.py.

Bounded for CI: a few dozen examples per parser, no deadline, derandomized, no example
database (the same examples on every run and machine).
"""

from __future__ import annotations

import importlib
import inspect
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import ImmutableMultiDict

from webapp.contacts import csvimport
from webapp.web.forms import FormState, slugify

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TZ = ZoneInfo("Europe/Stockholm")
TODAY = date(2026, 11, 24)
START = datetime(2026, 12, 3, 17, tzinfo=UTC)
ROOMS = [SimpleNamespace(id=7, location_id=3), SimpleNamespace(id=8, location_id=3)]
LOCATIONS = [SimpleNamespace(id=3)]
SLOTS = [SimpleNamespace(slot_id=5, starts_at=START, ends_at=START.replace(hour=19), room_id=7)]


def _state(fn):  # type: ignore[no-untyped-def]
    """A helper that reads fields of a FormState: called on a FormState of the input."""
    return lambda raw: fn(FormState(raw))


def _modules() -> list[str]:
    files = sorted(WEBAPP.glob("*/forms.py")) + sorted(WEBAPP.glob("*/*_forms.py"))
    return [".".join(path.relative_to(WEBAPP.parent).with_suffix("").parts) for path in files]


def _parsers() -> dict[str, Any]:
    """``module:function`` -> a call of it with ``raw`` (the submitted fields)."""
    from webapp.api import forms as api
    from webapp.auth import forms as auth
    from webapp.calendars import forms as calendars
    from webapp.contacts import forms as contacts
    from webapp.events import evaluation_forms
    from webapp.events import forms as events
    from webapp.invitations import forms as invitations
    from webapp.locations import forms as locations
    from webapp.orgs import forms as orgs
    from webapp.partners import forms as partners
    from webapp.program import forms as program
    from webapp.rsvp import forms as rsvp
    from webapp.slots import forms as slots
    from webapp.sms import forms as sms
    from webapp.volunteers import forms as volunteers

    parsers: dict[str, Any] = {
        "webapp.api.forms:events_query": api.events_query,
        "webapp.api.forms:event_id": lambda raw: api.event_id(raw.get("id", "")),
        "webapp.auth.forms:account_email": _state(auth.account_email),
        "webapp.auth.forms:login_form": auth.login_form,
        "webapp.auth.forms:new_password": _state(auth.new_password),
        "webapp.auth.forms:safe_next": lambda raw: auth.safe_next(raw.get("next")),
        "webapp.calendars.forms:feed_filters": calendars.feed_filters,
        "webapp.calendars.forms:feed_query": calendars.feed_query,
        "webapp.contacts.forms:contact_form": lambda raw: contacts.contact_form(raw, "SE"),
        "webapp.contacts.forms:search": contacts.search,
        "webapp.events.evaluation_forms:evaluation_form": evaluation_forms.evaluation_form,
        "webapp.events.forms:event_form": lambda raw: events.event_form(
            raw,
            tz=TZ,
            rooms=ROOMS,
            locations=LOCATIONS,
            checklist=("Fika?", "Tolk?"),
            slots=SLOTS,
        ),  # fmt: skip
        "webapp.events.forms:partner_form": lambda raw: events.partner_form(raw, [4, 5]),
        "webapp.events.forms:booking_form": lambda raw: events.booking_form(raw, TZ, [7, 8]),
        "webapp.invitations.forms:audience_form": invitations.audience_form,
        "webapp.invitations.forms:channel_form": lambda raw: invitations.channel_form(raw, [1]),
        "webapp.invitations.forms:link_form": lambda raw: invitations.link_form(raw, [1, 2]),
        "webapp.locations.forms:location_form": locations.location_form,
        "webapp.locations.forms:room_form": locations.room_form,
        "webapp.orgs.forms:account_fields": lambda raw: orgs.account_fields(FormState(raw), "sv"),
        "webapp.orgs.forms:signup_form": lambda raw: orgs.signup_form(raw, [1, 2], "sv"),
        "webapp.orgs.forms:organisation_form": orgs.organisation_form,
        "webapp.orgs.forms:one_value_each": lambda raw: orgs.one_value_each(
            FormState(raw), orgs.ACCOUNT_FIELDS + orgs.ORGANISATION_FIELDS
        ),
        "webapp.partners.forms:partner_form": partners.partner_form,
        "webapp.partners.forms:filters": partners.filters,
        "webapp.program.forms:filters_form": program.filters_form,
        "webapp.program.forms:monday_of": lambda raw: program.monday_of(raw.get("week"), TODAY),
        "webapp.rsvp.forms:rsvp_form": lambda raw: rsvp.rsvp_form(raw, [11, 12], "SE"),
        "webapp.rsvp.forms:party_form": rsvp.party_form,
        "webapp.slots.forms:date_field": _state(lambda form: slots.date_field(form, "on_date")),
        "webapp.slots.forms:time_field": _state(lambda form: slots.time_field(form, "at")),
        "webapp.slots.forms:slot_form": slots.slot_form,
        "webapp.slots.forms:exception_form": slots.exception_form,
        "webapp.slots.forms:closure_form": slots.closure_form,
        "webapp.slots.forms:rules_form": slots.rules_form,
        "webapp.sms.forms:compose_form": lambda raw: sms.compose_form(
            raw, ["grannar", "läsare"], ["3", "3:9"], TZ
        ),
        "webapp.sms.forms:budget_form": sms.budget_form,
        "webapp.volunteers.forms:task_form": lambda raw: volunteers.task_form(
            raw,
            positions=[1, 2],
            responsible=[4],
            reference=SimpleNamespace(starts_at=START),
            tz=TZ,
        ),  # fmt: skip
        "webapp.volunteers.forms:template_form": volunteers.template_form,
        "webapp.volunteers.forms:board_form": volunteers.board_form,
        "webapp.volunteers.forms:signup_form": lambda raw: volunteers.signup_form(
            raw, [21, 22], "SE"
        ),
        "webapp.volunteers.forms:details_form": volunteers.details_form,
        "webapp.volunteers.forms:message_form": volunteers.message_form,
        "webapp.web.forms:slugify": lambda raw: slugify(raw.get("name", "")),
    }
    try:  # the accessibility statement and its report form (issue 8, arriving in parallel)
        from webapp.statements import forms as statements
    except ImportError:
        pass
    else:
        parsers["webapp.statements.forms:statement_form"] = lambda raw: statements.statement_form(
            raw, today=TODAY
        )
        parsers["webapp.statements.forms:report_form"] = statements.report_form
    return parsers


# Functions of the forms modules that take no submitted input: first values of a form from
# saved rows, option lists, links and keys the app makes itself.
NOT_PARSERS = {
    "webapp.contacts.forms:initial",
    "webapp.events.evaluation_forms:initial",
    "webapp.events.forms:initial",
    "webapp.events.forms:checklist_values",
    "webapp.events.forms:slot_key",
    "webapp.events.forms:local_span",
    "webapp.locations.forms:new_location",
    "webapp.locations.forms:existing_location",
    "webapp.locations.forms:new_room",
    "webapp.locations.forms:existing_room",
    "webapp.partners.forms:existing_partner",
    "webapp.partners.forms:filter_form",
    "webapp.program.forms:week_code",
    "webapp.program.forms:query_string",  # of a FormState already parsed (filters_form)
    "webapp.program.forms:list_links",
    "webapp.program.forms:week_links",
    "webapp.slots.forms:room_options",
    "webapp.slots.forms:interval_options",
    "webapp.slots.forms:new_slot",
    "webapp.slots.forms:existing_slot",
    "webapp.slots.forms:new_closure",
    "webapp.slots.forms:existing_rules",
    "webapp.volunteers.forms:template_initial",
    "webapp.statements.forms:report_start",
    "webapp.web.forms:without_control",  # a cleaner of text, used by contacts.forms.search
}


def _public_functions() -> set[str]:
    found = set()
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == name and not attr.startswith("_"):
                found.add(f"{name}:{attr}")
    return found


def test_every_form_function_is_fuzzed_or_named_as_no_parser():
    public = _public_functions()
    parsers = set(_parsers())
    missing = public - parsers - NOT_PARSERS
    assert not missing, f"fuzz these in PARSERS (or name them in NOT_PARSERS): {missing}"
    assert not (parsers & NOT_PARSERS)
    assert parsers <= public, f"gone from the forms modules: {parsers - public}"


class Watched(ImmutableMultiDict):  # type: ignore[type-arg]
    """Submitted fields that remember which names were asked for."""

    def __init__(self, *args: Any, seen: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen = seen

    def __getitem__(self, key: Any) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self.seen.add(key)
        return super().__contains__(key)

    def getlist(self, key: Any) -> list[Any]:
        self.seen.add(key)
        return super().getlist(key)


def fields_read(parse) -> list[str]:  # type: ignore[no-untyped-def]
    """The names ``parse`` reads: from an empty form, then with every name found filled in
    (some fields are read only when others have a value), until nothing new turns up."""
    seen: set[str] = set()
    for filler in ("", "1", "on", "2026-12-03"):
        # (never empty: an empty form is falsy, and FormState would not read it)
        fields = [("probe", filler)] + [(name, filler) for name in sorted(seen)]
        parse(Watched(fields, seen=seen))
    return sorted(seen - {"probe"})


HUGE = "å" * 100_001
ODD = [
    "", " ", "\x00", "a\x00b", "\r\n", "\t", "\u200b", "\u202e", "\ufeff", "\u00a0",
    "0", "-0", "-1", "1", "+1", "007", "1.5", "1,5", "1e309", "NaN", "inf", "٣", "²", "１２",
    "99999999999", "2147483648", "-2147483649", "9" * 40,
    "2026-02-30", "2026-12-03", "0001-01-01", "9999-12-31", "10000-01-01", "03.12.2026",
    "2026-W53", "0000-W01", "24:00", "23:59", "18.30", "25:61", "on", "yes", "all", "none",
    "money", "segments", "public", "sv", "network", "before_start", "+46701234567",
    "070-123 45 67", "a@b.example", "https://was.digst.dk/x", "javascript:alert(1)",
    "{name}", "{link}", "{", "%s%n", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc",
    HUGE,
]  # fmt: skip
values = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=60),  # any code point but surrogates: controls and NUL included
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.dates().map(date.isoformat),
    st.times().map(lambda t: t.isoformat(timespec="minutes")),
)
# Values at the edges, for fields whose name says what they hold: the far ends of the
# calendar with times that cross midnight in UTC, and ids near the database's.
EDGE_DATES = ["0001-01-01", "9999-12-31", "1900-01-01", "2999-12-31", "2026-12-03", "2027-06-01"]
EDGE_TIMES = ["00:00", "00:30", "01:00", "23:59", "18:00", "20:00"]
EDGE_IDS = ["1", "2", "3", "7", "999999", "2147483647", "2147483648", "0", "-1"]


def values_for(name: str) -> st.SearchStrategy[str]:
    lowered = name.lower()
    if "date" in lowered or lowered.endswith(("_on", "until", "from", "to")):
        return st.one_of(st.sampled_from(EDGE_DATES), values)
    if "time" in lowered or lowered.startswith("hours_"):
        return st.one_of(st.sampled_from(EDGE_TIMES), values)
    if lowered.endswith(("_id", "id", "_size", "_needed", "capacity", "page", "weeks", "count")):
        return st.one_of(st.sampled_from(EDGE_IDS), values)
    return values


def _one_or_more(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(strategy.map(lambda v: [v]), st.lists(strategy, min_size=2, max_size=3))


def submissions(names: list[str]) -> st.SearchStrategy[ImmutableMultiDict]:  # type: ignore[type-arg]
    """Some of ``names`` with odd values (some sent twice), and a stray field or two."""
    fields = st.fixed_dictionaries(
        {}, optional={name: _one_or_more(values_for(name)) for name in names}
    )
    stray = st.dictionaries(st.text(max_size=20), _one_or_more(values), max_size=2)
    return st.tuples(fields, stray).map(
        lambda parts: ImmutableMultiDict(
            [(k, v) for part in parts for k, vs in part.items() for v in vs]
        )
    )


# Fields read only after another field has one particular value.
READ_AFTER_A_CHOICE = {"webapp.sms.forms:budget_form": ("amount",)}


@pytest.mark.parametrize("name", sorted(_parsers()))
def test_a_form_parser_never_raises(name):
    parse = _parsers()[name]
    names = sorted({*fields_read(parse), *READ_AFTER_A_CHOICE.get(name, ())})

    @FUZZ
    @given(submissions(names))
    def check(raw: ImmutableMultiDict) -> None:  # type: ignore[type-arg]
        result = parse(raw)
        forms = [part for part in (result if isinstance(result, tuple) else (result,))]
        for form in forms:
            if isinstance(form, FormState):
                assert all(
                    isinstance(k, str) and isinstance(v, str) for k, v in form.errors.items()
                )

    check()


def _kind(name: str) -> str:
    lowered = name.lower()
    if "date" in lowered or lowered.endswith(("_on", "until", "from", "to")):
        return "date"
    if "time" in lowered or lowered.startswith("hours_"):
        return "time"
    return "other"


def edge_submissions(names: list[str]) -> list[ImmutableMultiDict]:  # type: ignore[type-arg]
    """Every date field at one edge of the calendar and the times at one end of the day,
    all at once (random values seldom line up like that): the rest plausibly filled."""
    made = []
    for day in EDGE_DATES:
        for first, last in (("00:00", "00:30"), ("23:00", "23:59"), ("18:00", "20:00")):
            fields = []
            for name in names:
                kind = _kind(name)
                if kind == "date":
                    fields.append((name, day))
                elif kind == "time":
                    early = "start" in name or "open" in name or name == "at"
                    fields.append((name, first if early else last))
                else:
                    fields.append((name, "7" if name.endswith("id") else "1"))
            made.append(ImmutableMultiDict(fields))
    return made


@pytest.mark.parametrize("name", sorted(_parsers()))
def test_a_form_parser_takes_the_edges_of_the_calendar(name):
    parse = _parsers()[name]
    names = sorted({*fields_read(parse), *READ_AFTER_A_CHOICE.get(name, ())})
    failures = []
    for raw in edge_submissions(names):
        try:
            parse(raw)
        except Exception as exc:  # noqa: BLE001 - collected, to name every case at once
            failures.append(f"{dict(raw)}: {exc!r}")
    assert not failures, "\n".join(failures)


# The CSV import ---------------------------------------------------------------------------

HEADERS = [alias for aliases in csvimport.COLUMNS.values() for alias in aliases]
cells = st.one_of(
    values.filter(lambda v: len(v) < 1000),
    st.sampled_from(["", '"', '""', "\n", *EDGE_DATES]),
)


@st.composite
def csv_texts(draw) -> str:  # type: ignore[no-untyped-def]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12)), max_size=9))
    rows = draw(st.lists(st.lists(cells, max_size=10), max_size=8))
    lines = [header, *rows]
    return "\n".join(delimiter.join(line) for line in lines)


def _read(text: str) -> csvimport.Preview:
    return csvimport.read(
        text,
        region="SE",
        existing={"+46701234567"},
        opted_out=set(),
        today=TODAY,
    )


def _sound(preview: csvimport.Preview) -> None:
    assert len(preview.rows) <= csvimport.MAX_ROWS
    for row in preview.rows:
        assert row.status in ("new", "duplicate", "opted_out", "invalid")
        assert row.status == "new" or row.reason, row
        if row.status == "new":
            assert row.phone.startswith("+") and row.consent_on is not None


@FUZZ
@given(st.binary(max_size=2000))
def test_the_csv_import_reads_any_bytes(data: bytes) -> None:
    _sound(_read(csvimport.decode(data)))


@FUZZ
@given(csv_texts())
def test_the_csv_import_reads_any_table(text: str) -> None:
    _sound(_read(text))


def test_the_csv_import_stops_at_its_row_limit():
    header = "name;phone;consent;date\n"
    many = _read(header + "Lina;0702345678;form;2026-09-01\n" * (csvimport.MAX_ROWS + 5))
    assert len(many.rows) == csvimport.MAX_ROWS and many.problems


def test_the_csv_import_reads_a_huge_cell():
    header = "name;phone;consent;date\n"
    _sound(_read(header + "x" * 200_000 + ";0701234567;form;2026-09-01\n"))
