"""Shared steps of the week tests: an approved group plan for week 13, a logged-in client."""

from __future__ import annotations

from django.test import Client

from recordpages import programme
from recordpages.models import GroupTeachingPlanPage
from tests.factories.records import GroupPlanFactory
from tests.security.security_helpers import force_login_verified
from workflow.choices import State
from workflow.models import RecordState
from workflow.services import ensure_all_record_states

WEEK13 = {
    "toan": [("Bài 45: Phép cộng trong phạm vi 10", 2), ("Bài 46: Luyện tập", 1)],
    "tieng_viet": [("Bài 13A: Vần an, at", 6), ("Bài 13B: Vần en, et", 6)],
}


def approved_group_plans(world) -> list[GroupTeachingPlanPage]:
    """Tổ 1's teaching plans of Toán and Tiếng Việt for grade 1, approved, week 13 filled."""
    plans = []
    GroupTeachingPlanPage.objects.filter(pk=world.records["group_plan"].pk).delete()
    for subject, lessons in WEEK13.items():
        rows = [
            {
                "type": "row",
                "value": {
                    "week": 13,
                    "month": 11,
                    "topic": "Chủ đề 5",
                    "lesson_title": title,
                    "periods": periods,
                    "adjustments": "",
                    "notes": "",
                },
            }
            for title, periods in lessons
        ]
        rows.append({"type": "row", "value": {**rows[0]["value"], "week": 14, "lesson_title": "X"}})
        plan = GroupPlanFactory(group=world.group, subject=subject, rows=rows, slug=f"kh-{subject}")
        assert programme.SUBJECTS_BY_CODE[subject].taught_in(plan.grade)
        plans.append(plan)
    ensure_all_record_states()
    RecordState.objects.filter(pk__in=[p.pk for p in plans]).update(state=State.APPROVED)
    return plans


def client_for(user) -> Client:
    client = Client()
    force_login_verified(client, user)
    return client
