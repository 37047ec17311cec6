"""Fuzzed requests to every form of the app, over HTTP, as a person allowed to send it: never
a server error, and a refused request changes no row anywhere.

The routes come from the app (every route that takes POST; its path and who may use it from
the authorization table, tests/http/test_route_access.py), and the field names from the
app's own pages: the fields of the <form> whose action is the route (any GET page of the
table may hold it), else the fields of the route's own GET page. Values are hypothesis's
(tests/http/test_security_fuzz_forms.py: unicode, control characters, NUL, huge strings,
odd numbers and dates, fields sent twice). The CSV import gets fuzzed files. Every GET page
gets fuzzed query strings too (the program's, the API's and the lists' filters).

Bounded: a few examples per route, derandomized, no example database (docs/security.md
has the time it takes).
"""

from __future__ import annotations

import traceback
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all
from starlette.routing import Route

from tests.http.browsers import Browsers
from tests.http.test_route_access import ASSOCIATION_PAGES, EXPECTED, _place
from tests.http.test_security_fuzz_forms import (
    _one_or_more,
    _parsers,
    fields_read,
    values,
    values_for,
)
from webapp.db.tables import metadata

EXAMPLES = 4
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Who sends each form: the first of these the table allows (else the library's admin, who
# must get a refusal or a 404, never an error).
PREFERRED = ("library_admin", "association_member", "association_admin", "library_staff",
             "anonymous")  # fmt: skip
SKIPPED = {
    "logout": "would end the fuzzing session; tests/http/test_login.py",
    "twilio_status": "Twilio's signed webhooks: the webhook flood and signature tests",
    "twilio_inbound": "as twilio_status",
}
# Rows that a refused request may still write: its rate-limit counter.
MAY_CHANGE_ON_REFUSAL = {"rate_limits"}
QUERY_NAMES = ["page", "per_page", "q", "tag", "from", "to", "week", "location", "room",
               "audience", "language", "partner", "org", "level", "target_group",
               "next"]  # fmt: skip
NUL = "a\x00b"


class _Forms(HTMLParser):
    """The field names of every <form> of a page, by the form's action."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, set[str]] = {}
        self.current: set[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "get").lower() == "post":
            action = (found.get("action") or self.page_path).split("?")[0]
            self.current = self.forms.setdefault(action, set())
        elif tag in ("input", "select", "textarea", "button") and self.current is not None:
            name = found.get("name")
            if name and name != "csrf_token":
                self.current.add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


# Forms whose page the fuzzing does not open (public pages behind a token, pages shown only
# to someone not logged in): their fields as their parser reads them.
ROUTE_PARSERS = {
    "login": "webapp.auth.forms:login_form",
    "reset_password": "webapp.auth.forms:new_password",
    "invitation": "webapp.orgs.forms:account_fields",
    "rsvp": "webapp.rsvp.forms:rsvp_form",
    "change_rsvp": "webapp.rsvp.forms:party_form",
    "event_evaluation": "webapp.events.evaluation_forms:evaluation_form",
    "volunteer_signup": "webapp.volunteers.forms:signup_form",
    "volunteer_details": "webapp.volunteers.forms:details_form",
    "message_volunteers": "webapp.volunteers.forms:message_form",
    "edit_volunteer_task": "webapp.volunteers.forms:task_form",
    "edit_volunteer_template": "webapp.volunteers.forms:template_form",
}


def _fields_of_parser(route_name: str) -> list[str]:
    parser = ROUTE_PARSERS.get(route_name)
    if parser is None:
        return ["name", "value", "id", "body"]
    return fields_read(_parsers()[parser])


def _role(allowed: set[str]) -> str:
    return next((role for role in PREFERRED if role in allowed), "library_admin")


def _row_counts(web) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    query = union_all(
        *(
            select(literal(t.name).label("name"), select(func.count()).select_from(t)
                   .scalar_subquery().label("rows"))
            for t in tables
        )
    )  # fmt: skip

    async def count() -> dict[str, int]:
        async with web.ctx.db.read() as conn:
            return {row.name: int(row.rows) for row in await conn.execute(query)}

    return web.run(count)


def _send(web, method: str, path: str, **kwargs: Any) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The status, or 500 with the traceback when the app raised."""
    try:
        response = web.client.request(method, path, follow_redirects=False, **kwargs)
    except Exception:  # noqa: BLE001 - the test client re-raises what the app raised
        return 500, traceback.format_exc(limit=-3)
    return response.status_code, response.text[:300]


def _pages(web, world, params):  # type: ignore[no-untyped-def]
    """Every GET path of the table, with the role that may open it."""
    rows = [(n, t, allowed) for n, (t, method, allowed) in EXPECTED.items() if method == "GET"]
    rows += [(n, t, allowed) for n, (t, allowed) in ASSOCIATION_PAGES.items()]
    return [(name, t.format(**params), _role(allowed)) for name, t, allowed in rows]


def _login_all(browsers, world) -> None:  # type: ignore[no-untyped-def]
    for role in PREFERRED:
        if role != "anonymous":
            with browsers.use(role) as web:
                web.login(world.emails[role])


def _poster(browsers, name, path, role, failures):  # type: ignore[no-untyped-def]
    """Sends one fuzzed form and judges the answer."""

    def post(fields: dict[str, list[str]], upload: bytes | None) -> None:
        with browsers.use(role) as client:
            data = {**fields, "csrf_token": client.csrf()}
            before = _row_counts(client)
            files = {"file": ("contacts.csv", upload, "text/csv")} if upload else None
            status, text = _send(client, "POST", path, data=data, files=files)
            after = _row_counts(client)
        what = f"POST {path} ({name}) as {role} with {data!r:.300}"
        if status >= 500:
            failures.append(f"{what}: {status}\n{text}")
        elif status >= 400:
            changed = {
                t for t in before if before[t] != after[t] and t not in MAY_CHANGE_ON_REFUSAL
            }
            if changed:
                failures.append(f"{what}: {status} but rows changed in {sorted(changed)}")

    return post


def test_fuzzed_forms_never_fail_and_refusals_write_nothing(web, app, world):
    params = _place(web, world)
    browsers = Browsers(web)
    _login_all(browsers, world)
    # The forms of every page, as each role sees them.
    fields_by_action: dict[str, set[str]] = {}
    for _name, path, role in _pages(web, world, params):
        with browsers.use(role) as client:
            response = client.get(path)
        if response.status_code == 200 and "html" in response.headers.get("content-type", ""):
            parser = _Forms(path.split("?")[0])
            parser.feed(response.text)
            for action, names in parser.forms.items():
                fields_by_action.setdefault(action, set()).update(names)

    failures: list[str] = []
    for route in app.routes:
        if not isinstance(route, Route) or "POST" not in (route.methods or ()):
            continue
        if route.name in SKIPPED or route.name not in EXPECTED:
            continue  # (a route missing from the table fails test_route_access.py)
        template, _method, allowed = EXPECTED[route.name]
        path = template.format(**params).split("?")[0]
        names = sorted(fields_by_action.get(path, ())) or _fields_of_parser(route.name)
        role = _role(allowed)

        post = _poster(browsers, route.name, path, role, failures)
        fields = st.fixed_dictionaries({}, optional={n: _one_or_more(values_for(n)) for n in names})
        uploads = st.binary(max_size=3000) if route.name == "import_contacts" else st.none()

        FUZZ(given(fields, uploads)(post))()
        # And once with NUL in every field (and in the file), which random values seldom do.
        post(
            {n: [NUL] for n in names},
            b"name;phone\n\x00;0701234567\n" if route.name == "import_contacts" else None,
        )
    assert not failures, "\n\n".join(failures)


def _getter(browsers, name, path, role, failures):  # type: ignore[no-untyped-def]
    def get(pairs: list[tuple[str, str]]) -> None:
        with browsers.use(role) as client:
            status, text = _send(client, "GET", path.split("?")[0], params=pairs)
        if status >= 500:
            failures.append(f"GET {path} as {role} with {pairs!r:.300}: {status}\n{text}")

    return get


def test_fuzzed_query_strings_never_fail(web, world):
    params = _place(web, world)
    browsers = Browsers(web)
    _login_all(browsers, world)
    failures: list[str] = []
    query = st.lists(
        st.tuples(st.sampled_from(QUERY_NAMES), values.filter(lambda v: len(v) < 5000)),
        min_size=1,
        max_size=4,
    )
    for name, path, role in _pages(web, world, params):
        get = _getter(browsers, name, path, role, failures)
        settings(FUZZ, max_examples=2)(given(query)(get))()
        get([(name, NUL) for name in QUERY_NAMES])  # NUL in every filter, once
    assert not failures, "\n\n".join(failures)


def test_nul_in_the_contact_search(web, world):
    web.login(world.emails["library_admin"])
    for query in ("q", "tag"):
        status, text = _send(
            web, "GET", f"/orgs/{world.library.slug}/contacts", params={query: NUL}
        )
        assert status == 200, text


def test_nul_in_a_csv_file(web, world):
    web.login(world.emails["library_admin"])
    status, text = _send(
        web, "POST", f"/orgs/{world.library.slug}/contacts/import",
        data={"csrf_token": web.csrf()},
        files={"file": ("list.csv", b"name;phone;consent;date\nA\x00;0701234567;form;2026-09-01\n",
                        "text/csv")},
    )  # fmt: skip
    assert status in (303, 400), text
