"""The volunteers journey: an organiser of Nya grannar adds an interpreting task to the
information evening and texts a contact to recruit for it; the contact opens the message's
link on a phone, chooses a shift (forgetting the consent box once), lands on "My shifts",
downloads the shifts' calendar and then cancels; the roster and the coverage follow every
step. Screenshots of every step, and every volunteers page audited by axe in Swedish (the
default), the volunteer's pages also in English.

It runs on the session's server (tests/browser/conftest.py): its console SMS provider sends
nothing anywhere, and the message the composer made is read from the outbox, where it is
written, link and all, when the send is made (whatever the hour and the quiet hours).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    ASSOCIATION_MEMBER,
    ASSOCIATION_SLUG,
    LiveServer,
    choose_locale,
    t,
)
from tests.browser.journeys import Journey
from tests.browser.test_accessibility import Audit
from webapp.i18n import ngettext, use_locale

pytestmark = pytest.mark.browser

# A published single event of Nya grannar with its date to come (webapp/events/demo.py).
EVENT = "Informationskväll för nyanlända"
ASSOCIATION = "Nya grannar"
TASK = "Tolkning"
SKILLS = "somaliska, arabiska"
ABOUT = "Tolka frågor och svar mellan svenska och somaliska."
# The contact tagged "Somali" (webapp/contacts/demo.py), the tag's only one: not a
# volunteer yet, so his personal page holds only the shift he chooses here.
TAG = "Somali"
HASSAN, HASSAN_PHONE = "Hassan Omar", "+46702223344"
LANGUAGES = "somaliska, svenska"
TEMPLATE = "Hej {name}! Kan du hjälpa till att tolka på {title} {date}? Välj ett pass: {link}"
TZ = ZoneInfo("Europe/Stockholm")  # the demo library's time zone (SAMSPEL_TIMEZONE default)
SET_UP = timedelta(minutes=30)  # the interpreters come half an hour before the doors open


@dataclass(frozen=True)
class Shift:
    """The task's one shift, as the database has it (the event has one date)."""

    id: int
    starts_at: datetime
    ends_at: datetime


def n_(singular: str, plural: str, n: int, locale: str = "sv") -> str:
    """A plural message as the app shows it (``t`` for ngettext)."""
    with use_locale(locale):
        return ngettext(singular, plural, n)


def go(page: Page, target: Locator, url: str | re.Pattern[str], status: int = 200) -> None:
    """Follow a link or press a button, and land on ``url`` (after the form's redirect)."""
    with page.expect_navigation(url=url) as navigation:
        target.click()
    response = navigation.value
    assert response is not None and response.status == status, (page.url, response)


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def utc(value: str) -> datetime:
    """A timestamp as SQLite keeps it (UTC, without its zone)."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def event_times(live: LiveServer, event_id: int) -> tuple[datetime, datetime]:
    """When the event starts and ends (the information evening has one date)."""
    (date,) = live.rows(
        "SELECT starts_at, ends_at FROM occurrences WHERE event_id = ? AND status = 'scheduled'",
        (event_id,),
    )
    return utc(date["starts_at"]), utc(date["ends_at"])


def volunteers_path(event_id: int) -> str:
    return f"/events/{event_id}/volunteers"


def task_coverage(page: Page, task_id: int) -> Locator:
    """The "signed up / needed" of the task's shift on the volunteers page."""
    return main(page).locator(f"#task-{task_id} tbody tr td:nth-child(2) .status")


# 1. The organiser adds a task ---------------------------------------------------------------


def step_1_task(journey: Journey, event_id: int) -> tuple[Page, Audit, int, str]:
    page, audit = journey.person(ASSOCIATION_MEMBER, "association member")
    page.goto(volunteers_path(event_id))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Volunteers: %(title)s", title=EVENT)
    )
    audit.check("volunteers page")
    journey.shot(page, "manage-before")

    go(
        page,
        main(page).get_by_role("link", name=t("Add a task")),
        f"**{volunteers_path(event_id)}/tasks/new",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Add a task"))
    # The form starts from the event's own times.
    starts, ends = (when.astimezone(TZ) for when in event_times(journey.live, event_id))
    expect(page.locator("#start_time")).to_have_value(f"{starts:%H:%M}")
    expect(page.locator("#end_time")).to_have_value(f"{ends:%H:%M}")
    audit.check("task form")

    page.get_by_label(t("Task"), exact=True).fill(TASK)
    page.get_by_label(t("What the task is")).fill(ABOUT)
    page.get_by_label(t("Skills or languages wanted")).fill(SKILLS)
    page.get_by_label(t("People needed per shift")).fill("2")
    # Half an hour before the doors open, until the end.
    page.locator("#start_time").fill(f"{starts - SET_UP:%H:%M}")
    journey.shot(page, "task-form")
    go(
        page,
        main(page).get_by_role("button", name=t("Save the task")),
        re.compile(rf"{volunteers_path(event_id)}\?saved=1#task-\d+$"),
    )
    task_id = int(page.url.rsplit("-", 1)[1])
    expect(main(page).locator(".notice[role=status]")).to_have_text(t("Saved."))
    card = main(page).locator(f"#task-{task_id}")
    expect(card.get_by_role("heading", level=2)).to_have_text(TASK)
    expect(card).to_contain_text(n_("%(num)d person needed", "%(num)d people needed", 2))
    expect(card).to_contain_text(t("Wanted: %(skills)s", skills=SKILLS))
    expect(card).to_contain_text(ABOUT)
    expect(card.locator("tbody tr")).to_have_count(1)
    expect(card.locator("tbody tr td").first).to_contain_text(
        f"{starts - SET_UP:%H:%M}–{ends:%H:%M}"
    )
    expect(task_coverage(page, task_id)).to_have_text("0 / 2")
    audit.check("volunteers page with the task")
    journey.shot(page, "manage-task")

    link = main(page).locator("#signup-page code").inner_text().strip()
    assert re.fullmatch(re.escape(journey.live.url) + r"/v/\w+", link), link
    board_code = link.rsplit("/", 1)[1]

    go(
        page,
        main(page).get_by_role("link", name=t("Roster and check-in")),
        f"**{volunteers_path(event_id)}/roster",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Volunteer roster: %(title)s", title=EVENT)
    )
    expect(main(page).locator(f"section:has(h2:has-text('{TASK}'))")).to_contain_text(
        t("Nobody has signed up yet.")
    )
    audit.check("roster, nobody yet")
    journey.shot(page, "roster-empty")
    return page, audit, task_id, board_code


# 2. The organiser texts a contact to recruit ------------------------------------------------


def step_2_recruit(journey: Journey, page: Page, audit: Audit, event_id: int) -> str:
    live = journey.live
    page.goto(f"/orgs/{ASSOCIATION_SLUG}/sms/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Send an SMS"))
    # The event is offered twice: to invite people, and to recruit volunteers for its shifts.
    recruiting = page.locator(f"#event option[value='{event_id}:volunteers']")
    expect(recruiting).to_have_count(1)
    expect(recruiting).to_contain_text(EVENT)
    expect(recruiting).to_contain_text(t("Recruiting volunteers"))

    page.get_by_label(t("To"), exact=True).select_option(TAG)
    page.get_by_label(t("About the event")).select_option(f"{event_id}:volunteers")
    page.get_by_label(t("Message"), exact=True).fill(TEMPLATE)
    # The live preview (htmx, after a pause in typing) shows Hassan's text.
    sample = main(page).locator("#preview .sms-sample").first
    expect(sample).to_contain_text(f"Hej {HASSAN}! Kan du hjälpa till att tolka på {EVENT}")
    expect(sample).to_contain_text(f"{live.url}/m/")
    send = main(page).locator("#preview button[type=submit]:not([name=action])")
    expect(send).to_have_text(n_("Send to %(num)d contact", "Send to %(num)d contacts", 1))
    audit.check("SMS composer, recruiting volunteers")
    journey.shot(page, "composer")

    go(page, send, re.compile(rf"/orgs/{ASSOCIATION_SLUG}/sms/sends/\d+\?sent=1"))
    send_id = int(page.url.split("/sends/")[1].split("?")[0])
    journey.shot(page, "sent")
    # The outbox holds the message as it is sent: one, to Hassan, with its own link.
    sent = live.rows("SELECT phone, body, code FROM outbox WHERE send_id = ?", (send_id,))
    assert [row["phone"] for row in sent] == [HASSAN_PHONE]
    body = sent[0]["body"]
    assert body.startswith(f"Hej {HASSAN}! Kan du hjälpa till att tolka på {EVENT} "), body
    assert "{" not in body
    found = re.search(re.escape(live.url) + r"/m/(\w+)", body)
    assert found and found.group(1) == sent[0]["code"], body
    return found.group(1)


# 3. The volunteer signs up on a phone -------------------------------------------------------


def step_3_sign_up(
    journey: Journey, code: str, board_code: str, shift: Shift
) -> tuple[Page, Audit, str]:
    page, audit = journey.person(None, "volunteer", phone=True)
    response = page.goto(f"/m/{code}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(t("About this SMS"))
    event = main(page).locator("section[aria-labelledby=event-title]")
    expect(event.get_by_role("heading", level=2)).to_have_text(EVENT)
    help_wanted = event.locator("#volunteer")
    expect(help_wanted.get_by_role("heading", level=3)).to_have_text(t("Can you help?"))
    # A message that recruits asks for help, not whether one is coming.
    expect(event.get_by_role("button", name=t("Yes, I am coming"))).to_have_count(0)
    audit.check("the recruiting message's page")
    journey.shot(page, "phone-message")

    go(
        page,
        help_wanted.get_by_role("link", name=t("Choose a shift")),
        re.compile(rf"/v/{board_code}\?m={code}$"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Help at %(title)s", title=EVENT))
    # The message says who it went to: name and number are filled in.
    name, phone = page.get_by_label(t("Your name")), page.get_by_label(t("Mobile number"))
    expect(name).to_have_value(HASSAN)
    expect(phone).to_have_value(HASSAN_PHONE)
    choice = main(page).get_by_role("checkbox", name=re.compile(rf"^{TASK}\b"))
    expect(choice).to_have_attribute("value", str(shift.id))
    expect(main(page).locator(f"#shift-{shift.id}-about")).to_contain_text(
        n_("%(num)d place left", "%(num)d places left", 2)
    )
    audit.check("sign-up page")
    journey.shot(page, "phone-signup")

    # Once without ticking the consent box: the form comes back with the reason beside it.
    choice.check()
    page.get_by_label(t("Languages you speak")).fill(LANGUAGES)
    go(
        page,
        main(page).get_by_role("button", name=t("Sign up for the shifts"), exact=True),
        re.compile(rf"/v/{board_code}\?m={code}$"),
        status=400,
    )
    consent, error = page.locator("#consent"), page.locator("#consent-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(consent).to_have_attribute("aria-invalid", "true")
    assert "consent-error" in (consent.get_attribute("aria-describedby") or "").split()
    # Next to the field: in the consent box's own field, just above it.
    expect(
        main(page).locator(".field.has-error").filter(has=consent).locator("#consent-error")
    ).to_be_visible()
    box, error_box = consent.bounding_box(), error.bounding_box()
    assert box and error_box and 0 <= box["y"] - (error_box["y"] + error_box["height"]) < 48
    summary = main(page).locator(".error-summary")
    expect(summary.locator("a[href='#consent']")).to_be_visible()
    # What was typed and chosen is still there.
    expect(name).to_have_value(HASSAN)
    expect(phone).to_have_value(HASSAN_PHONE)
    expect(page.get_by_label(t("Languages you speak"))).to_have_value(LANGUAGES)
    expect(choice).to_be_checked()
    expect(consent).not_to_be_checked()
    for other in ("name", "phone", "languages"):
        expect(page.locator(f"#{other}")).not_to_have_attribute("aria-invalid", "true")
    audit.check("sign-up page, without consent")
    journey.shot(page, "phone-signup-error")

    consent.check()
    go(
        page,
        main(page).get_by_role("button", name=t("Sign up for the shifts"), exact=True),
        re.compile(r"/v/me/[\w-]+\?new=1$"),
    )
    token = page.url.split("/v/me/")[1].split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text(t("My shifts"))
    expect(main(page).locator(".notice[role=status]")).to_have_text(
        t(
            "Thank you for helping! We have sent you an SMS with this page's link: keep it to "
            "see, change or cancel your shifts."
        )
    )
    cards = main(page).locator("li.card")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading", level=2)).to_have_text(f"{TASK} · {EVENT}")
    expect(cards.locator(".status")).to_have_text(t("You are on the shift"))
    expect(cards.locator("time")).to_have_attribute("datetime", shift.starts_at.isoformat())
    audit.check("my shifts")
    journey.shot(page, "phone-my-shifts")

    # The confirmation SMS carries the personal link.
    confirmation = journey.live.rows(
        "SELECT body FROM outbox WHERE phone = ? ORDER BY id DESC", (HASSAN_PHONE,)
    )[0]["body"]
    assert f"{journey.live.url}/v/me/{token}" in confirmation, confirmation
    return page, audit, token


def step_3_calendar(page: Page, live: LiveServer, token: str, shift: Shift) -> None:
    """Subscribe or download: the calendar holds the shift at its own times."""
    section = main(page).locator("section[aria-labelledby=calendar-title]")
    expect(section.get_by_role("heading", level=2)).to_have_text(t("Add to your calendar"))
    subscribe = section.get_by_role("link", name=t("Subscribe to your shifts (updates by itself)"))
    webcal = live.url.replace("http://", "webcal://")
    expect(subscribe).to_have_attribute("href", f"{webcal}/v/me/{token}/calendar.ics")
    download = section.get_by_role("link", name=t("Download the calendar file (.ics)"))
    expect(download).to_have_attribute("href", f"/v/me/{token}/calendar.ics")
    with page.expect_download() as downloading:
        download.click()
    path = downloading.value.path()
    assert path is not None
    entries = list(Calendar.from_ical(Path(path).read_bytes()).walk("VEVENT"))
    assert len(entries) == 1, entries
    (entry,) = entries
    assert str(entry["SUMMARY"]) == f"{TASK} – {EVENT}", entry["SUMMARY"]
    assert str(entry["STATUS"]) == "CONFIRMED"
    # At the shift's own times, half an hour before the event's.
    assert entry.decoded("DTSTART") == shift.starts_at
    assert entry.decoded("DTEND") == shift.ends_at
    assert f"/v/me/{token}" in str(entry["DESCRIPTION"])


def step_3_in_english(journey: Journey, page: Page, token: str, code: str, board_code: str) -> None:
    """The volunteer's pages in English, chosen with the header's language buttons."""
    audit = journey.audit(page, "volunteer", phone=True, locale="en")
    page.goto(f"/v/me/{token}")
    choose_locale(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My shifts")
    expect(main(page).locator("li.card .status")).to_have_text("You are on the shift")
    audit.check("my shifts")
    journey.shot(page, "phone-my-shifts-en")

    page.goto(f"/m/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("About this SMS")
    audit.check("the recruiting message's page")
    journey.shot(page, "phone-message-en")
    go(
        page,
        main(page).get_by_role("link", name="Choose a shift"),
        re.compile(rf"/v/{board_code}\?m={code}$"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Help at {EVENT}")
    expect(page.get_by_label("Your name")).to_have_value(HASSAN)
    audit.check("sign-up page")
    journey.shot(page, "phone-signup-en")
    choose_locale(page, "sv")


# 4. The organiser sees who comes, the volunteer cancels -------------------------------------


def step_4_roster(
    journey: Journey, page: Page, audit: Audit, event_id: int, task_id: int, shift: Shift
) -> None:
    page.goto(f"{volunteers_path(event_id)}/roster")
    section = main(page).locator(f"#shift-{shift.id}")
    expect(section.get_by_role("heading", level=2)).to_contain_text(TASK)
    expect(section.locator(".meta .status")).to_have_text(
        t("%(filled)d of %(needed)d", filled=1, needed=2)
    )
    person = section.locator("tbody tr")
    expect(person).to_have_count(1)
    expect(person.locator("td").first).to_have_text(HASSAN)
    expect(person).to_contain_text(LANGUAGES)
    expect(person).to_contain_text(t("Confirmed"))
    audit.check("roster with a volunteer")
    journey.shot(page, "roster-signed-up")
    page.goto(volunteers_path(event_id))
    expect(task_coverage(page, task_id)).to_have_text("1 / 2")


def step_4_cancel(journey: Journey, page: Page, audit: Audit, token: str) -> None:
    page.goto(f"/v/me/{token}")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    card = main(page).locator("li.card").filter(has_text=TASK)
    go(
        page,
        card.get_by_role("button", name=re.compile("^" + re.escape(t("Cancel this shift")))),
        re.compile(rf"/v/me/{token}\?cancelled=1$"),
    )
    expect(main(page).locator(".notice[role=status]")).to_have_text(
        t("The shift is cancelled. Thank you for letting us know.")
    )
    expect(main(page)).to_contain_text(t("You have no shifts to come."))
    expect(main(page).locator("li.card")).to_have_count(0)
    audit.check("my shifts, none to come")
    journey.shot(page, "phone-cancelled")


def step_4_coverage_back(
    journey: Journey, page: Page, audit: Audit, event_id: int, task_id: int, shift: Shift
) -> None:
    page.goto(volunteers_path(event_id))
    expect(task_coverage(page, task_id)).to_have_text("0 / 2")
    journey.shot(page, "manage-after")
    page.goto(f"{volunteers_path(event_id)}/roster")
    section = main(page).locator(f"#shift-{shift.id}")
    expect(section.locator(".meta .status")).to_have_text(
        t("%(filled)d of %(needed)d", filled=0, needed=2)
    )
    expect(section).to_contain_text(t("Nobody has signed up yet."))
    expect(section).not_to_contain_text(HASSAN)
    journey.shot(page, "roster-after")

    page.goto(f"/orgs/{ASSOCIATION_SLUG}/volunteers")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Volunteers: %(name)s", name=ASSOCIATION)
    )
    audit.check("the association's volunteers page")
    journey.shot(page, "organisation")


def test_recruit_sign_up_on_a_phone_and_cancel(
    new_context: Callable[..., Any], live_server: LiveServer
) -> None:
    (event_id,) = live_server.rows(
        "SELECT id FROM events WHERE title = ? AND state = 'published'", (EVENT,)
    )[0]
    journey = Journey(new_context, live_server, "volunteers")

    lina, organiser, task_id, board_code = step_1_task(journey, event_id)
    (row,) = live_server.rows(
        "SELECT id, starts_at, ends_at FROM volunteer_shifts WHERE task_id = ?", (task_id,)
    )
    shift = Shift(row["id"], utc(row["starts_at"]), utc(row["ends_at"]))
    starts, ends = event_times(live_server, event_id)
    assert (shift.starts_at, shift.ends_at) == (starts - SET_UP, ends)
    code = step_2_recruit(journey, lina, organiser, event_id)
    phone, volunteer, token = step_3_sign_up(journey, code, board_code, shift)
    step_3_calendar(phone, live_server, token, shift)
    step_4_roster(journey, lina, organiser, event_id, task_id, shift)
    step_3_in_english(journey, phone, token, code, board_code)
    step_4_cancel(journey, phone, volunteer, token)
    step_4_coverage_back(journey, lina, organiser, event_id, task_id, shift)

    for audit in journey.audits:
        audit.assert_clean()
    # The volunteers page (before and with the task), the task form, the roster (empty and
    # with Hassan), the composer and the association's page as the organiser; the message's
    # page, the sign-up page (and its error state) and "My shifts" (with the shift and
    # without) in Swedish; the message's page, the sign-up page and "My shifts" in English.
    assert sum(audit.audited for audit in journey.audits) == 15
    # The one refused form is the sign-up without consent, answered 400 on purpose (the
    # answer and Chromium's console line about it).
    refused = f"{live_server.url}/v/{board_code}?m={code}"
    problems = [problem for found in journey.problems for problem in found]
    assert f"400 for {refused}" in problems
    assert [p for p in problems if not ("400" in p and p.endswith(refused))] == []
