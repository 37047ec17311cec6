"""The fixed lists a room is described with: accessibility features and equipment, and the
countries a location can be in. Codes are stored; labels are translated when shown.

A code that is no longer listed (an older room) is shown as the code itself, never an error.
"""

from __future__ import annotations

from webapp.i18n import _

ACCESSIBILITY: tuple[str, ...] = (
    "step_free",
    "lift",
    "wheelchair_spaces",
    "accessible_toilet",
    "hearing_loop",
    "seating_with_armrests",
    "large_print_signage",
    "quiet_room",
)

EQUIPMENT: tuple[str, ...] = (
    "projector",
    "screen",
    "microphone",
    "speakers",
    "video_conferencing",
    "whiteboard",
    "wifi",
    "kitchen",
    "piano",
)

COUNTRIES: tuple[str, ...] = ("SE", "DK", "NO", "FI", "IS")


def accessibility_labels() -> dict[str, str]:
    """Code → label in the current language, in the order of ``ACCESSIBILITY``."""
    labels = {
        "step_free": _("Step-free access"),
        "lift": _("Lift"),
        "wheelchair_spaces": _("Spaces for wheelchairs"),
        "accessible_toilet": _("Accessible toilet"),
        "hearing_loop": _("Hearing loop"),
        "seating_with_armrests": _("Seating with armrests"),
        "large_print_signage": _("Large-print signage"),
        "quiet_room": _("Quiet room nearby"),
    }
    return {code: labels[code] for code in ACCESSIBILITY}


def equipment_labels() -> dict[str, str]:
    """Code → label in the current language, in the order of ``EQUIPMENT``."""
    labels = {
        "projector": _("Projector"),
        "screen": _("Screen"),
        "microphone": _("Microphone"),
        "speakers": _("Speakers"),
        "video_conferencing": _("Video conferencing"),
        "whiteboard": _("Whiteboard"),
        "wifi": _("Wi-Fi"),
        "kitchen": _("Kitchen"),
        "piano": _("Piano"),
    }
    return {code: labels[code] for code in EQUIPMENT}


def country_labels() -> dict[str, str]:
    labels = {
        "SE": _("Sweden"),
        "DK": _("Denmark"),
        "NO": _("Norway"),
        "FI": _("Finland"),
        "IS": _("Iceland"),
    }
    return {code: labels[code] for code in COUNTRIES}


def labelled(codes: list[str], labels: dict[str, str]) -> list[str]:
    """The labels of ``codes`` in list order; unknown codes as themselves."""
    return [labels.get(code, code) for code in codes]
