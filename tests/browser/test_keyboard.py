"""Keyboard only: the skip link, logging in without a mouse, and focus that can be seen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LIBRARY_STAFF, LiveServer
from webapp.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
    text: (el.innerText || el.value || '').trim().slice(0, 60),
    cls: el.className, href: el.getAttribute('href'),
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    shadow: style.boxShadow,
    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < window.innerWidth && box.top < window.innerHeight,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def shows_focus(info: dict[str, Any]) -> bool:
    outline = info["outline"] != "none" and info["outlineWidth"] > 0
    return outline or info["shadow"] not in ("none", "")


def tab_to(page: Page, selector: str, limit: int = 40) -> list[dict[str, Any]]:
    """Press Tab until ``selector`` has focus; returns every stop on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        assert info is not None, "focus fell back to the page"
        stops.append(info)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached in {limit} Tab presses: {stops}")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None
    assert "skip-link" in first["cls"] and first["href"] == "#main", first
    assert first["visible"], "the skip link stays off-screen when focused"
    assert shows_focus(first), first

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues from the content, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_log_in_with_the_keyboard_only(page: Page, live_server: LiveServer) -> None:
    page.goto("/login")
    stops = tab_to(page, "#email")
    page.keyboard.type(LIBRARY_STAFF)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/dashboard"
    assert page.locator("header form[action='/logout']").count() == 1
    # Every stop on the way to the e-mail field showed where the focus was.
    hidden = [stop for stop in stops if not shows_focus(stop)]
    assert not hidden, hidden


@pytest.mark.parametrize("path", ["/", "/login", "/signup"])
def test_every_tab_stop_shows_focus(page: Page, path: str) -> None:
    page.goto(path)
    seen = 0
    for _ in range(60):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (seen and "skip-link" in info["cls"]):  # past the last stop
            break
        assert shows_focus(info), f"no visible focus on {info} at {path}"
        assert info["visible"], f"focus on something off-screen: {info} at {path}"
        seen += 1
    assert seen >= 5, f"only {seen} tab stops on {path}"
