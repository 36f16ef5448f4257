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
    # The demo district's content: which categories each demo vice-principal is
    # assigned (data of the demo, as a school's admin would type it).
    ("recordpages/demo/loader.py", "lesson_plan"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "group_plan"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "student_record"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "class_summary"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "other"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "enrollment_register"): "demo content: a VP's assignment",
    ("recordpages/demo/loader.py", "school_plan"): "demo content: a VP's assignment",
    # Left for the next pass (issue 12, reported): the demo's choice of approver
    # and the benchmarks' synthetic data.
    ("workflow/demo.py", "lesson_plan"): "TODO: demo approver through policy.who_may_take",
    ("workflow/demo.py", "group_plan"): "TODO: demo approver through policy.who_may_take",
    ("workflow/demo.py", "student_record"): "TODO: demo approver through policy.who_may_take",
    ("workflow/demo.py", "class_summary"): "TODO: demo approver through policy.who_may_take",
    # The page cache's receiver id for Wagtail's page_published signal: a name.
    ("pagecache/signals.py", "published"): "dispatch_uid of the page_published receiver",
    # Left for the next pass (reported to the lead): the page declarations' own
    # references (a prerequisite's type, …), the Elasticsearch modules' variant
    # (search.types.APPROVED), the public scope's "published school plans"
    # (registry: types with a publish step), and the benchmarks' synthetic data.
    ("recordpages/models/classes.py", "student_record"): "TODO: StudentRecordPage.record_type",
    ("recordpages/models/school.py", "published"): "TODO: State.PUBLISHED",
    ("search/backends/_es_query.py", "approved"): "TODO: search.types.APPROVED",
    ("search/backends/elasticsearch.py", "approved"): "TODO: search.types.APPROVED",
    ("search/scope.py", "school_plan"): "TODO: types with a publish step",
    ("reports/public/views.py", "school_plan"): "TODO: types with a publish step",
    ("benchmarks/_load_fixtures.py", "draft"): "TODO: synthetic benchmark data",
    ("benchmarks/_load_fixtures.py", "returned"): "TODO: synthetic benchmark data",
    ("benchmarks/archive.py", "signed"): "TODO: synthetic benchmark data",
    ("benchmarks/archive.py", "student_record"): "TODO: synthetic benchmark data",
    ("benchmarks/verify_upload.py", "student_record"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "approved"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "checked"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "class_summary"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "draft"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "group_plan"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "lesson_plan"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "other"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "published"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "returned"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "signed"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "student_record"): "TODO: synthetic benchmark data",
    ("benchmarks/search.py", "submitted"): "TODO: synthetic benchmark data",
}


def _declared_codes(tree: ast.AST) -> set[int]:
    """ids of the `code="…"` constants of `RecordType(...)` declarations."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "RecordType":
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
