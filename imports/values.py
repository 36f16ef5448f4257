"""Reading one cell as the value the model stores.

Identifiers are text: a cell Excel turned into a number has lost its leading
zeros, and the only safe repair is padding to the identifier's fixed width.
Dates come as Excel dates, as dd/mm/yyyy text, or (rarely) as a bare serial.
Every failure is a Vietnamese sentence naming the cell's value, for the preview.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from imports.columns import Parse
from recordpages.text import collapse_spaces, fold, normalize_text


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the user."""


_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return normalize_text(collapse_spaces(str(value)))


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
        digits = re.sub(r"[\s.'’]", "", str(value))
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
    text = collapse_spaces(str(value))
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
    match = re.search(r"[1-5]", text)
    if not match or len(re.sub(r"\D", "", text)) != 1:
        raise CellError(
            _("%(label)s '%(value)s' không hợp lệ (từ 1 đến 5).") % {"label": label, "value": text}
        )
    return int(match.group())


def as_class_name(value: object) -> str:
    """'lớp 1a' → '1A', the form SchoolClass stores."""
    text = as_text(value).upper()
    text = re.sub(r"^L[ỚO]P\s*", "", text)
    return text.replace(" ", "")


def read_cell(parse: Parse, value: object, label: str):
    """The stored value of one cell, or CellError."""
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
