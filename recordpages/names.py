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


# Vietnamese alphabetical order: ă, â after a; đ after d; ê after e; ô, ơ after o;
# ư after u; then the tones in the order ngang, huyền, hỏi, ngã, sắc, nặng.
_MODIFIERS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_D_STROKE = chr(0x111)


def _word_key(word: str) -> tuple[tuple, tuple]:
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _MODIFIERS and letters:
            letters[-1] = (letters[-1][0], _MODIFIERS[char])
        elif char in _TONES:
            tones.append(_TONES[char])
        elif char == _D_STROKE:
            letters.append(("d", 1))
        else:
            letters.append((char, 0))
    return tuple(letters), tuple(tones)


def name_order_key(full_name: str) -> tuple:
    """A class list's order: given name, then middle names, then family name,
    letters before tones, as the sổ điểm and học bạ number pupils. Read from the
    decomposed letters, so the tables hold marks, not letters."""
    words = full_name.split() or [""]
    ordered = [words[-1], *words[1:-1], *words[:1][: len(words) - 1]]
    keys = [_word_key(w) for w in ordered]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)
