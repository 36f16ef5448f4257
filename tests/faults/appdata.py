"""Data for the application that tests/faults runs as a real server (gunicorn) on its
own PostgreSQL. Run inside that application's environment:

    manage.py shell -c "from tests.faults.appdata import prepare; prepare()"

It prints one JSON line: the records and accounts the tests use.
"""

from __future__ import annotations

import json

PASSWORD = "Demo@2026hoso"


def prepare() -> None:
    from recordpages.models import LessonPlanPage, OtherRecordPage
    from tests.conftest import load_small_district
    from workflow import services
    from workflow.audit import chain_name
    from workflow.models import RecordState

    load_small_district()
    services.ensure_all_record_states()
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    lesson = LessonPlanPage.objects.get(teacher__user__username="hn.giaovien")
    services.record_transition(
        user=users.get(username="hn.giaovien"), page_id=lesson.pk, transition="submit"
    )
    services.record_transition(
        user=users.get(username="hn.totruong1"), page_id=lesson.pk, transition="check"
    )
    other = OtherRecordPage.objects.filter(school__code="THHN").order_by("pk").first()
    state = RecordState.objects.get(pk=lesson.pk)
    print(
        json.dumps(
            {
                "lesson_plan": lesson.pk,
                "approver": "hn.phohieutruong",
                "other_record": other.pk,
                "other_record_deadline": other.deadline.strftime("%d/%m/%Y"),
                "other_record_category": other.category,
                "other_record_author": other.author_id or "",
                "editor": "admin",
                "password": PASSWORD,
                "chain": chain_name(state.school_id),
            }
        )
    )
