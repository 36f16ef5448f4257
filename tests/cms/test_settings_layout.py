"""Each setting is built in one place: base.py assigns every setting once, from one
builder of cms/env.py per concern, and no settings module patches a setting's dict
afterwards (dev/test/production call the builder again with one override)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "cms" / "settings"
MODULES = ("base.py", "dev.py", "test.py", "production.py")


def _top_level_targets(tree: ast.Module) -> list[ast.expr]:
    targets: list[ast.expr] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets.extend(target.elts if isinstance(target, ast.Tuple) else [target])
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets.append(node.target)
    return targets


def _parse(name: str) -> ast.Module:
    return ast.parse((SETTINGS_DIR / name).read_text(encoding="utf-8"))


def test_base_settings_assign_each_setting_once():
    names = Counter(
        target.id
        for target in _top_level_targets(_parse("base.py"))
        if isinstance(target, ast.Name) and target.id.isupper()
    )
    assert [name for name, count in names.items() if count > 1] == []


@pytest.mark.parametrize("module", MODULES)
def test_settings_modules_never_patch_a_setting_after_building_it(module):
    tree = _parse(module)
    patched = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    ]
    # SETTING.update(...), {**SETTING, ...}: a dict rebuilt beside its builder.
    patched += [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"update", "setdefault"}
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id.isupper()
    ]
    patched += [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(
            key is None and isinstance(value, ast.Name)
            for key, value in zip(node.keys, node.values, strict=True)
        )
    ]
    assert patched == []


def test_password_validators_in_effect_are_the_accounts_ones():
    in_effect = [
        f"{type(validator).__module__}.{type(validator).__name__}"
        for validator in get_default_password_validators()
    ]
    assert in_effect == [
        "accounts.passwords.MinimumLengthValidator",
        "accounts.passwords.MaximumLengthValidator",
        "accounts.passwords.CharacterKindsValidator",
        "accounts.passwords.UserAttributeSimilarityValidator",
        "accounts.passwords.FoldedNameValidator",
        "accounts.passwords.CommonPasswordValidator",
        "accounts.passwords.NumericPasswordValidator",
    ]


def test_a_short_password_is_refused_in_vietnamese():
    with pytest.raises(ValidationError) as refused:
        validate_password("Ab1!")
    assert any("Mật khẩu" in message for message in refused.value.messages)
