"""One place per rule (issue 12): no code outside the registry names a record type or
a record state by its string. A walk over the project's Python (not migrations, not
tests) finds every string literal equal to a declared type code or a State value;
each one left must be on the allow-list below, with its reason. The page classes'
`code="…"` declarations are the registry itself and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

from recordpages import registry
from recordpages.registry import State

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", "node_modules", "tests", "migrations", "__pycache__", ".git"}
REGISTRY = "recordpages/registry.py"

# (file, literal): why it stays. Keep this short; remove an entry when its file
# stops needing it (the test fails on an entry that no longer matches).
ALLOWED: dict[tuple[str, str], str] = {
    # search's own vocabulary: the index variant "approved" (the latest approved
    # version) beside "working"; declared once, a word, not the state.
    ("search/types.py", "approved"): "index variant name, declared once",
    # The page cache's receiver id for Wagtail's page_published signal: a name.
    ("pagecache/signals.py", "published"): "dispatch_uid of the page_published receiver",
}


def _declared_codes(tree: ast.AST) -> set[int]:
    """ids of the `code="…"` constants of `RecordType(...)` declarations (or of a
    `replace(OtherPage.rules, code=…)` that declares a type sharing another's rules)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("RecordType", "replace"):
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.add(id(keyword.value))
    return found


def literals_naming_types_or_states() -> set[tuple[str, str]]:
    vocabulary = set(registry.codes()) | {str(state) for state in State}
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts) or relative.as_posix() == REGISTRY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declarations = _declared_codes(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in vocabulary
                and id(node) not in declarations
                # A docstring or comment-like bare string names, it does not branch.
                and not _is_docstring(tree, node)
            ):
                found.add((relative.as_posix(), node.value))
    return found


def _is_docstring(tree: ast.AST, constant: ast.Constant) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and node.value is constant:
            return True
    return False


def test_no_code_names_a_record_type_or_state_by_string():
    unexpected = sorted(literals_naming_types_or_states() - set(ALLOWED))
    assert unexpected == [], (
        "Read the registry (recordpages.registry: State, the page class's record_type, "
        f"rules.…) instead of these literals: {unexpected}"
    )


def test_every_allowed_literal_is_still_needed():
    stale = sorted(set(ALLOWED) - literals_naming_types_or_states())
    assert stale == [], f"Remove these allow-list entries, the code no longer has them: {stale}"
