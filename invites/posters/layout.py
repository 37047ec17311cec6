"""The poster's design: one layout, drawn into a rectangle of any ISO A size.

All ISO A sizes share one shape (1 : √2), so the layout is designed once for A4 in
millimetres and scaled: A3 is the same poster 1.41 times larger, an A5 flyer 0.71 times.

From top to bottom, in reading order and in falling size:

- a coloured panel with the title, large, bottom-aligned and white, under two overlapping
  circles (two partners, the "samspel"), and a note such as "Free entry" as a badge;
- on white: when and where, then the short text, beside the QR code with a line that says
  what scanning it gives and the link as text below it;
- the accessibility features, each a pictogram and its label, and the partners' names.

A right-to-left poster is the mirror image: text aligned right, the QR code on the left,
the circles at the top left. Colours are printed on white paper; the panel colour with white
text, and ink on white, both have a contrast far above WCAG's 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF
from fpdf.drawing import DeviceRGB
from fpdf.enums import PathPaintRule

from invites.posters import pictograms, qr
from invites.posters.content import PosterContent
from invites.posters.dates import when_lines
from invites.posters.fitting import PT, Block, Style, Typesetter
from invites.posters.fonts import Weight, printable, use


def rgb(hex_colour: str) -> DeviceRGB:
    value = int(hex_colour.lstrip("#"), 16)
    return DeviceRGB(*(((value >> shift) & 0xFF) / 255 for shift in (16, 8, 0)))


# Contrast ratios as WCAG 2.1 counts them; 4.5:1 is the AA floor for text.
INK = rgb("#14213D")  # navy: text on white, 16:1
PANEL = rgb("#005F73")  # deep teal: white text on it, and it on white, 7.3:1
ACCENT = rgb("#EE9B00")  # amber: the badge (navy on it, 7.1:1) and a circle
SECOND = rgb("#CA6702")  # burnt orange: where the circles overlap
LIGHT = rgb("#94D2BD")  # pale sea green: the other circle
SOFT = rgb("#4A5A72")  # secondary text on white, 7:1
RULE = rgb("#D5DCE4")
WHITE = rgb("#FFFFFF")
TIME_INK = rgb("#9B4A00")  # the time, in an orange dark enough to read on white: 6.2:1

A4_WIDTH = 210.0
PANEL_SHARE = 0.44  # of the height
QR_COLUMN = 58.0  # the QR code's column, and its largest size, quiet zone included (A4 mm)
QR_SMALLEST = 52.0  # the code itself, without its quiet zone, still over 4 cm on A4
FEATURE_TILE = 10.0  # a pictogram (A4 mm)
FEATURE_GAP = 3.5  # between rows of pictograms
FEATURE_ROWS = 3


@dataclass(frozen=True)
class Frame:
    """The rectangle a poster is drawn in, its scale against A4, and its writing direction.
    Horizontal positions are given from the start edge (left, or right when ``rtl``)."""

    x: float
    y: float
    width: float
    height: float
    rtl: bool

    @property
    def k(self) -> float:
        return self.width / A4_WIDTH

    @property
    def type_scale(self) -> float:
        """Type scales with the sheet, except that a flyer, read in the hand, keeps its small
        print above 7 points."""
        return max(self.k, 0.78)

    @property
    def margin(self) -> float:
        return 16 * self.k

    @property
    def align(self) -> str:
        return "R" if self.rtl else "L"

    def left(self, start: float, width: float) -> float:
        """The left edge of a box ``width`` wide placed ``start`` from the start edge."""
        return self.x + (self.width - start - width if self.rtl else start)


def pill(
    pdf: FPDF, x: float, y: float, width: float, height: float, radius: float, colour: DeviceRGB
) -> None:
    """A filled rectangle with rounded corners (fpdf2's ``rect`` caps the radius oddly)."""
    with pdf.new_path(paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = colour
        path.style.stroke_color = None
        path.rectangle(x, y, width, height, radius, radius)


def styles(rtl: bool) -> dict[str, Style]:
    """Sizes for A4, in points. Arabic letters sit lower and reach higher than Latin ones at
    the same size, so right-to-left lines get more leading; and small Arabic looks smaller
    than Latin capitals of the same size, so the small headings grow a little."""
    loose = 1.22 if rtl else 1.0
    small = 10.5 if rtl else 9.5
    return {
        "title": Style(Weight.HEAVY, 66, 30, 1.04 * loose),
        "note": Style(Weight.SEMIBOLD, 13, 9, 1.2 * loose),
        "label": Style(Weight.SEMIBOLD, small, small, 1.3 * loose),
        "date": Style(Weight.HEAVY, 24, 16, 1.1 * loose),
        "place": Style(Weight.SEMIBOLD, 17, 12, 1.15 * loose),
        "text": Style(Weight.REGULAR, 13, 10.5, 1.3 * loose),
        "scan": Style(Weight.SEMIBOLD, 10.5, 8.5, 1.2 * loose),
        "link": Style(Weight.REGULAR, 10, 7, 1.2 * loose),
        "feature": Style(Weight.REGULAR, 9.5, 8, 1.15 * loose),
        "partners": Style(Weight.SEMIBOLD, 12, 9.5, 1.25 * loose),
    }


def room(style: Style, lines: int) -> float:
    """The height of ``lines`` lines of ``style`` at its largest size, in millimetres."""
    return lines * style.largest * PT * style.leading


def scaled(style: Style, k: float) -> Style:
    return Style(style.weight, style.largest * k, style.smallest * k, style.leading)


class Poster:
    """Draws one poster for ``content`` into ``frame`` of ``pdf``'s current page."""

    def __init__(
        self, pdf: FPDF, content: PosterContent, frame: Frame, typesetter: Typesetter
    ) -> None:
        self.pdf = pdf
        self.content = content
        self.frame = frame
        self.typesetter = typesetter
        self.styles = {
            name: scaled(style, frame.type_scale) for name, style in styles(frame.rtl).items()
        }

    def draw(self) -> None:
        f = self.frame
        panel_bottom = f.y + f.height * PANEL_SHARE
        self.panel(panel_bottom)
        top = panel_bottom + 12 * f.k
        scan, link = self.qr_captions()
        # The QR code and its captions need this much height at least; the footer gives way.
        least = QR_SMALLEST * f.k + scan.height + link.height + 4 * f.k
        footer_top = self.footer(limit=top + least)
        self.qr_column(top, footer_top - 3 * f.k, scan, link)
        self.body(top, footer_top - 8 * f.k)

    # --- the panel -------------------------------------------------------------------------

    def panel(self, bottom: float) -> None:
        f, pdf = self.frame, self.pdf
        # fpdf2 forgets colours set inside a clip when the clip ends; a local context keeps
        # its idea of the current colours in step with the PDF's.
        with pdf.local_context(), pdf.rect_clip(f.x, f.y, f.width, bottom - f.y):
            pdf.set_fill_color(PANEL)
            pdf.rect(f.x, f.y, f.width, bottom - f.y, style="F")
            self.circles()
        top = f.y + f.margin
        note = printable(self.content.note)
        if note:
            top = self.badge(note, top) + 10 * f.k
        title_top = max(top, f.y + 56 * f.k)
        width = f.width - 2 * f.margin
        title = self.typesetter.fit(
            printable(self.content.title),
            self.styles["title"],
            width=width,
            height=bottom - f.margin - title_top,
        )
        self.write(title, f.margin, bottom - f.margin - title.height, width, WHITE)

    def circles(self) -> None:
        """Two overlapping circles, the two partners, bleeding off the top corner at the end
        edge; where they overlap is a third colour."""
        f, pdf = self.frame, self.pdf
        big, small = 46 * f.k, 25 * f.k
        big_x, big_y = f.left(f.width - 26 * f.k, 0), f.y + 2 * f.k
        small_x, small_y = f.left(f.width - 74 * f.k, 0), f.y + 31 * f.k
        pdf.set_fill_color(ACCENT)
        pdf.circle(big_x, big_y, big, style="F")
        pdf.set_fill_color(LIGHT)
        pdf.circle(small_x, small_y, small, style="F")
        with pdf.local_context(), pdf.elliptic_clip(big_x - big, big_y - big, 2 * big, 2 * big):
            pdf.set_fill_color(SECOND)
            pdf.circle(small_x, small_y, small, style="F")

    def badge(self, note: str, top: float) -> float:
        """``note`` on one line in an amber pill at the start edge; returns the pill's bottom."""
        f, pdf = self.frame, self.pdf
        style = self.styles["note"]
        pad = 3.4 * f.k
        most = f.width * 0.45
        block = self.typesetter.fit(note, style, width=most, height=room(style, 1))
        if not block.text:
            return top
        use(pdf, style.weight, block.size)
        text_width = min(pdf.get_string_width(block.text), most)
        height = block.line_height + pad
        width = text_width + 2 * pad
        pill(pdf, f.left(f.margin, width), top, width, height, height / 2, ACCENT)
        pdf.set_text_color(INK)
        pdf.set_xy(f.left(f.margin + pad, text_width), top + pad / 2)
        pdf.cell(text_width, block.line_height, block.text, align="C")
        return top + height

    # --- the body --------------------------------------------------------------------------

    def body(self, top: float, bottom: float) -> None:
        """When, where and what, in the column beside the QR code."""
        f, c = self.frame, self.content
        width = f.width - 2 * f.margin - QR_COLUMN * f.k - 10 * f.k
        day, time = when_lines(c.starts, c.ends, c.language, c.tz)
        y = self.label(c.labels.when, f.margin, top, width)
        date = self.typesetter.fit_on_one_line(printable(day), self.styles["date"], width=width)
        y = self.write(date, f.margin, y, width, INK)
        hours = self.typesetter.fit_on_one_line(time, self.styles["date"], width=width)
        y = self.write(hours, f.margin, y, width, TIME_INK) + 5 * f.k
        place = printable(c.place)
        if place and bottom - y > 12 * f.k:
            y = self.label(c.labels.where, f.margin, y, width)
            style = self.styles["place"]
            height = min(bottom - y, room(style, 3))
            block = self.typesetter.fit(place, style, width=width, height=height)
            y = self.write(block, f.margin, y, width, INK) + 5 * f.k
        text = printable(c.text)
        if text and bottom - y > 6 * f.k:
            block = self.typesetter.fit(text, self.styles["text"], width=width, height=bottom - y)
            self.write(block, f.margin, y, width, SOFT)

    def qr_captions(self) -> tuple[Block, Block]:
        """What scanning gives ("Scan for more and to sign up") and the link as text."""
        width = QR_COLUMN * self.frame.k
        scan, link = self.styles["scan"], self.styles["link"]
        text = printable(self.content.labels.scan)
        return (
            self.typesetter.fit(text, scan, width=width, height=room(scan, 3)),
            self.typesetter.fit(
                qr.display_link(self.content.link), link, width=width, height=room(link, 2)
            ),
        )

    def qr_column(self, top: float, bottom: float, scan: Block, link: Block) -> None:
        """The QR code at the end edge, as large as the room down to ``bottom`` allows within
        its limits, with its captions below."""
        f, pdf = self.frame, self.pdf
        width = QR_COLUMN * f.k
        start = f.width - f.margin - width
        grid = len(qr.modules(self.content.link)) + 2 * qr.QUIET_ZONE
        size = bottom - top - scan.height - link.height - 1 * f.k
        size = max(QR_SMALLEST * f.k, min(width, size * grid / (grid - qr.QUIET_ZONE)))
        quiet = size * qr.QUIET_ZONE / grid
        # The quiet zone is white paper: the code itself lines up with the text column's top.
        qr.draw(
            pdf, self.content.link, f.left(start + (width - size) / 2, size), top - quiet, size, INK
        )
        y = self.write(scan, start, top - quiet + size, width, INK, align="C")
        self.write(link, start, y + 1 * f.k, width, SOFT, align="C")

    # --- the footer ------------------------------------------------------------------------

    def footer(self, limit: float) -> float:
        """Accessibility features and partners, set from the bottom edge up; returns the top.
        Rows of features that would reach above ``limit`` are left out (it takes more than
        six features, long labels and many partners on a flyer for that to happen)."""
        f, pdf, c = self.frame, self.pdf, self.content
        width = f.width - 2 * f.margin
        bottom = f.y + f.height - f.margin
        partners = " · ".join(name for name in map(printable, c.partners) if name)
        if partners:
            style = self.styles["partners"]
            block = self.typesetter.fit(partners, style, width=width, height=room(style, 2))
            bottom -= block.height
            self.write(block, f.margin, bottom, width, INK)
            bottom = self.label(c.labels.partners, f.margin, bottom, width, above=True)
            bottom -= 6 * f.k
        features = [(x.code, printable(x.label)) for x in c.accessibility][: 3 * FEATURE_ROWS]
        while (
            features
            and bottom - self.features_height(features) - room(self.styles["label"], 1) < limit
        ):
            features = features[: (len(features) - 1) // 3 * 3]
        if features:
            bottom = self.features(features, bottom)
            bottom = self.label(c.labels.accessibility, f.margin, bottom, width, above=True)
            bottom -= 6 * f.k
        if partners or features:
            pdf.set_draw_color(RULE)
            pdf.set_line_width(0.5 * f.k)
            pdf.line(f.x + f.margin, bottom, f.x + f.width - f.margin, bottom)
        return bottom

    def features_height(self, features: list[tuple[str, str]]) -> float:
        rows = (len(features) + 2) // 3
        return (rows * (FEATURE_TILE + FEATURE_GAP) - FEATURE_GAP) * self.frame.k

    def features(self, features: list[tuple[str, str]], bottom: float) -> float:
        """Pictograms with labels, three to a row, filling up from ``bottom``; returns the top."""
        f, pdf = self.frame, self.pdf
        columns, tile, gap = 3, FEATURE_TILE * f.k, 3 * f.k
        cell = (f.width - 2 * f.margin) / columns
        label_width = cell - tile - gap - 4 * f.k
        row_height = (FEATURE_TILE + FEATURE_GAP) * f.k
        top = bottom - self.features_height(features)
        style = self.styles["feature"]
        # One size for all labels, the largest at which each fits: a grid of mixed sizes
        # looks like a mistake.
        size = min(
            self.typesetter.fit(label, style, width=label_width, height=tile).size
            for _, label in features
        )
        style = Style(style.weight, size, size, style.leading)
        for index, (code, label) in enumerate(features):
            row, column = divmod(index, columns)
            y = top + row * row_height
            start = f.margin + column * cell
            pictograms.draw(pdf, code, f.left(start, tile), y, tile, PANEL, WHITE)
            block = self.typesetter.fit(label, style, width=label_width, height=tile)
            self.write(block, start + tile + gap, y + (tile - block.height) / 2, label_width, INK)
        return top

    # --- text ------------------------------------------------------------------------------

    def label(
        self, text: str, start: float, y: float, width: float, *, above: bool = False
    ) -> float:
        """A small spaced-out heading ("WHEN") at ``y`` (or ending at ``y`` when ``above``);
        returns the y after it (or its top)."""
        f, pdf = self.frame, self.pdf
        text = printable(text)
        if not f.rtl:
            text = text.upper()
        style = self.styles["label"]
        block = self.typesetter.fit(text, style, width=width, height=room(style, 2))
        top = y - block.height - 1.2 * f.k if above else y
        with pdf.local_context():
            if not f.rtl:  # spacing letters apart would break Arabic joining
                pdf.set_char_spacing(0.35 * f.k)
            self.write(block, start, top, width, PANEL)
        return top if above else top + block.height + 1.2 * f.k

    def write(
        self,
        block: Block,
        start: float,
        y: float,
        width: float,
        colour: DeviceRGB,
        *,
        align: str | None = None,
    ) -> float:
        """``block`` at ``start`` from the start edge and ``y``; returns the y below it."""
        if not block.text:
            return y
        pdf = self.pdf
        use(pdf, block.style.weight, block.size)
        pdf.set_text_color(colour)
        pdf.set_xy(self.frame.left(start, width), y)
        pdf.multi_cell(
            width,
            block.line_height,
            block.text,
            align=align or self.frame.align,
            new_x="LEFT",
            new_y="NEXT",
        )
        return y + block.height
