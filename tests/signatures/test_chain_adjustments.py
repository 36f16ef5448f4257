"""A principal adjusts the school's signer chains within what the regulation allows
(issue 13): extra signatures and rounds, never fewer reviews; the seal stays last;
only the school's principal may; each change is audited; other schools are untouched."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from recordpages import registry
from recordpages.models import SchoolChain
from recordpages.models import chains as school_chains
from tests.factories import school_world
from tests.workflow.conftest import complete_student_record
from workflow.actions.base import ActionRefused
from workflow.actions.transitions import TakeStep
from workflow.choices import State
from workflow.models import AuditEntry, RecordState

pytestmark = pytest.mark.django_db

URL = "/admin/ky-so/quy-trinh/"
ADD_VP = {
    "record_type": "student_record",
    "op": "add",
    "on": "approve",
    "actor": "vice_principal",
    "label": "Phó hiệu trưởng",
}


def _post(client, world, username, data):
    client.force_login(world.staff[username].user)
    return client.post(URL, data)


def _take(world, username, page, step):
    return TakeStep(user=world.staff[username].user, page_id=page.pk, step=step).execute()


def _changes(world) -> int:
    return AuditEntry.objects.filter(
        school_id=world.school.pk, action="signature_chain.changed"
    ).count()


def test_an_added_vice_principal_signature_makes_approval_wait_for_the_principal_then_the_vp(
    client,
):
    world = school_world()
    page = world.records["student_record"]
    complete_student_record(page)
    response = _post(client, world, "hn.hieutruong", ADD_VP)
    assert response.status_code == 302
    _take(world, "hn.giaovien", page, "submit")

    # The VP's signature comes after the principal's: not yet hers to make.
    with pytest.raises(ActionRefused):
        _take(world, "hn.phohieutruong2", page, "approve")
    record = _take(world, "hn.hieutruong", page, "approve")
    record.refresh_from_db()
    assert record.state == State.SUBMITTED  # the approve step waits for the VP
    assert record.signatures_made == ["giao_vien_chu_nhiem", "hieu_truong"]

    record = _take(world, "hn.phohieutruong2", page, "approve")
    record.refresh_from_db()
    assert record.state == State.APPROVED
    assert record.signatures_made == ["giao_vien_chu_nhiem", "hieu_truong", "bo_sung_1"]
    # Every declared signature is still there, the seal last.
    fields = [s.field for s in record.rules.signature_steps]
    assert fields == ["giao_vien_chu_nhiem", "hieu_truong", "bo_sung_1", "con_dau"]
    assert _changes(world) == 1


def test_the_writer_may_not_make_the_added_review_signature():
    world = school_world()
    chain = SchoolChain(school=world.school, record_type="school_plan")
    chain.additions = [
        {
            "field": "bo_sung_1",
            "label": "Phó hiệu trưởng",
            "on": "approve",
            "actor": "vice_principal",
        }
    ]
    chain.full_clean()
    added = chain.steps()[-1]
    assert added.field == "bo_sung_1" and added.bar == registry.Bar.WRITERS


def test_removing_a_declared_signature_is_refused_and_changes_nothing(client):
    world = school_world()
    data = {"record_type": "student_record", "op": "remove", "field": "hieu_truong"}

    response = _post(client, world, "hn.hieutruong", data)

    assert response.status_code == 400
    assert "Không được bỏ bước ký đã quy định: «Hiệu trưởng»." in response.content.decode()
    assert not SchoolChain.objects.exists()
    state = RecordState.objects.get(page=world.records["student_record"])
    assert state.rules.signature_steps == registry.get("student_record").signature_steps
    assert _changes(world) == 0


def test_the_seal_cannot_join_a_round_nor_leave_the_last_place(client):
    world = school_world()
    # The register: the principal then the clerk's seal, both on the signing step.
    data = {"record_type": "enrollment_register", "op": "parallel", "field": "hieu_truong"}

    response = _post(client, world, "hn.hieutruong", data)

    assert response.status_code == 400
    assert "Con dấu của trường luôn là bước ký sau cùng" in response.content.decode()
    assert not SchoolChain.objects.exists()
    # Whatever a form sends, a chain whose seal is not last is refused.
    moved = SchoolChain(school=world.school, record_type="student_record", parallel=["con_dau"])
    with pytest.raises(ValidationError, match="Con dấu của trường"):
        moved.full_clean()


def test_a_signature_on_a_path_step_the_type_does_not_have_is_refused(client):
    world = school_world()
    response = _post(client, world, "hn.hieutruong", {**ADD_VP, "on": "check"})
    assert response.status_code == 400
    assert "không có bước duyệt «Kiểm tra»" in response.content.decode()
    assert not SchoolChain.objects.exists()


def test_added_signatures_go_before_the_seal_and_rounds_toggle_back(client):
    world = school_world()
    data = {**ADD_VP, "record_type": "enrollment_register", "on": "sign"}
    assert _post(client, world, "hn.hieutruong", data).status_code == 302
    chain = SchoolChain.objects.get()
    assert [s.field for s in chain.steps()] == [
        "nguoi_chot_so",
        "hieu_truong",
        "bo_sung_1",
        "con_dau",
    ]
    toggle = {"record_type": "enrollment_register", "field": "hieu_truong"}
    assert _post(client, world, "hn.hieutruong", {**toggle, "op": "parallel"}).status_code == 302
    chain.refresh_from_db()
    assert chain.parallel == ["hieu_truong"]
    page = client.get(URL).content.decode()
    assert "Người chốt sổ → Hiệu trưởng + Phó hiệu trưởng → Đóng dấu (văn thư)" in page
    assert _post(client, world, "hn.hieutruong", {**toggle, "op": "sequential"}).status_code == 302
    # Removing the addition ends any round it closed.
    assert _post(client, world, "hn.hieutruong", {**toggle, "op": "parallel"}).status_code == 302
    remove = {"record_type": "enrollment_register", "op": "remove", "field": "bo_sung_1"}
    assert _post(client, world, "hn.hieutruong", remove).status_code == 302
    chain.refresh_from_db()
    assert (chain.additions, chain.parallel) == ([], [])
    assert _changes(world) == 5


@pytest.mark.parametrize("username", ["hn.giaovien", "hn.quantri", "hn.phohieutruong"])
def test_only_the_principal_changes_the_schools_chains(client, username):
    world = school_world()

    response = _post(client, world, username, ADD_VP)

    assert response.status_code == 403
    body = response.content.decode()
    assert "Bạn không có quyền" in body or "Chỉ hiệu trưởng của trường" in body
    assert not SchoolChain.objects.exists()
    assert _changes(world) == 0


def test_another_schools_chains_are_unaffected(client):
    world = school_world()
    theirs = school_world(code="THAD", name="Trường Tiểu học Anh Dũng", with_authority_staff=False)
    # A principal cannot name another school's chains either.
    assert _post(client, world, "hn.hieutruong", {**ADD_VP, "truong": theirs.school.pk}).status_code
    mine = RecordState.objects.get(page=world.records["student_record"])
    other = RecordState.objects.get(page=theirs.records["student_record"])
    assert "bo_sung_1" in [s.field for s in mine.rules.signature_steps]
    assert other.rules.signature_steps == registry.get("student_record").signature_steps
    assert SchoolChain.objects.get().school == world.school


def test_a_list_of_records_reads_the_schools_chains_once_per_request(django_assert_num_queries):
    world = school_world()
    SchoolChain.objects.create(
        school=world.school,
        record_type="student_record",
        additions=[
            {"field": "bo_sung_1", "label": "PHT", "on": "approve", "actor": "vice_principal"}
        ],
    )
    records = list(RecordState.objects.filter(school=world.school))
    assert len(records) > 3
    school_chains._start()  # what request_started does
    try:
        with django_assert_num_queries(1):
            added = [
                r for r in records if "bo_sung_1" in {s.field for s in r.rules.signature_steps}
            ]
    finally:
        school_chains._end()
    assert {r.record_type for r in added} == {"student_record"}


def test_the_principal_is_offered_the_forms_and_the_system_administrator_only_reads(client):
    world = school_world()
    client.force_login(world.staff["hn.hieutruong"].user)
    assert 'class="chain-add"' in client.get(URL).content.decode()
    client.force_login(world.staff["hn.quantri"].user)
    response = client.get(URL)
    assert response.status_code == 200 and 'class="chain-add"' not in response.content.decode()


def test_nobody_makes_two_signatures_of_one_path_step():
    """The assigned vice-principal signs as the approver; the added vice-principal
    review on the same step must be someone else's (never fewer reviews)."""
    from recordpages.models import SchoolChain
    from workflow import policy

    world = school_world()
    page = world.records["student_record"]
    complete_student_record(page)
    SchoolChain.objects.create(
        school=world.school,
        record_type="student_record",
        additions=[
            {
                "field": "bo_sung_1",
                "label": "Phó hiệu trưởng",
                "on": "approve",
                "actor": "vice_principal",
            }
        ],
        next_number=2,
    )
    vp = world.staff["hn.phohieutruong"].user
    TakeStep(user=world.staff["hn.giaovien"].user, page_id=page.pk, step="submit").execute()
    TakeStep(user=vp, page_id=page.pk, step="approve").execute()  # as the approver
    record = RecordState.objects.get(pk=page.pk)
    assert record.state == State.SUBMITTED and record.signatures_made[-1] == "hieu_truong"
    assert policy.refusal(vp, record, "approve") is not None
    other_vp = world.staff["hn.phohieutruong2"].user
    assert policy.refusal(other_vp, record, "approve") is None
