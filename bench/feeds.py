"""The public calendar feed of a library with 5,000 published events.

1. Seed: a fresh, migrated SQLite database in a temporary folder (``bench.seed``).
2. Cold: in this process, the feed built from nothing (the cache cleared before each run):
   ``feeds.public_feed`` end to end, database read and rendering; min and median of
   ``--repeat`` runs, and where the time goes (query, partners, entries, render, hash).
3. The app under uvicorn in a subprocess: the first request's time to first byte ("cold
   over HTTP"), then the bytes it serves: a plain Starlette app (``bench.static_app``)
   in another subprocess serves the very same bytes.
4. Warm: the same load against both (identity, gzip, ``If-None-Match`` → 304); the ratio
   ours / static says how much of the static route's throughput the feed keeps.

Targets (the issue): cold ≤ 0.25 s, warm ≥ 0.5 of the static route.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gzip
import io
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import load, seed

COLD_TARGET_S = 0.25
RATIO_TARGET = 0.5
SECRET = "bench-secret-not-for-production-0123456789abcdef"  # noqa: S105 - a throwaway
MODES = (
    # name, request headers (the ETag filled in later), expected status
    ("identity", {}, 200),
    ("gzip", {"Accept-Encoding": "gzip"}, 200),
    ("304", {"If-None-Match": None}, 304),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=5000, help="events in the feed (5000)")
    parser.add_argument("--repeat", type=int, default=7, help="cold builds to time (7)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load (5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before (1)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument(
        "--load",
        choices=("auto", "asyncio", "wrk"),
        default="auto",
        help="load generator: wrk when installed (auto), or the built-in asyncio one",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one cold build (cProfile)"
    )


def _env(folder: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMSPEL_")}
    env.update(
        SAMSPEL_INSTANCE_PATH=str(folder),
        SAMSPEL_DATABASE_URL=database_url,
        SAMSPEL_SECRET_KEY=SECRET,
        SAMSPEL_AUTO_MIGRATE="false",
        SAMSPEL_LOG_LEVEL="WARNING",
        SAMSPEL_LOCALE="sv",
    )
    return env


# Cold, in process ----------------------------------------------------------------------------


async def _cold(env: dict[str, str], slug: str, repeat: int, profile: bool) -> dict[str, Any]:
    from webapp.app import create_app
    from webapp.calendars import feeds, store
    from webapp.i18n import use_locale
    from webapp.program.store import Narrowing
    from webapp.settings import load_settings

    settings = load_settings(env)
    ctx = create_app(settings).state.ctx
    try:
        with use_locale(settings.locale):
            async with ctx.db.read() as conn:
                _version, organisation = await store.version_and_organisation(conn, slug)
            assert organisation is not None
            narrowing = Narrowing(organisation_id=organisation.id)  # the URL without filters
            times: list[float] = []
            built = None
            for _ in range(repeat):
                ctx.feeds.clear()
                started = time.perf_counter()
                built = await feeds.public_feed(ctx, slug=slug, filters=Narrowing())
                times.append(time.perf_counter() - started)
            assert built is not None
            phases = await _phases(ctx, organisation, narrowing)
            found: dict[str, Any] = {
                "runs_s": times,
                "first_s": times[0],
                "min_s": min(times),
                "median_s": statistics.median(times),
                "phases_s": phases,
                "body": built.body,
                "gzip_s": _timed(lambda: gzip.compress(built.body, compresslevel=6, mtime=0)),
            }
            if profile:
                found["profile"] = await _profile(ctx, organisation, narrowing)
            return found
    finally:
        await ctx.db.dispose()


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def _phases(ctx: Any, organisation: Any, narrowing: Any) -> dict[str, float]:
    """A cold build step by step, as ``feeds.public_feed`` does it (median of 3)."""
    from webapp import clock
    from webapp.calendars import entries, feeds, ical, store
    from webapp.calendars.cache import Built

    runs: list[dict[str, float]] = []
    for _ in range(3):
        marks = [time.perf_counter()]
        async with ctx.db.read() as conn:
            await store.version(conn)
            _day, span = feeds._span(ctx, clock.now())
            scope = store.public_scope(
                narrowing, since=span.since, cancelled_since=span.cancelled_since
            )
            rows = await store.dated(conn, scope)
            marks.append(time.perf_counter())
            partners, reasons = await feeds._partners_and_reasons(
                conn, rows, await store.partners_in(conn, scope)
            )
            marks.append(time.perf_counter())
        found = entries.booked_entries(
            rows, partners, reasons, status_of=entries.public_status, site=feeds._site(ctx)
        )
        marks.append(time.perf_counter())
        body = ical.render(feeds._calendar(ctx, organisation.name, "", found))
        marks.append(time.perf_counter())
        Built.of(body, clock.now())
        marks.append(time.perf_counter())
        names = ("dates query", "partners query", "entries", "render", "hash")
        runs.append({n: marks[i + 1] - marks[i] for i, n in enumerate(names)})
    return {name: statistics.median(r[name] for r in runs) for name in runs[0]}


async def _profile(ctx: Any, organisation: Any, narrowing: Any) -> str:
    """The 25 functions with the most own time in one cold build (this thread only: the
    database driver's thread shows as waiting)."""
    from webapp.calendars import feeds
    from webapp.program.store import Narrowing

    ctx.feeds.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    await feeds.public_feed(ctx, slug=organisation.slug, filters=Narrowing())
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


# Over HTTP -----------------------------------------------------------------------------------


async def _http(
    args: argparse.Namespace, folder: Path, env: dict[str, str], slug: str, expected: bytes
) -> dict[str, Any]:
    path = f"/calendar/{slug}.ics"
    ours = load.Server("ours", "webapp.asgi:app", env, folder / "ours.log")
    static_dir = folder / "static"
    static_dir.mkdir()
    static = load.Server(
        "static",
        "bench.static_app:app",
        {**env, "BENCH_STATIC_DIR": str(static_dir)},
        folder / "static.log",
    )
    use_wrk = args.load == "wrk" or (args.load == "auto" and load.wrk_available())
    if args.load == "wrk" and not load.wrk_available():
        raise SystemExit("--load wrk: wrk is not installed")
    found: dict[str, Any] = {"load_generator": "wrk" if use_wrk else "asyncio"}

    with load.running(ours):
        await ours.ready()
        first = await load.fetch(ours.port, path)
        if first.status != 200 or first.body is None:
            raise RuntimeError(f"the feed answered {first.status}: {(first.body or b'')[:500]!r}")
        body = first.body
        found["cold_http"] = {"ttfb_s": first.ttfb, "total_s": first.total}
        found["same_bytes_as_in_process"] = body == expected
        found["vevents"] = body.count(b"BEGIN:VEVENT")
        etag = first.headers["etag"]
        zipped = await load.fetch(ours.port, path, {"Accept-Encoding": "gzip"})
        if zipped.headers.get("content-encoding") != "gzip" or zipped.body is None:
            raise RuntimeError("the feed did not answer gzip when asked for it")
        if gzip.decompress(zipped.body) != body:
            raise RuntimeError("the gzip answer is not the same feed")
        not_modified = await load.fetch(ours.port, path, {"If-None-Match": etag})
        if not_modified.status != 304:
            raise RuntimeError(f"If-None-Match answered {not_modified.status}, not 304")
        (static_dir / "feed.ics").write_bytes(body)
        (static_dir / "feed.ics.gz").write_bytes(zipped.body)
        (static_dir / "etag").write_text(etag)
        (static_dir / "etag-gz").write_text(zipped.headers["etag"])
        found["bytes"] = len(body)
        found["gzip_bytes"] = len(zipped.body)

        with load.running(static):
            await static.ready()
            for name, headers, _status in MODES[:2]:
                reply = await load.fetch(static.port, path, headers)
                want = body if name == "identity" else zipped.body
                if reply.body != want:
                    raise RuntimeError(f"the static app's {name} bytes differ from the feed's")

            found["modes"] = {}
            for name, template, status in MODES:
                headers = {k: (v if v is not None else etag) for k, v in template.items()}
                results = {}
                for server in (ours, static):
                    if use_wrk:
                        result = await load.drive_wrk(
                            server.port, path, headers,
                            connections=args.connections,
                            warmup=args.warmup, duration=args.duration,
                        )  # fmt: skip
                    else:
                        result = await load.drive(
                            server.port, path, headers, expect=status,
                            connections=args.connections,
                            warmup=args.warmup, duration=args.duration,
                        )  # fmt: skip
                    results[server.name] = asdict(result)
                results["ratio"] = results["ours"]["rps"] / max(results["static"]["rps"], 1e-9)
                found["modes"][name] = results
    return found


# The run -------------------------------------------------------------------------------------


def _machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


async def _main(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    seeded = await seed.seed(
        f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", args.events, per_library=args.events
    )
    seeding = time.perf_counter() - started
    env = _env(folder, seeded.database_url)
    cold = await _cold(env, seeded.library_slug, args.repeat, args.profile)
    expected = cold.pop("body")
    http = await _http(args, folder, env, seeded.library_slug, expected)
    return {
        "benchmark": "feeds",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "parameters": {
            "events": args.events,
            "repeat": args.repeat,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
        },
        "seeding_s": seeding,
        "feed": {
            "bytes": http.pop("bytes"),
            "gzip_bytes": http.pop("gzip_bytes"),
            "vevents": http.pop("vevents"),
            "same_bytes_as_in_process": http.pop("same_bytes_as_in_process"),
        },
        "cold": cold,
        **http,
        "targets": {"cold_s": COLD_TARGET_S, "ratio": RATIO_TARGET},
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="samspel-bench-") as tmp:
        with asyncio.Runner(loop_factory=load.loop_factory()) as runner:
            result = runner.run(_main(args, Path(tmp)))
    report(result, args.events)
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(result: dict[str, Any], events: int) -> None:
    feed, cold = result["feed"], result["cold"]
    ok = "ok" if cold["median_s"] <= COLD_TARGET_S else "OVER TARGET"
    out = [
        f"Calendar feed, {events} events — {result['machine']['nproc']} CPUs, "
        f"Python {result['machine']['python']}, load: {result['load_generator']}",
        f"  feed            {feed['bytes']:,} bytes ({feed['gzip_bytes']:,} gzip), "
        f"{feed['vevents']:,} VEVENTs"
        + ("" if feed["vevents"] == events else f"  ← expected {events}!"),
        f"  cold build      min {_ms(cold['min_s'])}, median {_ms(cold['median_s'])} "
        f"(first {_ms(cold['first_s'])}; target ≤ {_ms(COLD_TARGET_S)}: {ok})",
        "                  "
        + ", ".join(f"{name} {_ms(t)}" for name, t in cold["phases_s"].items())
        + f"; gzip (first gzip request) {_ms(cold['gzip_s'])}",
        f"  cold over HTTP  first byte {_ms(result['cold_http']['ttfb_s'])}, "
        f"whole answer {_ms(result['cold_http']['total_s'])}",
        "",
        f"  {'mode':<10}{'ours rps':>10}{'static rps':>12}{'ratio':>8}"
        f"{'ours p50/p99 ms':>19}{'static p50/p99 ms':>21}",
    ]
    for name, r in result["modes"].items():
        ours, static = r["ours"], r["static"]
        flag = "" if r["ratio"] >= RATIO_TARGET else "  < target"
        errors = ours["errors"] + static["errors"]
        out.append(
            f"  {name:<10}{ours['rps']:>10.1f}{static['rps']:>12.1f}{r['ratio']:>8.2f}"
            f"{ours['p50_ms']:>10.2f}/{ours['p99_ms']:<8.2f}"
            f"{static['p50_ms']:>12.2f}/{static['p99_ms']:<8.2f}{flag}"
            + (f"  ({errors} unexpected answers)" if errors else "")
        )
    print("\n".join(out))
    if "profile" in cold:
        print("\nProfile of one cold build (own time):\n" + cold["profile"])
    sys.stdout.flush()
