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


# Where a header spelling was seen. A variant without a source is one the first
# version accepted; it stays so that files that imported once import again.
HCMC = "CSDL ngành, danh sách học sinh (mẫu TP. Hồ Chí Minh)"
CA_MAU = "CSDL ngành, danh sách học sinh (mẫu Cà Mau)"
CLASS_EXPORT = "CSDL ngành, danh sách lớp học"
STAFF_EXPORT = "CSDL ngành, danh sách cán bộ (FORMS.md)"
FIRST = "phiên bản đầu"


@dataclass(frozen=True)
class Header:
    text: str
    seen: str = FIRST


def _headers(*items: str | Header) -> tuple[Header, ...]:
    return tuple(item if isinstance(item, Header) else Header(item) for item in items)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[Header, ...]
    parse: Parse = Parse.TEXT
    required: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(h) for h in (self.label, *(a.text for a in self.aliases)))


def column(
    field: str, label: str, *aliases: str | Header, parse: Parse = Parse.TEXT, required=False
) -> Column:
    return Column(field, label, _headers(*aliases), parse, required)


PUPIL_COLUMNS: tuple[Column, ...] = (
    # The ministry's pupil id: the first of these headers present wins. New grade-1
    # pupils often have none yet: the column is required, a cell may be empty.
    column(
        "ministry_id",
        "Mã định danh Bộ GD&ĐT",
        Header("Mã định danh bộ GD&ĐT", HCMC),
        Header("Mã định danh", CA_MAU),
        "Mã học sinh",
        "Mã HS",
        "Mã định danh học sinh",
        parse=Parse.PUPIL_ID,
        required=True,
    ),
    column(
        "full_name",
        "Họ và tên",
        Header("Họ tên học sinh", CA_MAU),
        "Họ tên",
        "Họ và tên học sinh",
        parse=Parse.NAME,
        required=True,
    ),
    column(
        "date_of_birth",
        "Ngày sinh",
        "Ngày tháng năm sinh",
        parse=Parse.DATE,
        required=True,
    ),
    column("sex", "Giới tính", parse=Parse.SEX, required=True),
    column(
        "class_name",
        "Lớp",
        Header("Lớp học", HCMC),
        "Tên lớp",
        "Tên lớp học",
        parse=Parse.CLASS_NAME,
        required=True,
    ),
    # The grade the class belongs to: new classes ("3A2") are created from it.
    column("grade", "Khối", Header("Khối học", HCMC), "Khối lớp", parse=Parse.GRADE),
    # "Đang học", "Đã chuyển đi", "Thôi học", "Đã tốt nghiệp"…
    column("status", "Trạng thái", Header("Trạng thái học sinh", CA_MAU)),
    column("left_on", "Ngày chuyển đi", "Ngày thôi học", "Ngày chuyển trường", parse=Parse.DATE),
    column("ethnicity", "Dân tộc"),
    column("nationality", "Quốc tịch"),
    column("place_of_birth", "Nơi sinh", Header("Nơi sinh chi tiết", HCMC)),
    column("hometown", "Quê quán", "Quê quán chi tiết"),
    column(
        "hometown_ward",
        "Phường Xã quê quán",
        Header("Phường Xã quê quán", HCMC),
        "Xã/Phường quê quán",
        "Phường/Xã quê quán",
    ),
    column(
        "hometown_province",
        "Tỉnh thành quê quán",
        Header("Tỉnh thành quê quán", HCMC),
        "Tỉnh/Thành phố quê quán",
        "Tỉnh/TP quê quán",
    ),
    column(
        "address",
        "Địa chỉ",
        "Nơi ở hiện nay",
        "Chỗ ở hiện nay",
        "Địa chỉ thường trú",
        "Địa chỉ hiện nay",
    ),
    column("address_street", "Thôn/Tổ dân phố", "Thôn/xóm/tổ dân phố", "Thôn, tổ", "Số nhà"),
    column("address_ward", "Xã/Phường", "Phường/Xã", "Xã, phường", "Phường xã"),
    column("address_province", "Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh thành phố"),
    column("father_name", "Họ tên cha", "Họ và tên cha", "Tên cha"),
    column("father_occupation", "Nghề nghiệp cha", "Nghề nghiệp của cha"),
    column("mother_name", "Họ tên mẹ", "Họ và tên mẹ", "Tên mẹ"),
    column("mother_occupation", "Nghề nghiệp mẹ", "Nghề nghiệp của mẹ"),
    column("guardian_name", "Họ tên người giám hộ", "Người giám hộ"),
    column("register_number", "Số đăng bộ", parse=Parse.CODE),
    column("entry_date", "Ngày nhập học", "Ngày vào trường", parse=Parse.DATE),
)

CLASS_COLUMNS: tuple[Column, ...] = (
    column(
        "name",
        "Tên lớp",
        Header("Tên lớp học", CLASS_EXPORT),
        "Lớp",
        "Lớp học",
        parse=Parse.CLASS_NAME,
        required=True,
    ),
    column(
        "grade",
        "Khối",
        Header("Khối học/Nhóm lớp", CLASS_EXPORT),
        "Khối học",
        "Khối lớp",
        parse=Parse.GRADE,
        required=True,
    ),
    column(
        "homeroom_teacher",
        "Giáo viên chủ nhiệm",
        Header("Giáo viên chủ nhiệm", CLASS_EXPORT),
        "GVCN",
        "Họ tên giáo viên chủ nhiệm",
        parse=Parse.NAME,
    ),
    column("class_code", "Mã lớp", parse=Parse.CODE),
    # Read so that they are not listed as unknown; the product does not store them.
    column("sessions", "Buổi học", Header("Buổi học", CLASS_EXPORT)),
    column(
        "sessions_per_week", "Số buổi học trên tuần", Header("Số buổi học trên tuần", CLASS_EXPORT)
    ),
    column("foreign_language", "Học ngoại ngữ 1", Header("Học ngoại ngữ 1", CLASS_EXPORT)),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    column(
        "staff_code",
        "Mã cán bộ",
        Header("Mã cán bộ", STAFF_EXPORT),
        "Mã CB",
        "Mã giáo viên",
        parse=Parse.CODE,
        required=True,
    ),
    column(
        "ministry_id",
        "Mã định danh Bộ GD&ĐT",
        Header("Mã định danh Bộ GD&ĐT", STAFF_EXPORT),
        "Mã định danh",
        parse=Parse.PERSON_ID,
    ),
    column("full_name", "Họ và tên", "Họ tên", parse=Parse.NAME, required=True),
    column("date_of_birth", "Ngày sinh", parse=Parse.DATE),
    column("sex", "Giới tính", parse=Parse.SEX),
    # "Đang làm việc", "Nghỉ hưu", "Chuyển công tác", "Thôi việc"…
    column("status", "Trạng thái", Header("Trạng thái", STAFF_EXPORT), "Trạng thái cán bộ"),
    # "Nhóm chức vụ" names the post ("Hiệu trưởng", "Giáo viên"); "Loại cán bộ" only
    # the kind ("Cán bộ quản lý", "Giáo viên"): the post wins when both are given.
    column("post_group", "Nhóm chức vụ", Header("Nhóm chức vụ", STAFF_EXPORT), "Chức vụ"),
    column(
        "position",
        "Loại cán bộ / Vị trí việc làm",
        Header("Loại cán bộ / Vị trí việc làm", STAFF_EXPORT),
        "Vị trí việc làm",
        "Loại cán bộ",
    ),
    column("contract", "Hình thức hợp đồng", Header("Hình thức hợp đồng", STAFF_EXPORT)),
    column(
        "qualification",
        "Trình độ chuyên môn nghiệp vụ",
        Header("Trình độ chuyên môn nghiệp vụ", STAFF_EXPORT),
        "Trình độ chuyên môn",
    ),
    column("subjects_taught", "Môn dạy", Header("Môn dạy", STAFF_EXPORT), "Môn giảng dạy"),
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


_PUPIL_SIGNS = {"ministry_id", "date_of_birth", "class_name"}
_PERSON_SIGNS = {"ministry_id", "full_name", "date_of_birth"}


def guess_kind(headers: list[object]) -> tuple[SheetKind | None, dict[str, int]]:
    """The kind this header row belongs to, with its column map.

    Checked in order: a staff list is the only one with a staff code; a pupil
    list has at least two of id, birth date and class, or a pupil's name beside
    the class; a class list has a class name and a grade and nothing that
    describes a pupil. A class list names its teacher only as "Giáo viên chủ
    nhiệm", never under a pupil's name header, so neither is taken for the other.
    """
    staff = match_headers(SheetKind.STAFF, headers)
    if "staff_code" in staff and "full_name" in staff:
        return SheetKind.STAFF, staff
    pupils = match_headers(SheetKind.PUPILS, headers)
    if len(_PUPIL_SIGNS & pupils.keys()) >= 2 or {"full_name", "class_name"} <= pupils.keys():
        return SheetKind.PUPILS, pupils
    classes = match_headers(SheetKind.CLASSES, headers)
    if {"name", "grade"} <= classes.keys() and not _PERSON_SIGNS & pupils.keys():
        return SheetKind.CLASSES, classes
    return None, {}
