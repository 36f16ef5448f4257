"""No dead code in the apps: a function or class nobody calls, and no fallback for an
app that is always installed, is a rule a newcomer reads and believes (issue #12).

These tests read the source with `ast`; they import nothing of the project and need
no database.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.sources import APPS, ROOT

# Where a name may be used besides Python code: templates name filters, tags and
# attributes; static scripts read JSON keys; settings name classes by dotted strings.
TEXT_SOURCES = ("templates", "static", "deploy", "scripts")
TEXT_SUFFIXES = {".html", ".txt", ".js", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".md"}

# Definitions that are used by a framework under a name we do not write ourselves.
FRAMEWORK_NAMES = {"Command", "Migration", "__getattr__"}
# Base classes whose subclasses Django finds by itself (INSTALLED_APPS names the app).
FRAMEWORK_BASES = {"AppConfig"}
# Modules under construction whose API lands before its callers. Remove an entry as
# soon as the module's callers are converted.
UNDER_CONSTRUCTION: set[str] = set()

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _app_files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _all_python_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & {".venv", "node_modules", ".git", "artifacts"}:
            yield path


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _top_level_definitions(path: Path) -> Iterator[ast.FunctionDef | ast.ClassDef]:
    """Module-level functions and classes. A decorated one is registered by its
    decorator (a hook, a receiver, a template filter, a system check), so it is used."""
    for node in _tree(path).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.decorator_list or node.name in FRAMEWORK_NAMES:
                continue
            bases = {b.id for b in getattr(node, "bases", []) if isinstance(b, ast.Name)}
            if not bases & FRAMEWORK_BASES:
                yield node


def _python_references(path: Path) -> Iterator[tuple[str, int]]:
    """Every name a module mentions, with its line: names, attributes, imports and the
    words of string literals (settings name middleware and validators by dotted path)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Name):
            yield node.id, node.lineno
        elif isinstance(node, ast.Attribute):
            yield node.attr, node.lineno
        elif isinstance(node, ast.alias):
            yield node.name.rsplit(".", 1)[-1], node.lineno
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for word in _WORD.findall(node.value):
                yield word, node.lineno


@cache
def _references() -> frozenset[tuple[Path, str, int]]:
    found: set[tuple[Path, str, int]] = set()
    for path in _all_python_files():
        found.update((path, name, line) for name, line in _python_references(path))
    for folder in TEXT_SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in TEXT_SUFFIXES:
                text = path.read_text(encoding="utf-8", errors="replace")
                found.update((path, word, 0) for word in set(_WORD.findall(text)))
    return frozenset(found)


def _used_names() -> dict[str, set[tuple[Path, int]]]:
    used: dict[str, set[tuple[Path, int]]] = {}
    for path, name, line in _references():
        used.setdefault(name, set()).add((path, line))
    return used


def _is_only_its_own_definition(
    where: set[tuple[Path, int]], path: Path, node: ast.FunctionDef | ast.ClassDef
) -> bool:
    end = node.end_lineno or node.lineno
    # A mention inside the definition itself (recursion, a docstring) is not a use.
    return all(p == path and node.lineno <= line <= end for p, line in where)


def unused_definitions() -> list[str]:
    used = _used_names()
    dead = []
    for path in _app_files():
        if str(path.relative_to(ROOT)) in UNDER_CONSTRUCTION:
            continue
        for node in _top_level_definitions(path):
            where = used.get(node.name, set())
            if not where or _is_only_its_own_definition(where, path, node):
                dead.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return dead


def test_every_module_level_function_and_class_of_the_apps_is_used_somewhere():
    assert unused_definitions() == []


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        isinstance(kind, ast.Name) and kind.id in {"ImportError", "ModuleNotFoundError"}
        for kind in kinds
    )


def test_no_app_falls_back_when_another_project_app_is_missing():
    """Every app of the project is installed everywhere (cms/settings/base.py): a
    fallback for a missing one is never taken and hides a broken installation."""
    fallbacks = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _app_files()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ExceptHandler) and node.type and _catches_import_error(node)
    ]
    assert fallbacks == []


def test_the_dead_code_finder_sees_a_function_nobody_calls(tmp_path):
    """The finder itself: a definition mentioned only inside its own body is unused."""
    module = tmp_path / "module.py"
    module.write_text('def lonely():\n    """lonely() is unused."""\n    return lonely\n')
    node = next(_top_level_definitions(module))
    where = {(module, line) for name, line in _python_references(module) if name == "lonely"}
    assert _is_only_its_own_definition(where, module, node)
