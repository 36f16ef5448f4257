"""One record of each type in hn.giaovien's school (THHN) of the small district, for
the tests that walk every record type."""

from __future__ import annotations

from recordpages.models import (
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    SchoolPlanPage,
    StudentRecordPage,
)

TEACHER = "hn.giaovien"


def one_record_of_each_type() -> dict:
    return {
        "lesson_plan": LessonPlanPage.objects.get(teacher__user__username=TEACHER),
        "group_plan": GroupTeachingPlanPage.objects.get(
            group__leader__user__username="hn.totruong1", subject="toan"
        ),
        "school_plan": SchoolPlanPage.objects.get(school__code="THHN"),
        "student_record": StudentRecordPage.objects.filter(
            school_class__homeroom_teacher__user__username=TEACHER
        ).first(),
        "class_summary": ClassResultSummaryPage.objects.get(
            school_class__homeroom_teacher__user__username=TEACHER
        ),
        "enrollment_register": EnrollmentRegisterPage.objects.filter(school__code="THHN").first(),
        "other": OtherRecordPage.objects.filter(school__code="THHN").first(),
    }
