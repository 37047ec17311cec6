"""Invitation texts written once and filled in per recipient.

A template names its values in braces: ``{title}``, ``{date}``, ``{time}``, ``{place}``,
``{link}`` and ``{name}`` (the recipient's name); ``{{`` and ``}}`` stand for literal braces.
Nothing else is allowed inside braces (no format specs, no attribute access): the text is
written by staff, so it is parsed here, never handed to ``str.format``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

PLACEHOLDERS = ("title", "date", "time", "place", "link", "name")


class TemplateError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def _parse(template: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The pieces of ``template`` as ("text", literal) or ("field", name), and its problems
    (each named once, in the order they occur; positions count from 1)."""
    pieces: list[tuple[str, str]] = []
    problems: list[str] = []
    i = 0
    while i < len(template):
        if template.startswith(("{{", "}}"), i):
            pieces.append(("text", template[i]))
            i += 2
        elif template[i] == "}":
            problems.append(f'"}}" at position {i + 1} has no opening "{{"')
            i += 1
        elif template[i] == "{":
            close = template.find("}", i + 1)
            reopen = template.find("{", i + 1)
            if close == -1 or -1 < reopen < close:
                problems.append(f'"{{" at position {i + 1} is not closed')
                i += 1
                continue
            name = template[i + 1 : close]
            if name not in PLACEHOLDERS:
                problems.append(_unknown(name, position=i + 1))
            pieces.append(("field", name))
            i = close + 1
        else:
            pieces.append(("text", template[i]))
            i += 1
    return pieces, list(dict.fromkeys(problems))


def _unknown(name: str, *, position: int) -> str:
    if not name.strip():
        return f"empty placeholder {{{name}}} at position {position}"
    close = difflib.get_close_matches(name.strip().lower(), PLACEHOLDERS, n=1)
    hint = f" (did you mean {{{close[0]}}}?)" if close else ""
    return f"unknown placeholder {{{name}}}{hint}"


def problems(template: str) -> list[str]:
    """What is wrong with ``template``, one message per problem, to show next to the field:
    unknown placeholders by name, braces that are not closed or not opened."""
    return _parse(template)[1]


def fields(template: str) -> list[str]:
    """The placeholders ``template`` uses, each once, in the order they first occur."""
    pieces, _ = _parse(template)
    return list(dict.fromkeys(name for kind, name in pieces if kind == "field"))


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled from ``values`` (extra values are ignored).
    Raises TemplateError when the template has problems or a value it uses is missing."""
    pieces, found = _parse(template)
    if found:
        raise TemplateError(found)
    missing = [name for kind, name in pieces if kind == "field" and name not in values]
    if missing:
        raise TemplateError([f"no value for {{{name}}}" for name in dict.fromkeys(missing)])
    return "".join(values[text] if kind == "field" else text for kind, text in pieces)


def _babel_locale(locale: str) -> Locale:
    # As webapp.i18n.negotiation.babel_locale: British English keeps day-month order.
    return Locale.parse("en_GB" if locale == "en" else locale)


def format_when(starts: datetime, locale: str, tz: ZoneInfo) -> tuple[str, str]:
    """The date (Babel's long format, e.g. "29 mars 2026") and 24-hour time ("14:05") of
    ``starts`` in the recipient's language and time zone, for ``{date}`` and ``{time}``.
    Non-breaking spaces some locales use become plain spaces, which GSM-7 can carry."""
    if starts.utcoffset() is None:
        raise ValueError("starts must be an aware datetime")
    local = starts.astimezone(tz)
    babel_locale = _babel_locale(locale)
    date_text = format_date(local.date(), format="long", locale=babel_locale)
    time_text = format_time(local.time(), format="HH:mm", locale=babel_locale)
    return _plain_spaces(date_text), _plain_spaces(time_text)


def _plain_spaces(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")
