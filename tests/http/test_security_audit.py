"""How the CI's dependency audit (.ci/audit.py, ``make audit``) ends, with a stand-in
``pip-audit`` that answers as the real one does (its JSON report)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"


def _audit(tmp_path: Path, report: object | None, strict: bool = False):  # type: ignore[no-untyped-def]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pip-audit"
    if report is None:  # the service cannot be reached: pip-audit fails with a traceback
        fake.write_text("#!/bin/sh\necho 'ConnectionError: api.osv.dev' >&2\nexit 1\n")
    else:
        fake.write_text(f"#!/bin/sh\ncat <<'JSON'\n{json.dumps(report)}\nJSON\n")
    fake.chmod(0o755)
    env = {**os.environ, "VENV": str(tmp_path), "SAMSPEL_AUDIT_STRICT": "1" if strict else ""}
    return subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, check=False
    )


CLEAN = {"dependencies": [{"name": "starlette", "version": "1.0.0", "vulns": []}], "fixes": []}


def test_a_known_vulnerability_fails(tmp_path):
    vulnerable = {
        "dependencies": [
            {"name": "jinja2", "version": "3.1.0", "vulns": [
                {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": []}]},
        ],
        "fixes": [],
    }  # fmt: skip
    done = _audit(tmp_path, vulnerable)
    assert done.returncode == 1
    assert "VULNERABLE jinja2 3.1.0: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in done.stdout


def test_a_clean_audit_passes(tmp_path):
    done = _audit(tmp_path, CLEAN)
    assert done.returncode == 0 and "all 1 packages audited" in done.stdout


@pytest.mark.parametrize("strict", [False, True])
def test_an_unreachable_service_is_reported_and_fails_only_when_strict(tmp_path, strict):
    done = _audit(tmp_path, None, strict=strict)
    assert "NOT AUDITED" in done.stderr and "ConnectionError" in done.stderr
    assert done.returncode == (2 if strict else 0)


def test_packages_the_service_does_not_know_are_named(tmp_path):
    partly = {
        "dependencies": [
            *CLEAN["dependencies"],
            {"name": "twilio", "skip_reason": "Dependency not found on PyPI: twilio (9.13.0)"},
        ],
        "fixes": [],
    }
    done = _audit(tmp_path, partly)
    assert done.returncode == 0
    assert "NOT AUDITED: 1 of 2 installed packages" in done.stderr and "twilio" in done.stderr
