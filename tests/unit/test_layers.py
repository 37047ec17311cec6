"""Layers point one way: invites/ never imports webapp/."""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_invites_does_not_import_webapp():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "webapp"
        )
        for path in (ROOT / "invites").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_stores_do_not_import_routes_or_templates():
    for path in (ROOT / "webapp").rglob("store.py"):
        modules = imported_modules(path)
        assert not any(m.startswith("starlette") or m.endswith(".routes") for m in modules), path


def test_no_grab_bag_modules():
    assert not list((ROOT / "webapp").rglob("utils.py"))
    assert not list((ROOT / "invites").rglob("utils.py"))
