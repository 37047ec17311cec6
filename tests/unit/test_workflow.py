"""The event workflow table and the event rules, walked for every state and every party."""

from dataclasses import dataclass, field

import pytest

from webapp.auth.permissions import Actor, Membership, can, event_parties
from webapp.events import workflow

LIBRARY, LEAD, CO_HOST, INVITED, STRANGER = 1, 2, 3, 4, 5
PARTIES = ("library", "lead", "partner", "invited", "stranger")


@dataclass(frozen=True)
class Event:
    state: str
    library_id: int = LIBRARY
    submitted: bool | None = None
    partner_roles: dict = field(
        default_factory=lambda: {
            LEAD: ("lead", "active"),
            CO_HOST: ("co_host", "active"),
            INVITED: ("supporter", "invited"),
        }
    )

    @property
    def was_submitted(self) -> bool:
        return self.state != "draft" if self.submitted is None else self.submitted


def person(org_id: int, role: str = "member") -> Actor:
    kind = "library" if org_id == LIBRARY else "association"
    return Actor(
        user_id=org_id * 10,
        name="X",
        email="x@example.org",
        memberships={org_id: Membership(org_id, role, kind, "active", "Org", "org")},
    )


PEOPLE = {
    "library": person(LIBRARY, "staff"),
    "lead": person(LEAD),
    "partner": person(CO_HOST),
    "invited": person(INVITED),
    "stranger": person(STRANGER, "admin"),
}


def test_every_state_is_reachable_and_every_transition_names_known_states():
    for step in workflow.TRANSITIONS:
        assert step.source in workflow.STATES and step.target in workflow.STATES
        assert step.who <= {"library", "lead", "partner", "system"}
    reachable = {"draft"} | {t.target for t in workflow.TRANSITIONS}
    assert reachable == set(workflow.STATES)


@pytest.mark.parametrize("state", workflow.STATES)
@pytest.mark.parametrize("who", PARTIES)
def test_every_action_from_every_state_for_every_party(state, who):
    parties = event_parties(PEOPLE[who], Event(state))
    for action in workflow.ACTIONS:
        step = workflow.transition(state, action)
        expected = step is not None and bool(step.who & parties)
        assert (workflow.allowed(state, action, parties) is not None) is expected, (
            action,
            state,
            who,
        )
    # Whatever the table says, strangers and the merely invited never move an event.
    if who in ("stranger", "invited"):
        assert workflow.available(state, parties) == []


def test_the_rules_the_issue_names():
    lib = event_parties(PEOPLE["library"], Event("submitted"))
    lead = event_parties(PEOPLE["lead"], Event("submitted"))
    co_host = event_parties(PEOPLE["partner"], Event("submitted"))
    assert workflow.allowed("submitted", "approve", lib).target == "approved"
    assert workflow.allowed("submitted", "approve", lead) is None
    assert workflow.allowed("submitted", "withdraw", lead).target == "withdrawn"
    assert workflow.allowed("submitted", "withdraw", co_host) is None
    assert workflow.allowed("changes_requested", "resubmit", co_host).target == "submitted"
    assert workflow.allowed("published", "cancel", lib).needs == "reason"
    assert workflow.allowed("submitted", "request_changes", lib).needs == "comment"


@pytest.mark.parametrize("state", workflow.STATES)
def test_event_rules_by_party(state):
    event = Event(state)
    editable = state in workflow.EDITABLE_STATES
    library_sees = state != "draft"
    held = state in ("completed", "evaluated")
    booked = state in ("approved", "published")
    expect = {
        "library": {"event.view": library_sees, "event.edit": library_sees and editable,
                    "event.invite_partner": library_sees and editable,
                    "event.answer_invitation": False, "event.evaluate": held,
                    "event.dates.manage": booked},
        "lead": {"event.view": True, "event.edit": editable, "event.invite_partner": editable,
                 "event.answer_invitation": False, "event.evaluate": held,
                 "event.dates.manage": booked},
        "partner": {"event.view": True, "event.edit": editable, "event.invite_partner": False,
                    "event.answer_invitation": False, "event.evaluate": held,
                    "event.dates.manage": False},
        "invited": {"event.view": True, "event.edit": False, "event.invite_partner": False,
                    "event.answer_invitation": True, "event.evaluate": False,
                    "event.dates.manage": False},
        "stranger": {"event.view": False, "event.edit": False, "event.invite_partner": False,
                     "event.answer_invitation": False, "event.evaluate": False,
                     "event.dates.manage": False},
    }  # fmt: skip
    for who, rules in expect.items():
        for action, allowed in rules.items():
            assert can(PEOPLE[who], action, event) is allowed, (who, action, state)
        assert can(PEOPLE[who], "event.comment", event) is rules["event.view"]
        # The invitation plan is changed by whoever may edit the event.
        assert can(PEOPLE[who], "event.invitations", event) is rules["event.edit"]
        # So are the volunteers' tasks; the roster is for the organisers (not the invited).
        assert can(PEOPLE[who], "event.volunteers", event) is rules["event.edit"]
        organiser = who in ("library", "lead", "partner") and rules["event.view"]
        assert can(PEOPLE[who], "event.volunteers.roster", event) is organiser
    assert not can(Actor.anonymous(), "event.view", event)


def test_a_draft_withdrawn_before_it_was_submitted_stays_private():
    never = Event("withdrawn", submitted=False)
    assert not can(PEOPLE["library"], "event.view", never)
    assert can(PEOPLE["library"], "event.view", Event("withdrawn", submitted=True))
    assert can(PEOPLE["lead"], "event.view", never)
