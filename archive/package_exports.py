"""The year package's data exports: sổ đăng bộ (its rows: archive.register_data) and
class results as XLSX and CSV, written from the data with the year's own date (never
the clock), so a rebuild gives the same bytes (archive.package)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from django.utils.translation import gettext as _
from openpyxl import Workbook

from recordpages.xlsx import csv_safe, safe_row


def deterministic_zip(files: dict[str, bytes], when: tuple) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def write_xlsx(header: list[str], rows: list[list], when: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    # Pupils' and parents' names are typed by users: none may become a live formula.
    sheet.append(safe_row(sheet, header))
    for row in rows:
        sheet.append(safe_row(sheet, ["" if v is None else v for v in row]))
    stamp = dt.datetime(*when)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    workbook.save(raw)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source:
        members = {name: source.read(name) for name in source.namelist()}
    # openpyxl stamps "modified" with the clock on save: pin it to the data's date.
    core = members.get("docProps/core.xml", b"").decode()
    members["docProps/core.xml"] = re.sub(
        r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rf"\g<1>{stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}\g<2>",
        core,
    ).encode()
    return deterministic_zip(members, when)


def write_csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(v) for v in header])
    writer.writerows([[csv_safe("" if v is None else v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def class_result_rows(school, year) -> tuple[list[str], list[list]]:
    from recordpages import programme
    from recordpages.models import StudentRecordPage

    subjects = [s for s in programme.SUBJECTS]
    competences = programme.COMPETENCE_CHOICES
    header = [
        _("Lớp"), _("Mã định danh"), _("Họ và tên"),
        *[_("%(subject)s – mức") % {"subject": s.name} for s in subjects],
        *[_("%(subject)s – điểm") % {"subject": s.name} for s in subjects],
        *[name for _code, name in competences],
        _("Kết quả giáo dục"), _("Khen thưởng"), _("Lên lớp"),
    ]  # fmt: skip
    rows = []
    records = (
        StudentRecordPage.objects.filter(school=school, school_year=year)
        .select_related("pupil", "school_class")
        .prefetch_related("subject_results", "competence_results")
        .order_by("school_class__name", "pupil__full_name", "pk")
    )
    for record in records:
        by_subject = {r.subject: r for r in record.subject_results.all()}
        by_comp = {r.competence: r for r in record.competence_results.all()}
        rows.append(
            [
                record.school_class.name,
                record.pupil.ministry_id or "",
                record.pupil.full_name,
                *[by_subject[s.code].level if s.code in by_subject else "" for s in subjects],
                *[by_subject[s.code].score_year if s.code in by_subject else "" for s in subjects],
                *[by_comp[c].level if c in by_comp else "" for c, _name in competences],
                record.get_year_end_result_display(),
                record.commendation,
                record.get_promotion_display(),
            ]  # fmt: skip
        )
    return header, rows
