"""User-facing text is Vietnamese through gettext (issue #12): no Vietnamese string
literal outside a gettext call in the project's Python code, except where listed below.

The test reads the source with `ast`; it imports nothing of the project.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.sources import APPS, ROOT

GETTEXT_CALLS = {
    "_",
    "_lazy",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}
# Letters only Vietnamese uses among the project's languages (đ and the tone marks).
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ]"
)

# Legitimate Vietnamese literals that are not user interface text.
NOT_UI = {
    # Demo district: content a school would type, not interface text.
    "recordpages/demo/",
    "workflow/demo.py",
    "cms/management/commands/load_demo_district.py",
    # Matching and folding of Vietnamese text: letters, syllables and stop words.
    "recordpages/text.py",
    "recordpages/names.py",
    "search/vietnamese.py",
    "accounts/names.py",
    # Headers of the Ministry's CSDL ngành spreadsheets as the files spell them.
    "imports/columns.py",
    # The regulation's forms: national motto, document titles and fixed wording of
    # the signed PDFs and the year package (Thông tư 27/2020, Điều lệ trường).
    "archive/documents.py",
    "archive/specs.py",
    "archive/forms/",
    "archive/minutes.py",
    # The programme (Chương trình GDPT 2018): subjects, competences, as the Ministry
    # names them; these are data keyed by code, rendered as they are.
    "recordpages/programme.py",
    # Values of the CSDL files as they come (a class name "Lớp 3A" read as "3A").
    "imports/values.py",
    # Certificates and signatures: the dev PKI's subject names (marked test only), the
    # signer name in the CMS signature and the folding of đ in signers' names. They are
    # signed data, the same in every language.
    "archive/devpki.py",
    "archive/signing/_cms.py",
    "archive/signing/_names.py",
    # Settings: the name of the Vietnamese language in LANGUAGES.
    "cms/settings/base.py",
}

# Single literals that are stored data inside a module of interface text: listed by
# file and exact value, so the rest of the module stays checked. Translating them
# would change what the database holds with the reader's language.
NOT_UI_VALUES = {
    # CompetenceLevel.PASS: the stored code of the Ministry's T/Đ/C scale (Thông tư
    # 27/2020); its label "Đạt" is translated.
    ("recordpages/models/classes.py", "Đ"),
    # Pupil.nationality's default, a stored value as the CSDL ngành files write it.
    ("recordpages/models/people.py", "Việt Nam"),
}


def _listed(relative: str, listing: set[str]) -> bool:
    return any(relative == entry or relative.startswith(entry) for entry in listing)


def _files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring constants: documentation, not interface."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _translated(tree: ast.Module) -> set[int]:
    """The ids of every constant inside a gettext call (its msgid, format parts)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if isinstance(node.func, ast.Attribute):
                name = node.func.attr
            if name in GETTEXT_CALLS:
                found.update(id(inner) for arg in node.args for inner in ast.walk(arg))
    return found


def _bare(path: Path) -> list[ast.Constant]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _docstrings(tree) | _translated(tree)
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and VIETNAMESE.search(node.value)
    ]


def _user_facing(relative: str, nodes: list[ast.Constant]) -> list[ast.Constant]:
    return [node for node in nodes if (relative, node.value) not in NOT_UI_VALUES]


def test_no_bare_vietnamese_literal_outside_gettext():
    found = []
    for path in _files():
        relative = str(path.relative_to(ROOT))
        if not _listed(relative, NOT_UI):
            found += [
                f"{relative}:{node.lineno} {node.value[:60]!r}"
                for node in _user_facing(relative, _bare(path))
            ]
    assert found == [], "wrap in gettext / gettext_lazy:\n" + "\n".join(found)


def test_every_listed_exception_still_exists():
    """A listed file that is gone, or a listed value no longer bare in its file, is
    dropped from the lists."""
    stale = [f"{entry}: gone" for entry in sorted(NOT_UI) if not (ROOT / entry).exists()]
    for relative, value in sorted(NOT_UI_VALUES):
        target = ROOT / relative
        if not target.exists() or value not in {node.value for node in _bare(target)}:
            stale.append(f"{relative} {value!r}: no longer a bare literal there")
    assert stale == []


def test_every_composed_title_is_a_format_string_in_gettext():
    """The titles stored for record pages are built through gettext with named
    placeholders (a translator reads one sentence), never assembled with f-strings."""
    offenders = []
    for path in sorted((ROOT / "recordpages" / "models").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "compose_title":
                offenders += [
                    f"{path.relative_to(ROOT)}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.JoinedStr)
                ]
    assert offenders == []


def test_the_finder_sees_a_bare_literal_and_not_a_translated_one(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        '"""Tài liệu."""\n'
        "from django.utils.translation import gettext as _\n"
        'A = _("Đã lưu.")\n'
        'B = "Đã xóa."\n'
        'C = _("Của %(name)s") % {"name": "x"}\n'
    )
    assert [node.value for node in _bare(module)] == ["Đã xóa."]
