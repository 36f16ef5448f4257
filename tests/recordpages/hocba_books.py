"""Học bạ Books made by hand for the data-file tests: every field filled, a grade-1
book (one year) and a grade-5 book (five years, the first ones imported)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from recordpages import programme
from recordpages.hocba.book import (
    Book,
    CompetenceLine,
    PupilIdentity,
    SchoolIdentity,
    SignedBy,
    Signer,
    Source,
    StudyRow,
    SubjectLine,
    YearSection,
)
from recordpages.models import CompetenceLevel, Promotion, SubjectLevel, YearEndResult

SCHOOL = SchoolIdentity(
    name="Trường Tiểu học Hòa Nghĩa",
    ministry_code="31000123",
    commune="Phường Dương Kinh",
    district="",
    province="Thành phố Hải Phòng",
    issuing_body="UBND PHƯỜNG DƯƠNG KINH",
    authority_name="Ủy ban nhân dân phường Dương Kinh",
    professional_body="Sở Giáo dục và Đào tạo Hải Phòng",
)

PUPIL = PupilIdentity(
    ministry_id="0312345678",
    full_name="Nguyễn Thị Ánh Tuyết",
    sex="nu",
    sex_label="Nữ",
    date_of_birth=dt.date(2016, 3, 9),
    ethnicity="Kinh",
    nationality="Việt Nam",
    place_of_birth="Bệnh viện Phụ sản Hải Phòng",
    hometown="Xã Tân Trào, Kiến Thụy, Hải Phòng",
    address="Số 12 ngõ 34 Phạm Văn Đồng, phường Dương Kinh",
    father_name="Nguyễn Văn Hùng",
    father_occupation="Công nhân",
    mother_name="Trần Thị Hoa",
    mother_occupation="Giáo viên",
    guardian_name="",
    register_number="0412/2022",
    entry_date=dt.date(2022, 9, 5),
    photo_uri="",
)

_SUBJECT_LEVELS = [SubjectLevel.GOOD, SubjectLevel.COMPLETED, SubjectLevel.NOT_COMPLETED]
_COMPETENCE_LEVELS = [CompetenceLevel.GOOD, CompetenceLevel.PASS, CompetenceLevel.NEEDS_EFFORT]


def subjects(grade: int) -> tuple[SubjectLine, ...]:
    lines = []
    for i, subject in enumerate(programme.subjects_for_grade(grade)):
        level = _SUBJECT_LEVELS[i % 3]
        tested = subject.has_test(grade)
        lines.append(
            SubjectLine(
                code=subject.code,
                name=subject.name,
                level=level.value,
                level_label=str(level.label),
                tested=tested,
                score=(10 - i % 4) if tested else None,
                comment=f"Em học {subject.name} chăm, tiến bộ rõ.",
            )
        )
    return tuple(lines)


def competences(kind: str, pairs) -> tuple[CompetenceLine, ...]:
    return tuple(
        CompetenceLine(
            code=code,
            name=name,
            kind=kind,
            level=_COMPETENCE_LEVELS[i % 3].value,
            level_label=str(_COMPETENCE_LEVELS[i % 3].label),
            comment=f"{name}: em thể hiện tốt.",
        )
        for i, (code, name) in enumerate(pairs)
    )


def year(grade: int, start: int, *, source: str = Source.RECORD) -> YearSection:
    school_year = f"{start}-{start + 1}"
    imported = source != Source.RECORD
    signed_by = SignedBy.PAPER if imported else SignedBy.DIGITAL
    promotion = Promotion.COMPLETED_PRIMARY if grade == 5 else Promotion.PROMOTED
    return YearSection(
        school_year=school_year,
        grade=grade,
        class_name=f"{grade}A",
        school_name=SCHOOL.name,
        height_cm=115 + 5 * grade,
        weight_kg=Decimal("20.5") + grade,
        # 0 in grade 1, and an odd grade with unexcused days: a zero and a non-zero
        # count both read back as themselves.
        days_absent_excused=grade - 1,
        days_absent_unexcused=grade % 2,
        subjects=subjects(grade),
        qualities=competences("pham_chat", programme.QUALITIES),
        general_competences=competences("nang_luc_chung", programme.GENERAL_COMPETENCES),
        specific_competences=competences("nang_luc_dac_thu", programme.SPECIFIC_COMPETENCES),
        year_end_result=YearEndResult.GOOD.value,
        year_end_result_label=str(YearEndResult.GOOD.label),
        commendation="Học sinh có thành tích nổi bật trong học tập & rèn luyện <năm học>",
        promotion=promotion.value,
        promotion_label=str(promotion.label),
        teacher_comment="Em ngoan, lễ phép; cần luyện chữ viết.",
        signers=(
            Signer(
                "giao_vien_chu_nhiem",
                "Giáo viên chủ nhiệm",
                "Lê Thị Mai",
                dt.date(start + 1, 5, 28),
                signed_by,
            ),
            Signer(
                "hieu_truong", "Hiệu trưởng", "Phạm Quốc Đạt", dt.date(start + 1, 5, 30), signed_by
            ),
        ),
        source=source,
        record_id=None if imported else 1000 + grade,
        verification_code="" if imported else f"HB-{start}-{grade:04d}",
    )


def history(grades: range, first_start: int, pupil: PupilIdentity) -> tuple[StudyRow, ...]:
    return tuple(
        StudyRow(
            school_year=f"{first_start + i}-{first_start + i + 1}",
            class_name=f"{grade}A",
            school_name=SCHOOL.name,
            register_number=pupil.register_number,
            entered_on=pupil.entry_date if i == 0 else None,
        )
        for i, grade in enumerate(grades)
    )


def grade1_book() -> Book:
    pupil = replace(PUPIL, date_of_birth=dt.date(2020, 1, 15), entry_date=dt.date(2026, 9, 5))
    return Book(
        school=SCHOOL,
        pupil=pupil,
        history=history(range(1, 2), 2026, pupil),
        years=(year(1, 2026),),
        current_year="2026-2027",
        record_id=1001,
    )


def grade5_book() -> Book:
    years = tuple(
        year(grade, 2021 + grade, source=Source.PAPER if grade < 3 else Source.RECORD)
        for grade in range(1, 6)
    )
    return Book(
        school=SCHOOL,
        pupil=PUPIL,
        history=history(range(1, 6), 2022, PUPIL),
        years=years,
        current_year="2026-2027",
        record_id=1005,
    )
