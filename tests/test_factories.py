"""The test data is built the way the product builds it.

Factories add pages under their real parent and leave the state row to the workflow
(`record_state_sync` through the post_save signal); staff get their groups from
`staff_access_sync`. A factory that wrote state itself would let tests pass on
states the product never produces.
"""

from __future__ import annotations

import pytest

from recordpages.models import (
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    ManagedGroup,
    OtherRecordPage,
    RoleCode,
    SchoolPlanPage,
    StudentRecordPage,
)
from tests.factories import (
    SchoolClassFactory,
    SchoolFactory,
    StaffFactory,
    StudentRecordFactory,
    school_world,
    take_to,
)
from workflow import deadlines
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

RECORD_MODELS = (
    SchoolPlanPage,
    EnrollmentRegisterPage,
    OtherRecordPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    StudentRecordPage,
    ClassResultSummaryPage,
)


def test_every_record_built_by_a_factory_gets_its_state_row_from_the_workflow():
    world = school_world()

    assert {page.record_type for page in world.records.values()} == {
        model.record_type for model in RECORD_MODELS
    }
    for record_type, page in world.records.items():
        page.refresh_from_db()
        state = RecordState.objects.get(pk=page.pk)
        initial = "maintained" if record_type == "enrollment_register" else "draft"
        assert (state.record_type, state.state) == (record_type, initial)
        assert (state.school_id, state.school_year_id) == (world.school.pk, world.year.pk)
        assert state.deadline == deadlines.deadline_of_page(page)
        assert state.author_id == page.author_id is not None
        assert not page.live


def test_a_record_takes_school_year_and_class_from_its_place_in_the_tree():
    school = SchoolFactory(code="THXY")
    school_class = SchoolClassFactory(school=school, name="2C")

    record = StudentRecordFactory(school_class=school_class)

    record.refresh_from_db()
    assert (record.school_id, record.school_class_id) == (school.pk, school_class.pk)
    assert record.get_parent().specific.school_class_id == school_class.pk
    assert record.title.startswith("Học bạ – ") and "Lớp 2C" in record.title
    assert record.subject_results.exists() and record.competence_results.exists()


def test_staff_built_with_roles_are_in_the_managed_groups_of_their_school():
    leader = StaffFactory(roles=[RoleCode.TEACHER, RoleCode.GROUP_LEADER])

    leader.refresh_from_db()
    assert leader.role_codes == {RoleCode.TEACHER, RoleCode.GROUP_LEADER}
    managed = ManagedGroup.objects.filter(group__user=leader.user)
    assert {(m.role_id, m.school_id) for m in managed} == {
        (RoleCode.TEACHER, leader.school_id),
        (RoleCode.GROUP_LEADER, leader.school_id),
    }
    assert not leader.user.is_staff


def test_school_world_uses_the_demo_usernames_of_each_role():
    world = school_world()

    assert world.records["lesson_plan"].specific.teacher == world.staff["hn.giaovien"]
    assert world.classes["1B"].homeroom_teacher == world.staff["hn.giaovien"]
    assert world.group.leader == world.staff["hn.totruong1"]
    assert world.staff["hn.hieutruong"].role_codes == {RoleCode.PRINCIPAL}
    assert world.staff["phong.gd"].school_id is None
    # A second school shares the district office's staff and the year.
    other = school_world(code="THAD", name="Trường Tiểu học Anh Dũng")
    assert other.staff["phong.gd"] == world.staff["phong.gd"]
    assert other.year == world.year
    assert other.staff["ad.hieutruong"].school == other.school


def test_take_to_reaches_a_state_through_the_services_by_people_the_policy_allows():
    world = school_world()
    plan = world.records["school_plan"]

    record = take_to(plan, "published")

    record.refresh_from_db()
    assert record.state == "published"
    steps = list(record.history.order_by("at", "pk").values_list("transition", "actor__username"))
    assert steps == [
        ("submit", "hn.hieutruong"),
        ("approve", "hn.hieutruong"),
        ("publish", "hn.hieutruong"),
    ]
    assert record.approved_revision_id is not None and record.versions.count() == 1


def test_take_to_opens_a_correction_as_a_school_does_and_goes_back_through_a_return():
    world = school_world()
    lesson = take_to(world.records["lesson_plan"], "returned")
    assert lesson.state == "returned"
    assert [h.transition for h in lesson.history.order_by("at", "pk")] == ["submit", "return"]

    plan = take_to(world.records["school_plan"], "correcting")

    plan.refresh_from_db()
    assert plan.state == "correcting"
    correction = plan.corrections.get()
    assert (correction.state, correction.consented_by.username) == ("consented", "hn.hieutruong")


def test_take_to_refuses_a_state_off_the_declared_path_and_writes_nothing():
    world = school_world()
    register = world.records["enrollment_register"]

    with pytest.raises(ValueError, match="cannot reach"):
        take_to(register, "published")

    record = RecordState.objects.get(pk=register.pk)
    assert record.state == "maintained" and not record.history.exists()
