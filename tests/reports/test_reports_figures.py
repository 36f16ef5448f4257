"""Report figures against hand-computed values, on RecordState rows built directly."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from wagtail.models import Page

from recordpages.models import (
    ClassEnrollment,
    ProfessionalGroup,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffProfile,
)
from reports.exports import report_xlsx
from reports.selectors import ReportScope, completeness, weeks_due
from reports.tables import build_report
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HCM)


@pytest.fixture
def year():
    return SchoolYear.objects.create(name="2026-2027", **SchoolYear.defaults_for(2026))


def make_school(code: str, name: str) -> School:
    return School.objects.create(code=code, name=name, place_name="Dương Kinh")


def record(school, year, record_type, deadline, *, approved=None, signed=None, state="draft"):
    root = Page.get_first_root_node()
    page = root.add_child(
        instance=Page(title=f"{record_type} {deadline}", slug=f"r-{Page.objects.count()}")
    )
    return RecordState.objects.create(
        page=page,
        record_type=record_type,
        school=school,
        school_year=year,
        state=state,
        deadline=deadline,
        approved_at=approved,
        signed_at=signed,
    )


@pytest.fixture
def district(year):
    hn = make_school("THHN", "Trường Tiểu học Hòa Nghĩa")
    ad = make_school("THAD", "Trường Tiểu học Anh Dũng")
    d = dt.date
    record(
        hn, year, "school_plan", d(2026, 9, 4), approved=local(2026, 9, 3, 10), state="published"
    )
    # 23:30 local on the deadline day is on time although it is already 16:30 UTC…
    record(
        hn, year, "group_plan", d(2026, 9, 4), approved=local(2026, 9, 4, 23, 30), state="approved"
    )
    # …and 00:30 local the next day is late although UTC still says 4 September.
    record(
        hn, year, "group_plan", d(2026, 9, 4), approved=local(2026, 9, 5, 0, 30), state="approved"
    )
    record(hn, year, "lesson_plan", d(2026, 11, 19))  # week of 23/11, never approved: missing
    record(hn, year, "lesson_plan", d(2026, 11, 26))  # week of 30/11: not yet due
    # A học bạ counts when signed, not when approved: still pending in November.
    record(
        hn, year, "student_record", d(2027, 5, 30), approved=local(2026, 11, 1, 9), state="approved"
    )
    record(hn, year, "other", d(2026, 10, 15), approved=local(2026, 10, 20, 8), state="approved")
    record(ad, year, "school_plan", d(2026, 9, 4), state="submitted")  # missing
    return hn, ad


def test_deadline_counts_and_percentages_match_hand_computed_values(district, year):
    hn, ad = district
    report = build_report(ReportScope("district", School.objects.order_by("name")), year, TODAY)
    rows = {row.label: row for row in report.rows}
    hoa_nghia = rows["Trường Tiểu học Hòa Nghĩa"]
    assert hoa_nghia.by_type["school_plan"].counts == {
        "on_time": 1,
        "late": 0,
        "missing": 0,
        "pending": 0,
    }
    assert hoa_nghia.by_type["group_plan"].counts == {
        "on_time": 1,
        "late": 1,
        "missing": 0,
        "pending": 0,
    }
    assert hoa_nghia.by_type["lesson_plan"].counts == {
        "on_time": 0,
        "late": 0,
        "missing": 1,
        "pending": 1,
    }
    assert hoa_nghia.by_type["student_record"].counts["pending"] == 1
    assert hoa_nghia.by_type["other"].counts["late"] == 1
    totals = hoa_nghia.totals
    assert totals.counts == {"on_time": 2, "late": 2, "missing": 1, "pending": 2}
    assert totals.total == 7 and totals.due == 5
    assert totals.on_time_rate == 40.0  # 2 of the 5 already due
    assert totals.percent("on_time") == 28.6  # 2 of all 7
    assert totals.percent("pending") == 28.6
    assert totals.percent("missing") == 14.3
    anh_dung = rows["Trường Tiểu học Anh Dũng"].totals
    assert anh_dung.counts == {"on_time": 0, "late": 0, "missing": 1, "pending": 0}
    assert anh_dung.on_time_rate == 0.0


def test_completeness_counts_what_is_owed(district, year):
    hn, ad = district
    User = get_user_model()
    teachers = [
        StaffProfile.objects.create(
            user=User.objects.create(username=f"gv{i}"), school=hn, full_name=f"Giáo Viên {i}"
        )
        for i in range(3)
    ]
    group = ProfessionalGroup.objects.create(
        school=hn, school_year=year, name="Tổ 1", leader=teachers[0]
    )
    group.members.set(teachers[1:])
    group.save()  # a ParentalManyToManyField is written on save
    school_class = SchoolClass.objects.create(
        school=hn, school_year=year, name="1A", grade=1, group=group
    )
    for n in range(3):
        pupil = Pupil.objects.create(
            school=hn,
            ministry_id=f"03126001{n:02d}",
            full_name=f"Học Sinh {n}",
            date_of_birth=dt.date(2020, 1, 1),
            sex="nam",
        )
        ClassEnrollment.objects.create(
            school_class=school_class,
            pupil=pupil,
            number=n + 1,
            left_on=dt.date(2026, 10, 1) if n == 2 else None,
        )
    figures = completeness(school_ids=[hn.pk, ad.pk], school_year=year, today=TODAY)[hn.pk]
    assert (figures["school_plan"].expected, figures["school_plan"].present) == (1, 1)
    assert figures["group_plan"].expected == 2  # one group × Tiếng Việt, Toán
    assert figures["student_record"].expected == 2  # the pupil who left is not owed a học bạ here
    assert figures["class_summary"].expected == 1  # 1 class × giữa kì (due 15/11); HK I not yet
    # School year starts Sat 05/09/2026 → first Monday 31/08; weeks due by 25/11 run to 23/11: 13.
    assert len(weeks_due(year, TODAY)) == 13
    assert figures["lesson_plan"].expected == 3 * 13
    assert figures["lesson_plan"].percent == 0.0
    other = completeness(school_ids=[hn.pk, ad.pk], school_year=year, today=TODAY)[ad.pk]
    assert (other["school_plan"].expected, other["school_plan"].present) == (1, 1)


def test_query_count_does_not_grow_with_the_number_of_schools(district, year):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_report(ReportScope("district", School.objects.order_by("name")), year, TODAY)
        return len(captured)

    two_schools = count_queries()
    for n in range(8):
        school = make_school(f"TH{n:02d}", f"Trường Tiểu học Số {n}")
        record(school, year, "school_plan", dt.date(2026, 9, 4), approved=local(2026, 9, 1, 8))
        SchoolClass.objects.create(school=school, school_year=year, name="1A", grade=1)
    assert count_queries() == two_schools


def test_xlsx_export_keeps_vietnamese_text_with_frozen_header(district, year):
    report = build_report(ReportScope("district", School.objects.order_by("name")), year, TODAY)
    workbook = load_workbook(io.BytesIO(report_xlsx(report)))
    sheet = workbook["Hạn nộp"]
    assert sheet.freeze_panes == "B3"
    names = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert "Trường Tiểu học Hòa Nghĩa" in names and "Trường Tiểu học Anh Dũng" in names
    header = [c.value for c in sheet[2]]
    assert "Kế hoạch giáo dục nhà trường – Đúng hạn" in header
    row = names.index("Trường Tiểu học Hòa Nghĩa") + 3
    assert sheet.cell(row=row, column=len(header)).value == 40.0
    assert sheet.column_dimensions["A"].width >= len("Trường Tiểu học Hòa Nghĩa")
    assert workbook["Đầy đủ"].cell(row=2, column=2).value.startswith("Kế hoạch giáo dục nhà trường")
