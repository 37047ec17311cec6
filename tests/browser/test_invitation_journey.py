"""The invitation journey: the association and the library plan who the language café
"Språkcafé" should reach and how, the association prints a poster and texts its contacts
(through Twilio, a fake server at the wire), one of them opens the message's link on a phone,
says she is coming with a friend and adds the date to her calendar, a neighbour scans the
poster and signs up, and the plan counts who came through which channel. Screenshots of every
step, and every page audited by axe in Swedish (the default), the recipient's pages also in
English.

This module runs its own server: the session's server (tests/browser/conftest.py) delivers SMS
through the console provider, and its dispatcher would race any other one on its outbox. Here
the app's own dispatcher (SAMSPEL_SMS_DISPATCHER=app, the default) sends through the real
``twilio`` library to :class:`tests.fakes.twilio.FakeTwilio`, configured the way an operator
would (SAMSPEL_SMS_PROVIDER=twilio, TWILIO_*, TWILIO_API_BASE), with no quiet hours so that
the messages leave at any hour the suite runs.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    ASSOCIATION_MEMBER,
    ASSOCIATION_SLUG,
    LIBRARY_STAFF,
    SECRET,
    LiveServer,
    _run_in_thread,
    choose_locale,
    t,
)
from tests.browser.journeys import Journey
from tests.browser.test_accessibility import Audit
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio, SentMessage
from tests.unit.test_posters import decoded
from webapp.app import create_app
from webapp.demo import seed_demo
from webapp.i18n import ngettext, use_locale
from webapp.invitations.vocabulary import kind_labels
from webapp.settings import load_settings

pytestmark = pytest.mark.browser

TITLE = "Språkcafé"
AUDIENCE = "Grannar i Rosengård"
ASSOCIATION, LIBRARY = "Nya grannar", "Malmö stadsbibliotek"
KARIN = "+46703334455"  # a Swedish-speaking contact of Nya grannar (webapp/contacts/demo.py)
TEMPLATE = "Hej {name}! Välkommen till {title} {date} kl. {time} på biblioteket. Svara här: {link}"
TZ = ZoneInfo("Europe/Stockholm")
SENDER = "+46700000000"


# This module's server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, fake_twilio: FakeTwilio
) -> Iterator[LiveServer]:
    """The demo data on a fresh SQLite file, served by uvicorn, texting through the fake
    Twilio. Overrides the session's ``live_server`` for this module's tests (and so for the
    ``new_context`` fixture they use)."""
    folder = tmp_path_factory.mktemp("invitations")
    database = folder / "samspel.sqlite3"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = load_settings(
        {
            "SAMSPEL_INSTANCE_PATH": str(folder),
            "SAMSPEL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "SAMSPEL_SECRET_KEY": SECRET,
            "SAMSPEL_BASE_URL": url,
            "SAMSPEL_SMS_PROVIDER": "twilio",
            "SAMSPEL_SMS_QUIET_HOURS": "off",
            "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
            "TWILIO_FROM": SENDER,
            "TWILIO_API_BASE": fake_twilio.base_url,
        }
    ).with_changes(password_hashing="argon2id-test")
    assert settings.sms_dispatcher == "app"  # this server's lifespan runs the dispatcher
    _run_in_thread(lambda: asyncio.run(seed_demo(settings)))
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", ws="none")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), 15, "the server to start")
        assert thread.is_alive(), "the live server did not start"
        yield LiveServer(url=url, settings=settings, database=database, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` (something outside the browser: the fake, the database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# The journey's bookkeeping ------------------------------------------------------------------


def n_(singular: str, plural: str, n: int, locale: str = "sv") -> str:
    """A plural message as the app shows it (``t`` for ngettext)."""
    with use_locale(locale):
        return ngettext(singular, plural, n)


def signed_up(n: int) -> str:
    return n_("%(num)d person signed up", "%(num)d people signed up", n)


def signed_up_per_channel(page: Page) -> dict[int, int]:
    """How many people signed up through each channel, as the plan's rows say."""
    words = re.compile(
        "|".join(re.escape(signed_up(n)).replace(str(n), r"(\d+)", 1) for n in (1, 2))
    )
    counts = {}
    for row in main(page).locator("li.channel").all():
        found = words.search(row.inner_text())
        assert found, row.inner_text()
        counts[int((row.get_attribute("id") or "").removeprefix("channel-"))] = int(
            next(group for group in found.groups() if group)
        )
    return counts


def go(page: Page, target: Locator, url: str | re.Pattern[str]) -> None:
    """Follow a link or press a button, and land on ``url`` (after the form's redirect)."""
    with page.expect_navigation(url=url) as navigation:
        target.click()
    response = navigation.value
    assert response is not None and response.status == 200, (page.url, response)


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def plan_path(event_id: int) -> str:
    return f"/events/{event_id}/invitations"


def channel_row(page: Page, channel_id: int) -> Locator:
    return main(page).locator(f"#channel-{channel_id}")


def add_channel(
    page: Page,
    audit: Audit | None,
    event_id: int,
    audience_id: int,
    *,
    kind: str,
    message: str,
    responsible: str,
    status: str = "planned",
) -> int:
    """From the plan, add a channel to the audience; returns the channel's id."""
    section = main(page).locator(f"#audience-{audience_id}")
    go(
        page,
        section.get_by_role("link", name=re.compile("^" + re.escape(t("Add a channel")))),
        f"**{plan_path(event_id)}/audiences/{audience_id}/channels",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Add a channel"))
    if audit:
        audit.check("channel form")
    page.locator(f"#kind-{kind}").check()
    page.locator("#message").fill(message)
    page.locator("#send_on").fill((datetime.now(TZ).date() + timedelta(days=3)).isoformat())
    page.locator("#responsible_id").select_option(label=responsible)
    page.locator("#status").select_option(status)
    go(
        page,
        main(page).get_by_role("button", name=t("Save the channel")),
        re.compile(rf"{plan_path(event_id)}\?saved=1#channel-\d+$"),
    )
    channel_id = int(page.url.rsplit("-", 1)[1])
    row = channel_row(page, channel_id)
    with use_locale("sv"):
        label = kind_labels()[kind]
    expect(row.locator("h3")).to_contain_text(label)
    expect(row).to_contain_text(responsible)
    expect(row).to_contain_text(message)
    return channel_id


# 1. The association and the library plan ----------------------------------------------------


def step_1_plan(journey: Journey, event_id: int) -> tuple[Page, int, int]:
    page, audit = journey.person(ASSOCIATION_MEMBER, "association member")
    page.goto(plan_path(event_id))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Invitations: %(title)s", title=TITLE)
    )
    audit.check("invitation plan")
    journey.shot(page, "plan-before")

    page.locator("#name").fill(AUDIENCE)
    page.locator("#language").select_option("sv")
    page.locator("#size").fill("60")
    go(
        page,
        main(page).get_by_role("button", name=t("Add the audience")),
        re.compile(rf"{plan_path(event_id)}\?added=\d+"),
    )
    found = re.search(r"added=(\d+)", page.url)
    assert found, page.url
    audience_id = int(found.group(1))
    expect(main(page).locator(".notice[role=status]")).to_have_text(
        t("The audience has been added. Now choose how to reach it.")
    )
    section = main(page).locator(f"#audience-{audience_id}")
    expect(section.get_by_role("heading", level=2)).to_have_text(AUDIENCE)
    expect(section).to_contain_text(n_("about %(num)d person", "about %(num)d people", 60))
    expect(section).to_contain_text(t("No channels yet for this audience."))

    add_channel(
        page, audit, event_id, audience_id, kind="sms", responsible=ASSOCIATION, status="ready",
        message="Språkcafé på biblioteket! Öva svenska över en kopp kaffe. Ta med en vän.",
    )  # fmt: skip
    poster = add_channel(
        page, None, event_id, audience_id, kind="poster", responsible=ASSOCIATION,
        message="Öva svenska över en kopp kaffe. Alla är välkomna, ingen anmälan krävs.",
    )  # fmt: skip
    expect(channel_row(page, poster)).to_contain_text(t("Poster A4 (PDF)"))
    journey.shot(page, "plan-association")
    return page, audience_id, poster


def step_1_library_plans(journey: Journey, event_id: int, audience_id: int) -> None:
    page, audit = journey.person(LIBRARY_STAFF, "library staff")
    page.goto(plan_path(event_id))
    audit.check("invitation plan, as the library")
    add_channel(
        page, None, event_id, audience_id, kind="network", responsible=LIBRARY,
        message="Tipsa grannarna: språkcafé på biblioteket varje torsdag.",
    )  # fmt: skip
    # A named link for the library's newsletter, from the plan's second form.
    page.locator("#link_name").fill("Bibliotekets nyhetsbrev")
    page.locator("#link_organisation").select_option(label=LIBRARY)
    go(
        page,
        main(page).get_by_role("button", name=t("Make a link")),
        re.compile(rf"{plan_path(event_id)}\?saved=1"),
    )
    newsletter = (
        main(page)
        .locator("section[aria-labelledby=links-title] tr")
        .filter(has_text="Bibliotekets nyhetsbrev")
    )
    expect(newsletter).to_contain_text(LIBRARY)
    expect(newsletter.locator("code")).to_contain_text("/l/")
    audit.check("invitation plan with a named link")
    journey.shot(page, "plan-library")


# 2. The poster ------------------------------------------------------------------------------


def step_2_poster(page: Page, live: LiveServer, poster: int) -> str:
    """Download the A4 poster through the plan's link; its QR code is the channel's link."""
    row = channel_row(page, poster)
    link = row.locator("dd code").inner_text().strip()
    assert re.fullmatch(re.escape(live.url) + r"/l/\w+", link), link
    href = row.get_by_role("link", name=re.compile("^" + re.escape(t("Poster A4 (PDF)"))))
    response = page.request.get(href.get_attribute("href") or "")
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    assert [code.text for code in decoded(pdf)] == [link]
    return link


# 3. The association texts its contacts ------------------------------------------------------


def step_3_send(journey: Journey, page: Page, fake: FakeTwilio, event_id: int) -> str:
    audit, live = journey.audits[0], journey.live
    page.goto(f"/orgs/{ASSOCIATION_SLUG}/sms/new")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Send an SMS"))
    page.locator("#event").select_option(str(event_id))
    page.locator("#template").fill(TEMPLATE)
    # The live preview (htmx, after a pause in typing) fills in Karin's or another's text.
    sample = main(page).locator("#preview .sms-sample")
    expect(sample).to_contain_text(TITLE)
    expect(sample).to_contain_text(f"{live.url}/m/")
    expect(sample).not_to_contain_text("{")
    audit.check("SMS composer")
    journey.shot(page, "composer")

    send = main(page).locator("#preview button[type=submit]:not([name=action])")
    recipients = int(re.findall(r"\d+", send.inner_text())[0])
    assert recipients >= 1
    expect(send).to_have_text(n_("Send to %(num)d contact", "Send to %(num)d contacts", recipients))
    go(page, send, re.compile(rf"/orgs/{ASSOCIATION_SLUG}/sms/sends/\d+\?sent=1"))
    send_id = int(page.url.split("/sends/")[1].split("?")[0])
    audit.check("the send")

    # The app's dispatcher hands every message to Twilio (the fake) with its own link.
    link = re.compile(re.escape(live.url) + r"/m/(\w+)")

    def invitations() -> list[SentMessage]:
        return [m for m in fake.messages if TITLE in m.body and link.search(m.body)]

    wait_for(lambda: len(invitations()) >= recipients, 60, f"Twilio to accept {recipients}")
    ours = invitations()
    assert len(ours) == recipients
    assert {m.from_ for m in ours} == {SENDER}
    assert all(m.status_callback == f"{live.url}/webhooks/twilio/status" for m in ours)
    karin = next(m for m in ours if m.to == KARIN)
    assert karin.body.startswith("Hej Karin Lindqvist! Välkommen till Språkcafé ")
    assert "{" not in karin.body and " kl. " in karin.body

    # Twilio reports delivery to the webhook, signed: the outbox records it. The reports are
    # sent once the outbox has recorded Twilio's ids (a report for an id not recorded yet
    # waits only 1.5 s for it: webapp/sms/webhooks.py).
    outbox = "SELECT DISTINCT status FROM outbox WHERE send_id = ?"
    wait_for(
        lambda: [row["status"] for row in live.rows(outbox, (send_id,))] == ["sent"],
        30,
        "the outbox to record the messages as sent",
    )
    for message in ours:
        answer = fake.send(fake.status_callback(message.sid, "delivered"))
        assert answer.status == 204, answer
    wait_for(
        lambda: [row["status"] for row in live.rows(outbox, (send_id,))] == ["delivered"],
        30,
        "the delivery reports",
    )
    page.reload()
    journey.shot(page, "sent")
    found = link.search(karin.body)
    assert found
    return found.group(1)


# 4. Karin answers on her phone --------------------------------------------------------------


def step_4_answer(journey: Journey, code: str, event_id: int) -> Page:
    page, audit = journey.person(None, "SMS recipient", phone=True)
    response = page.goto(f"/m/{code}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(t("About this SMS"))
    expect(main(page).get_by_role("heading", level=2, name=TITLE)).to_be_visible()
    audit.check("the message's page")
    journey.shot(page, "phone-message")

    page.get_by_label(t("How many are you?")).fill("2")
    go(
        page,
        main(page).get_by_role("button", name=t("Yes, I am coming")),
        re.compile(r"/r/[\w-]+\?new=1(#\w+)?$"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Your sign-up: %(title)s", title=TITLE)
    )
    expect(main(page).locator(".notice[role=status]")).to_have_text(
        t("Thank you! Keep this page's address: it is your personal link to change or cancel.")
    )
    facts = main(page).locator("dl.facts")
    expect(facts).to_contain_text("Karin Lindqvist")
    expect(facts.locator(".status")).to_have_text(t("You are coming"))
    audit.check("the personal sign-up page")
    journey.shot(page, "phone-rsvp")

    # "Add to your calendar" serves a calendar file.
    calendar = main(page).locator("section[aria-labelledby=calendar-title] a[download]")
    expect(calendar).to_have_text(t("Download the calendar file (.ics)"))
    href = calendar.get_attribute("href")
    assert href == f"/events/{event_id}.ics", href
    ics = page.request.get(href)
    assert ics.status == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert ics.text().startswith("BEGIN:VCALENDAR")
    assert f"SUMMARY:{TITLE}" in ics.text()

    # Back on the message's page, the answer is there (and the form is not).
    page.goto(f"/m/{code}")
    expect(main(page)).to_contain_text(t("You have answered that you are coming."))
    expect(main(page).get_by_role("button", name=t("Yes, I am coming"))).to_have_count(0)
    audit.check("the message's page, answered")
    return page


def step_4_in_english(journey: Journey, page: Page, code: str) -> None:
    """The same two pages in English, chosen with the header's language buttons."""
    audit = journey.audit(page, "SMS recipient", phone=True, locale="en")
    choose_locale(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("About this SMS")
    expect(main(page)).to_contain_text("You have answered that you are coming.")
    audit.check("the message's page")
    journey.shot(page, "phone-message-en")
    go(
        page,
        main(page).get_by_role("link", name="Your sign-up: change or cancel"),
        re.compile(r"/r/[\w-]+$"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your sign-up: {TITLE}")
    expect(main(page).locator("dl.facts .status")).to_have_text("You are coming")
    audit.check("the personal sign-up page")
    journey.shot(page, "phone-rsvp-en")


# 4b. A neighbour scans the poster -----------------------------------------------------------


def step_4_poster_visitor(journey: Journey, poster_link: str, event_id: int) -> None:
    page, audit = journey.person(None, "poster reader", phone=True)
    response = page.goto(poster_link)
    assert response is not None and response.status == 200
    assert re.search(rf"/events/{event_id}\?via=\w+$", page.url), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    audit.check("the event page")
    journey.shot(page, "phone-event")
    rsvp = main(page).locator("#rsvp")
    rsvp.locator("#name").fill("Nour")
    rsvp.locator("#party_size").fill("1")
    go(
        page,
        rsvp.get_by_role("button", name=t("Sign up to come")),
        re.compile(r"/r/[\w-]+\?new=1(#\w+)?$"),
    )
    expect(main(page).locator("dl.facts .status")).to_have_text(t("You are coming"))


# 5. The plan counts who came through which channel ------------------------------------------


def step_5_counts(
    journey: Journey, page: Page, event_id: int, poster: int, before: dict[int, int]
) -> None:
    page.goto(plan_path(event_id))
    # Karin's answer is recorded as brought by the event's SMS channel of her association
    # (the composer does not ask which one: the first the association is responsible for).
    via = journey.live.rows(
        "SELECT c.id, c.kind, o.name FROM rsvps r "
        "JOIN share_links l ON l.id = r.link_id JOIN channels c ON c.id = l.channel_id "
        "JOIN organisations o ON o.id = c.responsible_id "
        "WHERE r.event_id = ? AND r.name = 'Karin Lindqvist' AND r.status = 'going'",
        (event_id,),
    )
    assert [(row["kind"], row["name"]) for row in via] == [("sms", ASSOCIATION)]
    sms = via[0]["id"]
    expect(channel_row(page, sms)).to_contain_text(signed_up(before[sms] + 2))
    # The neighbour who scanned the poster: one visit, one person.
    poster_row = channel_row(page, poster)
    expect(poster_row).to_contain_text(n_("%(num)d visit", "%(num)d visits", 1))
    expect(poster_row).to_contain_text(signed_up(1))
    # And nowhere else did anything change.
    after = signed_up_per_channel(page)
    changed = {c: after[c] - before.get(c, 0) for c in after if after[c] != before.get(c, 0)}
    assert changed == {sms: 2, poster: 1}, (before, after)
    journey.audits[0].check("invitation plan, with sign-ups")
    journey.shot(page, "plan-counts")


def test_plan_poster_sms_and_an_answer_on_the_phone(
    new_context: Callable[..., Any], live_server: LiveServer, fake_twilio: FakeTwilio
) -> None:
    event_id = live_server.rows(
        "SELECT id FROM events WHERE title = ? AND state = 'published'", (TITLE,)
    )[0][0]
    journey = Journey(new_context, live_server, "invitations")

    lina, audience_id, poster = step_1_plan(journey, event_id)
    step_1_library_plans(journey, event_id, audience_id)
    lina.goto(plan_path(event_id))
    before = signed_up_per_channel(lina)
    poster_link = step_2_poster(lina, live_server, poster)
    code = step_3_send(journey, lina, fake_twilio, event_id)
    phone = step_4_answer(journey, code, event_id)
    step_4_in_english(journey, phone, code)
    step_4_poster_visitor(journey, poster_link, event_id)
    step_5_counts(journey, lina, event_id, poster, before)

    for audit in journey.audits:
        audit.assert_clean()
    # The plan (three states, and as the library), the channel form, the composer, the send,
    # the message's page (twice), the sign-up page and the event page in Swedish; the
    # message's page and the sign-up page in English.
    assert sum(audit.audited for audit in journey.audits) == 13
    assert [problem for found in journey.problems for problem in found] == []
