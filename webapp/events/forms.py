"""The event forms: validation that keeps what the partners typed, and first values.

Times are typed as a date and wall-clock times in the library's time zone and stored as
aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row

from webapp.events.vocabulary import AGREEMENT, AUDIENCES, CONTRIBUTIONS, LANGUAGES
from webapp.i18n import _
from webapp.locations.vocabulary import EQUIPMENT
from webapp.web.forms import FormState

TEXTS = {
    "title": (200, False),
    "summary": (300, False),
    "description": (10_000, True),
    "shared_goal": (2000, True),
    "room_needs": (1000, True),
    "accessibility_notes": (1000, True),
    "wished_times": (1000, True),
}


def slot_key(slot_id: int, starts_at: datetime) -> str:
    """How the form names one window of a program slot."""
    return f"{slot_id}@{starts_at.astimezone(UTC).isoformat()}"


def event_form(
    raw: Any,
    *,
    tz: ZoneInfo,
    rooms: list[Row],
    locations: list[Row],
    checklist: tuple[str, ...],
    slots: Sequence[Any] = (),
) -> tuple[FormState, dict[str, Any]]:
    """Everything the partners write about an event. Only the title is required: a draft
    saves partially; what submission needs is checked when it is submitted. Choosing one of
    the library's open ``slots`` sets the room and time (and holds them); otherwise the
    partners type a date and times or describe their wished times."""
    form = FormState(raw)
    values: dict[str, Any] = {}
    for name, (length, multiline) in TEXTS.items():
        values[name] = form.text(
            name, required=name == "title", max_length=length, multiline=multiline
        )
    values["languages"] = form.many("languages", LANGUAGES)
    values["audiences"] = form.many("audiences", AUDIENCES)
    values["equipment"] = form.many("equipment", EQUIPMENT)
    values["expected_attendance"] = form.integer(
        "expected_attendance", minimum=1, maximum=10_000, required=False
    )
    values["location_id"] = _id_choice(form, "location_id", [loc.id for loc in locations])
    values["room_id"] = _id_choice(form, "room_id", [room.id for room in rooms])
    if values["room_id"] and not values["location_id"]:
        values["location_id"] = next(r.location_id for r in rooms if r.id == values["room_id"])
    chosen = form.choice("slot", [slot_key(c.slot_id, c.starts_at) for c in slots], required=False)
    window = next((c for c in slots if slot_key(c.slot_id, c.starts_at) == chosen), None)
    if window is not None:
        room = next((r for r in rooms if r.id == window.room_id), None)
        values.update(
            slot_id=window.slot_id,
            room_id=window.room_id,
            location_id=room.location_id if room is not None else values["location_id"],
            starts_at=window.starts_at,
            ends_at=window.ends_at,
        )
    else:
        values["slot_id"] = None
        values.update(_times(form, tz))
    values.update(_series(form, values.get("starts_at")))
    values["agreement"] = {
        key: form.text(f"agreement_{key}", required=False, max_length=2000, multiline=True) or ""
        for key in AGREEMENT
    }
    values["checklist"] = {
        question: form.choice(f"checklist_{i}", ("yes", "no"), required=False) or ""
        for i, question in enumerate(checklist)
    }
    return form, {k: v for k, v in values.items() if k not in form.errors}


def _id_choice(form: FormState, name: str, ids: list[int]) -> int | None:
    value = form.choice(name, [str(i) for i in ids], required=False)
    return int(value) if value else None


def _times(form: FormState, tz: ZoneInfo) -> dict[str, Any]:
    day = form.date("date", required=False)
    start = form.time("start_time", required=False)
    end = form.time("end_time", required=False)
    if day is None and start is None and end is None:
        return {"starts_at": None, "ends_at": None}
    if day is None:
        form.error("date", _("Choose the date too."))
    if start is None:
        form.error("start_time", _("Choose when it starts."))
    if end is None:
        form.error("end_time", _("Choose when it ends."))
    if day is None or start is None or end is None:
        return {}
    starts_at, ends_at = local_span(day, start, end, tz)
    if ends_at <= starts_at:
        form.error("end_time", _("The end must be after the start."))
        return {}
    return {"starts_at": starts_at, "ends_at": ends_at}


def local_span(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A date and two wall-clock times in ``tz`` as UTC datetimes."""
    starts_at = datetime.combine(day, start, tzinfo=tz)
    ends_at = datetime.combine(day, end, tzinfo=tz)
    return starts_at.astimezone(UTC), ends_at.astimezone(UTC)


def _series(form: FormState, starts_at: datetime | None) -> dict[str, Any]:
    weeks = form.integer("repeat_weeks", minimum=1, maximum=8, required=False)
    until = form.date("repeat_until", required=False)
    count = form.integer("repeat_count", minimum=2, maximum=104, required=False)
    if weeks is None:
        if until or count:
            form.error("repeat_weeks", _("Choose how often it repeats."))
            return {}
        return {"repeat_weeks": None, "repeat_until": None, "repeat_count": None}
    if until is None and count is None:
        form.error("repeat_until", _("Choose an end date or a number of dates."))
        return {}
    if until and starts_at and until < starts_at.date():
        form.error("repeat_until", _("The series must end after its first date."))
        return {}
    if until and starts_at and until > starts_at.date() + timedelta(weeks=104):
        form.error("repeat_until", _("A series can last at most two years."))
        return {}
    return {"repeat_weeks": weeks, "repeat_until": until, "repeat_count": count}


def initial(row: Row, tz: ZoneInfo) -> FormState:
    """The event's saved values as the edit form shows them."""
    values: dict[str, Any] = {name: getattr(row, name) or "" for name in TEXTS}
    values.update(
        languages=list(row.languages or []),
        audiences=list(row.audiences or []),
        equipment=list(row.equipment or []),
        expected_attendance=str(row.expected_attendance or ""),
        location_id=str(row.location_id or ""),
        room_id=str(row.room_id or ""),
        repeat_weeks=str(row.repeat_weeks or ""),
        repeat_until=row.repeat_until.isoformat() if row.repeat_until else "",
        repeat_count=str(row.repeat_count or ""),
        version=str(row.version),
    )
    if row.starts_at and row.ends_at:
        start, end = row.starts_at.astimezone(tz), row.ends_at.astimezone(tz)
        values.update(
            date=start.date().isoformat(),
            start_time=start.strftime("%H:%M"),
            end_time=end.strftime("%H:%M"),
        )
        if row.slot_id:
            values["slot"] = slot_key(row.slot_id, row.starts_at)
    for key in AGREEMENT:
        values[f"agreement_{key}"] = (row.agreement or {}).get(key, "")
    return FormState.initial(values)


def checklist_values(form: FormState, row: Row | None, checklist: tuple[str, ...]) -> None:
    """Fill the checklist radios from saved answers (edit form)."""
    answers = (row.checklist if row is not None else None) or {}
    for i, question in enumerate(checklist):
        form.values.setdefault(f"checklist_{i}", answers.get(question, ""))


def partner_form(raw: Any, member_ids: list[int]) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    values: dict[str, Any] = {
        key: form.text(key, required=False, max_length=1000, multiline=True) or ""
        for key in (*CONTRIBUTIONS, "role_text")
    }
    contact = form.choice("contact_user_id", [str(i) for i in member_ids], required=False)
    values["contact_user_id"] = int(contact) if contact else None
    return form, values


def booking_form(raw: Any, tz: ZoneInfo, room_ids: list[int]) -> tuple[FormState, dict[str, Any]]:
    """Staff's approval: room, date, times, the series and capacity."""
    form = FormState(raw)
    values: dict[str, Any] = {"room_id": _id_choice(form, "room_id", room_ids)}
    if values["room_id"] is None and "room_id" not in form.errors:
        form.error("room_id", _("Choose a room."))
    day = form.date("date")
    start = form.time("start_time")
    end = form.time("end_time")
    if day and start and end:
        values["starts_at"], values["ends_at"] = local_span(day, start, end, tz)
        if values["ends_at"] <= values["starts_at"]:
            form.error("end_time", _("The end must be after the start."))
    values.update(_series(form, values.get("starts_at")))
    values["capacity"] = form.integer("capacity", minimum=1, maximum=10_000, required=False)
    values["skip_conflicts"] = form.checked("skip_conflicts")
    values["comment"] = form.text("comment", required=False, max_length=2000, multiline=True) or ""
    return form, values
