"""Vietnamese text helpers shared by titles, slugs, import and search.

Unicode NFC alone is not enough: old and new tone-mark placement ("hoà" and
"hòa", "khoá" and "khóa") are different code points after NFC and must be
made equal before they are compared.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import slugify

# In an open syllable ending in oa, oe or uy the tone mark stands on the first
# vowel in the spelling official documents use ("CỘNG HÒA", "khóa", "thủy");
# the other placement ("hoà", "khoá", "thuỷ") is moved there. "qu" is a
# consonant, so "quý" is left alone.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_SECOND_VOWEL_TONE = re.compile(rf"(?<![qQ])([oO][aAeE]|[uU][yY])([{_TONES}])(?!\w)", re.UNICODE)


def normalize_text(value: str) -> str:
    """NFC with the tone mark on the vowel that the new orthography uses."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value)
    decomposed = _SECOND_VOWEL_TONE.sub(
        lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], decomposed
    )
    return unicodedata.normalize("NFC", decomposed)


def fold(value: str) -> str:
    """Lower case without diacritics; đ becomes d. For matching, never for display."""
    value = normalize_text(value).replace("đ", "d").replace("Đ", "D")
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", value) if unicodedata.category(ch) != "Mn"
    )
    return stripped.lower()


def collapse_spaces(value: str) -> str:
    return re.sub(r"\s+", " ", value or "").strip()


def vn_slugify(value: str) -> str:
    """ASCII slug: "Kế hoạch đợt 1" → "ke-hoach-dot-1"."""
    return slugify(fold(value))[:240] or "trang"
