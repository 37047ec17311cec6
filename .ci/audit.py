"""Dependency audit for CI: ``pip-audit`` over the installed environment (``make audit``).

How it ends (docs/security.md, "Dependency audit"):

* a known vulnerability in an installed package: exit 1, CI fails, each one named with
  its fix version;
* the audit service cannot be reached (or pip-audit takes over 5 minutes), or knows nothing
  of some installed versions: a clear "NOT AUDITED" report on stderr naming what could not
  be checked, exit 0 (a third-party service's outage does not stop a release) unless
  SAMSPEL_AUDIT_STRICT=1, which turns it into exit 2;
* everything audited, nothing found: exit 0.

The service is PyPI's JSON API (pip-audit's default; OSV is another choice with
``SAMSPEL_AUDIT_SERVICE=osv``). Our own package (installed editable) is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VENV = Path(os.environ.get("VENV", ".venv"))
SERVICE = os.environ.get("SAMSPEL_AUDIT_SERVICE", "pypi")
STRICT = os.environ.get("SAMSPEL_AUDIT_STRICT", "") == "1"


def main() -> int:
    command = [
        str(VENV / "bin" / "pip-audit"),
        "--skip-editable",
        "--progress-spinner", "off",
        "--vulnerability-service", SERVICE,
        "--timeout", "10",
        "--format", "json",
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 - our venv's pip-audit, fixed arguments
            command, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as problem:
        return _not_audited(f"pip-audit did not run: {problem}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return _not_audited(f"the audit service could not be used ({SERVICE}): {last}")

    vulnerable = [d for d in report["dependencies"] if d.get("vulns")]
    skipped = [d for d in report["dependencies"] if "skip_reason" in d]
    audited = len(report["dependencies"]) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(
            f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities", file=sys.stderr
        )
        return 1
    if skipped:
        names = ", ".join(f"{d['name']}" for d in skipped)
        status = _not_audited(
            f"{len(skipped)} of {len(report['dependencies'])} installed packages could not be "
            f"audited by {SERVICE} (unreachable, or versions it does not know): {names}"
        )
        print(f"pip-audit: {audited} package(s) audited, no known vulnerabilities")
        return status
    print(f"pip-audit: all {audited} packages audited, no known vulnerabilities")
    return 0


def _not_audited(why: str) -> int:
    print(f"NOT AUDITED: {why}", file=sys.stderr)
    return 2 if STRICT else 0


if __name__ == "__main__":
    sys.exit(main())
