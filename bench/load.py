"""Servers in subprocesses and a small HTTP/1.1 load generator to drive them.

The load generator is a few lines of asyncio (keep-alive connections, one request in flight
per connection, responses parsed by ``Content-Length``, bodies counted but not kept): cheap
enough per request that on a small machine it takes less CPU from the server than a
general-purpose client would. ``wrk`` is used instead when it is installed (``--load``).
Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


# Servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """``uvicorn <app>`` in a subprocess: ``workers`` processes (one by default), no access
    log, on 127.0.0.1; ``options`` are more of uvicorn's command-line options."""

    name: str
    app: str  # "module:attribute"
    env: Mapping[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    workers: int = 1
    options: tuple[str, ...] = ()

    def start(self) -> None:
        command = [
            sys.executable, "-m", "uvicorn", self.app,
            "--host", HOST, "--port", str(self.port),
            "--no-access-log", "--log-level", "warning",
            *(["--workers", str(self.workers)] if self.workers > 1 else []),
            *self.options,
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=dict(self.env), stdout=out, stderr=subprocess.STDOUT
            )

    async def ready(self, within: float = 30.0) -> None:
        """Wait until the port accepts connections (uvicorn binds after the app's start-up),
        without sending a request: the first request is measured."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-2000:]}")
            try:
                _, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return
        raise RuntimeError(f"{self.name} did not start within {within:.0f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    """The servers started, and stopped however the block ends (errors, Ctrl-C)."""
    try:
        for server in servers:
            server.start()
        yield
    finally:
        for server in servers:
            server.stop()


# One request ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    length: int  # body bytes
    ttfb: float  # seconds from sending to the first byte of the answer
    total: float  # seconds from sending to the last byte
    body: bytes | None = None  # kept only when asked for


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[Reply] | None = None
        self._head = bytearray()
        self._body: bytearray | None = None
        self._left = -1  # body bytes still to come; -1 while reading the head
        self._reply: Reply | None = None
        self._sent = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionError("connection closed"))

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:
            return
        if self._left < 0:
            if self._reply is None:
                self._reply = Reply(0, {}, 0, time.perf_counter() - self._sent, 0.0)
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            data = bytes(self._head[end + 4 :])
            self._start_body(bytes(self._head[:end]))
        take = min(len(data), self._left)
        if self._body is not None:
            self._body += data[:take]
        self._left -= take
        if self._left == 0:
            self._finish()

    def _start_body(self, head: bytes) -> None:
        assert self._reply is not None
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self._reply.status = int(status_line.split(" ", 2)[1])
        for line in lines:
            name, _, value = line.partition(":")
            self._reply.headers[name.strip().lower()] = value.strip()
        if "chunked" in self._reply.headers.get("transfer-encoding", ""):
            raise RuntimeError("chunked answers are not supported by this load generator")
        no_body = self._reply.status in (204, 304) or 100 <= self._reply.status < 200
        self._left = 0 if no_body else int(self._reply.headers.get("content-length", "0"))
        self._reply.length = self._left

    def _finish(self) -> None:
        reply, waiter = self._reply, self._waiter
        assert reply is not None and waiter is not None
        reply.total = time.perf_counter() - self._sent
        if self._body is not None:
            reply.body = bytes(self._body)
        self._head.clear()
        self._body = None
        self._left = -1
        self._reply = None
        self._waiter = None
        if not waiter.done():
            waiter.set_result(reply)

    async def request(self, raw: bytes, *, keep_body: bool = False) -> Reply:
        assert self.transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self._body = bytearray() if keep_body else None
        self._sent = time.perf_counter()
        self.transport.write(raw)
        return await self._waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(port: int) -> _Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(_Connection, HOST, port)
    return protocol


def raw_get(path: str, port: int, headers: Mapping[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: samspel-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw_post(
    path: str, port: int, form: Mapping[str, str], headers: Mapping[str, str] | None = None
) -> bytes:
    """A form post (``application/x-www-form-urlencoded``), as a browser sends it."""
    body = urlencode(form).encode()
    lines = [
        f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: samspel-bench",
        "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}",
    ]  # fmt: skip
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def fetch(
    port: int, path: str, headers: Mapping[str, str] | None = None, *, keep_body: bool = True
) -> Reply:
    """One GET on a new connection."""
    return await send(port, raw_get(path, port, headers), keep_body=keep_body)


async def send(port: int, raw: bytes, *, keep_body: bool = True) -> Reply:
    """One request (its bytes as ``raw_get`` or ``raw_post`` make them) on a new connection."""
    conn = await connect(port)
    try:
        return await asyncio.wait_for(conn.request(raw, keep_body=keep_body), timeout=60)
    finally:
        conn.close()


# Load ----------------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers with another status than expected
    body_bytes: int  # per answer
    tool: str


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


async def drive(
    port: int,
    path: str,
    headers: Mapping[str, str] | None,
    *,
    expect: int,
    connections: int,
    warmup: float,
    duration: float,
    make: Callable[[], bytes] | None = None,
) -> Load:
    """``connections`` keep-alive connections, each sending its next request as soon as
    the previous answer is in, for ``warmup`` then ``duration`` seconds. The answers that
    complete within the measured ``duration`` count. ``make`` (when given) makes each
    request's bytes instead of a GET of ``path`` with ``headers``: a form post, a header
    that changes from request to request."""
    raw = raw_get(path, port, headers)
    conns = [await connect(port) for _ in range(connections)]
    start = time.perf_counter() + warmup
    end = start + duration
    latencies: list[float] = []
    errors = 0
    body_bytes = 0

    async def worker(conn: _Connection) -> None:
        nonlocal errors, body_bytes
        while time.perf_counter() < end:
            request = raw if make is None else make()
            sent = time.perf_counter()
            reply = await conn.request(request)
            done = sent + reply.total
            if start <= done <= end:
                latencies.append(reply.total)
                body_bytes = reply.length
                if reply.status != expect:
                    errors += 1

    workers = asyncio.gather(*(worker(conn) for conn in conns))
    try:
        await asyncio.wait_for(workers, timeout=warmup + duration + 60)
    finally:
        for conn in conns:
            conn.close()
        if workers.done() and not workers.cancelled():
            workers.exception()  # retrieved: no "exception was never retrieved" on Ctrl-C
    latencies.sort()
    return Load(
        requests=len(latencies),
        seconds=duration,
        rps=len(latencies) / duration,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        errors=errors,
        body_bytes=body_bytes,
        tool="asyncio",
    )


# wrk, when installed -------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _wrk_ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if found is None:
        return float("nan")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str, duration: float) -> Load:
    rps = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    if rps is None or total is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    error_count = int(bad.group(1)) if bad else 0
    if errors:
        error_count += sum(int(n) for n in re.findall(r"\d+", errors.group(0)))
    return Load(
        requests=int(total.group(1)),
        seconds=duration,
        rps=float(rps.group(1)),
        p50_ms=_wrk_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_wrk_ms(p99.group(1)) if p99 else float("nan"),
        errors=error_count,
        body_bytes=0,
        tool="wrk",
    )


async def drive_wrk(
    port: int,
    path: str,
    headers: Mapping[str, str] | None,
    *,
    connections: int,
    warmup: float,
    duration: float,
) -> Load:
    """The same load with ``wrk`` (one thread per core, at most the connections)."""
    threads = max(1, min(connections, os.cpu_count() or 1))
    base = ["wrk", "-t", str(threads), "-c", str(connections), "--latency"]
    for name, value in (headers or {}).items():
        base += ["-H", f"{name}: {value}"]
    url = f"http://{HOST}:{port}{path}"

    async def run(seconds: float) -> str:
        process = await asyncio.create_subprocess_exec(
            *base, "-d", f"{max(1, round(seconds))}s", url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + 30)
        return out.decode(errors="replace")

    if warmup > 0:
        await run(warmup)
    return parse_wrk(await run(duration), duration)


def loop_factory() -> Any:
    """uvloop's event loop for the benchmark's own client, as the servers use it."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return None
    return uvloop.new_event_loop
