"""A grade-5 pupil's học bạ over five school years, for the tests of the book
(test_hocba_book) and its signed PDF/A-3 (test_hocba_pdf): a small school built with
the factories, not the demo district.

Years: 2022-2023 and 2023-2024 at the school the pupil came from (imported), 2024-2025
and 2025-2026 here on paper (imported), 2026-2027 in the product (the record under test).
With `earlier_in_product`, 2025-2026 is also a học bạ record of the product, approved,
signed and archived: the product's record wins over the imported row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from archive.models import ArchivedVersion, Signature, SignatureOutcome
from recordpages import programme
from recordpages.models import (
    AuthorityTerm,
    ClassEnrollment,
    CompetenceResult,
    PriorYearResult,
    Pupil,
    RoleCode,
    School,
    SchoolPage,
    SchoolYear,
    StaffProfile,
    StudentRecordPage,
    SubjectResult,
)
from tests.factories import (
    PupilFactory,
    SchoolClassFactory,
    SchoolFactory,
    SchoolYearFactory,
    SchoolYearPageFactory,
    StaffFactory,
    StudentRecordFactory,
    UserFactory,
    take_to,
)
from workflow.choices import State
from workflow.models import RecordState

CURRENT = "2026-2027"
TEACHER, PRINCIPAL = "Lê Thị Hồng Nhung", "Trần Văn Hưng"
EARLIER_TEACHER = "Đỗ Thị Minh Nguyệt"
OLD_SCHOOL = "Trường Tiểu học Đa Phúc"
APPROVED_AT = dt.datetime(2027, 5, 20, 2, 0, tzinfo=dt.UTC)
EARLIER_APPROVED_AT = dt.datetime(2026, 5, 18, 2, 0, tzinfo=dt.UTC)
EARLIER_CODE = "HBLUUTRU2026"


@dataclass
class HocbaWorld:
    school: School
    year: SchoolYear
    pupil: Pupil
    page: StudentRecordPage
    state: RecordState
    earlier: StudentRecordPage | None = None
    staff: dict[str, StaffProfile] = field(default_factory=dict)


def _staff(school: School, username: str, name: str, role: str) -> StaffProfile:
    # The account's name is the person's: a recorded signature names the account.
    last, first = name.rsplit(" ", 1)
    user = UserFactory(username=username, first_name=first, last_name=last)
    return StaffFactory(user=user, school=school, full_name=name, roles=[role])


def _year(name: str) -> SchoolYear:
    return SchoolYearFactory(name=name)


def _finish(page: StudentRecordPage, *, comment: str, promotion: str) -> StudentRecordPage:
    """The year-end assessment a homeroom teacher enters in May: every level, the tests."""
    grade = page.school_class.grade
    for result in SubjectResult.objects.filter(page=page):
        tested = programme.SUBJECTS_BY_CODE[result.subject].has_test(grade)
        result.level, result.score_year = "T", 9 if tested else None
        result.save()
    CompetenceResult.objects.filter(page=page).update(level="T")
    page = StudentRecordPage.objects.get(pk=page.pk)
    page.year_end_result, page.promotion, page.teacher_comment = "HTT", promotion, comment
    page.save_revision()
    return page


def _prior(pupil: Pupil, year: str, grade: int, school: str, **extra) -> PriorYearResult:
    subjects = [
        {"subject": s.code, "level": "H", "score": 8 if s.has_test(grade) else None, "comment": ""}
        for s in programme.subjects_for_grade(grade)
    ]
    competences = [
        {"competence": code, "level": "Đ", "comment": ""}
        for code, _name in programme.COMPETENCE_CHOICES
    ]
    return PriorYearResult.objects.create(
        pupil=pupil,
        school_year=year,
        grade=grade,
        class_name=f"{grade}A",
        school_name=school,
        subjects=subjects,
        competences=competences,
        year_end_result="HT",
        promotion="len_lop",
        teacher_comment=f"Năm lớp {grade}: em tiến bộ.",
        homeroom_teacher=f"Giáo viên lớp {grade}",
        principal="Vũ Văn Bình",
        signed_on=dt.date(int(year[5:]), 5, 25),
        **extra,
    )


def build_hocba_world(
    *, code: str = "THBA", earlier_in_product: bool = False, priors: bool = True
) -> HocbaWorld:
    year = _year(CURRENT)
    school = SchoolFactory(code=code, name=f"Trường Tiểu học Hòa Bình {code}", year=year)
    AuthorityTerm.objects.create(
        school=school,
        starts=year,
        kind="commune",
        issuing_body="UBND PHƯỜNG DƯƠNG KINH",
        authority_name="Ủy ban nhân dân phường Dương Kinh",
        professional_body="Sở Giáo dục và Đào tạo Hải Phòng",
        commune="Phường Dương Kinh",
        province="Thành phố Hải Phòng",
    )
    prefix = code.lower()
    staff = {
        "teacher": _staff(school, f"{prefix}.gv", TEACHER, RoleCode.TEACHER),
        "principal": _staff(school, f"{prefix}.ht", PRINCIPAL, RoleCode.PRINCIPAL),
        "clerk": _staff(school, f"{prefix}.vt", "Ngô Thị Thanh Mai", RoleCode.CLERK),
    }
    school_class = SchoolClassFactory(
        school=school, school_year=year, name="5A", homeroom_teacher=staff["teacher"]
    )
    pupil = PupilFactory(
        school=school,
        full_name="Nguyễn Thị Ngọc Ánh",
        register_number="017/2024",
        date_of_birth=dt.date(2016, 3, 14),
        sex="nu",
        entry_date=dt.date(2024, 8, 20),
        school_class=school_class,
    )
    if priors:
        _prior(
            pupil, "2022-2023", 1, OLD_SCHOOL, source="truong_cu", entered_on=dt.date(2022, 9, 5)
        )
        _prior(pupil, "2023-2024", 2, OLD_SCHOOL, source="truong_cu")
        _prior(pupil, "2024-2025", 3, school.name)
        _prior(pupil, "2025-2026", 4, school.name)
    world = HocbaWorld(school=school, year=year, pupil=pupil, page=None, state=None, staff=staff)  # type: ignore[arg-type]
    if earlier_in_product:
        world.earlier = _earlier_record(school, pupil, staff)
    page = StudentRecordFactory(school_class=school_class, pupil=pupil)
    page = _finish(page, comment="Em chăm ngoan, học tốt.", promotion="ht_tieu_hoc")
    world.page = page
    world.state = take_to(page, State.APPROVED, now=APPROVED_AT)
    return world


def _earlier_record(school: School, pupil: Pupil, staff: dict) -> StudentRecordPage:
    """2025-2026 (grade 4) recorded here: approved, the homeroom teacher's and the
    principal's signatures made digitally, the signed file archived."""
    year = _year("2025-2026")
    SchoolYearPageFactory(parent=SchoolPage.objects.get(school=school), school_year=year)
    teacher = _staff(school, f"{school.code.lower()}.gv4", EARLIER_TEACHER, RoleCode.TEACHER)
    school_class = SchoolClassFactory(
        school=school, school_year=year, name="4A", homeroom_teacher=teacher
    )
    ClassEnrollment.objects.create(school_class=school_class, pupil=pupil, number=1)
    page = StudentRecordFactory(school_class=school_class, pupil=pupil)
    page = _finish(page, comment="Năm lớp 4 trong hệ thống.", promotion="len_lop")
    state = take_to(page, State.APPROVED, now=EARLIER_APPROVED_AT)
    for role, name in (("giao_vien_chu_nhiem", EARLIER_TEACHER), ("hieu_truong", PRINCIPAL)):
        Signature.objects.create(
            page_ref=page.pk,
            version=state.version,
            field=role,
            role=role,
            outcome=SignatureOutcome.SIGNED,
            signer_name=name,
            made_at=EARLIER_APPROVED_AT,
        )
    ArchivedVersion.objects.create(
        page=page,
        page_ref=page.pk,
        school=school,
        school_year=year,
        record_type="student_record",
        title=page.title,
        version=state.version,
        key=f"test/{page.pk}.pdf",
        sha256="0" * 64,
        size=1,
        verification_code=EARLIER_CODE,
    )
    return page
