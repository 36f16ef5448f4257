from recordpages import programme


def subject_codes(grade):
    return {s.code for s in programme.subjects_for_grade(grade, include_electives=False)}


def test_grades_one_and_two_learn_nature_and_society_without_compulsory_english():
    assert "tu_nhien_xa_hoi" in subject_codes(1)
    assert "ngoai_ngu_1" not in subject_codes(2)
    assert "ngoai_ngu_1" in {s.code for s in programme.subjects_for_grade(2)}  # elective


def test_grade_three_adds_english_and_informatics_and_technology():
    assert {"ngoai_ngu_1", "tin_hoc_cong_nghe", "tu_nhien_xa_hoi"} <= subject_codes(3)
    assert "khoa_hoc" not in subject_codes(3)


def test_grades_four_and_five_replace_nature_and_society_with_science_history_geography():
    for grade in (4, 5):
        codes = subject_codes(grade)
        assert {"khoa_hoc", "lich_su_dia_li"} <= codes
        assert "tu_nhien_xa_hoi" not in codes


def test_weekly_periods_follow_the_2018_programme():
    tv = programme.SUBJECTS_BY_CODE["tieng_viet"]
    assert [tv.periods_per_week[g] for g in range(1, 6)] == [12, 10, 7, 7, 7]

    def weekly_total(grade):
        return sum(
            s.periods_per_week[grade]
            for s in programme.subjects_for_grade(grade, include_electives=False)
        )

    # 875, 875, 980, 1050 and 1050 periods a year over 35 weeks.
    assert [weekly_total(g) for g in range(1, 6)] == [25, 25, 28, 30, 30]


def test_periodic_tests_and_midterms_follow_circular_27():
    toan = programme.SUBJECTS_BY_CODE["toan"]
    assert toan.has_test(1) and not toan.has_midterm_test(3) and toan.has_midterm_test(4)
    assert not programme.SUBJECTS_BY_CODE["dao_duc"].has_test(5)
    assert programme.SUBJECTS_BY_CODE["khoa_hoc"].has_test(4)
    assert not programme.SUBJECTS_BY_CODE["ngoai_ngu_1"].has_test(2)


def test_fifteen_qualities_and_competences():
    assert len(programme.COMPETENCE_CHOICES) == 15
    assert programme.grade_band(2) == "1-2" and programme.grade_band(5) == "4-5"
