"""The demo records: school plan, group plans, lesson plans, học bạ, the register and
the school's other records. A mixin of DemoLoader, split out by area: it builds pages
under the tree DemoLoader made, with the same seeded randomness."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from wagtail.models import Page

from recordpages import programme
from recordpages.authorities import authority_term
from recordpages.demo import content
from recordpages.demo.dates import first_monday, week_of
from recordpages.models import (
    CompetenceResult,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    Promotion,
    RegisterEntry,
    SchoolPlanPage,
    StudentRecordPage,
    SubjectResult,
)

if TYPE_CHECKING:
    from recordpages.demo.loader import Options


class RecordBuilders:
    """Record pages of one school year; `o` is the loader's Options."""

    o: Options

    @staticmethod
    def rng(*key) -> random.Random:
        """A generator seeded by a natural key: the same object always gets the same values."""
        return random.Random("/".join(str(part) for part in key))

    @staticmethod
    def child(parent: Page, page: Page, slug: str, *, live: bool = True) -> Page:
        existing = parent.get_children().filter(slug=slug).first()
        if existing is not None:
            return existing.specific
        page.slug = slug
        page.live = live
        page.has_unpublished_changes = not live
        page._cached_parent_obj = parent
        return parent.add_child(instance=page)

    def school_plan(self, year_page, school, year, author, rng) -> None:
        classes = 13
        fmt = {
            "authority": "Phòng Giáo dục và Đào tạo quận Dương Kinh",
            "school": school.name,
            "year": year.name,
            "classes": classes,
            "pupils": classes * 30,
            "staff": 28,
        }
        allocation = [
            {
                "type": "row",
                "value": {
                    "grade": grade,
                    "subject": subject.code,
                    "periods_per_week": str(subject.periods_per_week[grade]),
                    "periods_per_year": int(
                        subject.periods_per_week[grade] * programme.WEEKS_PER_YEAR
                    ),
                },
            }
            for grade in range(1, 6)
            for subject in programme.subjects_for_grade(grade)
        ]
        self.child(
            year_page,
            SchoolPlanPage(
                author=author,
                legal_basis=content.LEGAL_BASIS.format(**fmt),
                conditions=content.CONDITIONS.format(**fmt),
                objectives=content.OBJECTIVES,
                organisation=content.ORGANISATION,
                time_allocation=allocation,
                solutions=content.SOLUTIONS,
                implementation=content.IMPLEMENTATION,
                recipients=_recipients(school, year),
            ),
            "ke-hoach-giao-duc",
        )

    def group_plans(self, group_page, grade, leader, rng) -> None:
        for subject in ("tieng_viet", "toan"):
            titles = content.LESSON_TITLES[subject]
            rows = [
                {
                    "type": "row",
                    "value": {
                        "week": week,
                        "month": 9 + (week - 1) // 4 if week <= 16 else (week - 17) // 4 + 1,
                        "topic": content.TOPICS[subject][(week - 1) // 3 % 4],
                        "lesson_title": titles[(week - 1) % len(titles)].format(grade=grade),
                        "periods": programme.SUBJECTS_BY_CODE[subject].periods_per_week[grade],
                        "adjustments": "",
                        "notes": "",
                    },
                }
                for week in range(1, 13)
            ]
            self.child(
                group_page,
                GroupTeachingPlanPage(
                    subject=subject,
                    grade=grade,
                    author=leader,
                    general_notes="<p>Thực hiện theo Chương trình GDPT 2018 và sách giáo khoa "
                    "bộ Kết nối tri thức với cuộc sống.</p>",
                    rows=rows,
                ),
                f"ke-hoach-day-hoc-{subject.replace('_', '-')}-lop-{grade}",
                live=False,
            )

    def lesson_plans(self, group_page, year, teachers, grade, rng, *, weeks: int) -> None:
        """`weeks` weeks of lesson plans per teacher, up to next week's."""
        current = week_of(year, self.o.today)
        for teacher in teachers:
            school_class = teacher.homeroom_classes.filter(school_year=year).first()
            for week in range(max(1, current - weeks + 2), current + 2):
                start = first_monday(year) + dt.timedelta(weeks=week - 1)
                timetable, lessons = [], []
                for day_index, weekday in enumerate(range(2, 7)):
                    for period, subject in enumerate(
                        ("tieng_viet", "tieng_viet", "toan", "dao_duc"), 1
                    ):
                        titles = content.LESSON_TITLES[subject]
                        timetable.append(
                            {
                                "type": "row",
                                "value": {
                                    "weekday": weekday,
                                    "session": "sang",
                                    "period": period,
                                    "subject": subject,
                                    "lesson_title": titles[(week + day_index) % len(titles)].format(
                                        grade=grade, n=week
                                    ),
                                    "ppct": (week - 1) * 5 + day_index + 1,
                                    "aids": "Bảng phụ, phiếu học tập",
                                    "notes": "",
                                },
                            }
                        )
                for subject in ("toan", "tieng_viet"):
                    title = content.LESSON_TITLES[subject][
                        week % len(content.LESSON_TITLES[subject])
                    ].format(grade=grade)
                    lessons.append(
                        {
                            "type": "lesson",
                            "value": {
                                "subject": subject,
                                "class_name": school_class.name if school_class else f"{grade}A",
                                "lesson_title": title,
                                "periods": "Tiết 1",
                                "teaching_date": start.isoformat(),
                                "objectives": content.OBJECTIVES_LESSON.format(title=title),
                                "materials": content.LESSON_MATERIALS[subject],
                                # Plain values: a ListBlock reads {"type": "item", ...}
                                # without an "id" as the value itself, so every field
                                # of the activity came out None.
                                "activities": [
                                    {
                                        "stage": stage,
                                        "minutes": minutes,
                                        "teacher_activity": by_teacher.format(title=title),
                                        "pupil_activity": by_pupils,
                                    }
                                    for stage, minutes, by_teacher, by_pupils in (
                                        content.LESSON_ACTIVITIES
                                    )
                                ],
                            },
                        }
                    )
                self.child(
                    group_page,
                    LessonPlanPage(
                        teacher=teacher,
                        week_number=week,
                        week_start=start,
                        prepared_on=start - dt.timedelta(days=7),
                        school_class=school_class,
                        timetable=timetable,
                        lessons=lessons,
                        owner=teacher.user,
                    ),
                    f"tuan-{week}-{teacher.user.username.replace('.', '-')}",
                    live=False,
                )

    def student_records(self, class_page, school_class, teacher, pupils) -> None:
        grade = school_class.grade
        subjects = programme.subjects_for_grade(grade)
        for pupil in pupils:
            slug = f"hoc-ba-{pupil.ministry_id}"
            if class_page.get_children().filter(slug=slug).exists():
                continue
            rng = self.rng(slug)
            page = self.child(
                class_page,
                StudentRecordPage(
                    pupil=pupil,
                    author=teacher,
                    owner=teacher.user,
                    height_cm=105 + grade * 6 + rng.randint(-5, 5),
                    weight_kg=17 + grade * 2 + rng.randint(-3, 4),
                    days_absent_excused=rng.choice([0, 0, 0, 1, 2]),
                    teacher_comment="Em ngoan, lễ phép, tích cực tham gia hoạt động.",
                ),
                slug,
                live=False,
            )
            strength = rng.random()
            results = []
            for order, subject in enumerate(subjects):
                level = "T" if strength > 0.45 else ("H" if strength > 0.05 else "C")
                if rng.random() < 0.2:
                    level = "H" if level == "T" else level
                score = None
                if subject.has_test(grade):
                    score = {
                        "T": rng.randint(8, 10),
                        "H": rng.randint(5, 8),
                        "C": rng.randint(3, 4),
                    }[level]
                results.append(
                    SubjectResult(
                        page=page,
                        sort_order=order,
                        subject=subject.code,
                        level_mid1=level,  # the class summary of mid-term I reads it
                        level_term1=level,
                        score_term1=score,
                        score_mid1=score if subject.has_midterm_test(grade) else None,
                        comment=rng.choice(content.SUBJECT_COMMENTS[level]),
                    )
                )
            SubjectResult.objects.bulk_create(results)
            CompetenceResult.objects.bulk_create(
                [
                    CompetenceResult(
                        page=page,
                        sort_order=order,
                        competence=code,
                        level_mid1="T" if strength > 0.4 else "Đ",
                        level_term1="T" if strength > 0.4 else "Đ",
                        comment="Mạnh dạn, tự tin." if strength > 0.4 else "Cần mạnh dạn hơn.",
                    )
                    for order, (code, _label) in enumerate(programme.COMPETENCE_CHOICES)
                ]
            )

    def register(self, year_page, school, year, grade, entries, clerk) -> None:
        cohort_start = year.first_year - (grade - 1)
        cohort = f"{cohort_start}-{cohort_start + 5}"
        slug = f"so-dang-bo-khoa-{cohort}"
        if year_page.get_children().filter(slug=slug).exists():
            return
        page = self.child(
            year_page, EnrollmentRegisterPage(cohort=cohort, author=clerk), slug, live=False
        )
        # "Hoàn thành chương trình tiểu học": the day the grade-5 học bạ says so.
        completed = (
            dict(
                StudentRecordPage.objects.filter(
                    school_year=year, pupil__in=[p for p, _c in entries]
                )
                .filter(promotion=Promotion.COMPLETED_PRIMARY)
                .values_list("pupil_id", "school_year__end_date")
            )
            if grade == 5
            else {}
        )
        RegisterEntry.objects.bulk_create(
            [
                RegisterEntry(
                    page=page,
                    sort_order=n,
                    pupil=pupil,
                    register_number=pupil.register_number,
                    entry_date=pupil.entry_date,
                    entry_class=f"1{class_name[1:]}",
                    completed_on=completed.get(pupil.pk),
                )
                for n, (pupil, class_name) in enumerate(entries)
            ]
        )

    def other_records(self, year_page, year, author, rng) -> None:
        for slug, category, title, deadline in (
            (
                "so-theo-doi-chat-luong",
                "Sổ theo dõi chất lượng giáo dục",
                "Sổ theo dõi chất lượng giáo dục học kì I",
                dt.date(year.first_year + 1, 1, 15),
            ),
            (
                "ke-hoach-boi-duong",
                "Kế hoạch bồi dưỡng thường xuyên",
                f"Kế hoạch bồi dưỡng thường xuyên năm học {year.name}",
                dt.date(year.first_year, 10, 15),
            ),
        ):
            self.child(
                year_page,
                OtherRecordPage(
                    title=title,
                    category=category,
                    deadline=deadline,
                    author=author,
                    body=[
                        {"type": "section", "value": {"heading": heading, "body": body}}
                        for heading, body in content.OTHER_RECORD_SECTIONS[slug]
                    ],
                ),
                slug,
                live=False,
            )


def _recipients(school, year) -> str:
    """ "Nơi nhận" of the school plan: the authority of the plan's year reports first
    (the ward and the provincial department after the 2025 reform)."""
    term = authority_term(school, year)
    above = ["Phòng GD&ĐT (để báo cáo)"]
    if term is not None and term.professional_body:
        above = [f"{term.authority_name} (để báo cáo)", f"{term.professional_body} (để báo cáo)"]
    return "\n".join(
        [*(f"- {line};" for line in above), "- Các tổ chuyên môn (để thực hiện);", "- Lưu: VT."]
    )
