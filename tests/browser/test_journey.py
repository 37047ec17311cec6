"""The association sign-up journey, clicked through as people do it: on a desktop, on a phone,
and with JavaScript switched off."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import PHONE, LiveServer, choose_language, screenshot, t

pytestmark = pytest.mark.browser

LIBRARY_NAME = "Malmö stadsbibliotek"
PASSWORD = "a long enough pass phrase"


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def header_text(page: Page) -> str:
    return " ".join(page.locator("header.site-header nav").inner_text().split())


def watch_for_page_errors(page: Page) -> list[str]:
    """Script errors, console errors (a CSP refusal shows up there) and failed loads."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def console(message: ConsoleMessage) -> None:
        # Chromium asks for /favicon.ico by itself; the app has none (yet).
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"console error: {message.text} at {message.location['url']}")

    page.on("console", console)
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} for {response.url}")
            if response.status >= 400
            else None
        ),
    )
    return problems


def fill_signup_by_label(page: Page, *, org: str, person: str, email: str) -> None:
    """The sign-up form in Swedish, found by the labels people read."""
    page.get_by_label(t("Name of the association")).fill(org)
    page.get_by_label(t("What the association does")).fill("Läsecirklar på lätt svenska.")
    page.get_by_label(t("Website")).fill("https://lasecirkeln.example")
    page.get_by_label(t("Library"), exact=True).select_option(label=LIBRARY_NAME)
    page.get_by_label(t("Message to the library")).fill("Kan vi träffas på torsdagskvällar?")
    page.get_by_label(t("Your name")).fill(person)
    page.get_by_label(t("Your e-mail address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Password again")).fill(PASSWORD)


def fill_signup_by_id(page: Page, *, org: str, person: str, email: str) -> None:
    """The same form by field ids, whatever the language."""
    page.locator("#org_name").fill(org)
    page.locator("#description").fill("Homework help on Saturdays.")
    page.locator("#library_id").select_option(label=LIBRARY_NAME)
    page.locator("#name").fill(person)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_sign_up_log_out_log_in_and_switch_language(
    new_context: Any, live_server: LiveServer, device: str
) -> None:
    viewport = PHONE if device == "phone" else {"width": 1280, "height": 900}
    page = new_context(viewport=viewport).new_page()
    problems = watch_for_page_errors(page)
    email = f"reader-{device}@lasecirkeln.example"
    person = f"Maja Ek ({device})"
    org = f"Läsecirkeln {device}"

    # The home page speaks the default language, Swedish.
    page.goto("/")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    assert html_lang(page) == "sv"
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Plan events together"))

    main_nav = page.get_by_role("navigation", name=t("Main"))
    main_nav.get_by_role("link", name=t("Sign up an association")).click()
    expect(page).to_have_url(f"{live_server.url}/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Sign up an association"))
    fill_signup_by_label(page, org=org, person=person, email=email)
    screenshot(page, f"{device}-signup-form")

    page.get_by_role("button", name=t("Sign up"), exact=True).click()
    page.wait_for_url("**/dashboard?welcome=1")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Welcome, %(name)s", name=person))
    expect(page.get_by_role("status")).to_have_text(
        t(
            "Your association has been registered. The library will review your request; "
            "you will get an e-mail when they have decided."
        )
    )
    expect(page.get_by_role("heading", name=org, level=2)).to_be_visible()
    expect(page.get_by_text(t("Waiting for a library to approve"))).to_be_visible()

    # Log out, then back in with the new account.
    page.get_by_role("button", name=t("Log out")).click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name=t("Log out"))).to_have_count(0)
    page.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("Log in")).click()
    page.get_by_label(t("E-mail address")).fill(email)
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("Log in")).click()
    page.wait_for_url("**/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Welcome, %(name)s", name=person))
    screenshot(page, f"{device}-dashboard-sv")
    swedish_header = header_text(page)

    # English and back: the page's language and the words in the header follow the choice.
    choose_language(page, "English")
    assert html_lang(page) == "en"
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person}")
    english_header = header_text(page)
    assert "Log out" in english_header and "My account" in english_header, english_header
    assert english_header != swedish_header, (
        f"the header reads the same in Swedish and English: {swedish_header!r}"
    )
    screenshot(page, f"{device}-dashboard-en")
    choose_language(page, "Svenska")
    assert html_lang(page) == "sv"
    assert header_text(page) == swedish_header
    assert problems == []


def test_sign_up_and_log_in_without_javascript(new_context: Any, live_server: LiveServer) -> None:
    page = new_context(java_script_enabled=False).new_page()
    email = "nojs@laxhjalpen.example"

    page.goto("/")
    assert page.evaluate("typeof window.htmx") == "undefined"  # the page's scripts did not run
    page.locator("header a[href='/signup']").click()
    page.wait_for_url("**/signup")
    fill_signup_by_id(page, org="Läxhjälpen", person="Omar Ali", email=email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard?welcome=1")
    expect(page.locator("h1")).to_contain_text("Omar Ali")

    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("header form[action='/logout']")).to_have_count(0)

    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form[action='/login'] button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    expect(page.locator("h1")).to_contain_text("Omar Ali")
    expect(page.locator("main")).to_contain_text("Läxhjälpen")


def test_language_switch_works_without_javascript(new_context: Any) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/login")
    assert html_lang(page) == "sv"
    page.locator("header button[name=lang][value=en]").click()
    page.wait_for_url("**/login")
    assert html_lang(page) == "en"


def test_sign_up_errors_keep_input_and_point_to_the_fields(page: Page) -> None:
    page.goto("/signup")
    page.locator("#org_name").fill("Stickcaféet")
    page.locator("#description").fill("We knit and talk.")
    page.locator("#website").fill("not a web address")
    page.locator("#name").fill("Eva Holm")
    page.locator("#email").fill("eva@stickcafe.example")
    page.locator("#password").fill("short")
    page.locator("#password_confirm").fill("different")
    # No library chosen.
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # What was typed is still there (never the passwords).
    expect(page.locator("#org_name")).to_have_value("Stickcaféet")
    expect(page.locator("#description")).to_have_value("We knit and talk.")
    expect(page.locator("#website")).to_have_value("not a web address")
    expect(page.locator("#name")).to_have_value("Eva Holm")
    expect(page.locator("#email")).to_have_value("eva@stickcafe.example")
    expect(page.locator("#password")).to_have_value("")

    # Each failing field says why, right next to it, tied to it for screen readers.
    failing = ["website", "library_id", "password"]
    for name in failing:
        field = page.locator(f"#{name}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby") or ""
        assert f"{name}-error" in described.split(), (name, described)
        expect(page.locator(f"#{name}-error")).to_be_visible()
        expect(page.locator(f"#{name}-error")).not_to_be_empty()
    for name in ["org_name", "name", "email"]:
        expect(page.locator(f"#{name}")).not_to_have_attribute("aria-invalid", "true")

    # The error summary comes first and links to every failing field.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    box = summary.bounding_box()
    form_box = page.locator("main form").bounding_box()
    assert box and form_box and box["y"] < form_box["y"]
    links = summary.get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert set(hrefs) >= {f"#{name}" for name in failing}, hrefs
    for href in hrefs:
        assert href and page.locator(href).count() == 1, href
        expect(page.locator(href)).to_have_attribute("aria-invalid", "true")

    # Following a link in the summary takes the visitor to the field.
    summary.locator("a[href='#library_id']").click()
    assert page.evaluate("location.hash") == "#library_id"
    assert page.evaluate("document.activeElement.id") == "library_id"
    expect(page.locator("#library_id")).to_be_in_viewport()
