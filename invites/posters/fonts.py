"""The typefaces a poster is set in, from font packages installed with pip, never the system's.

Fira Sans (Mozilla, SIL OFL 1.1) sets every Latin letter, including all the Sámi ones
(Á Č Đ Ŋ Š Ŧ Ž, and Skolt's Ʒ Ǯ Ǥ Ǧ Ǩ), in static weights from Thin to Black. IBM Plex Sans
Arabic (IBM, SIL OFL 1.1) sets Arabic, shaped by HarfBuzz through fpdf2's text shaping. Both
come from the ``fontpkg-*`` packages, which redistribute the Google Fonts files unmodified.
Static files are chosen on purpose: variable fonts (Noto Sans) would have to be instanced
per weight with fontTools, which takes seconds per process.

Fira is always the first font and Plex Arabic its fallback, so Latin text looks the same on
every poster, whatever its language, and Arabic letters come from the font made for them.
fpdf2 styles are only regular/bold/italic, so each weight is registered as its own family.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum
from functools import cache
from pathlib import Path

import fontpkg
from fontTools import ttLib
from fpdf import FPDF

LATIN_FAMILY = "Fira Sans"
ARABIC_FAMILY = "IBM Plex Sans Arabic"
ARABIC_HEAVIEST = 700  # Plex Sans Arabic stops at Bold


class Weight(IntEnum):
    REGULAR = 400
    SEMIBOLD = 600
    HEAVY = 800


@cache
def font_files() -> dict[str, Path]:
    """fpdf2 family name → font file, for every weight the posters use."""
    files = {}
    for weight in Weight:
        files[f"latin{weight}"] = fontpkg.path(LATIN_FAMILY, weight=int(weight))
        arabic_weight = min(int(weight), ARABIC_HEAVIEST)
        files[f"arabic{weight}"] = fontpkg.path(ARABIC_FAMILY, weight=arabic_weight)
    return files


@cache
def _cmap(path: Path) -> frozenset[int]:
    with ttLib.TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def register(pdf: FPDF, text: str) -> None:
    """Add the fonts that ``text`` (everything the document will print) needs: Fira always,
    Plex Arabic only when some letter is in it and not in Fira. fpdf2 embeds every font
    added, used or not, and embedding is the slow part of a render."""
    files = font_files()
    latin = _cmap(files[f"latin{Weight.REGULAR}"])
    extra = _cmap(files[f"arabic{Weight.REGULAR}"]) - latin
    arabic = any(ord(ch) in extra for ch in text)
    for family, path in files.items():
        if family.startswith("latin") or arabic:
            pdf.add_font(family, "", path)


def release(pdf: FPDF) -> None:
    """Close the font files fpdf2 opened for ``pdf`` (it reads them lazily and leaves them
    open until the garbage collector finds them)."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def use(pdf: FPDF, weight: Weight, size: float) -> None:
    """Set ``weight`` at ``size`` points, with Arabic of the nearest weight as fallback."""
    pdf.set_font(f"latin{weight}", size=size)
    fallback = f"arabic{weight}"
    pdf.set_fallback_fonts([fallback] if fallback in pdf.fonts else [])


@cache
def covered() -> frozenset[int]:
    """The code points some poster font has a glyph for."""
    return frozenset().union(*(_cmap(path) for path in set(font_files().values())))


# Any run of white space but the no-break space, which keeps "3 december" on one line.
_SPACES = re.compile(r"[^\S\u00a0]+")
# Format characters HarfBuzz and the bidi algorithm use without needing a glyph.
_INVISIBLE = frozenset("\u200c\u200d\u200e\u200f\u061c")


def printable(text: str) -> str:
    """``text`` in composed form (NFC) with its white space collapsed to single spaces and the
    characters no poster font can draw (emoji, scripts not covered) left out, so that
    nothing prints as an empty box."""
    points = covered()
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text))
    text = "".join(ch for ch in text if ord(ch) in points or ch in _INVISIBLE)
    return _SPACES.sub(" ", text).strip()
