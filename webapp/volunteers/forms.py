"""The volunteers' forms: a task, a template, the sign-up page's settings, a sign-up, the
personal page's changes, a message to a shift."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from webapp.contacts import phones
from webapp.i18n import _
from webapp.volunteers.tasks import TaskValues
from webapp.volunteers.timing import MAX_MINUTES, RELATIONS, Timing
from webapp.web.forms import FormState

ACCESS = ("public", "invite", "closed")
MAX_PEOPLE = 500


def task_form(
    raw: Any, *, positions: Iterable[int], responsible: Iterable[int], reference: Any, tz: ZoneInfo
) -> tuple[FormState, TaskValues | None]:
    """``reference``: the date the times are on (the chosen one or the first), when known."""
    form = FormState(raw)
    title = form.text("title", max_length=120)
    description = form.text("description", required=False, max_length=2000, multiline=True)
    skills = form.text("skills", required=False, max_length=200)
    people = form.integer("people_needed", minimum=1, maximum=MAX_PEOPLE)
    partner = form.choice("partner_id", [str(i) for i in responsible], required=False)
    only = form.choice("only_position", [str(p) for p in positions], required=False)
    start = form.time("start_time", required=False)
    end = form.time("end_time", required=False)
    both_given = form.values.get("start_time") and form.values.get("end_time")
    if (start is None) != (end is None) and not both_given:
        form.error("end_time" if end is None else "start_time", _("Give both times, or neither."))
    starts_at = ends_at = None
    if start is not None and end is not None and reference is not None:
        day = reference.starts_at.astimezone(tz).date()
        starts_at = datetime.combine(day, start, tz)
        ends_at = datetime.combine(day, end, tz)
        if ends_at <= starts_at:
            form.error("end_time", _("The end must be after the start."))
    if not form.ok or title is None or people is None:
        return form, None
    return form, TaskValues(
        title=title, description=description or "", skills=skills or "", people_needed=people,
        partner_id=int(partner) if partner else None,
        only_position=int(only) if only else None, starts_at=starts_at, ends_at=ends_at,
    )  # fmt: skip


def template_form(raw: Any) -> tuple[FormState, dict[str, Any] | None]:
    form = FormState(raw)
    title = form.text("title", max_length=120)
    description = form.text("description", required=False, max_length=2000, multiline=True)
    skills = form.text("skills", required=False, max_length=200)
    people = form.integer("people_needed", minimum=1, maximum=MAX_PEOPLE)
    start_minutes = form.integer("start_minutes", minimum=0, maximum=MAX_MINUTES)
    start_relation = form.choice("start_relation", RELATIONS)
    end_minutes = form.integer("end_minutes", minimum=0, maximum=MAX_MINUTES)
    end_relation = form.choice("end_relation", RELATIONS)
    if not form.ok:
        return form, None
    assert start_minutes is not None and end_minutes is not None
    assert start_relation is not None and end_relation is not None
    timing = Timing.from_relations(start_minutes, start_relation, end_minutes, end_relation)
    # Checked on a two-hour date: a template must make sense for any date.
    sample = datetime(2026, 1, 1, 18, tzinfo=ZoneInfo("UTC"))
    if not timing.is_valid_for(sample, sample.replace(hour=20)):
        form.error("end_minutes", _("The shift must end after it starts."))
        return form, None
    return form, {
        "title": title, "description": description or "", "skills": skills or "",
        "people_needed": people, **timing.values(),
    }  # fmt: skip


def template_initial(row: Any) -> FormState:
    start_minutes, start_relation, end_minutes, end_relation = Timing.of(row).relations()
    return FormState.initial(
        {"title": row.title, "description": row.description, "skills": row.skills,
         "people_needed": str(row.people_needed), "start_minutes": str(start_minutes),
         "start_relation": start_relation, "end_minutes": str(end_minutes),
         "end_relation": end_relation}
    )  # fmt: skip


def board_form(raw: Any) -> tuple[FormState, tuple[str, str] | None]:
    form = FormState(raw)
    access = form.choice("access", ACCESS)
    note = form.text("note", required=False, max_length=1000, multiline=True)
    if not form.ok or access is None:
        return form, None
    return form, (access, note or "")


def signup_form(
    raw: Any, shift_ids: Iterable[int], region: str
) -> tuple[FormState, dict[str, Any] | None]:
    form = FormState(raw, secret=("proof",))
    chosen = form.many("shifts", [str(i) for i in shift_ids])
    if not chosen and "shifts" not in form.errors:
        form.error("shifts", _("Choose at least one shift."))
    name = form.text("name", max_length=120)
    phone_text = form.text("phone", max_length=40)
    phone = None
    if phone_text:
        try:
            phone = phones.parse(phone_text, region)
        except phones.BadNumber:
            form.error("phone", _("Write a mobile number, like 070-123 45 67."))
    languages = form.text("languages", required=False, max_length=200)
    if not form.checked("consent"):
        form.error("consent", _("Tick the box so that we may keep your name and number."))
    proof = form.text("proof", required=False, max_length=64)
    message = form.text("m", required=False, max_length=16)
    if not form.ok:
        return form, None
    return form, {
        "shift_ids": [int(i) for i in chosen], "name": name, "phone": phone,
        "languages": languages or "", "proof": proof or None, "message_code": message or None,
    }  # fmt: skip


def details_form(raw: Any) -> tuple[FormState, dict[str, str] | None]:
    form = FormState(raw)
    name = form.text("name", max_length=120)
    languages = form.text("languages", required=False, max_length=200)
    if not form.ok or name is None:
        return form, None
    return form, {"name": name, "languages": languages or ""}


def message_form(raw: Any) -> tuple[FormState, str | None]:
    form = FormState(raw)
    body = form.text("body", max_length=480, multiline=True)
    return form, body
