"""Reading one cell as the value the model stores.

Identifiers are text: a cell Excel turned into a number has lost its leading
zeros, and the only safe repair is padding to the identifier's fixed width.
Dates come as Excel dates, as dd/mm/yyyy text, or (rarely) as a bare serial.
Every failure is a Vietnamese sentence naming the cell's value, for the preview.
Hidden characters that Excel and web forms carry along are handled here, before
the model sees them: a zero-width space is dropped from an ordinary text cell,
refused in a name, and a control character is refused everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from imports.columns import Parse
from recordpages.names import clean_person_name
from recordpages.text import collapse_spaces, fold, normalize_text


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user."""


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


_LINE_BREAKS = {"\t", "\n", "\r"}  # Alt+Enter inside a cell: read as a space


def _without_format_characters(text: str) -> str:
    """Zero-width spaces, joiners, soft hyphens and byte order marks (category Cf) removed."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return normalize_text(collapse_spaces(_without_format_characters(str(value))))


def _refuse_control_characters(value: object, label: str) -> None:
    if not isinstance(value, str):
        return
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in _LINE_BREAKS:
            raise CellError(
                _("%(label)s chứa kí tự điều khiển (mã U+%(code)04X): hãy gõ lại ô này.")
                % {"label": label, "code": ord(char)}
            )


def as_name(value: object, label: str) -> str:
    """A person's name as the model stores it; hidden characters or stray marks refused."""
    if value is None:
        return ""
    try:
        return clean_person_name(str(value))
    except ValidationError as exc:
        raise CellError(
            _("%(label)s: %(reason)s") % {"label": label, "reason": " ".join(exc.messages)}
        ) from exc


def as_digits(value: object, widths: tuple[int, ...], label: str) -> str:
    """A fixed-width numeric identifier as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise CellError(_("%(label)s không hợp lệ.") % {"label": label})
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise CellError(
                _("%(label)s '%(value)s' không hợp lệ.") % {"label": label, "value": value}
            )
        digits = str(int(value))
        # A number lost its leading zeros: pad to the nearest valid width.
        width = next((w for w in sorted(widths) if len(digits) <= w), None)
        if width is not None:
            digits = digits.zfill(width)
    else:
        digits = re.sub(r"[\s.'’]", "", _without_format_characters(str(value)))
    if not digits.isdigit() or len(digits) not in widths:
        allowed = _(" hoặc ").join(str(w) for w in widths)
        raise CellError(
            _("%(label)s '%(value)s' phải gồm %(widths)s chữ số.")
            % {"label": label, "value": value, "widths": allowed}
        )
    return digits


def as_date(value: object, label: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000:  # an Excel serial stored without a date format
            converted = from_excel(value)
            return converted.date() if isinstance(converted, dt.datetime) else converted
        raise CellError(
            _("%(label)s '%(value)s' không phải là ngày.") % {"label": label, "value": value}
        )
    text = collapse_spaces(_without_format_characters(str(value)))
    match = _DATE_TEXT.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        match = _ISO_TEXT.match(text)
        if match:
            return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        pass
    raise CellError(
        _("%(label)s '%(value)s' không hợp lệ (cần dạng ngày/tháng/năm, ví dụ 05/09/2019).")
        % {"label": label, "value": text}
    )


def as_sex(value: object, label: str) -> str:
    text = fold(as_text(value))
    if text == "":
        return ""
    if text in ("nam", "m", "male"):
        return "nam"
    if text in ("nu", "f", "female"):
        return "nu"
    raise CellError(
        _("%(label)s '%(value)s' không hợp lệ (Nam hoặc Nữ).") % {"label": label, "value": value}
    )


def as_grade(value: object, label: str) -> int | None:
    text = as_text(value)
    if text == "":
        return None
    numbers = set(re.findall(r"\d+", text))  # "Khối 3 (Lớp 3)" names grade 3 twice
    if len(numbers) != 1 or (grade := numbers.pop()) not in ("1", "2", "3", "4", "5"):
        raise CellError(
            _("%(label)s '%(value)s' không hợp lệ (từ 1 đến 5).") % {"label": label, "value": text}
        )
    return int(grade)


def as_class_name(value: object) -> str:
    """'lớp 1a' → '1A', the form SchoolClass stores."""
    text = as_text(value).upper()
    text = re.sub(r"^L[ỚO]P\s*", "", text)
    return text.replace(" ", "")


def read_cell(parse: Parse, value: object, label: str):
    """The stored value of one cell, or CellError."""
    _refuse_control_characters(value, label)
    if parse == Parse.NAME:
        return as_name(value, label)
    if parse == Parse.PUPIL_ID:
        return as_digits(value, (10,), label)
    if parse == Parse.PERSON_ID:
        return as_digits(value, (10, 12), label)
    if parse == Parse.DATE:
        return as_date(value, label)
    if parse == Parse.SEX:
        return as_sex(value, label)
    if parse == Parse.GRADE:
        return as_grade(value, label)
    if parse == Parse.CLASS_NAME:
        return as_class_name(value)
    if parse == Parse.CODE:
        return as_text(value).replace(" ", "")
    return as_text(value)
