"""What an SMS reply asks for: STOP (no more SMS), START (again), HELP, and YES or NO to an
invitation — in English and the Nordic forms people write, in any letter case, with or
without punctuation around them."""

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
# Answers to an invitation: "JA", "NEJ" (sv, da), "JA", "NEI" (nb), "YES", "NO".
YES_WORDS = frozenset({"JA", "YES", "Y", "J", "JAA", "JO", "JEPP", "OK", "JA TACK", "JA TAK"})
NO_WORDS = frozenset({"NEJ", "NEI", "NO", "N", "NEJ TACK", "NEJ TAK", "NEI TAKK"})


def keyword(body: str) -> str | None:
    """``"stop"``, ``"start"``, ``"help"``, ``"yes"``, ``"no"`` or None: the reply is one of
    the words (alone, or "ja tack" and the like)."""
    text = unicodedata.normalize("NFC", body).strip().strip(".!?,;:\"'()").strip().upper()
    text = " ".join(text.split())
    if text in STOP_WORDS:
        return "stop"
    if text in START_WORDS:
        return "start"
    if text in HELP_WORDS:
        return "help"
    if text in YES_WORDS:
        return "yes"
    if text in NO_WORDS:
        return "no"
    return None
