"""Setting a text into a box of fixed size: it wraps, then shrinks, and only then is cut.

Posters are filled in by people, so any text may be too long: a title of two hundred
characters, a description pasted from a newsletter. A poster must still print, so nothing here
raises or overflows: the text takes the largest size at which it fits, down to a floor that is
still readable at a distance, and below that it is cut after the last whole word that fits and
ends in an ellipsis. Line breaking is fpdf2's own (``multi_cell`` in dry-run mode), with text
shaping on, so what is measured is what is printed, in either writing direction.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from invites.posters.fonts import Weight, use

PT = 25.4 / 72  # millimetres in a typographic point
ELLIPSIS = "…"


@dataclass(frozen=True)
class Style:
    weight: Weight
    largest: float  # points
    smallest: float  # points
    leading: float  # line height as a multiple of the size


@dataclass(frozen=True)
class Block:
    """A text set to fit: what to print (maybe cut), at which size, on how many lines."""

    text: str
    style: Style
    size: float
    lines: int

    @property
    def line_height(self) -> float:
        return self.size * PT * self.style.leading

    @property
    def height(self) -> float:
        return self.lines * self.line_height


class Typesetter:
    """Fits texts for one document. It remembers every line breaking it asked fpdf2 for,
    since a flyer sheet sets the same texts twice."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._lines: dict[tuple[str, Weight, float, float], list[str]] = {}

    def fit(self, text: str, style: Style, *, width: float, height: float) -> Block:
        """``text`` set in ``style`` to fit ``width`` × ``height`` millimetres."""
        text = text[: _capacity(style, width, height)]
        size = style.largest
        while True:
            block = Block(text, style, size, self.count_lines(text, style, size, width))
            if block.height <= height or size <= style.smallest:
                break
            # A text needs about (size)² of area: when even the smallest size would need
            # far more than there is, go there at once rather than step by step.
            hopeless = block.height * (style.smallest / size) ** 2 > 1.5 * height
            size = style.smallest if hopeless else max(style.smallest, round(size * 0.92, 2))
        if block.height <= height:
            return block
        room = int(height // block.line_height)
        if room < 1:
            return Block("", style, size, 0)
        cut = self.shorten(text, style, size, width, room)
        return Block(cut, style, size, self.count_lines(cut, style, size, width))

    def fit_on_one_line(self, text: str, style: Style, *, width: float) -> Block:
        """``text`` on one line, shrunk as far as ``style`` allows, or else on two lines: for
        lines such as a date, which read best unbroken but must not be cut."""
        one_line = style.largest * PT * style.leading
        block = self.fit(text, style, width=width, height=one_line)
        if block.text == text:
            return block
        return self.fit(text, style, width=width, height=2 * one_line)

    def lines(self, text: str, style: Style, size: float, width: float) -> list[str]:
        """How fpdf2 breaks ``text`` into lines (in logical order, whatever the direction)."""
        if not text:
            return []
        key = (text, style.weight, size, width)
        if key not in self._lines:
            use(self.pdf, style.weight, size)
            lines = self.pdf.multi_cell(width, size * PT, text, dry_run=True, output="LINES")
            assert isinstance(lines, list)
            self._lines[key] = lines
        return self._lines[key]

    def count_lines(self, text: str, style: Style, size: float, width: float) -> int:
        return len(self.lines(text, style, size, width))

    def shorten(self, text: str, style: Style, size: float, width: float, lines: int) -> str:
        """The longest start of ``text`` that, with an ellipsis, takes at most ``lines``
        lines: whole words when at least one fits, otherwise as many letters as fit.

        It starts from what fpdf2 put on the first ``lines`` lines and takes words (or
        letters) off the end until the ellipsis fits too: a few measurements, not one per
        word."""
        candidate = text[: self._end_of_lines(text, style, size, width, lines)]
        while candidate:
            trimmed = _trimmed(candidate)
            if trimmed and self.count_lines(trimmed + ELLIPSIS, style, size, width) <= lines:
                return trimmed + ELLIPSIS
            space = trimmed.rfind(" ")
            candidate = trimmed[:space] if space > 0 else trimmed[:-1]
        return ""

    def _end_of_lines(self, text: str, style: Style, size: float, width: float, n: int) -> int:
        """Where in ``text`` the first ``n`` lines end."""
        end = 0
        for line in self.lines(text, style, size, width)[:n]:
            piece = line.strip()
            found = text.find(piece, end)
            if found < 0:  # not expected; fall back to letting the loop above shorten
                return len(text)
            end = found + len(piece)
        return end


def _capacity(style: Style, width: float, height: float) -> int:
    """More letters than could ever fit in the box at the smallest size (the narrowest
    letters are about a quarter of the size wide): longer input is cut to this before it is
    measured, so fitting stays fast however long the input."""
    size = style.smallest * PT
    per_line = width / (size * 0.25)
    lines = max(1.0, height / (size * style.leading))
    return int(per_line * lines) + 1


def _trimmed(text: str) -> str:
    """Without the separators an ellipsis should not follow: "a, b ·…" reads as "a, b…"."""
    return text.rstrip(" ,.;:·–-—،")
