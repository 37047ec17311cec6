"""Scale-out, proven: two app processes (``samspel serve``) and two ``samspel worker``
processes on one PostgreSQL database, as a region runs Samspel behind a reverse proxy.

A fresh database is made for the module and migrated with ``samspel migrate``; the test
world (two libraries, two associations, their people), two rooms and 2,000 consented
contacts are put in through the app's own services. From then on everything goes over real
HTTP, every browser's requests taking turns between the two app processes (a load balancer
without sticky sessions): an association's member sends an SMS to the 2,000 contacts, which
the workers deliver to the fake Twilio server while the rest of the workload runs — members
propose events, library staff approve them (two at the same moment into one room through
different processes), attendees sign up for the last places of a date at the same moment,
partners change a published event while its feed is read through the other process.

What must hold: every message reaches Twilio exactly once; no room is booked twice; no date
takes more people than it has places; a change made through one process is what the other
serves at once, feeds with the same ETag; a login made on one process is a session on the
other; login attempts and public-form sends are counted across processes.

PostgreSQL only (SAMSPEL_TEST_POSTGRES_URL, as .ci/run sets it): SQLite is the one-process
case. 20 to 60 seconds on two CPUs, depending on what else runs; the processes' start and
the set-up take a third of it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, text

from tests import factories
from tests.conftest import PASSWORD, POSTGRES_URL, SECRET, World, _build_world_in, run_async
from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
from tests.http.scale_cluster import cluster, form_value, fresh_database, samspel
from tests.http.scale_journeys import (
    ADMIN,
    MEMBER,
    STAFF,
    Deployment,
    approve,
    at_once,
    event_fields,
    propose,
    published,
    room_and_time,
    send_sms,
    with_ctx,
)
from tests.http.test_outbox import _contacts
from tests.http.test_outbox_workers import CHANGES, _log_changes
from webapp.db.tables import occurrences, outbox, rsvps, users

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="scale-out runs on PostgreSQL only: set SAMSPEL_TEST_POSTGRES_URL (.ci/run does)",
)

MESSAGES = 2000
BASE_URL = "http://samspel.test"  # the public address: the reverse proxy's, not a process's
DELIVERY_SECONDS = 75.0


async def _seed(ctx, world: World) -> tuple[list[int], dict[str, int]]:  # type: ignore[no-untyped-def]
    """Rooms and the contact book, put in as the library's admin and an import would."""
    _location, room_ids = await factories.rooms(ctx, world, count=2)
    await _contacts(ctx, world, MESSAGES)
    await _log_changes(ctx)  # who claimed and sent each message (a table of the test's own)
    async with ctx.db.read() as conn:
        ids = dict((await conn.execute(select(users.c.email, users.c.id))).all())
    return room_ids, ids


def _environment(database_url: str, fake: FakeTwilio) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMSPEL_DATABASE_URL": database_url,
        # Every process has the same key (else one's cookies and links are another's
        # forgeries); the instance folders differ, as on separate machines.
        "SAMSPEL_SECRET_KEY": SECRET,
        "SAMSPEL_BASE_URL": BASE_URL,
        "SAMSPEL_AUTO_MIGRATE": "0",
        "SAMSPEL_LOG_LEVEL": "WARNING",
        "SAMSPEL_SMS_DISPATCHER": "worker",
        "SAMSPEL_SMS_PROVIDER": "twilio",
        "SAMSPEL_SMS_QUIET_HOURS": "off",  # the suite runs at any time of day
        "SAMSPEL_SMS_RETRY_SECONDS": "1",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM": "+46700000000",
        "TWILIO_API_BASE": fake.base_url,
    }


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("scale")
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_database())
        fake = stack.enter_context(FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=5))
        fake.set_latency(0.005, jitter=0.01)
        # Now and then Twilio fails (500: the message may have been taken or not); those
        # messages are sent again, a second or two later, and still reach Twilio only once.
        fake.set_rates(error=0.03, error_statuses=(500,))
        env = _environment(database_url, fake)
        samspel("migrate", env={**env, "SAMSPEL_INSTANCE_PATH": str(folder / "migrate")})
        world = _build_world_in(database_url, folder / "seed")
        room_ids, user_ids = run_async(with_ctx, database_url, folder, _seed, world)
        running = stack.enter_context(cluster(env, folder, apps=2, workers=2))
        deployment = Deployment(running, fake, world, database_url, folder, room_ids, user_ids)
        # The SMS first, so that the workers deliver it while the other tests run.
        deployment.send_id = send_sms(deployment)
        try:
            yield deployment
        finally:
            running.check_alive()


# What the database holds -----------------------------------------------------------------------


async def _overlapping_bookings(ctx) -> list[Any]:  # type: ignore[no-untyped-def]
    """Pairs of scheduled dates that share a room and overlap in time."""
    one, two = occurrences.alias("one"), occurrences.alias("two")
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(one.c.id, two.c.id, one.c.room_id).where(
                one.c.room_id == two.c.room_id,
                one.c.id < two.c.id,
                one.c.status == "scheduled",
                two.c.status == "scheduled",
                one.c.starts_at < two.c.ends_at,
                two.c.starts_at < one.c.ends_at,
            )
        )
        return list(rows)


# Sessions, CSRF and rate limits: nothing in one process's memory -------------------------------


def test_a_login_on_one_process_is_a_session_on_the_other(deployment: Deployment) -> None:
    with deployment.browser() as browser:
        # The CSRF cookie from process 0 is good for a form sent to process 1.
        assert browser.get("/login", via=0).status_code == 200
        browser.log_in(MEMBER, PASSWORD, via=1)
        for via in (0, 1):
            page = browser.get("/events/new", via=via)
            assert page.status_code == 200, (via, page.status_code)
            assert "Nya grannar → Malmö stadsbibliotek" in page.text
        # Logging out on one process ends the session on both.
        assert browser.post("/logout", via=0).status_code == 303
        for via in (0, 1):
            page = browser.get("/events/new", via=via)
            assert page.status_code == 303 and "/login" in page.headers["location"], via


def test_login_attempts_are_counted_across_processes(deployment: Deployment) -> None:
    email = deployment.world.emails["other_association_admin"]
    limit = 5  # Settings.login_limit_per_account
    with deployment.browser() as guesser:
        for n in range(limit):
            wrong = guesser.post("/login", {"email": email, "password": f"wrong {n}"}, via=n % 2)
            assert wrong.status_code == 400, (n, wrong.status_code)
        for via in (0, 1):
            refused = guesser.post("/login", {"email": email, "password": "wrong again"}, via=via)
            assert refused.status_code == 429, (via, refused.status_code)
            assert int(refused.headers["Retry-After"]) > 0
    # The account is held on both processes, for the right password and another address too.
    with deployment.browser() as owner:
        for via in (0, 1):
            held = owner.post("/login", {"email": email, "password": PASSWORD}, via=via)
            assert held.status_code == 429, (via, held.status_code)


def test_public_form_sends_are_counted_across_processes(deployment: Deployment) -> None:
    """60 RSVP sends per address in 10 minutes (Settings.public_form_limit_per_address),
    wherever they land. The sends here are empty forms: refused, but counted."""
    booking = room_and_time(deployment.room_ids[1], deployment.day(), "10:00", "11:00")
    event_id = published(deployment, "Sagostund", booking)
    limit = 60
    with deployment.browser() as visitor:
        visitor.get(f"/events/{event_id}")
        for n in range(limit):
            sent = visitor.post(f"/events/{event_id}/rsvp", {"name": ""})
            assert sent.status_code == 400, (n, sent.status_code)
        for via in (0, 1):
            refused = visitor.post(f"/events/{event_id}/rsvp", {"name": "Ida"}, via=via)
            assert refused.status_code == 429, (via, refused.status_code)
    # Another address is not held up.
    with deployment.browser() as other:
        other.get(f"/events/{event_id}")
        assert other.post(f"/events/{event_id}/rsvp", {"name": ""}).status_code == 400


# Approvals and RSVPs at the same moment through different processes --------------------------


def test_two_staff_approving_into_one_room_at_once_through_two_processes_book_it_once(
    deployment: Deployment,
) -> None:
    rounds = 4
    room = deployment.room_ids[0]
    with (
        deployment.browser(MEMBER) as member,
        deployment.browser(STAFF) as staff,
        deployment.browser(ADMIN) as admin,
    ):
        pairs = [
            (
                propose(deployment, member, f"Läxhjälp {n}"),
                propose(deployment, member, f"Bokcirkel {n}"),
            )
            for n in range(rounds)
        ]
        outcomes = []
        for n, (first, second) in enumerate(pairs):
            day = deployment.day()
            # Each opens the approval form, then both press "Approve" at once, on different
            # processes (which one on which alternates), for overlapping times.
            staff.get(f"/events/{first}/approve")
            admin.get(f"/events/{second}/approve")
            one, two = n % 2, 1 - n % 2
            answers = at_once(
                lambda first=first, day=day, one=one: staff.post(
                    f"/events/{first}/approve", room_and_time(room, day, "18:00", "20:00"), via=one
                ),
                lambda second=second, day=day, two=two: admin.post(
                    f"/events/{second}/approve", room_and_time(room, day, "19:00", "21:00"), via=two
                ),
            )
            codes = sorted(a.status_code for a in answers)
            assert codes == [303, 400], [(a.status_code, a.text[:300]) for a in answers]
            won, lost = (first, second) if answers[0].status_code == 303 else (second, first)
            refused = next(a for a in answers if a.status_code == 400)
            # A clear refusal, naming the event that got the room.
            assert "The room is taken at that time." in refused.text
            assert (f"Läxhjälp {n}" if won == first else f"Bokcirkel {n}") in refused.text
            outcomes.append((won, lost, day))
        # The refused event still waits for review, and can be approved into a free time.
        for n, (_won, lost, day) in enumerate(outcomes):
            approve([staff, admin][n % 2], lost, room_and_time(room, day, "21:30", "23:00"))
    assert deployment.query(_overlapping_bookings) == []
    assert len(outcomes) == rounds


async def _places(ctx, event_id: int) -> Counter[str]:  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        rows = await conn.execute(
            select(rsvps.c.status, func.sum(rsvps.c.party_size))
            .where(rsvps.c.event_id == event_id)
            .group_by(rsvps.c.status)
        )
        return Counter({status: int(total) for status, total in rows})


def test_attendees_taking_the_last_places_at_once_through_two_processes_never_overbook(
    deployment: Deployment,
) -> None:
    capacity, early, racing = 6, 4, 10
    booking = room_and_time(deployment.room_ids[1], deployment.day(), "18:00", "20:00")
    event_id = published(deployment, "Språkcafé", booking, capacity=capacity)
    people = [deployment.browser() for _ in range(early + racing)]
    try:
        keys = []
        for person in people:
            page = person.get(f"/events/{event_id}")
            assert page.status_code == 200 and "Sign up to come" in page.text
            keys.append(form_value(page.text, "request_key"))

        def sign_up(n: int) -> Callable[[], httpx.Response]:
            form = {"name": f"Gäst {n}", "party_size": "1", "request_key": keys[n]}
            return lambda: people[n].post(f"/events/{event_id}/rsvp", form, via=n % 2)

        for n in range(early):
            assert sign_up(n)().status_code == 303
        answers = at_once(*(sign_up(n) for n in range(early, early + racing)))
        assert {a.status_code for a in answers} == {303}, [a.text[:300] for a in answers]
        # Each personal link works on the other process too (the token is the secret's).
        statuses: Counter[str] = Counter()
        for n, answer in enumerate(answers, start=early):
            location = answer.headers["location"].split("?")[0]
            mine = people[n].get(location, via=1 - n % 2)
            assert mine.status_code == 200, location
            statuses["going" if "You are coming" in mine.text else "waitlist"] += 1
    finally:
        for person in people:
            person.close()
    places = deployment.query(_places, event_id)
    assert places["going"] == capacity, places
    assert places["waitlist"] == early + racing - capacity, places
    assert statuses["going"] == capacity - early, statuses


# Feeds and pages: what one process changed, the other serves at once ---------------------------


def test_a_change_through_one_process_is_in_the_other_process_feedsat_once(
    deployment: Deployment,
) -> None:
    day = deployment.day()
    booking = room_and_time(deployment.room_ids[1], day, "14:00", "16:00")
    event_id = published(deployment, "Poesikväll", booking)
    feed = f"/calendar/{deployment.world.library.slug}.ics"
    addresses = (feed, f"/events/{event_id}.ics")
    with deployment.browser() as reader, deployment.browser(MEMBER) as member:

        def etags(path: str) -> tuple[str, str]:
            one, two = reader.get(path, via=0), reader.get(path, via=1)
            assert one.status_code == two.status_code == 200, path
            assert one.content == two.content, path
            return one.headers["etag"], two.headers["etag"]

        before = {path: etags(path) for path in addresses}
        for path, (one, two) in before.items():
            assert one == two, f"{path}: the same feed has the same ETag in both processes"
        assert "Poesikväll" in reader.get(feed, via=1).text

        version = form_value(member.get(f"/events/{event_id}/edit", via=0).text, "version")
        changed = member.post(
            f"/events/{event_id}/edit",
            {"version": version, **event_fields("Poesikväll på arabiska", booking)},
            via=0,
        )
        assert changed.status_code == 303, changed.text[:2000]
        # Straight away, through the other process: the feeds, the page and the API.
        assert "Poesikväll på arabiska" in reader.get(feed, via=1).text
        assert "Poesikväll på arabiska" in reader.get(f"/events/{event_id}", via=1).text
        api = reader.get("/api/v1/events", via=1).json()
        assert "Poesikväll på arabiska" in str(api)
        after = {path: etags(path) for path in addresses}
        for path, (one, two) in after.items():
            assert one == two, path
            assert one != before[path][0], f"{path}: a new ETag after the change"
            # A calendar app's conditional request is answered alike by either process.
            for via in (0, 1):
                again = reader.get(path, via=via, headers={"If-None-Match": one})
                assert again.status_code == 304, (path, via)
                stale = reader.get(path, via=via, headers={"If-None-Match": before[path][0]})
                assert stale.status_code == 200, (path, via)


# The SMS: 2,000 messages through two workers, each sent exactly once ---------------------------


async def _outbox_of(ctx, send_id: int) -> list[Any]:  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(select(outbox).where(outbox.c.send_id == send_id)))


async def _claims(ctx) -> list[Any]:  # type: ignore[no-untyped-def]
    async with ctx.db.read() as conn:
        return list(await conn.execute(text(f"SELECT * FROM {CHANGES} ORDER BY id")))


def test_the_sms_send_reaches_twilio_exactly_once_per_contact(deployment: Deployment) -> None:
    """The send of the set-up (through the composer of app process 0 or 1), delivered by the
    two workers while the other tests ran; a failed request is retried by whichever worker
    claims the message next."""
    fake = deployment.fake
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        rows = deployment.query(_outbox_of, deployment.send_id)
        statuses = Counter(row.status for row in rows)
        if statuses.get("sent", 0) + statuses.get("delivered", 0) == MESSAGES:
            break
        deployment.cluster.check_alive()
        assert time.monotonic() < deadline, f"not delivered in time: {statuses}"
        time.sleep(0.5)

    accepted = {message.sid: message for message in fake.messages}
    counts = fake.counts()
    assert set(counts.values()) == {1}, "no message reached Twilio twice"
    posts = [r for r in fake.requests if r.method == "POST"]
    failures = Counter(r.outcome for r in posts) - Counter({"201": len(fake.messages)})
    assert set(failures) == {"500"} and failures["500"] > 10, failures
    assert len(posts) == sum(row.attempts for row in rows), "one request per attempt"
    mine = {(row.phone, row.body) for row in rows}
    assert len(rows) == len(mine) == MESSAGES
    assert mine <= set(counts), "every message reached Twilio"
    for row in rows:
        message = accepted[row.provider_id]
        assert (message.to, message.body) == (row.phone, row.body)
    assert len({row.provider_id for row in rows}) == MESSAGES

    # Claimed only from the queue, only by the two worker processes (the app processes do
    # not deliver with SAMSPEL_SMS_DISPATCHER=worker), and both did a fair part.
    workers = {f"worker:{socket.gethostname()}:{w.proc.pid}" for w in deployment.cluster.workers}
    ids = {row.id for row in rows}
    senders: Counter[str] = Counter()
    for change in deployment.query(_claims):
        if change.outbox_id not in ids:
            continue
        if change.new_status == "sending":
            assert change.old_status == "queued", f"message {change.outbox_id} claimed twice"
            assert change.new_claimed_by in workers, change.new_claimed_by
        elif change.old_status == "sending" and change.new_status == "sent":
            senders[change.old_claimed_by] += 1
    assert sum(senders.values()) == MESSAGES
    assert set(senders) == workers and min(senders.values()) >= MESSAGES / 8, senders

    # Twilio's delivery reports arrive at either process (signed for the public address).
    reported = rows[::10]
    with httpx.Client(timeout=30) as client:
        for n, row in enumerate(reported):
            webhook = fake.status_callback(row.provider_id, "delivered")
            assert webhook.url == BASE_URL + "/webhooks/twilio/status"
            target = deployment.cluster.urls[n % 2] + "/webhooks/twilio/status"
            answer = client.post(target, data=webhook.params, headers=webhook.headers)
            assert answer.status_code == 204, answer.text
    rows = deployment.query(_outbox_of, deployment.send_id)
    assert Counter(row.status for row in rows) == {
        "delivered": len(reported),
        "sent": MESSAGES - len(reported),
    }
