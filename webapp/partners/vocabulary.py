"""The fixed lists the partner directory describes a relationship with: its level (from loose
contact to a formal agreement, as Danish libraries map their actors) and the target groups
an association reaches. Codes are stored; labels are translated when shown.

A code that is no longer listed (an older partnership) is shown as the code itself.
"""

from __future__ import annotations

from webapp.events.vocabulary import AUDIENCES, audience_labels
from webapp.events.vocabulary import state_labels as event_state_labels
from webapp.i18n import _

# From loosest to closest; the database's check constraint lists the same codes.
LEVELS: tuple[str, ...] = ("occasional", "recurring", "partnership", "agreement")

# The groups an association reaches are the audiences events are made for.
TARGET_GROUPS: tuple[str, ...] = AUDIENCES

# The event states in which an event counts as done (or agreed) together.
TOGETHER_STATES: tuple[str, ...] = ("approved", "published", "completed", "evaluated")


def level_labels() -> dict[str, str]:
    """Code → label in the current language, in the order of ``LEVELS``."""
    labels = {
        "occasional": _("Occasional contact"),
        "recurring": _("Recurring collaboration"),
        "partnership": _("Partnership"),
        "agreement": _("Formal agreement"),
    }
    return {code: labels[code] for code in LEVELS}


def level_hints() -> dict[str, str]:
    """What each level means, for the form."""
    return {
        "occasional": _("You have worked together once or now and then."),
        "recurring": _("You work together regularly."),
        "partnership": _("You plan together and share goals over time."),
        "agreement": _("You have a written agreement."),
    }


target_group_labels = audience_labels


def state_labels() -> dict[str, str]:
    """The states an event together can be in, as the partner page shows them."""
    every = event_state_labels()
    return {state: every[state] for state in TOGETHER_STATES}


def answer_labels() -> dict[str, str]:
    """The answers to "continue together?" in an evaluation."""
    return {"yes": _("Yes"), "no": _("No"), "maybe": _("Maybe")}
