"""A full disk (issue 8, faults: "disk full on PDF generation").

Posters are drawn in memory (invites/posters: fpdf2 builds the PDF as bytes, the fonts are
only read, no temporary or cache file is written), so a full disk does not stop them. What a
full disk stops is writing to the database: here a SQLite database on a small tmpfs that is
filled up (a real ENOSPC, which SQLite reports as "database or disk is full"). The poster
still comes out; a write is answered with a 503 page in the reader's language and
Retry-After, not a 500; once there is room again, writing works again without a restart.

Mounting a tmpfs needs root (CAP_SYS_ADMIN): elsewhere the test is skipped.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import BASE_URL
from tests.http.test_faults_sqlite_busy import rsvp_once
from tests.http.test_program import make_event, rooms  # noqa: F401 - the fixture
from webapp.app import create_app
from webapp.auth.csrf import CSRF_COOKIE


@contextlib.contextmanager
def _small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(  # noqa: S603 - fixed arguments
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],  # noqa: S607
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root: " + mounted.stderr.decode(errors="replace"))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)  # noqa: S603, S607


def _fill(folder: Path) -> Path:
    """Write until the disk is full (a real ENOSPC)."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def _checkpoint(path: Path) -> None:
    """Everything into the main file and the write-ahead log emptied (WAL mode)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture
def sqlite_only(settings):  # type: ignore[no-untyped-def]
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the SQLite file on a disk of its own; PostgreSQL's disk is its server's")


@pytest.mark.usefixtures("sqlite_only")
def test_a_full_disk_still_gives_posters_and_a_clear_503_for_writes(
    web,
    world,
    rooms,  # noqa: F811
    settings,
    tmp_path,
    caplog,
):  # type: ignore[no-untyped-def]
    event_id, poster = _poster_of_an_event(web, world, rooms)
    original = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    _checkpoint(original)

    with _small_disk(tmp_path / "disk", original.stat().st_size // 2**20 + 3) as disk:
        path = disk / "samspel.sqlite3"
        shutil.copy(original, path)
        app = create_app(settings.with_changes(database_url=f"sqlite+aiosqlite:///{path}"))
        with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
            client.headers["Accept-Language"] = "sv"
            client.cookies.update(web.client.cookies)  # the member's session, in the copy too
            assert client.get(poster).status_code == 200
            client.get("/login")
            token = client.cookies[CSRF_COOKIE]

            _checkpoint(path)
            filler = _fill(disk)
            made = client.get(poster)
            assert made.status_code == 200 and made.content.startswith(b"%PDF")
            refused = rsvp_once(client, event_id, token)
            assert refused.status_code == 503, refused.text[:500]
            assert refused.headers["retry-after"].isdigit()
            assert "Tillfälligt otillgänglig" in refused.text  # in the reader's language
            assert "Traceback" not in refused.text
            assert any("disk is full" in r.getMessage() for r in caplog.records)  # logged

            filler.unlink()
            assert rsvp_once(client, event_id, token).status_code == 303


@contextlib.contextmanager
def _no_file_handles_left() -> Iterator[None]:
    """The process at its limit of open files (a real EMFILE for the next ``open``): the soft
    limit lowered to what is open now, and every free number below it taken."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 8, hard))
    taken = []
    try:
        with contextlib.suppress(OSError):
            while True:
                taken.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for fd in taken:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.usefixtures("sqlite_only")  # no new sockets wanted while no handle is left
def _poster_of_an_event(web, world, rooms):  # type: ignore[no-untyped-def]  # noqa: F811
    """An event with a poster channel, as its member sees it (in English): its id and the
    address of its A4 poster."""
    web.client.headers["Accept-Language"] = "en"
    event_id = make_event(web, world, rooms, title="Språkcafé")
    web.login("member@assoc.test")
    base = f"/events/{event_id}/invitations"
    added = web.post(base + "/audiences", {"name": "Families", "language": "sv", "size": "40"})
    audience_id = int(re.search(r"added=(\d+)", added.headers["location"]).group(1))
    web.post(base + f"/audiences/{audience_id}/channels", {"kind": "poster"})
    (channel_id,) = {int(c) for c in re.findall(r"/channels/(\d+)/poster-", web.get(base).text)}
    return event_id, base + f"/channels/{channel_id}/poster-a4.pdf"


def test_a_poster_that_cannot_open_its_fonts_is_a_clear_503(web, world, rooms, caplog):  # type: ignore[no-untyped-def]  # noqa: F811
    """What can fail while drawing is the system, e.g. no file handles left for the fonts:
    a 503 page saying the poster could not be made now, in the reader's language, logged."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc")
    _event_id, poster = _poster_of_an_event(web, world, rooms)
    assert web.get("/no-such-page").status_code == 404  # the error page's template is loaded
    with _no_file_handles_left():
        refused = web.get(poster)
    assert refused.status_code == 503, refused.text[:300]
    assert refused.headers["retry-after"] == "60"
    assert "The poster could not be made right now" in refused.text
    assert any("could not be made" in r.getMessage() for r in caplog.records)
    assert web.get(poster).status_code == 200  # and with handles to spare, it is made again
