"""Members of an organisation: invitations, roles, removal, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests import factories
from tests.http.browsers import other_browser, read_english
from tests.http.records import link_in, mail_to, row_counts, rows
from webapp import clock
from webapp.auth.sessions import SESSION_COOKIE
from webapp.db.tables import invitations, memberships, users

NEW_PASSWORD = "we meet on thursdays"
KIM = "kim@nyagrannar.example"


@pytest.fixture(autouse=True)
def english(web):  # type: ignore[no-untyped-def]
    read_english(web)


def members_page(org) -> str:  # type: ignore[no-untyped-def]
    return f"/orgs/{org.slug}/members"


def invite(web, org, email: str, role: str = "member"):  # type: ignore[no-untyped-def]
    return web.post(members_page(org), {"action": "invite", "email": email, "role": role})


def invitation_link(web, email: str) -> str:  # type: ignore[no-untyped-def]
    return link_in(mail_to(web, email)[0].body, "/invitations/")


def membership_of(web, org, email: str):  # type: ignore[no-untyped-def]
    [user] = rows(web, users, users.c.email == email)
    found = rows(
        web,
        memberships,
        (memberships.c.user_id == user.id) & (memberships.c.organisation_id == org.id),
    )
    return found[0] if found else None


def roles(web, org) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {m.id: m.role for m in rows(web, memberships, memberships.c.organisation_id == org.id)}


def post_member(web, org, action: str, membership, **extra):  # type: ignore[no-untyped-def]
    return web.post(
        members_page(org), {"action": action, "membership_id": str(membership.id), **extra}
    )


# Invitations --------------------------------------------------------------------------------


def test_an_admin_invites_a_colleague_who_joins_with_a_new_account(web, world):
    web.login(world.emails["association_admin"])
    response = invite(web, world.association, KIM)
    assert response.status_code == 303
    assert response.headers["location"] == f"{members_page(world.association)}?invited=1"
    listing = web.get(response.headers["location"])
    assert "The invitation has been sent." in listing.text
    assert KIM in listing.text  # among the open invitations

    link = invitation_link(web, KIM)
    with other_browser(web) as kim:
        page = kim.get(link)
        assert page.status_code == 200
        assert "Join Nya grannar" in page.text
        assert f'value="{KIM}"' in page.text

        joined = kim.post(
            link,
            {
                "name": "Kim Nguyen",
                "email": KIM,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        )
        assert joined.status_code == 303
        assert joined.headers["location"] == f"/orgs/{world.association.slug}"
        assert SESSION_COOKIE in kim.client.cookies
        assert kim.get(members_page(world.association)).status_code == 200
    assert membership_of(web, world.association, KIM).role == "member"
    # Used: the invitation is no longer open, and its link leads nowhere.
    assert f"Withdraw invitation to {KIM}" not in web.get(members_page(world.association)).text
    assert web.get(link).status_code == 404


def test_the_new_account_must_use_the_invited_address(web, world):
    web.login(world.emails["association_admin"])
    invite(web, world.association, KIM)
    link = invitation_link(web, KIM)
    with other_browser(web) as stranger:
        before = row_counts(web)
        response = stranger.post(
            link,
            {
                "name": "Someone",
                "email": "someone@else.example",
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        )
        assert response.status_code == 400
        assert 'id="email-error"' in response.text
        assert "Use the e-mail address the invitation was sent to." in response.text
        assert NEW_PASSWORD not in response.text
        assert row_counts(web) == before
        assert stranger.get(link).status_code == 200  # still open


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"password_confirm": "something else entirely"}, "password_confirm"),
        ({"email": [KIM, "kim2@nyagrannar.example"]}, "email"),
    ],
)
def test_bad_account_details_on_the_invitation_are_400(web, world, changes, field):
    web.login(world.emails["association_admin"])
    invite(web, world.association, KIM)
    link = invitation_link(web, KIM)
    with other_browser(web) as kim:
        before = row_counts(web)
        data = {
            "name": "Kim Nguyen",
            "email": KIM,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        }
        response = kim.post(link, {**data, **changes})
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.text
        assert row_counts(web) == before


def test_an_existing_account_accepts_while_logged_in(web, world):
    pia = "pia@lundsbibliotek.example"
    web.run(factories.member, web.ctx, world.other_library.id, pia, "staff")
    web.login(world.emails["association_admin"])
    invite(web, world.association, pia, "admin")
    link = invitation_link(web, pia)
    with other_browser(web) as browser:
        browser.login(pia)
        page = browser.get(link)
        assert f"You are logged in as {pia}." in page.text
        response = browser.post(link)
        assert response.status_code == 303
        assert response.headers["location"] == f"/orgs/{world.association.slug}"
    assert membership_of(web, world.association, pia).role == "admin"
    assert membership_of(web, world.other_library, pia).role == "staff"


def test_an_existing_account_that_is_not_logged_in_is_told_to_log_in(web, world):
    pia = "pia@lundsbibliotek.example"
    web.run(factories.member, web.ctx, world.other_library.id, pia, "staff")
    web.login(world.emails["association_admin"])
    invite(web, world.association, pia)
    link = invitation_link(web, pia)
    with other_browser(web) as browser:
        page = browser.get(link)
        assert f'href="/login?next={link}"' in page.text
        before = row_counts(web)
        response = browser.post(
            link,
            {
                "name": "Pia",
                "email": pia,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        )
        assert response.status_code == 400
        assert (
            "An account with this e-mail address exists already. Log in instead." in response.text
        )
        assert row_counts(web) == before


def test_someone_who_is_already_a_member_is_not_invited(web, world):
    pia = "pia@nyagrannar.example"
    web.run(factories.member, web.ctx, world.association.id, pia, "member")
    web.login(world.emails["association_admin"])
    before = row_counts(web)
    response = invite(web, world.association, pia.upper())
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "This person is already a member." in response.text
    assert row_counts(web) == before


def test_a_withdrawn_invitation_leads_nowhere(web, world):
    web.login(world.emails["association_admin"])
    invite(web, world.association, KIM)
    link = invitation_link(web, KIM)
    [sent] = rows(web, invitations, invitations.c.email == KIM)
    response = web.post(
        members_page(world.association), {"action": "revoke", "invitation_id": str(sent.id)}
    )
    assert response.status_code == 303
    with other_browser(web) as kim:
        page = kim.get(link)
        assert page.status_code == 404
        assert "This invitation has expired, been withdrawn or already been used." in page.text
        posted = kim.post(
            link,
            {
                "name": "Kim",
                "email": KIM,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        )
        assert posted.status_code == 404
    assert rows(web, users, users.c.email == KIM) == []


async def _expire(ctx, email: str) -> None:  # type: ignore[no-untyped-def]
    async with ctx.db.transaction() as conn:
        await conn.execute(
            update(invitations)
            .where(invitations.c.email == email)
            .values(expires_at=clock.now() - timedelta(minutes=1))
        )


def test_an_expired_invitation_leads_nowhere(web, world):
    web.login(world.emails["association_admin"])
    invite(web, world.association, KIM)
    link = invitation_link(web, KIM)
    web.run(_expire, web.ctx, KIM)
    with other_browser(web) as kim:
        assert kim.get(link).status_code == 404


@pytest.mark.parametrize("token", ["garbage", "x" * 43, "%2E%2E"])
def test_a_made_up_invitation_leads_nowhere(web, world, token):
    response = web.get(f"/invitations/{token}")
    assert response.status_code == 404
    before = row_counts(web)
    assert web.post(f"/invitations/{token}", {"name": "X", "email": KIM}).status_code == 404
    assert row_counts(web) == before


def test_a_withdrawal_by_another_organisation_is_404(web, world):
    web.login(world.emails["association_admin"])
    invite(web, world.association, KIM)
    [sent] = rows(web, invitations, invitations.c.email == KIM)
    web.logout()
    web.login(world.emails["other_association_admin"])
    response = web.post(
        members_page(world.other_association), {"action": "revoke", "invitation_id": str(sent.id)}
    )
    assert response.status_code == 404
    [still] = rows(web, invitations, invitations.c.email == KIM)
    assert still.revoked_at is None


@pytest.mark.parametrize(
    ("org_name", "role"),
    [("association", "staff"), ("association", "superuser"), ("library", "member")],
)
def test_roles_that_the_organisation_does_not_have_cannot_be_invited(web, world, org_name, role):
    org = getattr(world, org_name)
    web.login(world.emails[f"{org_name if org_name == 'association' else 'library'}_admin"])
    before = row_counts(web)
    response = invite(web, org, KIM, role)
    assert response.status_code == 400
    assert 'id="role-error"' in response.text
    assert f'value="{KIM}"' in response.text
    assert row_counts(web) == before


def test_a_library_admin_invites_staff(web, world):
    web.login(world.emails["library_admin"])
    assert invite(web, world.library, "sara@malmo.example", "staff").status_code == 303
    assert "/invitations/" in invitation_link(web, "sara@malmo.example")


# Roles and removal --------------------------------------------------------------------------


def test_an_admin_changes_a_role_and_removes_a_member(web, world):
    web.login(world.emails["association_admin"])
    member = membership_of(web, world.association, world.emails["association_member"])

    response = post_member(web, world.association, "role", member, role="admin")
    assert response.status_code == 303
    assert "The role has been changed." in web.get(response.headers["location"]).text
    assert membership_of(web, world.association, world.emails["association_member"]).role == "admin"

    response = post_member(web, world.association, "role", member, role="member")
    assert response.status_code == 303

    response = post_member(web, world.association, "remove", member)
    assert response.status_code == 303
    assert "The member has been removed." in web.get(response.headers["location"]).text
    assert membership_of(web, world.association, world.emails["association_member"]) is None


def test_a_removed_member_loses_access_at_once(web, world):
    with other_browser(web) as member_browser:
        member_browser.login(world.emails["association_member"])
        member_cookies = member_browser.client.cookies
    web.login(world.emails["association_admin"])
    post_member(
        web,
        world.association,
        "remove",
        membership_of(web, world.association, world.emails["association_member"]),
    )
    web.client.cookies = member_cookies
    assert web.get(members_page(world.association)).status_code == 403


def test_the_last_admin_cannot_be_demoted_or_removed(web, world):
    web.login(world.emails["association_admin"])
    me = membership_of(web, world.association, world.emails["association_admin"])
    before_roles, before = roles(web, world.association), row_counts(web)

    response = post_member(web, world.association, "role", me, role="member")
    assert response.status_code == 400
    assert (
        "An organisation needs at least one admin. Make someone else admin first." in response.text
    )
    response = post_member(web, world.association, "remove", me)
    assert response.status_code == 400
    assert "An organisation needs at least one admin." in response.text

    assert roles(web, world.association) == before_roles
    assert row_counts(web) == before


def test_with_a_second_admin_the_first_may_step_down(web, world):
    web.login(world.emails["association_admin"])
    post_member(
        web,
        world.association,
        "role",
        membership_of(web, world.association, world.emails["association_member"]),
        role="admin",
    )
    me = membership_of(web, world.association, world.emails["association_admin"])
    assert post_member(web, world.association, "role", me, role="member").status_code == 303
    # Now a member, the former admin may no longer manage.
    assert invite(web, world.association, KIM).status_code == 403


@pytest.mark.parametrize("role", ["staff", "superuser", "", "ADMIN"])
def test_a_role_the_association_does_not_have_is_400(web, world, role):
    web.login(world.emails["association_admin"])
    member = membership_of(web, world.association, world.emails["association_member"])
    before = roles(web, world.association)
    response = post_member(web, world.association, "role", member, role=role)
    assert response.status_code == 400
    assert "Choose one of the options." in response.text
    assert roles(web, world.association) == before


def test_a_library_has_no_plain_members(web, world):
    web.login(world.emails["library_admin"])
    staff = membership_of(web, world.library, world.emails["library_staff"])
    assert post_member(web, world.library, "role", staff, role="member").status_code == 400
    assert post_member(web, world.library, "role", staff, role="admin").status_code == 303


@pytest.mark.parametrize("action", ["role", "remove"])
def test_a_membership_of_another_organisation_is_404_and_unchanged(web, world, action):
    web.login(world.emails["association_admin"])
    theirs = membership_of(web, world.other_association, world.emails["other_association_admin"])
    before_roles, before = roles(web, world.other_association), row_counts(web)
    response = post_member(web, world.association, action, theirs, role="member")
    assert response.status_code == 404
    assert roles(web, world.other_association) == before_roles
    assert row_counts(web) == before


# Who may see and do what -------------------------------------------------------------------


def test_members_see_the_list_but_not_the_admin_forms(web, world):
    web.login(world.emails["association_member"])
    page = web.get(members_page(world.association))
    assert page.status_code == 200
    assert "Admin of Nya grannar" in page.text
    assert 'name="action" value="invite"' not in page.text
    assert 'name="action" value="remove"' not in page.text


NON_ADMIN_POSTS = [
    {"action": "invite", "email": KIM, "role": "member"},
    {"action": "invite", "email": "not an address", "role": "member"},
    {"action": "invite", "email": KIM, "role": "superuser"},
    {"action": "role", "membership_id": "MEMBER", "role": "admin"},
    {"action": "role", "membership_id": "ADMIN", "role": "member"},
    {"action": "remove", "membership_id": "ADMIN"},
    {"action": "remove", "membership_id": "not a number"},
    {"action": "revoke", "invitation_id": "1"},
    {"action": "something else"},
    {},
]


@pytest.mark.parametrize(
    "data", NON_ADMIN_POSTS, ids=lambda d: "-".join(str(v) for v in d.values()) or "empty"
)
def test_members_who_are_not_admins_get_403_on_every_change(web, world, data):
    ids = {
        "MEMBER": str(membership_of(web, world.association, world.emails["association_member"]).id),
        "ADMIN": str(membership_of(web, world.association, world.emails["association_admin"]).id),
    }
    data = {key: ids.get(value, value) for key, value in data.items()}
    web.login(world.emails["association_member"])
    before_roles, before = roles(web, world.association), row_counts(web)
    response = web.post(members_page(world.association), data)
    assert response.status_code == 403
    assert roles(web, world.association) == before_roles
    assert row_counts(web) == before


def test_library_staff_may_not_manage_members(web, world):
    web.login(world.emails["library_staff"])
    assert web.get(members_page(world.library)).status_code == 200
    assert invite(web, world.library, KIM, "staff").status_code == 403


@pytest.mark.parametrize(
    ("who", "org_name"),
    [
        ("other_association_admin", "association"),
        ("association_admin", "other_association"),
        ("library_admin", "association"),  # a partner library is not a member
        ("other_library_admin", "library"),
        ("association_member", "library"),
    ],
)
def test_members_of_other_organisations_get_403(web, world, who, org_name):
    org = getattr(world, org_name)
    web.login(world.emails[who])
    assert web.get(members_page(org)).status_code == 403
    before = row_counts(web)
    assert invite(web, org, KIM).status_code == 403
    assert row_counts(web) == before


def test_an_unknown_organisation_is_404(web, world):
    web.login(world.emails["association_admin"])
    assert web.get("/orgs/no-such-org/members").status_code == 404
