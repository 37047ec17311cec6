"""The co-planning journey, clicked through by the four people it takes: an association member
proposes "Poesikväll" and invites a co-host, the co-host joins and describes its part, the
library asks for a change, approves the event into a room and publishes it, and a visitor
finds it on the public program. On a desktop and on a phone, every distinct page audited by
axe in Swedish (the default); the proposing step also without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    ASSOCIATION_MEMBER,
    LIBRARY_SLUG,
    LIBRARY_STAFF,
    PHONE,
    log_in,
    screenshot,
    t,
)
from tests.browser.test_accessibility import Audit
from tests.browser.test_journey import watch_for_page_errors

pytestmark = pytest.mark.browser

CO_HOST = "maria@lasframjarna.example"  # association admin of Läsfrämjarna (webapp/demo.py)
LEAD_NAME, CO_HOST_NAME = "Nya grannar", "Läsfrämjarna"
LINA, MARIA = "Lina Ahmadi", "Maria Svensson"
TITLE = "Poesikväll"
ROOM = "Hörsalen"
TZ = ZoneInfo("Europe/Stockholm")  # the demo library's time zone (SAMSPEL_TIMEZONE default)
DESKTOP = {"width": 1280, "height": 900}
# Each run books its own Tuesday: the runs share one server, and a room takes one booking.
WEEKS_AHEAD = {"desktop": 5, "phone": 6, "nojs": 7}


def tuesday_ahead(weeks: int) -> date:
    """A Tuesday about ``weeks`` weeks from today in Stockholm, beyond the library's 14 days'
    notice and outside its Christmas closure (webapp/slots/demo.py)."""
    today = datetime.now(TZ).date()
    day = today + timedelta(days=(1 - today.weekday()) % 7 + 7 * (weeks - 1))
    while day.month == 12 and 24 <= day.day <= 26:
        day += timedelta(weeks=1)
    return day


class Journey:
    """What one run keeps: its screenshots' numbering and one axe audit per person, sharing
    which pages were audited already."""

    def __init__(self, new_context: Callable[..., Any], device: str) -> None:
        self.new_context = new_context
        self.device = device
        self.viewport = PHONE if device == "phone" else DESKTOP
        self.seen: set[str] = set()
        self.audits: list[Audit] = []
        self.problems: list[list[str]] = []
        self.shots = 0

    def person(self, email: str | None, who: str) -> tuple[Page, Audit]:
        # bypass_csp: the pages' CSP would refuse axe's script, which Audit.check injects.
        page = self.new_context(viewport=self.viewport, bypass_csp=True).new_page()
        self.problems.append(watch_for_page_errors(page))  # filled as the pages load
        if email:
            log_in(page, email)
        audit = Audit(page, f"{who} (sv, {self.device})", seen=self.seen)
        self.audits.append(audit)
        return page, audit

    def shot(self, page: Page, step: str) -> None:
        self.shots += 1
        prefix = "coplanning" if self.device == "desktop" else f"coplanning-{self.device}"
        screenshot(page, f"{prefix}-{self.shots:02d}-{step}")

    def assert_clean(self) -> None:
        for audit in self.audits:
            audit.assert_clean()


def go(page: Page, target: Locator, url: str | re.Pattern[str]) -> None:
    """Follow a link or press a button, and land on ``url`` (after the form's redirect)."""
    with page.expect_navigation(url=url) as navigation:
        target.click()
    response = navigation.value
    assert response is not None and response.status == 200, (page.url, response)


def plan_url(event_id: int, done: str) -> str:
    return f"**/events/{event_id}/plan?done={done}"


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def save(page: Page, event_id: int) -> None:
    """Press the form's "Save" and land on the workspace."""
    go(
        page,
        main(page).get_by_role("button", name=t("Save"), exact=True),
        plan_url(event_id, "saved"),
    )


def expect_state(page: Page, state: str) -> None:
    expect(main(page).locator(".status").first).to_have_text(t(state))


def expect_notice(page: Page, message: str) -> None:
    expect(main(page).locator(".notice[role=status]")).to_have_text(t(message))


# 1. The association member proposes the event --------------------------------------------------


def propose(page: Page, audit: Audit | None, day: date) -> int:
    """Lina proposes the event, fills in the edit form and saves; returns the event's id."""
    page.goto("/events/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Propose an event"))
    if audit:
        audit.check("new event form")
    page.get_by_label(t("Title"), exact=True).fill(TITLE)
    page.get_by_label(t("Summary")).fill("Dikter på svenska och persiska, läs själv eller lyssna.")
    go(page, main(page).get_by_role("button", name=t("Save draft")), re.compile(r"/edit\?new=1$"))
    found = re.search(r"/events/(\d+)/edit", page.url)
    assert found, page.url
    event_id = int(found.group(1))

    expect(page.get_by_label(t("Title"), exact=True)).to_have_value(TITLE)
    if audit:
        audit.check("edit form")
    page.get_by_label(t("Description")).fill(
        "Ta med en dikt du tycker om, eller kom och lyssna.\n\n- Fika\n- Tolk till persiska"
    )
    for code in ("sv", "fa"):
        page.locator(f"#languages-{code}").check()
    for code in ("adults", "newcomers"):
        page.locator(f"#audiences-{code}").check()
    page.get_by_label(t("Shared goal")).fill("Nya och gamla malmöbor möts genom poesi.")
    page.get_by_label(t("Resources")).fill("Biblioteket lånar ut salen; Nya grannar ordnar fika.")
    page.get_by_label(t("How invitations are divided")).fill(
        "Biblioteket sätter upp affischer; föreningarna sms:ar sina nätverk."
    )
    page.get_by_label(t("How we will judge success")).fill("Trettio kommer och tio läser själva.")
    page.locator("#date").fill(day.isoformat())
    page.locator("#start_time").fill("18:00")
    page.locator("#end_time").fill("20:00")
    save(page, event_id)
    expect_notice(page, "Your changes have been saved.")
    expect_state(page, "Draft")
    return event_id


def describe_part(page: Page, audit: Audit | None, event_id: int, org: str, contact: str) -> None:
    """From the workspace, describe what ``org`` contributes and who its contact person is."""
    link = main(page).get_by_role("link", name=t("Describe what %(name)s contributes", name=org))
    go(page, link, re.compile(rf"/events/{event_id}/partners/\d+$"))
    if audit:
        audit.check("partner form")
    page.get_by_label(t("Contact person")).select_option(label=contact)
    page.get_by_label(t("Role in the event")).fill(f"{contact} leder kvällen")
    page.get_by_label(t("Outreach")).fill("Sms till våra medlemmar.")
    save(page, event_id)
    partner = main(page).locator("li.card", has=page.get_by_role("heading", name=org))
    expect(partner).to_contain_text(contact)
    expect(partner).to_contain_text(f"{contact} leder kvällen")


def invite_co_host(page: Page, event_id: int) -> None:
    option = page.locator("#organisation_id option", has_text=CO_HOST_NAME)
    page.locator("#organisation_id").select_option(option.get_attribute("value"))
    page.locator("#role").select_option("co_host")
    go(page, page.locator("form[action$='/partners'] button"), plan_url(event_id, "invited"))
    expect_notice(page, "The invitation has been sent.")
    expect(main(page).get_by_role("heading", name=CO_HOST_NAME)).to_be_visible()


def step_1_propose(journey: Journey, day: date) -> tuple[Page, int]:
    page, audit = journey.person(ASSOCIATION_MEMBER, "association member")
    event_id = propose(page, audit, day)
    audit.check("workspace, draft")
    describe_part(page, audit, event_id, LEAD_NAME, LINA)
    invite_co_host(page, event_id)
    journey.shot(page, "proposed")
    return page, event_id


# 2. The co-host joins ----------------------------------------------------------------------------


def step_2_co_host_joins(journey: Journey, event_id: int) -> None:
    page, audit = journey.person(CO_HOST, "co-host admin")
    page.goto("/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Inbox"))
    audit.check("inbox")
    go(
        page,
        main(page).locator(f"a[href='/events/{event_id}/plan']").first,
        f"**/events/{event_id}/plan",
    )
    join = main(page).get_by_role("button", name=t("Join as partner"))
    journey.shot(page, "invited")
    go(page, join, plan_url(event_id, "joined"))
    expect_notice(page, "You have joined the event as a partner.")
    describe_part(page, None, event_id, CO_HOST_NAME, MARIA)
    journey.shot(page, "co-host-joined")


# 3. The lead submits -----------------------------------------------------------------------------


def step_3_submit(journey: Journey, page: Page, event_id: int) -> None:
    audit = journey.audits[0]
    page.goto(f"/events/{event_id}/plan")
    # The library's own questions are not answered yet: the workspace says so.
    expect(main(page).locator("#before-submit")).to_be_visible()
    go(
        page,
        main(page).get_by_role("link", name=t("Edit"), exact=True),
        f"**/events/{event_id}/edit",
    )
    answers = page.locator("#checklist input[type=radio][value=yes]")
    expect(answers).not_to_have_count(0)
    for i in range(answers.count()):
        answers.nth(i).check()
    save(page, event_id)
    expect(main(page).locator("#before-submit")).to_have_count(0)

    submit = t("Submit for review")
    go(page, main(page).get_by_role("link", name=submit), f"**/events/{event_id}/actions/submit")
    audit.check("action form (submit)")
    go(page, main(page).get_by_role("button", name=submit), plan_url(event_id, "submit"))
    expect_notice(page, "The event has been submitted to the library.")
    expect_state(page, "Waiting for review")
    journey.shot(page, "submitted")


# 4. The library asks for a change ----------------------------------------------------------------

COMMENT = "Kan ni skriva vilka poeter som läses? Då kan vi ställa fram deras böcker."


def step_4_request_changes(journey: Journey, event_id: int) -> Page:
    page, audit = journey.person(LIBRARY_STAFF, "library staff")
    page.goto(f"/orgs/{LIBRARY_SLUG}/review")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Review queue"))
    audit.check("review queue")
    journey.shot(page, "review-queue")
    go(
        page,
        main(page).locator(f"h2 a[href='/events/{event_id}/plan']"),
        f"**/events/{event_id}/plan",
    )
    audit.check("workspace, as the library")
    action = t("Request changes")
    go(page, main(page).get_by_role("link", name=action), "**/actions/request_changes")
    page.get_by_label(t("Comment")).fill(COMMENT)
    go(page, main(page).get_by_role("button", name=action), plan_url(event_id, "request_changes"))
    expect_notice(page, "The partners have been asked for changes.")
    expect_state(page, "Changes requested")
    journey.shot(page, "changes-requested")
    return page


# 5. The lead sees the comment, edits and resubmits -----------------------------------------------


def step_5_resubmit(journey: Journey, page: Page, event_id: int) -> None:
    page.goto(f"/events/{event_id}/plan")
    expect_state(page, "Changes requested")
    log = main(page).locator("section[aria-labelledby=log]")
    expect(log.get_by_role("heading", name=t("What has happened"))).to_be_visible()
    expect(log).to_contain_text(COMMENT)
    journey.shot(page, "comment-seen")

    go(
        page,
        main(page).get_by_role("link", name=t("Edit"), exact=True),
        f"**/events/{event_id}/edit",
    )
    description = page.get_by_label(t("Description"))
    description.fill(
        description.input_value() + "\n\nVi läser Edith Södergran, Forugh Farrokhzad och Rumi."
    )
    save(page, event_id)
    expect(main(page)).to_contain_text("Forugh Farrokhzad")

    resubmit = t("Resubmit")
    go(page, main(page).get_by_role("link", name=resubmit), "**/actions/resubmit")
    go(page, main(page).get_by_role("button", name=resubmit), plan_url(event_id, "resubmit"))
    expect_notice(page, "The event has been submitted again.")
    expect_state(page, "Waiting for review")


# 6. The library approves it into a room and publishes it -----------------------------------------


def step_6_approve_and_publish(journey: Journey, page: Page, event_id: int, day: date) -> None:
    audit = journey.audits[-1]
    page.goto(f"/orgs/{LIBRARY_SLUG}/review")
    go(
        page,
        main(page).locator(f"a[href='/events/{event_id}/approve']"),
        f"**/events/{event_id}/approve",
    )
    audit.check("approve form")
    # The time the partners asked for is already filled in.
    expect(page.locator("#date")).to_have_value(day.isoformat())
    expect(page.locator("#start_time")).to_have_value("18:00")
    expect(page.locator("#end_time")).to_have_value("20:00")
    room = page.locator("#room_id option", has_text=ROOM)
    page.get_by_label(t("Room"), exact=True).select_option(room.get_attribute("value"))
    journey.shot(page, "approve-form")
    go(
        page,
        main(page).get_by_role("button", name=t("Approve and book")),
        plan_url(event_id, "approve"),
    )
    expect_notice(page, "The event has been approved and the room booked.")
    expect_state(page, "Approved")

    publish = t("Publish")
    go(page, main(page).get_by_role("link", name=publish), "**/actions/publish")
    go(page, main(page).get_by_role("button", name=publish), plan_url(event_id, "publish"))
    expect_notice(page, "The event is now on the public program.")
    expect_state(page, "Published")
    journey.shot(page, "published")


# 7. A visitor finds it ---------------------------------------------------------------------------


def step_7_visitor(journey: Journey, event_id: int, day: date) -> None:
    page, audit = journey.person(None, "visitor")
    page.goto("/program")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Program"))
    audit.check("program")
    listed = page.locator("#program-results li.program-date").filter(
        has=page.locator(f"a[href='/events/{event_id}']")
    )
    expect(listed).to_contain_text(TITLE)
    expect(listed.locator("time").first).to_have_text("18:00")
    expect(listed.locator("time").nth(1)).to_have_text("20:00")
    expect(page.locator(f"time[datetime='{day.isoformat()}']")).to_be_visible()
    journey.shot(page, "program")

    go(page, listed.get_by_role("link", name=TITLE), f"**/events/{event_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    audit.check("public event page")
    when = page.locator("section[aria-labelledby=when-title]")
    times = when.locator("li time")
    expect(times.nth(0)).to_have_attribute("datetime", re.compile(rf"^{day.isoformat()}T18:00"))
    expect(times.nth(1)).to_have_text("18:00")  # the 24-hour clock, in Stockholm time
    expect(times.nth(2)).to_have_text("20:00")
    expect(page.locator("section[aria-labelledby=where-title]")).to_contain_text(ROOM)
    organisers = page.locator("section[aria-labelledby=organisers-title]")
    expect(organisers).to_contain_text(LEAD_NAME)
    expect(organisers).to_contain_text(CO_HOST_NAME)
    journey.shot(page, "public-page")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_co_planning_from_proposal_to_public_program(
    new_context: Callable[..., Any], device: str
) -> None:
    journey = Journey(new_context, device)
    day = tuesday_ahead(WEEKS_AHEAD[device])
    lina, event_id = step_1_propose(journey, day)
    step_2_co_host_joins(journey, event_id)
    step_3_submit(journey, lina, event_id)
    staff = step_4_request_changes(journey, event_id)
    step_5_resubmit(journey, lina, event_id)
    step_6_approve_and_publish(journey, staff, event_id, day)
    step_7_visitor(journey, event_id, day)
    # New event form, edit form, workspace, partner form, inbox, action form, review queue,
    # the workspace as the library, approve form, program and public page: each audited once.
    assert sum(audit.audited for audit in journey.audits) == 11
    journey.assert_clean()
    assert [problem for found in journey.problems for problem in found] == []


def test_proposing_and_inviting_work_without_javascript(new_context: Callable[..., Any]) -> None:
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, ASSOCIATION_MEMBER)
    page.goto("/events/new")
    assert page.evaluate("typeof window.htmx") == "undefined"  # the page's scripts did not run
    event_id = propose(page, None, tuesday_ahead(WEEKS_AHEAD["nojs"]))
    describe_part(page, None, event_id, LEAD_NAME, LINA)
    invite_co_host(page, event_id)
    screenshot(page, "coplanning-nojs-01-proposed")
    about = main(page).locator("section[aria-labelledby=about]")
    expect(about).to_contain_text("18:00")
    expect(main(page).locator("section[aria-labelledby=together]")).to_contain_text(
        "Trettio kommer"
    )
