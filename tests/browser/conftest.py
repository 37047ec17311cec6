"""Browser fixtures: the real app served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

One server per test session, on a fresh SQLite file seeded with the demo data
(``webapp.demo``); each test gets its own browser context (cookies, language, viewport), so
tests do not share a login. Screenshots go to ``tests/browser/screenshots/`` (gitignored).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from starlette.applications import Starlette

from webapp.app import create_app
from webapp.demo import ACCOUNTS, DEMO_PASSWORD, seed_demo
from webapp.i18n import gettext, use_locale
from webapp.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECRET = "browser-test-secret-" + "x" * 40
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}

# The demo people by what they are (webapp/demo.py ACCOUNTS keeps them in this order).
LIBRARY_ADMIN = ACCOUNTS[0][1]
LIBRARY_STAFF = ACCOUNTS[1][1]
ASSOCIATION_ADMIN = ACCOUNTS[2][1]
ASSOCIATION_MEMBER = ACCOUNTS[3][1]
PENDING_ASSOCIATION = ACCOUNTS[4][1]
LIBRARY_SLUG = "malmo-stadsbibliotek"
ASSOCIATION_SLUG = "nya-grannar"


@dataclass
class LiveServer:
    url: str
    settings: Settings
    database: Path
    app: Starlette

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Read the app's database directly (browser tests run on SQLite only)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, params))

    def newest_link(self, recipient: str, path_prefix: str) -> str:
        """The path of the newest link sent to ``recipient`` by the console mail provider."""
        pattern = re.compile(re.escape(self.url + path_prefix) + r"[^\s]+")
        for row in self.rows(
            "SELECT body FROM console_messages WHERE recipient = ? ORDER BY id DESC", (recipient,)
        ):
            found = pattern.search(row["body"])
            if found:
                return found.group(0).removeprefix(self.url)
        raise AssertionError(f"no {path_prefix} link was sent to {recipient}")


def _run_in_thread(fn: Any) -> Any:
    """Run ``fn`` in its own thread (asyncio.run must not share Playwright's thread)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    database = folder / "samspel.sqlite3"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        instance_path=folder,
        database_url=f"sqlite+aiosqlite:///{database}",
        secret_key=SECRET,
        base_url=url,
        auto_migrate=True,
        password_hashing="argon2id-test",
    )
    _run_in_thread(lambda: asyncio.run(seed_demo(settings)))

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        loop="auto",
        http="auto",
        ws="none",  # no websockets import: nothing to warn about, nothing used
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=url, settings=settings, database=database, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    """Make browser contexts on the live server; all are closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "sv-SE")  # a Swedish browser: Accept-Language sv-SE
        context = browser.new_context(**options)
        context.set_default_timeout(5000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Page:
    return new_context().new_page()


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form by field ids, in whatever language the page is in."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("main form[action='/login'] button[type=submit]").click()
    assert "/login" not in page.url, f"could not log in as {email}"


def choose_language(page: Page, name: str) -> None:
    """Press a language button in the header (named in its own language)."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def choose_locale(page: Page, code: str) -> None:
    """Press the header's language button for ``code`` (sv, da, nb, en)."""
    with page.expect_navigation():
        page.locator(f"header button[name=lang][value={code}]").click()
    assert page.evaluate("document.documentElement.lang") == code


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def t(message: str, locale: str = "sv", **params: object) -> str:
    """``message`` as the app shows it in ``locale``: tests find buttons and fields by the
    names people read, from the app's own catalogs, so they follow the translations."""
    with use_locale(locale):
        return gettext(message, **params)
