"""The shape of the code (issue #12, STYLE.md "Layout"): small modules, no import
cycle, dependencies that point one way.

The import graph is read from the source with `ast`, imports inside functions
included: a function-level import hides a cycle from Python's import machinery,
not from the reader who has to understand both modules at once. `if TYPE_CHECKING:`
blocks are left out, they never run. Nothing of the project is imported and no
database is needed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.sources import APPS, ROOT

# The product's code: the Django apps and the development services, whose import
# graph must stay acyclic and layered. Tests and scripts import everything and are
# left out of the graph, not out of the size rule (SIZED).
PACKAGES = tuple(sorted((*APPS, "devservices")))
# No module over 500 lines, tests and scripts included: a long test module is read
# and reviewed like any other, so it is split by area too. No allow-list (a package
# that replaces a long module, e.g. tests/factories/, is checked file by file).
MAX_LINES = 500
SIZED = (*PACKAGES, "benchmarks", "scripts", "tests")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported project module, dotted
    line: int

    def __str__(self) -> str:
        return f"{self.source} → {self.target} (line {self.line})"


def _python_files(packages: tuple[str, ...] = PACKAGES) -> Iterator[Path]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in _python_files()}


def _is_package(module: str) -> bool:
    return _modules()[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    # A package's own module name is its package; a plain module drops its last part.
    keep = len(base) - node.level + (1 if _is_package(module) else 0)
    prefix = base[:keep]
    return ".".join([*prefix, node.module] if node.module else prefix)


def _project_module(name: str) -> str | None:
    """The longest project module that `name` designates, or None if not ours."""
    modules = _modules()
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _runtime_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports_of(module: str) -> Iterator[Import]:
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    for node in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # `from pkg import name`: name is a submodule or an attribute of pkg.
            targets = [f"{base}.{alias.name}" for alias in node.names]
        for name in targets:
            target = _project_module(name)
            if target is not None and target != module:
                yield Import(module, target, node.lineno)


@cache
def _graph() -> dict[str, list[Import]]:
    return {module: sorted(set(_imports_of(module)), key=str) for module in _modules()}


def _cycles() -> list[list[Import]]:
    """One cycle per strongly connected component (Tarjan), as the imports that close it."""
    graph = {m: sorted({i.target for i in imports}) for m, imports in _graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_one_cycle(component) for component in components]


def _one_cycle(component: set[str]) -> list[Import]:
    """A shortest path back to the component's first module, through the component."""
    start = min(component)
    paths: dict[str, list[Import]] = {start: []}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for edge in _graph()[module]:
                if edge.target == start:
                    return [*paths[module], edge]
                if edge.target in component and edge.target not in paths:
                    paths[edge.target] = [*paths[module], edge]
                    following.append(edge.target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def _app(module: str) -> str:
    return module.split(".", 1)[0]


def _imports_between(importer: str, imported: str) -> list[Import]:
    return [
        edge
        for module, edges in _graph().items()
        if _app(module) == importer
        for edge in edges
        if _app(edge.target) == imported
    ]


def test_no_module_is_over_five_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in _python_files(SIZED)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by area (over {MAX_LINES} lines): {long}"


def test_the_size_rule_reads_the_tests_and_scripts_too():
    sized = {str(path.relative_to(ROOT)) for path in _python_files(SIZED)}
    assert {
        "tests/test_architecture.py",
        "tests/factories/__init__.py",
        "tests/workflow/unsaved.py",
        "scripts/mutation_client.py",
    } <= sized
    assert not any("migrations" in path for path in sized)


def test_no_import_cycle_between_project_modules():
    cycles = _cycles()
    assert not cycles, "import cycles:\n" + "\n".join(
        " ; ".join(str(edge) for edge in cycle) for cycle in cycles
    )


# STYLE.md: recordpages ← workflow ← archive, recordpages ← workflow ← search.
LAYERING = [
    pytest.param("recordpages", "workflow", id="recordpages-imports-no-workflow"),
    pytest.param("recordpages", "archive", id="recordpages-imports-no-archive"),
    pytest.param("recordpages", "search", id="recordpages-imports-no-search"),
    pytest.param("recordpages", "reports", id="recordpages-imports-no-reports"),
    pytest.param("recordpages", "imports", id="recordpages-imports-no-imports"),
    pytest.param("workflow", "archive", id="workflow-imports-no-archive"),
    pytest.param("workflow", "search", id="workflow-imports-no-search"),
    pytest.param("archive", "search", id="archive-imports-no-search"),
    pytest.param("search", "archive", id="search-imports-no-archive"),
]


@pytest.mark.parametrize(("importer", "imported"), LAYERING)
def test_dependencies_point_one_way(importer, imported):
    found = _imports_between(importer, imported)
    assert not found, f"{importer} must not import {imported}: " + "; ".join(map(str, found))


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones():
    # archive.services runs the package builder from inside a function; the graph
    # must see that edge, or a cycle through it would go unnoticed.
    edges = {str(edge.target) for edge in _graph()["archive.services"]}
    assert "archive.package" in edges
    assert "archive.models" in edges
