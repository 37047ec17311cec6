"""``samspel backup``: a consistent copy of the database while the app keeps running.

- **SQLite**: SQLite's online backup API copies the database page by page from one read
  transaction; in WAL mode writers go on meanwhile, and the copy is the database as it was
  when the copy began. The copy is written next to its final name, checked with
  ``PRAGMA integrity_check``, and only then renamed into place, so a backup file that exists
  is whole.
- **PostgreSQL**: ``pg_dump --format=custom`` (one consistent snapshot; restore with
  ``pg_restore``). The password goes to pg_dump in its environment, never on its command
  line where other users of the machine could read it.

``keep``: after a successful backup, only the newest ``keep`` backups in the folder stay.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

PREFIX = "samspel-"


class BackupError(Exception):
    """The backup could not be made; str() says why in one line."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    removed: tuple[Path, ...]


def default_name(database_url: str, now: datetime) -> str:
    suffix = ".sqlite3" if database_url.startswith("sqlite") else ".pgdump"
    return f"{PREFIX}{now:%Y%m%d-%H%M%S}{suffix}"


def make_backup(database_url: str, target: Path, *, keep: int | None = None) -> Backup:
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.partial")
    staged.unlink(missing_ok=True)
    try:
        if database_url.startswith("sqlite"):
            _sqlite(database_url, staged)
        else:
            _postgres(database_url, staged)
        os.replace(staged, target)
    except OSError as exc:
        raise BackupError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        staged.unlink(missing_ok=True)
    removed = _prune(target, keep) if keep else ()
    return Backup(path=target, size=target.stat().st_size, removed=removed)


def _sqlite(database_url: str, staged: Path) -> None:
    source_path = make_url(database_url).database
    if not source_path or not Path(source_path).exists():
        raise BackupError(f"there is no SQLite database at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(staged)
    try:
        source.backup(copy)
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database: {exc}") from exc
    finally:
        copy.close()
        source.close()


def _postgres(database_url: str, staged: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump was not found: install PostgreSQL's client tools (Debian: postgresql-client)"
        )
    url = make_url(database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    command = [pg_dump, "--format=custom", "--no-owner", "--file", str(staged)]
    for flag, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            command += [flag, str(value)]
    command.append(url.database or "")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"pg_dump failed: {last}")


def _prune(target: Path, keep: int) -> tuple[Path, ...]:
    """The newest ``keep`` backups of the folder stay (names sort by time)."""
    ours = sorted(
        (p for p in target.parent.glob(f"{PREFIX}*") if p.suffix == target.suffix),
        key=lambda p: p.name,
    )
    old = ours[:-keep] if keep < len(ours) else []
    for path in old:
        path.unlink(missing_ok=True)
    return tuple(old)
