"""The package layout: no import cycles between modules, families are subpackages."""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stigma_analysis"


def _cycles() -> list[list[str]]:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("stigma_analysis", exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    # a package's __init__ importing its own children is how a public API is declared, and a
    # child importing a sibling through the package's __init__ is the same edge reversed: both
    # are fine as long as the children themselves form no cycle, so drop parent -> child edges
    for m in modules:
        edges[m] = [d for d in edges[m] if not d.startswith(m + ".")]
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in edges.get(m, []):
            if state.get(d) == 1:
                cycles.append([*stack[stack.index(d) :], d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in modules:
        if m not in state:
            visit(m)
    return cycles


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_no_private_family_modules_at_the_top_level() -> None:
    # one family, one room: private helpers live inside their family's subpackage
    # (``_checks`` is the one shared leaf: argument checks and defaults used by every family)
    allowed = {"__init__.py", "__main__.py", "_checks.py"}
    top = sorted(p.name for p in PACKAGE.glob("_*.py") if p.name not in allowed)
    assert top == []
