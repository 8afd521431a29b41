"""The import contracts (.importlinter) hold, and the cycle check does find cycles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grimp import ImportGraph

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
