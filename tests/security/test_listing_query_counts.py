"""The page explorer costs a fixed number of queries, whatever the role and however
many rows it lists (issue 18): a year page, a class page and a group page, with
5 and then 25 records under them, for every role of the school, the authority's
staff and a superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import kept_for_module
from tests.factories import (
    LessonPlanFactory,
    OtherRecordFactory,
    StudentRecordFactory,
    UserFactory,
    school_world,
)

# A year page lists five page types, which Wagtail fetches one query each (its
# superuser's own count is 35). Measured on SQLite and PostgreSQL alike; one fewer
# since a user's rights are read in one query (accounts.backends.PermissionsBackend).
MOST_QUERIES = {"year": 38, "class": 34, "group": 33}
FEW, MANY = 5, 25

ROLES = [
    "hn.giaovien",  # teacher
    "hn.totruong1",  # group leader
    "hn.phohieutruong",  # vice-principal
    "hn.hieutruong",  # principal
    "hn.vanthu",  # clerk
    "thanh.tra",  # inspector
    "phong.gd",  # district office
    "root",  # superuser
]


def _add_records(world, kind: str, count: int) -> None:
    school_class = world.classes["1B"]
    for _n in range(count):
        if kind == "year":
            OtherRecordFactory(
                school=world.school, year=world.year, author=world.staff["hn.phohieutruong2"]
            )
        elif kind == "class":
            StudentRecordFactory(school_class=school_class)
        else:
            _add_records.week += 1
            LessonPlanFactory(
                teacher=world.staff["hn.giaovien"],
                school_class=school_class,
                week_number=_add_records.week,
            )


_add_records.week = 12


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = school_world()
            UserFactory(username="root", is_superuser=True, is_staff=True)
            for kind in ("year", "class", "group"):
                _add_records(built, kind, FEW - 1)  # beside the world's own record
        yield built


def _parent_id(world, kind: str) -> int:
    if kind == "year":
        return world.records["other"].get_parent().pk
    if kind == "class":
        return world.classes["1B"].page.pk
    return world.group.page.pk


def _queries(username: str, page_id: int) -> int:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/admin/pages/{page_id}/")
    assert response.status_code == 200, (username, page_id)
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["year", "class", "group"])
def test_the_explorer_costs_the_same_few_queries_for_5_and_25_rows(world, kind):
    page_id = _parent_id(world, kind)
    _queries("root", page_id)  # warm the process's caches (content types, sites)
    few = {username: _queries(username, page_id) for username in ROLES}
    _add_records(world, kind, MANY - FEW)
    many = {username: _queries(username, page_id) for username in ROLES}
    assert many == few
    assert max(many.values()) == MOST_QUERIES[kind], many
