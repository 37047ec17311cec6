"""The fixed lists an event is described with. Codes are stored; labels are translated when
shown. Language names come from Babel's locale data, in the reader's language."""

from __future__ import annotations

from babel import Locale

from webapp.i18n import _, current_locale

AUDIENCES: tuple[str, ...] = (
    "children",
    "youth",
    "adults",
    "seniors",
    "families",
    "newcomers",
    "language_learners",
    "people_with_disabilities",
    "job_seekers",
    "students",
)

# Languages events are commonly held in at Nordic libraries (ISO 639-1; Sámi as "se").
LANGUAGES: tuple[str, ...] = (
    "sv", "da", "nb", "nn", "fi", "se", "en", "ar", "fa", "so", "ti", "ku", "tr",
    "bs", "pl", "uk", "ru", "es", "fr", "de",
)  # fmt: skip

PARTNER_ROLES: tuple[str, ...] = ("lead", "co_host", "supporter")
INVITABLE_ROLES: tuple[str, ...] = ("co_host", "supporter")
CONTRIBUTIONS: tuple[str, ...] = ("people", "materials", "outreach")
AGREEMENT: tuple[str, ...] = ("resources", "invitations", "success")


def audience_labels() -> dict[str, str]:
    labels = {
        "children": _("Children"),
        "youth": _("Young people"),
        "adults": _("Adults"),
        "seniors": _("Seniors"),
        "families": _("Families"),
        "newcomers": _("Newcomers"),
        "language_learners": _("People learning the language"),
        "people_with_disabilities": _("People with disabilities"),
        "job_seekers": _("Job seekers"),
        "students": _("Students"),
    }
    return {code: labels[code] for code in AUDIENCES}


def language_labels() -> dict[str, str]:
    """Code → the language's name in the reader's language (Babel's CLDR data)."""
    names = Locale.parse(current_locale()).languages
    return {code: (names.get(code) or code).capitalize() for code in LANGUAGES}


def role_labels() -> dict[str, str]:
    return {"lead": _("Lead"), "co_host": _("Co-host"), "supporter": _("Supporter")}


def contribution_labels() -> dict[str, str]:
    return {"people": _("People"), "materials": _("Materials"), "outreach": _("Outreach")}


def state_labels() -> dict[str, str]:
    return {
        "draft": _("Draft"),
        "submitted": _("Waiting for review"),
        "changes_requested": _("Changes requested"),
        "approved": _("Approved"),
        "published": _("Published"),
        "completed": _("Completed"),
        "evaluated": _("Evaluated"),
        "withdrawn": _("Withdrawn"),
        "declined": _("Declined"),
        "cancelled": _("Cancelled"),
    }


def action_labels() -> dict[str, str]:
    return {
        "submit": _("Submit for review"),
        "request_changes": _("Request changes"),
        "resubmit": _("Resubmit"),
        "approve": _("Approve"),
        "decline": _("Decline"),
        "counter_propose": _("Propose another time"),
        "accept_counter": _("Accept the library's proposal"),
        "decline_counter": _("Decline the library's proposal"),
        "withdraw": _("Withdraw"),
        "publish": _("Publish"),
        "cancel": _("Cancel the event"),
        "complete": _("Mark as held"),
        "back_to_review": _("Sent back to review"),
        "evaluate": _("Evaluated by all partners"),
    }


def history_labels() -> dict[str, str]:
    """What happened, as the event's history tells it."""
    return {
        "submit": _("Submitted for review"),
        "request_changes": _("Changes requested"),
        "resubmit": _("Submitted again"),
        "approve": _("Approved and booked"),
        "decline": _("Declined"),
        "counter_propose": _("The library proposed another time"),
        "accept_counter": _("The library's proposal was accepted"),
        "decline_counter": _("The library's proposal was declined"),
        "withdraw": _("Withdrawn"),
        "publish": _("Published"),
        "cancel": _("Cancelled"),
        "complete": _("Held: the event took place"),
        "back_to_review": _("Sent back to review after a change of time or room"),
        "evaluate": _("Evaluated by all partners"),
    }


def field_labels() -> dict[str, str]:
    """The event's fields as the revision history names them."""
    return {
        "title": _("Title"),
        "summary": _("Summary"),
        "description": _("Description"),
        "shared_goal": _("Shared goal"),
        "languages": _("Languages"),
        "audiences": _("Audiences"),
        "expected_attendance": _("Expected attendance"),
        "room_needs": _("Room needs"),
        "equipment": _("Equipment"),
        "accessibility_notes": _("Accessibility"),
        "wished_times": _("Wished times"),
        "location_id": _("Location"),
        "room_id": _("Room"),
        "starts_at": _("Starts"),
        "ends_at": _("Ends"),
        "repeat_weeks": _("Repeats every … weeks"),
        "repeat_until": _("Repeats until"),
        "repeat_count": _("Number of dates"),
        "agreement": _("Agreement"),
        "checklist": _("The library's questions"),
        "capacity": _("Capacity"),
        "slot_id": _("An open program slot"),
        "dates": _("Dates"),
        # The invitation plan (webapp/invitations): who is reached, how, and the share links.
        "invitation_audience": _("Audience to reach"),
        "volunteer_task": _("Volunteer task"),
        "invitation_channel": _("Invitation channel"),
        "invitation_link": _("Share link"),
    }


def field_label(name: str, labels: dict[str, str]) -> str:
    """A field's label; a single date of a series (``date:<id>``) is "One date"."""
    if name.startswith("date:"):
        return _("One date")
    return labels.get(name, name)
