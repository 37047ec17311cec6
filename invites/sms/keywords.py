"""What an SMS reply asks for: STOP (no more SMS), START (again), HELP — in English and the
Nordic forms people write, in any letter case, with or without punctuation around them."""

from __future__ import annotations

import unicodedata

STOP_WORDS = frozenset(
    {
        "STOP", "STOPP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
        "AVSLUTA", "SLUTA", "AVBRYT", "AVREGISTRERA",  # Swedish
        "AFMELD", "AFBRYD", "STOPPE",  # Danish
        "AVMELD", "AVSLUTT", "SLUTT",  # Norwegian
    }
)  # fmt: skip
START_WORDS = frozenset({"START", "UNSTOP", "BÖRJA", "STARTA", "STARTE", "BEGYND"})
HELP_WORDS = frozenset({"HELP", "INFO", "HJÄLP", "HJÆLP", "HJELP"})


def keyword(body: str) -> str | None:
    """``"stop"``, ``"start"``, ``"help"`` or None: the reply is one of the words (alone)."""
    text = unicodedata.normalize("NFC", body).strip().strip(".!?,;:\"'()").strip().upper()
    if text in STOP_WORDS:
        return "stop"
    if text in START_WORDS:
        return "start"
    if text in HELP_WORDS:
        return "help"
    return None
