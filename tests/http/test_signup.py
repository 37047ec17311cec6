"""An association signs up: a pending association, its first admin, and a request to a library."""

from __future__ import annotations

import html

import pytest

from tests.http.browsers import other_browser, read_english
from tests.http.records import mail_to, row_counts, rows
from webapp.auth.sessions import SESSION_COOKIE
from webapp.db.tables import memberships, organisations, partnerships, users

PASSWORD = "we read aloud on sundays"


@pytest.fixture(autouse=True)
def english(web):  # type: ignore[no-untyped-def]
    read_english(web)


def form(world, **changes):  # type: ignore[no-untyped-def]
    values = {
        "org_name": "Läsfrämjarna i Rosengård",
        "description": "Vi läser högt för barn\npå arabiska och svenska.",
        "website": "https://lasframjarna.example",
        "library_id": str(world.library.id),
        "message": "Vi vill ha sagostunder på lördagar.",
        "name": "Maria Haddad",
        "email": "maria@lasframjarna.example",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    values.update(changes)
    return values


def test_the_sign_up_page_lists_the_active_libraries(web, world):
    page = web.get("/signup")
    assert page.status_code == 200
    assert f'<option value="{world.library.id}">Malmö stadsbibliotek</option>' in page.text
    assert f'<option value="{world.other_library.id}">Lunds stadsbibliotek</option>' in page.text
    assert f'value="{world.association.id}"' not in page.text


def test_an_association_signs_up_and_waits_for_the_library(web, world):
    response = web.post("/signup", form(world))
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard?welcome=1"
    assert SESSION_COOKIE in web.client.cookies

    [user] = rows(web, users, users.c.email == "maria@lasframjarna.example")
    assert user.name == "Maria Haddad"
    [org] = rows(web, organisations, organisations.c.name == "Läsfrämjarna i Rosengård")
    assert (org.kind, org.status, org.slug) == (
        "association",
        "pending",
        "lasframjarna-i-rosengard",
    )
    assert org.website == "https://lasframjarna.example"
    assert org.description == "Vi läser högt för barn\npå arabiska och svenska."
    [membership] = rows(web, memberships, memberships.c.organisation_id == org.id)
    assert (membership.user_id, membership.role) == (user.id, "admin")
    [request] = rows(web, partnerships, partnerships.c.association_id == org.id)
    assert (request.library_id, request.status) == (world.library.id, "pending")
    assert request.message == "Vi vill ha sagostunder på lördagar."

    dashboard = web.get(response.headers["location"])
    assert dashboard.status_code == 200
    assert "Your association has been registered." in dashboard.text
    assert "Waiting for a library to approve" in dashboard.text

    [mail] = mail_to(web, world.emails["library_admin"])[:1]
    assert "Läsfrämjarna i Rosengård" in mail.body
    assert f"/orgs/{world.library.slug}/associations" in mail.body
    assert mail_to(web, world.emails["other_library_admin"]) == []
    assert mail_to(web, world.emails["library_staff"]) == []


def test_the_new_admin_can_log_in_later(web, world):
    web.post("/signup", form(world, email="Maria@Lasframjarna.Example"))
    web.logout()
    with other_browser(web) as other:
        other.login("maria@lasframjarna.example", PASSWORD)


def test_signing_up_works_from_a_busy_address(web, world):
    # A library's public computers share one address; other people's failed log-ins there
    # must not break a sign-up half-way.
    for n in range(web.ctx.settings.login_limit_per_address):
        web.post("/login", {"email": f"guess{n}@nowhere.example", "password": "not the password"})
    response = web.post("/signup", form(world))
    assert response.status_code == 303
    assert web.get("/dashboard").status_code == 200


LONG = "x" * 161

BAD_INPUT = [
    # (what is wrong, changes to the form, the field with the message)
    ("no association name", {"org_name": ""}, "org_name"),
    ("only spaces as name", {"org_name": "   "}, "org_name"),
    ("association name too long", {"org_name": LONG}, "org_name"),
    ("control characters", {"org_name": "Läs\x00främjarna"}, "org_name"),
    ("no name of the person", {"name": ""}, "name"),
    ("person's name too long", {"name": "y" * 121}, "name"),
    ("no e-mail", {"email": ""}, "email"),
    ("bad e-mail", {"email": "maria.lasframjarna.example"}, "email"),
    ("e-mail with two @", {"email": "maria@@lasframjarna.example"}, "email"),
    ("website not http", {"website": "javascript:alert(1)"}, "website"),
    ("short password", {"password": "kort", "password_confirm": "kort"}, "password"),
    ("mismatching passwords", {"password_confirm": PASSWORD + "!"}, "password_confirm"),
    ("no library chosen", {"library_id": ""}, "library_id"),
    ("an association as library", {"library_id": "ASSOCIATION"}, "library_id"),
    ("a library that does not exist", {"library_id": "999999"}, "library_id"),
    ("a library id that is not a number", {"library_id": "abc"}, "library_id"),
    ("a library id with a sign", {"library_id": "+1"}, "library_id"),
    ("two libraries", {"library_id": ["LIBRARY", "OTHER_LIBRARY"]}, "library_id"),
    ("two association names", {"org_name": ["Läsfrämjarna", "Schackklubben"]}, "org_name"),
    (
        "two e-mail addresses",
        {"email": ["maria@lasframjarna.example", "x@lasframjarna.example"]},
        "email",
    ),
    ("two passwords", {"password": [PASSWORD, "another long password"]}, "password"),
    ("description too long", {"description": "z" * 2001}, "description"),
]


def _resolve(world, changes):  # type: ignore[no-untyped-def]
    names = {
        "LIBRARY": str(world.library.id),
        "OTHER_LIBRARY": str(world.other_library.id),
        "ASSOCIATION": str(world.association.id),
    }

    def one(value):  # type: ignore[no-untyped-def]
        return names.get(value, value) if isinstance(value, str) else [one(v) for v in value]

    return {key: one(value) for key, value in changes.items()}


@pytest.mark.parametrize(("case", "changes", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_400_with_the_message_at_the_field_and_nothing_saved(
    web, world, case, changes, field
):
    before = row_counts(web)
    data = form(world, **_resolve(world, changes))
    response = web.post("/signup", data)

    assert response.status_code == 400, case
    page = response.text
    assert f'id="{field}-error"' in page
    assert f'aria-describedby="{field}-error"' in page or f"{field}-hint {field}-error" in page
    assert 'class="error-summary"' in page and f'href="#{field}"' in page
    # What the person typed is still there, except the passwords.
    for kept in ("org_name", "name", "email", "website"):
        if kept not in changes:
            assert f'value="{html.escape(data[kept])}"' in page
    if "description" not in changes:
        assert ">Vi läser högt för barn\npå arabiska och svenska.</textarea>" in page
    if "library_id" not in changes:
        assert f'<option value="{world.library.id}" selected>' in page
    assert PASSWORD not in page and "kort" not in page
    assert SESSION_COOKIE not in web.client.cookies
    assert row_counts(web) == before


def test_a_file_instead_of_a_name_is_400(web, world):
    before = row_counts(web)
    data = form(world)
    del data["org_name"]
    response = web.post("/signup", data, files={"org_name": ("name.txt", b"Filnamn", "text/plain")})
    assert response.status_code == 400
    assert row_counts(web) == before


def test_an_e_mail_that_has_an_account_gets_a_clear_message(web, world):
    assert web.post("/signup", form(world)).status_code == 303
    web.logout()
    before = row_counts(web)

    response = web.post(
        "/signup", form(world, org_name="Schackvännerna", email="MARIA@lasframjarna.example")
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "An account with this e-mail address exists already. Log in instead." in response.text
    assert 'value="Schackvännerna"' in response.text
    assert row_counts(web) == before


def test_the_same_name_twice_gets_its_own_address(web, world):
    web.post("/signup", form(world))
    web.logout()
    web.post("/signup", form(world, email="kalle@lasframjarna.example"))
    slugs = {
        r.slug for r in rows(web, organisations, organisations.c.name == "Läsfrämjarna i Rosengård")
    }
    assert slugs == {"lasframjarna-i-rosengard", "lasframjarna-i-rosengard-2"}


def test_a_missing_csrf_token_is_403_and_nothing_saved(web, world):
    web.csrf()
    before = row_counts(web)
    response = web.client.post("/signup", data=form(world), follow_redirects=False)
    assert response.status_code == 403
    assert "Your form had expired or came from another site." in response.text
    assert row_counts(web) == before


def test_a_forged_csrf_token_is_403_and_nothing_saved(web, world):
    before = row_counts(web)
    response = web.post("/signup", {**form(world), "csrf_token": "forged." + "a" * 40})
    assert response.status_code == 403
    assert row_counts(web) == before


def test_a_csrf_token_without_its_cookie_is_403(web, world):
    token = web.csrf()
    web.client.cookies.clear()
    before = row_counts(web)
    response = web.client.post(
        "/signup", data={**form(world), "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 403
    assert row_counts(web) == before


def test_a_post_from_another_site_is_403_even_with_a_token(web, world):
    before = row_counts(web)
    response = web.post("/signup", form(world), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert row_counts(web) == before
    # The same form from our own origin goes through.
    ok = web.post("/signup", form(world), headers={"Origin": "http://testserver"})
    assert ok.status_code == 303
