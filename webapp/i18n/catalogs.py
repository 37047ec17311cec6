"""Gettext catalogs read from the .po files in ``translations/`` at import time.

The source strings (msgids) are English. The current locale lives in a context variable
set per request by :class:`webapp.i18n.middleware.LocaleMiddleware`, so code anywhere in a
request can call ``_()`` without passing the request around. No compile step: the .po files
are parsed with Babel when the process starts.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from webapp.settings import SUPPORTED_LOCALES

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"

_locale: ContextVar[str] = ContextVar("samspel_locale", default="sv")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    path = po_path(locale)
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def current_locale() -> str:
    return _locale.get()


def set_locale(locale: str) -> None:
    _locale.set(locale if locale in SUPPORTED_LOCALES else "sv")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _locale.set(locale)
    try:
        yield
    finally:
        _locale.reset(token)


def raw_gettext(message: str) -> str:
    """Translation without formatting (Jinja's i18n extension formats itself)."""
    return translations(_locale.get()).gettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_locale.get()).ngettext(singular, plural, n)


def gettext(message: str, **params: object) -> str:
    text = translations(_locale.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **params}
