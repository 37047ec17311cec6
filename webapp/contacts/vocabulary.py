"""The words of the contact book: where consent came from, and language names as people
write them in files."""

from __future__ import annotations

import functools

from babel import Locale

from webapp.events.vocabulary import LANGUAGES
from webapp.i18n import _

CONSENT_SOURCES = ("form", "paper", "verbal", "event", "import", "other")


def consent_labels() -> dict[str, str]:
    return {
        "form": _("A form (on paper or online) that the person filled in"),
        "paper": _("A signed paper"),
        "verbal": _("Said in person or on the phone"),
        "event": _("Signed up at an event"),
        "import": _("Imported from an earlier list"),
        "other": _("Another way (say how in the note)"),
    }


# What the consent source may be called in an imported file (codes, English, Nordic words).
CONSENT_WORDS = {
    **{code: code for code in CONSENT_SOURCES},
    "formulär": "form", "formular": "form", "skjema": "form", "blankett": "form",
    "papper": "paper", "papir": "paper", "underskrift": "paper", "signed": "paper",
    "muntligt": "verbal", "muntlig": "verbal", "mundtlig": "verbal", "oral": "verbal",
    "telefon": "verbal", "phone": "verbal",
    "evenemang": "event", "arrangement": "event", "arrangemang": "event",
    "import": "import", "importerad": "import", "lista": "import", "liste": "import",
    "annat": "other", "andet": "other", "annet": "other",
}  # fmt: skip


@functools.lru_cache(maxsize=1)
def language_words() -> dict[str, str]:
    """Language codes, and their names in the UI languages (lower case): ``"arabiska"`` and
    ``"arabic"`` are ``"ar"``."""
    found = {code.lower(): code for code in LANGUAGES}
    for ui in ("sv", "da", "nb", "en"):
        names = Locale.parse(ui).languages
        for code in LANGUAGES:
            name = names.get(code)
            if name:
                found.setdefault(name.lower(), code)
    return found
