"""How an SMS is measured: GSM-7 or UCS-2, length as the network counts it, segments."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invites.sms.encoding import (
    GSM7_ALPHABET,
    GSM7_EXTENSION,
    Encoding,
    cost,
    measure,
    split,
    suggest_gsm,
)

PROPERTY = settings(database=None, deadline=None, max_examples=300)
GSM, UCS = Encoding.GSM7, Encoding.UCS2


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def code_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- which encoding -----------------------------------------------------------------------


@pytest.mark.parametrize("letter", list("ÅÄÖÆØÉÜåäöæøéü"))
def test_nordic_letters_are_gsm7(letter):
    m = measure(letter)
    assert (m.encoding, m.characters, m.forcing) == (GSM, 1, ())


@pytest.mark.parametrize(
    "text",
    [
        "Välkommen till sagostund på Stadsbiblioteket! Ta med en vuxen. Fri entré.",
        "Velkommen til højtlæsning på Hovedbiblioteket i Århus. Gratis adgang for børn.",
        "Velkommen til lesestund på Deichman Bjørvika! Påmelding ikke nødvendig.",
        "Émile, Über, Ødegård, Ærø, Åsa, Örjan: 18:00-19:30 @ bibl. (gratis) 50% rabatt!",
        "Line one\nline two\r\nÑoño ¿que? ¡Si! £5 $5 ¥5 §3 ¤ Δ Ω _ # ' \" ß",
    ],
)
def test_nordic_texts_are_gsm7(text):
    m = measure(text)
    assert m.encoding is GSM
    assert m.characters == len(text)
    assert m.forcing == ()


@pytest.mark.parametrize("char", list("^{}\\[~]|€\f"))
def test_extension_characters_cost_two_septets(char):
    m = measure(char)
    assert (m.encoding, m.characters, m.segments) == (GSM, 2, 1)


@pytest.mark.parametrize(
    "char",
    ["č", "đ", "ŋ", "š", "ŧ", "ž", "á", "Č", "Ŋ", "Á", "“", "”", "‘", "’", "–", "—", "…"]
    + ["\u00a0", "\t", "\x1b", "ç", "ω", "😀", "👍🏽"[0]],
)
def test_characters_outside_gsm7_force_ucs2(char):
    m = measure(f"Hej {char} hej")
    assert m.encoding is UCS
    assert m.forcing == (char,)


def test_forcing_lists_each_character_once_in_order_of_appearance():
    text = "Buorre beaivi! Sámegiella: čuoččuhit ŋ á č “quote”"
    assert measure(text).forcing == ("á", "č", "ŋ", "“", "”")


def test_sami_text_is_ucs2_and_counted_in_code_units():
    text = "Buorre beaivi, Máret! Girjerádju lágida sámegielat girjjiid lohkama."
    m = measure(text)
    assert m.encoding is UCS
    assert m.characters == len(text)
    assert m.forcing == ("á",)


def test_emoji_outside_the_basic_plane_count_two():
    m = measure("😀")
    assert (m.encoding, m.characters, m.forcing) == (UCS, 2, ("😀",))
    assert measure("Hej 👋🏽!").characters == 4 + 2 + 2 + 1


def test_empty_text_is_no_segments():
    m = measure("")
    assert (m.encoding, m.characters, m.segments, m.per_segment, m.remaining) == (
        GSM,
        0,
        0,
        160,
        160,
    )
    assert split("") == []


# --- segments at their exact boundaries ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments", "per_segment", "remaining"),
    [
        ("a" * 159, GSM, 159, 1, 160, 1),
        ("a" * 160, GSM, 160, 1, 160, 0),
        ("a" * 161, GSM, 161, 2, 153, 145),
        ("a" * 153 * 2, GSM, 306, 2, 153, 0),
        ("a" * (153 * 2 + 1), GSM, 307, 3, 153, 152),
        ("a" * 153 * 3, GSM, 459, 3, 153, 0),
        ("€" * 80, GSM, 160, 1, 160, 0),
        ("a" * 159 + "€", GSM, 161, 2, 153, 145),
        ("ŋ" * 69, UCS, 69, 1, 70, 1),
        ("ŋ" * 70, UCS, 70, 1, 70, 0),
        ("ŋ" * 71, UCS, 71, 2, 67, 63),
        ("ŋ" * 67 * 2, UCS, 134, 2, 67, 0),
        ("ŋ" * (67 * 2 + 1), UCS, 135, 3, 67, 66),
        ("😀" * 35, UCS, 70, 1, 70, 0),
        # 33 emoji fill 66 units of part one: the 34th would need the 67th and a 68th.
        ("😀" * 35 + "a", UCS, 71, 2, 67, 62),
    ],
)
def test_segment_boundaries(text, encoding, characters, segments, per_segment, remaining):
    m = measure(text)
    assert (m.encoding, m.characters, m.segments, m.per_segment, m.remaining) == (
        encoding,
        characters,
        segments,
        per_segment,
        remaining,
    )
    assert len(split(text)) == segments


def test_an_escape_pair_is_not_split_across_segments():
    # 306 septets would be two full parts if divided; the € cannot start in part one.
    text = "a" * 152 + "€" + "a" * 152
    m = measure(text)
    assert (m.characters, m.segments) == (306, 3)
    assert split(text) == ["a" * 152, "€" + "a" * 151, "a"]


def test_an_escape_pair_that_fits_exactly_ends_the_segment():
    text = "a" * 151 + "€" + "a" * 153
    assert measure(text).segments == 2
    assert split(text) == ["a" * 151 + "€", "a" * 153]


def test_a_surrogate_pair_is_not_split_across_segments():
    text = "ŋ" * 66 + "😀" + "ŋ" * 66
    m = measure(text)
    assert (m.characters, m.segments) == (134, 3)
    assert split(text) == ["ŋ" * 66, "😀" + "ŋ" * 65, "ŋ"]


def test_one_extension_character_over_a_single_segment_needs_two():
    assert measure("a" * 158 + "[").segments == 1
    assert measure("a" * 159 + "[").segments == 2


# --- properties -----------------------------------------------------------------------------

SAMPLE = "aÅøé€[{ ŋčá“—…\u00a0😀\n"
texts = st.one_of(
    st.text(alphabet=st.sampled_from(sorted(GSM7_ALPHABET)), max_size=500),
    st.text(alphabet=st.sampled_from(SAMPLE) | st.characters(codec="utf-8"), max_size=500),
)


@PROPERTY
@given(texts)
def test_length_is_counted_as_the_network_counts(text):
    m = measure(text)
    gsm = all(ch in GSM7_ALPHABET for ch in text)
    assert m.encoding is (GSM if gsm else UCS)
    assert m.characters == (septets(text) if gsm else code_units(text))
    assert set(m.forcing) == set(text) - GSM7_ALPHABET
    assert len(m.forcing) == len(set(m.forcing))


@PROPERTY
@given(texts)
def test_parts_are_full_and_fit(text):
    m = measure(text)
    parts = split(text)
    size = septets if m.encoding is GSM else code_units
    assert "".join(parts) == text
    assert len(parts) == m.segments
    assert all(part and size(part) <= m.per_segment for part in parts)
    # Greedy: each part was ended only because the next character did not fit.
    for part, following in zip(parts, parts[1:], strict=False):
        assert size(part + following[0]) > m.per_segment
    if parts:
        assert m.remaining == m.per_segment - size(parts[-1])


@PROPERTY
@given(texts)
def test_segments_are_never_fewer_than_dividing_gives(text):
    m = measure(text)
    if m.segments > 1:
        assert m.segments >= -(-m.characters // m.per_segment)


# --- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segments", "price", "expected"),
    [(0, "0.0725", "0"), (1, "0.0725", "0.0725"), (3, "0.0725", "0.2175"), (7, "0.45", "3.15")],
)
def test_cost(segments, price, expected):
    assert cost(segments, Decimal(price)) == Decimal(expected)


def test_cost_is_exact():
    assert cost(3, Decimal("0.1")) == Decimal("0.3")


def test_cost_refuses_negative_segments():
    with pytest.raises(ValueError):
        cost(-1, Decimal("0.1"))


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("“Sagostund” – för alla barn…", '"Sagostund" - för alla barn...'),
        ("Bokcirkel 18:00—20:00 i Läsesalen", "Bokcirkel 18:00-20:00 i Läsesalen"),
        ("Det är Åsas ‘favorit’", "Det är Åsas 'favorit'"),
        ("«Lesestund» på Deichman", '"Lesestund" på Deichman'),
        ("Kl.\u00a018:00 i\u202fsalen", "Kl. 18:00 i salen"),
        ("Café\u00adkväll\u200b", "Cafékväll"),
        ("Entre\u0301 fri", "Entré fri"),  # a decomposed é, composed
    ],
)
def test_suggest_gsm_replaces_look_alikes(text, suggestion):
    assert measure(text).encoding is UCS
    assert suggest_gsm(text) == suggestion
    assert measure(suggestion).encoding is GSM


@pytest.mark.parametrize(
    "text",
    [
        "Redan GSM-7: Välkommen till Åsas bokcirkel!",
        "Sámi letters stay: “Buorre beaivi” – čuovvu",
        "Emoji stay 😀 – with a dash",
        "ŋ",
        "",
    ],
)
def test_suggest_gsm_none_when_the_encoding_would_not_change(text):
    assert suggest_gsm(text) is None


def test_suggest_gsm_none_when_gsm7_would_need_more_segments():
    text = "…" * 70  # one UCS-2 segment; 210 septets would be two
    assert measure(text).segments == 1
    assert suggest_gsm(text) is None
    assert suggest_gsm("…" * 50) == "." * 150


@PROPERTY
@given(texts)
def test_suggestions_keep_letters_and_digits(text):
    suggestion = suggest_gsm(text)
    if suggestion is None:
        return
    assert measure(suggestion).encoding is GSM
    assert measure(suggestion).segments <= measure(text).segments

    def kept(s: str) -> str:
        return "".join(ch for ch in s if unicodedata.category(ch)[0] in "LN")

    assert kept(suggestion) == kept(unicodedata.normalize("NFC", text))
