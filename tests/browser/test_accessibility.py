"""WCAG 2.1 AA: every page passes axe-core with zero violations.

The pages come from the app's own route list, so a new GET route is audited without anyone
remembering to add it; a path parameter the audit has no demo value for fails loudly, and each
pass fails if it left a GET route unvisited. Every page is visited as a visitor and as each
demo role in Swedish (the default), and as the visitor, the library admin and the association
admin in English; the forms are also audited in their error states. A page whose content was
audited already (the same error page for two roles, say) is not audited again.

Each role's passes are a class of their own (TestVisitor, TestLibraryAdmin, …), so that the
test run's workers share the audit; to audit a new route, add its values to _path_values(),
its one-off notices to ``extra`` in plan(), or leave it out in NOT_PAGES.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from starlette.routing import Route

from tests.browser.conftest import (
    ASSOCIATION_ADMIN,
    ASSOCIATION_MEMBER,
    ASSOCIATION_SLUG,
    LIBRARY_ADMIN,
    LIBRARY_SLUG,
    LIBRARY_STAFF,
    PENDING_ASSOCIATION,
    LiveServer,
    choose_locale,
    log_in,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(' '), html: n.html, summary: n.failureSummary,
    })),
  }));
}"""
# What makes a page the same page: its title and main content without hidden inputs (CSRF
# tokens and ?next= values differ on every load). Not its language code alone: while a
# catalog lacks translations, the "Swedish" page is the English one, audited once.
FINGERPRINT = """() => {
  const main = document.querySelector('main');
  const copy = main ? main.cloneNode(true) : document.body.cloneNode(true);
  copy.querySelectorAll('input[type=hidden]').forEach(e => e.remove());
  return document.title + '\\n' + copy.innerHTML;
}"""

# The same for a page's HTML as it comes from the server (what Audit.visit fetches before it
# decides to open the page in the browser): the title and <main>, without hidden inputs.
TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S | re.I)
MAIN = re.compile(r"<main\b.*?</main>", re.S | re.I)
BODY = re.compile(r"<body\b.*</body>", re.S | re.I)
HIDDEN_INPUT = re.compile(r"<input\b[^>]*\btype=[\"']?hidden\b[^>]*>", re.I)
# A fetch asks for the page as the browser's navigation does.
NAVIGATION = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def html_fingerprint(html: str) -> str:
    title = TITLE.search(html)
    main = MAIN.search(html) or BODY.search(html)
    content = HIDDEN_INPUT.sub("", main.group(0) if main else html)
    text = (title.group(1) if title else "") + "\n" + content
    return "html:" + hashlib.sha256(text.encode()).hexdigest()


NOT_PAGES = {
    "/healthz",  # JSON for monitors
    "/metrics",  # Prometheus' text format, for scrapers (tests/http/test_operations.py)
    "/logout",  # a POST-only action
    # The public JSON API (tests/http/test_api.py)
    "/api/v1/events",
    "/api/v1/events/{event_id}",
    "/api/v1/openapi.json",
    "/api/{path:path}",
    # A contact's data as a JSON download (tests/http/test_contacts.py)
    "/orgs/{slug}/contacts/{contact_id:int}/export.json",
    "/m/{code}/data.json",
    # A QR code image and the tracked link's redirect (tests/http/test_invitations.py)
    "/events/{event_id:int}/invitations/links/{link_id:int}/qr.svg",
    "/l/{code}",
    "/r/{token}/calendar.ics",
    "/events/{event_id:int}/invitations/channels/{channel_id:int}/poster-{size}.pdf",
    # Calendar files and feeds (tests/http/test_calendars.py)
    "/calendar/{slug}.ics",
    "/calendar/private/{token}.ics",
    "/events/{event_id:int}.ics",
    # A volunteer's calendar feed and data, and the hours as CSV (tests/http/test_volunteers.py)
    "/v/me/{token}/calendar.ics",
    "/v/me/{token}/data.json",
    "/orgs/{slug}/volunteers/hours.csv",
}
IDENTITIES = {
    "visitor": None,
    "library-admin": LIBRARY_ADMIN,
    "library-staff": LIBRARY_STAFF,
    "association-admin": ASSOCIATION_ADMIN,
    # Whose association still waits for the library's approval: a state of its own.
    "pending-association": PENDING_ASSOCIATION,
}
INVITED = "new.colleague@bibliotek.example"


def get_routes(app: Any) -> list[Route]:
    """Every route that answers GET with a page (no mounts, no /healthz, no POST-only)."""
    return [
        route
        for route in app.routes
        if isinstance(route, Route)
        and route.methods
        and "GET" in route.methods
        and route.path not in NOT_PAGES
    ]


@dataclass
class Plan:
    """What to fill path parameters with, and the extra URLs that show one-off notices."""

    values: dict[Any, Any]
    reset_path: str
    invitation_path: str
    extra: dict[str, list[str]] = field(default_factory=dict)
    own_slugs: dict[str, list[str]] = field(default_factory=dict)

    def urls(self, app: Any, who: str) -> dict[str, list[str]]:
        """Route path -> URLs to visit as ``who``. Organisation pages are visited for the
        person's own organisations; the visitor and the library admin also try someone
        else's, to see the refusal."""
        slugs = self.own_slugs.get(who, [])
        if who in ("visitor", "library-admin"):
            slugs = list(dict.fromkeys([*slugs, LIBRARY_SLUG, ASSOCIATION_SLUG]))
        values = {**self.values, "slug": slugs}
        return {route.path: fill_path(route.path, values) for route in get_routes(app)}


def _path_values(
    live_server: LiveServer, reset_token: str, invitation_token: str, rsvp_token: str,
    volunteer_token: str,
) -> dict[Any, Any]:  # fmt: skip
    def first_id(sql: str) -> list[str]:
        rows = live_server.rows(sql, (LIBRARY_SLUG,))
        assert rows, f"the demo data has nothing for: {sql}"
        return [str(rows[0][0])]

    location_sql = (
        "SELECT l.id FROM locations l JOIN organisations o ON o.id = l.library_id "
        "WHERE o.slug = ? ORDER BY l.id"
    )
    room_sql = (
        "SELECT r.id FROM rooms r JOIN locations l ON l.id = r.location_id "
        "JOIN organisations o ON o.id = l.library_id WHERE o.slug = ? ORDER BY l.id, r.id"
    )
    # A scheduled date of the published weekly series "Språkcafé" (webapp/events/demo.py).
    cafe_date = live_server.rows(
        "SELECT d.id, d.event_id FROM occurrences d JOIN events e ON e.id = d.event_id "
        "WHERE e.title = 'Språkcafé' AND e.state = 'published' AND d.status = 'scheduled' "
        "ORDER BY d.starts_at"
    )[0]
    return {
        "slug": [LIBRARY_SLUG, ASSOCIATION_SLUG],
        "location_id": first_id(location_sql),
        "room_id": first_id(room_sql),
        # A published event and one waiting for review, both led by the demo association.
        "event_id": [
            str(
                live_server.rows(f"SELECT id FROM events WHERE state = '{state}' ORDER BY id")[0][0]
            )
            for state in ("published", "submitted")
        ],
        "organisation_id": [
            str(
                live_server.rows(
                    "SELECT id FROM organisations WHERE slug = ?", (ASSOCIATION_SLUG,)
                )[0][0]
            )
        ],
        ("/events/{event_id:int}/actions/{action}", "action"): ["request_changes", "submit"],
        # The evaluation: of the held demo event (one partner has answered), and of a
        # published one (it opens after the event).
        ("/events/{event_id:int}/evaluation", "event_id"): [
            str(
                live_server.rows(f"SELECT id FROM events WHERE state = '{state}' ORDER BY id")[0][0]
            )
            for state in ("completed", "published")
        ],
        ("/events/{event_id:int}/dates/{occurrence_id:int}", "event_id"): [
            str(cafe_date["event_id"])
        ],
        "occurrence_id": [str(cafe_date["id"])],
        # The demo association "nya-grannar", an approved partner of the demo library.
        ("/orgs/{slug}/partners/{association_id:int}", "association_id"): first_id(
            "SELECT p.association_id FROM partnerships p JOIN organisations o "
            "ON o.id = p.library_id WHERE o.slug = ? AND p.status = 'approved' "
            "ORDER BY p.association_id"
        ),
        # A weekly program slot of the demo library (webapp/slots/demo.py).
        "slot_id": first_id(
            "SELECT s.id FROM program_slots s JOIN rooms r ON r.id = s.room_id "
            "JOIN locations l ON l.id = r.location_id JOIN organisations o "
            "ON o.id = l.library_id WHERE o.slug = ? AND s.interval_weeks > 0 ORDER BY s.id"
        ),
        # A contact of the demo association, and the CSV import waiting for its preview
        # (webapp/contacts/demo.py; only Lina, who uploaded it, sees the preview).
        "contact_id": [
            str(
                live_server.rows(
                    "SELECT c.id FROM contacts c JOIN organisations o ON o.id = c.organisation_id "
                    "WHERE o.slug = ? ORDER BY c.id",
                    (ASSOCIATION_SLUG,),
                )[0][0]
            )
        ],
        "import_id": [str(live_server.rows("SELECT id FROM contact_imports ORDER BY id")[0][0])],
        # The demo association's send (webapp/sms/demo.py): a delivered message and one that
        # was not, and the page behind a message's link.
        "send_id": [str(live_server.rows("SELECT id FROM sms_sends ORDER BY id")[0][0])],
        "message_id": [
            str(live_server.rows(f"SELECT id FROM outbox WHERE status = '{status}'")[0][0])
            for status in ("delivered", "undelivered")
        ],
        "code": [str(live_server.rows("SELECT code FROM outbox ORDER BY id")[0][0])],
        # The language café's invitation plan (webapp/invitations/demo.py).
        ("/events/{event_id:int}/invitations", "event_id"): [str(cafe_date["event_id"])],
        ("/events/{event_id:int}/checkin", "event_id"): [str(cafe_date["event_id"])],
        ("/events/{event_id:int}/invitations/audiences/{audience_id:int}", "event_id"): [
            str(cafe_date["event_id"])
        ],
        ("/events/{event_id:int}/invitations/audiences/{audience_id:int}/channels", "event_id"): [
            str(cafe_date["event_id"])
        ],
        ("/events/{event_id:int}/invitations/channels/{channel_id:int}", "event_id"): [
            str(cafe_date["event_id"])
        ],
        ("/events/{event_id:int}/invitations/channels/{channel_id:int}/share", "event_id"): [
            str(cafe_date["event_id"])
        ],
        "audience_id": [str(live_server.rows("SELECT id FROM audiences ORDER BY id")[0][0])],
        "channel_id": [
            str(live_server.rows(f"SELECT id FROM channels WHERE kind = '{kind}'")[0][0])
            for kind in ("sms", "network")
        ],
        # Tokens mean different things on different routes: an invalid one and a live one.
        ("/password/reset/{token}", "token"): ["not-a-valid-token", reset_token],
        ("/invitations/{token}", "token"): ["not-a-valid-token", invitation_token],
        ("/r/{token}", "token"): [rsvp_token],
        # Volunteers (webapp/volunteers/demo.py): the language café's tasks and sign-up page,
        # a task template of the demo association, and a live volunteer's personal page.
        ("/events/{event_id:int}/volunteers", "event_id"): [str(cafe_date["event_id"])],
        ("/events/{event_id:int}/volunteers/roster", "event_id"): [str(cafe_date["event_id"])],
        ("/events/{event_id:int}/volunteers/tasks/new", "event_id"): [str(cafe_date["event_id"])],
        ("/events/{event_id:int}/volunteers/tasks/{task_id:int}", "event_id"): [
            str(cafe_date["event_id"])
        ],
        "task_id": [
            str(
                live_server.rows(
                    "SELECT id FROM volunteer_tasks WHERE event_id = ? ORDER BY id",
                    (cafe_date["event_id"],),
                )[0][0]
            )
        ],
        ("/v/{code}", "code"): [
            str(
                live_server.rows(
                    "SELECT code FROM volunteer_boards WHERE event_id = ?",
                    (cafe_date["event_id"],),
                )[0][0]
            )
        ],
        ("/v/me/{token}", "token"): [volunteer_token],
        "template_id": [
            str(
                live_server.rows(
                    "SELECT t.id FROM volunteer_templates t JOIN organisations o "
                    "ON o.id = t.organisation_id WHERE o.slug = ? ORDER BY t.id",
                    (ASSOCIATION_SLUG,),
                )[0][0]
            )
        ],
    }


ALIASES = {"location": "location_id", "room": "room_id", "association_id": "organisation_id"}
PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_]+)?}")


def fill_path(route_path: str, values: dict[Any, Any]) -> list[str]:
    """Every URL of ``route_path`` with the demo values for its parameters."""
    names, choices = [], []
    for match in PARAM.finditer(route_path):
        name = match.group(1)
        names.append(name)
        found = values.get((route_path, name), values.get(ALIASES.get(name, name)))
        if not found:
            pytest.fail(
                f"no demo value for path parameter {name!r} of {route_path}: add one to "
                "_path_values() in tests/browser/test_accessibility.py"
            )
        choices.append(found)
    template = PARAM.sub(r"{\1}", route_path)  # drop the convertors: {room_id:int} -> {room_id}
    return [
        template.format(**dict(zip(names, combination, strict=True)))
        for combination in itertools.product(*choices)
    ]


@pytest.fixture(scope="session")
def plan(live_server: LiveServer, browser: Any) -> Plan:
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        # A live password-reset link, asked for in the browser and read from the console outbox.
        page.goto("/password/forgot")
        page.locator("#email").fill(PENDING_ASSOCIATION)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        reset_path = live_server.newest_link(PENDING_ASSOCIATION, "/password/reset/")
        # A live RSVP to the language café, made on its public page: its personal link.
        cafe = live_server.rows(
            "SELECT id FROM events WHERE title = 'Språkcafé' AND state = 'published'"
        )[0][0]
        page.goto(f"/events/{cafe}")
        page.locator("#name").fill("Amal")
        page.locator("#party_size").fill("2")
        with page.expect_navigation():
            page.locator("#rsvp button[type=submit]").click()
        rsvp_path = page.url.split("?")[0].split(live_server.url)[-1]
        assert rsvp_path.startswith("/r/"), page.url
        # A live volunteer on the language café's first shift: their personal page.
        board = live_server.rows("SELECT code FROM volunteer_boards WHERE event_id = ?", (cafe,))[
            0
        ][0]
        page.goto(f"/v/{board}")
        page.locator("input[name=shifts]").first.check()
        page.locator("#name").fill("Samir")
        page.locator("#phone").fill("070-999 88 77")
        page.locator("#consent").check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        volunteer_path = page.url.split("?")[0].split(live_server.url)[-1]
        assert volunteer_path.startswith("/v/me/"), page.url
        # An accessibility problem reported by a reader, for the operator's admins' list.
        page.goto("/tillganglighet?page=/program/week")
        page.locator("#description").fill("Veckoschemat går inte att läsa med skärmläsare.")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "sent=1" in page.url, page.url
        # A live invitation, sent by the library admin from the members page.
        log_in(page, LIBRARY_ADMIN)
        page.goto(f"/orgs/{LIBRARY_SLUG}/members")
        invite = "main form:has(input[name=action][value=invite])"
        page.locator(f"{invite} #email").fill(INVITED)
        with page.expect_navigation():
            page.locator(f"{invite} button[type=submit]").click()
        assert "invited=1" in page.url, page.url
        invitation_path = live_server.newest_link(INVITED, "/invitations/")
    finally:
        context.close()

    own_slugs = {
        who: [
            row["slug"]
            for row in live_server.rows(
                "SELECT o.slug FROM memberships m JOIN users u ON u.id = m.user_id "
                "JOIN organisations o ON o.id = m.organisation_id WHERE u.email = ? ORDER BY o.id",
                (email,),
            )
        ]
        for who, email in IDENTITIES.items()
        if email
    }
    # The same pages with a one-off notice showing (one of each kind of page).
    code = live_server.rows("SELECT code FROM outbox ORDER BY id")[0][0]
    send_id = live_server.rows("SELECT id FROM sms_sends ORDER BY id")[0][0]
    extra = {
        "/r/{token}": [f"{rsvp_path}?new=1"],
        "/v/me/{token}": [f"{volunteer_path}?new=1"],
        "/m/{code}": [f"/m/{code}?stopped=1"],
        "/orgs/{slug}/sms/sends/{send_id:int}": [
            f"/orgs/{ASSOCIATION_SLUG}/sms/sends/{send_id}?sent=1&status=undelivered"
        ],
        "/dashboard": ["/dashboard?welcome=1"],
        "/accessibility": ["/accessibility?sent=1", "/accessibility?saved=1"],
        "/login": ["/login?reset=1"],
        "/account": ["/account?saved=password"],
        "/calendar/feeds": ["/calendar/feeds?revoked=1"],
        "/orgs/{slug}/contacts": [
            f"/orgs/{ASSOCIATION_SLUG}/contacts?saved=1&q=070",
            f"/orgs/{ASSOCIATION_SLUG}/contacts?tag=volunteer&imported=2",
        ],
        "/orgs/{slug}": [f"/orgs/{LIBRARY_SLUG}?saved=1"],
        "/orgs/{slug}/members": [f"/orgs/{LIBRARY_SLUG}/members?invited=1"],
        "/orgs/{slug}/associations": [f"/orgs/{LIBRARY_SLUG}/associations?decided=reject"],
        "/orgs/{slug}/locations": [f"/orgs/{LIBRARY_SLUG}/locations?done=room-saved"],
        # The embed with a bad option (a 400 page) and in another page language, and the
        # snippet builder with a choice made and with a bad one.
        "/embed/{slug}": [
            f"/embed/{LIBRARY_SLUG}?limit=0&title=Barn+%26+familj",
            f"/embed/{ASSOCIATION_SLUG}?lang=en&limit=3",
        ],
        "/orgs/{slug}/embed": [
            f"/orgs/{LIBRARY_SLUG}/embed?audience=children&limit=5&lang=sv",
            f"/orgs/{LIBRARY_SLUG}/embed?limit=500",
        ],
    }
    return Plan(
        values=_path_values(
            live_server,
            reset_path.rsplit("/", 1)[1],
            invitation_path.rsplit("/", 1)[1],
            rsvp_path.rsplit("/", 1)[1],
            volunteer_path.rsplit("/", 1)[1],
        ),
        reset_path=reset_path,
        invitation_path=invitation_path,
        extra=extra,
        own_slugs=own_slugs,
    )


class Seen:
    """The fingerprints of the pages audited in this test run: by this process and, with
    pytest-xdist, by the other workers (a file per page in a folder they share)."""

    def __init__(self, here: set[str] | None = None) -> None:
        self.here = set() if here is None else here
        self.shared: Path | None = None

    def claim(self, fingerprint: str) -> bool:
        """Whether the page is new to the run; from now on it counts as audited."""
        if fingerprint in self.here:
            return False
        self.here.add(fingerprint)
        if self.shared is None:
            return True
        try:
            os.close(os.open(self.shared / fingerprint, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True


# Pages already audited in this run, by fingerprint: a page that reads the same for two roles
# (an error page, a form) is audited once. The header differs per role and is audited on
# each role's first page.
AUDITED = Seen()
NOTICES_AUDITED: set[tuple[str, str]] = set()


@pytest.fixture(scope="session", autouse=True)
def share_audited_pages(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The roles' classes may run on different pytest-xdist workers (each with its own live
    server and demo data): a page audited by one is not audited again by another."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        AUDITED.shared = tmp_path_factory.getbasetemp().parent / "axe-audited"
        AUDITED.shared.mkdir(exist_ok=True)


class Audit:
    """Runs axe on pages and keeps every violation, so one run reports all of them."""

    def __init__(self, page: Page, who: str, seen: Seen | set[str] | None = None) -> None:
        """``seen``: the pages audited already (a set of fingerprints will do); by default,
        those of the whole run."""
        self.page = page
        self.who = who
        self.seen = seen if isinstance(seen, Seen) else AUDITED if seen is None else Seen(seen)
        self.findings: list[str] = []
        self.audited = 0

    def check(self, label: str) -> None:
        """Audit the page as it is now, unless this very page was audited already."""
        fingerprint = hashlib.sha256(self.page.evaluate(FINGERPRINT).encode()).hexdigest()
        # The fingerprint leaves out the header, which differs per person and language:
        # each session's first page is audited whole, whoever saw its content before.
        if not self.seen.claim(fingerprint) and self.audited:
            return
        self.audit(label)

    def audit(self, label: str) -> None:
        """Run axe on the page as it is now."""
        self.audited += 1
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.add_script_tag(path=str(AXE))
        for violation in self.page.evaluate(RUN_AXE, WCAG_TAGS):
            lines = [
                f"{label} as {self.who}: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} <{violation['url']}>"
            ]
            for node in violation["nodes"]:
                lines.append(f"    at {node['target']}: {node['html'][:160]}")
                lines.append("       " + " ".join(node["summary"].split())[:300])
            self.findings.append("\n".join(lines))

    def visit(self, url: str) -> tuple[int, str]:
        """Open ``url`` as this session: its status, and the path it ended at (after
        redirects). The page is fetched with the session's cookies first; only a page whose
        content was not audited yet is then opened in the browser and audited (a browser
        visit costs ten times the fetch, and most pages repeat one seen before)."""
        fetched = self.page.request.get(url, headers=NAVIGATION)
        if not self.seen.claim(html_fingerprint(fetched.text())) and self.audited:
            return fetched.status, urlsplit(fetched.url).path
        response = self.page.goto(url)
        assert response is not None, url
        ended = urlsplit(self.page.url).path
        self.audit(f"{url} [{response.status}, ended at {ended}]")
        return response.status, ended

    def submit(self, button: str, label: str, status: int = 400) -> None:
        """Press ``button``, check the answer is ``status``, audit the page it shows."""
        with self.page.expect_navigation() as navigation:
            self.page.locator(button).first.click()
        answered = navigation.value.status if navigation.value else 0
        assert answered == status, f"{label}: answered {answered}, not {status}"
        self.check(f"{label} [{answered}]")

    def assert_clean(self) -> None:
        report = "\n\n".join(self.findings)
        assert not self.findings, f"axe found {len(self.findings)} violation(s):\n\n{report}"


@pytest.fixture(scope="session")
def signed_in(browser: Any, live_server: LiveServer) -> Callable[[str], Any]:
    """Cookies of a logged-in session per demo person, logged in once per test process."""
    states: dict[str, Any] = {}

    def state(who: str) -> Any:
        if who not in states:
            context = browser.new_context(base_url=live_server.url, locale="sv-SE")
            try:
                page = context.new_page()
                email = IDENTITIES[who]
                if email:
                    log_in(page, email)
                states[who] = context.storage_state()
            finally:
                context.close()
        return states[who]

    return state


def audit_session(
    new_context: Callable[..., Any], signed_in: Callable[[str], Any], who: str, lang: str
) -> Audit:
    # bypass_csp: the page's CSP would refuse axe's script. axe is added to every page the
    # context opens (an init script costs less than injecting it page by page); Audit.audit
    # injects it with add_script_tag where it is missing.
    context = new_context(bypass_csp=True, storage_state=signed_in(who))
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto("/")
    choose_locale(page, lang)
    return Audit(page, f"{who} ({lang})")


def test_the_audit_finds_violations(
    new_context: Callable[..., Any], signed_in: Callable[[str], Any]
) -> None:
    """The audit itself works on our pages: a broken image and an unlabelled field are found."""
    page = audit_session(new_context, signed_in, "visitor", "sv").page
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="/static/nothing.png"><input type="text" id="unlabelled">')"""
    )
    audit = Audit(page, "visitor (sv)", seen=set())
    audit.check("home page with a broken image and field")
    found = "\n".join(audit.findings)
    assert "image-alt" in found and "label" in found and "#unlabelled" in found, found


def test_every_get_route_is_in_the_audit(plan: Plan, live_server: LiveServer) -> None:
    routes = {route.path for route in get_routes(live_server.app)}
    assert {"/", "/login", "/signup", "/dashboard"} <= routes
    for who in IDENTITIES:
        urls = plan.urls(live_server.app, who)
        assert set(urls) == routes
        assert all(urls.values()), (who, urls)


# Swedish (the default) as everyone; English as the three roles that between them see every
# page, to keep the suite fast.
PASSES = [(who, "sv") for who in IDENTITIES] + [
    (who, "en") for who in ("visitor", "library-admin", "association-admin")
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A role's class runs that role's PASSES."""
    if metafunc.definition.name == "test_every_page_has_no_axe_violations":
        who = metafunc.cls.WHO  # type: ignore[union-attr]
        metafunc.parametrize("lang", [lang for each, lang in PASSES if each == who])


class EveryPage:
    """Every page as ``WHO``, in each of its PASSES. Each role has a class of its own (below):
    pytest-xdist (``--dist loadscope``) runs a class as one unit of work, so the roles' passes
    are spread over the workers instead of all running on one."""

    WHO = ""

    def test_every_page_has_no_axe_violations(
        self,
        new_context: Callable[..., Any],
        signed_in: Callable[[str], Any],
        plan: Plan,
        live_server: LiveServer,
        lang: str,
    ) -> None:
        who = self.WHO
        audit = audit_session(new_context, signed_in, who, lang)
        visited: set[str] = set()
        for route, urls in plan.urls(live_server.app, who).items():
            shown = []  # the URLs this person may see (not refused, not sent elsewhere)
            for url in urls:
                status, ended = audit.visit(url)
                assert status < 500, f"{url} as {who} answered {status}"
                if status == 200 and ended == url:
                    shown.append(url)
            visited.add(route)
            if shown and (lang, route) not in NOTICES_AUDITED:
                # The same page with its one-off notices, once per language (and test
                # process): they look alike for everyone who may see the page.
                NOTICES_AUDITED.add((lang, route))
                for url in plan.extra.get(route, []):
                    audit.visit(url)
        missing = {route.path for route in get_routes(live_server.app)} - visited
        assert not missing, f"GET routes the audit did not visit: {sorted(missing)}"
        audit.assert_clean()


def test_every_role_has_its_passes() -> None:
    """Each identity has its class below: a pass with no class would never run."""
    roles = [cls.WHO for cls in EveryPage.__subclasses__() if cls.__name__.startswith("Test")]
    assert sorted(roles) == sorted(IDENTITIES)


class TestVisitor(EveryPage):
    WHO = "visitor"

    @pytest.mark.parametrize("lang", ["sv", "en"])
    def test_forms_in_their_error_states_have_no_axe_violations(
        self,
        new_context: Callable[..., Any],
        signed_in: Callable[[str], Any],
        plan: Plan,
        lang: str,
    ) -> None:
        audit = audit_session(new_context, signed_in, "visitor", lang)
        page = audit.page

        page.goto("/login")
        page.locator("#email").fill(ASSOCIATION_MEMBER)
        page.locator("#password").fill("not the password")
        audit.submit("main form[action='/login'] button[type=submit]", "log-in, wrong password")
        assert page.locator(".error-summary").is_visible()

        page.goto("/signup")
        audit.submit("main form[action='/signup'] button[type=submit]", "sign-up, empty")
        assert page.locator("[aria-invalid=true]").count() >= 4

        page.goto("/password/forgot")
        audit.submit("main form button[type=submit]", "forgot password, empty")
        page.locator("#email").fill("nobody@example.org")
        audit.submit("main form button[type=submit]", "forgot password, sent", status=200)

        page.goto(plan.reset_path)
        page.locator("#password").fill("a long new password")
        page.locator("#password_confirm").fill("another long password")
        audit.submit("main form button[type=submit]", "reset password, mismatch")

        page.goto(plan.invitation_path)
        audit.submit("main form button[type=submit]", "invitation, empty")

        page.goto("/accessibility")
        audit.submit("main form button[type=submit]", "accessibility report, empty")
        audit.assert_clean()


class TestLibraryAdmin(EveryPage):
    WHO = "library-admin"

    def test_forms_in_their_error_states_have_no_axe_violations(
        self,
        new_context: Callable[..., Any],
        signed_in: Callable[[str], Any],
        plan: Plan,
        live_server: LiveServer,
    ) -> None:
        audit = audit_session(new_context, signed_in, "library-admin", "sv")
        page = audit.page
        page.goto("/account")
        page.locator("#name").fill("")
        audit.submit("main form:has(input[name=form][value=profile]) button", "account, no name")
        page.locator("#current_password").fill("not the password")
        page.locator("#password").fill("a long new password")
        page.locator("#password_confirm").fill("a long new password")
        audit.submit(
            "main form:has(input[name=form][value=password]) button", "account, wrong password"
        )

        page.goto(f"/orgs/{LIBRARY_SLUG}/edit")
        page.locator("#name").fill("")
        audit.submit("main form button[type=submit]", "edit organisation, no name")

        page.goto(f"/orgs/{LIBRARY_SLUG}/members")
        invite = "main form:has(input[name=action][value=invite])"
        page.locator(f"{invite} #email").fill("not an e-mail address")
        audit.submit(f"{invite} button[type=submit]", "members, bad invitation")

        page.goto(f"/orgs/{LIBRARY_SLUG}/associations")
        audit.submit(
            "main form button[name=decision][value=reject]", "associations, decline without reason"
        )

        # The location, room, slot and closure forms, submitted empty.
        urls = plan.urls(live_server.app, "library-admin")
        paths = {route.name: route.path for route in get_routes(live_server.app)}
        for name in ("new_location", "new_room", "new_slot", "new_closure"):
            assert name in paths, f"no route named {name}"
            page.goto(urls[paths[name]][0])
            audit.submit("main form button[type=submit]", f"{name}, empty")
        # The library's evaluation of the held demo event, without an answer to "continue?".
        page.goto(urls[paths["event_evaluation"]][0])
        audit.submit("main form button[type=submit]", "evaluation, no answer")

        # One date of a series: cancelled without a reason, moved to end before it starts.
        page.goto(urls[paths["event_date"]][0])
        audit.submit("main form:has(input[name=action][value=cancel]) button", "date, no reason")
        page.locator("#end_time").fill("06:00")
        audit.submit("main form:has(input[name=action][value=move]) button", "date, ends too early")

        # The accessibility statement with a missing text and a phone number without digits.
        page.goto("/accessibility/edit")
        page.locator("#tested_how").fill("")
        page.locator("#report_phone").fill("call us")
        audit.submit("main form button[type=submit]", "accessibility statement, bad input")
        audit.assert_clean()


class TestLibraryStaff(EveryPage):
    WHO = "library-staff"


class TestAssociationAdmin(EveryPage):
    WHO = "association-admin"


class TestPendingAssociation(EveryPage):
    WHO = "pending-association"
