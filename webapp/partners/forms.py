"""Validation of the partner form, its first values, and the directory's filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row

from webapp.orgs.forms import one_value_each
from webapp.partners.service import MAX_INTERESTS, MAX_NOTES, MAX_SEARCH, Filters
from webapp.partners.vocabulary import LEVELS, TARGET_GROUPS
from webapp.web.forms import FormState


def partner_form(raw: Any) -> tuple[FormState, dict[str, Any]]:
    form = FormState(raw)
    one_value_each(form, ("level", "interests", "notes"))
    values = {
        "level": form.choice("level", LEVELS),
        "interests": form.text(
            "interests", required=False, max_length=MAX_INTERESTS, multiline=True
        ),
        "target_groups": form.many("target_groups", TARGET_GROUPS),
        "notes": form.text("notes", required=False, max_length=MAX_NOTES, multiline=True),
    }
    return form, values


def existing_partner(row: Row) -> FormState:
    return FormState.initial(
        {
            "level": row.level,
            "interests": row.interests,
            "target_groups": list(row.target_groups or []),
            "notes": row.notes,
        }
    )


def filters(query: Mapping[str, str]) -> Filters:
    """The directory's filters from the query string. A value that is not an option (an old
    bookmark, a hand-made URL) means "all", never an error."""
    level = query.get("level", "")
    group = query.get("target_group", "")
    search = " ".join(query.get("q", "").split())[:MAX_SEARCH]
    return Filters(
        level=level if level in LEVELS else "",
        target_group=group if group in TARGET_GROUPS else "",
        search=search,
    )


def filter_form(chosen: Filters) -> FormState:
    """The filter fields as chosen, to show them again."""
    return FormState.initial(
        {"level": chosen.level, "target_group": chosen.target_group, "q": chosen.search}
    )
