"""Helper of benchmarks/peak.py, run with its environment: makes one draft lesson plan
per virtual teacher (copies of the demo teachers' own plans, for weeks not yet
planned) and prints, as one JSON line, each draft with the session cookies of its
teacher, group leader and approver (sessions past the second factor)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from benchmarks._load_fixtures import session_cookie  # noqa: E402
from recordpages.models import LessonPlanPage, RoleCode, StaffProfile  # noqa: E402
from workflow.choices import State  # noqa: E402
from workflow.models import RecordState  # noqa: E402

LAST_WEEK = 37  # LessonPlanPage.week_number's maximum


def _templates() -> list[LessonPlanPage]:
    """One approved plan of each teacher whose plans go the whole way (submitted by
    the teacher, checked by a leader who is someone else, approved)."""
    approved = RecordState.objects.filter(
        record_type=LessonPlanPage.record_type, state=State.APPROVED
    ).values("pk")
    chosen: dict[int, LessonPlanPage] = {}
    for plan in LessonPlanPage.objects.filter(pk__in=approved).order_by("pk"):
        chosen.setdefault(plan.teacher_id, plan)
    return list(chosen.values())


def _approver(plan: LessonPlanPage) -> StaffProfile:
    """The vice-principal assigned lesson plans (as the demo's approvals go)."""
    for vice in StaffProfile.objects.filter(
        school_id=plan.school_id, roles__code=RoleCode.VICE_PRINCIPAL
    ).order_by("user__username"):
        if plan.record_type in (vice.assigned_categories or []):
            return vice
    return StaffProfile.objects.get(school_id=plan.school_id, roles__code=RoleCode.PRINCIPAL)


def _free_weeks(plan: LessonPlanPage) -> list[int]:
    """The weeks after the teacher's last plan for the class (the demo plans up to the
    week after its day)."""
    last = max(
        LessonPlanPage.objects.filter(
            teacher_id=plan.teacher_id, school_class_id=plan.school_class_id
        ).values_list("week_number", flat=True)
    )
    return list(range(last + 1, LAST_WEEK + 1))


@transaction.atomic
def drafts(count: int) -> list[LessonPlanPage]:
    slots = [(template, week) for template in _templates() for week in _free_weeks(template)]
    if len(slots) < count:
        raise SystemExit(f"the demo's teachers have {len(slots)} free weeks, not {count}")
    # Round robin over the teachers: week by week, as many teachers as possible.
    slots.sort(key=lambda slot: (slot[1], slot[0].pk))
    made = []
    for template, week in slots[:count]:
        start = template.week_start + dt.timedelta(weeks=week - template.week_number)
        made.append(
            template.copy(
                update_attrs={
                    "slug": f"{template.slug}-peak-{week}",
                    "week_number": week,
                    "week_start": start,
                    "prepared_on": start - dt.timedelta(days=7),
                    "live": False,
                },
                keep_live=False,
                log_action=None,
            ).specific
        )
    return made


def main() -> None:
    cookies: dict[int, str] = {}

    def cookie(staff: StaffProfile) -> str:
        if staff.pk not in cookies:
            cookies[staff.pk] = session_cookie(staff.user.username, verified=True)
        return cookies[staff.pk]

    plans = []
    for plan in drafts(int(sys.argv[1])):
        plans.append(
            {
                "page": plan.pk,
                "teacher": cookie(plan.teacher),
                "leader": cookie(plan.group.leader),
                "approver": cookie(_approver(plan)),
            }
        )
    print("PEAK " + json.dumps(plans))


main()
