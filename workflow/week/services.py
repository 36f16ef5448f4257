"""Writes for the teacher's week: next week's draft prefilled, last week's plan
copied a week on, a week's files handed in as one plan.

Each creates one draft lesson plan under the group's page, owned by the teacher,
with a first revision and its workflow state; each refuses, in words and naming
the plan, a second plan for the same teacher, class and week."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from intake.services import accept_bundle, accept_upload, attach
from recordpages.models import LessonPlanPage
from recordpages.permissions import get_scope
from recordpages.weeks import MAX_WEEK, monday_of_week
from workflow.services import record_content_saved
from workflow.week import selectors
from workflow.week.guess import PlannedLesson
from workflow.week.selectors import WeekTarget

logger = logging.getLogger(__name__)

WEEKDAYS = (2, 3, 4, 5, 6, 7)  # Thứ Hai … Thứ Bảy, as the báo giảng numbers them


class WeekRefused(Exception):
    """A refusal in words; `existing` is the plan that already holds the week."""

    def __init__(self, message: str, existing: LessonPlanPage | None = None):
        super().__init__(message)
        self.message = message
        self.existing = existing


def _checked(user, target: WeekTarget, week: int) -> WeekTarget:
    if not selectors.may_plan(user, target):
        raise PermissionDenied(_("Bạn không được lập kế hoạch bài dạy trong tổ này."))
    if not 1 <= week <= MAX_WEEK:
        raise WeekRefused(_("Tuần phải từ 1 đến %(max)d.") % {"max": MAX_WEEK})
    target = WeekTarget(
        teacher=target.teacher,
        year=target.year,
        school_class=target.school_class,
        group_page=target.group_page,
        week=week,
        monday=monday_of_week(target.year.start_date, week),
        previous=target.previous,
    )
    existing = selectors.existing_plan(target)
    if existing is not None:
        raise WeekRefused(
            _(
                "Đã có kế hoạch bài dạy tuần %(week)s của bạn cho lớp này: “%(title)s”. "
                "Hãy mở kế hoạch đó để sửa."
            )
            % {"week": week, "title": existing.draft_title or existing.title},
            existing=existing,
        )
    return target


def _titles_by_subject(planned: Sequence[PlannedLesson]) -> dict[str, list[str]]:
    """Each subject's lesson titles, one per period, in the plan's order."""
    titles: dict[str, list[str]] = {}
    for lesson in planned:
        titles.setdefault(lesson.subject, []).extend([lesson.lesson_title] * lesson.periods)
    return titles


def _teaching_day(timetable: list[dict], subject: str, monday: dt.date, skip: int) -> dt.date:
    """The day of the subject's (skip+1)-th period in the báo giảng, else Monday."""
    days = [
        row["value"].get("weekday")
        for row in timetable
        if row.get("value", {}).get("subject") == subject
    ]
    days = sorted(day for day in days if day in WEEKDAYS)
    if not days:
        return monday
    return monday + dt.timedelta(days=WEEKDAYS.index(days[min(skip, len(days) - 1)]))


def lesson_headers(
    planned: Sequence[PlannedLesson], *, class_name: str, monday: dt.date, timetable: list[dict]
) -> list[dict]:
    """One lesson block per planned lesson, its header filled (subject, class, title,
    periods, date); what the teacher writes (objectives, materials, activities) is left
    empty for them."""
    used: dict[str, int] = {}
    blocks = []
    for lesson in planned:
        first = used.get(lesson.subject, 0)
        used[lesson.subject] = first + lesson.periods
        periods = ", ".join(str(first + n) for n in range(1, lesson.periods + 1))
        blocks.append(
            {
                "type": "lesson",
                "id": str(uuid.uuid4()),
                "value": {
                    "subject": lesson.subject,
                    "class_name": class_name,
                    "lesson_title": lesson.lesson_title,
                    "periods": _("Tiết %(periods)s") % {"periods": periods},
                    "teaching_date": _teaching_day(
                        timetable, lesson.subject, monday, first
                    ).isoformat(),
                    "objectives": "",
                    "materials": "",
                    "activities": [],
                },
            }
        )
    return blocks


def _timetable(target: WeekTarget, planned: Sequence[PlannedLesson]) -> list[dict]:
    if target.previous is None:
        return []
    moved = target.previous.moved_to_week(target.week, titles=_titles_by_subject(planned))
    return moved["timetable"]


def _create(
    user, target: WeekTarget, *, fields: dict, today: dt.date, action: str
) -> LessonPlanPage:
    page = LessonPlanPage(
        teacher=target.teacher,
        school_class=target.school_class,
        week_number=target.week,
        week_start=target.monday,
        prepared_on=min(today, target.monday),
        owner=user,
        live=False,
        has_unpublished_changes=True,
        **fields,
    )
    page._cached_parent_obj = target.group_page
    target.group_page.add_child(instance=page)
    page.save_revision(user=user, log_action=True)
    record_content_saved(page=page, user=user, action=action)
    logger.info(
        "Week %s plan %s created (%s) for staff %s", target.week, page.pk, action, target.teacher.pk
    )
    return page


@transaction.atomic
def lesson_plan_new_week(*, user, target: WeekTarget, week: int, today: dt.date) -> LessonPlanPage:
    """Next week's draft: the báo giảng of the last plan a week on (PPCT continued,
    titles from the group's plan), the lessons' headers from the group's approved
    teaching plan for that week, subject by subject."""
    target = _checked(user, target, week)
    planned = selectors.planned_lessons(target.group_page, target.grade, target.week)
    timetable = _timetable(target, planned)
    class_name = target.school_class.name if target.school_class else ""
    lessons = lesson_headers(
        planned, class_name=class_name, monday=target.monday, timetable=timetable
    )
    return _create(
        user,
        target,
        fields={"timetable": timetable, "lessons": lessons},
        today=today,
        action="create",
    )


@transaction.atomic
def lesson_plan_copy_last_week(*, user, target: WeekTarget, week: int) -> LessonPlanPage:
    """The last plan copied to `week`: every date moved by the same number of weeks
    (Monday, each lesson's teaching date, the preparation date), the after-teaching
    notes and the handed-in file left behind."""
    target = _checked(user, target, week)
    previous = target.previous
    if previous is None:
        raise WeekRefused(_("Bạn chưa có kế hoạch tuần trước để chép."))
    planned = selectors.planned_lessons(target.group_page, target.grade, target.week)
    attrs = previous.moved_to_week(target.week, titles=_titles_by_subject(planned))
    attrs.update({"adjustments": "", "owner": user, "slug": ""})
    copy = previous.copy(
        to=target.group_page,
        update_attrs=attrs,
        exclude_fields=["source_file", "source_sha256"],
        copy_revisions=False,
        keep_live=False,
        user=user,
    ).specific
    record_content_saved(page=copy, user=user, action="create")
    return copy


def week_files_accept(*, user, uploads: Sequence):
    """Check and keep a week's files (one per lesson, or one for the week) before the
    teacher confirms what was guessed: one RecordFile (a bundle of several), not yet
    attached to a record. IntakeRefused, storing nothing, for a file we do not take."""
    staff = get_scope(user).staff
    if staff is None or staff.school_id is None:
        raise PermissionDenied(_("Bạn không được lập kế hoạch bài dạy."))
    if len(uploads) == 1:
        return accept_upload(uploads[0], school=staff.school, staff=staff)
    return accept_bundle(list(uploads), school=staff.school, staff=staff)


@transaction.atomic
def lesson_plan_from_files(
    *,
    user,
    target: WeekTarget,
    week: int,
    record_file,
    lessons: Sequence[PlannedLesson],
    today: dt.date,
) -> LessonPlanPage:
    """One draft plan for the week handed in as files: the accepted file is its
    source (converted by the intake worker); the báo giảng and the lessons' headers
    are filled as far as the guessing went, so that the báo giảng prints."""
    target = _checked(user, target, week)
    if record_file.uploaded_by_id != target.teacher.pk or record_file.page_id is not None:
        raise PermissionDenied(_("Tệp này không phải tệp bạn vừa tải lên."))
    planned = selectors.planned_lessons(target.group_page, target.grade, target.week)
    timetable = _timetable(target, planned)
    class_name = target.school_class.name if target.school_class else ""
    headers = lesson_headers(
        lessons, class_name=class_name, monday=target.monday, timetable=timetable
    )
    page = _create(
        user,
        target,
        fields={"timetable": timetable, "lessons": headers, "source_file": record_file},
        today=today,
        action="create",
    )
    attach(record_file, page)
    return page


__all__ = [
    "WeekRefused",
    "lesson_plan_copy_last_week",
    "lesson_plan_from_files",
    "lesson_plan_new_week",
    "week_files_accept",
]
