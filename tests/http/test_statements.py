"""The accessibility statement (its addresses, default text, editing by the operator's admins,
the report form) and the privacy page made from the settings."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.conftest import BASE_URL, Web
from webapp import clock
from webapp.app import create_app
from webapp.db.tables import accessibility_reports, notifications, statements

STATEMENT = {
    "compliance": "partial",
    "known_problems": "- The week grid is hard to use with a screen reader.",
    "tested_how": "Self-assessment with axe-core and a keyboard walk-through.",
    "assessed_on": "2026-10-01",
    "reviewed_on": "2026-11-01",
    "report_email": "tillganglighet@malmo.example",
    "report_phone": "040-34 10 00",
    "uustatus_url": "",
    "was_url": "",
    "privacy_email": "dataskydd@malmo.example",
    "privacy_note": "Our data protection officer is **Kim Dahl**.",
}


@pytest.fixture(autouse=True)
def english(web):
    web.client.headers["Accept-Language"] = "en"


def _rows(web, table):
    async def read(ctx):
        async with ctx.db.read() as conn:
            return list(await conn.execute(select(table)))

    return web.run(read, web.ctx)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# The statement ------------------------------------------------------------------------------


def test_the_default_statement_names_the_operator_and_the_swedish_authority(web, world):
    page = web.get("/accessibility")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Accessibility statement" in text
    assert f"{world.library.name} is responsible for Samspel at {BASE_URL}" in text
    # Truthful defaults: partial compliance, what the tests check, not yet reviewed.
    assert "Samspel is partially compliant with the Swedish Act on accessibility" in text
    assert "audited with axe-core against the WCAG 2.1 level A and AA rules" in text
    assert "Posters and flyers (PDF)" in text
    assert f"{world.library.name} has not reviewed it yet" in text
    # The enforcement body with its reporting page; the report form without an account.
    assert 'href="https://www.digg.se/tdosanmalan"' in page.text
    assert "Myndigheten för digital förvaltning, DIGG" in text
    assert 'name="description"' in page.text and 'action="/accessibility#report"' in page.text
    # Nobody else's admin links.
    assert "/accessibility/edit" not in page.text


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [
        ("/tillganglighet", "sv", "Tillgänglighetsredogörelse"),
        ("/was", "da", "Tilgængelighedserklæring"),
        ("/tilgjengelighet", "nb", "Tilgjengelighetserklæring"),
    ],
)
def test_the_national_addresses_open_in_their_language_unless_the_reader_chose(
    web, world, path, language, title
):
    page = web.get(path)
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert page.headers["content-language"] == language
    assert f"<h1>{title}</h1>" in page.text
    # A reader who chose a language (the switcher's cookie) reads it in theirs.
    web.post("/language", {"lang": "en", "next": path})
    assert "<h1>Accessibility statement</h1>" in web.get(path).text


def test_accessibility_follows_the_readers_language(web, world):
    web.client.headers["Accept-Language"] = "da"
    assert "<h1>Tilgængelighedserklæring</h1>" in web.get("/accessibility").text


def test_every_page_links_the_statement_the_report_form_and_the_privacy_page(web, world):
    for path in ("/", "/program", "/login", "/privacy", "/events/999999"):
        page = web.get(path)
        assert 'href="/accessibility"' in page.text, path
        assert 'href="/privacy"' in page.text, path
        assert f'href="/accessibility?page={path}#report"' in page.text
    # In Danish the footer leads to /was, as Danish rules ask.
    web.client.headers["Accept-Language"] = "da"
    assert 'href="/was"' in web.get("/program").text
    web.login(world.emails["library_staff"])
    assert 'href="/was"' in web.get("/dashboard").text


def test_the_footers_report_link_never_carries_a_personal_link(web, world):
    """A report from a reset, invitation or personal page names the kind of page, not its
    token: the report is read by the library's admins."""
    for path, shown in (
        ("/password/reset/secret-reset-token", "/password/reset/{token}"),
        ("/r/secret-rsvp-token", "/r/{token}"),
        ("/invitations/secret-invitation", "/invitations/{token}"),
        (f"/orgs/{world.library.slug}/program", f"/orgs/{world.library.slug}/program"),
    ):
        page = web.get(path).text
        assert "secret-" not in page.split('class="site-footer"')[-1], path
        assert f"?page={quote(shown, safe='/')}#report" in page, path


def test_the_footers_report_link_fills_in_the_page(web, world):
    page = web.get("/accessibility?page=%2Fprogram%2Fweek")
    assert 'name="page" type="text" value="/program/week"' in page.text
    # Only a path of this site, never another address.
    page = web.get("/accessibility?page=https%3A%2F%2Fevil.example%2F")
    assert 'name="page" type="text" value=""' in page.text


# Editing ------------------------------------------------------------------------------------


def test_the_operators_admin_edits_the_statement(web, world):
    web.login(world.emails["library_admin"])
    page = web.get("/accessibility")
    assert 'href="/accessibility/edit"' in page.text
    assert "Reported problems (0 open)" in page.text
    form = web.get("/accessibility/edit")
    assert form.status_code == 200
    # The form starts from the default text, to be checked and saved.
    assert "Posters and flyers (PDF)" in form.text
    assert 'option value="partial" selected' in form.text
    saved = web.post("/accessibility/edit", STATEMENT)
    assert saved.status_code == 303 and saved.headers["location"] == "/accessibility?saved=1"
    (row,) = _rows(web, statements)
    assert row.organisation_id == world.library.id and row.report_phone == "040-34 10 00"
    assert row.assessed_on == date(2026, 10, 1)
    text = _text(web.get("/accessibility?saved=1").text)
    assert "The statement has been saved." in text
    assert "The week grid is hard to use with a screen reader." in text
    assert "Posters and flyers" not in text and "has not reviewed it yet" not in text
    assert "tillganglighet@malmo.example" in text and "040-34 10 00" in text
    assert "We assessed the service on 1 October 2026." in text
    assert "last reviewed on 1 November 2026" in text
    # Everyone reads the saved statement; saving again updates the one row.
    web.logout()
    assert "The week grid is hard to use" in web.get("/tillganglighet").text
    web.login(world.emails["library_admin"])
    web.post("/accessibility/edit", {**STATEMENT, "compliance": "full", "known_problems": ""})
    (row,) = _rows(web, statements)
    assert row.compliance == "full"
    text = _text(web.get("/accessibility").text)
    assert "Samspel is fully compliant with" in text
    assert "We know of no content that is not accessible." in text


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_lost(web, world):
    web.login(world.emails["library_admin"])
    tomorrow = clock.now().date().replace(year=clock.now().year + 1).isoformat()
    bad = {
        **STATEMENT,
        "compliance": "mostly",
        "report_email": "not-an-address",
        "report_phone": "call us",
        "uustatus_url": "https://example.org/statement",
        "was_url": "http://was.digst.dk/malmo-dk",
        "assessed_on": tomorrow,
        "reviewed_on": "2026-09-01",
        "tested_how": "",
    }
    page = web.post("/accessibility/edit", bad)
    assert page.status_code == 400
    assert "There is a problem" in page.text
    for field in (
        "compliance", "report_email", "report_phone", "uustatus_url", "was_url",
        "assessed_on", "tested_how",
    ):  # fmt: skip
        assert f'id="{field}-error"' in page.text, field
    assert "Enter the address of your statement on uustatus.no." in page.text
    assert "Enter the address of your statement on was.digst.dk." in page.text
    assert "The date cannot be in the future." in page.text
    # What was typed is still there; nothing was saved.
    assert "The week grid is hard to use with a screen reader." in page.text
    assert 'value="call us"' in page.text
    assert _rows(web, statements) == []
    # The review cannot come before the assessment.
    page = web.post("/accessibility/edit", {**STATEMENT, "reviewed_on": "2026-09-01"})
    assert "The review cannot be before the assessment." in page.text


def test_the_national_services_are_linked_and_was_leads_to_the_danish_statement(web, world):
    web.login(world.emails["library_admin"])
    web.post(
        "/accessibility/edit",
        {
            **STATEMENT,
            "uustatus_url": "https://uustatus.no/nb/erklaringer/publisert/abc",
            "was_url": "https://www.was.digst.dk/samspel-malmo-dk",
        },
    )
    page = web.get("/accessibility")
    assert 'href="https://uustatus.no/nb/erklaringer/publisert/abc"' in page.text
    assert 'href="https://www.was.digst.dk/samspel-malmo-dk"' in page.text
    moved = web.get("/was")
    assert moved.status_code == 302
    assert moved.headers["location"] == "https://www.was.digst.dk/samspel-malmo-dk"


@pytest.mark.parametrize(
    "role",
    ["library_staff", "other_library_admin", "association_admin", "association_member"],
)
def test_only_the_operators_admins_edit_and_read_reports(web, world, role):
    web.login(world.emails[role])
    for path in ("/accessibility/edit", "/accessibility/reports"):
        assert web.get(path).status_code == 403, path
    assert web.post("/accessibility/edit", STATEMENT).status_code == 403
    assert web.post("/accessibility/reports/1/delete").status_code == 403
    assert _rows(web, statements) == []
    assert "/accessibility/edit" not in web.get("/accessibility").text


def test_anonymous_visitors_are_sent_to_log_in(web, world):
    response = web.get("/accessibility/edit")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_samspel_operator_names_another_library(world, settings):
    other = settings.with_changes(operator=world.other_library.slug)
    with TestClient(create_app(other), base_url=BASE_URL) as client:
        web = Web(client)
        web.client.headers["Accept-Language"] = "en"
        assert f"{world.other_library.name} is responsible" in web.get("/accessibility").text
        web.login(world.emails["other_library_admin"])
        assert web.get("/accessibility/edit").status_code == 200
        web.logout()
        web.login(world.emails["library_admin"])
        assert web.get("/accessibility/edit").status_code == 403


def test_an_unknown_operator_is_named_nowhere(world, settings):
    unknown = settings.with_changes(operator="no-such-library")
    with TestClient(create_app(unknown), base_url=BASE_URL) as client:
        page = client.get("/accessibility", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "The operator of this service is responsible" in page.text
        assert world.library.name not in page.text
        assert 'name="description"' not in page.text  # no one to send a report to


# Reports ------------------------------------------------------------------------------------


def test_a_reader_reports_a_problem_and_the_admins_are_told(web, world):
    sent = web.post(
        "/was",
        {
            "description": "Knappen för att anmäla sig går inte att nå med tangentbordet.",
            "page": "/events/12",
            "name": "",
            "contact": "",
        },
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/was?sent=1#report-sent"
    thanks = web.get("/was?sent=1")
    assert "Tak. Din henvendelse er sendt." in _text(thanks.text)
    (report,) = _rows(web, accessibility_reports)
    assert report.organisation_id == world.library.id
    assert report.page == "/events/12" and report.name == "" and report.language == "da"
    # The operator's admins (only they) get it in their inbox.
    (note,) = _rows(web, notifications)
    assert note.kind == "accessibility_report" and note.params == {"page": "/events/12"}
    web.login(world.emails["library_admin"])
    assert (
        "A reader reported an accessibility problem (page: /events/12)." in web.get("/inbox").text
    )
    listing = web.get("/accessibility/reports")
    assert listing.status_code == 200
    assert "går inte att nå med tangentbordet" in listing.text and "1 open report." in listing.text
    assert "Reported problems (1 open)" in web.get("/accessibility").text
    # Handled, opened again, deleted.
    web.post(f"/accessibility/reports/{report.id}/handled", {"handled": "1"})
    (handled,) = _rows(web, accessibility_reports)
    assert handled.handled_at is not None
    assert "0 open reports." in web.get("/accessibility/reports").text
    web.post(f"/accessibility/reports/{report.id}/handled", {"handled": "0"})
    assert _rows(web, accessibility_reports)[0].handled_at is None
    gone = web.post(f"/accessibility/reports/{report.id}/delete")
    assert gone.headers["location"] == "/accessibility/reports?done=deleted"
    assert _rows(web, accessibility_reports) == []
    assert web.post(f"/accessibility/reports/{report.id}/delete").status_code == 404


def test_a_report_needs_a_description_and_keeps_what_was_typed(web, world):
    page = web.post(
        "/accessibility",
        {"description": " ", "page": "/program", "name": "Kim", "contact": "kim@example.org"},
    )
    assert page.status_code == 400
    assert 'id="description-error"' in page.text and "This field is required." in page.text
    assert 'value="Kim"' in page.text and 'value="kim@example.org"' in page.text
    long = web.post("/accessibility", {"description": "x" * 5001})
    assert long.status_code == 400 and "Use at most 5000 characters." in long.text
    assert _rows(web, accessibility_reports) == []


def test_reports_are_rate_limited_per_address(web, world, monkeypatch):
    monkeypatch.setattr(clock, "epoch_seconds", lambda: 1_800_000_300)  # mid-window
    limit = web.ctx.settings.public_form_limit_per_address
    answers = [
        web.post("/accessibility", {"description": ""}).status_code for _ in range(limit + 1)
    ]
    assert answers == [400] * limit + [429]
    refused = web.post("/accessibility", {"description": "The map has no text."})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "300"
    assert _rows(web, accessibility_reports) == []


# Privacy ------------------------------------------------------------------------------------


def test_the_privacy_page_tells_what_is_kept_and_for_how_long(web, world):
    page = web.get("/privacy")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"{world.library.name} runs Samspel at {BASE_URL}" in text
    assert "for 24 months is deleted with its lists" in text
    assert "A log-in ends after 14 days without activity" in text
    assert "This service sends no SMS through an outside provider." in text
    assert "Twilio" not in text
    # The contact falls back to the organisation's address until a statement names one.
    assert f'href="mailto:{world.library.email}"' in page.text or not world.library.email


def test_the_privacy_page_follows_the_settings_and_the_statement(world, settings):
    changed = settings.with_changes(
        contact_retention_months=6,
        session_days=1,
        sms_provider="twilio",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="x" * 32,
        twilio_from="+46700000000",
        rsvp_retention_days=45,
        mail_provider="smtp",
        smtp_host="smtp.malmo.example",
        mail_from="noreply@malmo.example",
    )
    with TestClient(create_app(changed), base_url=BASE_URL) as client:
        web = Web(client)
        web.client.headers["Accept-Language"] = "en"
        web.login(world.emails["library_admin"])
        web.post("/accessibility/edit", STATEMENT)
        web.logout()
        page = web.get("/privacy")
        text = _text(page.text)
        assert "for 6 months is deleted with its lists" in text
        assert "You are deleted 6 months after the end of your last shift" in text
        assert "A log-in ends after 1 day without activity" in text
        assert "Twilio delivers the SMS" in text
        assert "Your name and number are deleted 45 days after the date" in text
        assert "Messages and replies keep neither the number nor the text after 6 months" in text
        assert "smtp.malmo.example delivers the e-mails" in text
        assert "Not kept by the service: each e-mail is handed to the mail server" in text
        assert 'href="https://www.twilio.com/legal/privacy"' in page.text
        assert 'href="mailto:dataskydd@malmo.example"' in page.text
        assert "<strong>Kim Dahl</strong>" in page.text
        web.client.headers["Accept-Language"] = "sv"
        assert "6 månader" in web.get("/privacy").text
