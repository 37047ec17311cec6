"""Markdown from partners becomes safe HTML: raw HTML is text, links are only http, https and
mailto (with rel="nofollow noopener"), and nothing can run a script."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from webapp.web.markdown import render


def test_plain_markdown_becomes_html():
    html = render("Bring a **friend** and *coffee*.\n\n- Talk\n- Listen\n\n1. One\n2. Two")
    assert isinstance(html, Markup)
    assert "<p>Bring a <strong>friend</strong> and <em>coffee</em>.</p>" in html
    assert "<ul>\n<li>Talk</li>\n<li>Listen</li>\n</ul>" in html
    assert "<ol>\n<li>One</li>\n<li>Two</li>\n</ol>" in html


def test_a_line_break_in_the_text_is_a_line_break_on_the_page():
    assert render("Tuesday\nThursday") == Markup("<p>Tuesday<br>\nThursday</p>\n")


def test_headings_move_below_the_page_s_own():
    assert render("# Program\n\n## Coffee") == Markup("<h3>Program</h3>\n<h4>Coffee</h4>\n")
    assert render("# A", top_heading=2) == Markup("<h2>A</h2>\n")
    assert render("###### Deep") == Markup("<h6>Deep</h6>\n")


@pytest.mark.parametrize("empty", [None, "", "   \n  "])
def test_nothing_renders_as_nothing(empty):
    assert render(empty) == Markup("")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="position:fixed">x</div>',
        "<!-- a comment -->",
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_raw_html_is_shown_as_text(source):
    html = render(source)
    assert "<" + source[1:4] not in html
    assert "&lt;" in html
    assert re.sub(r"</?(p|br)>", "", html).count("<") == 0


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](java&#09;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](file:///etc/passwd)",
        "[x](/relative/path)",
        "[x](//evil.example)",
        "<javascript:alert(1)>",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_only_http_https_and_mailto_links_are_made(source):
    html = render(source)
    assert "<a" not in html, html
    assert "href" not in html


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](https://example.org/a?b=1&c=2)", "https://example.org/a?b=1&amp;c=2"),
        ("[site](http://example.org)", "http://example.org"),
        ("[mail](mailto:info@example.org)", "mailto:info@example.org"),
        ("<https://example.org>", "https://example.org"),
    ],
)
def test_good_links_get_nofollow_noopener(source, href):
    html = render(source)
    anchors = re.findall(r"<a [^>]*>", html)
    assert len(anchors) == 1, html
    assert f'href="{href}"' in anchors[0]
    assert 'rel="nofollow noopener"' in anchors[0]
    assert "target=" not in anchors[0]


def test_a_link_cannot_smuggle_attributes():
    html = render('[x](https://example.org/"onmouseover="alert(1))')
    assert "onmouseover=" not in html.replace("%22onmouseover=%22", "")
    assert re.findall(r"<a [^>]*>", html) == [
        '<a href="https://example.org/%22onmouseover=%22alert(1)" rel="nofollow noopener">'
    ]


def test_images_are_not_made():
    html = render("![a cat](https://example.org/cat.png)")
    assert "<img" not in html


def test_code_is_escaped():
    html = render("`<b>bold</b>`\n\n```\n<script>x</script>\n```")
    assert "<code>&lt;b&gt;bold&lt;/b&gt;</code>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script" not in html


def test_the_jinja_filter_is_registered(tmp_path):
    from webapp.settings import Settings
    from webapp.web.templating import create_templates

    settings = Settings(instance_path=tmp_path, database_url="sqlite://", secret_key="x" * 40)
    env = create_templates(settings, {}).env
    template = env.from_string("{{ text | markdown }}")
    assert template.render(text="**hi** <b>") == "<p><strong>hi</strong> &lt;b&gt;</p>\n"
