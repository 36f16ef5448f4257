"""The record-type registry: the declarations and the questions asked of them.

Pure tests, no database: a declaration is data, and what the workflow, archive and
reports ask of it is answered here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest

from recordpages import registry
from recordpages.models import (
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    LessonPlanPage,
    OtherRecordPage,
    RecordCategory,
    SchoolPlanPage,
    StudentRecordPage,
)
from recordpages.registry import Actor, Bar, Milestone, State

YEAR = SimpleNamespace(first_year=2026)


def test_every_product_type_is_declared_once_in_the_regulations_order():
    codes = [code for code in registry.codes() if code != "training_log"]
    assert codes == [
        "school_plan",
        "group_plan",
        "lesson_plan",
        "student_record",
        "class_summary",
        "enrollment_register",
        "other",
    ]
    assert registry.get("lesson_plan").page_model is LessonPlanPage
    assert LessonPlanPage.record_type == "lesson_plan"
    assert str(LessonPlanPage.record_type_label) == "Kế hoạch bài dạy và báo giảng"
    assert registry.label("student_record") == "Học bạ"
    assert registry.label("no_such_type") == "no_such_type"


def test_an_unknown_type_is_a_lookup_error():
    with pytest.raises(LookupError, match="no_such_type"):
        registry.get("no_such_type")


def test_a_second_page_class_cannot_take_a_declared_code():
    rules = dataclasses.replace(LessonPlanPage.rules, page_model=None)

    class Impostor:
        pass

    with pytest.raises(ValueError, match="declared twice"):
        registry.register(rules, Impostor)
    assert registry.get("lesson_plan").page_model is LessonPlanPage


def test_the_same_class_declared_again_replaces_itself():
    # A module imported twice (autoreload) declares the same class again.
    again = registry.register(dataclasses.replace(SchoolPlanPage.rules), SchoolPlanPage)
    assert registry.get("school_plan") == again


def test_the_lesson_plans_path_checks_before_approval():
    rules = LessonPlanPage.rules
    assert [s.name for s in rules.steps] == ["submit", "check", "approve", "return"]
    assert rules.allows("check", State.SUBMITTED)
    assert not rules.allows("approve", State.SUBMITTED)
    assert rules.allows("approve", State.CHECKED)
    assert rules.allows("return", State.CHECKED)
    assert not rules.allows("publish", State.APPROVED)
    assert rules.review_from(State.SUBMITTED).name == "check"
    assert rules.review_from(State.CHECKED).name == "approve"
    assert rules.review_from(State.DRAFT) is None
    assert [s.name for s in rules.open_steps(State.RETURNED)] == ["submit"]


def test_other_types_are_approved_straight_after_submission():
    for page in (SchoolPlanPage, StudentRecordPage, OtherRecordPage):
        rules = page.rules
        assert rules.allows("approve", State.SUBMITTED), page
        assert rules.step("check") is None, page
        assert rules.review_from(State.SUBMITTED).name == "approve"


def test_only_the_principal_approves_the_school_plan():
    approve = SchoolPlanPage.rules.step("approve")
    assert approve.by == (Actor.PRINCIPAL,)
    assert Actor.ASSIGNED_VP in StudentRecordPage.rules.step("approve").by


def test_the_register_is_kept_then_closed_printed_and_signed():
    rules = EnrollmentRegisterPage.rules
    assert rules.initial == State.MAINTAINED
    assert rules.allows("finalize", State.MAINTAINED)
    assert rules.allows("confirm_paper", State.FINALIZED)
    assert not rules.allows("confirm_paper", State.APPROVED)
    assert rules.step("finalize").bar == Bar.WRITERS_UNLESS_SYSADMIN
    assert rules.states == {
        State.MAINTAINED,
        State.FINALIZED,
        State.PAPER_CONFIRMED,
        State.SIGNED,
    }


def test_steps_flag_what_the_actions_do():
    rules = StudentRecordPage.rules
    assert rules.step("submit").stamps == "submitted_at"
    assert rules.step("approve").stamps == "approved_at"
    assert rules.step("sign").stamps == "signed_at"
    assert rules.step("approve").pins_revision and not rules.step("submit").pins_revision
    assert rules.step("return").needs_reason
    assert rules.step("confirm_paper").bar == Bar.EDITORS
    assert rules.step("submit").bar == Bar.NONE and not rules.step("submit").is_review
    assert rules.step("approve").is_review and rules.has_review


def test_drafts_are_seen_by_who_takes_a_step_before_approval():
    names = [s.name for s in LessonPlanPage.rules.pre_approval_steps()]
    assert names == ["submit", "check", "approve"]
    names = [s.name for s in StudentRecordPage.rules.pre_approval_steps()]
    assert names == ["submit", "approve"]  # not the clerk's paper step, not the signature


def test_signed_types_freeze_when_signed_and_are_due_by_the_end_of_may():
    for page in (StudentRecordPage, ClassResultSummaryPage, EnrollmentRegisterPage):
        rules = page.rules
        assert rules.milestone == Milestone.SIGNED
        assert rules.freeze_on == {State.SIGNED}
        assert rules.due(school_year=YEAR) == dt.date(2027, 5, 30)
    assert SchoolPlanPage.rules.freeze_on == {State.APPROVED, State.PUBLISHED}
    assert SchoolPlanPage.rules.due(school_year=YEAR) == dt.date(2026, 9, 4)


def test_a_day_of_the_year_from_august_belongs_to_the_first_calendar_year():
    assert registry.DayOfYear(8, 1).due(school_year=YEAR) == dt.date(2026, 8, 1)
    assert registry.DayOfYear(7, 31).due(school_year=YEAR) == dt.date(2027, 7, 31)
    assert registry.DayOfYear(12, 20).due(school_year=YEAR) == dt.date(2026, 12, 20)


def test_a_lesson_plan_is_due_four_days_before_its_week():
    monday = dt.date(2026, 11, 30)
    page = SimpleNamespace(week_start=monday)
    assert LessonPlanPage.rules.due(school_year=YEAR, page=page) == dt.date(2026, 11, 26)
    assert LessonPlanPage.rules.due(school_year=YEAR, page=SimpleNamespace()) is None
    assert LessonPlanPage.rules.due(school_year=YEAR) is None


def test_an_other_record_is_due_when_the_school_says():
    page = SimpleNamespace(deadline=dt.date(2027, 1, 15))
    assert OtherRecordPage.rules.due(school_year=YEAR, page=page) == dt.date(2027, 1, 15)
    assert OtherRecordPage.rules.due(school_year=YEAR) is None
    assert registry.NoDeadline().due(school_year=YEAR) is None


def test_a_milestone_is_reached_at_its_own_time():
    moment = dt.datetime(2027, 5, 1, 8, tzinfo=dt.UTC)
    record = SimpleNamespace(approved_at=moment, signed_at=None)
    assert Milestone.APPROVED.reached_at(record) == moment
    assert Milestone.SIGNED.reached_at(record) is None


def test_a_school_category_is_other_records_with_its_own_path_and_deadline():
    category = RecordCategory(
        pk=7,
        name="Hồ sơ phổ cập",
        path=registry.CategoryPath.PAPER,
        deadline_day=15,
        deadline_month=1,
        retention="Vĩnh viễn",
    )
    rules = category.rules()
    assert rules.code == "other" and rules.label == "Hồ sơ phổ cập" and rules.category_id == 7
    assert [s.name for s in rules.steps] == ["submit", "approve", "return", "confirm_paper", "sign"]
    assert rules.milestone == Milestone.SIGNED and rules.freeze_on == {State.SIGNED}
    assert rules.due(school_year=YEAR) == dt.date(2027, 1, 15)
    assert rules.retention == "Vĩnh viễn"

    plain = RecordCategory(pk=8, name="Sổ theo dõi", path=registry.CategoryPath.APPROVE)
    rules = plain.rules()
    assert [s.name for s in rules.steps] == ["submit", "approve", "return"]
    assert rules.milestone == Milestone.APPROVED
    # No day of its own: each record carries the school's date.
    page = SimpleNamespace(deadline=dt.date(2026, 10, 1))
    assert rules.due(school_year=YEAR, page=page) == dt.date(2026, 10, 1)


def test_a_record_follows_its_category_when_it_has_one():
    category = RecordCategory(pk=9, name="Hồ sơ kiểm định", path=registry.CategoryPath.APPROVE)
    filed = SimpleNamespace(record_type="other", record_category_id=9, record_category=category)
    assert registry.for_record(filed).label == "Hồ sơ kiểm định"
    plain = SimpleNamespace(record_type="other", record_category_id=None)
    assert registry.for_record(plain) is registry.get("other")


def test_codes_where_and_step_named_answer_from_the_declarations():
    signed = registry.codes_where(lambda t: t.milestone == Milestone.SIGNED)
    assert set(signed) >= {"student_record", "class_summary", "enrollment_register"}
    assert "lesson_plan" not in signed
    assert registry.step_named("check").name == "check"
    assert registry.step_named("no_such_step") is None


def test_declarations_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LessonPlanPage.rules.deadline = registry.NoDeadline()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ClassResultSummaryPage.rules.prerequisite.same = "school_id"


def test_the_review_out_of_each_state_is_found_whatever_its_name():
    rules = StudentRecordPage.rules
    assert rules.review_from(State.SUBMITTED).name == "approve"
    assert rules.review_from(State.APPROVED).name == "confirm_paper"
    assert rules.review_from(State.PAPER_CONFIRMED).name == "sign"
    assert rules.step("confirm_paper").is_review  # the clerk may not confirm their own edit
    # Names compared by value, not identity: a name built at run time finds its step.
    assert rules.step("".join(["ap", "prove"])).name == "approve"


def test_page_models_lists_every_declared_page_class():
    models = registry.page_models()
    assert LessonPlanPage in models and StudentRecordPage in models
    assert len(models) == len(registry.codes())


def test_a_declaration_equals_its_registered_copy():
    assert dataclasses.replace(LessonPlanPage.rules, page_model=None) == LessonPlanPage.rules


def test_an_impostor_from_any_module_cannot_take_a_code():
    rules = dataclasses.replace(LessonPlanPage.rules, page_model=None)
    for module in ("aaa.first", "zzz.last"):
        impostor = type("LessonPlanPage", (), {"__module__": module})
        with pytest.raises(ValueError, match="declared twice"):
            registry.register(rules, impostor)
    assert registry.get("lesson_plan").page_model is LessonPlanPage


def test_deadline_rules_are_frozen_and_take_keywords():
    for rule in (
        registry.DayOfYear(9, 4),
        registry.DaysBeforeWeek(4),
        registry.SetOnRecord(),
        registry.NoDeadline(),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            rule.description = "x"
    with pytest.raises(TypeError):
        LessonPlanPage.rules.due(YEAR)


def test_every_deadline_rule_takes_its_arguments_by_keyword():
    for rule in (
        registry.DayOfYear(9, 4),
        registry.DaysBeforeWeek(4),
        registry.SetOnRecord(),
        registry.NoDeadline(),
    ):
        with pytest.raises(TypeError):
            rule.due(YEAR)


def test_a_path_with_reviews_says_so():
    assert LessonPlanPage.rules.has_review is True


def test_a_category_read_from_the_database_takes_its_path_by_value():
    # A CharField gives back a plain str, not the CategoryPath member.
    category = RecordCategory(pk=10, name="Sổ lưu", path="paper")
    assert [s.name for s in category.rules().steps][-1] == "sign"


def test_a_categorys_rules_are_built_once_and_follow_an_edit():
    category = RecordCategory(pk=11, name="Sổ A", path=registry.CategoryPath.APPROVE)
    assert category.rules() is category.rules()
    category.path = registry.CategoryPath.PAPER
    assert category.rules().milestone == Milestone.SIGNED
