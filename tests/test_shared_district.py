"""The `district` fixture is loaded once per module and each test still starts from
it unchanged: the module's tests run in savepoints of one transaction that is rolled
back when the module ends (tests/conftest.py, kept_for_module)."""

from __future__ import annotations

import pytest

from recordpages.models import LessonPlanPage, StaffProfile
from tests import conftest
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

_seen: dict[str, int] = {}


def test_a_test_may_change_the_shared_district(district):
    _seen["loads"] = conftest.load_small_district.calls
    _seen["plans"] = LessonPlanPage.objects.count()
    LessonPlanPage.objects.filter(teacher__user__username="hn.giaovien").first().delete()
    StaffProfile.objects.filter(user__username="hn.hieutruong").update(full_name="Đã đổi")

    assert LessonPlanPage.objects.count() == _seen["plans"] - 1


def test_the_next_test_finds_the_district_as_loaded_and_not_loaded_again(district):
    assert conftest.load_small_district.calls == _seen["loads"]
    assert LessonPlanPage.objects.count() == _seen["plans"]
    assert StaffProfile.objects.get(user__username="hn.hieutruong").full_name != "Đã đổi"
    assert (
        RecordState.objects.filter(pk__in=LessonPlanPage.objects.values("pk")).count()
        == (_seen["plans"])
    )
