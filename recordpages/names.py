"""Person names: one spelling per name, in Latin letters (issue 7, bad input).

A decomposed "Nguye\\u0302\\u0303n" and the composed "Nguyễn" must be the same
name; a Cyrillic "А" that looks like a Latin "A" must not make a second "Nguyễn
Văn An" that nobody can find; stacked combining marks and invisible or
direction-changing characters have no place in a name on a học bạ.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recordpages.text import collapse_spaces, normalize_text

_ALLOWED_PUNCTUATION = set(" -'.")


def clean_person_name(value: str) -> str:
    """The name in NFC with single spaces, or ValidationError saying which character is wrong.

    Use as a form `clean_<field>` or call from `Model.clean()`; the result is what to store.
    """
    name = normalize_text(collapse_spaces(value or ""))
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
            raise ValidationError(
                _("Họ tên chứa kí tự ẩn hoặc kí tự điều khiển (mã U+%(code)04X). Hãy gõ lại.")
                % {"code": ord(char)},
                code="name_invisible_character",
            )
        if category == "Mn":
            raise ValidationError(
                _(
                    "Họ tên có dấu thanh hoặc dấu phụ không gắn được vào chữ cái "
                    "(dấu chồng nhiều lần). Hãy gõ lại bằng bộ gõ tiếng Việt."
                ),
                code="name_stray_mark",
            )
        if char in _ALLOWED_PUNCTUATION:
            continue
        if not char.isalpha() or not unicodedata.name(char, "").startswith("LATIN "):
            raise ValidationError(
                _(
                    "Họ tên chứa kí tự “%(char)s” không phải chữ cái tiếng Việt "
                    "(có thể là chữ Nga, chữ Hy Lạp trông giống chữ Latinh, hoặc chữ số)."
                )
                % {"char": char},
                code="name_foreign_script",
            )
    return name


def validate_person_name(value: str) -> None:
    """Model-field validator form of clean_person_name (refuses; the model's clean normalises)."""
    clean_person_name(value)
