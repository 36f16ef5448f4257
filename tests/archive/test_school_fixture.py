"""The archive's school fixture writes no state behind the workflow's back: each
record reached its state through the services, so what the archive reads (the
pinned revision, its hash, the version, the history) is what a real approval leaves."""

from __future__ import annotations

import pytest

from tests.archive.conftest import build_school
from workflow.models import AuditEntry, TransitionLog
from workflow.versions import verify_pinned


@pytest.mark.django_db
def test_every_fixture_record_was_taken_along_its_path_by_the_services():
    data = build_school(pupils=1)
    for record_type, record in data.states.items():
        record.refresh_from_db()
        assert record.state in record.rules.freeze_on | {"signed", "approved"}, record_type
        steps = list(
            TransitionLog.objects.filter(record=record)
            .order_by("pk")
            .values_list("transition", flat=True)
        )
        assert steps, record_type
        assert steps[-1] in {"approve", "sign"}, (record_type, steps)
        # One version pinned by the approval (or the closing of a register), its
        # hash the one workflow.versions computes.
        assert record.version == 1
        assert list(record.versions.values_list("number", flat=True)) == [1]
        assert verify_pinned(record) == []
        assert AuditEntry.objects.filter(
            object_type="record", object_id=str(record.pk), action=f"transition.{steps[-1]}"
        ).exists()
