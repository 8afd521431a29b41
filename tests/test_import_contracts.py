"""The import contracts (.importlinter) hold, and the cycle check does find cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from grimp import ImportGraph

from tests.helpers import project_apps
from tests.import_contracts import cycles

ROOT = Path(__file__).resolve().parents[1]


def graph(*imports: tuple[str, str]) -> ImportGraph:
    result = ImportGraph()
    for importer, imported in imports:
        result.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    return result


def test_a_chain_has_no_cycle():
    assert cycles(graph(("a.x", "a.y"), ("a.y", "b.z"), ("a.x", "b.z"))) == []


def test_a_cycle_through_several_packages_is_found_whole():
    found = cycles(graph(("a.x", "b.y"), ("b.y", "c.z"), ("c.z", "a.x"), ("c.z", "d.w")))
    assert found == [["a.x", "b.y", "c.z"]]


def test_separate_cycles_are_reported_separately():
    found = cycles(graph(("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c"), ("b", "c")))
    assert found == [["a", "b"], ["c", "d", "e"]]


def test_the_project_keeps_its_import_contracts():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def imports_of(root: Path, directory: Path, packages: set[str]) -> list[str]:
    """Every import in the modules under `directory` that names one of `packages`, as
    "path:line: module" (paths relative to `root`, the directory of the top-level packages).

    import-linter leaves out imports under `if TYPE_CHECKING:` (`exclude_type_checking_imports`):
    its contracts hold for what runs, not for the types. This walks each module's whole syntax
    tree instead, function bodies and TYPE_CHECKING blocks included.
    """
    found = []
    for path in sorted(directory.rglob("*.py")):
        relative = path.relative_to(root)
        # The package a relative import starts from: the module's own (an __init__'s is itself).
        package = list(relative.parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(), str(relative))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                modules = [".".join([*base, *filter(None, [node.module])])]
            else:
                continue
            for module in modules:
                if module.split(".")[0] in packages:
                    found.append(f"{relative}:{node.lineno}: {module}")
    return found


def test_imports_for_types_and_in_functions_are_found(tmp_path):
    library = tmp_path / "core" / "lib"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("from . import types\nfrom ..lib import forms\n")
    (library / "types.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import appsettings\n"
        "from core import app\n"
        "if TYPE_CHECKING:\n"
        "    from app.models import Thing\n"
        "def load():\n"
        "    import other.views, app\n"
    )
    assert imports_of(tmp_path, library, {"app", "other"}) == [
        "core/lib/types.py:5: app.models",
        "core/lib/types.py:7: other.views",
        "core/lib/types.py:7: app",
    ]


def test_the_library_imports_no_app_not_even_for_types():
    # The contract "cybergate-core" (.importlinter) for the annotations too: the library's types
    # name no app either (each app owns the typed requests of what it adds to a request).
    assert imports_of(ROOT, ROOT / "cybergate" / "lib", set(project_apps())) == []
