"""The library's rules for proposals and bookings, as its admins set them: buffers around
bookings, the minimum lead time, the longest event, how long a room hold lasts, and the
checklist every proposer answers. Stored by ``webapp.slots.rules``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row

from webapp import audit, clock
from webapp.auth.permissions import Actor, can
from webapp.context import Context
from webapp.i18n import _, ngettext
from webapp.problems import Forbidden, Invalid, NotFound
from webapp.slots.rules import Rules, rules_for, save_rules

# Field -> (smallest, largest) value.
LIMITS: dict[str, tuple[int, int]] = {
    "setup_minutes": (0, 240),
    "clearup_minutes": (0, 240),
    "min_lead_days": (0, 365),
    "max_length_minutes": (15, 24 * 60),
    "hold_days": (1, 60),
}
MAX_QUESTIONS = 10
QUESTION_LENGTH = 200


async def library_rules(ctx: Context, *, actor: Actor, library: Row) -> Rules:
    """The library's rules (the defaults until its admins save some)."""
    _require(actor, library)
    async with ctx.db.read() as conn:
        return await rules_for(conn, library.id)


async def update_rules(
    ctx: Context, *, actor: Actor, library: Row, values: Mapping[str, Any]
) -> Rules:
    """Save the rules. ``values``: the ``LIMITS`` fields as ints, and ``checklist`` as a list
    of questions. They apply from now on: holds already made keep their expiry."""
    _require(actor, library)
    rules = clean_rules(values)
    async with ctx.db.transaction() as conn:
        await save_rules(conn, library.id, rules, clock.now())
        await audit.record(
            conn,
            action="rules.updated",
            actor_id=actor.user_id,
            organisation_id=library.id,
            target=f"library:{library.id}",
            **rules.values(),
        )
    return rules


def clean_rules(values: Mapping[str, Any]) -> Rules:
    """Rules from ``values``, or Invalid with a message per field."""
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for key, (smallest, largest) in LIMITS.items():
        value = values.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[key] = _("Enter a whole number, like 40.")
        elif not smallest <= value <= largest:
            errors[key] = _(
                "Enter a number from %(minimum)d to %(maximum)d.", minimum=smallest, maximum=largest
            )
        else:
            numbers[key] = value
    questions = [" ".join(str(q).split()) for q in values.get("checklist") or ()]
    questions = [q for q in questions if q]
    message = checklist_problem(questions)
    if message:
        errors["checklist"] = message
    if errors:
        raise Invalid(errors)
    return Rules(**numbers, checklist=tuple(questions))


def checklist_problem(questions: list[str]) -> str | None:
    """What is wrong with a checklist, or None."""
    if len(questions) > MAX_QUESTIONS:
        return ngettext(
            "Write at most %(num)d question.", "Write at most %(num)d questions.", MAX_QUESTIONS
        )
    for number, question in enumerate(questions, start=1):
        if len(question) > QUESTION_LENGTH:
            return _(
                "Question %(number)d is longer than %(maximum)d characters. Shorten it.",
                number=number,
                maximum=QUESTION_LENGTH,
            )
    return None


def _require(actor: Actor, library: Row) -> None:
    if getattr(library, "kind", None) != "library":
        raise NotFound()
    if not can(actor, "library.rules.manage", library):
        raise Forbidden()
