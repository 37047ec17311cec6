"""What the statements say that depends on the country or is generated: the law and the
enforcement body of the operator's country, the addresses of the statement in each
language, and the default text shown until the operator's admins save their own."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.i18n import _

COMPLIANCE = ("full", "partial", "none")

# The statement's address in each language. ``/accessibility`` follows the reader's language;
# the national addresses open in theirs unless the reader chose a language (see routes.py).
PATHS = {"sv": "/tillganglighet", "da": "/was", "nb": "/tilgjengelighet", "en": "/accessibility"}
PATH_LANGUAGES = {path: language for language, path in PATHS.items()}


@dataclass(frozen=True)
class Authority:
    """Who enforces the accessibility law where the operator is, and where to complain."""

    name: str
    url: str
    law: str


def authority(country: str) -> Authority:
    """The operator's country decides (a Swedish library's statement names DIGG in every
    language). Finland and Iceland are not covered yet: they get the Swedish text's shape with
    the EU directive named instead of a national law."""
    if country == "DK":
        return Authority(
            name=_("the Danish Agency for Digital Government (Digitaliseringsstyrelsen)"),
            url="https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/",
            law=_(
                "the Danish Act on the accessibility of public sector bodies' websites and "
                "mobile applications (webtilgængelighedsloven)"
            ),
        )
    if country == "NO":
        return Authority(
            name=_(
                "the Authority for Universal Design of ICT (Tilsynet for universell utforming "
                "av ikt, part of Digdir)"
            ),
            url="https://www.uutilsynet.no/",
            law=_(
                "the Norwegian regulations on universal design of ICT solutions "
                "(forskrift om universell utforming av IKT-løsninger)"
            ),
        )
    if country == "SE":
        return Authority(
            name=_("the Agency for Digital Government (Myndigheten för digital förvaltning, DIGG)"),
            url="https://www.digg.se/tdosanmalan",
            law=_(
                "the Swedish Act on accessibility to digital public services (lagen om "
                "tillgänglighet till digital offentlig service, 2018:1937)"
            ),
        )
    return Authority(
        name=_("the national body that enforces the EU Web Accessibility Directive"),
        url="https://digital-strategy.ec.europa.eu/en/policies/web-accessibility",
        law=_("the EU Web Accessibility Directive (2016/2102)"),
    )


def compliance_labels() -> dict[str, str]:
    return {
        "full": _("Fully compliant"),
        "partial": _("Partially compliant"),
        "none": _("Not compliant"),
    }


def default_known_problems() -> str:
    return _(
        "- **Posters and flyers (PDF)** are not tagged PDFs: a screen reader cannot tell "
        "their headings and reading order. Everything on a poster is also on the event's page.\n"
        "- **Texts written by organisers** (event descriptions, messages) are published as "
        "their authors wrote them. They may use unclear link texts or difficult language.\n"
        "- **Automated checks do not find every problem.** They cannot judge, for example, "
        "whether a text is easy to understand. No expert has reviewed the service by hand."
    )


def default_tested_how() -> str:
    return _(
        "Samspel, the software behind this service, is checked by its own automated tests "
        "each time it changes. Every page is opened in a real browser as a visitor and as "
        "each kind of user, in Swedish and English, and audited with axe-core against the "
        "WCAG 2.1 level A and AA rules; forms are also audited while they show error "
        "messages. Keyboard use is tested too (the skip link, logging in, visible focus). "
        "Every form works without JavaScript. This is a self-assessment based on those tests."
    )
