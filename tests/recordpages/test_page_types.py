"""Where each page type may stand, and that each can be created through the admin form."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from recordpages.models import (
    AuthorityPage,
    ClassPage,
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Pupil,
    SchoolClass,
    SchoolPage,
    SchoolPlanPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
    StudentRecordPage,
)
from tests.conftest import load_small_district

YEAR_CHILDREN = {
    SchoolPlanPage,
    EnrollmentRegisterPage,
    ProfessionalGroupPage,
    ClassPage,
    OtherRecordPage,
}


class PlacementTests(WagtailPageTestCase):
    def test_the_tree_follows_the_design_both_ways(self):
        self.assertAllowedSubpageTypes(AuthorityPage, {AuthorityPage, SchoolPage})
        self.assertAllowedParentPageTypes(AuthorityPage, {Page, AuthorityPage})
        self.assertAllowedSubpageTypes(SchoolPage, {SchoolYearPage})
        self.assertAllowedParentPageTypes(SchoolPage, {AuthorityPage})
        self.assertAllowedSubpageTypes(SchoolYearPage, YEAR_CHILDREN)
        self.assertAllowedParentPageTypes(SchoolYearPage, {SchoolPage})
        self.assertAllowedSubpageTypes(
            ProfessionalGroupPage, {GroupTeachingPlanPage, LessonPlanPage}
        )
        self.assertAllowedSubpageTypes(ClassPage, {StudentRecordPage, ClassResultSummaryPage})
        for model in YEAR_CHILDREN:
            self.assertAllowedParentPageTypes(model, {SchoolYearPage})
        for model in (GroupTeachingPlanPage, LessonPlanPage):
            self.assertAllowedParentPageTypes(model, {ProfessionalGroupPage})
        for model in (StudentRecordPage, ClassResultSummaryPage):
            self.assertAllowedParentPageTypes(model, {ClassPage})

    def test_records_are_leaves(self):
        for model in (
            SchoolPlanPage,
            EnrollmentRegisterPage,
            OtherRecordPage,
            GroupTeachingPlanPage,
            LessonPlanPage,
            StudentRecordPage,
            ClassResultSummaryPage,
        ):
            self.assertAllowedSubpageTypes(model, set())

    def test_records_cannot_be_created_in_the_wrong_place(self):
        self.assertCanNotCreateAt(SchoolPage, LessonPlanPage)
        self.assertCanNotCreateAt(ClassPage, LessonPlanPage)
        self.assertCanNotCreateAt(ProfessionalGroupPage, StudentRecordPage)
        self.assertCanNotCreateAt(AuthorityPage, SchoolYearPage)


class AdminCreationTests(WagtailPageTestCase):
    """Each page type through the real admin form, as a superuser."""

    @classmethod
    def setUpTestData(cls):
        cls.authority = load_small_district()
        cls.school_page = SchoolPage.objects.get(school__code="THHN")
        cls.year_page = SchoolYearPage.objects.child_of(cls.school_page).get()
        cls.group_page = ProfessionalGroupPage.objects.descendant_of(cls.year_page).first()
        cls.class_page = ClassPage.objects.descendant_of(cls.year_page).first()
        cls.teacher = StaffProfile.objects.get(user__username="hn.giaovien")

    def setUp(self):
        self.login()

    def test_authority_and_school_pages(self):
        from recordpages.models import School

        self.assertCanCreate(
            self.authority,
            AuthorityPage,
            nested_form_data(
                {
                    "title": "UBND phường Hòa Nghĩa",
                    "kind": "commune",
                    "issuing_body": "UBND PHƯỜNG HÒA NGHĨA",
                    "place_name": "Hòa Nghĩa",
                    "intro": rich_text(""),
                }
            ),
        )
        school = School.objects.create(
            code="THTT", name="Trường Tiểu học Tân Thành", place_name="Dương Kinh"
        )
        self.assertCanCreate(
            self.authority,
            SchoolPage,
            nested_form_data({"title": "", "school": school.pk, "intro": rich_text("")}),
        )
        page = SchoolPage.objects.get(school=school)
        self.assertEqual(page.title, "Trường Tiểu học Tân Thành")
        year = SchoolYear.objects.create(name="2027-2028", **SchoolYear.defaults_for(2027))
        self.assertCanCreate(
            page, SchoolYearPage, nested_form_data({"title": "", "school_year": year.pk})
        )
        year_page = SchoolYearPage.objects.child_of(page).get()
        self.assertEqual(
            (year_page.title, year_page.slug, year_page.school_id),
            ("Năm học 2027-2028", "nam-hoc-2027-2028", school.pk),
        )

    def test_school_plan(self):
        self.year_page.get_children().type(SchoolPlanPage).delete()
        sections = {
            name: rich_text(f"<p>Nội dung {name}</p>")
            for name in (
                "legal_basis",
                "conditions",
                "objectives",
                "organisation",
                "solutions",
                "implementation",
            )
        }
        self.assertCanCreate(
            self.year_page,
            SchoolPlanPage,
            nested_form_data(
                {
                    "title": "",
                    **sections,
                    "time_allocation": streamfield(
                        [
                            (
                                "row",
                                {
                                    "grade": "1",
                                    "subject": "toan",
                                    "periods_per_week": "3",
                                    "periods_per_year": "105",
                                },
                            )
                        ]
                    ),
                    "appendices": streamfield([]),
                    "recipients": "Lưu: VT.",
                }
            ),
            publish=False,
        )
        plan = SchoolPlanPage.objects.child_of(self.year_page).get()
        self.assertEqual(
            plan.title, "Kế hoạch giáo dục nhà trường năm học 2026-2027 – Trường Tiểu học Hòa Nghĩa"
        )

    def test_enrollment_register_with_entries(self):
        pupil = Pupil.objects.filter(school__code="THHN").first()
        self.assertCanCreate(
            self.year_page,
            EnrollmentRegisterPage,
            nested_form_data(
                {
                    "title": "",
                    "cohort": "2030-2035",
                    "notes": "",
                    "entries": inline_formset(
                        [
                            {
                                "pupil": pupil.pk,
                                "register_number": "001/2030",
                                "entry_date": "05/09/2030",
                                "entry_class": "1A",
                            }
                        ]
                    ),
                }
            ),
            publish=False,
        )
        register = EnrollmentRegisterPage.objects.get(cohort="2030-2035")
        self.assertEqual(register.entries.get().pupil, pupil)
        self.assertEqual(str(register.entries.get().entry_date), "2030-09-05")

    def test_other_record(self):
        self.assertCanCreate(
            self.year_page,
            OtherRecordPage,
            nested_form_data(
                {
                    "title": "Sổ họp hội đồng sư phạm",
                    "category": "Sổ họp",
                    "deadline": "31/12/2026",
                    "body": streamfield(
                        [("section", {"heading": "Tháng 9", "body": rich_text("<p>Họp</p>")})]
                    ),
                }
            ),
            publish=False,
        )

    def test_professional_group_and_its_plans(self):
        group = ProfessionalGroup.objects.create(
            school=self.school_page.school,
            school_year=self.year_page.school_year,
            name="Tổ Tiếng Anh",
        )
        self.assertCanCreate(
            self.year_page,
            ProfessionalGroupPage,
            nested_form_data({"title": "", "group": group.pk}),
        )
        group_page = ProfessionalGroupPage.objects.get(group=group)
        self.assertCanCreate(
            group_page,
            GroupTeachingPlanPage,
            nested_form_data(
                {
                    "title": "",
                    "subject": "ngoai_ngu_1",
                    "grade": "3",
                    "general_notes": rich_text(""),
                    "rows": streamfield(
                        [
                            (
                                "row",
                                {
                                    "week": "1",
                                    "month": "9",
                                    "topic": "Unit 1",
                                    "lesson_title": "Hello",
                                    "periods": "4",
                                    "adjustments": "",
                                    "notes": "",
                                },
                            )
                        ]
                    ),
                }
            ),
            publish=False,
        )
        plan = GroupTeachingPlanPage.objects.child_of(group_page).get()
        self.assertEqual(
            plan.title, "Kế hoạch dạy học môn Ngoại ngữ 1 lớp 3 – Tổ Tiếng Anh – 2026-2027"
        )

    def test_lesson_plan_with_timetable_and_lessons(self):
        activity = {
            "stage": "khoi_dong",
            "minutes": "5",
            "teacher_activity": "GV hỏi",
            "pupil_activity": "HS trả lời",
        }
        self.assertCanCreate(
            self.group_page,
            LessonPlanPage,
            nested_form_data(
                {
                    "title": "",
                    "teacher": self.teacher.pk,
                    "week_number": "30",
                    "week_start": "05/04/2027",
                    "prepared_on": "29/03/2027",
                    "school_class": "",
                    "timetable": streamfield(
                        [
                            (
                                "row",
                                {
                                    "weekday": "2",
                                    "session": "sang",
                                    "period": "1",
                                    "subject": "toan",
                                    "lesson_title": "Phép cộng",
                                    "ppct": "120",
                                    "aids": "",
                                    "notes": "",
                                },
                            )
                        ]
                    ),
                    "lessons": streamfield(
                        [
                            (
                                "lesson",
                                {
                                    "subject": "toan",
                                    "class_name": "1B",
                                    "lesson_title": "Phép cộng",
                                    "periods": "Tiết 1",
                                    "teaching_date": "05/04/2027",
                                    "objectives": rich_text("<p>Biết cộng</p>"),
                                    "materials": "Que tính",
                                    "activities": {
                                        "count": "1",
                                        "0": {
                                            "value": activity,
                                            "deleted": "",
                                            "order": "0",
                                            "id": "",
                                        },
                                    },
                                },
                            )
                        ]
                    ),
                    "adjustments": "",
                }
            ),
            publish=False,
        )
        lesson = LessonPlanPage.objects.get(week_number=30, teacher=self.teacher)
        self.assertEqual(
            lesson.title, f"Kế hoạch bài dạy tuần 30 – {self.teacher.full_name} – Tổ 1"
        )
        self.assertEqual(lesson.lessons[0].value["activities"][0]["teacher_activity"], "GV hỏi")

    def test_class_and_student_record_and_summary(self):
        school_class = SchoolClass.objects.create(
            school=self.school_page.school,
            school_year=self.year_page.school_year,
            name="5D",
            grade=5,
        )
        self.assertCanCreate(
            self.year_page,
            ClassPage,
            nested_form_data({"title": "", "school_class": school_class.pk}),
        )
        class_page = ClassPage.objects.get(school_class=school_class)
        pupil = Pupil.objects.filter(school__code="THHN").first()
        self.assertCanCreate(
            class_page,
            StudentRecordPage,
            nested_form_data(
                {
                    "title": "",
                    "pupil": pupil.pk,
                    "height_cm": "130",
                    "weight_kg": "28.5",
                    "days_absent_excused": "1",
                    "days_absent_unexcused": "0",
                    "subject_results": inline_formset(
                        [
                            {
                                "subject": "toan",
                                "level_mid1": "H",
                                "level_term1": "T",
                                "level_mid2": "H",
                                "level": "T",
                                "score_mid1": "9",
                                "score_term1": "10",
                                "score_mid2": "",
                                "score_year": "",
                                "comment": "Tốt",
                            }
                        ]
                    ),
                    "competence_results": inline_formset(
                        [
                            {
                                "competence": "cham_chi",
                                "level_mid1": "C",
                                "level_term1": "Đ",
                                "level_mid2": "Đ",
                                "level": "T",
                                "comment": "",
                            }
                        ]
                    ),
                    "year_end_result": "",
                    "commendation": "",
                    "promotion": "",
                    "teacher_comment": "",
                }
            ),
            publish=False,
        )
        record = StudentRecordPage.objects.get(pupil=pupil, school_class=school_class)
        self.assertEqual(record.title, f"Học bạ – {pupil.full_name} – Lớp 5D – 2026-2027")
        self.assertEqual(record.competence_results.get().level_term1, "Đ")
        # The four periodic evaluations each keep their level (Thông tư 27/2020 Điều 6).
        toan = record.subject_results.get()
        self.assertEqual((toan.level_mid1, toan.level_mid2), ("H", "H"))
        self.assertEqual(record.competence_results.get().level_mid1, "C")
        self.assertCanCreate(
            class_page,
            ClassResultSummaryPage,
            nested_form_data({"title": "", "period": "cuoi_nam", "notes": ""}),
            publish=False,
        )
        self.assertEqual(
            ClassResultSummaryPage.objects.child_of(class_page).get().template_key, "cuoi_nam/4-5"
        )

    def test_invalid_score_is_refused_with_a_vietnamese_message(self):
        pupil = Pupil.objects.filter(school__code="THHN").first()
        response = self.client.post(
            f"/admin/pages/add/recordpages/studentrecordpage/{self.class_page.pk}/",
            nested_form_data(
                {
                    "title": "",
                    "pupil": pupil.pk,
                    "days_absent_excused": "0",
                    "days_absent_unexcused": "0",
                    "subject_results": inline_formset(
                        [
                            {
                                "subject": "dao_duc",
                                "level_term1": "T",
                                "level": "",
                                "score_mid1": "",
                                "score_term1": "9",
                                "score_mid2": "",
                                "score_year": "",
                                "comment": "",
                            }
                        ]
                    ),
                    "competence_results": inline_formset([]),
                }
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "không có bài kiểm tra định kì")
        self.assertFalse(
            StudentRecordPage.objects.filter(
                pupil=pupil, school_class=self.class_page.specific.school_class
            )
            .exclude(pk__in=StudentRecordPage.objects.child_of(self.class_page).values("pk"))
            .exists()
        )
