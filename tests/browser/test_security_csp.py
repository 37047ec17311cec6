"""The strict Content-Security-Policy (no inline scripts or styles, nothing evaluated) leaves
htmx working: in Chromium, with the policy enforced (no ``bypass_csp``), a live preview is
fetched and swapped in, and the browser reports no CSP violation and no console error."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LIBRARY_SLUG, LIBRARY_STAFF, LiveServer, log_in

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_htmx_works_under_the_strict_csp(new_context: Any, live_server: LiveServer) -> None:
    context = new_context()
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    log_in(page, LIBRARY_STAFF)
    response = page.goto(f"/orgs/{LIBRARY_SLUG}/sms/new")
    assert response is not None and response.ok
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    page.evaluate("window.__sameDocument = true")  # gone if the page were reloaded

    with page.expect_response(
        lambda r: r.url.endswith("/sms/new") and r.request.headers.get("hx-request") == "true"
    ) as preview:
        page.locator("#template").fill("Hej {name}! Välkommen på sagostund.")
    assert preview.value.status == 200
    expect(page.locator("#preview .sms-sample")).to_contain_text("Välkommen på sagostund.")
    assert page.evaluate("window.__sameDocument") is True  # swapped in by htmx, not reloaded
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []
