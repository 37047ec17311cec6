"""A library's admins decide on associations that asked to work with the library."""

from __future__ import annotations

import pytest

from tests import factories
from tests.http.browsers import read_english
from tests.http.records import mail_to, row_counts, rows
from webapp.db.tables import organisations, partnerships


@pytest.fixture(autouse=True)
def english(web):  # type: ignore[no-untyped-def]
    read_english(web)


@pytest.fixture
def pending(web, world):  # type: ignore[no-untyped-def]
    """A new association asking Malmö; its request (a partnerships row)."""
    org = web.run(
        factories.association, web.ctx, "Läsfrämjarna", "admin@lasframjarna.test", world.library.id
    )
    [request] = rows(web, partnerships, partnerships.c.association_id == org.id)
    return request


def page(world) -> str:  # type: ignore[no-untyped-def]
    return f"/orgs/{world.library.slug}/associations"


def decide(web, world, request, decision: str, reason: str = ""):  # type: ignore[no-untyped-def]
    return web.post(
        page(world), {"partnership_id": str(request.id), "decision": decision, "reason": reason}
    )


def state(web, request) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    [p] = rows(web, partnerships, partnerships.c.id == request.id)
    [org] = rows(web, organisations, organisations.c.id == request.association_id)
    return p.status, org.status


def test_the_library_admin_sees_the_waiting_requests(web, world, pending):
    web.login(world.emails["library_admin"])
    dashboard = web.get("/dashboard")
    assert "1 association awaits your approval" in dashboard.text
    response = web.get(page(world))
    assert response.status_code == 200
    assert "Läsfrämjarna" in response.text
    assert f'name="partnership_id" value="{pending.id}"' in response.text
    assert "Approve Läsfrämjarna" in response.text
    # The two associations decided while building the world are listed as decided.
    assert "Nya grannar" in response.text and "Approved" in response.text


def test_approving_activates_the_association_and_tells_its_admin(web, world, pending):
    web.login(world.emails["library_admin"])
    response = decide(web, world, pending, "approve")
    assert response.status_code == 303
    assert response.headers["location"] == f"{page(world)}?decided=approve"
    assert "The association has been approved" in web.get(response.headers["location"]).text

    assert state(web, pending) == ("approved", "active")
    [p] = rows(web, partnerships, partnerships.c.id == pending.id)
    assert p.decided_at is not None and p.decided_by is not None
    [mail] = mail_to(web, "admin@lasframjarna.test")
    assert "Malmö stadsbibliotek" in mail.subject and "/dashboard" in mail.body


def test_rejecting_needs_a_reason_which_the_association_is_told(web, world, pending):
    web.login(world.emails["library_admin"])
    response = decide(web, world, pending, "reject", "Vi har inga lokaler på lördagar just nu.")
    assert response.status_code == 303
    assert state(web, pending) == ("rejected", "rejected")
    [mail] = mail_to(web, "admin@lasframjarna.test")
    assert "Vi har inga lokaler på lördagar just nu." in mail.body

    web.logout()
    web.login("admin@lasframjarna.test")
    assert "Not approved" in web.get("/dashboard").text


def test_rejecting_without_a_reason_is_400_and_changes_nothing(web, world, pending):
    web.login(world.emails["library_admin"])
    before = row_counts(web)
    response = decide(web, world, pending, "reject", "   ")
    assert response.status_code == 400
    assert f'id="reason-{pending.id}-error"' in response.text
    assert "Tell the association why, so they can respond." in response.text
    assert f'aria-describedby="reason-{pending.id}-error"' in response.text
    assert state(web, pending) == ("pending", "pending")
    assert row_counts(web) == before


def test_a_long_reason_is_kept_when_something_else_is_wrong(web, world, pending):
    web.login(world.emails["library_admin"])
    response = web.post(
        page(world), {"partnership_id": str(pending.id), "decision": "maybe", "reason": "Därför."}
    )
    assert response.status_code == 400
    assert state(web, pending) == ("pending", "pending")
    assert "Därför." in response.text


@pytest.mark.parametrize(
    "who", ["library_staff", "other_library_admin", "association_admin", "association_member"]
)
def test_others_may_not_see_or_decide(web, world, pending, who):
    web.login(world.emails[who])
    assert web.get(page(world)).status_code == 403
    before = row_counts(web)
    assert decide(web, world, pending, "approve").status_code == 403
    assert state(web, pending) == ("pending", "pending")
    assert row_counts(web) == before


def test_an_association_has_no_requests_page(web, world):
    web.login(world.emails["association_admin"])
    assert web.get(f"/orgs/{world.association.slug}/associations").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(web, world, pending):
    response = web.get(page(world))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert decide(web, world, pending, "approve").status_code == 303
    assert state(web, pending) == ("pending", "pending")


def test_a_request_to_another_library_is_404_and_unchanged(web, world):
    org = web.run(
        factories.association,
        web.ctx,
        "Lunds läsare",
        "admin@lundslasare.test",
        world.other_library.id,
    )
    [theirs] = rows(web, partnerships, partnerships.c.association_id == org.id)
    web.login(world.emails["library_admin"])
    before = row_counts(web)
    response = decide(web, world, theirs, "approve")
    assert response.status_code == 404
    assert state(web, theirs) == ("pending", "pending")
    assert row_counts(web) == before


@pytest.mark.parametrize("value", ["", "abc", "-1", "1.5", "999999"])
def test_a_bad_request_id_changes_nothing(web, world, pending, value):
    web.login(world.emails["library_admin"])
    before = row_counts(web)
    response = web.post(page(world), {"partnership_id": value, "decision": "approve"})
    assert response.status_code in (400, 404)
    assert state(web, pending) == ("pending", "pending")
    assert row_counts(web) == before


def test_deciding_twice_is_refused_with_a_clear_message(web, world, pending):
    web.login(world.emails["library_admin"])
    assert decide(web, world, pending, "approve").status_code == 303
    before = row_counts(web)

    # A second tab still showed the request; its admin declines.
    response = decide(web, world, pending, "reject", "Fel förening.")
    assert response.status_code == 400
    assert "Someone else has already decided on this request." in response.text
    assert state(web, pending) == ("approved", "active")
    assert row_counts(web) == before


def test_a_decided_request_of_the_world_cannot_be_flipped(web, world):
    [request] = rows(web, partnerships, partnerships.c.association_id == world.association.id)
    web.login(world.emails["library_admin"])
    response = decide(web, world, request, "reject", "Ångrat.")
    assert response.status_code == 400
    assert "Someone else has already decided on this request." in response.text
    assert state(web, request) == ("approved", "active")


def test_what_an_association_wrote_is_shown_as_text(web, world):
    name = 'Läs <script>alert("x")</script>'
    web.run(factories.association, web.ctx, name, "admin@script.test", world.library.id)
    web.login(world.emails["library_admin"])
    text = web.get(page(world)).text
    assert "<script>alert" not in text
    assert "Läs &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
