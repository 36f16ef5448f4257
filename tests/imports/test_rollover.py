"""Chuyển năm học (Đ9.4) on the demo school: classes one grade up, grade 1 opened again,
pupils moved by their year-end decision, pages under the new year, idempotent."""

from __future__ import annotations

import datetime as dt
import io
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.rollover import MoveKind, RolloverRefused, rollover_preview
from imports.rollover_apply import rollover_apply
from recordpages.demo.loader import Options, load_demo_district
from recordpages.models import (
    ClassEnrollment,
    ClassPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Promotion,
    Pupil,
    RoleCode,
    School,
    SchoolClass,
    SchoolPage,
    SchoolYear,
    SchoolYearPage,
    StudentRecordPage,
)
from recordpages.names import name_order_key
from tests.conftest import kept_for_module
from tests.factories import PupilFactory, StaffFactory
from workflow.choices import State
from workflow.deadlines import deadline_for
from workflow.models import AuditEntry, RecordState

OPTIONS = Options(
    today=dt.date(2026, 5, 31),
    schools=1,
    grades=(1, 4, 5),
    classes_per_grade=(2, 2),
    min_pupils=3,
    max_pupils=3,
    lesson_weeks=1,
    bulk_index=False,
)
NEW = "2026-2027"


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo school, loaded once for the module (about 1 s)."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            load_demo_district(OPTIONS)
        yield


@pytest.fixture
def demo(_demo, db):
    return SimpleNamespace(
        school=School.objects.get(code="THHN"), year=SchoolYear.objects.get(name="2025-2026")
    )


def pupils_of(class_name: str) -> list[Pupil]:
    return list(
        Pupil.objects.filter(
            enrollments__school_class__name=class_name,
            enrollments__school_class__school_year__name="2025-2026",
        ).order_by("enrollments__number")
    )


def decide(pupil: Pupil, promotion: str, *, approved: bool = True) -> None:
    """The year-end decision on the pupil's học bạ, approved (the state written directly)."""
    record = StudentRecordPage.objects.get(pupil=pupil)
    StudentRecordPage.objects.filter(pk=record.pk).update(promotion=promotion)
    if approved:
        RecordState.objects.filter(page_id=record.pk).update(state=State.APPROVED)


def by_hand(pupil: Pupil, **fields) -> None:
    ClassEnrollment.objects.filter(pupil=pupil, school_class__school_year__name="2025-2026").update(
        **fields
    )


def new_class_of(pupil: Pupil) -> SchoolClass | None:
    enrollment = ClassEnrollment.objects.filter(
        pupil=pupil, school_class__school_year__name=NEW
    ).first()
    return enrollment.school_class if enrollment else None


def decide_demo_year() -> dict[str, list[Pupil]]:
    """Every case of the year's end, on the demo's six classes of three pupils."""
    p = {name: pupils_of(name) for name in ("1A", "1B", "4A", "4B", "5A", "5B")}
    for pupil in p["1A"]:
        decide(pupil, Promotion.PROMOTED)
    decide(p["1B"][0], Promotion.REPEAT)
    by_hand(p["1B"][1], promoted=True)  # học bạ not approved: the class's tick decides
    decide(p["4A"][0], Promotion.COMPLETED_GRADE)
    decide(p["4A"][1], Promotion.REPEAT)
    decide(p["4A"][2], Promotion.PROMOTED, approved=False)  # not approved: no decision
    decide(p["4B"][0], Promotion.PROMOTED)
    by_hand(p["4B"][0], left_on=dt.date(2026, 3, 2), left_reason="Chuyển trường")
    by_hand(p["4B"][1], promoted=False)
    decide(p["4B"][2], Promotion.PROMOTED)
    for pupil in p["5A"]:
        decide(pupil, Promotion.COMPLETED_PRIMARY)
    decide(p["5B"][0], Promotion.REPEAT)
    by_hand(p["5B"][1], promoted=True)
    return p


def table_counts() -> dict[str, int]:
    models = (
        SchoolYear,
        SchoolYearPage,
        ProfessionalGroup,
        ProfessionalGroup.members.through,
        ProfessionalGroupPage,
        SchoolClass,
        ClassPage,
        ClassEnrollment,
        AuditEntry,
    )
    counts = {m.__name__: m.objects.count() for m in models}
    counts["promoted"] = ClassEnrollment.objects.filter(promoted=True).count()
    return counts


def test_pupils_move_by_their_year_end_decision(demo):
    p = decide_demo_year()
    plan = rollover_apply(None, demo.school, demo.year)
    assert plan.has_writes

    for pupil in p["1A"]:
        assert new_class_of(pupil).name == "2A"
    assert new_class_of(p["1B"][1]).name == "2B"
    assert new_class_of(p["4A"][0]).name == "5A"
    assert new_class_of(p["4B"][2]).name == "5B"
    # Kept back: the class of the same name, else the first class of the grade.
    assert new_class_of(p["1B"][0]).name == "1B"
    assert new_class_of(p["5B"][0]).name == "5B"
    assert new_class_of(p["4A"][1]).name == "4A"  # no grade 3 this year: "4A" opened
    assert new_class_of(p["4B"][1]).name == "4A"
    # Completing primary: leaves, and this year's enrolment says so.
    for pupil in p["5A"] + [p["5B"][1]]:
        assert new_class_of(pupil) is None
        assert ClassEnrollment.objects.get(pupil=pupil).promoted is True
    # Left during the year, or no decision yet: not moved; the undecided are listed.
    undecided = [p["1B"][2], p["4A"][2], p["5B"][2]]
    for pupil in [p["4B"][0], *undecided]:
        assert new_class_of(pupil) is None
    listed = {m.pupil_id for m in plan.moves if m.kind == MoveKind.UNDECIDED}
    assert listed == {pupil.pk for pupil in undecided}
    assert [m.kind for m in plan.moves if m.pupil_id == p["4B"][0].pk] == [MoveKind.LEFT]


def test_pages_groups_and_classes_exist_under_the_new_year(demo):
    get_user_model().objects.filter(username="hn.gv5b").update(is_active=False)
    rollover_apply(None, demo.school, demo.year)

    year = SchoolYear.objects.get(name=NEW)
    assert (year.start_date, year.end_date) == (dt.date(2026, 9, 5), dt.date(2027, 5, 31))
    year_page = SchoolYearPage.objects.child_of(SchoolPage.objects.get(school=demo.school)).get(
        school_year=year
    )
    assert year_page.live and year_page.school_id == demo.school.pk
    groups = {g.name: g for g in ProfessionalGroup.objects.filter(school_year=year)}
    assert set(groups) == {"Tổ 1", "Tổ 4", "Tổ 5"}
    old_five = ProfessionalGroup.objects.get(school_year=demo.year, name="Tổ 5")
    assert groups["Tổ 5"].leader_id == old_five.leader_id
    assert {m.user.username for m in groups["Tổ 5"].members.all()} == {
        m.user.username for m in old_five.members.all()
    } - {"hn.gv5b"}
    pages = ProfessionalGroupPage.objects.child_of(year_page)
    assert {page.group_id for page in pages} == {g.pk for g in groups.values()}

    classes = {c.name: c for c in SchoolClass.objects.filter(school_year=year)}
    assert set(classes) == {"1A", "1B", "2A", "2B", "5A", "5B"}  # nobody kept back in grade 4
    assert {c.grade for c in classes.values()} == {1, 2, 5}
    # Teacher and group stay with the grade: this year's 5A teacher takes the new 5A.
    assert classes["5A"].homeroom_teacher.user.username == "hn.totruong5"
    assert classes["5A"].group == groups["Tổ 5"]
    assert classes["5B"].homeroom_teacher is None  # hn.gv5b is inactive
    assert classes["1B"].homeroom_teacher.user.username == "hn.giaovien"
    assert classes["2A"].homeroom_teacher is None and classes["2A"].group is None
    assert not ClassEnrollment.objects.filter(school_class=classes["1A"]).exists()
    class_pages = ClassPage.objects.child_of(year_page)
    assert {page.school_class_id for page in class_pages} == {c.pk for c in classes.values()}
    assert all(page.live for page in class_pages)


def test_applying_twice_changes_nothing_and_later_decisions_are_added(demo):
    p = decide_demo_year()
    first = rollover_apply(None, demo.school, demo.year)
    after_first = table_counts()
    second = rollover_apply(None, demo.school, demo.year)
    assert not second.has_writes
    assert table_counts() == after_first
    assert AuditEntry.objects.filter(action="year.rolled_over").count() == 1
    entry = AuditEntry.objects.get(action="year.rolled_over")
    assert entry.detail["written"]["enrollments"] == first.written["enrollments"] == 10

    decide(p["4A"][2], Promotion.PROMOTED)  # the decision made later
    third = rollover_apply(None, demo.school, demo.year)
    assert dict(+third.written) == {"enrollments": 1}
    five_a = ClassEnrollment.objects.filter(
        school_class__name="5A", school_class__school_year__name=NEW
    ).order_by("number")
    assert [e.pupil for e in five_a][-1] == p["4A"][2]  # appended after those already there


def test_numbers_follow_vietnamese_name_order(demo):
    four_a = SchoolClass.objects.get(school_year=demo.year, name="4A")
    PupilFactory.create_batch(4, school=demo.school, school_class=four_a)
    ClassEnrollment.objects.update(promoted=True)
    rollover_apply(None, demo.school, demo.year)
    for name in ("2A", "2B", "5A", "5B"):
        rows = ClassEnrollment.objects.filter(
            school_class__name=name, school_class__school_year__name=NEW
        ).order_by("number")
        names = [row.pupil.full_name for row in rows]
        assert [row.number for row in rows] == list(range(1, len(rows) + 1))
        assert names == sorted(names, key=name_order_key), name


def test_the_preview_writes_nothing_and_shows_the_registry_deadlines(demo):
    decide_demo_year()
    before = table_counts()
    plan = rollover_preview(demo.school, demo.year)
    assert table_counts() == before
    new_year = SimpleNamespace(first_year=2026)
    expected = {
        code: deadline_for(code, school_year=new_year)
        for code in ("school_plan", "group_plan", "student_record", "enrollment_register")
    }
    shown = dict(plan.deadlines)
    assert shown["Kế hoạch giáo dục nhà trường"] == expected["school_plan"] == dt.date(2026, 9, 4)
    assert shown["Học bạ"] == expected["student_record"] == dt.date(2027, 5, 30)
    assert shown["Sổ đăng bộ"] == expected["enrollment_register"]
    assert [c.name for c in plan.classes if not c.exists] == [
        "1A",
        "1B",
        "2A",
        "2B",
        "4A",
        "5A",
        "5B",
    ]
    assert dict(plan.counts) == {
        "Lên lớp": 6,
        "Ở lại lớp": 4,
        "Hoàn thành chương trình tiểu học": 4,
        "Chưa có quyết định cuối năm": 3,
        "Đã rời trường": 1,
    }


def _counted_apply(demo) -> tuple[int, int]:
    """Queries of one apply, rolled back, and the pupils it placed."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        plan = rollover_apply(None, demo.school, demo.year)
        transaction.set_rollback(True)
    return len(queries), plan.written["enrollments"]


def test_queries_do_not_grow_with_the_number_of_pupils(demo):
    decide_demo_year()
    _counted_apply(demo)  # warm the caches (content types, sites)
    start = time.monotonic()
    few, placed_few = _counted_apply(demo)
    seconds = time.monotonic() - start
    added = []
    for school_class in SchoolClass.objects.filter(school_year=demo.year):
        added += PupilFactory.create_batch(6, school=demo.school, school_class=school_class)
    ClassEnrollment.objects.filter(pupil__in=added).update(promoted=True)
    many, placed_many = _counted_apply(demo)
    assert (placed_few, placed_many) == (10, 34)
    assert many == few
    print(f"rollover of the demo school: {few} queries, {seconds:.2f} s")


def test_a_school_without_its_page_is_refused_in_words(demo):
    school = School.objects.create(code="THXX", name="Trường Tiểu học Thử", place_name="Hải Phòng")
    with pytest.raises(RolloverRefused, match="chưa có trang trường"):
        rollover_apply(None, school, demo.year)
    teacher = get_user_model().objects.get(username="hn.giaovien")
    with pytest.raises(RolloverRefused, match="Chỉ hiệu trưởng"):
        rollover_apply(teacher, demo.school, demo.year)
    assert not SchoolYear.objects.filter(name=NEW).exists()


# --- the admin screens and the command -------------------------------------------------


def login(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))


def test_the_principal_previews_then_applies(demo, client):
    decide_demo_year()
    login(client, "hn.hieutruong")
    response = client.get(reverse("imports_admin:rollover"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2025-2026 → năm học 2026-2027" in body
    assert "30/05/2027" in body and "04/09/2026" in body
    assert "4A → 5A" in body and "Chưa có quyết định cuối năm" in body
    assert not SchoolYear.objects.filter(name=NEW).exists()
    response = client.post(
        reverse("imports_admin:rollover_apply"),
        {"school": demo.school.pk, "nam_hoc": "2025-2026"},
    )
    assert response.status_code == 302
    assert ClassEnrollment.objects.filter(school_class__school_year__name=NEW).count() == 10
    page = client.get(response["Location"])
    assert "Đã chuyển năm học 2025-2026 sang 2026-2027" in page.content.decode()
    client.post(
        reverse("imports_admin:rollover_apply"),
        {"school": demo.school.pk, "nam_hoc": "2025-2026"},
    )
    assert "Không có gì thay đổi" in client.get(response["Location"]).content.decode()


def test_a_teacher_may_not_open_or_apply(demo, client):
    login(client, "hn.giaovien")
    response = client.get(reverse("imports_admin:rollover"))
    # Wagtail turns the view's PermissionDenied into a redirect to the dashboard.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    response = client.post(
        reverse("imports_admin:rollover_apply"), {"school": demo.school.pk, "nam_hoc": "2025-2026"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not SchoolYear.objects.filter(name=NEW).exists()


def test_another_schools_principal_cannot_roll_this_school(demo, client):
    other = StaffFactory(roles=[RoleCode.PRINCIPAL])
    client.force_login(other.user)
    asked = {"school": demo.school.pk, "nam_hoc": "2025-2026"}
    assert client.get(reverse("imports_admin:rollover"), asked).status_code == 404
    assert client.post(reverse("imports_admin:rollover_apply"), asked).status_code == 404
    assert not SchoolClass.objects.filter(school=demo.school, school_year__name=NEW).exists()


def test_the_command_previews_applies_and_refuses_in_words(demo):
    decide_demo_year()
    out = io.StringIO()
    call_command("rollover_year", "--school", "thhn", "--from", "2025-2026", stdout=out)
    assert "4A → 5A" in out.getvalue() and "Chỉ xem trước" in out.getvalue()
    assert not SchoolYear.objects.filter(name=NEW).exists()
    out = io.StringIO()
    call_command("rollover_year", "--school", "THHN", "--from", "2025-2026", "--apply", stdout=out)
    assert "… Lớp học: 7" in out.getvalue()
    assert "học sinh được xếp lớp 10" in out.getvalue()
    with pytest.raises(CommandError, match="Không có trường mã THZZ"):
        call_command("rollover_year", "--school", "THZZ", "--from", "2025-2026")
    with pytest.raises(CommandError, match="chưa có lớp nào"):
        call_command("rollover_year", "--school", "THHN", "--from", "2024-2025", stdout=out)


def test_the_next_csdl_import_reconciles_what_changed_over_the_summer(demo):
    """After the rollover, the new year's export from the sector database moves a pupil
    the school placed in another class, ends the enrolment of one who moved away, adds
    a new grade-1 pupil without a ministry id, and changes nothing else; twice is a no-op."""
    from imports.services import import_apply, import_upload
    from tests.imports.layouts import HCMC_PUPILS, hcmc_pupil, workbook_bytes

    p = decide_demo_year()
    rollover_apply(None, demo.school, demo.year)
    new_year = SchoolYear.objects.get(name=NEW)
    moved, left, stays = p["1A"]

    def row(pupil, class_name, **more):
        return hcmc_pupil(
            pupil.ministry_id, pupil.full_name, pupil.date_of_birth, pupil.get_sex_display(),
            int(class_name[0]), class_name, **more,
        )  # fmt: skip

    rows = [
        row(moved, "2B"),
        row(left, "2A", **{"Trạng thái": "Đã chuyển đi"}),
        row(stays, "2A"),
        hcmc_pupil(None, "Trần Bảo Ngọc", dt.date(2020, 2, 14), "Nữ", 1, "1A"),
    ]
    data = workbook_bytes((HCMC_PUPILS, rows), year=NEW)

    def apply_file():
        plan, data_file = import_upload(
            user=None, school=demo.school, school_year=new_year, data=data, filename="hs.xlsx"
        )
        assert data_file is not None, [e.message for e in plan.errors]
        return import_apply(user=None, data_file=data_file)

    first = apply_file()
    assert new_class_of(moved).name == "2B"
    ended = ClassEnrollment.objects.get(pupil=left, school_class__school_year=new_year)
    assert ended.left_on is not None and ended.left_reason == "Đã chuyển đi"
    assert new_class_of(stays).name == "2A"
    newcomer = Pupil.objects.get(full_name="Trần Bảo Ngọc")
    assert newcomer.ministry_id is None and new_class_of(newcomer).name == "1A"
    assert first.counts()["pupils"] == {"added": 1, "changed": 2, "unchanged": 1, "errors": 0}

    before = table_counts()
    second = apply_file()
    assert not second.has_writes
    assert table_counts() == before
