"""Accessibility pictograms, drawn with vector strokes so they need no icon font or image file.

Each is drawn on a 24 × 24 grid (as most icon sets are) in a rounded tile, light on dark, and
printed with its label beside it: a pictogram helps people find the line they look for, the
label says what it means. A code without a pictogram of its own (a feature added to the room
vocabulary later) gets the information sign, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.drawing import DeviceRGB, PaintedPath
from fpdf.enums import PathPaintRule, StrokeCapStyle, StrokeJoinStyle

from invites.posters.fonts import Weight, use

GRID = 24.0


@dataclass(frozen=True)
class Pen:
    """Draws in grid units inside the tile at (``x``, ``y``) of ``size`` millimetres."""

    pdf: FPDF
    x: float
    y: float
    size: float
    colour: DeviceRGB

    def at(self, u: float, v: float) -> tuple[float, float]:
        return self.x + u * self.size / GRID, self.y + v * self.size / GRID

    @contextmanager
    def _path(self, stroke: float | None) -> Iterator[PaintedPath]:
        """A path filled with the pen's colour, or stroked ``stroke`` grid units wide."""
        rule = PathPaintRule.FILL_NONZERO if stroke is None else PathPaintRule.STROKE
        with self.pdf.new_path(paint_rule=rule) as path:
            if stroke is None:
                path.style.fill_color = self.colour
                path.style.stroke_color = None
            else:
                path.style.stroke_color = self.colour
                path.style.fill_color = None
                path.style.stroke_width = stroke * self.size / GRID
                path.style.stroke_cap_style = StrokeCapStyle.ROUND
                path.style.stroke_join_style = StrokeJoinStyle.ROUND
                path.style.auto_close = False  # an open stroke gets no line back to its start
            yield path

    def tile(self, radius: float) -> None:
        """The whole square, filled, its corners rounded by ``radius`` millimetres."""
        with self._path(None) as path:
            path.rectangle(self.x, self.y, self.size, self.size, radius, radius)

    def lines(self, *points: tuple[float, float], stroke: float = 2.2) -> None:
        with self._path(stroke) as path:
            path.move_to(*self.at(*points[0]))
            for point in points[1:]:
                path.line_to(*self.at(*point))

    def shape(self, *points: tuple[float, float]) -> None:
        with self._path(None) as path:
            path.move_to(*self.at(*points[0]))
            for point in points[1:]:
                path.line_to(*self.at(*point))
            path.close()

    def dot(self, u: float, v: float, radius: float) -> None:
        with self._path(None) as path:
            path.circle(*self.at(u, v), radius * self.size / GRID)

    def arc(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        radius: float,
        *,
        large: bool = False,
        clockwise: bool = True,
        stroke: float = 2.2,
    ) -> None:
        r = radius * self.size / GRID
        with self._path(stroke) as path:
            path.move_to(*self.at(*start))
            path.arc_to(r, r, 0, large, clockwise, *self.at(*end))

    def curve(self, *points: tuple[float, float], stroke: float = 2.2) -> None:
        """A stroke through cubic Bézier segments: a start, then (control, control, end)
        triples."""
        with self._path(stroke) as path:
            path.move_to(*self.at(*points[0]))
            for index in range(1, len(points) - 2, 3):
                c1, c2, end = points[index : index + 3]
                path.curve_to(*self.at(*c1), *self.at(*c2), *self.at(*end))

    def letters(self, text: str, points: float) -> None:
        """``text`` centred in the tile, ``points`` given for a 10 mm tile."""
        use(self.pdf, Weight.HEAVY, points * self.size / 10)
        self.pdf.set_text_color(self.colour)
        self.pdf.set_xy(self.x, self.y)
        self.pdf.cell(self.size, self.size, text, align="C")


def wheelchair(pen: Pen) -> None:
    pen.dot(10.2, 4.2, 2.1)
    pen.lines((9.6, 8.2), (9.6, 14.2), (15.2, 14.2), (17.4, 19.6), (19.6, 19.6))
    pen.lines((9.6, 10.8), (14.4, 10.8))
    pen.arc((6.2, 11.4), (14.6, 18.6), 5.4, large=True, clockwise=False)


def step_free(pen: Pen) -> None:
    pen.shape((3.5, 20.5), (20.5, 20.5), (20.5, 13.5))
    pen.lines((5, 14.5), (17, 8.4))
    pen.lines((12.4, 7.2), (17, 8.4), (15.2, 12.4))


def lift(pen: Pen) -> None:
    pen.lines((6, 3.5), (18, 3.5), (18, 20.5), (6, 20.5), (6, 3.5), stroke=1.8)
    pen.shape((12, 6.5), (15.2, 10.5), (8.8, 10.5))
    pen.shape((12, 17.5), (15.2, 13.5), (8.8, 13.5))


def toilet(pen: Pen) -> None:
    pen.letters("WC", 11)


def hearing_loop(pen: Pen) -> None:
    """An ear and a T, the sign for an induction loop."""
    pen.curve(
        (6.2, 10.2),
        (6.2, 6.2),
        (9.2, 3.6),
        (12.2, 3.6),
        (15.6, 3.6),
        (18.2, 6.4),
        (18.2, 9.6),
        (18.2, 12.6),
        (15.6, 13.6),
        (14.4, 15.6),
        (13.4, 17.4),
        (13.2, 20.4),
        (9.6, 20.4),
    )
    pen.curve((10, 10.6), (10, 8.6), (11, 7.6), (12.3, 7.6), (13.8, 7.6), (14.6, 8.8), (14.6, 10))
    pen.lines((16.4, 16.4), (21.4, 16.4), stroke=2)
    pen.lines((18.9, 16.4), (18.9, 21.2), stroke=2)


def seating(pen: Pen) -> None:
    """A chair seen from the side: back, seat, legs, and the armrest that matters."""
    pen.lines((6.5, 3.5), (7.5, 13.5), (18, 13.5))
    pen.lines((7.5, 13.5), (7.5, 20.5))
    pen.lines((17, 13.5), (17, 20.5))
    pen.lines((7.1, 9.2), (15.5, 9.2), (15.5, 13.5))


def large_print(pen: Pen) -> None:
    pen.letters("Aa", 12.5)


def quiet(pen: Pen) -> None:
    pen.shape((3.5, 9), (7.5, 9), (12.5, 4.5), (12.5, 19.5), (7.5, 15), (3.5, 15))
    pen.lines((15.5, 9), (20.5, 15))
    pen.lines((20.5, 9), (15.5, 15))


def information(pen: Pen) -> None:
    pen.dot(12, 6.2, 1.9)
    pen.lines((10, 10.5), (12, 10.5), (12, 18.5))
    pen.lines((9.6, 18.5), (14.4, 18.5))


PICTOGRAMS: dict[str, Callable[[Pen], None]] = {
    "step_free": step_free,
    "lift": lift,
    "wheelchair": wheelchair,
    "wheelchair_spaces": wheelchair,
    "accessible_toilet": toilet,
    "hearing_loop": hearing_loop,
    "seating_with_armrests": seating,
    "large_print_signage": large_print,
    "quiet_room": quiet,
}


def draw(
    pdf: FPDF, code: str, x: float, y: float, size: float, tile: DeviceRGB, ink: DeviceRGB
) -> None:
    """The pictogram for ``code`` in a ``size`` millimetre tile at (``x``, ``y``)."""
    Pen(pdf, x, y, size, tile).tile(size * 0.22)
    PICTOGRAMS.get(code, information)(Pen(pdf, x, y, size, ink))
