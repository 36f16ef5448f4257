"""The agent runs on a school PC, without the server: it imports neither Django nor any
of the server's packages, and it keeps to the project's module size."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.sources import APPS, ROOT

AGENT = ROOT / "signagent"
SERVER_SIDE = {*APPS, "devservices", "django", "wagtail", "tests", "boto3", "weasyprint"}


def _imported_roots(path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_agent_imports_nothing_of_the_server():
    found = {path.name: sorted(_imported_roots(path) & SERVER_SIDE) for path in AGENT.glob("*.py")}

    assert {name: roots for name, roots in found.items() if roots} == {}


def test_the_agent_starts_without_django_installed_or_configured():
    # -I: isolated, no DJANGO_SETTINGS_MODULE, no site customisation; django blocked.
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import signagent.__main__, signagent.server, signagent.token\n"
        "assert 'django' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=ROOT, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr


def test_no_agent_module_is_over_five_hundred_lines():
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in AGENT.glob("*.py")
    }

    assert {name: n for name, n in sizes.items() if n > 500} == {}
