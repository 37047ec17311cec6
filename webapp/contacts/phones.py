"""Phone numbers: read as people write them, stored as E.164, shown masked, hashed for the
opt-out registry. Parsing is the ``phonenumbers`` package's (libphonenumber's rules)."""

from __future__ import annotations

import hashlib

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from webapp.i18n import _

# Numbers that can receive SMS (fixed-line numbers cannot, in the Nordic countries).
_TEXTABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.UNKNOWN,
}


class BadNumber(ValueError):
    """Why a number cannot be used, in words for the person who typed it."""


def parse(raw: str, region: str) -> str:
    """``raw`` as E.164 (``+46701234567``). Written nationally (``070-123 45 67``) it is read
    in ``region`` (the organisation's country); ``0046…`` and ``+46…`` anywhere."""
    text = (raw or "").strip()
    if not text:
        raise BadNumber(_("Enter a mobile number."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region.upper())
    except NumberParseException:
        raise BadNumber(_("This is not a phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise BadNumber(_("This is not a valid phone number."))
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise BadNumber(_("This number cannot receive SMS: enter a mobile number."))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """The number as people of its country write it internationally: ``+46 70 123 45 67``."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def masked(e164: str) -> str:
    """Enough to recognise, not enough to use: ``+46 70 *** ** 67``."""
    shown = display(e164)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    country = len(str(phonenumbers.parse(e164, None).country_code)) if e164 else 0
    hidden = set(digits[country + 2 : -2])
    return "".join("*" if i in hidden else c for i, c in enumerate(shown))


def digest(e164: str) -> str:
    """The SHA-256 of the number: what the opt-out registry and message logs keep. Unsalted
    on purpose: the registry must still recognise the number after the service's secret
    changes (docs/decisions.md)."""
    return hashlib.sha256(e164.encode()).hexdigest()
