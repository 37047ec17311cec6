"""Markdown written by partners (event descriptions) as safe HTML for public pages.

Two locks, each enough on its own: the parser escapes any raw HTML in the source and makes
links only of http, https and mailto addresses; the sanitiser (nh3) then keeps only the
tags and attributes Markdown produces, whatever the parser let through. Links get
``rel="nofollow noopener"``. Headings are moved down (``#`` becomes ``h3`` by default) so a
description never competes with the page's own headings. Images are not made: an outside
image would break the page's content security policy and rarely has a text alternative.
"""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
TAGS = frozenset(
    {
        "p", "br", "strong", "em", "s", "del", "a", "ul", "ol", "li", "blockquote", "code",
        "pre", "hr", "h2", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}


def _safe_link(url: str) -> bool:
    scheme, colon, _ = url.strip().partition(":")
    return bool(colon) and scheme.lower() in SCHEMES


def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        # Raw HTML is text; a line break in the text area is a line break on the page.
        {"html": False, "breaks": True, "linkify": False, "typographer": False},
    )
    parser.enable("strikethrough")
    parser.disable("image")
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


_PARSER = _parser()


def _shift_headings(html_tokens: list[Any], top: int) -> None:
    for token in html_tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1:]) + top - 1
            token.tag = f"h{min(level, 6)}"


def render(text: str | None, *, top_heading: int = 3) -> Markup:
    """``text`` (Markdown) as sanitised HTML; ``# Title`` becomes ``<h{top_heading}>``."""
    if not text or not text.strip():
        return Markup("")
    tokens = _PARSER.parse(text)
    _shift_headings(tokens, max(2, min(top_heading, 6)))
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        link_rel=LINK_REL,
        url_schemes=set(SCHEMES),
        url_relative="deny",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
