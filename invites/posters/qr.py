"""The QR code to the channel's tracked link, drawn as vector shapes so it prints sharp at any
size, and the same link as text for people who type it in.

Error correction is level M (15 % of the code may be damaged: a fold, a pin, a scuff), raised
by segno when that fits in the same number of modules. The code is drawn as one filled path
of row runs: one path has no hairline seams between modules when a viewer anti-aliases, and
it is far smaller than a rectangle per module.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import segno
from fpdf import FPDF
from fpdf.drawing import DeviceRGB

QUIET_ZONE = 4  # modules of blank margin every side, as ISO/IEC 18004 asks


def modules(link: str) -> tuple[tuple[bool, ...], ...]:
    """The dark (True) and light modules of the QR code for ``link``, row by row, without the
    quiet zone."""
    code = segno.make_qr(link, error="m", boost_error=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def draw(pdf: FPDF, link: str, x: float, y: float, size: float, colour: DeviceRGB) -> None:
    """The QR code for ``link`` in a square of ``size`` millimetres at (``x``, ``y``), its quiet
    zone included (the caller keeps that area light)."""
    grid = modules(link)
    module = size / (len(grid) + 2 * QUIET_ZONE)
    origin_x = x + QUIET_ZONE * module
    origin_y = y + QUIET_ZONE * module
    with pdf.new_path() as path:
        path.style.fill_color = colour
        path.style.stroke_color = None
        for row_index, row in enumerate(grid):
            top = origin_y + row_index * module
            for start, length in _runs(row):
                path.rectangle(origin_x + start * module, top, length * module, module)


def _runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in ``row``."""
    runs, start = [], None
    for index, dark in enumerate((*row, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def display_link(link: str) -> str:
    """``link`` as people type it: without "https://" and without a trailing slash."""
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc:
        return (parts.netloc + parts.path).rstrip("/") + (f"?{parts.query}" if parts.query else "")
    return link
