"""Posters and flyers of a channel (``invites/posters`` draws them): the event's next date in
the audience's language, the place, the channel's text, the partners, the room's
accessibility and a QR code of the channel's tracked link.

The poster's words (When, Where …) come from the app's catalogs for the languages the app
speaks, and from ``POSTER_WORDS`` for a few more languages audiences often read; any other
audience gets the poster in the language of the library's country, and the plan page says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio.to_thread

from invites.posters import Feature, Labels, PosterContent, Size, render
from webapp import clock
from webapp.auth.permissions import Actor
from webapp.context import Context
from webapp.i18n import _, use_locale
from webapp.invitations import service
from webapp.locations.vocabulary import accessibility_labels
from webapp.problems import Invalid, NotFound
from webapp.program import store as program_store
from webapp.settings import SUPPORTED_LOCALES

SIZES: dict[str, Size] = {"a4": "A4", "a3": "A3", "a5": "A5-flyer"}
COUNTRY_LANGUAGE = {"SE": "sv", "DK": "da", "NO": "nb"}

log = logging.getLogger("samspel.posters")

# Poster words in languages the app's pages are not (yet) in.
POSTER_WORDS: dict[str, dict[str, str]] = {
    "ar": {
        "when": "متى", "where": "المكان", "partners": "بالتعاون مع",
        "accessibility": "إمكانية الوصول", "scan": "امسح الرمز لمزيد من المعلومات والتسجيل",
        "step_free": "مدخل بدون درج", "lift": "مصعد",
        "wheelchair_spaces": "أماكن للكراسي المتحركة",
        "accessible_toilet": "مرحاض مهيأ لذوي الإعاقة", "hearing_loop": "حلقة سمعية",
        "seating_with_armrests": "مقاعد بمساند للذراعين",
        "large_print_signage": "لافتات بخط كبير", "quiet_room": "غرفة هادئة قريبة",
    },
}  # fmt: skip


def poster_language(audience_language: str, country: str | None) -> str:
    if audience_language in SUPPORTED_LOCALES or audience_language in POSTER_WORDS:
        return audience_language
    return COUNTRY_LANGUAGE.get((country or "").upper(), "sv")


def _words(language: str) -> tuple[Labels, dict[str, str]]:
    if language in POSTER_WORDS:
        words = POSTER_WORDS[language]
        labels = Labels(
            when=words["when"], where=words["where"], partners=words["partners"],
            accessibility=words["accessibility"], scan=words["scan"],
        )  # fmt: skip
        return labels, words
    with use_locale(language):
        labels = Labels(
            when=_("When"), where=_("Where"), partners=_("Together with"),
            accessibility=_("Accessibility"), scan=_("Scan for more, and to sign up"),
        )  # fmt: skip
        return labels, accessibility_labels()


class PosterUnavailable(Exception):
    """The system could not make the poster now (not the event's fault): try again later."""


@dataclass(frozen=True)
class Poster:
    filename: str
    pdf: bytes


async def poster(
    ctx: Context, *, actor: Actor, event_id: int, channel_id: int, size: str
) -> Poster:
    if size not in SIZES:
        raise NotFound()
    plan = await service.plan(ctx, actor=actor, event_id=event_id)
    found = next(
        ((a, c) for a in plan.audiences for c in a.channels if c.row.id == channel_id), None
    )
    if found is None or found[1].link is None:
        raise NotFound()
    audience, channel = found
    link = channel.link
    assert link is not None
    event = plan.event
    async with ctx.db.read() as conn:
        dates = await program_store.event_dates(conn, event_id)
    now = clock.now()
    coming = [d for d in dates if d.status == "scheduled" and d.ends_at > now]
    if not coming:
        raise Invalid({"poster": _("The event has no date to come: a poster needs one.")})
    first = coming[0]
    language = poster_language(audience.row.language, first.country)
    labels, words = _words(language)
    tz = event.tz if isinstance(event.tz, ZoneInfo) else ctx.settings.tz
    place = ", ".join(p for p in (first.location_name, first.room_name, first.street) if p)
    content = PosterContent(
        title=event.row.title,
        starts=first.starts_at,
        ends=first.ends_at,
        tz=tz,
        language=language,
        place=place,
        link=service.link_url(ctx, link.code),
        labels=labels,
        text=channel.row.message.strip() or event.row.summary,
        partners=tuple(p.name for p in event.partners if p.status == "active"),
        accessibility=tuple(
            Feature(code=code, label=words.get(code, code)) for code in first.accessibility or ()
        ),
    )
    created = event.row.updated_at if isinstance(event.row.updated_at, datetime) else now
    try:
        pdf = await anyio.to_thread.run_sync(lambda: render(content, SIZES[size], created=created))
    except OSError as error:
        # A poster is drawn in memory; the disk is only read (the font files). What fails
        # here is the system: a font file gone or unreadable, no file handles left.
        log.error("poster %s-%s could not be made: %s", event_id, channel_id, error)
        raise PosterUnavailable() from error
    name = f"poster-{event_id}-{link.code}-{size}.pdf"
    return Poster(filename=name, pdf=pdf)
