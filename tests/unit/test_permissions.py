"""The rule table, walked for every action and role."""

from dataclasses import dataclass

import pytest

from webapp.auth.permissions import RULES, Actor, Membership, can


@dataclass(frozen=True)
class Org:
    id: int
    kind: str


LIBRARY = Org(1, "library")
ASSOCIATION = Org(2, "association")


def member_of(org: Org, role: str) -> Actor:
    return Actor(
        user_id=10,
        name="X",
        email="x@example.org",
        memberships={org.id: Membership(org.id, role, org.kind, "active", "Org", "org")},
    )


EXPECTED = {
    # action: (library admin, library staff, association admin, association member) on own org
    "org.view": (True, True, True, True),
    "org.edit": (True, False, True, False),
    "org.members.view": (True, True, True, True),
    "org.members.manage": (True, False, True, False),
    "org.invite": (True, False, True, False),
    "program.embed": (True, True, True, True),
    "library.locations.view": (True, True, False, False),
    "library.locations.manage": (True, False, False, False),
    "library.associations.review": (True, False, False, False),
    "event.propose": (True, True, True, True),
    "library.events.review": (True, True, False, False),
    "library.slots.view": (True, True, False, False),
    "library.slots.manage": (True, False, False, False),
    "library.rules.manage": (True, False, False, False),
    "library.partners.view": (True, True, False, False),
    "library.partners.manage": (True, True, False, False),
    "calendar.staff_feed": (True, True, False, False),
    "calendar.partner_feed": (True, True, True, True),
    "contacts.manage": (True, True, True, True),
    "sms.budget": (True, False, True, False),
    "volunteers.organisation": (True, True, True, True),
    "statement.manage": (True, False, False, False),
}
# Rules about one event, walked in tests/unit/test_workflow.py.
EVENT_RULES = {
    "event.view",
    "event.edit",
    "event.comment",
    "event.invite_partner",
    "event.answer_invitation",
    "event.evaluate",
    "event.dates.manage",
    "event.invitations",
    "event.volunteers",
    "event.volunteers.roster",
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_roles_on_their_own_organisation(action):
    lib_admin, lib_staff, assoc_admin, assoc_member = EXPECTED[action]
    assert can(member_of(LIBRARY, "admin"), action, LIBRARY) is lib_admin
    assert can(member_of(LIBRARY, "staff"), action, LIBRARY) is lib_staff
    assert can(member_of(ASSOCIATION, "admin"), action, ASSOCIATION) is assoc_admin
    assert can(member_of(ASSOCIATION, "member"), action, ASSOCIATION) is assoc_member


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_nobody_acts_on_an_organisation_they_do_not_belong_to(action):
    other = Org(99, "library")
    for actor in (member_of(LIBRARY, "admin"), member_of(ASSOCIATION, "admin")):
        assert not can(actor, action, other)
    assert not can(Actor.anonymous(), action, LIBRARY)


def test_every_rule_is_covered_here():
    covered = set(EXPECTED) | EVENT_RULES | {"account.manage", "org.create_library", "console.view"}
    assert covered == set(RULES)


def test_superuser_never_gets_library_actions_on_an_association():
    root = Actor(user_id=1, name="Root", email="r@example.org", is_superuser=True)
    assert can(root, "org.edit", ASSOCIATION)
    assert can(root, "library.locations.manage", LIBRARY)
    assert not can(root, "library.locations.manage", ASSOCIATION)
    assert not can(root, "library.associations.review", ASSOCIATION)


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        can(member_of(LIBRARY, "admin"), "org.destroy", LIBRARY)
