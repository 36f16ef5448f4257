"""Records, one factory per type, each under its real parent; the record's state
row comes from `workflow.services.record_state_sync` through the post_save signal,
never from here."""

from __future__ import annotations

import datetime as dt

import factory

from recordpages import programme
from recordpages.models import (
    ClassResultSummaryPage,
    CompetenceResult,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    RegisterEntry,
    SchoolPlanPage,
    StudentRecordPage,
    SubjectResult,
)
from tests.factories.pages import SchoolYearFactory, _ChildPageFactory, year_page_of
from tests.factories.people import PupilFactory


def _section(text: str = "Nâng cao năng lực chuyên môn cho giáo viên.") -> list[dict]:
    return [
        {"type": "section", "value": {"heading": "Mục đích, yêu cầu", "body": f"<p>{text}</p>"}}
    ]


class _RecordFactory(_ChildPageFactory):
    class Meta:
        abstract = True

    title = ""  # composed by the record type's title scheme
    slug = factory.Sequence(lambda n: f"ho-so-{n}")
    live = False
    has_unpublished_changes = True
    owner = factory.LazyAttribute(lambda o: o.author.user if o.author else None)
    author = None


class SchoolPlanFactory(_RecordFactory):
    class Meta:
        model = SchoolPlanPage

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    slug = "ke-hoach-giao-duc"
    legal_basis = "<p>Căn cứ Thông tư 32/2018/TT-BGDĐT.</p>"
    conditions = "<p>Trường có 13 lớp, 28 cán bộ, giáo viên, nhân viên.</p>"
    objectives = "<p>Thực hiện Chương trình giáo dục phổ thông 2018.</p>"
    organisation = "<p>Dạy học 2 buổi/ngày.</p>"
    solutions = "<p>Đổi mới sinh hoạt chuyên môn theo nghiên cứu bài học.</p>"
    implementation = "<p>Các tổ chuyên môn xây dựng kế hoạch dạy học.</p>"


class EnrollmentRegisterFactory(_RecordFactory):
    """A sổ đăng bộ; `pupils=[...]` adds one entry per pupil."""

    class Meta:
        model = EnrollmentRegisterPage
        skip_postgeneration_save = True

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    cohort = "2026-2031"
    slug = factory.LazyAttribute(lambda o: f"so-dang-bo-khoa-{o.cohort}")

    @factory.post_generation
    def pupils(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            RegisterEntry.objects.bulk_create(
                RegisterEntry(
                    page=obj,
                    sort_order=n,
                    pupil=pupil,
                    register_number=pupil.register_number or f"{n + 1:03d}",
                    entry_date=pupil.entry_date or dt.date(2026, 9, 5),
                    entry_class="1A",
                )
                for n, pupil in enumerate(extracted)
            )


class OtherRecordFactory(_RecordFactory):
    class Meta:
        model = OtherRecordPage

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    title = "Kế hoạch bồi dưỡng thường xuyên"
    category = "Kế hoạch bồi dưỡng thường xuyên"
    deadline = factory.LazyAttribute(lambda o: dt.date(o.year.first_year, 10, 15))
    body = factory.LazyFunction(_section)


class GroupPlanFactory(_RecordFactory):
    class Meta:
        model = GroupTeachingPlanPage

    class Params:
        group = None

    parent = factory.LazyAttribute(lambda o: o.group.page)
    subject = "toan"
    grade = 1
    author = factory.LazyAttribute(lambda o: o.group.leader)
    rows = factory.LazyAttribute(
        lambda o: [
            {
                "type": "row",
                "value": {
                    "week": 1,
                    "month": 9,
                    "topic": "Chủ đề 1",
                    "lesson_title": "Các số 0, 1, 2, 3, 4, 5",
                    "periods": programme.SUBJECTS_BY_CODE[o.subject].periods_per_week[o.grade],
                    "adjustments": "",
                    "notes": "",
                },
            }
        ]
    )


class LessonPlanFactory(_RecordFactory):
    """One week's lesson plan of `teacher`, in the group of `school_class`."""

    class Meta:
        model = LessonPlanPage

    class Params:
        group = factory.LazyAttribute(lambda o: o.school_class.group)

    parent = factory.LazyAttribute(lambda o: o.group.page)
    author = factory.LazyAttribute(lambda o: o.teacher)
    week_number = 12
    week_start = factory.LazyAttribute(
        lambda o: (
            o.school_class.school_year.start_date
            - dt.timedelta(days=o.school_class.school_year.start_date.weekday())
            + dt.timedelta(weeks=o.week_number - 1)
        )
    )
    prepared_on = factory.LazyAttribute(lambda o: o.week_start - dt.timedelta(days=7))
    slug = factory.LazyAttribute(
        lambda o: f"tuan-{o.week_number}-{o.teacher.user.username.replace('.', '-')}"
    )
    timetable = factory.LazyAttribute(
        lambda o: [
            {
                "type": "row",
                "value": {
                    "weekday": 2,
                    "session": "sang",
                    "period": 1,
                    "subject": "toan",
                    "lesson_title": "Phép cộng trong phạm vi 10",
                    "ppct": (o.week_number - 1) * 5 + 1,
                    "aids": "Bảng phụ",
                    "notes": "",
                },
            }
        ]
    )
    lessons = factory.LazyAttribute(
        lambda o: [
            {
                "type": "lesson",
                "value": {
                    "subject": "toan",
                    "class_name": o.school_class.name,
                    "lesson_title": "Phép cộng trong phạm vi 10",
                    "periods": "Tiết 1",
                    "teaching_date": o.week_start.isoformat(),
                    "objectives": "<p>Thực hiện được phép cộng trong phạm vi 10.</p>",
                    "materials": "Sách giáo khoa, bảng phụ.",
                    "activities": [
                        {
                            "type": "item",
                            "value": {
                                "stage": "khoi_dong",
                                "minutes": 5,
                                "teacher_activity": "GV tổ chức trò chơi.",
                                "pupil_activity": "HS tham gia trò chơi.",
                            },
                        }
                    ],
                },
            }
        ]
    )


class StudentRecordFactory(_RecordFactory):
    """A học bạ with the first term's results of every subject and competence of the
    grade, as a homeroom teacher has entered them by December."""

    class Meta:
        model = StudentRecordPage
        skip_postgeneration_save = True

    class Params:
        school_class = None

    parent = factory.LazyAttribute(lambda o: o.school_class.page)
    pupil = factory.LazyAttribute(lambda o: PupilFactory(school=o.school_class.school))
    author = factory.LazyAttribute(lambda o: o.school_class.homeroom_teacher)
    slug = factory.LazyAttribute(lambda o: f"hoc-ba-{o.pupil.ministry_id}")
    height_cm = 115
    weight_kg = 20
    teacher_comment = "Em ngoan, lễ phép, tích cực tham gia hoạt động."

    @factory.post_generation
    def results(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or extracted is False:
            return
        grade = obj.school_class.grade
        SubjectResult.objects.bulk_create(
            SubjectResult(
                page=obj,
                sort_order=order,
                subject=subject.code,
                level_term1="T",
                score_term1=9 if subject.has_test(grade) else None,
                comment="Hoàn thành tốt nội dung học tập.",
            )
            for order, subject in enumerate(programme.subjects_for_grade(grade))
        )
        CompetenceResult.objects.bulk_create(
            CompetenceResult(page=obj, sort_order=order, competence=code, level_term1="T")
            for order, (code, _label) in enumerate(programme.COMPETENCE_CHOICES)
        )


class ClassSummaryFactory(_RecordFactory):
    class Meta:
        model = ClassResultSummaryPage

    class Params:
        school_class = None

    parent = factory.LazyAttribute(lambda o: o.school_class.page)
    author = factory.LazyAttribute(lambda o: o.school_class.homeroom_teacher)
    period = "giua_ky"
    slug = factory.LazyAttribute(lambda o: f"tong-hop-{o.period.replace('_', '-')}")
