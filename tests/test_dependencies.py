"""What `make run` installs is enough to run the product (found by a fresh clone: the
demo's signatures import Certomancer, which only the test extra brought in, so the
dev PKI's timestamps failed and `make run` stopped). Every third-party module the
application imports comes from its own dependencies, not from the test extra."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The packages `make run` runs (pyproject's packages but devservices, the test and
# benchmark harness that starts real servers from the test extra).
APPLICATION = [
    "cms",
    "recordpages",
    "workflow",
    "search",
    "archive",
    "imports",
    "reports",
    "accounts",
    "intake",
    "signagent",
    "signatures",
    "pagecache",
]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _installed_closure(requirements: list[str]) -> set[str]:
    """The distributions the requirements bring in, with their own requirements
    (those asked for only by an extra excepted)."""
    seen: set[str] = set()
    todo = [_name(r) for r in requirements]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def _imported_modules() -> dict[str, str]:
    """Top-level module → one file of the application that imports it."""
    found: dict[str, str] = {}
    for package in APPLICATION:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_the_application_imports_only_what_its_own_dependencies_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _installed_closure(project["dependencies"])
    distributions = metadata.packages_distributions()
    first_party = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    missing = {}
    for module, where in _imported_modules().items():
        if module in sys.stdlib_module_names or module in first_party:
            continue
        names = {_name(d) for d in distributions.get(module, [])}
        if not names & installed:
            missing[module] = where
    assert not missing, f"imported, but installed only by the test extra or not at all: {missing}"


def test_every_application_package_is_installed():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]["find"]["include"]
    assert {name.rstrip("*") for name in packages} >= set(APPLICATION)
