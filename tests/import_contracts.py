"""An import-linter contract of our own: no import cycle between any two modules.

import-linter's `acyclic_siblings` only compares the children of one package, and our apps are
separate top-level packages; this finds every strongly connected set of modules in the whole
graph (Tarjan), so a cycle through several apps is caught too. Used by `.importlinter`.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def cycles(graph: ImportGraph) -> list[list[str]]:
    """The module sets in which each module imports every other, directly or not (size > 1)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        # Iterative Tarjan: (module, position in its import list).
        work = [(root, 0)]
        while work:
            module, position = work.pop()
            if position == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            imported = edges.get(module, [])
            if position < len(imported):
                work.append((module, position + 1))
                target = imported[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
    return sorted(found)


class AcyclicContract(Contract):
    """No module imports itself through others. Options: ignore_imports (known cycles, each with
    a TODO; an ignored import that no longer exists is an error, so the list cannot go stale)."""

    type_name = "acyclic"

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        found = cycles(graph)
        details = []
        for component in found:
            members = set(component)
            lines = []
            for importer in component:
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if imported in members:
                        numbers = ", ".join(
                            str(detail["line_number"])
                            for detail in graph.get_import_details(
                                importer=importer, imported=imported
                            )
                        )
                        lines.append(f"{importer} -> {imported} (l.{numbers})")
            details.append(lines)
        return ContractCheck(
            kept=not found,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": details},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for lines in check.metadata["cycles"]:
            output.print_error("Import cycle:")
            for line in lines:
                output.indent_cursor()
                output.print_error(line)
            output.new_line()
