"""The `samspel` command on a fresh instance folder (SQLite), as an operator runs it."""

import os
import subprocess
import sys

import pytest


def samspel(tmp_path, *args, stdin=None, extra_env=None, timeout=120):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOME": str(tmp_path),
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "webapp.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_migrate_demo_and_createadmin(tmp_path):
    result = samspel(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "samspel.sqlite3").exists()
    assert (tmp_path / "instance" / "secret_key").exists()

    first = samspel(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "admin@bibliotek.example" in first.stdout and "samspel-demo" in first.stdout
    again = samspel(tmp_path, "demo")
    assert again.returncode == 0 and "admin@bibliotek.example" in again.stdout

    created = samspel(
        tmp_path,
        "createadmin",
        "--email",
        "Chef@Lund.example",
        "--name",
        "Karin Chef",
        "--library",
        "Lunds stadsbibliotek",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "chef@lund.example" in created.stdout

    short = samspel(
        tmp_path,
        "createadmin",
        "--email",
        "x@y.example",
        "--name",
        "X",
        "--library",
        "L",
        "--password-stdin",
        stdin="short\n",
    )
    assert short.returncode == 1 and "10" in short.stderr


def test_worker_runs_one_round_and_exits_cleanly(tmp_path):
    assert samspel(tmp_path, "migrate").returncode == 0
    result = samspel(tmp_path, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "worker stopped" in result.stderr


def test_worker_stops_on_sigterm(tmp_path):
    import signal
    import time

    assert samspel(tmp_path, "migrate").returncode == 0
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SAMSPEL_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", "worker", "--interval", "60"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    started = ""
    while "worker started" not in started and time.monotonic() < deadline:
        started += process.stderr.readline()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    process.stderr.close()


@pytest.mark.parametrize("command", ["serve", "migrate", "worker", "backup", "demo", "createadmin"])
def test_every_command_has_help(tmp_path, command):
    result = samspel(tmp_path, command, "--help")
    assert result.returncode == 0
    assert "usage: samspel" in result.stdout
