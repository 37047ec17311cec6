"""Invitation templates: placeholders, their problems, and dates in the recipient's language."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invites.sms.encoding import Encoding, measure
from invites.sms.templates import PLACEHOLDERS, TemplateError, format_when, problems, render

PROPERTY = settings(database=None, deadline=None, max_examples=300)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
VALUES = {
    "title": "Sagostund",
    "date": "29 mars 2026",
    "time": "14:05",
    "place": "Stadsbiblioteket",
    "link": "https://samspel.example/l/AbC123",
    "name": "Åsa",
}


# --- render ---------------------------------------------------------------------------------


def test_render_fills_every_placeholder():
    template = "Hej {name}! {title} {date} kl. {time} på {place}. Läs mer: {link}"
    assert render(template, VALUES) == (
        "Hej Åsa! Sagostund 29 mars 2026 kl. 14:05 på Stadsbiblioteket. "
        "Läs mer: https://samspel.example/l/AbC123"
    )


def test_a_placeholder_may_be_used_twice_and_extra_values_are_ignored():
    assert render("{name}, {name}!", VALUES) == "Åsa, Åsa!"
    assert render("no placeholders", VALUES) == "no placeholders"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{title}}", "{title}"),
        ("{{{title}}}", "{Sagostund}"),
        ("a {{ b }} c", "a { b } c"),
        ("{{}}", "{}"),
        ("}}{{", "}{"),
    ],
)
def test_doubled_braces_are_literal(template, expected):
    assert problems(template) == []
    assert render(template, VALUES) == expected


def test_values_are_not_read_as_templates():
    values = {**VALUES, "name": "{title} {{x}} {"}
    assert render("Hej {name}", values) == "Hej {title} {{x}} {"


def test_render_reports_missing_values_by_name():
    with pytest.raises(TemplateError) as caught:
        render("{title} {place} {name} {place}", {"title": "Sagostund"})
    assert caught.value.problems == ("no value for {place}", "no value for {name}")


def test_render_refuses_a_template_with_problems():
    with pytest.raises(TemplateError) as caught:
        render("Hej {namn} {", VALUES)
    assert list(caught.value.problems) == problems("Hej {namn} {")
    assert isinstance(caught.value, ValueError)
    assert "{namn}" in str(caught.value)


# --- problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "",
        "Hej!",
        "{title}",
        "".join(f"{{{name}}}" for name in PLACEHOLDERS),
        "Kl. {time} {{inte en platshållare}}",
    ],
)
def test_good_templates_have_no_problems(template):
    assert problems(template) == []


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hej {foo}", ["unknown placeholder {foo}"]),
        ("{titel}", ["unknown placeholder {titel} (did you mean {title}?)"]),
        ("{Name}", ["unknown placeholder {Name} (did you mean {name}?)"]),
        ("{ place }", ["unknown placeholder { place } (did you mean {place}?)"]),
        ("{title:>10}", ["unknown placeholder {title:>10} (did you mean {title}?)"]),
        ("{title.upper}", ["unknown placeholder {title.upper} (did you mean {title}?)"]),
        ("{title!r}", ["unknown placeholder {title!r} (did you mean {title}?)"]),
        ("{0}", ["unknown placeholder {0}"]),
        ("a {} b", ["empty placeholder {} at position 3"]),
        ("Hej {name", ['"{" at position 5 is not closed']),
        ("{title {place}", ['"{" at position 1 is not closed']),
        ("name}", ['"}" at position 5 has no opening "{"']),
        ("{title}}", ['"}" at position 8 has no opening "{"']),
        ("{{title}", ['"}" at position 8 has no opening "{"']),
        (
            "} {foo} {bar} {foo} {",
            [
                '"}" at position 1 has no opening "{"',
                "unknown placeholder {foo}",
                "unknown placeholder {bar}",
                '"{" at position 21 is not closed',
            ],
        ),
    ],
)
def test_problems_name_what_is_wrong(template, expected):
    assert problems(template) == expected
    with pytest.raises(TemplateError):
        render(template, VALUES)


# --- properties -----------------------------------------------------------------------------


def escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


@PROPERTY
@given(st.text(alphabet=st.sampled_from("{}ab å\n") | st.characters(codec="utf-8")))
def test_escaped_text_renders_as_itself(text):
    assert problems(escape(text)) == []
    assert render(escape(text), {}) == text


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8")).map(lambda t: ("text", t)),
            st.sampled_from(PLACEHOLDERS).map(lambda name: ("field", name)),
        )
    ),
    st.fixed_dictionaries({name: st.text() for name in PLACEHOLDERS}),
)
def test_render_joins_text_and_values(pieces, values):
    template = "".join(escape(v) if kind == "text" else f"{{{v}}}" for kind, v in pieces)
    expected = "".join(v if kind == "text" else values[v] for kind, v in pieces)
    assert render(template, values) == expected


@PROPERTY
@given(st.text(alphabet=st.sampled_from("{}titlename x")))
def test_problems_and_render_agree(template):
    found = problems(template)
    if found:
        with pytest.raises(TemplateError):
            render(template, VALUES)
    else:
        render(template, VALUES)


# --- format_when ----------------------------------------------------------------------------

STARTS = datetime(2026, 3, 29, 12, 5, tzinfo=UTC)  # 14:05 in Stockholm (summer time)


@pytest.mark.parametrize(
    ("locale", "date_text"),
    [
        ("sv", "29 mars 2026"),
        ("da", "29. marts 2026"),
        ("nb", "29. mars 2026"),
        ("en", "29 March 2026"),
    ],
)
def test_format_when_in_the_recipients_language(locale, date_text):
    assert format_when(STARTS, locale, STOCKHOLM) == (date_text, "14:05")


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Stockholm", ("29 mars 2026", "14:05")),
        ("Europe/Helsinki", ("29 mars 2026", "15:05")),
        ("Atlantic/Reykjavik", ("29 mars 2026", "12:05")),
        ("America/New_York", ("29 mars 2026", "08:05")),
        ("Pacific/Auckland", ("30 mars 2026", "01:05")),
    ],
)
def test_format_when_in_the_recipients_time_zone(zone, expected):
    assert format_when(STARTS, "sv", ZoneInfo(zone)) == expected


def test_format_when_uses_the_24_hour_clock_and_the_local_date():
    starts = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_when(starts, "sv", STOCKHOLM) == ("1 januari 2027", "00:30")
    assert format_when(starts, "en", STOCKHOLM) == ("1 January 2027", "00:30")
    evening = datetime(2026, 1, 15, 20, 45, tzinfo=UTC)
    assert format_when(evening, "en", STOCKHOLM)[1] == "21:45"


def test_format_when_accepts_any_aware_datetime():
    local = datetime(2026, 3, 29, 14, 5, tzinfo=STOCKHOLM)
    assert format_when(local, "da", STOCKHOLM) == ("29. marts 2026", "14:05")


def test_format_when_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        format_when(datetime(2026, 3, 29, 14, 5), "sv", STOCKHOLM)


@pytest.mark.parametrize("locale", ["sv", "da", "nb", "en"])
@pytest.mark.parametrize("month", range(1, 13))
def test_dates_in_every_month_are_gsm7(locale, month):
    date_text, time_text = format_when(
        datetime(2026, month, 9, 8, 0, tzinfo=UTC), locale, STOCKHOLM
    )
    assert measure(f"{date_text} {time_text}").encoding is Encoding.GSM7


def test_a_typical_nordic_invitation_fits_one_gsm7_segment():
    date_text, time_text = format_when(STARTS, "sv", STOCKHOLM)
    text = render(
        "Hej {name}! Välkommen till {title} {date} kl. {time} på {place}. Anmäl dig: {link}",
        {**VALUES, "date": date_text, "time": time_text},
    )
    m = measure(text)
    assert (m.encoding, m.segments) == (Encoding.GSM7, 1)
