"""The structure package's internal imports form no cycle, and only heavy third-party modules
(scipy, matplotlib, seaborn, threadpoolctl) are imported inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import stigma_analysis.structure as pkg

PACKAGE = Path(pkg.__file__).parent
LAZY_OK = ("scipy", "matplotlib", "seaborn", "threadpoolctl")


def _imports() -> tuple[dict[str, set[str]], list[str]]:
    """Module -> sibling modules it imports (anywhere in the file); function-level imports of
    anything but scipy / matplotlib / seaborn."""
    graph: dict[str, set[str]] = {}
    lazy: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        deps: set[str] = set()
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                deps.add(node.module)
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
            nested = id(node) not in top and not _under_type_checking(tree, node)
            if nested and not all(n.split(".")[0] in LAZY_OK for n in names):
                lazy.append(f"{path.stem}: {', '.join(n or '.' for n in names)}")
        graph[path.stem] = deps
    return graph, lazy


def _under_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    return any(
        isinstance(stmt, ast.If)
        and "TYPE_CHECKING" in ast.unparse(stmt.test)
        and any(child is node for child in ast.walk(stmt))
        for stmt in tree.body
    )


def test_no_import_cycle_between_structure_modules() -> None:
    graph, _ = _imports()
    state: dict[str, int] = {}

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, mod, dep]))
            if dep not in state:
                visit(dep, [*path, mod])
        state[mod] = 2

    for mod in graph:
        if mod not in state:
            visit(mod, [])


def test_function_level_imports_are_only_heavy_third_party_modules() -> None:
    _, lazy = _imports()
    assert lazy == []
