"""The 2018 general-education programme for primary schools, as data.

Subjects, periods per week and which subjects have periodic tests differ for
grades 1–2, 3 and 4–5 (Chương trình GDPT 2018; Thông tư 27/2020 Điều 7).
Periods are tied to a programme version so that a later revision is a new
entry here, not an edit of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

PROGRAMME_2018 = "GDPT2018"


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    periods_per_week: dict[int, float]  # grade → periods a week (35 weeks a year)
    tested_grades: frozenset[int] = frozenset()  # periodic tests (Điểm KTĐK)
    midterm_grades: frozenset[int] = frozenset()  # also mid-term tests
    elective_grades: frozenset[int] = frozenset()  # tự chọn

    def taught_in(self, grade: int) -> bool:
        return grade in self.periods_per_week

    def has_test(self, grade: int) -> bool:
        return grade in self.tested_grades

    def has_midterm_test(self, grade: int) -> bool:
        return grade in self.midterm_grades


_ALL = {1, 2, 3, 4, 5}

SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "tieng_viet",
        "Tiếng Việt",
        {1: 12, 2: 10, 3: 7, 4: 7, 5: 7},
        frozenset(_ALL),
        frozenset({4, 5}),
    ),
    Subject("toan", "Toán", {1: 3, 2: 5, 3: 5, 4: 5, 5: 5}, frozenset(_ALL), frozenset({4, 5})),
    Subject(
        "ngoai_ngu_1",
        "Ngoại ngữ 1",
        {1: 2, 2: 2, 3: 4, 4: 4, 5: 4},
        frozenset({3, 4, 5}),
        elective_grades=frozenset({1, 2}),
    ),
    Subject("dao_duc", "Đạo đức", {g: 1 for g in _ALL}),
    Subject("tu_nhien_xa_hoi", "Tự nhiên và Xã hội", {1: 2, 2: 2, 3: 2}),
    Subject("lich_su_dia_li", "Lịch sử và Địa lí", {4: 2, 5: 2}, frozenset({4, 5})),
    Subject("khoa_hoc", "Khoa học", {4: 2, 5: 2}, frozenset({4, 5})),
    Subject("tin_hoc_cong_nghe", "Tin học và Công nghệ", {3: 2, 4: 2, 5: 2}, frozenset({3, 4, 5})),
    Subject("giao_duc_the_chat", "Giáo dục thể chất", {g: 2 for g in _ALL}),
    Subject("am_nhac", "Âm nhạc", {g: 1 for g in _ALL}),
    Subject("mi_thuat", "Mĩ thuật", {g: 1 for g in _ALL}),
    Subject("hoat_dong_trai_nghiem", "Hoạt động trải nghiệm", {g: 3 for g in _ALL}),
)
SUBJECTS_BY_CODE = {s.code: s for s in SUBJECTS}
SUBJECT_CHOICES = [(s.code, s.name) for s in SUBJECTS]
WEEKS_PER_YEAR = 35


def subjects_for_grade(grade: int, *, include_electives: bool = True) -> list[Subject]:
    return [
        s
        for s in SUBJECTS
        if s.taught_in(grade) and (include_electives or grade not in s.elective_grades)
    ]


def grade_band(grade: int) -> str:
    """The class-summary template band (nine templates: 3 periods × these bands)."""
    if grade in (1, 2):
        return "1-2"
    if grade == 3:
        return "3"
    return "4-5"


# Phẩm chất chủ yếu and năng lực cốt lõi (Chương trình tổng thể 2018).
QUALITIES = (
    ("yeu_nuoc", "Yêu nước"),
    ("nhan_ai", "Nhân ái"),
    ("cham_chi", "Chăm chỉ"),
    ("trung_thuc", "Trung thực"),
    ("trach_nhiem", "Trách nhiệm"),
)
GENERAL_COMPETENCES = (
    ("tu_chu_tu_hoc", "Tự chủ và tự học"),
    ("giao_tiep_hop_tac", "Giao tiếp và hợp tác"),
    ("giai_quyet_van_de", "Giải quyết vấn đề và sáng tạo"),
)
SPECIFIC_COMPETENCES = (
    ("ngon_ngu", "Ngôn ngữ"),
    ("tinh_toan", "Tính toán"),
    ("khoa_hoc", "Khoa học"),
    ("cong_nghe", "Công nghệ"),
    ("tin_hoc", "Tin học"),
    ("tham_mi", "Thẩm mĩ"),
    ("the_chat", "Thể chất"),
)
COMPETENCE_CHOICES = [*QUALITIES, *GENERAL_COMPETENCES, *SPECIFIC_COMPETENCES]
COMPETENCE_KIND = {
    **{c: "Phẩm chất chủ yếu" for c, _ in QUALITIES},
    **{c: "Năng lực chung" for c, _ in GENERAL_COMPETENCES},
    **{c: "Năng lực đặc thù" for c, _ in SPECIFIC_COMPETENCES},
}
