"""The record types of the regulation, each declared once.

A record type says, in one declaration on its page class (`rules = RecordType(...)`):
its workflow path (the steps, who may take each, which are reviews a writer may not
take), when the archive freezes it, which milestone its deadline measures and how
that deadline is set (Điều 12), how long it is kept, how its documents are numbered,
and what must be filled before it is handed in (the page's `completeness_errors`).
Workflow, archive, search and reports read these declarations; none of them names a
record type or a state by string (README, "Adding a record type").

The vocabulary is data, not behaviour: `workflow.policy` says what an `Actor` means
for a given user, `workflow.deadlines` computes statuses, `archive` freezes. That
keeps this module at the bottom of the dependency graph (STYLE.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Deadlines (Điều 12, R6) live in recordpages.deadline_rules, named here for declarations.
from recordpages.deadline_rules import DayOfYear as DayOfYear
from recordpages.deadline_rules import DaysBeforeWeek as DaysBeforeWeek
from recordpages.deadline_rules import NoDeadline
from recordpages.deadline_rules import SetOnRecord as SetOnRecord
from recordpages.retention import (
    SCHOOL_DECIDES,
    Retention,
    read_retention,
)

if TYPE_CHECKING:
    from recordpages.chains import SignatureStep
    from recordpages.models.base import RecordPage


class State(models.TextChoices):
    """Where a record stands (DESIGN.md, "Record states")."""

    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Đã nộp")
    CHECKED = "checked", _("Đã kiểm tra")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Đã duyệt")
    PUBLISHED = "published", _("Đã công bố")
    PAPER_CONFIRMED = "paper_confirmed", _("Đã xác nhận bản giấy")
    SIGNED = "signed", _("Đã ký số")
    MAINTAINED = "maintained", _("Đang cập nhật")
    FINALIZED = "finalized", _("Đã chốt")
    CORRECTING = "correcting", _("Đang sửa theo biên bản")


S = State

# The content is frozen: changing it needs the correction procedure (Đ11.3, R5).
FROZEN_STATES = frozenset({S.APPROVED, S.PUBLISHED, S.PAPER_CONFIRMED, S.SIGNED, S.FINALIZED})
# Not yet handed in: private to its writers and the people who will review it.
UNSUBMITTED_STATES = frozenset({S.DRAFT, S.RETURNED})
# Handed in and waiting for a reviewer: nobody edits it until it is returned.
UNDER_REVIEW_STATES = frozenset({S.SUBMITTED, S.CHECKED})
# Not in any review yet: the page may still be deleted, moved or unpublished.
REMOVABLE_STATES = frozenset({S.DRAFT, S.RETURNED, S.MAINTAINED})


class Actor(StrEnum):
    """Who may take a step. `workflow.policy.ACTORS` says what each means for a user."""

    AUTHOR = "author"  # who created the record
    GROUP_LEADER = "group_leader"  # the leader of the record's professional group
    HOMEROOM = "homeroom"  # the homeroom teacher of the record's class
    PRINCIPAL = "principal"
    VICE_PRINCIPAL = "vice_principal"  # any vice-principal of the school
    ASSIGNED_VP = "assigned_vp"  # a vice-principal assigned this record type (Đ6)
    SYSADMIN = "sysadmin"  # the school's system administrator
    CLERK = "clerk"  # văn thư: keeps the paper copies and the seal
    ACCOUNTANT = "accountant"  # kế toán: stamps documents when the clerk cannot (Đ8.3)
    REVIEWER = "reviewer"  # whoever may take the review step out of the current state


class Bar(StrEnum):
    """Who is barred from a step because they wrote what it reviews (R3)."""

    NONE = "none"
    WRITERS = "writers"  # created the record or saved any revision of it
    EDITORS = "editors"  # saved a revision (the register's keeper may confirm its printout)
    WRITERS_UNLESS_SYSADMIN = "writers_unless_sysadmin"  # closing one's own register


@dataclass(frozen=True)
class Step:
    """One move of a record's path: from which states, to which, by whom."""

    name: str
    label: Promise  # the Vietnamese button
    source: frozenset[State]
    target: State
    by: tuple[Actor, ...]
    bar: Bar = Bar.NONE
    needs_reason: bool = False
    pins_revision: bool = False  # the version a reviewer approved is fixed here
    stamps: str = ""  # the RecordState time field this step sets
    # Who takes the step when nobody of `by` may, because each of them wrote the record
    # (or nobody holds the role): the one in charge above them. A group leader's own
    # lesson plan is checked by the vice-principal in charge of lesson plans or the
    # principal; what the principal wrote is approved, published or signed by the
    # vice-principal in charge of that record type ("KT. Hiệu trưởng", Đ6.2). Without
    # it such a record would wait for ever (issue 15, "No dead ends").
    instead: tuple[Actor, ...] = ()

    @property
    def is_review(self) -> bool:
        return self.bar != Bar.NONE


# The steps, named once. A record type picks its steps and may change who takes them.
SUBMIT = "submit"
CHECK = "check"
APPROVE = "approve"
RETURN = "return"
PUBLISH = "publish"
FINALIZE = "finalize"
CONFIRM_PAPER = "confirm_paper"
SIGN = "sign"
# Not steps of a path: the correction procedure (Đ11.3) and its end.
CORRECTION = "correction"

STEP_LABELS: dict[str, Promise] = {
    SUBMIT: _("Nộp"),
    CHECK: _("Kiểm tra"),
    APPROVE: _("Duyệt"),
    RETURN: _("Trả lại"),
    PUBLISH: _("Công bố"),
    FINALIZE: _("Chốt sổ"),
    CONFIRM_PAPER: _("Xác nhận bản giấy"),
    SIGN: _("Ký số"),
}
STEP_ORDER = tuple(STEP_LABELS)


def submit(*, by: tuple[Actor, ...] = (Actor.AUTHOR,)) -> Step:
    return Step(
        SUBMIT,
        STEP_LABELS[SUBMIT],
        frozenset({S.DRAFT, S.RETURNED}),
        S.SUBMITTED,
        by,
        stamps="submitted_at",
    )


# The vice-principal in charge of a record type signs for the principal (Đ6.2).
IN_CHARGE = (Actor.ASSIGNED_VP,)
# What a group leader wrote is checked by the school's leadership (Đ6.2, Đ11.2).
LEADERSHIP = (Actor.ASSIGNED_VP, Actor.PRINCIPAL)


def check(
    *, by: tuple[Actor, ...] = (Actor.GROUP_LEADER,), instead: tuple[Actor, ...] = LEADERSHIP
) -> Step:
    return Step(
        CHECK,
        STEP_LABELS[CHECK],
        frozenset({S.SUBMITTED}),
        S.CHECKED,
        by,
        bar=Bar.WRITERS,
        instead=instead,
    )


def approve(
    *,
    after: State = S.SUBMITTED,
    by: tuple[Actor, ...] = (Actor.PRINCIPAL, Actor.ASSIGNED_VP),
    instead: tuple[Actor, ...] = IN_CHARGE,
) -> Step:
    return Step(
        APPROVE,
        STEP_LABELS[APPROVE],
        frozenset({after}),
        S.APPROVED,
        by,
        bar=Bar.WRITERS,
        pins_revision=True,
        stamps="approved_at",
        instead=instead,
    )


def give_back(*, at: tuple[State, ...] = (S.SUBMITTED,)) -> Step:
    """Return for revision, by whoever would take the review step from where it stands."""
    return Step(
        RETURN,
        STEP_LABELS[RETURN],
        frozenset(at),
        S.RETURNED,
        (Actor.REVIEWER,),
        bar=Bar.WRITERS,
        needs_reason=True,
    )


def publish(
    *, by: tuple[Actor, ...] = (Actor.PRINCIPAL,), instead: tuple[Actor, ...] = IN_CHARGE
) -> Step:
    return Step(
        PUBLISH,
        STEP_LABELS[PUBLISH],
        frozenset({S.APPROVED}),
        S.PUBLISHED,
        by,
        bar=Bar.WRITERS,
        instead=instead,
    )


def finalize(*, by: tuple[Actor, ...] = (Actor.PRINCIPAL, Actor.SYSADMIN)) -> Step:
    return Step(
        FINALIZE,
        STEP_LABELS[FINALIZE],
        frozenset({S.MAINTAINED}),
        S.FINALIZED,
        by,
        bar=Bar.WRITERS_UNLESS_SYSADMIN,
        pins_revision=True,
        stamps="approved_at",
    )


# "Đóng dấu văn bản (kế toán hoặc văn thư)" (Đ8.3): the accountant stamps and confirms
# the paper copy of what the clerk wrote.
STAMPERS_INSTEAD = (Actor.ACCOUNTANT,)


def confirm_paper(
    *,
    after: State = S.APPROVED,
    by: tuple[Actor, ...] = (Actor.CLERK,),
    instead: tuple[Actor, ...] = STAMPERS_INSTEAD,
) -> Step:
    return Step(
        CONFIRM_PAPER,
        STEP_LABELS[CONFIRM_PAPER],
        frozenset({after}),
        S.PAPER_CONFIRMED,
        by,
        bar=Bar.EDITORS,
        instead=instead,
    )


def sign(
    *,
    by: tuple[Actor, ...] = (Actor.PRINCIPAL,),
    bar: Bar = Bar.WRITERS,
    instead: tuple[Actor, ...] = (),
) -> Step:
    """`instead` only for a principal's signature: the school's seal is the clerk's."""
    return Step(
        SIGN,
        STEP_LABELS[SIGN],
        frozenset({S.PAPER_CONFIRMED}),
        S.SIGNED,
        by,
        bar=bar,
        stamps="signed_at",
        instead=instead,
    )


# --- deadlines (Điều 12, R6): how they are set is recordpages.deadline_rules ---------


class Milestone(StrEnum):
    """What a deadline measures: the approval, or the digital signature."""

    APPROVED = "approved"
    SIGNED = "signed"

    @property
    def reached_field(self) -> str:
        return "signed_at" if self == Milestone.SIGNED else "approved_at"

    def reached_at(self, record) -> dt.datetime | None:
        return getattr(record, self.reached_field)


# --- the declaration ------------------------------------------------------------------


def retention_of(rules: RecordType) -> Retention:
    """A type's retention as a Retention, whatever its declaration (recordpages.retention):
    a school's own category names its period in words, the school being its source."""
    return read_retention(rules.retention, school_defined=rules.category_id is not None)


@dataclass(frozen=True)
class Prerequisite:
    """Records that must be frozen before this one is handed in: those of type
    `record_type` sharing this record's `same` field (a class summary waits for its
    class's học bạ)."""

    record_type: str
    same: str
    message: Promise


@dataclass(frozen=True)
class RecordType:
    """Everything the regulation says about one kind of record, in one place."""

    code: str
    label: Promise
    steps: tuple[Step, ...]
    deadline: Any = NoDeadline()
    milestone: Milestone = Milestone.APPROVED
    # The archive freezes (renders, signs, stores) a new version on reaching these.
    freeze_on: frozenset[State] = frozenset({S.APPROVED, S.PUBLISHED})
    retention: Retention | Promise | str = SCHOOL_DECIDES
    initial: State = S.DRAFT
    # Document numbers (Nghị định 30/2020): "<seq>/<prefix>-<school>".
    document_prefix: str = "HS"
    prerequisite: Prerequisite | None = None
    # The roles (recordpages.models.RoleCode values) who may create one in their school.
    created_by: frozenset[str] = frozenset()
    # The page field its writer may still fill after approval ("IV. Điều chỉnh sau
    # bài dạy"): logged, never changing the approved version. Empty: none.
    after_teaching_field: str = ""
    # Who signs the document, in which order (recordpages.chains).
    signature_steps: tuple[SignatureStep, ...] = ()
    # Where it stands in lists and reports: the regulation's order (Điều 14).
    order: int = 100
    # Set for a category a school defined (Đ12); None for the types in code.
    category_id: int | None = None
    page_model: type | None = field(default=None, compare=False, repr=False)

    def step(self, name: str) -> Step | None:
        for step in self.steps:
            if step.name == name:
                return step
        return None

    def allows(self, name: str, state: str) -> bool:
        step = self.step(name)
        return step is not None and state in step.source

    def open_steps(self, state: str) -> list[Step]:
        return [step for step in self.steps if state in step.source]

    def review_from(self, state: str) -> Step | None:
        """The forward review out of `state` (who may return the record from there)."""
        for step in self.steps:
            if step.name != RETURN and step.is_review and state in step.source:
                return step
        return None

    def pre_approval_steps(self) -> list[Step]:
        """The steps up to approval: whoever takes one may see the record as a draft."""
        early = UNSUBMITTED_STATES | UNDER_REVIEW_STATES
        return [s for s in self.steps if s.name != RETURN and s.source & early]

    @property
    def has_review(self) -> bool:
        return any(step.is_review for step in self.steps)

    @property
    def states(self) -> frozenset[State]:
        found = {self.initial}
        for step in self.steps:
            found |= step.source | {step.target}
        return frozenset(found)

    def due(self, *, school_year, page=None) -> dt.date | None:
        return self.deadline.due(school_year=school_year, page=page)

    def completeness_errors(self, page: RecordPage) -> list[str]:
        """What must be filled before the record is handed in (Đ11.2, R4): the page
        type's own rules."""
        return page.completeness_errors()


# --- paths a school may give the categories of "other records" it defines --------


class CategoryPath(models.TextChoices):
    APPROVE = "approve", _("Nộp → Duyệt")
    PAPER = "paper", _("Nộp → Duyệt → Xác nhận bản giấy → Ký số")


def category_steps(path: str) -> tuple[Step, ...]:
    if path == CategoryPath.PAPER:
        return (
            submit(by=(Actor.AUTHOR, Actor.PRINCIPAL)),
            approve(),
            give_back(),
            confirm_paper(),
            sign(by=(Actor.CLERK,)),  # the clerk applies the school's seal
        )
    return (submit(by=(Actor.AUTHOR, Actor.PRINCIPAL)), approve(), give_back())


# --- the registry ---------------------------------------------------------------------

_TYPES: dict[str, RecordType] = {}


def register(rules: RecordType, page_model: type) -> RecordType:
    """Called once per page class that declares `rules` (RecordPage.__init_subclass__)."""
    rules = replace(rules, page_model=page_model)
    existing = _TYPES.get(rules.code)
    if existing is not None and existing.page_model is not None:
        same = (existing.page_model.__module__, existing.page_model.__qualname__) == (
            page_model.__module__,
            page_model.__qualname__,
        )
        if not same:
            raise ValueError(f"Record type {rules.code!r} is declared twice.")
    _TYPES[rules.code] = rules
    ordered = sorted(_TYPES.values(), key=lambda t: (t.order, t.code))
    _TYPES.clear()
    _TYPES.update((t.code, t) for t in ordered)
    return rules


def get(code: str) -> RecordType:
    try:
        return _TYPES[code]
    except KeyError:
        raise LookupError(f"Unknown record type {code!r}.") from None


def all_types() -> Iterator[RecordType]:
    return iter(tuple(_TYPES.values()))


def codes() -> tuple[str, ...]:
    return tuple(_TYPES)


def choices() -> list[tuple[str, Promise]]:
    """For model and form fields: a callable, so that a new type needs no migration."""
    return [(rules.code, rules.label) for rules in _TYPES.values()]


def label(code: str) -> str:
    rules = _TYPES.get(code)
    return str(rules.label) if rules else code


def page_models() -> tuple[type, ...]:
    return tuple(rules.page_model for rules in _TYPES.values() if rules.page_model is not None)


def step_named(name: str) -> Step | None:
    """A declared step of this name, whatever the type (for screens that name a step
    the record's own path does not have, to refuse it in words)."""
    for rules in _TYPES.values():
        step = rules.step(name)
        if step is not None:
            return step
    return None


def codes_where(predicate) -> tuple[str, ...]:
    return tuple(rules.code for rules in _TYPES.values() if predicate(rules))


# How a school's own chain changes a type's rules (recordpages.models.chains sets it,
# so that this module imports no model).
_school_chains: Callable[[RecordType, Any], RecordType] | None = None


def apply_school_chains_with(adjust: Callable[[RecordType, Any], RecordType]) -> None:
    global _school_chains
    _school_chains = adjust


def for_record(record) -> RecordType:
    """The rules of one record (a RecordState or a page): its category's when the
    school filed it under a category it defined, else its type's with the signer chain
    as the record's school adjusted it."""
    if getattr(record, "record_category_id", None):
        return record.record_category.rules()
    rules = get(record.record_type)
    return _school_chains(rules, record) if _school_chains is not None else rules
