"""A second browser on the same running app: its own cookies, the same event loop."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tests.conftest import Web


@contextlib.contextmanager
def other_browser(web: Web) -> Iterator[Web]:
    """Within the block, ``web`` acts as another browser (fresh cookies); afterwards it is
    itself again. A second TestClient on the same app would run the app's lifespan twice."""
    own = web.client.cookies
    web.client.cookies = type(own)()
    try:
        yield web
    finally:
        web.client.cookies = own


class Browsers:
    """Several browsers taking turns on one client: ``with browsers.use("phone"): ...``."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.jars: dict[str, Any] = {}

    @contextlib.contextmanager
    def use(self, name: str) -> Iterator[Web]:
        own = self.web.client.cookies
        self.web.client.cookies = self.jars.setdefault(name, type(own)())
        try:
            yield self.web
        finally:
            self.jars[name] = self.web.client.cookies
            self.web.client.cookies = own


def read_english(web: Web) -> None:
    """Ask for English pages, the source language, so tests can read the messages while the
    translations change (the default language is Swedish)."""
    web.client.headers["Accept-Language"] = "en"
