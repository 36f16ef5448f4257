"""The columns of the CSDL ngành exports and how their headers are recognised.

Exports differ between years and screens in case, spacing, diacritics, tone
placement and wording ("Mã định danh Bộ GD&ĐT", "Mã định danh bộ GD&ĐT",
"Mã định danh"), so every header is reduced to one folded key before it is
compared. The key keeps "(cũ)" as a word: the old-unit address columns that
came with the 2025 mergers must never be taken for the current ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from recordpages.text import collapse_spaces, fold


class SheetKind(StrEnum):
    CLASSES = "classes"
    PUPILS = "pupils"
    STAFF = "staff"


SHEET_KIND_LABELS = {
    SheetKind.CLASSES: "Danh sách lớp",
    SheetKind.PUPILS: "Danh sách học sinh",
    SheetKind.STAFF: "Danh sách cán bộ, giáo viên, nhân viên",
}


class Parse(StrEnum):
    """How a cell is read."""

    TEXT = "text"
    NAME = "name"
    PUPIL_ID = "pupil_id"  # 10 digits, text, leading zeros kept
    PERSON_ID = "person_id"  # 10 or 12 digits
    CODE = "code"  # free identifier, text
    DATE = "date"
    SEX = "sex"
    GRADE = "grade"
    CLASS_NAME = "class_name"


_PUNCTUATION = re.compile(r"[^\w]+", re.UNICODE)


def header_key(value: object) -> str:
    """'Mã định danh  Bộ GD&ĐT (*)' → 'ma dinh danh bo gd dt'."""
    text = collapse_spaces(str(value or "")).replace("*", " ")
    return collapse_spaces(_PUNCTUATION.sub(" ", fold(text)))


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[str, ...]
    parse: Parse = Parse.TEXT
    required: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(alias) for alias in (self.label, *self.aliases))


PUPIL_COLUMNS: tuple[Column, ...] = (
    # The ministry's pupil id: the first of these headers present wins.
    Column(
        "ministry_id",
        "Mã định danh Bộ GD&ĐT",
        ("Mã học sinh", "Mã định danh", "Mã HS", "Mã định danh học sinh"),
        Parse.PUPIL_ID,
        required=True,
    ),
    Column(
        "full_name",
        "Họ và tên",
        ("Họ tên", "Họ tên học sinh", "Họ và tên học sinh"),
        Parse.NAME,
        required=True,
    ),
    Column("date_of_birth", "Ngày sinh", ("Ngày tháng năm sinh",), Parse.DATE, required=True),
    Column("sex", "Giới tính", (), Parse.SEX, required=True),
    Column("class_name", "Lớp", ("Tên lớp", "Lớp học"), Parse.CLASS_NAME, required=True),
    Column("ethnicity", "Dân tộc", ()),
    Column("nationality", "Quốc tịch", ()),
    Column("place_of_birth", "Nơi sinh", ()),
    Column("hometown", "Quê quán", ()),
    Column(
        "address",
        "Địa chỉ",
        ("Nơi ở hiện nay", "Chỗ ở hiện nay", "Địa chỉ thường trú", "Địa chỉ hiện nay"),
    ),
    Column("address_street", "Thôn/Tổ dân phố", ("Thôn/xóm/tổ dân phố", "Thôn, tổ", "Số nhà")),
    Column("address_ward", "Xã/Phường", ("Phường/Xã", "Xã, phường", "Phường xã")),
    Column("address_province", "Tỉnh/Thành phố", ("Tỉnh/TP", "Tỉnh thành phố")),
    Column("father_name", "Họ tên cha", ("Họ và tên cha", "Tên cha")),
    Column("father_occupation", "Nghề nghiệp cha", ("Nghề nghiệp của cha",)),
    Column("mother_name", "Họ tên mẹ", ("Họ và tên mẹ", "Tên mẹ")),
    Column("mother_occupation", "Nghề nghiệp mẹ", ("Nghề nghiệp của mẹ",)),
    Column("guardian_name", "Họ tên người giám hộ", ("Người giám hộ",)),
    Column("register_number", "Số đăng bộ", (), Parse.CODE),
    Column("entry_date", "Ngày nhập học", ("Ngày vào trường",), Parse.DATE),
)

CLASS_COLUMNS: tuple[Column, ...] = (
    Column("name", "Tên lớp", ("Lớp", "Lớp học"), Parse.CLASS_NAME, required=True),
    Column("grade", "Khối", ("Khối lớp",), Parse.GRADE, required=True),
    Column(
        "homeroom_teacher",
        "Giáo viên chủ nhiệm",
        ("GVCN", "Họ tên giáo viên chủ nhiệm"),
        Parse.NAME,
    ),
    Column("class_code", "Mã lớp", (), Parse.CODE),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("staff_code", "Mã cán bộ", ("Mã CB", "Mã giáo viên"), Parse.CODE, required=True),
    Column(
        "ministry_id",
        "Mã định danh Bộ GD&ĐT",
        ("Mã định danh",),
        Parse.PERSON_ID,
    ),
    Column("full_name", "Họ và tên", ("Họ tên",), Parse.NAME, required=True),
    Column("date_of_birth", "Ngày sinh", (), Parse.DATE),
    Column("sex", "Giới tính", (), Parse.SEX),
    Column("status", "Trạng thái", ("Trạng thái cán bộ",)),
    Column("position", "Loại cán bộ / Vị trí việc làm", ("Vị trí việc làm", "Loại cán bộ")),
    Column("post_group", "Nhóm chức vụ", ("Chức vụ",)),
    Column("contract", "Hình thức hợp đồng", ()),
    Column("qualification", "Trình độ chuyên môn nghiệp vụ", ("Trình độ chuyên môn",)),
    Column("subjects_taught", "Môn dạy", ("Môn giảng dạy",)),
)

COLUMNS_BY_KIND: dict[SheetKind, tuple[Column, ...]] = {
    SheetKind.CLASSES: CLASS_COLUMNS,
    SheetKind.PUPILS: PUPIL_COLUMNS,
    SheetKind.STAFF: STAFF_COLUMNS,
}


def match_headers(kind: SheetKind, headers: list[object]) -> dict[str, int]:
    """Field → 0-based column index, for the headers of one row.

    An alias listed earlier wins over a later one when both are present
    (the ministry id column over a generic "Mã định danh").
    """
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    for column in COLUMNS_BY_KIND[kind]:
        for key in column.keys:
            if key in keys:
                found[column.field] = keys.index(key)
                break
    return found


def guess_kind(headers: list[object]) -> tuple[SheetKind | None, dict[str, int]]:
    """The kind this header row belongs to, with its column map.

    Checked in order: a staff list is the only one with a staff code; a pupil
    list has at least two of id, birth date and class; a class list has a
    class name and a grade but no birth date.
    """
    staff = match_headers(SheetKind.STAFF, headers)
    if "staff_code" in staff and "full_name" in staff:
        return SheetKind.STAFF, staff
    pupils = match_headers(SheetKind.PUPILS, headers)
    if len({"ministry_id", "date_of_birth", "class_name"} & pupils.keys()) >= 2:
        return SheetKind.PUPILS, pupils
    classes = match_headers(SheetKind.CLASSES, headers)
    if {"name", "grade"} <= classes.keys() and "date_of_birth" not in pupils:
        return SheetKind.CLASSES, classes
    return None, {}
