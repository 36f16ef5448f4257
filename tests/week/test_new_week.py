"""'Soạn kế hoạch tuần mới' and 'Chép từ tuần trước' on the teacher's dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from recordpages.models import LessonPlanPage
from tests.week.helpers import approved_group_plans, client_for
from workflow.models import RecordState

TODAY = dt.date(2026, 11, 20)  # week 12 of 2026-2027 (week 1 from Monday 31/08/2026)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with freeze_time("2026-11-20 08:00:00"):
        yield


def _plan(teacher, week):
    return LessonPlanPage.objects.get(teacher=teacher, week_number=week)


def test_the_dashboard_offers_next_week_for_the_teachers_class(world, teacher):
    response = client_for(teacher.user).get(reverse("wagtailadmin_home"))
    page = response.content.decode()
    assert "Soạn kế hoạch tuần mới" in page and "Chép từ tuần trước" in page
    assert "Lớp 1B: tuần 13, từ thứ Hai 23/11/2026" in page
    assert "Nộp kế hoạch cả tuần bằng tệp" in page


def test_readers_and_other_roles_see_no_week_panel(world):
    for username in ("hn.hieutruong", "hn.vanthu", "thanh.tra"):
        page = client_for(world.user(username)).get(reverse("wagtailadmin_home")).content
        assert "Soạn kế hoạch tuần mới".encode() not in page


def test_new_week_prefills_next_week_from_last_plan_and_the_group_plan(world, teacher, plan):
    approved_group_plans(world)
    response = client_for(teacher.user).post(
        reverse("week_new"), {"week": 13, "school_class": world.classes["1B"].pk}
    )
    new = _plan(teacher, 13)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[new.pk])
    new = new.get_latest_revision_as_object()
    assert (new.school_class, new.week_start, new.prepared_on) == (
        world.classes["1B"],
        dt.date(2026, 11, 23),
        TODAY,
    )
    # The báo giảng row of last week, a week on: PPCT continued, title from the group plan.
    row = new.timetable[0].value
    assert (row["weekday"], row["session"], row["period"], row["subject"]) == (2, "sang", 1, "toan")
    assert row["ppct"] == plan.timetable[0].value["ppct"] + 1
    assert row["lesson_title"] == "Bài 45: Phép cộng trong phạm vi 10"
    # The lessons' headers from the group's approved plan for week 13, subject by subject.
    headers = [
        (b.value["subject"], b.value["lesson_title"], b.value["periods"]) for b in new.lessons
    ]
    assert headers == [
        ("tieng_viet", "Bài 13A: Vần an, at", "Tiết 1, 2, 3, 4, 5, 6"),
        ("tieng_viet", "Bài 13B: Vần en, et", "Tiết 7, 8, 9, 10, 11, 12"),
        ("toan", "Bài 45: Phép cộng trong phạm vi 10", "Tiết 1, 2"),
        ("toan", "Bài 46: Luyện tập", "Tiết 3"),
    ]
    assert new.lessons[2].value["teaching_date"] == dt.date(2026, 11, 23)
    assert new.lessons[0].value["class_name"] == "1B"
    assert RecordState.objects.get(pk=new.pk).author_id == teacher.pk


def test_a_second_click_for_the_same_week_is_refused_and_links_the_plan(world, teacher, plan):
    client = client_for(teacher.user)
    data = {"week": 13, "school_class": world.classes["1B"].pk}
    client.post(reverse("week_new"), data)
    count = LessonPlanPage.objects.count()
    response = client.post(reverse("week_new"), data, follow=True)
    assert LessonPlanPage.objects.count() == count
    page = response.content.decode()
    assert "Đã có kế hoạch bài dạy tuần 13 của bạn cho lớp này" in page
    assert reverse("wagtailadmin_pages:edit", args=[_plan(teacher, 13).pk]) in page


def test_copy_last_week_moves_every_date_by_seven_days(world, teacher, plan):
    plan.adjustments = "Học sinh cần luyện thêm."
    plan.save()
    response = client_for(teacher.user).post(
        reverse("week_copy"), {"week": 13, "school_class": world.classes["1B"].pk}
    )
    assert response.status_code == 302
    copy = _plan(teacher, 13).get_latest_revision_as_object()
    week = dt.timedelta(days=7)
    assert copy.week_start == plan.week_start + week
    assert copy.prepared_on == plan.prepared_on + week
    assert [b.value["teaching_date"] for b in copy.lessons] == [
        b.value["teaching_date"] + week for b in plan.lessons
    ]
    assert copy.lessons[0].value["objectives"].source == plan.lessons[0].value["objectives"].source
    assert copy.adjustments == ""
    assert RecordState.objects.filter(pk=copy.pk).exists()


def test_a_teacher_may_not_plan_for_a_class_of_another_teacher(world, teacher):
    count = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(
        reverse("week_new"), {"week": 13, "school_class": world.classes["1A"].pk}
    )
    assert response.status_code == 404
    assert LessonPlanPage.objects.count() == count


def test_a_reader_posting_the_week_screens_creates_nothing(world):
    count = LessonPlanPage.objects.count()
    client = client_for(world.user("thanh.tra"))
    for name in ("week_new", "week_copy"):
        # Refused (403), or turned away earlier by the read-only roles' gate.
        assert client.post(reverse(name), {"week": 13}).status_code in (302, 403)
    assert LessonPlanPage.objects.count() == count


def test_wagtails_copy_of_a_lesson_plan_goes_to_next_week(world, teacher, plan):
    client = client_for(teacher.user)
    response = client.get(reverse("wagtailadmin_pages:copy", args=[plan.pk]))
    assert response["Location"] == reverse("week_copy_plan", args=[plan.pk])
    assert "Chép sang tuần 13" in client.get(response["Location"]).content.decode()
    client.post(response["Location"])
    copy = _plan(teacher, 13)
    assert copy.week_start == plan.week_start + dt.timedelta(days=7)
    assert LessonPlanPage.objects.filter(teacher=teacher, week_number=12).count() == 1


def test_a_group_leader_who_teaches_plans_their_own_class(world):
    leader = world.staff["hn.totruong1"]  # homeroom teacher of 1A, no plan yet
    page = client_for(leader.user).get(reverse("wagtailadmin_home")).content.decode()
    assert "Lớp 1A: tuần 12, từ thứ Hai 16/11/2026" in page
    assert "Chép từ tuần trước" not in page  # nothing to copy yet
    response = client_for(leader.user).post(
        reverse("week_new"), {"week": 12, "school_class": world.classes["1A"].pk}
    )
    assert response.status_code == 302
    new = LessonPlanPage.objects.get(teacher=leader, week_number=12)
    assert (new.school_class, new.week_start) == (world.classes["1A"], dt.date(2026, 11, 16))
