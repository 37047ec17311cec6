"""Public pages, calendar files, the feed, RSVP and log-in over HTTP, beside a static route.

For each backend (SQLite with one app process, PostgreSQL with two) and each size (1,000,
5,000 and 100,000 events in the database by default):

1. Seed a scratch database (``bench.seed``: a SQLite file in a temporary folder, or a new
   PostgreSQL database that is dropped afterwards): the events spread over libraries of
   5,000, and accounts to log in with.
2. The query plans: the app in this process answers each GET once while every statement it
   sends is recorded (``bench.plans``); each is EXPLAINed and timed, and the big tables a
   plan reads whole are named.
3. ``uvicorn webapp.asgi:app`` (``--workers 2`` on PostgreSQL) with ``--proxy-headers
   --forwarded-allow-ips 127.0.0.1``, and ``bench.static_app`` with as many workers, both
   on 127.0.0.1. One request to each of our endpoints; the static app then answers the same
   paths with those very bytes and headers.
4. The same load against both, one endpoint after the other: ``--connections`` keep-alive
   connections, one request in flight on each, ``--warmup`` then ``--duration`` seconds;
   requests per second, p50 and p99; **ratio = ours / static**.
5. The feed cold: ``--cold`` requests one after the other, the calendar version bumped in
   the database before each (as any change to an event does), so each one builds the feed.

The RSVP and log-in posts are real form posts with the CSRF cookie and token the app asks
for. Public forms and log-ins are rate-limited per address (``public_form_limit_per_address``,
``login_limit_per_address``, settings that the environment cannot change), so every post
says it comes from another address in ``X-Forwarded-For``: uvicorn trusts that header only
from 127.0.0.1 (``--forwarded-allow-ips``), where the load comes from. Log-ins rotate over
``2 × connections`` accounts (``login_limit_per_account`` is per account).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import load, plans, seed

SECRET = "bench-secret-not-for-production-0123456789abcdef"  # noqa: S105 - a throwaway
BACKENDS = ("sqlite", "postgresql")
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SIZES = (1000, 5000, 100_000)
# The headers of our answers that the static app repeats (Content-Length it makes itself).
KEPT_HEADERS = ("content-type", "content-encoding", "etag", "location", "cache-control")
CSRF_INPUT = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events", type=int, nargs="+", default=list(SIZES),
        help="events in the database, one run each (1000 5000 100000)",
    )  # fmt: skip
    parser.add_argument(
        "--backend", nargs="+", choices=BACKENDS, default=list(BACKENDS),
        help="sqlite (1 app process) and/or postgresql (2 app processes)",
    )  # fmt: skip
    parser.add_argument(
        "--database-url", default=POSTGRES,
        help="the PostgreSQL server: a scratch database samspel_bench_pages_<pid> is created "
        f"there and dropped after each run ({POSTGRES})",
    )  # fmt: skip
    parser.add_argument(
        "--postgres-workers", type=int, default=2, help="app processes on PostgreSQL (2)"
    )
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before (1)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--cold", type=int, default=5, help="cold feed builds to time (5)")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", default=[],
        help="only these endpoints: " + ", ".join(n for n, _ in ENDPOINTS),
    )  # fmt: skip
    parser.add_argument(
        "--plans", action="store_true",
        help="print every statement's query plan (else only the big tables read whole)",
    )  # fmt: skip


# The endpoints -------------------------------------------------------------------------------

ENDPOINTS = (
    ("program", "the library's program page, first 40 dates: /orgs/bench-bibliotek/program"),
    ("program-all", "the program of all libraries: /program"),
    ("event", "an event page: /events/{id}"),
    ("event-ics", "an event's calendar file: /events/{id}.ics"),
    ("feed-warm", "the library's feed, already built, gzip: /calendar/bench-bibliotek.ics"),
    ("rsvp", "an RSVP form post (303), each from another address"),
    ("login", "a log-in form post (303; argon2id by design), each from another address"),
    ("feed-cold", "the same feed, built for each request (calendar version bumped before)"),
)
EXPECTED = {"rsvp": 303, "login": 303}


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    form: Callable[[], dict[str, str]] | None = None  # a POST's fields, new for each request
    paths: Callable[[], str] | None = None  # a path for each request, when it changes

    @property
    def expect(self) -> int:
        return EXPECTED.get(self.name, 200)

    def request(self, port: int, extra: dict[str, str] | None = None) -> bytes:
        headers = {**self.headers, **(extra or {})}
        if self.form is None:
            return load.raw_get(self.path, port, headers)
        return load.raw_post(self.path, port, self.form(), headers)


def _addresses() -> Iterator[str]:
    """10.0.0.1, 10.0.0.2, …: another client address for each post."""
    for n in itertools.count(1):
        yield f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _endpoints(seeded: seed.Seeded, token: str, accounts: list[str]) -> list[Endpoint]:
    ids = seeded.event_ids
    middle = ids[len(ids) // 2]
    # RSVPs go to 200 of the library's events in turn (the room fills after 40, then the
    # waitlist grows), as a busy program's would.
    rsvp_ids = itertools.cycle(ids[len(ids) // 4 :: max(1, len(ids) // 200)] or ids)
    cookie = {"Cookie": f"samspel_csrf={token}"}
    numbers = itertools.count()
    emails = itertools.cycle(accounts)

    def rsvp_form() -> dict[str, str]:
        n = next(numbers)
        return {"csrf_token": token, "name": f"Gäst {n}", "party_size": "1",
                "request_key": f"bench-{os.getpid()}-{n}"}  # fmt: skip

    def login_form() -> dict[str, str]:
        return {"csrf_token": token, "email": next(emails), "password": seed.PASSWORD}

    rsvp_path = "/events/{}/rsvp"
    found = [
        Endpoint("program", "GET", f"/orgs/{seeded.library_slug}/program", cookie),
        Endpoint("program-all", "GET", "/program", cookie),
        Endpoint("event", "GET", f"/events/{middle}", cookie),
        Endpoint("event-ics", "GET", f"/events/{middle}.ics"),
        Endpoint(
            "feed-warm", "GET", f"/calendar/{seeded.library_slug}.ics", {"Accept-Encoding": "gzip"}
        ),
        Endpoint(
            "rsvp",
            "POST",
            rsvp_path.format(middle),
            cookie,
            rsvp_form,
            lambda: rsvp_path.format(next(rsvp_ids)),
        ),
        Endpoint("login", "POST", "/login", cookie, login_form),
        Endpoint(
            "feed-cold", "GET", f"/calendar/{seeded.library_slug}.ics", {"Accept-Encoding": "gzip"}
        ),
    ]
    return found


def _maker(endpoint: Endpoint, port: int, addresses: Iterator[str]) -> Callable[[], bytes]:
    """Each request's bytes: posts from another address each (and RSVPs to the next event)."""

    def make() -> bytes:
        if endpoint.form is None:
            return endpoint.request(port)
        if endpoint.paths is not None:
            endpoint.path = endpoint.paths()
        return endpoint.request(port, {"X-Forwarded-For": next(addresses)})

    return make


# Servers -------------------------------------------------------------------------------------


def _env(folder: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMSPEL_", "TWILIO_"))}
    env.update(
        SAMSPEL_INSTANCE_PATH=str(folder),
        SAMSPEL_DATABASE_URL=database_url,
        SAMSPEL_SECRET_KEY=SECRET,
        SAMSPEL_BASE_URL="http://127.0.0.1",
        SAMSPEL_AUTO_MIGRATE="false",
        SAMSPEL_LOG_LEVEL="WARNING",
        SAMSPEL_LOCALE="sv",
        SAMSPEL_SMS_PROVIDER="console",
        # No SMS to deliver here: the app's dispatcher would only poll the outbox.
        SAMSPEL_SMS_DISPATCHER="worker",
    )
    return env


async def _ready(server: load.Server, path: str, within: float = 60.0) -> None:
    """Until ``path`` answers (200, or 404 from the static app, which has no page of its
    own) on a few new connections: each worker process up."""
    await server.ready(within)
    deadline = time.monotonic() + within
    answered = 0
    while answered < 2 * server.workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not answer {path} within {within:.0f} s")
        with contextlib.suppress(OSError, ConnectionError, asyncio.TimeoutError):
            reply = await load.fetch(server.port, path, keep_body=False)
            if reply.status == 200 or (server.name == "static" and reply.status == 404):
                answered += 1
                continue
        await asyncio.sleep(0.1)


# One backend, one size -----------------------------------------------------------------------


async def _plans(env: dict[str, str], database_url: str, paths: list[str]) -> dict[str, Any]:
    """Each GET's statements, EXPLAINed and timed, in this process."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from webapp.app import create_app
    from webapp.settings import load_settings

    app = create_app(load_settings(env))
    try:
        found = await asyncio.to_thread(plans.page_queries, app, paths)
    finally:
        app.state.ctx.calendar_versions.close()
        await app.state.ctx.db.dispose()
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            for statements in found.values():
                await plans.explain(conn, statements)
                await plans.time(conn, statements)
    finally:
        await engine.dispose()
    return {
        path: [
            {"sql": s.short, "ms": s.seconds * 1000, "full_scans": s.scans, "plan": s.plan}
            for s in statements
        ]
        for path, statements in found.items()
    }


async def _bump(database_url: str) -> Callable[[], Any]:
    """A function that bumps the calendar version (as a change to any event does)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)

    async def bump() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE calendar_state SET version = version + 1"))

    bump.engine = engine  # type: ignore[attr-defined]
    return bump


async def _measure(
    args: argparse.Namespace, endpoint: Endpoint, servers: list[load.Server]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for server in servers:
        result = await load.drive(
            server.port, endpoint.path, None, expect=endpoint.expect,
            connections=args.connections, warmup=args.warmup, duration=args.duration,
            make=_maker(endpoint, server.port, _addresses()),
        )  # fmt: skip
        found[server.name] = asdict(result)
        if not result.requests:  # too slow for the load: one request at a time, then
            replies = [
                await load.send(server.port, _maker(endpoint, server.port, _addresses())())
                for _ in range(3)
            ]
            found[server.name]["alone_ms"] = statistics.median(r.total for r in replies) * 1000
    found["ratio"] = found["ours"]["rps"] / max(found["static"]["rps"], 1e-9)
    return found


async def _cold(
    args: argparse.Namespace,
    endpoint: Endpoint,
    servers: list[load.Server],
    bump: Callable[[], Any],
) -> dict[str, Any]:
    """One request at a time, the version bumped before each of ours: each builds the feed."""
    found: dict[str, Any] = {}
    for server in servers:
        times: list[float] = []
        errors = 0
        for _ in range(args.cold):
            if server.name == "ours":
                await bump()
            reply = await load.send(server.port, endpoint.request(server.port), keep_body=False)
            errors += reply.status != 200
            times.append(reply.total)
        ordered = sorted(times)
        found[server.name] = {
            "requests": len(times), "seconds": sum(times), "rps": len(times) / sum(times),
            "p50_ms": statistics.median(ordered) * 1000, "p99_ms": ordered[-1] * 1000,
            "errors": errors, "body_bytes": 0, "tool": "sequential", "times_s": times,
        }  # fmt: skip
    found["ratio"] = found["ours"]["rps"] / max(found["static"]["rps"], 1e-9)
    return found


async def _capture(ours: load.Server, endpoints: list[Endpoint], folder: Path) -> None:
    """One request to each of our endpoints; what each answered, for the static app."""
    answers = []
    addresses = _addresses()
    names = {e.name for e in endpoints}
    for endpoint in endpoints:
        if endpoint.name == "feed-cold" and "feed-warm" in names:
            continue  # the same answer
        reply = await load.send(ours.port, _maker(endpoint, ours.port, addresses)())
        if reply.status != endpoint.expect:
            raise RuntimeError(
                f"{endpoint.name}: {endpoint.method} {endpoint.path} answered {reply.status}, "
                f"not {endpoint.expect}: {(reply.body or b'')[:1000]!r}"
            )
        body_file = f"{endpoint.name}.body"
        (folder / body_file).write_bytes(reply.body or b"")
        answers.append(
            {
                "method": endpoint.method,
                # An RSVP's path changes with each request: the static app takes any event's.
                "path": "/events/{event_id:int}/rsvp" if endpoint.name == "rsvp" else endpoint.path,
                "status": reply.status,
                "headers": {k: v for k, v in reply.headers.items() if k in KEPT_HEADERS},
                "body_file": body_file,
            }
        )
    (folder / "pages.json").write_text(json.dumps(answers, indent=1))


async def _csrf_token(port: int, path: str) -> str:
    """The token of a visitor's first page (the form field is the cookie's value)."""
    reply = await load.fetch(port, path)
    found = CSRF_INPUT.search((reply.body or b"").decode())
    if reply.status != 200 or found is None:
        raise RuntimeError(f"no CSRF token on {path} ({reply.status})")
    return found.group(1)


async def _one(args: argparse.Namespace, backend: str, count: int, folder: Path) -> dict[str, Any]:
    os.makedirs(folder)
    server_url = args.database_url if backend == "postgresql" else ""
    workers = args.postgres_workers if backend == "postgresql" else 1
    print(f"\n{backend}, {count:,} events: seeding…", end="")
    sys.stdout.flush()
    async with seed.scratch_database(server_url, folder, "pages_") as database_url:
        started = time.perf_counter()
        seeded = await seed.seed(database_url, count, accounts=2 * args.connections)
        seeding = time.perf_counter() - started
        print(f" {seeding:.1f} s; query plans…", end="")
        sys.stdout.flush()
        env = _env(folder, database_url)
        endpoints = _endpoints(seeded, "", seeded.accounts)
        gets = [e.path for e in endpoints if e.method == "GET" and e.name != "feed-cold"]
        query_plans = await _plans(env, database_url, gets)
        print(" load…\n" + HEADER)
        sys.stdout.flush()
        options = ("--proxy-headers", "--forwarded-allow-ips", load.HOST)
        ours = load.Server(
            "ours", "webapp.asgi:app", env, folder / "ours.log", workers=workers, options=options
        )
        static_dir = folder / "static"
        static_dir.mkdir()
        static = load.Server(
            "static", "bench.static_app:app", {**env, "BENCH_STATIC_DIR": str(static_dir)},
            folder / "static.log", workers=workers,
        )  # fmt: skip
        bump = await _bump(database_url)
        measured: dict[str, Any] = {}
        try:
            with load.running(ours):
                await _ready(ours, "/healthz")
                token = await _csrf_token(ours.port, f"/events/{seeded.event_ids[0]}")
                endpoints = [
                    e
                    for e in _endpoints(seeded, token, seeded.accounts)
                    if not args.only or e.name in args.only
                ]
                await _capture(ours, endpoints, static_dir)
                with load.running(static):
                    await _ready(static, "/healthz")
                    for endpoint in endpoints:
                        if endpoint.name == "feed-cold":
                            measured[endpoint.name] = await _cold(
                                args, endpoint, [ours, static], bump
                            )
                        else:
                            measured[endpoint.name] = await _measure(args, endpoint, [ours, static])
                        _print_row(endpoint.name, measured[endpoint.name])
        finally:
            await bump.engine.dispose()  # type: ignore[attr-defined]
    return {
        "backend": backend,
        "events": count,
        "library_events": seeded.library_events,
        "libraries": seeded.libraries,
        "app_processes": workers,
        "seeding_s": seeding,
        "loadavg_1min": os.getloadavg()[0],
        "endpoints": measured,
        "plans": query_plans,
    }


# The run -------------------------------------------------------------------------------------


async def _main(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    # SIGTERM (``timeout``, a CI runner) ends the run as Ctrl-C does: through the finally
    # blocks that stop the servers and drop the scratch databases.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    started = time.perf_counter()
    runs = []
    for backend in args.backend:
        for count in args.events:
            runs.append(await _one(args, backend, count, folder / f"{backend}-{count}"))
    return {
        "benchmark": "pages",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "parameters": {
            "events": args.events,
            "backends": args.backend,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "cold": args.cold,
            "postgres_workers": args.postgres_workers,
        },  # fmt: skip
        "total_s": time.perf_counter() - started,
        "runs": runs,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    unknown = set(args.only) - {name for name, _ in ENDPOINTS}
    if unknown:
        raise SystemExit(f"--only: no endpoint {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="samspel-bench-pages-") as tmp:
        try:
            with asyncio.Runner(loop_factory=load.loop_factory()) as runner:
                result = runner.run(_main(args, Path(tmp)))
        except asyncio.CancelledError:
            raise SystemExit("bench pages: stopped by SIGTERM") from None
    report(result, show_plans=args.plans)
    return result


# The report ----------------------------------------------------------------------------------


def _print_row(name: str, r: dict[str, Any]) -> None:
    ours, static = r["ours"], r["static"]
    errors = ours["errors"] + static["errors"]
    if not ours["requests"]:
        alone = ours.get("alone_ms", float("nan"))
        print(
            f"  {name:<12}{'—':>9}  no answer finished within the measured seconds "
            f"({alone:.0f} ms each, one at a time)"
        )
        return
    print(
        f"  {name:<12}{ours['rps']:>9.1f}{ours['p50_ms']:>9.1f}{ours['p99_ms']:>9.1f}"
        f"{static['rps']:>11.1f}{static['p50_ms']:>9.2f}{static['p99_ms']:>9.2f}"
        f"{r['ratio']:>8.3f}" + (f"  ({errors} unexpected answers)" if errors else "")
    )
    sys.stdout.flush()


HEADER = (
    f"  {'endpoint':<12}{'ours rps':>9}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'static rps':>11}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
)


def report(result: dict[str, Any], *, show_plans: bool = False) -> None:
    p = result["parameters"]
    print(
        f"\nPages — {result['machine']['nproc']} CPUs, Python {result['machine']['python']}; "
        f"{p['connections']} connections, {p['warmup_s']:g} s warm-up + {p['duration_s']:g} s "
        f"each; whole run {result['total_s']:.0f} s"
    )
    for run in result["runs"]:
        print(
            f"\n{run['backend']} ({run['app_processes']} app process"
            f"{'es' if run['app_processes'] > 1 else ''}), {run['events']:,} events "
            f"({run['libraries']} librar{'y' if run['libraries'] == 1 else 'ies'}; the feed and "
            f"program: {run['library_events']:,}); "
            f"seeded in {run['seeding_s']:.1f} s; load {run['loadavg_1min']:.1f} at the end"
        )
        print(HEADER)
        for name, r in run["endpoints"].items():
            _print_row(name, r)
        scans = [
            (path, s)
            for path, statements in run["plans"].items()
            for s in statements
            if s["full_scans"] or show_plans
        ]
        for path, s in scans:
            print(f"    {path}: {s['ms']:.1f} ms  {s['sql'][:90]}")
            lines = s["plan"] if show_plans else s["full_scans"]
            print("      " + "\n      ".join(lines))
    _growth(result["runs"])
    sys.stdout.flush()


# The GETs whose statements the growth table sums: name, path pattern.
SQL_ROWS = (
    ("program", r"/orgs/[^/]+/program"),
    ("program-all", r"/program"),
    ("event", r"/events/\d+"),
    ("event-ics", r"/events/\d+\.ics"),
    ("feed-cold", r"/calendar/[^/]+\.ics"),
)


def _growth(runs: list[dict[str, Any]]) -> None:
    """Requests per second at each size, per backend: what the table's size costs."""
    sizes = sorted({r["events"] for r in runs})
    if len(sizes) < 2:
        return
    print("\nGrowth: ours rps (ratio ours/static) by events in the database")
    for backend in dict.fromkeys(r["backend"] for r in runs):
        by_size = {r["events"]: r for r in runs if r["backend"] == backend}
        print(f"  {backend:<12}" + "".join(f"{s:>20,}" for s in sizes))
        names = dict.fromkeys(n for r in by_size.values() for n in r["endpoints"])
        for name in names:
            cells = []
            for size in sizes:
                e = by_size.get(size, {}).get("endpoints", {}).get(name)
                cells.append(f"{e['ours']['rps']:>11.1f} ({e['ratio']:.3f})" if e else " " * 20)
            print(f"  {name:<12}" + "".join(f"{c:>20}" for c in cells))
    print(
        "\nGrowth: the SQL of one answer, ms (its statements run one by one in process, best of 3)"
    )
    for backend in dict.fromkeys(r["backend"] for r in runs):
        by_size = {r["events"]: r for r in runs if r["backend"] == backend}
        print(f"  {backend:<12}" + "".join(f"{s:>20,}" for s in sizes))
        for label, pattern in SQL_ROWS:
            cells = []
            for size in sizes:
                found = [
                    statements
                    for path, statements in by_size.get(size, {}).get("plans", {}).items()
                    if re.fullmatch(pattern, path)
                ]
                total = sum(s["ms"] for s in found[0]) if found else None
                cells.append(f"{total:.1f} ({len(found[0])} st.)" if found else "")
            print(f"  {label:<12}" + "".join(f"{c:>20}" for c in cells))
