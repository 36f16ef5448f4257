"""The other listings a school user waits on cost a fixed number of queries, whatever
the role and however many rows they list (issue 18): the admin home with its panels
(my records due, what waits for my review, the school's deadlines) and the list of
what waits for one's signature, with 1× and 3× records in each, for every role of the
school, the authority's staff and a superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import kept_for_module
from tests.factories import LessonPlanFactory, StudentRecordFactory, UserFactory, school_world
from tests.factories.states import take_to
from tests.security.test_listing_query_counts import ROLES
from tests.workflow.conftest import complete_student_record
from workflow.choices import State

HOME, SIGNING = "/admin/", "/admin/ky-so/"
# Measured: the principal's home (four panels) and signing list with 1× rows.
MOST_QUERIES = {HOME: 34, SIGNING: 17}
ROWS = 2

# The signing list is a school's: the authority's staff and a superuser are sent home.
SIGNERS = ROLES[:5]


class _Rows:
    """Records added in batches: a draft lesson plan of the teacher (their records
    due), a lesson plan handed in (the group leader's, vice-principal's and
    principal's review) and a học bạ handed in (the principal's signature)."""

    def __init__(self, world):
        self.world = world
        # Weeks already begun, so that every draft is due (the world's own plan is
        # week 12's): 3× rows take twelve of them.
        self.weeks = iter([*range(1, 12), 13])
        self.drafts: list[int] = []
        self.handed_in: list[int] = []
        self.to_sign: list[int] = []

    def add(self, count: int) -> None:
        teacher = self.world.staff["hn.giaovien"]
        school_class = self.world.classes["1B"]
        for _n in range(count):
            draft = LessonPlanFactory(
                teacher=teacher, school_class=school_class, week_number=next(self.weeks)
            )
            self.drafts.append(draft.pk)
            plan = LessonPlanFactory(
                teacher=teacher, school_class=school_class, week_number=next(self.weeks)
            )
            take_to(plan, State.SUBMITTED)
            self.handed_in.append(plan.pk)
            record = complete_student_record(StudentRecordFactory(school_class=school_class))
            take_to(record, State.SUBMITTED)
            self.to_sign.append(record.pk)


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            added = _Rows(school_world())
            UserFactory(username="root", is_superuser=True, is_staff=True)
            added.add(ROWS)
        yield added


def _get(username: str, url: str) -> tuple[int, str]:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == (200 if username in SIGNERS or url == HOME else 302)
    return len(captured), response.content.decode()


def _listed(content: str, page_ids: list[int]) -> int:
    """How many of these records the page lists: a panel links each to its record
    page, the signing list marks each row with its page id."""
    return sum(
        f"/admin/ho-so/{pk}/" in content or f'data-page-id="{pk}"' in content for pk in page_ids
    )


def _measure(rows: _Rows, url: str, roles: list[str]) -> tuple[dict, dict]:
    counts, listed = {}, {}
    for username in roles:
        counts[username], content = _get(username, url)
        listed[username] = (
            _listed(content, rows.drafts),
            _listed(content, rows.handed_in),
            _listed(content, rows.to_sign),
        )
    return counts, listed


@pytest.fixture(scope="module")
def measured(rows, django_db_blocker):
    """Each listing measured for every role with 1× rows, then with 3× rows."""
    with django_db_blocker.unblock():
        _get("hn.hieutruong", HOME)  # warm the process's caches (content types, sites)
        few = {HOME: _measure(rows, HOME, ROLES), SIGNING: _measure(rows, SIGNING, SIGNERS)}
        rows.add(2 * ROWS)
        many = {HOME: _measure(rows, HOME, ROLES), SIGNING: _measure(rows, SIGNING, SIGNERS)}
    return few, many


@pytest.mark.django_db
def test_the_admin_home_costs_the_same_few_queries_for_1x_and_3x_rows(measured):
    few, many = measured
    assert many[HOME][0] == few[HOME][0]
    assert max(many[HOME][0].values()) <= MOST_QUERIES[HOME], many[HOME][0]
    # The rows are there: the teacher's drafts due, the group leader's review.
    assert many[HOME][1]["hn.giaovien"][0] == 3 * ROWS, many[HOME][1]
    assert many[HOME][1]["hn.totruong1"][1] == 3 * ROWS, many[HOME][1]


@pytest.mark.django_db
def test_the_signing_list_costs_the_same_few_queries_for_1x_and_3x_rows(measured):
    few, many = measured
    assert many[SIGNING][1]["hn.hieutruong"][2] == 3 * ROWS, many[SIGNING][1]
    assert max(many[SIGNING][0].values()) <= MOST_QUERIES[SIGNING], many[SIGNING][0]
    assert many[SIGNING][0] == few[SIGNING][0]
