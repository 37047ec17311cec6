"""A small Samspel deployment for tests/http/test_scale_out.py: a fresh PostgreSQL database,
migrated with ``samspel migrate``; app processes (``samspel serve``) and ``samspel worker``
processes on it, as a region would run them behind a reverse proxy; and browsers that talk
to the app processes over real HTTP, taking turns between them.

Every process started here is stopped when its block ends (SIGTERM, then SIGKILL), whatever
happened in the block; the database is dropped in the same way."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx

from tests.conftest import _pg_admin, _pg_url, run_async
from webapp.auth.csrf import CSRF_COOKIE

STARTUP_SECONDS = 30.0
STOP_SECONDS = 15.0
REQUEST_SECONDS = 30.0


@contextlib.contextmanager
def fresh_database(prefix: str = "samspel_scale") -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped when the block ends."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_async(_pg_admin, f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        run_async(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def samspel(*args: str, env: Mapping[str, str], timeout: float = 90.0) -> str:
    """Run ``samspel …`` to the end; its output (it must succeed)."""
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "webapp.cli", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"samspel {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    url: str = ""  # an app process's address

    def tail(self, chars: int = 3000) -> str:
        return (
            f"--- {self.name} ({self.log.name})\n" + self.log.read_text(errors="replace")[-chars:]
        )


@dataclass
class Cluster:
    """The running processes; ``apps[n].url`` is where app process ``n`` listens."""

    apps: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [app.url for app in self.apps]

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.apps + self.workers)

    def check_alive(self) -> None:
        for process in self.apps + self.workers:
            code = process.proc.poll()
            assert code is None, f"{process.name} exited with {code}\n{process.tail()}"


@contextlib.contextmanager
def cluster(
    env: Mapping[str, str], folder: Path, *, apps: int = 2, workers: int = 2
) -> Iterator[Cluster]:
    """``apps`` app processes and ``workers`` worker processes on the database of ``env``,
    each with an instance folder of its own (as on separate machines: only the database and
    the secret key are shared). Yields once every app answers ``/healthz``; stops them all
    when the block ends, and when it went well, checks that each stopped cleanly."""
    running = Cluster()
    with contextlib.ExitStack() as logs:

        def start(name: str, args: list[str]) -> Process:
            log_path = folder / f"{name}.log"
            log: IO[bytes] = logs.enter_context(log_path.open("wb"))
            own = {**env, "SAMSPEL_INSTANCE_PATH": str(folder / name), "HOME": str(folder)}
            proc = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "webapp.cli", *args],
                env=own,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_end_with_parent if sys.platform == "linux" else None,
            )
            return Process(name, proc, log_path)

        try:
            for n in range(apps):
                port = free_port()
                app = start(f"app-{n}", ["serve", "--host", "127.0.0.1", "--port", str(port)])
                app.url = f"http://127.0.0.1:{port}"
                running.apps.append(app)
            for n in range(workers):
                running.workers.append(start(f"worker-{n}", ["worker", "--interval", "5"]))
            _wait_until_healthy(running)
            yield running
        except BaseException:
            _stop(running.apps + running.workers)
            raise
        codes = _stop(running.apps + running.workers)
    assert set(codes.values()) <= {0}, f"every process stops cleanly: {codes}\n{running.logs()}"


def _end_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the test process dies, however it dies
    (prctl PR_SET_PDEATHSIG), so that not even a killed test run leaves processes behind."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _wait_until_healthy(running: Cluster) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(running.apps)
    with httpx.Client(timeout=2.0) as client:
        while waiting:
            running.check_alive()
            assert time.monotonic() < deadline, "the app processes did not start\n" + (
                running.logs()
            )
            app = waiting[0]
            with contextlib.suppress(httpx.TransportError):
                if client.get(app.url + "/healthz").status_code == 200:
                    waiting.pop(0)
                    continue
            time.sleep(0.1)


def _stop(processes: list[Process]) -> dict[str, int | None]:
    for process in processes:
        if process.proc.poll() is None:
            process.proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.proc.kill()
            process.proc.wait(timeout=10)
    return {process.name: process.proc.returncode for process in processes}


class Browser:
    """One person's browser: its own cookies and address, its requests handed to the app
    processes in turn (as a load balancer without sticky sessions would), unless a request
    names the process (``via``). POSTs carry the CSRF token from the cookie, as our forms do."""

    def __init__(self, urls: list[str], *, address: str, language: str = "en") -> None:
        self.urls = urls
        self.turn = 0
        self.client = httpx.Client(
            timeout=REQUEST_SECONDS,
            follow_redirects=False,
            headers={"Accept-Language": language, "X-Forwarded-For": address},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str, via: int | None = None) -> str:
        if via is None:
            via = self.turn
            self.turn = (self.turn + 1) % len(self.urls)
        return self.urls[via] + path

    def get(self, path: str, *, via: int | None = None, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.url(path, via), **kwargs)

    def post(
        self, path: str, data: Mapping[str, Any] | None = None, *, via: int | None = None,
        **kwargs: Any,
    ) -> httpx.Response:  # fmt: skip
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(self.url(path, via), data=form, **kwargs)

    def csrf(self) -> str:
        token = self.client.cookies.get(CSRF_COOKIE)
        if not token:
            self.get("/login")
            token = self.client.cookies.get(CSRF_COOKIE)
        assert token, "the login page sets the CSRF cookie"
        return str(token)

    def log_in(self, email: str, password: str, *, via: int | None = None) -> httpx.Response:
        response = self.post("/login", {"email": email, "password": password}, via=via)
        assert response.status_code == 303, (email, response.status_code, response.text[:500])
        return response


def form_value(html: str, name: str) -> str:
    """The value of the input ``name`` in a page."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no input {name!r} in the page"
    return found.group(1)
