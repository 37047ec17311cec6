"""What a notification says, made when it is shown, in the reader's language."""

from __future__ import annotations

from sqlalchemy.engine import Row

from webapp.events.vocabulary import field_label, field_labels, history_labels, role_labels
from webapp.i18n import _


def text(row: Row) -> str:
    params = row.params or {}
    who = row.actor_name or _("Someone")
    title = row.event_title or ""
    if row.kind == "edited":
        labels = field_labels()
        fields = ", ".join(field_label(f, labels) for f in params.get("fields", []))
        return _("%(who)s changed %(fields)s of “%(title)s”.", who=who, fields=fields, title=title)
    if row.kind == "transition":
        action = history_labels().get(params.get("action", ""), params.get("action", ""))
        return _("“%(title)s”: %(action)s (%(who)s).", title=title, action=action, who=who)
    if row.kind == "comment":
        return _("%(who)s commented on “%(title)s”.", who=who, title=title)
    if row.kind == "mention":
        return _("%(who)s mentioned you in a comment on “%(title)s”.", who=who, title=title)
    if row.kind == "partner_invited":
        role = role_labels().get(params.get("role", ""), "")
        return _(
            "%(who)s invited %(organisation)s to co-author “%(title)s” as %(role)s.",
            who=who,
            organisation=params.get("organisation", ""),
            title=title,
            role=role.lower(),
        )
    if row.kind == "partner_answered":
        if params.get("accepted"):
            return _(
                "%(organisation)s joined “%(title)s”.",
                organisation=params.get("organisation", ""),
                title=title,
            )
        return _(
            "%(organisation)s declined to join “%(title)s”.",
            organisation=params.get("organisation", ""),
            title=title,
        )
    if row.kind == "accessibility_report":
        return _(
            "A reader reported an accessibility problem (page: %(page)s). Read it under "
            "Accessibility statement → Reported problems.",
            page=params.get("page") or "–",
        )
    return title
