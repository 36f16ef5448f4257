"""The sổ đăng bộ's data file, archived beside its signed PDF (R8: "both the print and
the exported data file archived"; issue 16).

One CSV row per pupil with every column the register prints, the study history as
groups of columns (school year, class, result, promotion), one group per year, oldest
first. UTF-8 with a BOM so Excel reads Vietnamese, standard commas, dd/mm/yyyy dates;
the same writer as the year package's exports (archive.package_exports.write_csv).

Stored once per archived version under the PDF's key with ".du-lieu.csv" for ".pdf"
(schools/…/v1.pdf → schools/…/v1.du-lieu.csv), never overwritten; its SHA-256 is on the
ArchivedVersion row, and archive_verify and the year package check it as they check a
handed-in record's original (archive.originals).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext as _

from archive import storage
from archive.forms.register import RegisterLine, register_lines
from archive.package_exports import write_csv
from archive.package_meta import beside_entry
from recordpages.models import EnrollmentRegisterPage

logger = logging.getLogger(__name__)

SUFFIX = ".du-lieu.csv"
CONTENT_TYPE = "text/csv; charset=utf-8"
MIN_YEARS = 5  # a cohort's five school years; a pupil kept back has more


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def header(years: int) -> list[str]:
    fixed = [
        _("Số đăng bộ"), _("Mã định danh"), _("Họ và tên"), _("Ngày sinh"), _("Giới tính"),
        _("Dân tộc"), _("Nơi sinh"), _("Nơi ở"), _("Họ tên cha"), _("Nghề nghiệp của cha"),
        _("Họ tên mẹ"), _("Nghề nghiệp của mẹ"), _("Ngày vào trường"), _("Vào lớp"),
        _("Ngày rời trường"), _("Lí do rời trường"), _("Hoàn thành chương trình tiểu học"),
        _("Ghi chú"), _("Có ảnh"),
    ]  # fmt: skip
    history = []
    for n in range(1, years + 1):
        history += [
            _("Năm thứ %(n)s – năm học") % {"n": n},
            _("Năm thứ %(n)s – lớp") % {"n": n},
            _("Năm thứ %(n)s – kết quả") % {"n": n},
            _("Năm thứ %(n)s – lên lớp") % {"n": n},
        ]
    return fixed + history


def row(line: RegisterLine, years: int) -> list[str]:
    entry, pupil = line.entry, line.pupil
    cells = [
        entry.register_number, pupil.ministry_id or "", pupil.full_name,
        _date(pupil.date_of_birth), pupil.get_sex_display(), pupil.ethnicity,
        pupil.place_of_birth, pupil.address, pupil.father_name, pupil.father_occupation,
        pupil.mother_name, pupil.mother_occupation, _date(entry.entry_date), entry.entry_class,
        _date(line.left_on), line.left_reason, _date(line.completed_on), entry.notes,
        _("có") if pupil.photo_id else _("không"),
    ]  # fmt: skip
    for year in line.history:
        cells += [year.school_year, year.class_name, year.result_label, year.promotion_label]
    return cells + [""] * 4 * (years - len(line.history))


def table(lines: list[RegisterLine]) -> tuple[list[str], list[list[str]]]:
    years = max([MIN_YEARS, *(len(line.history) for line in lines)])
    return header(years), [row(line, years) for line in lines]


def year_rows(school, year) -> tuple[list[str], list[list[str]]]:
    """Every register of the school and year, cohort by cohort, for the year package's
    exports: the same columns as each register's data file, and its cohort (Khóa)."""
    lines, cohorts = [], []
    registers = EnrollmentRegisterPage.objects.filter(school=school, school_year=year)
    for page in registers.order_by("cohort", "pk"):
        page_lines = register_lines(page, photos=False)
        lines += page_lines
        cohorts += [page.cohort] * len(page_lines)
    head, rows = table(lines)
    return [*head, _("Khóa")], [[*r, cohort] for r, cohort in zip(rows, cohorts, strict=True)]


def register_csv(page: EnrollmentRegisterPage) -> bytes:
    head, rows = table(register_lines(page, photos=False))
    return write_csv(head, rows)


def data_key(pdf_key: str) -> str:
    return f"{pdf_key.removesuffix('.pdf')}{SUFFIX}"


def file_name(page: EnrollmentRegisterPage) -> str:
    return f"so-dang-bo-khoa-{page.cohort}{SUFFIX}"


def store_beside(pdf_key: str, frozen) -> dict[str, object]:
    """Store the frozen register's data file beside its PDF; the ArchivedVersion fields
    that say where it is. {} for any other record."""
    if not isinstance(frozen, EnrollmentRegisterPage):
        return {}
    data = register_csv(frozen)
    key = data_key(pdf_key)
    store = storage.get_store()
    try:
        store.put(key, data, content_type=CONTENT_TYPE)
    except storage.ObjectExists:
        # An earlier attempt of this freeze stored it: that file is the archived one
        # (the register's pupils may have changed since; the store is never rewritten).
        data = store.get(key)
        logger.warning("Adopting register data file %s stored by an earlier attempt", key)
    return {
        "data_file_key": key,
        "data_file_name": file_name(frozen)[:255],
        "data_file_sha256": storage.sha256(data),
        "data_file_size": len(data),
    }


# --- in the year package ----------------------------------------------------------


def package_path(pdf_path: str) -> str:
    """Beside the PDF in the year package: "… – phiên bản 1.pdf" → "… – phiên bản
    1.du-lieu.csv" (the PDF's name is already unique and safe)."""
    return data_key(pdf_path)


def manifest_entry(row, pdf_path: str, files: dict[str, bytes]) -> dict[str, object]:
    """What manifest.json says of a register's data file."""
    return beside_entry(
        path=package_path(pdf_path),
        name=row.data_file_name,
        files=files,
        indexed_sha256=row.data_file_sha256,
        key=row.data_file_key,
        fmt=CONTENT_TYPE,
    )
