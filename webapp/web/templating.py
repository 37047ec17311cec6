"""The Jinja2 environment and ``render``: one page, its htmx fragments inside.

An htmx request that names a block gets only that block of the same template, so the
fragment and the full page can never drift apart; without JavaScript the same URL returns
the whole page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from webapp.auth.csrf import csrf_token
from webapp.auth.permissions import can
from webapp.contacts import phones
from webapp.i18n import LANGUAGE_NAMES, current_locale, formatting
from webapp.i18n.catalogs import raw_gettext, raw_ngettext
from webapp.settings import Settings
from webapp.sms import log as sms_log
from webapp.web import markdown
from webapp.web.routing import shareable_path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATIC = Path(__file__).resolve().parents[1] / "static"


def _static_version(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def create_templates(settings: Settings, vendor: dict[str, Path]) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(raw_gettext, raw_ngettext, newstyle=True)  # type: ignore[attr-defined]
    versions: dict[str, str] = {}

    def static(path: str) -> str:
        if path not in versions:
            versions[path] = _static_version(STATIC / path)
        return f"/static/{path}?v={versions[path]}"

    def vendor_url(name: str) -> str | None:
        if name not in vendor or not vendor[name].exists():
            return None
        if name not in versions:
            versions[name] = _static_version(vendor[name])
        return f"/vendor/{name}?v={versions[name]}"

    env.globals.update(
        can=can,
        static=static,
        vendor=vendor_url,
        languages=LANGUAGE_NAMES,
        current_locale=current_locale,
        settings=settings,
        tz=settings.tz,
        sms_status=sms_log.status_label,
        sms_error=sms_log.in_words,
        shareable_path=shareable_path,
    )
    env.filters.update(
        # Times come from the database in UTC: shown in the service's zone unless a
        # template passes the library's.
        date=formatting.in_zone(settings.tz)(formatting.format_date),
        datetime=formatting.in_zone(settings.tz)(formatting.format_datetime),
        time=formatting.in_zone(settings.tz)(formatting.format_time),
        week=formatting.format_week,
        number=formatting.format_number,
        money=formatting.format_money,
        markdown=markdown.render,
        phone=phones.display,
        masked=phones.masked,
    )
    return Jinja2Templates(env=env)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    ctx = {
        "request": request,
        "actor": request.state.actor,
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    htmx = getattr(request.state, "htmx", None)
    if block and htmx and not htmx.boosted:
        template = templates.env.get_template(name)
        fragment = "".join(template.blocks[block](template.new_context(ctx)))
        return HTMLResponse(fragment, status_code=status_code, headers=headers)
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
