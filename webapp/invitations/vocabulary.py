"""Words of the invitation plan: the kinds of channel and how far each has come."""

from __future__ import annotations

from webapp.i18n import _

KINDS = ("poster", "sms", "network", "email")
STATUSES = ("planned", "ready", "done")


def kind_labels() -> dict[str, str]:
    return {
        "poster": _("Poster and flyers"),
        "sms": _("SMS to contacts"),
        "network": _("Shared in a network"),
        "email": _("E-mail"),
    }


def kind_hints() -> dict[str, str]:
    return {
        "poster": _("Printed posters (A4, A3) and flyers with a QR code to the channel's link."),
        "sms": _("An SMS to contacts who agreed to get them, through the contact book."),
        "network": _(
            "A ready text and link that partners and ambassadors share in their own networks."
        ),
        "email": _("A newsletter or an e-mail list the partner sends itself."),
    }


def status_labels() -> dict[str, str]:
    return {"planned": _("Planned"), "ready": _("Ready"), "done": _("Done")}


def line_labels() -> dict[str, str]:
    """The kinds of a results line: the channels, named links and sign-ups without a link."""
    return {
        **kind_labels(),
        "named": _("Share link"),
        "direct": _("Directly on the event page"),
    }
