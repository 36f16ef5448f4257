"""The guessing table: week, subject and lesson from real-looking file names, with
and without diacritics."""

from __future__ import annotations

import pytest

from workflow.week.guess import (
    _PHRASES,
    PlannedLesson,
    guess_file,
    subject_from_name,
    week_from_name,
    week_of_files,
)

PLANNED = [
    PlannedLesson("toan", "Bài 45: Phép cộng trong phạm vi 10", 1),
    PlannedLesson("toan", "Bài 46: Phép trừ trong phạm vi 10", 2),
    PlannedLesson("tieng_viet", "Bài 12A: Ôn tập âm ch, tr", 2),
    PlannedLesson("tieng_viet", "Bài 12B: Vần an, at", 2),
    PlannedLesson("dao_duc", "Gia đình của em", 1),
    PlannedLesson("tu_nhien_xa_hoi", "Cây xanh quanh em", 1),
]


@pytest.mark.parametrize(
    ("name", "week", "subject"),
    [
        ("KHBD_T12_Toan_Bai45.docx", 12, "toan"),
        ("Tuần 12 - Tiếng Việt.doc", 12, "tieng_viet"),
        ("Tuan 12 - Tieng Viet.doc", 12, "tieng_viet"),
        ("tuan12_tv.odt", 12, "tieng_viet"),
        ("GA lop 1 tuần 7 TNXH.docx", 7, "tu_nhien_xa_hoi"),
        ("KẾ HOẠCH BÀI DẠY TUẦN 3 - ĐẠO ĐỨC.pdf", 3, "dao_duc"),
        ("ke hoach bai day tuan 03 dao duc.pdf", 3, "dao_duc"),
        ("T5-HĐTN-SHDC.docx", 5, "hoat_dong_trai_nghiem"),
        ("Tuần 9 Hoạt động trải nghiệm.docx", 9, "hoat_dong_trai_nghiem"),
        ("Giáo án Toán tuần 15 lớp 1A.docx", 15, "toan"),
        ("W10 Am nhac.docx", 10, "am_nhac"),
        ("Tuan_21_Mi_thuat.docx", 21, "mi_thuat"),
        ("Tuần 21 Mĩ thuật.docx", 21, "mi_thuat"),
        ("Tuan 4 GDTC.docx", 4, "giao_duc_the_chat"),
        ("Tiếng Anh tuần 8.docx", 8, "ngoai_ngu_1"),
        ("KHBD tuần 2.docx", 2, None),
        ("Bai 45 Phep cong.docx", None, None),
        ("Tiết 3 Toán.docx", None, "toan"),
        ("Tổ 1 - Toán.docx", None, "toan"),
        ("Tuan 40 Toan.docx", None, "toan"),
        ("scan0001.pdf", None, None),
        # The year's bounds: weeks 1 and 37 are read, 0 and 38 are not weeks.
        ("T01 Toan.docx", 1, "toan"),
        ("Tuần 1 - Tiếng Việt.docx", 1, "tieng_viet"),
        ("Tuần 37 Toán.docx", 37, "toan"),
        ("Tuan 38 Toan.docx", None, "toan"),
        ("Tuan 0 Toan.docx", None, "toan"),
        ("T00 TV.docx", None, "tieng_viet"),
        # Only the last extension is cut: dots inside the name separate words.
        ("KHBD.T12.TV.docx", 12, "tieng_viet"),
        ("Tuan 12.Toan", 12, None),
        # "toàn" (whole, safe) is not Toán, with or without diacritics.
        ("Tuần 12 HĐTN An toàn giao thông.docx", 12, "hoat_dong_trai_nghiem"),
        ("TUẦN 12 HĐTN AN TOÀN GIAO THÔNG.docx", 12, "hoat_dong_trai_nghiem"),
        ("Tuan 3 TNXH An toan khi o nha.docx", 3, "tu_nhien_xa_hoi"),
        ("Sinh hoạt dưới cờ toàn trường - HĐTN.docx", None, "hoat_dong_trai_nghiem"),
        ("sinh hoat duoi co toan truong hdtn.docx", None, "hoat_dong_trai_nghiem"),
        ("Dao duc - hoan toan tu giac.docx", None, "dao_duc"),
        ("Giao duc toan dien - GDTC.docx", None, "giao_duc_the_chat"),
        ("An toàn giao thông.docx", None, None),
        ("Tuần 12 Toán - Ôn tập toàn bài.docx", 12, "toan"),
        ("giao an toan tuan 15.docx", 15, "toan"),
        ("Tuần 12 TV - Vần an - Toán.docx", 12, "tieng_viet"),
        ("Tuần 12 Vần an - Toán.docx", 12, "toan"),
        # Two subjects named: the first is the file's, the other integrated into it.
        ("Tuần 5 TNXH tích hợp Toán.docx", 5, "tu_nhien_xa_hoi"),
        ("Tuần 5 Toán tích hợp TNXH.docx", 5, "toan"),
        ("Tuần 5 TV tích hợp Tự nhiên và Xã hội.docx", 5, "tieng_viet"),
        ("Tuần 5 Hoạt động trải nghiệm - Tiếng Việt.docx", 5, "hoat_dong_trai_nghiem"),
    ],
)
def test_week_and_subject_are_read_from_file_names(name, week, subject):
    assert week_from_name(name) == week
    assert subject_from_name(name) == subject


def test_no_subject_phrase_starts_another_subjects_phrase():
    # subject_from_name decides by position: two subjects' phrases must never match
    # at the same place ("tieng viet" for one and "tieng" for another would).
    for phrase, code in _PHRASES:
        for other, other_code in _PHRASES:
            if code != other_code:
                assert not f"{other} ".startswith(f"{phrase} "), (phrase, other)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("KHBD_T12_Toan_Bai45.docx", "Bài 45: Phép cộng trong phạm vi 10"),
        ("Tuan 12 Toan Phep tru trong pham vi 10.docx", "Bài 46: Phép trừ trong phạm vi 10"),
        ("Tuần 12 - TV - Vần an at.docx", "Bài 12B: Vần an, at"),
        ("T12 - Gia dinh cua em.docx", "Gia đình của em"),
        ("cay xanh quanh em.pdf", "Cây xanh quanh em"),
    ],
)
def test_the_lesson_is_matched_loosely_against_the_group_plan(name, title):
    guess = guess_file(name, PLANNED)
    assert guess.lesson is not None and guess.lesson.lesson_title == title
    assert guess.subject == guess.lesson.subject


def test_the_weeks_number_is_not_taken_for_a_lesson_number():
    # "Tuần 12" must not match "Bài 12A".
    assert guess_file("Tuần 12 Tiếng Việt.docx", PLANNED).lesson is None


def test_a_name_that_matches_no_lesson_guesses_none():
    guess = guess_file("Tuan 12 Toan on tap.docx", PLANNED)
    assert guess.lesson is None
    assert (guess.week, guess.subject) == (12, "toan")


def test_the_week_of_a_bundle_is_the_one_most_files_name():
    assert week_of_files(["T12 Toan.docx", "Tuan 12 TV.docx", "T11 cu.docx", "x.pdf"]) == 12
    assert week_of_files(["a.docx", "b.pdf"]) is None


def _from_database(code: str) -> str:
    # A plan's subject read from the database is an equal string, never the same
    # object as the programme's constant.
    return "".join(list(code))


# Rows of one week where subjects' titles share words, as group plans do.
SHARED = [
    PlannedLesson(_from_database("tieng_viet"), "Ôn tập", 2),
    PlannedLesson(_from_database("tu_nhien_xa_hoi"), "Ôn tập", 1),
    PlannedLesson(_from_database("toan"), "Ôn tập", 1),
    PlannedLesson(_from_database("toan"), "Bài 47: Luyện tập chung", 1),
]


@pytest.mark.parametrize(
    ("name", "subject", "title"),
    [
        # The subject in the name keeps the other subjects' rows out, whichever
        # comes first in the plan.
        ("Tuan 18 Toan On tap.docx", "toan", "Ôn tập"),
        ("Tuan 18 TNXH On tap.docx", "tu_nhien_xa_hoi", "Ôn tập"),
        ("Tuan 18 TV On tap.docx", "tieng_viet", "Ôn tập"),
        # No subject named: the earliest row of the best score, and its subject.
        ("Tuan 18 On tap.docx", "tieng_viet", "Ôn tập"),
    ],
)
def test_a_named_subject_keeps_other_subjects_rows_out(name, subject, title):
    guess = guess_file(name, SHARED)
    assert guess.lesson is not None
    assert (guess.subject, guess.lesson.subject, guess.lesson.lesson_title) == (
        subject,
        subject,
        title,
    )


PARTS = [
    PlannedLesson("toan", "", 1),  # a row left without a title
    PlannedLesson("toan", "Kế hoạch bài dạy", 1),  # only words that say nothing
    PlannedLesson("toan", "Phép cộng trong phạm vi 20", 1),  # 6 significant words
    PlannedLesson("toan", "Phép cộng có nhớ", 1),  # 4
    PlannedLesson("toan", "Bài 50: Hình vuông, hình tròn", 1),  # 4, with its number
]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        # Rows without a significant word are passed over, not the end of the plan.
        ("Phep cong co nho.docx", "Phép cộng có nhớ"),
        # Half of the title's significant words is enough (3 of 6)...
        ("Toan pham vi 20.docx", "Phép cộng trong phạm vi 20"),
        # ... less than half is not (2 of 6, and 1 of 4 for the next row).
        ("Toan trong pham.docx", None),
        ("Toan vuong.docx", None),
        # The best row wins over an earlier weaker one (3 of 6 against 4 of 4).
        ("Toan phep cong trong co nho.docx", "Phép cộng có nhớ"),
        # The lesson's number alone is enough, and beats more shared words.
        ("Toan Bai 50.docx", "Bài 50: Hình vuông, hình tròn"),
        ("Toan 50 phep cong co nho.docx", "Bài 50: Hình vuông, hình tròn"),
        ("Toan Bai 51.docx", None),
    ],
)
def test_the_best_lesson_of_at_least_half_the_title_is_chosen(name, title):
    guess = guess_file(name, PARTS)
    assert (guess.lesson.lesson_title if guess.lesson else None) == title


def test_a_name_that_tells_nothing_guesses_nothing():
    guess = guess_file("scan0001.pdf", PLANNED)
    assert (guess.week, guess.subject, guess.lesson, guess.subject_name) == (
        None,
        None,
        None,
        "",
    )


def test_the_guess_names_the_subject_as_the_programme_does():
    assert guess_file("Tuan 12 TNXH.docx").subject_name == "Tự nhiên và Xã hội"
    assert guess_file("Tuan 12 tv.docx").subject_name == "Tiếng Việt"


def test_a_tie_between_weeks_goes_to_the_earliest():
    assert week_of_files(["T13 Toan.docx", "T12 TV.docx"]) == 12
    assert week_of_files(["T13 Toan.docx", "T12 TV.docx", "Tuan 13 TNXH.docx"]) == 13
    assert week_of_files(["T13 Toan.docx", "T12 TV.docx", "T11 HDTN.docx", "T12 x.pdf"]) == 12
