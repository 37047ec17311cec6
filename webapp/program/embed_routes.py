"""The embeddable program (``/embed/{slug}``), which other sites may show in a frame, and
the snippet builder (``/orgs/{slug}/embed``) where the organisation's people copy the
``<iframe>`` for their website.

Only the paths under ``FRAMEABLE`` may be framed (``SecurityHeadersMiddleware``); they set
no cookies and need no log-in.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webapp import clock
from webapp.auth.guard import authorize
from webapp.events import vocabulary as event_vocabulary
from webapp.i18n import LANGUAGE_NAMES, _, current_locale, use_locale
from webapp.problems import NotFound
from webapp.program import embed, forms, service
from webapp.web.routing import answers
from webapp.web.routing import app_context as _ctx
from webapp.web.templating import render

FRAMEABLE = ("/embed/",)


async def embed_page(request: Request) -> Response:
    """The program in a frame. Bad options are a 400 page that still lists the program; an
    unknown organisation a 404 page that still fits the frame."""
    with use_locale(embed.language(request.query_params) or request.state.locale):
        try:
            organisation = await service.organisation(_ctx(request), request.path_params["slug"])
        except NotFound:
            return render(request, "program/embed_missing.html", status_code=404)
        form, filters, options = embed.options_form(request.query_params)
        found = await service.program(
            _ctx(request),
            organisation=organisation,
            filters=filters,
            now=clock.now(),
            page_size=options.limit,
        )
        here = embed.path(organisation.slug)
        page = found.page
        return render(
            request,
            "program/embed.html",
            {
                "org": organisation,
                "program": found,
                "form": form,
                "heading": options.title or _("Program of %(name)s", name=organisation.name),
                "whole_program": f"/orgs/{organisation.slug}/program" + forms.query_string(form),
                "previous_page": (
                    here + embed.query(form, options, page=page - 1 if page > 2 else None)
                    if page > 1
                    else None
                ),
                "next_page": (
                    here + embed.query(form, options, page=page + 1) if found.has_next else None
                ),
            },
            status_code=400 if form.errors else 200,
            headers={"Content-Language": current_locale()},
        )


@answers
async def builder(request: Request) -> Response:
    """The snippet for the organisation's website, with the filters chosen in a GET form,
    and a preview of it."""
    ctx = _ctx(request)
    organisation = await service.organisation(ctx, request.path_params["slug"])
    actor = authorize(request, "program.embed", organisation)
    form, _filters, options = embed.options_form(request.query_params)
    choices = await embed.choices(ctx, actor=actor, organisation=organisation, now=clock.now())
    query = embed.query(form, options)
    frame_title = options.title or _("Program of %(name)s", name=organisation.name)
    return render(
        request,
        "program/embed_builder.html",
        {
            "org": organisation,
            "form": form,
            "choices": choices,
            "max_limit": embed.MAX_LIMIT,
            "default_limit": embed.DEFAULT_LIMIT,
            "max_title": embed.MAX_TITLE,
            "snippet": None
            if form.errors
            else embed.snippet(
                base_url=ctx.settings.base_url,
                slug=organisation.slug,
                query=query,
                title=frame_title,
            ),
            # The preview asks this server, whatever address the snippet names.
            "preview": embed.path(organisation.slug) + query,
            "frame_title": frame_title,
            "frame_height": embed.FRAME_HEIGHT,
            "audience_labels": event_vocabulary.audience_labels(),
            "language_labels": event_vocabulary.language_labels(),
            "page_languages": LANGUAGE_NAMES,
        },
        status_code=400 if form.errors else 200,
    )


routes = [
    Route("/embed/{slug}", embed_page, name="embed"),
    Route("/orgs/{slug}/embed", builder, name="org_embed"),
]
