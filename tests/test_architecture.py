"""The package's import graph has no cycles, and its folders follow the data's flow."""

from __future__ import annotations

import ast
from pathlib import Path

import qgraph

PACKAGE = Path(qgraph.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the qgraph modules it imports (anywhere in the file, lazy imports included)."""
    files = {_module(p): p for p in PACKAGE.rglob("*.py") if "resources" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qgraph"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in files else node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("qgraph")}
        deps.discard(name)
        graph[name] = {d for d in deps if d in files}
    return graph


def test_modules_found():
    graph = import_graph()
    assert len(graph) > 30 and "qgraph.corpus.loading" in graph


def test_no_import_cycles():
    graph = import_graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for d in sorted(graph[n]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack + [d])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_stages_in_folders():
    for stage in ("corpus", "checks", "ask", "publish", "links", "remote", "web"):
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    # the oracles the fast paths are held to are not product code
    names = {p.name for p in PACKAGE.rglob("*.py")}
    assert "pyshacl_harness.py" not in names and "jsonld_reference.py" not in names
