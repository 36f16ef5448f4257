"""`manage.py versions_verify` recomputes each stored hash from the pinned revision."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import school_world, take_to
from workflow.models import RecordState, RecordVersion
from workflow.versions import content_hash

pytestmark = pytest.mark.django_db


def _approved():
    world = school_world()
    page = world.records["group_plan"]
    take_to(page, "approved")
    return RecordState.objects.get(pk=page.pk)


def test_a_clean_archive_of_versions_passes():
    record = _approved()
    out = io.StringIO()
    call_command("versions_verify", stdout=out, stderr=io.StringIO())
    assert "every stored hash matches" in out.getvalue()
    assert record.approved_hash == content_hash(record.approved_revision)


def test_a_stored_hash_changed_behind_the_workflow_is_named():
    record = _approved()
    RecordVersion.objects.filter(record=record).update(content_hash="0" * 64)
    err = io.StringIO()
    with pytest.raises(CommandError, match="do not match"):
        call_command("versions_verify", stdout=io.StringIO(), stderr=err)
    assert f"record {record.pk} v1: stored hash {'0' * 64}, computed" in err.getvalue()


def test_a_pinned_revision_edited_behind_the_workflow_is_named():
    record = _approved()
    revision = record.approved_revision
    revision.content = {**revision.content, "title": "Sửa lén sau khi duyệt"}
    revision.save(update_fields=["content"])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("versions_verify", stdout=io.StringIO(), stderr=err)
    assert f"record {record.pk}: stored hash {record.approved_hash}" in err.getvalue()


def test_a_revision_hashes_alike_in_memory_and_as_stored():
    import datetime as dt
    import decimal
    from types import SimpleNamespace

    moment = dt.datetime(2026, 12, 5, 1, 22, tzinfo=dt.UTC)
    in_memory = SimpleNamespace(
        content={"title": "Học bạ", "weight_kg": decimal.Decimal("20.5"), "seen": moment}
    )
    as_stored = SimpleNamespace(
        content={"title": "Học bạ", "weight_kg": "20.5", "seen": "2026-12-05T01:22:00Z"}
    )
    assert content_hash(in_memory) == content_hash(as_stored)
