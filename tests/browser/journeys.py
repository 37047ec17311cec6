"""What the browser journeys share: a person's browser (desktop or phone) with page errors
watched, one axe audit per person and language sharing which pages were audited already, and
screenshots numbered in the order they were taken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import PHONE, LiveServer, log_in, screenshot
from tests.browser.test_accessibility import Audit
from tests.browser.test_journey import watch_for_page_errors

DESKTOP = {"width": 1280, "height": 900}
PHONE_DEVICE = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@dataclass
class Journey:
    """One journey's people, audits, page errors and screenshots (``prefix``-NN-step.png)."""

    new_context: Callable[..., Any]
    live: LiveServer
    prefix: str
    seen: set[str] = field(default_factory=set)
    audits: list[Audit] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)
    shots: list[str] = field(default_factory=list)

    def person(self, email: str | None, who: str, *, phone: bool = False) -> tuple[Page, Audit]:
        device = PHONE_DEVICE if phone else {"viewport": DESKTOP}
        # bypass_csp: the pages' CSP would refuse axe's script, which Audit.check injects.
        context = self.new_context(bypass_csp=True, **device)
        # More patience than the default 5 s: the servers share a small machine with other
        # test processes.
        context.set_default_timeout(15_000)
        page = context.new_page()
        self.problems.append(watch_for_page_errors(page))
        if email:
            log_in(page, email)
        return page, self.audit(page, who, phone=phone)

    def audit(self, page: Page, who: str, *, phone: bool, locale: str = "sv") -> Audit:
        audit = Audit(page, f"{who} ({locale}, {'phone' if phone else 'desktop'})", seen=self.seen)
        self.audits.append(audit)
        return audit

    def shot(self, page: Page, step: str) -> None:
        name = f"{self.prefix}-{len(self.shots) + 1:02d}-{step}"
        screenshot(page, name)
        self.shots.append(name)
