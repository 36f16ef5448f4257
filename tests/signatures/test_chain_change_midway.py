"""A school adds a signature to a chain while a record is being signed: a file nobody
signed yet is rendered again with the new block; a file already signed keeps its
blocks (its certification forbids new ones) and the added step is recorded."""

from __future__ import annotations

import pytest

from archive.models import Signature, SignatureOutcome, SigningFile
from recordpages.models import SchoolChain
from signatures import binding
from tests.factories import school_world
from tests.workflow.conftest import complete_student_record
from workflow.actions.transitions import TakeStep
from workflow.choices import State
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

ADDED = {
    "field": "bo_sung_1",
    "label": "Phó hiệu trưởng",
    "on": "approve",
    "actor": "vice_principal",
}


def _take(world, username, page, step):
    return TakeStep(user=world.staff[username].user, page_id=page.pk, step=step).execute()


def _add_vp_signature(world):
    SchoolChain.objects.create(
        school=world.school, record_type="student_record", additions=[ADDED], next_number=2
    )


def test_a_signature_added_after_the_file_was_signed_is_recorded_and_the_step_goes_on():
    world = school_world()
    page = world.records["student_record"]
    complete_student_record(page)
    binding.bind_dev_certificate(world.staff["hn.giaovien"])
    binding.bind_dev_certificate(world.staff["hn.hieutruong"])
    vp = world.staff["hn.phohieutruong2"]  # not assigned học bạ: only the added review
    binding.bind_dev_certificate(vp)
    _take(world, "hn.giaovien", page, "submit")  # the file is made, without the VP's block
    _add_vp_signature(world)

    _take(world, "hn.hieutruong", page, "approve")
    assert RecordState.objects.get(pk=page.pk).state == State.SUBMITTED  # waits for the VP
    record = _take(world, "hn.phohieutruong2", page, "approve")
    assert record.state == State.APPROVED
    outcomes = dict(Signature.objects.filter(page_ref=page.pk).values_list("field", "outcome"))
    assert outcomes == {
        "giao_vien_chu_nhiem": SignatureOutcome.SIGNED,
        "hieu_truong": SignatureOutcome.SIGNED,
        "bo_sung_1": SignatureOutcome.RECORDED,
    }
    assert SigningFile.objects.filter(page_ref=page.pk).count() == 1


def test_a_file_nobody_signed_is_rendered_again_with_the_added_block():
    world = school_world()
    page = world.records["student_record"]
    complete_student_record(page)
    binding.bind_dev_certificate(world.staff["hn.hieutruong"])
    binding.bind_dev_certificate(world.staff["hn.phohieutruong2"])
    _take(world, "hn.giaovien", page, "submit")  # recorded
    from signatures import services

    record = RecordState.objects.get(pk=page.pk)
    content = services.content_of(record, page, pinned=False)
    first = services.ensure_file(record, page, version=1, content=content, now=record.updated_at)
    assert "bo_sung_1" not in first.fields
    _add_vp_signature(world)

    _take(world, "hn.hieutruong", page, "approve")
    _take(world, "hn.phohieutruong2", page, "approve")
    assert RecordState.objects.get(pk=page.pk).state == State.APPROVED
    live = SigningFile.objects.get(page_ref=page.pk, voided_at__isnull=True)
    assert live.pk != first.pk and "bo_sung_1" in live.fields and live.stage == 2
    assert Signature.objects.get(page_ref=page.pk, field="bo_sung_1").outcome == (
        SignatureOutcome.SIGNED
    )
