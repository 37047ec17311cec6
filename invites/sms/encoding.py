"""How the network sees an SMS: its encoding (GSM-7 or UCS-2), its length counted as the
network counts it, and the number of parts (segments) it is sent and billed as.

Follows 3GPP TS 23.038 (the GSM 7-bit default alphabet and its extension table; national
language shift tables are not used) and TS 23.040 concatenation, where each part of a long
message gives room to a header: 160 septets in one message or 153 per part, 70 UTF-16 code
units or 67 per part. A part never ends in the middle of an extension-table escape pair or a
surrogate pair, so the split is computed character by character, not by dividing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


# The default alphabet, in table order (0x1B, the escape to the extension table, left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as the escape plus one septet, so it costs two.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7_ALPHABET = GSM7_BASIC | GSM7_EXTENSION

SINGLE = {Encoding.GSM7: 160, Encoding.UCS2: 70}
PER_PART = {Encoding.GSM7: 153, Encoding.UCS2: 67}


@dataclass(frozen=True)
class Measure:
    encoding: Encoding
    characters: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int  # 0 for an empty text
    per_segment: int  # room in each segment: 160 or 153 (GSM-7), 70 or 67 (UCS-2)
    remaining: int  # room left in the last segment before one more is needed
    forcing: tuple[str, ...]  # distinct characters outside GSM-7, in order of appearance


def forcing_characters(text: str) -> tuple[str, ...]:
    """The distinct characters of ``text`` that GSM-7 cannot carry."""
    return tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_ALPHABET))


def _cost(ch: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def _parts(costs: list[int], encoding: Encoding) -> list[tuple[int, int, int]]:
    """(start, end, used) of each part: character indexes and the room it uses."""
    total = sum(costs)
    if not costs:
        return []
    if total <= SINGLE[encoding]:
        return [(0, len(costs), total)]
    parts, start, used = [], 0, 0
    for index, cost in enumerate(costs):
        if used + cost > PER_PART[encoding]:
            parts.append((start, index, used))
            start, used = index, 0
        used += cost
    parts.append((start, len(costs), used))
    return parts


def measure(text: str) -> Measure:
    """Encoding, length, segments and the characters that forced UCS-2, for ``text`` as is
    (callers send what they measure, so nothing is normalised here)."""
    forcing = forcing_characters(text)
    encoding = Encoding.UCS2 if forcing else Encoding.GSM7
    costs = [_cost(ch, encoding) for ch in text]
    parts = _parts(costs, encoding)
    per_segment = SINGLE[encoding] if len(parts) <= 1 else PER_PART[encoding]
    return Measure(
        encoding=encoding,
        characters=sum(costs),
        segments=len(parts),
        per_segment=per_segment,
        remaining=per_segment - (parts[-1][2] if parts else 0),
        forcing=forcing,
    )


def split(text: str) -> list[str]:
    """The parts ``text`` is sent as (one for a text that fits, none for an empty one)."""
    encoding = Encoding.UCS2 if forcing_characters(text) else Encoding.GSM7
    costs = [_cost(ch, encoding) for ch in text]
    return [text[start:end] for start, end, _ in _parts(costs, encoding)]


def cost(segments: int, price_per_segment: Decimal) -> Decimal:
    """What sending ``segments`` segments costs: operators bill each segment."""
    if segments < 0:
        raise ValueError(f"segments must not be negative, got {segments}")
    return segments * price_per_segment


# Punctuation and spaces that word processors and phones put in, with GSM-7 look-alikes.
# Letters are never replaced: a Sámi name keeps its letters even if that costs UCS-2.
GSM7_REPLACEMENTS = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»″", '"'),
        **dict.fromkeys("‘’‚‛‹›′", "'"),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "…": "...",
        **dict.fromkeys("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
        **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
        **dict.fromkeys("\u00ad\u200b\u2060\ufeff", ""),
    }
)


def suggest_gsm(text: str) -> str | None:
    """``text`` with look-alike punctuation and spaces replaced (and composed characters
    composed, NFC) when that makes it GSM-7 in no more segments; None otherwise."""
    before = measure(text)
    if before.encoding is Encoding.GSM7:
        return None
    suggestion = unicodedata.normalize("NFC", text).translate(GSM7_REPLACEMENTS)
    after = measure(suggestion)
    if after.encoding is Encoding.UCS2 or after.segments > before.segments:
        return None
    return suggestion
