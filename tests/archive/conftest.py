"""A small school built with the models directly: one record of every type, taken
by its school's people through the workflow's services to approval or signing
(a pinned revision and version 1), frozen-ready."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page

from recordpages import programme
from recordpages.models import (
    AuthorityPage,
    ClassEnrollment,
    ClassPage,
    ClassResultSummaryPage,
    CompetenceResult,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Pupil,
    RegisterEntry,
    Role,
    School,
    SchoolClass,
    SchoolPage,
    SchoolPlanPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
    StudentRecordPage,
    SubjectResult,
)
from tests.factories import take_to
from workflow.choices import State
from workflow.models import RecordState

ANH = "Nguyễn Thị Ngọc Ánh"


@dataclass
class SchoolData:
    school: School
    year: SchoolYear
    authority: AuthorityPage
    records: dict[str, object] = field(default_factory=dict)
    states: dict[str, RecordState] = field(default_factory=dict)
    pupils: list[Pupil] = field(default_factory=list)


def _photo(name: str) -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (240, 320), (180, 200, 220)).save(buffer, "JPEG")
    return Image.objects.create(title=name, file=ImageFile(buffer, name=f"{name}.jpg"))


def _staff(school: School, username: str, name: str, *roles: str) -> StaffProfile:
    user = get_user_model().objects.create_user(username=username, password="x-Strong-pass-1")
    profile = StaffProfile.objects.create(user=user, school=school, full_name=name)
    for code in roles:
        role, _ = Role.objects.get_or_create(code=code, defaults={"name": code})
        profile.roles.add(role)
    profile.save()  # roles is a ParentalManyToManyField: kept in memory until saved
    return profile


# When the fixture's reviewers act: the approval day of the school year's records.
PINNED_AT = dt.datetime(2025, 5, 20, 9, 0, tzinfo=dt.UTC)


def pin(page, state: str = State.APPROVED) -> RecordState:
    """Take the record along its declared path to `state` through the workflow's own
    services (tests.factories.take_to), on the approval day: the revision, its hash,
    the version, the times, the history and the audit entries are the services' own.
    Events are muted, as in a bulk load (nothing is frozen yet)."""
    return take_to(page, state, now=PINNED_AT)


def build_school(
    code: str = "THHN", pupils: int = 3, with_records: bool = True, class_size: int = 0
) -> SchoolData:
    """One class 1A by default; with `class_size`, a school of that many pupils per
    class over grades 1-5 (1A, 2A, …, 5A, 1B, …), one class summary per class and one
    sổ đăng bộ per grade's cohort (the benchmark's realistic school)."""
    root = Page.objects.get(depth=1)
    authority = AuthorityPage.objects.first()
    if authority is None:
        authority = AuthorityPage(
            title="Phòng Giáo dục và Đào tạo quận Dương Kinh",
            kind="district_office",
            issuing_body="UBND quận Dương Kinh",
            place_name="Dương Kinh",
        )
        root.add_child(instance=authority)
    school = School.objects.create(
        code=code, name=f"Trường Tiểu học Hòa Nghĩa {code}", place_name="Dương Kinh"
    )
    school_page = SchoolPage(school=school)
    authority.add_child(instance=school_page)
    year, _ = SchoolYear.objects.get_or_create(
        name="2024-2025",
        defaults={"start_date": dt.date(2024, 9, 5), "end_date": dt.date(2025, 5, 31)},
    )
    year_page = SchoolYearPage(school_year=year)
    school_page.add_child(instance=year_page)
    data = SchoolData(school=school, year=year, authority=authority)
    principal = _staff(school, f"ht-{code}", "Trần Văn Hưng", "principal")
    teacher = _staff(school, f"gv-{code}", "Lê Thị Hồng Nhung", "teacher")
    leader = _staff(school, f"tt-{code}", "Phạm Đức Thắng", "group_leader")
    _staff(school, f"vt-{code}", "Ngô Thị Thanh Mai", "clerk")  # confirms the paper copies
    del principal

    classes: list[tuple[SchoolClass, ClassPage]] = []

    def class_for(number: int) -> tuple[SchoolClass, ClassPage]:
        index = number // class_size if class_size else 0
        while len(classes) <= index:
            n = len(classes)
            grade, letter = 1 + n % 5, "ABCDEFGHIKLMNOPQRSTUVXY"[n // 5]
            school_class = SchoolClass.objects.create(
                school=school,
                school_year=year,
                name=f"{grade}{letter}",
                grade=grade,
                homeroom_teacher=teacher,
            )
            class_page = ClassPage(school_class=school_class)
            year_page.add_child(instance=class_page)
            classes.append((school_class, class_page))
        return classes[index]

    class_for(0)
    names = [ANH, "Đỗ Quang Huy", "Vũ Thị Thu Hằng", "Bùi Minh Đức", "Hoàng Yến Nhi"]
    for number in range(pupils):
        school_class, class_page = class_for(number)
        grade = school_class.grade
        name = names[number % len(names)] + ("" if number < len(names) else f" {number}")
        pupil = Pupil.objects.create(
            school=school,
            ministry_id=f"{hash((code, number)) % 10**10:010d}",
            register_number=f"{number + 1:03d}/2024",
            full_name=name,
            date_of_birth=dt.date(2019 - grade, 3, 1 + number % 28),
            sex="nu" if number % 2 == 0 else "nam",
            place_of_birth="Hải Phòng",
            hometown="Dương Kinh, Hải Phòng",
            address="Phường Hòa Nghĩa, Hải Phòng",
            father_name="Nguyễn Văn Tường",
            mother_name="Phạm Thị Ngọc Lan",
            entry_date=dt.date(2025 - grade, 9, 5),
            photo=_photo(f"hs-{code}-{number}") if number < 2 else None,
        )
        ClassEnrollment.objects.create(
            school_class=school_class,
            pupil=pupil,
            number=(number % class_size if class_size else number) + 1,
        )
        data.pupils.append(pupil)
        if not with_records:
            continue
        subjects = [
            SubjectResult(
                subject=s.code,
                level_term1="T",
                level="T",
                score_term1=9 if s.has_test(grade) else None,
                score_year=10 if s.has_test(grade) else None,
                comment="Đọc to, rõ ràng; viết đúng chính tả." if s.code == "tieng_viet" else "",
            )
            for s in programme.subjects_for_grade(grade)
        ]
        competences = [
            CompetenceResult(competence=c, level_term1="T", level="T", comment="")
            for c, _ in programme.COMPETENCE_CHOICES
        ]
        record = StudentRecordPage(
            pupil=pupil,
            author=teacher,
            height_cm=118,
            weight_kg="21.5",
            year_end_result="HTT",
            commendation="Học sinh Hoàn thành tốt các nội dung học tập và rèn luyện",
            promotion="len_lop",
            teacher_comment="Em chăm ngoan, tích cực phát biểu.",
            subject_results=subjects,
            competence_results=competences,
        )
        class_page.add_child(instance=record)
        if number == 0:
            data.records["student_record"] = record
            data.states["student_record"] = pin(record, State.SIGNED)
        else:
            # A class summary is handed in once its class's học bạ are approved (Đ12).
            pin(record, State.APPROVED)
    if not with_records:
        return data

    for index, (_, class_page) in enumerate(classes):
        summary = ClassResultSummaryPage(period="cuoi_nam", author=teacher)
        class_page.add_child(instance=summary)
        state = pin(summary, State.SIGNED)
        if index == 0:
            data.records["class_summary"] = summary
            data.states["class_summary"] = state
    school_class = classes[0][0]

    group = ProfessionalGroup.objects.create(
        school=school, school_year=year, name="Tổ 1", grades="1", leader=leader
    )
    group.members.add(teacher)
    group_page = ProfessionalGroupPage(group=group)
    year_page.add_child(instance=group_page)
    lesson_plan = LessonPlanPage(
        teacher=teacher,
        week_number=12,
        week_start=dt.date(2024, 11, 25),
        prepared_on=dt.date(2024, 11, 18),
        school_class=school_class,
        timetable=[
            {
                "type": "row",
                "value": {
                    "weekday": 2,
                    "session": "sang",
                    "period": 1,
                    "subject": "tieng_viet",
                    "lesson_title": "Bài 56: ăng, ăc – Hoàn thành tốt",
                    "ppct": 111,
                    "aids": "Tranh ảnh",
                    "notes": "",
                },
            }
        ],
        lessons=[
            {
                "type": "lesson",
                "value": {
                    "subject": "tieng_viet",
                    "class_name": "1A",
                    "lesson_title": "Bài 56: ăng, ăc",
                    "periods": "Tiết 1, 2",
                    "teaching_date": "2024-11-25",
                    "objectives": "<p>Đọc, viết đúng vần ăng, ăc; hiểu nghĩa từ ngữ.</p>",
                    "materials": "Tranh minh họa, thẻ chữ.",
                    "activities": [
                        {
                            "stage": "khoi_dong",
                            "minutes": 5,
                            "teacher_activity": "Tổ chức trò chơi “Ai nhanh hơn”.",
                            "pupil_activity": "Học sinh tham gia trò chơi.",
                        }
                    ],
                },
            }
        ],
    )
    group_page.add_child(instance=lesson_plan)
    data.records["lesson_plan"] = lesson_plan
    data.states["lesson_plan"] = pin(lesson_plan)

    group_plan = GroupTeachingPlanPage(
        subject="toan",
        grade=1,
        author=leader,
        rows=[
            {
                "type": "row",
                "value": {
                    "week": 1,
                    "month": 9,
                    "topic": "Các số từ 0 đến 10",
                    "lesson_title": "Các số 0, 1, 2, 3, 4, 5",
                    "periods": 3,
                    "adjustments": "",
                    "notes": "",
                },
            }
        ],
    )
    group_page.add_child(instance=group_plan)
    data.records["group_plan"] = group_plan
    data.states["group_plan"] = pin(group_plan)

    plan = SchoolPlanPage(
        legal_basis="<p>Căn cứ Thông tư 27/2020/TT-BGDĐT; Công văn 2345/BGDĐT-GDTH.</p>",
        conditions="<p>Trường có 3 học sinh lớp 1.</p>",
        objectives="<p>Nâng cao chất lượng giáo dục toàn diện.</p>",
        organisation="<p>Dạy 2 buổi/ngày.</p>",
        solutions="<p>Đổi mới phương pháp dạy học.</p>",
        implementation="<p>Các tổ chuyên môn triển khai.</p>",
        recipients="- Phòng GD&ĐT (để b/c);\n- Lưu: VT.",
    )
    year_page.add_child(instance=plan)
    data.records["school_plan"] = plan
    data.states["school_plan"] = pin(plan)

    cohorts: dict[int, list[tuple[Pupil, str]]] = {}
    for pupil in data.pupils:
        enrollment = pupil.enrollments.select_related("school_class").first()
        grade = enrollment.school_class.grade
        cohorts.setdefault(grade, []).append((pupil, f"1{enrollment.school_class.name[1:]}"))
    for grade in sorted(cohorts):
        first_year = 2025 - grade
        register = EnrollmentRegisterPage(
            cohort=f"{first_year}-{first_year + 5}",
            author=teacher,
            entries=[
                RegisterEntry(
                    pupil=p,
                    register_number=p.register_number,
                    entry_date=dt.date(first_year, 9, 5),
                    entry_class=entry_class,
                )
                for p, entry_class in cohorts[grade]
            ],
        )
        year_page.add_child(instance=register)
        state = pin(register, State.SIGNED)
        if grade == min(cohorts):
            data.records["enrollment_register"] = register
            data.states["enrollment_register"] = state

    other = OtherRecordPage(
        title="Sổ theo dõi dự giờ",
        category="Sổ dự giờ",
        deadline=dt.date(2025, 5, 1),
        body=[{"type": "section", "value": {"heading": "Tuần 1", "body": "<p>Dự giờ lớp 1A.</p>"}}],
    )
    year_page.add_child(instance=other)
    data.records["other"] = other
    data.states["other"] = pin(other)
    return data


@pytest.fixture(autouse=True)
def _private_object_store(settings, tmp_path):
    """Each test its own filesystem store: page ids repeat after a rollback."""
    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": str(tmp_path / "objects")}


@pytest.fixture
def school_data(db) -> SchoolData:
    return build_school()
