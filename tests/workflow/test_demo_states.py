"""The demo district has records in every state, some late, so every dashboard has
something real on it."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from recordpages.demo.loader import Options, load_demo_district
from tests.conftest import DEMO_TODAY
from workflow.choices import State
from workflow.deadlines import DeadlineStatus, with_status
from workflow.demo import apply_demo_states
from workflow.models import Correction, RecordState


def _sequences_as_in_a_fresh_database() -> None:
    """The demo draws each record's path from its id. PostgreSQL's sequences keep
    counting through the tests rolled back before this one (SQLite's do not), so the
    same demo got other ids, and other paths, depending on what ran before: start them
    where a fresh database would."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(statement)


@pytest.mark.django_db
def test_demo_records_reach_every_state_and_some_are_late():
    _sequences_as_in_a_fresh_database()
    small = {"schools": 2, "min_pupils": 2, "max_pupils": 2, "bulk_index": False}
    load_demo_district(
        Options(
            today=dt.date(2026, 5, 31),
            grades=(5,),
            classes_per_grade=(2, 2),
            lesson_weeks=1,
            **small,
        )
    )
    load_demo_district(
        Options(today=DEMO_TODAY, grades=(1, 4), classes_per_grade=(2, 2), lesson_weeks=3, **small)
    )
    apply_demo_states(DEMO_TODAY)

    states = set(RecordState.objects.values_list("state", flat=True))
    assert states == set(State.values), set(State.values) - states
    statuses = set(
        with_status(RecordState.objects.all(), today=DEMO_TODAY).values_list(
            "deadline_status", flat=True
        )
    )
    assert statuses == set(DeadlineStatus)
    assert Correction.objects.filter(state="consented").count() == 1

    before = dict(RecordState.objects.values_list("pk", "state"))
    apply_demo_states(DEMO_TODAY)  # idempotent
    assert dict(RecordState.objects.values_list("pk", "state")) == before
