"""What a poster says, as the caller hands it over: every word already in the poster's language.

invites/ has no translations of its own (the web app's gettext stays in webapp/), so the few
fixed words a poster prints, "When", "Where" and so on, come in ``Labels``, and each
accessibility feature comes with its label. Only dates and times are formatted here, by Babel,
because they follow from the language and need no translator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Size = Literal["A4", "A3", "A5-flyer"]
SIZES: tuple[Size, ...] = get_args(Size)

# Languages written right to left that a Nordic library is likely to print posters in.
RTL_LANGUAGES = frozenset({"ar", "fa", "ckb", "ps", "ur", "he", "yi"})


@dataclass(frozen=True)
class Labels:
    """The poster's fixed words in its language, e.g. for Swedish: "När", "Plats",
    "Tillsammans med", "Tillgänglighet", "Skanna för mer information och anmälan"."""

    when: str
    where: str
    partners: str
    accessibility: str
    scan: str


@dataclass(frozen=True)
class Feature:
    """One accessibility feature: ``code`` picks the pictogram (the codes of
    ``webapp.locations.vocabulary.ACCESSIBILITY``, unknown ones get a generic sign) and
    ``label`` is printed beside it, because a pictogram must never carry meaning alone."""

    code: str
    label: str


@dataclass(frozen=True)
class PosterContent:
    """Everything one poster prints. ``starts`` (and ``ends``) are aware datetimes, shown in
    ``tz``; ``language`` is a Babel locale name ("sv", "da", "nb", "en", "ar", "se", ...) that
    picks the date format and the writing direction; ``link`` is the tracked share link the QR
    code opens. ``note`` is an optional short highlight such as "Fri entré"."""

    title: str
    starts: datetime
    tz: ZoneInfo
    language: str
    place: str
    link: str
    labels: Labels
    text: str = ""
    ends: datetime | None = None
    partners: tuple[str, ...] = ()
    accessibility: tuple[Feature, ...] = ()
    note: str = ""
    # Filled in from ``language``; callers never pass it.
    rtl: bool = field(init=False)

    def __post_init__(self) -> None:
        if self.starts.utcoffset() is None:
            raise ValueError("starts must be an aware datetime")
        if self.ends is not None:
            if self.ends.utcoffset() is None:
                raise ValueError("ends must be an aware datetime")
            if self.ends < self.starts:
                raise ValueError("ends must not be before starts")
        if not self.link.strip():
            raise ValueError("a poster needs a link for its QR code")
        object.__setattr__(self, "rtl", base_language(self.language) in RTL_LANGUAGES)


def base_language(language: str) -> str:
    """ "ar_SY", "ar-SY" and "AR" are all Arabic."""
    return language.replace("-", "_").split("_")[0].lower()
