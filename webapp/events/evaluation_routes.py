"""The evaluation page of an event ("the last meeting"): each party's form and everyone's
answers so far. Thin handlers: parse, call one service, render or redirect."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from webapp.auth.guard import authorize, current_actor
from webapp.events import evaluation_forms, evaluations, vocabulary
from webapp.i18n import _
from webapp.invitations import results
from webapp.invitations import vocabulary as invitation_vocabulary
from webapp.problems import Forbidden, Invalid
from webapp.web import routing
from webapp.web.forms import FormState
from webapp.web.templating import render

# The fragments an htmx request may ask for (the workspace shows who has answered).
BLOCKS = ("summary",)


def _answers(handler: routing.Handler) -> routing.Handler:
    """Log in first; NotFound from a service is a 404 page, Forbidden a 403 page."""
    refusals = routing.answers(handler)

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        authorize(request, "account.manage")
        return await refusals(request)

    return wrapped


def continue_labels() -> dict[str, str]:
    return {"yes": _("Yes"), "maybe": _("Maybe"), "no": _("No")}


async def _page(
    request: Request, page: evaluations.Evaluation, form: FormState, *, status_code: int = 200
) -> Response:
    block = request.query_params.get("block")
    # What brought people: the invitation plan's figures, for the last meeting.
    figures = await results.of_event(
        routing.app_context(request), actor=current_actor(request), event_id=page.event.id
    )
    labels = invitation_vocabulary.line_labels()
    return render(
        request,
        "events/evaluate.html",
        {
            "page": page,
            "event": page.row,
            "tz": page.event.tz,
            "form": form,
            "done": request.query_params.get("done"),
            "continue_labels": continue_labels(),
            "state_labels": vocabulary.state_labels(),
            "figures": figures,
            "kind_label": lambda kind: labels.get(kind, kind),
        },
        status_code=status_code,
        block=block if block in BLOCKS else None,
    )


@_answers
async def evaluation(request: Request) -> Response:
    actor = current_actor(request)
    ctx = routing.app_context(request)
    event_id = routing.path_id(request, "event_id")
    page = await evaluations.evaluation(ctx, actor=actor, event_id=event_id)
    if request.method == "GET":
        chosen = request.query_params.get("organisation")
        return await _page(request, page, evaluation_forms.initial(page, chosen))
    if not page.is_open or not page.mine:
        raise Forbidden()
    form, organisation_id, answer = evaluation_forms.evaluation_form(
        await request.form(max_files=0)
    )
    if organisation_id is not None and answer is not None:
        try:
            state = await evaluations.evaluate(
                ctx, actor=actor, event_id=event_id, organisation_id=organisation_id, answer=answer
            )
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            done = "evaluated" if state == "evaluated" else "saved"
            return RedirectResponse(f"/events/{event_id}/evaluation?done={done}", status_code=303)
    return await _page(request, page, form, status_code=400)


routes = [
    Route(
        "/events/{event_id:int}/evaluation",
        evaluation,
        methods=["GET", "POST"],
        name="event_evaluation",
    ),
]
