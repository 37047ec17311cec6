"""Posters and flyers: each size renders, its QR code scans back to the link, Nordic, Sámi and
Arabic letters print as written (Arabic shaped and set right to left), dates read as people
write them, and no input is too long to print.

Posters are checked the way a person would check them: the PDF page is rendered to pixels
(pdfium, Chrome's PDF engine) and the QR code is read from the picture by a barcode reader.
"""

from __future__ import annotations

import ctypes
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from fontTools import ttLib
from fpdf import FPDF

from invites.posters import SIZES, Feature, Labels, PosterContent, render
from invites.posters.dates import when_lines
from invites.posters.fitting import ELLIPSIS, Typesetter
from invites.posters.fonts import Weight, font_files, printable, register, release
from invites.posters.layout import styles
from invites.posters.qr import display_link

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STARTS = datetime(2026, 12, 3, 18, 0, tzinfo=STOCKHOLM)
ENDS = datetime(2026, 12, 3, 20, 30, tzinfo=STOCKHOLM)
DPI = 100
MM_PER_PT = 25.4 / 72
SHEET_POINTS = {"A4": (595, 842), "A3": (842, 1191), "A5-flyer": (842, 595)}

SWEDISH = PosterContent(
    title="Språkcafé för Æble og Øl",
    starts=STARTS,
    ends=ENDS,
    tz=STOCKHOLM,
    language="sv",
    place="Stadsbiblioteket Malmö, Hörsalen",
    text="Öva svenska över en kopp kaffe. Alla nivåer är välkomna – ingen anmälan behövs.",
    link="https://samspel.example/l/AbC123",
    labels=Labels("När", "Plats", "Tillsammans med", "Tillgänglighet", "Skanna för mer info"),
    partners=("Stadsbiblioteket Malmö", "Röda Korset Malmö"),
    accessibility=(
        Feature("step_free", "Entré utan trappsteg"),
        Feature("lift", "Hiss"),
        Feature("hearing_loop", "Hörslinga"),
        Feature("sign_language", "Teckenspråkstolk"),  # no pictogram of its own
    ),
    note="Fri entré",
)
SAMI = PosterContent(
    title="Sámi giella – Čákčamánnu",
    starts=STARTS,
    ends=ENDS,
    tz=STOCKHOLM,
    language="se",
    place="Giron girjerádju, Ŋuorraš-Đaŧŧa",
    text="Boađe oahpahallat davvisámegiela. Mii lávlut, muitalit ja juhkat káfe.",
    link="https://samspel.example/l/SeGi11",
    labels=Labels("Goas", "Báiki", "Ovttasbargguin", "Olámuddu", "Skánne eambbo dieđuid várás"),
    partners=("Sámediggi", "Sámiid Searvi"),
    accessibility=(Feature("hearing_loop", "Gullansilla"),),
)
ARABIC = PosterContent(
    title="مقهى اللغة السويدية",
    starts=STARTS,
    ends=ENDS,
    tz=STOCKHOLM,
    language="ar",
    place="مكتبة المدينة في مالمو",
    text="تعال وتدرّب على اللغة السويدية مع متطوعين من الصليب الأحمر.",
    link="https://samspel.example/l/Ar4b1c",
    labels=Labels(
        "متى", "المكان", "بالتعاون مع", "إمكانية الوصول", "امسح الرمز لمزيد من المعلومات"
    ),
    partners=("Stadsbiblioteket Malmö", "الجمعية السورية في مالمو"),
    accessibility=(Feature("lift", "مصعد"),),
    note="الدخول مجاني",
)
POSTERS = {"sv": SWEDISH, "se": SAMI, "ar": ARABIC}


@cache
def rendered(name: str, size: str) -> bytes:
    return render(POSTERS[name], size)


def page_of(pdf: bytes) -> pdfium.PdfPage:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    return document[0]


@cache
def picture(pdf: bytes):
    """The page as a picture at ``DPI`` (kept: a picture is asked for more than once)."""
    return page_of(pdf).render(scale=DPI / 72).to_pil()


def decoded(pdf: bytes) -> list[zxingcpp.Result]:
    return [r for r in zxingcpp.read_barcodes(picture(pdf)) if r.format == zxingcpp.QRCode]


def page_text(pdf: bytes) -> str:
    """The page's text with line breaks as spaces (wrapping is the layout's business)."""
    return " ".join(page_of(pdf).get_textpage().get_text_range().split())


def embedded_fonts(pdf: bytes) -> dict[str, ttLib.TTFont]:
    """The font programs embedded in the page, by base font name (subset prefix removed)."""
    fonts = {}
    page = page_of(pdf)
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        length = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(length)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, length)
        size = ctypes.c_size_t()
        pdfium_c.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size))
        data = (ctypes.c_uint8 * size.value)()
        pdfium_c.FPDFFont_GetFontData(font, data, size.value, ctypes.byref(size))
        fonts[name.value.decode().split("+")[-1]] = ttLib.TTFont(io.BytesIO(bytes(data)))
    return fonts


def char_boxes(pdf: bytes, needle: str) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) in points of each character of the first ``needle``."""
    textpage = page_of(pdf).get_textpage()
    found = textpage.search(needle).get_next()
    assert found, f"{needle!r} not on the page"
    index, count = found
    return [textpage.get_charbox(i) for i in range(index, index + count)]


# --- sizes and the QR code ------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_each_size_is_one_page_of_its_paper(size):
    width, height = page_of(rendered("sv", size)).get_size()
    assert (round(width), round(height)) == SHEET_POINTS[size]


@pytest.mark.parametrize(("name", "size"), [("sv", "A4"), ("sv", "A3"), ("ar", "A4"), ("se", "A4")])
def test_the_qr_code_scans_to_exactly_the_link(name, size):
    results = decoded(rendered(name, size))
    assert [r.text for r in results] == [POSTERS[name].link]


def test_the_qr_code_is_over_four_centimetres_on_a4():
    (result,) = decoded(rendered("sv", "A4"))
    position = result.position
    width_px = position.top_right.x - position.top_left.x
    assert width_px * 25.4 / DPI >= 40


@pytest.mark.parametrize("name", ["sv", "ar"])
def test_a_flyer_sheet_holds_two_flyers_whose_codes_both_scan(name):
    results = decoded(rendered(name, "A5-flyer"))
    assert [r.text for r in results] == [POSTERS[name].link] * 2
    # One code on each half of the landscape sheet.
    half = picture(rendered(name, "A5-flyer")).width / 2
    assert sorted(r.position.top_left.x < half for r in results) == [False, True]


def test_the_flyers_on_a_sheet_are_identical():
    image = picture(rendered("sv", "A5-flyer"))
    half = image.width // 2
    left, right = (
        image.crop((0, 0, half - 2, image.height)),
        image.crop((half, 0, 2 * half - 2, image.height)),
    )
    # The halves differ at most by anti-aliasing at the seam and sub-pixel placement.
    assert left.convert("L").histogram() == pytest.approx(
        right.convert("L").histogram(), abs=image.height * 3
    )


def test_the_link_is_printed_under_the_code_without_its_scheme():
    assert "samspel.example/l/AbC123" in page_text(rendered("sv", "A4"))
    assert display_link("https://samspel.example/l/AbC123") == "samspel.example/l/AbC123"
    assert display_link("http://x.example/") == "x.example"
    assert display_link("https://x.example/l/a?utm=poster") == "x.example/l/a?utm=poster"
    assert display_link("mailto:info@x.example") == "mailto:info@x.example"


# --- letters --------------------------------------------------------------------------------


def test_nordic_letters_print_as_written():
    text = page_text(rendered("sv", "A4"))
    for expected in ("Språkcafé för Æble og Øl", "Hörsalen", "Röda Korset Malmö", "Hiss"):
        assert expected in text


def test_sami_letters_print_as_written():
    text = page_text(rendered("se", "A4"))
    for expected in ("Sámi giella – Čákčamánnu", "Ŋuorraš-Đaŧŧa", "Boađe", "dieđuid"):
        assert expected in text


def test_all_sami_and_nordic_letters_have_glyphs():
    letters = "ÁáČčĐđŊŋŠšŦŧŽžÅåÄäÖöÆæØøÏïÂâÕõƷʒǮǯǤǥǦǧǨǩ"
    assert printable(letters) == letters


def test_fonts_come_from_font_packages_not_the_system():
    for path in font_files().values():
        assert "site-packages" in path.parts or "dist-packages" in path.parts
        assert path.parent.parent.name.startswith("fontpkg_")
        assert path.suffix == ".ttf"
    # A poster without Arabic embeds no Arabic font.
    assert set(embedded_fonts(rendered("sv", "A4"))) == {
        "FiraSans",
        "FiraSansSemiBold",
        "FiraSansExtraBold",
    }


def test_arabic_is_shaped_into_joined_letter_forms():
    fonts = embedded_fonts(rendered("ar", "A4"))
    arabic = [font for name, font in fonts.items() if name.startswith("IBMPlexSansArabic")]
    assert arabic
    # HarfBuzz picks initial, medial and final forms; the subset's character map shows them
    # as Arabic Presentation Forms. Unshaped text would use only the base letters U+06xx.
    shaped = {c for font in arabic for c in font.getBestCmap() if 0xFB50 <= c <= 0xFEFF}
    assert len(shaped) > 20


def test_arabic_words_can_be_found_in_the_pdf():
    text = page_text(rendered("ar", "A4"))
    # (Words with ligatures, such as "في", come out of pdfium's text extraction reordered.)
    for word in ("مقهى", "اللغة", "السويدية", "مكتبة", "المدينة", "2026"):
        assert word in text
    assert "Stadsbiblioteket" in text and "Malmö" in text


def test_arabic_is_set_right_to_left_and_latin_left_to_right():
    width_mm = SHEET_POINTS["A4"][0] * MM_PER_PT
    # The title ends at the right margin (16 mm) and leaves the left side free.
    boxes = char_boxes(rendered("ar", "A4"), "مقهى")
    right = max(box[2] for box in boxes) * MM_PER_PT
    assert width_mm - 16 - 2 < right <= width_mm - 16 + 0.5
    # Swedish starts at the left margin.
    boxes = char_boxes(rendered("sv", "A4"), "Språkcafé")
    left = min(box[0] for box in boxes) * MM_PER_PT
    assert 16 - 0.5 <= left < 16 + 2


def test_arabic_puts_the_qr_code_on_the_left():
    ((swedish,), (arabic,)) = decoded(rendered("sv", "A4")), decoded(rendered("ar", "A4"))
    middle = picture(rendered("sv", "A4")).width / 2
    assert swedish.position.top_left.x > middle > arabic.position.top_right.x


def test_characters_no_font_has_are_left_out_not_printed_as_boxes():
    assert printable("Sagostund 📚 för barn") == "Sagostund för barn"
    assert printable("  many \n\t spaces  ") == "many spaces"
    assert printable("two\nlines") == "two lines"
    assert printable("3\u00a0december") == "3\u00a0december"
    # Decomposed letters (as some keyboards send them) are composed first.
    assert printable("Sa\u0301mi") == "Sámi"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "time"),
    [
        ("sv", "Torsdag 3 december 2026", "18:00–20:30"),
        ("en", "Thursday, 3 December 2026", "18:00–20:30"),
        ("da", "Torsdag den 3. december 2026", "18.00–20.30"),
        ("nb", "Torsdag 3. desember 2026", "18:00–20:30"),
        ("fi", "Torstai 3. joulukuuta 2026", "18.00–20.30"),
        ("ar", "الخميس، 3 ديسمبر 2026", "18:00–20:30"),
        ("se", "2026 juovlamánnu 3, duorasdat", "18:00–20:30"),
        ("smj", "3.12.2026", "18:00–20:30"),  # CLDR has no Lule Sámi month names yet
        ("xx", "3.12.2026", "18:00–20:30"),  # unknown to Babel: digits, no error
    ],
)
def test_date_and_time_are_written_as_in_the_language(language, day, time):
    assert when_lines(STARTS, ENDS, language, STOCKHOLM) == (day, time)


def test_the_long_date_is_inside_the_poster_date():
    assert "3 december 2026" in when_lines(STARTS, None, "sv", STOCKHOLM)[0]
    assert "3 December 2026" in when_lines(STARTS, None, "en", STOCKHOLM)[0]


def test_times_are_shown_in_the_events_time_zone():
    utc = STARTS.astimezone(UTC)  # 17:00 UTC
    assert when_lines(utc, None, "sv", STOCKHOLM) == ("Torsdag 3 december 2026", "18:00")
    helsinki = ZoneInfo("Europe/Helsinki")
    assert when_lines(utc, None, "fi", helsinki)[1] == "19.00"


def test_an_event_over_several_days_gets_a_date_range():
    ends = STARTS + timedelta(days=2, hours=-2)
    assert when_lines(STARTS, ends, "sv", STOCKHOLM) == ("3–5 dec. 2026", "18:00–16:00")


def test_the_printed_poster_carries_the_date():
    assert "Torsdag 3 december 2026 18:00–20:30" in page_text(rendered("sv", "A4"))
    assert "2026 juovlamánnu 3, duorasdat" in page_text(rendered("se", "A4"))


# --- fitting --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def typesetter():
    pdf = FPDF(unit="mm")
    pdf.c_margin = 0
    register(pdf, "ع")
    pdf.set_text_shaping(True, direction="ltr")
    pdf.add_page()
    yield Typesetter(pdf)
    release(pdf)


def test_a_short_title_keeps_the_largest_size(typesetter):
    title = styles(rtl=False)["title"]
    block = typesetter.fit("Sagostund", title, width=178, height=65)
    assert (block.size, block.lines) == (title.largest, 1)


def test_a_long_title_wraps_and_shrinks_to_fit(typesetter):
    title = styles(rtl=False)["title"]
    text = "Stora läsfesten för hela familjen med sagoläsning, pyssel och musik"
    block = typesetter.fit(text, title, width=178, height=65)
    assert title.smallest <= block.size < title.largest
    assert block.lines > 1 and block.height <= 65
    assert block.text == text


def test_a_title_too_long_for_the_smallest_size_is_cut_at_a_word_with_an_ellipsis(typesetter):
    title = styles(rtl=False)["title"]
    text = " ".join(["Bokcirkel"] * 80)
    block = typesetter.fit(text, title, width=178, height=65)
    assert block.size == title.smallest
    assert block.height <= 65
    assert block.text.endswith("Bokcirkel" + ELLIPSIS)
    assert text.startswith(block.text[:-1])


def test_a_word_longer_than_the_line_is_cut_between_letters(typesetter):
    title = styles(rtl=False)["title"]
    block = typesetter.fit("x" * 400, title, width=60, height=12)
    assert block.text.endswith(ELLIPSIS) and block.lines == 1


def test_a_box_too_small_for_one_line_prints_nothing(typesetter):
    block = typesetter.fit("Sagostund", styles(rtl=False)["title"], width=178, height=2)
    assert (block.text, block.lines, block.height) == ("", 0, 0)


def test_a_date_prefers_one_smaller_line_to_two(typesetter):
    date = styles(rtl=False)["date"]
    block = typesetter.fit_on_one_line("Torsdag den 3. december 2026", date, width=80)
    assert block.lines == 1 and block.size < date.largest
    block = typesetter.fit_on_one_line("Torsdag den 3. december 2026", date, width=40)
    assert block.lines == 2 and not block.text.endswith(ELLIPSIS)


@pytest.mark.parametrize("size", ["A4", "A5-flyer"])  # A3 is A4's layout, scaled
def test_no_input_is_too_long_to_print(size):
    poster = replace(
        SWEDISH,
        title="Läsfest 📚 " * 500,
        place="Stadsbiblioteket " * 200,
        text="x" * 5000,
        note="Fri entré för alla " * 50,
        partners=tuple(f"Förening {n}" for n in range(200)),
        accessibility=tuple(Feature(f"code{n}", "Lång etikett " * 20) for n in range(20)),
        labels=Labels(*(["Rubrik " * 40] * 5)),
    )
    pdf = render(poster, size)
    assert [r.text for r in decoded(pdf)] == [SWEDISH.link] * (2 if size == "A5-flyer" else 1)
    text = page_text(pdf)
    assert "Läsfest Läsfest" in text and f"Läsfest{ELLIPSIS}" in text


def test_optional_parts_may_be_left_out():
    bare = PosterContent(
        title="Sagostund",
        starts=STARTS,
        tz=STOCKHOLM,
        language="sv",
        place="",
        link="https://samspel.example/l/x",
        labels=SWEDISH.labels,
    )
    pdf = render(bare, "A4")
    assert page_text(pdf).startswith("Sagostund")
    assert [r.text for r in decoded(pdf)] == ["https://samspel.example/l/x"]


# --- accessibility --------------------------------------------------------------------------


def test_every_pictogram_has_its_label_beside_it():
    text = page_text(rendered("sv", "A4"))
    assert "TILLGÄNGLIGHET" in text
    for feature in SWEDISH.accessibility:
        assert feature.label in text


# --- the document ---------------------------------------------------------------------------


def test_the_same_poster_renders_to_the_same_bytes():
    assert render(ARABIC, "A4") == rendered("ar", "A4")


def test_the_creation_date_is_the_callers():
    created = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    pdf = render(SWEDISH, "A4", created=created)
    assert pdf != rendered("sv", "A4")
    assert b"D:20261120093000Z" in pdf


def test_the_pdf_knows_its_language_and_title():
    document = pdfium.PdfDocument(rendered("ar", "A4"))
    assert document.get_metadata_dict()["Title"] == ARABIC.title
    assert b"/Lang (ar)" in rendered("ar", "A4")


def test_bad_calls_are_refused():
    with pytest.raises(ValueError, match="unknown poster size"):
        render(SWEDISH, "A2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        replace(SWEDISH, starts=datetime(2026, 12, 3, 18, 0))
    with pytest.raises(ValueError, match="before"):
        replace(SWEDISH, ends=STARTS - timedelta(hours=1))
    with pytest.raises(ValueError, match="link"):
        replace(SWEDISH, link=" ")


def test_right_to_left_is_known_from_the_language():
    assert ARABIC.rtl and not SWEDISH.rtl and not SAMI.rtl
    assert replace(SWEDISH, language="ar_SY").rtl
    assert replace(SWEDISH, language="fa").rtl


def test_weights_map_to_static_font_files():
    files = font_files()
    assert files[f"latin{Weight.HEAVY}"].name == "FiraSans-ExtraBold.ttf"
    assert files[f"arabic{Weight.HEAVY}"].name == "IBMPlexSansArabic-Bold.ttf"


def save_examples(folder: Path = Path("/tmp/posters/tests")) -> None:
    """Write every example poster as PNG, to look at (python -m tests.unit.test_posters)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in POSTERS:
        for size in SIZES:
            picture(rendered(name, size)).save(folder / f"{name}-{size}.png")


if __name__ == "__main__":
    save_examples()
