"""The evaluation form: validation that keeps what was typed, and its first values."""

from __future__ import annotations

from typing import Any

from webapp.events.evaluations import CONTINUE, MAX_ATTENDANCE, MAX_TEXT, Answer, Evaluation
from webapp.web.forms import FormState
from webapp.web.routing import MAX_ID


def evaluation_form(raw: Any) -> tuple[FormState, int | None, Answer | None]:
    """The organisation answered for, and its answer; None for either when the form has
    errors (each next to its field)."""
    form = FormState(raw)
    organisation_id = form.integer("organisation_id", minimum=1, maximum=MAX_ID)
    attendance = form.integer("attendance", minimum=0, maximum=MAX_ATTENDANCE, required=False)
    worked = form.text("worked", required=False, max_length=MAX_TEXT, multiline=True)
    did_not_work = form.text("did_not_work", required=False, max_length=MAX_TEXT, multiline=True)
    continue_together = form.choice("continue_together", CONTINUE)
    if not form.ok or organisation_id is None or continue_together is None:
        return form, None, None
    return (
        form,
        organisation_id,
        Answer(
            continue_together=continue_together,
            attendance=attendance,
            worked=worked or "",
            did_not_work=did_not_work or "",
        ),
    )


def initial(page: Evaluation, chosen: str | None = None) -> FormState:
    """The form for the organisation the actor answers for (``chosen`` among several, else
    the first that has not answered), filled with its earlier answer when it has one."""
    ids = [p.organisation_id for p in page.mine]
    waiting = [i for i in ids if i not in page.answers]
    organisation_id = next((i for i in ids if str(i) == chosen), next(iter(waiting or ids), None))
    earlier = page.answers.get(organisation_id) if organisation_id is not None else None
    if earlier is None:
        return FormState.initial({"organisation_id": organisation_id})
    return FormState.initial(
        {
            "organisation_id": organisation_id,
            "attendance": "" if earlier.attendance is None else str(earlier.attendance),
            "worked": earlier.worked,
            "did_not_work": earlier.did_not_work,
            "continue_together": earlier.continue_together,
        }
    )
