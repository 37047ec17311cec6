"""The embeddable program a library puts on its own website, and the snippet builder that
writes the <iframe> for it. Events are made through the co-planning services, as in
tests/http/test_program.py (whose helpers these tests borrow)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.conftest import BASE_URL
from tests.http.test_program import (
    NOT_PUBLIC,
    _filter_world,
    _location_id,
    _rooms,
    cancel_date,
    make_event,
)
from webapp.app import create_app


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


@pytest.fixture
def rooms(web, world):  # type: ignore[no-untyped-def]
    return web.run(_rooms, web.ctx, world)


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/events/\d+" target="_top">([^<]+)</a>', html)


def items(html: str) -> list[str]:
    return re.findall(r'<li class="embed-item[^"]*">.*?</li>', html, re.S)


# The embed page --------------------------------------------------------------------------------


def test_the_embed_is_a_compact_program_without_the_site_around_it(web, world, rooms):
    event_id = make_event(web, world, rooms, title="Språkcafé")
    page = web.get(f"/embed/{world.library.slug}")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="en">' in text
    assert '<h1 class="embed-title">Program of Malmö stadsbibliotek</h1>' in text
    assert titles(text) == ["Språkcafé"]
    assert f'<a href="/events/{event_id}" target="_top">Språkcafé</a>' in text
    assert '<time datetime="2030-12-02">Monday, 2 December 2030</time>' in text
    assert '<time datetime="2030-12-02T18:00+01:00">18:00</time>' in text
    assert "Stadsbiblioteket, Hörsalen, Malmö" in text
    assert "By Nya grannar" in text
    # No site header, navigation, footer, forms or scripts.
    for absent in ("site-header", '<nav aria-label="Main"', "site-footer", "<form", "<script"):
        assert absent not in text, absent
    more = f'<a href="/orgs/{world.library.slug}/program" target="_top">'
    assert more + "The whole program of Malmö stadsbibliotek</a>" in text
    assert not re.search(r"\d\s?[AP]M\b", text)


def test_an_association_embeds_the_events_it_organises(web, world, rooms):
    make_event(web, world, rooms, title="Språkcafé")
    page = web.get(f"/embed/{world.association.slug}")
    assert titles(page.text) == ["Språkcafé"]
    assert titles(web.get(f"/embed/{world.other_association.slug}").text) == []
    assert "No upcoming events right now." in web.get(f"/embed/{world.other_library.slug}").text


@pytest.mark.parametrize("state", NOT_PUBLIC)
def test_an_event_that_is_not_published_is_never_embedded(web, world, rooms, state):
    make_event(web, world, rooms, state, title="Secret")
    make_event(web, world, rooms, title="Public", room="studio")
    for slug in (world.library.slug, world.association.slug):
        page = web.get(f"/embed/{slug}")
        assert page.status_code == 200
        assert "Secret" not in page.text, (state, slug)
        assert titles(page.text) == ["Public"]


def test_a_cancelled_date_is_marked_in_words(web, world, rooms):
    event_id = make_event(web, world, rooms, title="Läxhjälp", repeat_weeks=1, repeat_count=3)
    cancel_date(web, event_id, 1)
    listed = items(web.get(f"/embed/{world.library.slug}").text)
    assert ["Cancelled" in item for item in listed] == [False, True, False]
    assert 'class="embed-item is-cancelled"' in listed[1]


def test_the_program_filters_and_the_options_apply(web, world, rooms):
    _filter_world(web, world, rooms)
    slug = world.library.slug
    branch = _location_id(web.get("/program").text, "Rosengårds bibliotek")

    def shown(query: str) -> list[str]:
        response = web.get(f"/embed/{slug}?{query}")
        assert response.status_code == 200, (query, response.text)
        return titles(response.text)

    assert shown("") == ["Språkcafé", "Sagostund", "Schack"]
    assert shown(f"location={branch}") == ["Sagostund"]
    assert shown(f"room={rooms['studio']}") == ["Schack"]
    assert shown("audience=children") == ["Sagostund"]
    assert shown("language=en") == ["Schack"]
    assert shown(f"partner={world.other_association.id}") == ["Schack"]
    assert shown("from=2030-12-03") == ["Sagostund", "Schack"]
    assert shown("limit=1") == ["Språkcafé"]
    page = web.get(f"/embed/{slug}?title=Barn+%26+familj&language=sv").text
    assert '<h1 class="embed-title">Barn &amp; familj</h1>' in page
    assert "<title>Barn &amp; familj</title>" in page
    # The link to the whole program keeps the filters, not the embed's own options.
    assert f'href="/orgs/{slug}/program?language=sv" target="_top"' in page


def test_the_embed_is_paged_inside_the_frame(web, world, rooms):
    make_event(web, world, rooms, title="Weekly", repeat_weeks=1, repeat_count=12)
    slug = world.library.slug
    first = web.get(f"/embed/{slug}")
    assert len(titles(first.text)) == 10
    assert f'<a href="/embed/{slug}?page=2" rel="next">' in first.text
    second = web.get(f"/embed/{slug}?page=2")
    assert len(titles(second.text)) == 2
    assert f'<a href="/embed/{slug}" rel="prev">' in second.text
    # Options and filters survive paging; the pages stay in the frame (no target).
    small = web.get(f"/embed/{slug}?language=sv&limit=5&title=Kalender&lang=en").text
    assert len(titles(small)) == 5
    assert (
        f'<a href="/embed/{slug}?language=sv&amp;limit=5&amp;title=Kalender&amp;lang=en&amp;page=2"'
        ' rel="next">'
    ) in small


def test_the_page_language_can_be_chosen(web, world, rooms):
    make_event(web, world, rooms)
    page = web.get(f"/embed/{world.library.slug}?lang=sv")
    assert '<html lang="sv">' in page.text
    assert "måndag 2 december 2030" in page.text
    assert page.headers["content-language"] == "sv"
    assert '<html lang="en">' in web.get(f"/embed/{world.library.slug}").text


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=51", "limit=ten", "title=" + "x" * 81, "lang=fi", "audience=martians",
     "from=2030-02-30", "location=abc"],
)  # fmt: skip
def test_a_bad_option_is_a_400_page_that_still_shows_the_program(web, world, rooms, query):
    make_event(web, world, rooms, title="Språkcafé")
    page = web.get(f"/embed/{world.library.slug}?{query}")
    assert page.status_code == 400
    name = query.split("=")[0]
    assert "are not valid and were left out: " + name in page.text
    assert titles(page.text) == ["Språkcafé"]
    assert "X-Frame-Options" not in page.headers


def test_an_unknown_or_pending_organisation_is_a_404_that_fits_the_frame(web, world):
    for path in ("/embed/nobody-here", "/embed/nobody-here?limit=0"):
        page = web.get(path)
        assert page.status_code == 404
        assert "Page not found" in page.text and "site-header" not in page.text
        assert "x-frame-options" not in page.headers


# Framing ----------------------------------------------------------------------------------------


def test_framing_is_allowed_only_on_the_embed_which_sets_no_cookies(web, world):
    web.client.cookies.clear()  # as a visitor of the library's website, new to us
    embed = web.get(f"/embed/{world.library.slug}")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "frame-ancestors 'none'" not in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    assert "set-cookie" not in embed.headers, "an embedded page sets no cookies"
    assert "set-cookie" not in web.get("/static/css/samspel.css").headers, "nor its stylesheet"
    for path in ("/program", f"/orgs/{world.library.slug}/program", "/", "/login"):
        other = web.get(path)
        assert other.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in other.headers["content-security-policy"], path
    web.login(world.emails["library_staff"])
    builder = web.get(f"/orgs/{world.library.slug}/embed")
    assert builder.status_code == 200
    assert builder.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in builder.headers["content-security-policy"]


def test_the_sites_that_may_frame_the_embed_can_be_configured(settings, world):
    app = create_app(settings.with_changes(embed_frame_ancestors="https://www.bibliotek.example"))
    with TestClient(app, base_url=BASE_URL) as client:
        policy = client.get("/embed/nobody-here").headers["content-security-policy"]
        assert "frame-ancestors https://www.bibliotek.example;" in policy
        assert "frame-ancestors 'none'" in client.get("/program").headers["content-security-policy"]


# The snippet builder ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "org", "status"),
    [
        ("library_admin", "library", 200),
        ("library_staff", "library", 200),
        ("association_admin", "association", 200),
        ("association_member", "association", 200),
        ("association_admin", "library", 403),
        ("other_library_admin", "library", 403),
        ("library_admin", "association", 403),
        ("other_association_admin", "association", 403),
    ],
)
def test_who_may_use_the_snippet_builder(web, world, role, org, status):
    slug = getattr(world, org).slug
    web.login(world.emails[role])
    assert web.get(f"/orgs/{slug}/embed").status_code == status
    page = web.get(f"/orgs/{slug}").text
    assert (f'href="/orgs/{slug}/embed"' in page) == (status == 200)


def test_a_visitor_is_asked_to_log_in_and_an_unknown_organisation_is_404(web, world):
    response = web.get(f"/orgs/{world.library.slug}/embed")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    web.login(world.emails["library_admin"])
    assert web.get("/orgs/nobody-here/embed").status_code == 404


class _Frames(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "iframe":
            self.frames.append(dict(attrs))


def _snippet(page: str) -> str:
    found = re.search(r'<textarea id="embed-code"[^>]*readonly[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no read-only code field"
    return unescape(found.group(1))


def _frame(html: str) -> dict[str, str | None]:
    parser = _Frames()
    parser.feed(html)
    assert len(parser.frames) == 1, html
    return parser.frames[0]


def test_the_snippet_has_the_chosen_filters_and_is_escaped(web, world, rooms):
    _filter_world(web, world, rooms)
    web.login(world.emails["library_staff"])
    slug = world.library.slug
    default = web.get(f"/orgs/{slug}/embed")
    assert default.status_code == 200
    assert '<label for="embed-code">' in default.text
    frame = _frame(_snippet(default.text))
    assert frame == {
        "src": f"{BASE_URL}/embed/{slug}",
        "title": "Program of Malmö stadsbibliotek",
        "width": "100%",
        "height": "600",
        "loading": "lazy",
        "style": "border:0",
    }
    title = '<Barn> & "familj"'
    query = (
        f"location={rooms['hall']}&room={rooms['studio']}&audience=children&language=ar"
        f"&partner={world.other_association.id}&limit=5&lang=sv"
    )
    page = web.get(f"/orgs/{slug}/embed?{query}&title=%3CBarn%3E+%26+%22familj%22")
    assert page.status_code == 200
    assert "<Barn>" not in page.text
    code = _snippet(page.text)
    assert '<Barn> & "familj"' not in code, "the snippet's attribute values are escaped"
    frame = _frame(code)
    assert frame["title"] == title
    src = urlsplit(frame["src"] or "")
    assert f"{src.scheme}://{src.netloc}{src.path}" == f"{BASE_URL}/embed/{slug}"
    assert parse_qs(src.query) == {
        "location": [str(rooms["hall"])],
        "room": [str(rooms["studio"])],
        "audience": ["children"],
        "language": ["ar"],
        "partner": [str(world.other_association.id)],
        "limit": ["5"],
        "title": [title],
        "lang": ["sv"],
    }
    # The preview shows the same embed, from this server.
    preview = re.search(r'<iframe class="embed-preview" src="([^"]+)" title="([^"]+)"', page.text)
    assert preview and unescape(preview.group(1)) == f"/embed/{slug}?{src.query}"
    assert unescape(preview.group(2)) == title
    # The chosen values stay chosen.
    assert f'<option value="{rooms["studio"]}" selected>' in page.text
    assert '<option value="sv" selected>Svenska</option>' in page.text


def test_the_builder_offers_the_organisations_places_and_partners(web, world, rooms):
    _filter_world(web, world, rooms)
    web.login(world.emails["library_admin"])
    library = web.get(f"/orgs/{world.library.slug}/embed").text
    assert re.search(r'<option value="\d+">Rosengårds bibliotek, Malmö</option>', library)
    assert f'<option value="{rooms["studio"]}">Stadsbiblioteket: Studion</option>' in library
    assert f'<option value="{world.other_association.id}">Schackklubben</option>' in library
    web.logout()
    web.login(world.emails["association_member"])
    association = web.get(f"/orgs/{world.association.slug}/embed").text
    assert re.search(r'<option value="\d+">Stadsbiblioteket, Malmö</option>', association)
    assert 'id="room"' not in association  # rooms are the libraries'


@pytest.mark.parametrize("query", ["limit=0", "limit=500", "title=" + "y" * 81, "lang=xx"])
def test_a_bad_choice_in_the_builder_is_explained_and_gives_no_code(web, world, query):
    web.login(world.emails["association_admin"])
    page = web.get(f"/orgs/{world.association.slug}/embed?{query}")
    assert page.status_code == 400
    name = query.split("=")[0]
    assert f'id="{name}-error"' in page.text and 'class="error-summary"' in page.text
    assert 'id="embed-code"' not in page.text and "<iframe" not in page.text
