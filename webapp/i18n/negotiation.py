"""Which language a request gets: the user's choice, else Accept-Language, else the default."""

from __future__ import annotations

from babel import Locale, negotiate_locale

from webapp.settings import SUPPORTED_LOCALES

# Each language named in itself, as the switcher shows it.
LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "nb": "Norsk bokmål", "en": "English"}

# Norwegian "no" and "nn" readers get bokmål, the written standard we ship.
_ALIASES = {"no": "nb", "nn": "nb", "nb-no": "nb", "no-no": "nb"}


def _parse_accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        lang, _, q = piece.partition(";")
        quality = 1.0
        if q.strip().startswith("q="):
            try:
                quality = float(q.strip()[2:])
            except ValueError:
                quality = 0.0
        lang = lang.strip().lower()
        if lang and lang != "*" and quality > 0:
            weighted.append((-quality, index, lang))
    return [lang for _, _, lang in sorted(weighted)]


def negotiate(choice: str | None, accept_language: str | None, default: str) -> str:
    if choice in SUPPORTED_LOCALES:
        return choice
    if accept_language:
        preferred = []
        for lang in _parse_accept_language(accept_language):
            preferred.append(_ALIASES.get(lang, lang))
            primary = lang.split("-")[0]
            preferred.append(_ALIASES.get(primary, primary))
        found = negotiate_locale(preferred, list(SUPPORTED_LOCALES), sep="-")
        if found:
            return found
    return default


def babel_locale(locale: str) -> Locale:
    """The Babel locale used for formatting: British English keeps the 24-hour clock."""
    return Locale.parse("en_GB" if locale == "en" else locale)
