"""Work done in Django admin is support's: every admin names its audit actor with
`Actor.for_support(request.user)`, never `for_user` (a staff login may carry a tenant) nor a
hand-built `Actor(...)`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "apisecrets", "audit", "callgroups", "devices", "tenants", "cybergate"]


def admin_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += [p for p in (ROOT / app).rglob("*.py") if p.stem.startswith("admin")]
    return sorted(found)


def actor_uses(path: Path) -> list[tuple[int, str]]:
    """(line, how) for each construction of an Actor in the module."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Actor":
            uses.append((node.lineno, "Actor(...)"))
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "Actor"
        ):
            uses.append((node.lineno, f"Actor.{func.attr}"))
    return uses


def test_every_admin_names_support_as_the_actor():
    modules = admin_modules()
    assert any(p.name == "admin_audit.py" for p in modules)  # the audited admin base is scanned
    wrong = {
        f"{path.relative_to(ROOT)}:{line}": how
        for path in modules
        for line, how in actor_uses(path)
        if how != "Actor.for_support"
    }
    assert wrong == {}
    assert sum(len(actor_uses(path)) for path in modules) >= 5  # admins do record actions
