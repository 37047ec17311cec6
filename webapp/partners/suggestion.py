"""What the evaluations say about a relationship's level: a pure function, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Events together before an occasional contact is suggested to be a recurring one.
RECURRING_AFTER_EVENTS = 3
# "No" answers in a row, most recent last, before a review of the relationship is suggested.
REVIEW_AFTER_NOS = 2


@dataclass(frozen=True)
class Suggestion:
    """``kind`` is ``"level"`` (``level`` is the level to accept with one click) or
    ``"review"`` (talk about how to go on; there is no level to accept)."""

    kind: str
    level: str | None = None


def suggest(
    *, level: str, events_together: int, answers: Sequence[Sequence[str]]
) -> Suggestion | None:
    """Suggest a change of a partnership's level from its events and evaluations, or None.

    ``level`` is the current level; ``events_together`` counts the library's events the
    association took part in as an active partner (approved, published, completed or
    evaluated); ``answers`` holds, per event together and oldest first, the answers that
    the library and the association gave to "continue together?" when they evaluated it
    (``yes``, ``no`` or ``maybe``; an event nobody has evaluated has none).

    The rule, first match wins:

    1. The last ``REVIEW_AFTER_NOS`` (2) answers given, counted across events in order,
       are all ``no`` → suggest reviewing the relationship, whatever its level.
    2. The level is still ``occasional``, there are at least ``RECURRING_AFTER_EVENTS`` (3)
       events together, and the latest evaluated event's answers are all ``yes`` → suggest
       ``recurring``.
    3. Otherwise nothing is suggested. A level above ``recurring`` is never suggested: a
       partnership or a formal agreement is something people decide, not a count.
    """
    given = [answer for event in answers for answer in event]
    latest = next((list(event) for event in reversed(answers) if event), [])
    if len(given) >= REVIEW_AFTER_NOS and all(a == "no" for a in given[-REVIEW_AFTER_NOS:]):
        return Suggestion("review")
    if (
        level == "occasional"
        and events_together >= RECURRING_AFTER_EVENTS
        and latest
        and all(a == "yes" for a in latest)
    ):
        return Suggestion("level", "recurring")
    return None
