"""Posters as PDF bytes: A4 and A3 posters, and A5 flyers printed two to an A4 sheet.

The output depends on the input alone, byte for byte: the creation date is the caller's
``created`` (the event's last change, say) or else a fixed date, the producer is fpdf2 with
its version, and the document ID is a hash of the content. A web response can therefore use
a hash of the bytes as its ETag, and a test can compare two renders.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF

from invites.posters import fonts
from invites.posters.content import SIZES, PosterContent, Size
from invites.posters.dates import when_lines
from invites.posters.fitting import Typesetter
from invites.posters.layout import Frame, Poster

# Portrait sheet sizes in millimetres.
SHEETS: dict[Size, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "A5-flyer": (210.0, 297.0),  # printed landscape, two A5 flyers side by side
}
UNKNOWN_DATE = datetime(2000, 1, 1, tzinfo=UTC)
CUT_LINE = (0.72, 0.74, 0.78)


def render(content: PosterContent, size: Size = "A4", *, created: datetime | None = None) -> bytes:
    """The PDF of ``content`` as a poster of ``size``: one page; for "A5-flyer" a landscape
    A4 sheet with two identical A5 flyers and a light dashed line to cut along."""
    if size not in SIZES:
        raise ValueError(f"unknown poster size {size!r}; choose one of {', '.join(SIZES)}")
    pdf = _document(content, size, created or UNKNOWN_DATE)
    try:
        typesetter = Typesetter(pdf)
        if size == "A5-flyer":
            pdf.add_page(orientation="L")
            half = pdf.w / 2
            for left in (0.0, half):
                frame = Frame(left, 0, half, pdf.h, content.rtl)
                Poster(pdf, content, frame, typesetter).draw()
            _cut_line(pdf, half)
        else:
            pdf.add_page()
            Poster(pdf, content, Frame(0, 0, pdf.w, pdf.h, content.rtl), typesetter).draw()
        return bytes(pdf.output())
    finally:
        fonts.release(pdf)


def _document(content: PosterContent, size: Size, created: datetime) -> FPDF:
    pdf = FPDF(unit="mm", format=SHEETS[size])
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.set_creation_date(created)
    pdf.set_creator("Samspel")
    pdf.set_title(fonts.printable(content.title))
    pdf.set_lang(content.language.replace("_", "-"))
    fonts.register(pdf, _everything(content))
    pdf.set_text_shaping(True, direction="rtl" if content.rtl else "ltr")
    return pdf


def _cut_line(pdf: FPDF, x: float) -> None:
    with pdf.local_context():
        pdf.set_draw_color(*(round(part * 255) for part in CUT_LINE))
        pdf.set_line_width(0.25)
        pdf.set_dash_pattern(dash=3, gap=2)
        pdf.line(x, 0, x, pdf.h)


def _everything(content: PosterContent) -> str:
    """All the text the poster may print, to choose its fonts by."""
    labels = content.labels
    day, time = when_lines(content.starts, content.ends, content.language, content.tz)
    return " ".join(
        (
            day,
            time,
            content.title,
            content.place,
            content.text,
            content.note,
            labels.when,
            labels.where,
            labels.partners,
            labels.accessibility,
            labels.scan,
            *content.partners,
            *(feature.label for feature in content.accessibility),
        )
    )
