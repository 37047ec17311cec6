"""Form parsing and validation that keeps what the user typed.

A :class:`FormState` wraps the submitted values; each ``field`` method validates one field,
records a translated error next to it, and returns the clean value (or None). Templates
render every field through ``templates/macros/forms.html``, which shows the error tied to
the field with ``aria-describedby`` and refills the user's input (never a password).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from email_validator import EmailNotValidError, validate_email

from webapp.i18n import _, ngettext

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SLUG = re.compile(r"[^a-z0-9]+")
# The dates any form takes (FormState.date).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


class FormState:
    def __init__(self, raw: Mapping[str, Any] | None = None, *, secret: Iterable[str] = ()) -> None:
        self.raw = raw or {}
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        for key in self.raw.keys():
            if key in secret or key == "csrf_token":
                continue
            values = self.raw.getlist(key) if hasattr(self.raw, "getlist") else [self.raw[key]]
            strings = [v for v in values if isinstance(v, str)]
            self.values[key] = strings if len(strings) > 1 else (strings[0] if strings else "")

    @classmethod
    def initial(cls, values: Mapping[str, Any]) -> FormState:
        form = cls()
        form.values = {k: ("" if v is None else v) for k, v in values.items()}
        return form

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def _get(self, name: str) -> str:
        value = self.raw.get(name, "")
        if not isinstance(value, str):
            return ""
        return value

    def text(
        self,
        name: str,
        *,
        required: bool = True,
        max_length: int = 200,
        min_length: int = 0,
        multiline: bool = False,
    ) -> str | None:
        value = self._get(name).replace("\r\n", "\n")
        if not multiline:
            value = " ".join(value.split())
        else:
            value = value.strip()
        if _CONTROL.search(value):
            self.error(name, _("Remove the invisible control characters."))
            return None
        if not value:
            if required:
                self.error(name, _("This field is required."))
            return None if required else ""
        if len(value) > max_length:
            self.error(
                name,
                ngettext(
                    "Use at most %(num)d character.", "Use at most %(num)d characters.", max_length
                ),
            )
            return None
        if len(value) < min_length:
            self.error(
                name,
                ngettext(
                    "Use at least %(num)d character.",
                    "Use at least %(num)d characters.",
                    min_length,
                ),
            )
            return None
        return value

    def email(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, max_length=254)
        if not value:
            return value
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self.error(name, _("Enter an e-mail address like name@example.org."))
            return None
        return checked.normalized.lower()

    def password(self, name: str, *, min_length: int, max_length: int) -> str | None:
        value = self._get(name)
        if not value:
            self.error(name, _("This field is required."))
            return None
        if len(value) < min_length:
            self.error(
                name,
                ngettext(
                    "Use at least %(num)d character.",
                    "Use at least %(num)d characters.",
                    min_length,
                ),
            )
            return None
        if len(value) > max_length:
            self.error(
                name,
                ngettext(
                    "Use at most %(num)d character.", "Use at most %(num)d characters.", max_length
                ),
            )
            return None
        return value

    def integer(
        self, name: str, *, minimum: int, maximum: int, required: bool = True
    ) -> int | None:
        raw = self._get(name).strip().replace(" ", "").replace("\u00a0", "")
        if not raw:
            if required:
                self.error(name, _("This field is required."))
            return None
        if not re.fullmatch(r"-?\d{1,12}", raw):
            self.error(name, _("Enter a whole number, like 40."))
            return None
        value = int(raw)
        if value < minimum or value > maximum:
            self.error(
                name,
                _(
                    "Enter a number from %(minimum)d to %(maximum)d.",
                    minimum=minimum,
                    maximum=maximum,
                ),
            )
            return None
        return value

    def choice(self, name: str, options: Iterable[str], *, required: bool = True) -> str | None:
        value = self._get(name).strip()
        if not value:
            if required:
                self.error(name, _("Choose one of the options."))
            return None
        if value not in set(options):
            self.error(name, _("Choose one of the options."))
            return None
        return value

    def many(self, name: str, options: Iterable[str]) -> list[str]:
        allowed = list(options)
        chosen = self.raw.getlist(name) if hasattr(self.raw, "getlist") else []
        values = [v for v in chosen if isinstance(v, str)]
        if any(v not in allowed for v in values):
            self.error(name, _("Choose among the listed options."))
            return []
        self.values[name] = values
        return [v for v in allowed if v in values]

    def date(self, name: str, *, required: bool = True) -> date | None:
        """A date as ``<input type=date>`` sends it (YYYY-MM-DD), from FIRST_DAY to LAST_DAY:
        one a time zone can carry to UTC and back, with room for a series after it
        (9999-12-31 cannot), so a far-off date is a message next to the field, never an
        error page."""
        raw = self._get(name).strip()
        if not raw:
            if required:
                self.error(name, _("This field is required."))
            return None
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else _bad_date()
        except ValueError:
            self.error(name, _("Enter a date like 2026-11-30."))
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.error(
                name,
                _(
                    "Enter a date from %(first)s to %(last)s.",
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                ),
            )
            return None
        return day

    def time(self, name: str, *, required: bool = True) -> time | None:
        """A time of day as ``<input type=time>`` sends it (HH:MM, 24-hour clock)."""
        raw = self._get(name).strip()
        if not raw:
            if required:
                self.error(name, _("This field is required."))
            return None
        if not re.fullmatch(r"([01]?\d|2[0-3])[:.][0-5]\d", raw):
            self.error(name, _("Enter a time like 18:30."))
            return None
        hours, minutes = re.split(r"[:.]", raw)
        return time(int(hours), int(minutes))

    def checked(self, name: str) -> bool:
        return self._get(name) in ("on", "1", "true", "yes")

    def url(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required, max_length=300)
        if not value:
            return value
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
            self.error(name, _("Enter a web address starting with https://"))
            return None
        return value


def without_control(text: str) -> str:
    """Text with the invisible control characters (NUL and the like) taken out: for values
    read without a message, like a search box. PostgreSQL refuses NUL in text."""
    return _CONTROL.sub("", text)


def _bad_date() -> date:
    raise ValueError("not YYYY-MM-DD")


def slugify(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "æ": "ae", "ö": "o", "ø": "o", "é": "e", "ü": "u"})
    return _SLUG.sub("-", text.lower().translate(table)).strip("-")[:60] or "org"
