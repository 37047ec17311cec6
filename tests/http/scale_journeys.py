"""What people do in the scale-out test (tests/http/test_scale_out.py), over real HTTP: the
running deployment with its browsers, and the journeys — an SMS sent from the composer, an
event proposed, approved and published. Each browser hands its requests to the app processes
in turn."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx

from tests import factories
from tests.conftest import PASSWORD, World, _test_settings, run_async
from tests.fakes.twilio import FakeTwilio
from tests.http.scale_cluster import Browser, Cluster, form_value
from webapp.context import build_context
from webapp.db import Database

TEMPLATE = "Hej {name}! Språkcafé på torsdag kl 18 i biblioteket. Välkommen!"
TZ = ZoneInfo("Europe/Stockholm")
MEMBER = "member@assoc.test"
STAFF = "staff@lib.test"
ADMIN = "admin@lib.test"


@dataclass
class Deployment:
    """The running processes, the fake Twilio server, and what the set-up put in."""

    cluster: Cluster
    fake: FakeTwilio
    world: World
    database_url: str
    folder: Path
    room_ids: list[int]
    user_ids: dict[str, int]
    send_id: int = 0
    _addresses: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _days: Iterator[int] = field(default_factory=lambda: itertools.count(0))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def browser(self, email: str | None = None) -> Browser:
        """A new browser, from an address of its own (passed on as the proxy would), logged
        in as ``email`` when given."""
        with self._lock:
            n = next(self._addresses)
        browser = Browser(self.cluster.urls, address=f"10.8.{n // 250}.{n % 250 + 1}")
        if email:
            browser.log_in(email, PASSWORD)
        return browser

    def day(self) -> date:
        """A day of its own for a test's bookings, some weeks ahead."""
        with self._lock:
            n = next(self._days)
        return datetime.now(TZ).date() + timedelta(days=30 + n)

    def query(self, fn: Callable[..., Any], *args: Any) -> Any:
        return run_async(with_ctx, self.database_url, self.folder, fn, *args)


async def with_ctx(url: str, folder: Path, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(ctx, *args)`` with a context of the test's own on the deployment's database."""
    db = Database(url)
    ctx = build_context(_test_settings(url, folder), db)
    try:
        return await fn(ctx, *args)
    finally:
        ctx.calendar_versions.close()
        await db.dispose()


def send_sms(deployment: Deployment) -> int:
    """The association's member sends one SMS to every contact, through the composer."""
    page = f"/orgs/{deployment.world.association.slug}/sms/new"
    with deployment.browser(MEMBER) as member:
        assert member.get(page).status_code == 200
        response = member.post(page, {"template": TEMPLATE, "tag": ""})
        assert response.status_code == 303, response.text[:1000]
        found = re.search(r"/sms/sends/(\d+)\?sent=1$", response.headers["location"])
        assert found, response.headers["location"]
        return int(found.group(1))


def event_fields(title: str, booking: dict[str, str] | None = None) -> dict[str, Any]:
    """The edit form as a member fills it in: everything submission and approval need."""
    return {
        "title": title,
        "summary": "Practise Swedish over coffee.",
        "shared_goal": "Newcomers meet Swedish speakers and find the library.",
        "languages": ["sv", "ar"],
        "audiences": ["newcomers", "adults"],
        "wished_times": "An evening some weeks ahead",
        "agreement_resources": factories.AGREEMENT["resources"],
        "agreement_invitations": factories.AGREEMENT["invitations"],
        "agreement_success": factories.AGREEMENT["success"],
        **(booking or {}),
    }


def room_and_time(room_id: int, day: date, start: str, end: str) -> dict[str, str]:
    """The room and time fields of the approval form (and of the edit form)."""
    return {"room_id": str(room_id), "date": day.isoformat(), "start_time": start, "end_time": end}


def propose(deployment: Deployment, member: Browser, title: str) -> int:
    """A member proposes an event, fills it in, names the association's contact person and
    submits it. Each request goes to the next process in turn."""
    world = deployment.world
    page = member.get("/events/new")
    key = re.search(r'<option value="(\d+:\d+)"', page.text)
    assert key, page.text[:1000]
    created = member.post("/events/new", {"proposer": key.group(1), "title": title})
    assert created.status_code == 303, created.text[:1000]
    found = re.search(r"/events/(\d+)/edit", created.headers["location"])
    assert found
    event_id = int(found.group(1))
    version = form_value(member.get(f"/events/{event_id}/edit").text, "version")
    saved = member.post(f"/events/{event_id}/edit", {"version": version, **event_fields(title)})
    assert saved.status_code == 303, saved.text[:2000]
    described = member.post(
        f"/events/{event_id}/partners/{world.association.id}",
        {"role_text": "Hosts the evening", "contact_user_id": str(deployment.user_ids[MEMBER])},
    )
    assert described.status_code == 303, described.text[:1000]
    submitted = member.post(f"/events/{event_id}/actions/submit", {})
    assert submitted.status_code == 303, submitted.text[:1000]
    return event_id


def approve(staff: Browser, event_id: int, booking: dict[str, str], **extra: str) -> None:
    response = staff.post(f"/events/{event_id}/approve", {**booking, **extra})
    assert response.status_code == 303, response.text[:2000]


def published(
    deployment: Deployment, title: str, booking: dict[str, str], capacity: int = 30
) -> int:
    """An event proposed by the member, approved by staff into ``booking`` with ``capacity``
    places, and published."""
    with deployment.browser(MEMBER) as member, deployment.browser(STAFF) as staff:
        event_id = propose(deployment, member, title)
        approve(staff, event_id, booking, capacity=str(capacity))
        assert staff.post(f"/events/{event_id}/actions/publish", {}).status_code == 303
    return event_id


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls in threads of their own, released at the same moment."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
