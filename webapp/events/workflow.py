"""The workflow of an event as data: one table of (state, action) → (next state, who may).

The pages ask it which buttons to show, the services refuse anything it does not allow, and
the tests walk all of it. ``who`` names the parties of an event:

- ``partner``: a member (any role) of an organisation that co-authors the event;
- ``lead``: a member of the lead organisation;
- ``library``: staff or admin of the library that hosts and reviews the event.

``system`` transitions are made by the application itself (a change of time or room after
approval sends the event back to review; the last evaluation makes it ``evaluated``).
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = (
    "draft",
    "submitted",
    "changes_requested",
    "approved",
    "published",
    "completed",
    "evaluated",
    "withdrawn",
    "declined",
    "cancelled",
)
# States in which an event holds or has a room and partners work on it.
OPEN_STATES = ("draft", "submitted", "changes_requested", "approved", "published")
# States the public may see.
PUBLIC_STATES = ("published", "completed", "evaluated")
# States whose dates take their room.
BOOKED_STATES = ("approved", "published", "completed", "evaluated")
EDITABLE_STATES = ("draft", "submitted", "changes_requested", "approved", "published")


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    who: frozenset[str]
    # What the form must carry: a comment (request changes), a reason (decline, cancel),
    # a room and time (approve).
    needs: str = ""


def _t(action: str, source: str, target: str, who: str, needs: str = "") -> Transition:
    return Transition(action, source, target, frozenset(who.split()), needs)


TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", "draft", "submitted", "partner library"),
    _t("request_changes", "submitted", "changes_requested", "library", needs="comment"),
    _t("resubmit", "changes_requested", "submitted", "partner library"),
    _t("approve", "submitted", "approved", "library", needs="booking"),
    _t("decline", "submitted", "declined", "library", needs="reason"),
    # Staff propose another room or time; the partners accept (approved) or decline it.
    _t("counter_propose", "submitted", "submitted", "library", needs="booking"),
    _t("accept_counter", "submitted", "approved", "partner", needs="counter"),
    _t("decline_counter", "submitted", "submitted", "partner", needs="counter"),
    _t("withdraw", "draft", "withdrawn", "lead"),
    _t("withdraw", "submitted", "withdrawn", "lead"),
    _t("withdraw", "changes_requested", "withdrawn", "lead"),
    _t("publish", "approved", "published", "library lead"),
    _t("cancel", "approved", "cancelled", "library lead", needs="reason"),
    _t("cancel", "published", "cancelled", "library lead", needs="reason"),
    _t("complete", "published", "completed", "library partner"),
    # Made by the application, never by a button.
    _t("back_to_review", "approved", "submitted", "system"),
    _t("back_to_review", "published", "submitted", "system"),
    _t("evaluate", "completed", "evaluated", "system"),
)
ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
_TABLE = {(t.source, t.action): t for t in TRANSITIONS}


def transition(state: str, action: str) -> Transition | None:
    return _TABLE.get((state, action))


def allowed(state: str, action: str, parties: frozenset[str] | set[str]) -> Transition | None:
    """The transition when one of ``parties`` may take ``action`` from ``state``."""
    found = _TABLE.get((state, action))
    if found is None or not (found.who & set(parties)):
        return None
    return found


def available(state: str, parties: frozenset[str] | set[str]) -> list[Transition]:
    """The buttons to show: every action the parties may take from ``state``."""
    return [t for t in TRANSITIONS if t.source == state and t.who & set(parties)]
