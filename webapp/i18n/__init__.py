"""Languages: catalogs, the current request's locale, and formatters."""

from webapp.i18n.catalogs import current_locale, gettext, ngettext, use_locale
from webapp.i18n.negotiation import LANGUAGE_NAMES, negotiate

_ = gettext

__all__ = [
    "LANGUAGE_NAMES",
    "_",
    "current_locale",
    "gettext",
    "negotiate",
    "ngettext",
    "use_locale",
]
