"""The package's shape: short modules, every import at the top of its module, and arrows that only point down.

A hidden circle is still a circle (STYLE.md): an import inside a function or under ``TYPE_CHECKING`` counts as a
rule break of its own, and the intra-package import graph must have no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

PACKAGE = "constructs_pkg"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
MAX_LINES = 400


def module_name(path: Path, root: Path = ROOT, package: str = PACKAGE) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    return {module_name(path, root, package): path for path in sorted(root.rglob("*.py"))}


def nested_imports(tree: ast.Module) -> list[str]:
    """``line: import`` for every import that is not a plain statement of the module body."""
    top = {id(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))}
    return [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
    ]


def imported_modules(name: str, is_package: bool, tree: ast.Module, known: Iterable[str]) -> set[str]:
    """The package's own modules that module ``name`` imports (relative or absolute; ``from . import x`` names x)."""
    known = set(known)
    here = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            submodules = {f"{source}.{alias.name}" for alias in node.names} & known
            found |= submodules
            if source in known and (not submodules or len(submodules) < len(node.names)):
                found.add(source)
    found.discard(name)
    return found


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    found = modules(root, package)
    return {
        name: imported_modules(name, path.name == "__init__.py", ast.parse(path.read_text()), found)
        for name, path in found.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def layers(graph: dict[str, set[str]]) -> list[list[str]]:
    """Modules by floor: floor 0 imports nothing of the package, floor n imports only floors below n."""
    floor: dict[str, int] = {}

    def height(node: str) -> int:
        if node not in floor:
            floor[node] = 1 + max((height(n) for n in graph[node]), default=-1)
        return floor[node]

    for node in graph:
        height(node)
    return [sorted(n for n, f in floor.items() if f == level) for level in range(max(floor.values()) + 1)]


# --- the rules, on the package -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_is_at_most_400_lines(name: str) -> None:
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept (STYLE.md P1)"


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_imports_only_at_its_top(name: str) -> None:
    assert nested_imports(ast.parse(modules()[name].read_text())) == []


def test_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) == len(modules())
    assert find_cycle(graph) is None


# --- the checkers themselves can fail ------------------------------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_checker_finds_function_level_and_type_checking_imports() -> None:
    tree = ast.parse(
        "import os\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
        "def f():\n    import json\n    return json\n"
    )
    assert nested_imports(tree) == ["line 4: from . import a", "line 6: import json"]


def test_checker_finds_a_cycle_through_relative_imports(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "__init__.py": "from .a import A\n",
        "a.py": "from . import b\nA = 1\n",
        "b.py": "from .sub.c import C\n",
        "sub/__init__.py": "",
        "sub/c.py": "from ..a import A\nC = 1\n",
    })  # fmt: skip
    graph = import_graph(root, "pkg")
    assert graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]


def test_checker_passes_a_layered_package(tmp_path: Path) -> None:
    root = _package(tmp_path, {"__init__.py": "from .top import T\n", "top.py": "from .low import L\nT = L\n",
                               "low.py": "L = 1\n"})  # fmt: skip
    graph = import_graph(root, "pkg")
    assert find_cycle(graph) is None
    assert layers(graph) == [["pkg.low"], ["pkg.top"], ["pkg"]]
