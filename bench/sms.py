"""10,000 SMS from the composer through the outbox to a fake Twilio answering after 100 ms.

1. Seed: a fresh, migrated database in a temporary folder (SQLite; ``--database-url`` names
   a PostgreSQL server, on which a scratch database is made and dropped afterwards): a
   library, an approved association whose admin sends, and ``--recipients`` consented
   contacts with the tag ``grannar`` (bulk INSERTs through ``webapp.contacts.store``).
2. The fake Twilio server (``tests/fakes/twilio.py``) in this process, every answer after
   ``--latency`` seconds, no failures.
3. ``samspel serve`` (SAMSPEL_SMS_DISPATCHER=worker: the app delivers nothing itself) and one
   ``samspel worker`` (the twilio provider pointed at the fake) in subprocesses.
4. Over HTTP, as a browser does: log in, open the composer, then time the send (POST with
   the tag and the text). It must answer 303 without waiting for delivery.
5. Until the fake has accepted every message and the outbox has recorded them: the time from
   the send request to the first and the last message accepted, messages per second, and the
   worker's peak memory (VmHWM, Linux).

Rounds: one per ``--concurrency`` (SAMSPEL_SMS_CONCURRENCY), each with a new worker and a new
send to the same contacts. A dispatcher sends at most ``concurrency`` messages at once, so the
ceiling is concurrency / latency messages per second (80/s at the default 8).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.load import HOST, ROOT, free_port
from bench.seed import scratch_database

SECRET = "bench-secret-not-for-production-0123456789abcdef"  # noqa: S105 - a throwaway
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account in a throwaway database
SENDER = "sender@bench.example"
TAG = "grannar"
TEMPLATE = "Hej {name}! Språkcafé på torsdag kl 18 i biblioteket. Välkommen!"
FROM_NUMBER = "+46700000000"
FIRST_NAMES = ("Åsa", "Björn", "Märta", "Jörgen", "Leila", "Omar", "Ingrid", "Nils", "Ali")
CHUNK = 2000  # contacts per INSERT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipients", type=int, default=10_000, help="contacts to send to (10000)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.1, help="seconds the fake Twilio takes per answer (0.1)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[8, 32],
        help="SAMSPEL_SMS_CONCURRENCY, one round each (8 32: the default setting and a higher one)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server (postgresql+asyncpg://user@host:port/any): a scratch database "
        "samspel_bench_<pid> is created there and dropped after the run; SQLite without it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=0.0,
        help="seconds a round may take (default: 3 × recipients × latency / concurrency + 60)",
    )


# Processes -----------------------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM… of a process in bytes (Linux); empty elsewhere or when it is gone."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.startswith("Vm") and value.strip().endswith("kB"):
                found[name] = int(value.split()[0]) * 1024
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux); NaN when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Process:
    """A ``samspel`` command in a subprocess, its output in ``log``."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "webapp.cli", *self.argv]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def check(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")

    def memory(self) -> dict[str, int]:
        return _proc_status(self.pid) if self.process is not None else {}

    def cpu(self) -> float:
        return _cpu_seconds(self.pid) if self.process is not None else float("nan")

    def stop(self, within: float = 30.0) -> int | None:
        """SIGTERM (the worker finishes what is in flight), SIGKILL after ``within`` s."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=within)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return process.returncode


@contextlib.contextmanager
def _stopped_after(process: Process) -> Any:
    try:
        process.start()
        yield process
    finally:
        process.stop()


async def _until(condition: Any, *, within: float, what: str, every: float = 0.05) -> float:
    """Wait until ``condition()`` (sync or async) is true; the ``time.time()`` it became so."""
    deadline = time.monotonic() + within
    while True:
        found = condition()
        if asyncio.iscoroutine(found):
            found = await found
        if found:
            return time.time()
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {within:.0f} s waiting for {what}")
        await asyncio.sleep(every)


async def _settled(process: Process, *, within: float = 30.0) -> int:
    """Wait until the process's memory has not grown for a second (imports done, loop
    started; the worker logs nothing at WARNING to say so). Returns its VmRSS."""
    deadline = time.monotonic() + within
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        process.check()
        rss = process.memory().get("VmRSS", 0)
        if rss != last:
            last, since = rss, time.monotonic()
        elif time.monotonic() - since >= 1.0:
            break
        await asyncio.sleep(0.1)
    return last


# Database ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    slug: str
    contacts: int


async def _seed(settings: Any, recipients: int) -> Seeded:
    """A library, an approved association (its admin sends), ``recipients`` tagged contacts."""
    from webapp import clock
    from webapp.auth import store as accounts
    from webapp.contacts import store as contact_store
    from webapp.context import build_context
    from webapp.db import Database
    from webapp.orgs import service as orgs
    from webapp.orgs import store as org_store

    db = Database(settings.database_url)
    ctx = build_context(settings, db)
    try:
        library_id, admin_id = await orgs.create_library(
            ctx, name="Benchby stadsbibliotek", country="SE",
            admin=orgs.NewAccount(name="Bench Admin", email="admin@bench.example",
                                  password=PASSWORD, locale=None),
        )  # fmt: skip
        await orgs.sign_up_association(
            ctx, account=orgs.NewAccount(name="Bench Sender", email=SENDER, password=PASSWORD,
                                         locale=None),
            name="Nya grannar i Benchby", description="", website="", library_id=library_id,
            message="",
        )  # fmt: skip
        async with db.read() as conn:
            library = await org_store.org_by_id(conn, library_id)
            user = await accounts.user_by_id(conn, admin_id)
            assert library is not None and user is not None
            admin = await accounts.actor_for_user(conn, user)
            request = (await org_store.partnerships_of_library(conn, library_id))[0]
        await orgs.decide_association(
            ctx, actor=admin, library=library, partnership_id=request.id, approve=True,
            reason="",
        )  # fmt: skip
        async with db.read() as conn:
            association = await org_store.org_by_id(conn, request.association_id)
        assert association is not None and association.status == "active"

        now = clock.now()
        for start in range(0, recipients, CHUNK):
            numbers = range(start, min(start + CHUNK, recipients))
            async with db.transaction() as conn:
                ids = await contact_store.add_contacts(
                    conn,
                    [
                        {
                            "organisation_id": association.id,
                            "name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {n}",
                            "phone": f"+4670{n:07d}",
                            "consent_source": "form",
                            "consent_on": date(2026, 9, 1),
                            "consent_note": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                        for n in numbers
                    ],
                )
                await contact_store.add_tags(
                    conn, [{"contact_id": i, "tag": TAG} for i in ids.values()]
                )
        return Seeded(slug=association.slug, contacts=recipients)
    finally:
        ctx.calendar_versions.close()
        await db.dispose()


async def _outbox(db: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from webapp.db.tables import outbox

    async with db.read() as conn:
        rows = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return {status: int(n) for status, n in rows.all()}


# Over HTTP -----------------------------------------------------------------------------------


def _csrf(session: Any) -> str:
    from webapp.auth.csrf import CSRF_COOKIE

    for cookie in session.cookie_jar:
        if cookie.key == CSRF_COOKIE:
            return str(cookie.value)
    raise RuntimeError("the app set no CSRF cookie")


async def _log_in(session: Any, base: str) -> None:
    async with session.get(f"{base}/login") as response:
        await response.read()
    data = {"email": SENDER, "password": PASSWORD, "csrf_token": _csrf(session)}
    async with session.post(f"{base}/login", data=data, allow_redirects=False) as response:
        if response.status != 303:
            raise RuntimeError(f"logging in answered {response.status}: {await response.text()}")


async def _send(session: Any, base: str, slug: str) -> dict[str, Any]:
    """Open the composer, then send: the time of each, and when the send started."""
    page = f"{base}/orgs/{slug}/sms/new"
    started = time.perf_counter()
    async with session.get(page) as response:
        body = await response.text()
        if response.status != 200:
            raise RuntimeError(f"the composer answered {response.status}: {body[:2000]}")
    opened = time.perf_counter() - started
    data = {"tag": TAG, "template": TEMPLATE, "csrf_token": _csrf(session)}
    sent_at = time.time()
    started = time.perf_counter()
    async with session.post(page, data=data, allow_redirects=False) as response:
        answer = await response.text()
        took = time.perf_counter() - started
        location = response.headers.get("location", "")
    if response.status != 303:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', answer)
        raise RuntimeError(
            f"the send answered {response.status}, not 303 (a new field in "
            f"webapp/sms/routes.py?): {errors or answer[:2000]}"
        )
    return {"composer_get_s": opened, "send_request_s": took, "sent_at": sent_at,
            "location": location}  # fmt: skip


# The run -------------------------------------------------------------------------------------


@dataclass
class Setup:
    folder: Path
    env: dict[str, str]
    base: str
    slug: str
    recipients: int
    latency: float
    timeout: float
    rounds: list[dict[str, Any]] = field(default_factory=list)


def _env(folder: Path, database_url: str, port: int, fake_base: str) -> dict[str, str]:
    from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMSPEL_", "TWILIO_"))}
    env.update(
        SAMSPEL_INSTANCE_PATH=str(folder),
        SAMSPEL_DATABASE_URL=database_url,
        SAMSPEL_SECRET_KEY=SECRET,
        SAMSPEL_BASE_URL=f"http://{HOST}:{port}",
        SAMSPEL_AUTO_MIGRATE="false",
        SAMSPEL_LOG_LEVEL="WARNING",
        SAMSPEL_LOCALE="sv",
        SAMSPEL_SMS_DISPATCHER="worker",
        # The run must not depend on the hour: no messages held until the morning.
        SAMSPEL_SMS_QUIET_HOURS="off",
        SAMSPEL_SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=DEFAULT_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN,
        TWILIO_FROM=FROM_NUMBER,
        TWILIO_API_BASE=fake_base,
    )
    return env


async def _round(
    setup: Setup, app: Process, fake: Any, session: Any, db: Any, concurrency: int
) -> None:
    """One worker with ``concurrency``, one send of ``recipients`` messages."""
    n = setup.recipients
    load_before = os.getloadavg()[0]
    fake.reset()
    fake.set_latency(setup.latency)
    before = await _outbox(db)
    env = {**setup.env, "SAMSPEL_SMS_CONCURRENCY": str(concurrency)}
    worker = Process("samspel worker", ["worker"], env, setup.folder / f"worker-{concurrency}.log")
    timeout = setup.timeout or 3 * n * setup.latency / concurrency + 60
    print(f"  concurrency {concurrency}: sending {n:,} messages (at most {timeout:.0f} s)…")
    sys.stdout.flush()
    with _stopped_after(worker):
        idle_rss = await _settled(worker)
        cpu_before, app_cpu_before = worker.cpu(), app.cpu()
        sent = await _send(session, setup.base, setup.slug)
        queued = sum((await _outbox(db)).values()) - sum(before.values())
        if queued != n:  # counted in the outbox: the 303's address has changed before
            raise RuntimeError(f"the send queued {queued} messages, not {n}")

        def accepted_all() -> bool:
            worker.check()
            return len(fake.messages) >= n

        await _until(accepted_all, within=timeout, what=f"{n} messages accepted", every=0.02)

        async def recorded_all() -> bool:
            worker.check()
            found = await _outbox(db)
            return found.get("sent", 0) - before.get("sent", 0) >= n

        recorded_at = await _until(recorded_all, within=60, what="the outbox to record them")
        memory = worker.memory()  # before it is stopped
        cpu, app_cpu = worker.cpu() - cpu_before, app.cpu() - app_cpu_before
        statuses = await _outbox(db)
    messages, requests = fake.messages, fake.requests
    first, last = messages[0].received_at, messages[-1].received_at
    outcomes = Counter(r.outcome for r in requests)
    setup.rounds.append(
        {
            "concurrency": concurrency,
            "composer_get_s": sent["composer_get_s"],
            "send_request_s": sent["send_request_s"],
            "first_accepted_s": first - sent["sent_at"],
            "last_accepted_s": last - sent["sent_at"],
            "all_recorded_s": recorded_at - sent["sent_at"],
            "msgs_per_s": n / (last - first) if last > first else float("nan"),
            "msgs_per_s_overall": n / (last - sent["sent_at"]),
            "ceiling_msgs_per_s": concurrency / setup.latency,
            "worker_peak_rss_bytes": memory.get("VmHWM", 0),
            "worker_idle_rss_bytes": idle_rss,
            "worker_cpu_s": cpu,
            "app_cpu_s": app_cpu,
            "accepted": len(messages),
            "duplicates": sum(c - 1 for c in fake.counts().values() if c > 1),
            "api_requests": dict(outcomes),
            "outbox": statuses,
            "loadavg_1min": [load_before, os.getloadavg()[0]],
        }
    )


async def _main(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    import aiohttp

    from tests.fakes.twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
    from webapp.db import Database
    from webapp.db.migrate import upgrade
    from webapp.settings import load_settings

    # SIGTERM (``timeout``, a CI runner) ends the run as Ctrl-C does: through the finally
    # blocks that stop the servers and drop the scratch database.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    port = free_port()
    load_before = os.getloadavg()
    async with scratch_database(args.database_url, folder) as database_url:
        with FakeTwilio(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, seed=5) as fake:
            env = _env(folder, database_url, port, fake.base_url)
            started = time.perf_counter()
            await asyncio.to_thread(upgrade, database_url)
            seeded = await _seed(load_settings(env), args.recipients)
            seeding = time.perf_counter() - started
            setup = Setup(
                folder=folder, env=env, base=f"http://{HOST}:{port}", slug=seeded.slug,
                recipients=args.recipients, latency=args.latency, timeout=args.timeout,
            )  # fmt: skip
            app = Process(
                "samspel serve", ["serve", "--host", HOST, "--port", str(port)], env,
                folder / "serve.log",
            )  # fmt: skip
            db = Database(database_url)
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, an IP address
            timeout = aiohttp.ClientTimeout(total=600)
            try:
                with _stopped_after(app):
                    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as session:

                        async def healthy() -> bool:
                            app.check()
                            with contextlib.suppress(aiohttp.ClientError):
                                async with session.get(f"{setup.base}/healthz") as response:
                                    return response.status == 200
                            return False

                        await _until(healthy, within=30, what="samspel serve to answer")
                        await _log_in(session, setup.base)
                        for concurrency in args.concurrency:
                            await _round(setup, app, fake, session, db, concurrency)
                        app_memory = app.memory()
            finally:
                await db.dispose()
    return {
        "benchmark": "sms",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": "postgresql" if args.database_url else "sqlite",
        "parameters": {
            "recipients": args.recipients,
            "latency_s": args.latency,
            "concurrency": args.concurrency,
        },
        # Other work on the machine slows every figure: the 1-minute load before and after.
        "loadavg_1min": [load_before[0], os.getloadavg()[0]],
        "seeding_s": seeding,
        "app_peak_rss_bytes": app_memory.get("VmHWM", 0),
        "rounds": setup.rounds,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="samspel-bench-sms-") as tmp:
        try:
            result = asyncio.run(_main(args, Path(tmp)))
        except asyncio.CancelledError:
            raise SystemExit("bench sms: stopped by SIGTERM") from None
    result["total_s"] = time.perf_counter() - started
    report(result)
    return result


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size else "n/a"


def report(result: dict[str, Any]) -> None:
    p = result["parameters"]
    out = [
        f"\nSMS sending, {p['recipients']:,} recipients, fake Twilio answering after "
        f"{p['latency_s'] * 1000:.0f} ms — {result['database']}, {result['machine']['nproc']} "
        f"CPUs, Python {result['machine']['python']}",
        f"  seeding {result['seeding_s']:.1f} s; app peak memory "
        f"{_mb(result['app_peak_rss_bytes'])}; whole run {result['total_s']:.0f} s; load "
        f"{result['loadavg_1min'][0]:.1f} before, {result['loadavg_1min'][1]:.1f} after",
        "",
        f"  {'concurrency':>11}{'composer':>10}{'send req':>10}{'first':>8}{'last':>8}"
        f"{'msgs/s':>8}{'overall':>9}{'ceiling':>9}{'worker peak':>13}{'worker CPU':>12}"
        f"{'load':>11}",
    ]
    for r in result["rounds"]:
        trouble = []
        if r["duplicates"]:
            trouble.append(f"{r['duplicates']} duplicates")
        if set(r["api_requests"]) - {"201"}:
            trouble.append(f"API answers {r['api_requests']}")
        out.append(
            f"  {r['concurrency']:>11}{r['composer_get_s']:>9.2f}s{r['send_request_s']:>9.2f}s"
            f"{r['first_accepted_s']:>7.1f}s{r['last_accepted_s']:>7.1f}s"
            f"{r['msgs_per_s']:>8.1f}{r['msgs_per_s_overall']:>9.1f}"
            f"{r['ceiling_msgs_per_s']:>9.0f}{_mb(r['worker_peak_rss_bytes']):>13}"
            f"{r['worker_cpu_s']:>11.1f}s{r['loadavg_1min'][0]:>6.1f}→{r['loadavg_1min'][1]:<4.1f}"
            + (f"  ({'; '.join(trouble)})" if trouble else "")
        )
    out += [
        "",
        "  composer: GET of the composer page; send req: the POST that queues the messages",
        "  (303, no waiting for delivery); first/last: from the send request to the first/last",
        "  message accepted by the fake; msgs/s between them; overall from the send request;",
        "  ceiling = concurrency / latency; worker peak = VmHWM of the samspel worker process;",
        "  worker CPU: its user + system CPU seconds from the send to the last message recorded;",
        "  load: the machine's 1-minute load average before → after the round.",
    ]
    print("\n".join(out))
    sys.stdout.flush()
