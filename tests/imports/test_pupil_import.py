"""Pupil files as the sector database exports them import on the first try (R13):
classes not made yet, pupils without a ministry id, the status column, birth place
and home town, and every model rule checked in the preview, not in the apply."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from wagtail.search.backends import get_search_backend

from imports.services import ImportRefused, import_apply, import_preview, import_upload
from recordpages.models import ClassEnrollment, Pupil, SchoolClass
from tests.factories.pages import SchoolClassFactory, SchoolFactory, SchoolYearFactory
from tests.factories.people import PupilFactory
from tests.imports.layouts import CA_MAU_PUPILS, CLASS_LIST, HCMC_PUPILS, Layout, hcmc_pupil
from tests.imports.layouts import workbook_bytes as xlsx

pytestmark = pytest.mark.django_db

BORN = dt.date(2018, 4, 2)
# The HCMC layout with the leaving-date column some exports add.
WITH_LEFT_ON = Layout(HCMC_PUPILS.title, (*HCMC_PUPILS.header, "Ngày chuyển đi"), 8)


@pytest.fixture
def school():
    school = SchoolFactory(code="THHN", name="Trường Tiểu học Hòa Nghĩa")
    SchoolClassFactory(school=school, school_year=SchoolYearFactory(), name="1A")
    return school


def year():
    return SchoolYearFactory()


def preview(school, data: bytes):
    return import_preview(school=school, school_year=year(), data=data, filename="hs.xlsx")


def apply(school, data: bytes):
    plan, data_file = import_upload(
        user=None, school=school, school_year=year(), data=data, filename="hs.xlsx"
    )
    assert data_file is not None, [e.message for e in plan.errors]
    return import_apply(user=None, data_file=data_file)


def pupils(*rows: dict, layout: Layout = HCMC_PUPILS) -> bytes:
    return xlsx((layout, list(rows)))


def errors(plan) -> dict[int | None, str]:
    return {e.row: e.message for e in plan.errors}


# --- 1. classes the file names but the school has not made yet ---------------------


def test_classes_named_by_pupils_are_proposed_then_created_with_their_grade(school):
    data = pupils(
        hcmc_pupil("0312600101", "Lê Văn An", BORN, "Nam", 3, "3A2"),
        hcmc_pupil("0312600102", "Mai Thị Bình", BORN, "Nữ", 3, "3A2"),
        hcmc_pupil("0312600103", "Đỗ Minh Chí", BORN, "Nam", None, "2B", **{"Khối học": None}),
    )
    plan = preview(school, data)
    assert not plan.has_errors
    sheet = plan.sheets[0]
    assert [(c.name, c.grade) for c in sheet.new_classes] == [("2B", 2), ("3A2", 3)]
    assert len(sheet.added) == 3
    apply(school, data)
    made = {c.name: c.grade for c in SchoolClass.objects.filter(school=school)}
    assert made == {"1A": 1, "2B": 2, "3A2": 3}
    assert Pupil.objects.get(ministry_id="0312600103").classes.get().name == "2B"


def test_a_class_not_starting_with_its_grade_is_a_row_error(school):
    plan = preview(school, pupils(hcmc_pupil("0312600101", "Lê Văn An", BORN, "Nam", 4, "3A2")))
    assert "3A2" in errors(plan)[9] and "4" in errors(plan)[9]
    assert plan.sheets[0].new_classes == []


def test_a_class_list_in_the_same_file_wins_over_the_guess(school):
    data = xlsx(
        (CLASS_LIST, [{"Tên lớp học": "3A2", "Khối học/Nhóm lớp": "Khối 3"}]),
        (HCMC_PUPILS, [hcmc_pupil("0312600101", "Lê Văn An", BORN, "Nam", 3, "3A2")]),
    )
    plan = preview(school, data)
    assert not plan.has_errors
    classes, pupil_sheet = plan.sheets
    assert [r.key for r in classes.added] == ["3A2"]
    assert pupil_sheet.new_classes == []
    apply(school, data)
    assert SchoolClass.objects.filter(school=school, name="3A2").count() == 1


# --- 2. pupils without a ministry id ------------------------------------------------


def test_a_pupil_without_id_is_added_matched_again_and_later_given_the_id(school):
    row = hcmc_pupil(None, "Ngô Bảo Châu", BORN, "Nam", 1, "1A")
    plan = preview(school, pupils(row))
    assert not plan.has_errors
    added = plan.sheets[0].added[0]
    assert added.key == "chưa có mã" and added.note == "chưa có mã định danh"
    apply(school, pupils(row))
    again = apply(school, pupils(row))
    assert not again.has_writes and again.counts()["pupils"]["unchanged"] == 1
    shouted = preview(school, pupils({**row, "Họ và tên": "NGÔ BẢO CHÂU"})).sheets[0]
    assert (len(shouted.added), len(shouted.changed)) == (0, 1)
    with_id = {**row, "Mã định danh bộ GD&ĐT": "0312600199"}
    plan = preview(school, pupils(with_id))
    [changed] = plan.sheets[0].changed
    assert [(c.before, c.after) for c in changed.changes] == [("—", "0312600199")]
    apply(school, pupils(with_id))
    assert list(Pupil.objects.values_list("ministry_id", flat=True)) == ["0312600199"]


def test_two_rows_without_id_for_the_same_child_are_a_duplicate(school):
    row = hcmc_pupil(None, "Ngô Bảo Châu", BORN, "Nam", 1, "1A")
    plan = preview(school, pupils(row, row))
    assert "trùng với dòng 9" in errors(plan)[10]


# --- 3. the status column -----------------------------------------------------------


def test_leaving_statuses_end_this_years_enrolment(school):
    one_a = SchoolClass.objects.get(school=school, name="1A")
    moved = PupilFactory(school=school, ministry_id="0312600101", school_class=one_a)
    quit_ = PupilFactory(school=school, ministry_id="0312600102", school_class=one_a)
    gone = PupilFactory(school=school, ministry_id="0312600103", school_class=one_a)
    ClassEnrollment.objects.filter(pupil=gone).update(left_on=dt.date(2026, 9, 30))

    def row(pupil, status, **more):
        return hcmc_pupil(
            pupil.ministry_id, pupil.full_name, pupil.date_of_birth, "Nam", 1, "1A",
            **{"Trạng thái": status, **more},
        )  # fmt: skip

    data = pupils(
        row(moved, "Đã chuyển đi", **{"Ngày chuyển đi": dt.date(2026, 10, 15)}),
        row(quit_, "thôi học"),
        row(gone, "Chuyển trường"),
        hcmc_pupil("0312600104", "Vũ Hà", BORN, "Nữ", 1, "1A", **{"Trạng thái": "Bỏ học"}),
        layout=WITH_LEFT_ON,
    )
    plan = preview(school, data)
    assert not plan.has_errors
    sheet = plan.sheets[0]
    assert sorted(r.key for r in sheet.changed) == ["0312600101", "0312600102"]
    assert sheet.unchanged == ["0312600103"]
    assert [(p.row, "chưa có trong danh sách" in p.message) for p in sheet.ignored] == [(12, True)]
    apply(school, data)
    left = {
        e.pupil.ministry_id: (e.left_on, e.left_reason)
        for e in ClassEnrollment.objects.select_related("pupil")
    }
    assert left == {
        "0312600101": (dt.date(2026, 10, 15), "Đã chuyển đi"),
        "0312600102": (dt.date.today(), "thôi học"),
        "0312600103": (dt.date(2026, 9, 30), ""),
    }
    assert not Pupil.objects.filter(ministry_id="0312600104").exists()


def test_an_unknown_status_is_a_row_error_listing_the_known_ones(school):
    plan = preview(
        school,
        pupils(hcmc_pupil("0312600101", "Lê An", BORN, "Nam", 1, "1A", **{"Trạng thái": "Ốm"})),
    )
    assert "'Ốm'" in errors(plan)[9] and "Đã chuyển đi" in errors(plan)[9]


# --- 4. birth place and home town ----------------------------------------------------


def test_birth_place_and_composed_home_town_are_read_and_shown(school):
    row = hcmc_pupil(
        "0312600101", "Lê Văn An", BORN, "Nam", 1, "1A",
        **{
            "Nơi sinh chi tiết": "Bệnh viện Phụ sản Hải Phòng",
            "Phường Xã quê quán": "Xã Tiên Lãng",
            "Tỉnh thành quê quán": "Thành phố Hải Phòng",
        },
    )  # fmt: skip
    plan = preview(school, pupils(row))
    shown = {c.label: c.after for c in plan.sheets[0].added[0].changes}
    assert shown["Nơi sinh"] == "Bệnh viện Phụ sản Hải Phòng"
    assert shown["Quê quán"] == "Xã Tiên Lãng, Thành phố Hải Phòng"
    apply(school, pupils(row))
    assert Pupil.objects.get().hometown == "Xã Tiên Lãng, Thành phố Hải Phòng"
    ca_mau = {
        "Mã định danh": "0312600101", "Họ tên học sinh": "Lê Văn An", "Ngày sinh": BORN,
        "Giới tính": "Nam", "Lớp": "1A", "Quê quán": "Cà Mau",
    }  # fmt: skip
    [changed] = preview(school, pupils(ca_mau, layout=CA_MAU_PUPILS)).sheets[0].changed
    assert [(c.label, c.after) for c in changed.changes] == [("Quê quán", "Cà Mau")]


# --- 5. the model's own rules, in the preview ---------------------------------------


def test_a_value_too_long_for_its_field_is_a_row_error_naming_the_column(school):
    data = pupils(
        hcmc_pupil("0312600101", "Lê An", BORN, "Nam", 1, "1A", **{"Nơi sinh chi tiết": "x" * 201}),
        hcmc_pupil("0312600102", "Lê Bình", BORN, "Nam", 1, "1ABCDEFGHIJK"),
    )
    plan = preview(school, data)
    assert "Nơi sinh chi tiết" in errors(plan)[9] and "200" in errors(plan)[9]
    assert "Lớp học" in errors(plan)[10]


def test_what_fails_only_at_apply_time_is_refused_with_its_row(school):
    data = pupils(hcmc_pupil("0312600101", "Lê An", BORN, "Nam", 1, "1A"))
    _plan, data_file = import_upload(
        user=None, school=school, school_year=year(), data=data, filename="hs.xlsx"
    )
    PupilFactory(school=SchoolFactory(code="THKHAC"), ministry_id="0312600101")
    with pytest.raises(ImportRefused, match="Dòng 9"):
        import_apply(user=None, data_file=data_file)
    assert not SchoolClass.objects.get(name="1A").enrollments.exists()


def test_the_command_shows_progress_and_refuses_bad_rows_without_a_traceback(school, tmp_path):
    path = tmp_path / "hs.xlsx"
    path.write_bytes(pupils(hcmc_pupil("0312600101", "Lê An", BORN, "Nam", 1, "1A")))
    err = io.StringIO()
    args = (str(path), "--school", "THHN", "--year", year().name, "--apply")
    call_command("import_csdl", *args, stdout=io.StringIO(), stderr=err)
    assert "100%" in err.getvalue()
    path.write_bytes(
        pupils(hcmc_pupil("0312600102", "Lê An", BORN, "Nam", 1, "1A", **{"Dân tộc": "x" * 51}))
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="lỗi"):
        call_command("import_csdl", *args, stdout=out, stderr=io.StringIO())
    assert "dòng 9" in out.getvalue() and "Dân tộc" in out.getvalue()


def test_imported_and_renamed_pupils_are_found_by_search(school):
    row = hcmc_pupil("0312600101", "Lê Văn Khải", BORN, "Nam", 1, "1A")
    apply(school, pupils(row))
    assert [p.ministry_id for p in get_search_backend().search("Khải", Pupil)] == ["0312600101"]
    apply(school, pupils({**row, "Họ và tên": "Lê Văn Khang"}))
    assert [p.ministry_id for p in get_search_backend().search("Khang", Pupil)] == ["0312600101"]


def test_two_rows_about_one_stored_pupil_are_refused_in_the_preview(school):
    one_a = SchoolClass.objects.get(school=school, name="1A")
    known = PupilFactory(school=school, ministry_id=None, full_name="Hồ Anh", school_class=one_a)
    plan = preview(
        school,
        pupils(
            hcmc_pupil(None, "Hồ Anh", known.date_of_birth, "Nam", 1, "1A"),
            hcmc_pupil("0312600109", "Hồ Anh", known.date_of_birth, "Nam", 1, "1A"),
        ),
    )
    assert "dòng 9" in errors(plan)[10]
