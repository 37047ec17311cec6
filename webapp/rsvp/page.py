"""The RSVP section of the public event page: places per upcoming date and the form."""

from __future__ import annotations

from typing import Any

from webapp.context import Context
from webapp.program import service as program
from webapp.rsvp import service
from webapp.web.forms import FormState


async def section(
    ctx: Context, page: program.EventPage, *, via: str, form: FormState | None = None
) -> dict[str, Any]:
    """Places per upcoming date, the form (with a fresh one-time key) and the tracked link
    the visitor came through (``via``, from the event page's address)."""
    dates = [d.id for d in page.upcoming if not d.cancelled]
    places = await service.availability(ctx, dates) if dates else {}
    if form is None:
        form = FormState.initial(
            {"party_size": "1", "request_key": service.new_request_key(), "via": via[:16],
             "occurrence_id": str(dates[0]) if dates else ""}
        )  # fmt: skip
    return {"rsvp_form": form, "places": places, "rsvp_dates": dates}
