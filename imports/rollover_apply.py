"""Chuyển năm học: the writes (imports.rollover says what and why).

One transaction, the school's row locked meanwhile: the plan is computed again
inside it, then everything it names is got or created, never changed, so a second
apply (or one after more year-end decisions were made) adds only what is missing
and says so. Pupils are written with one bulk insert whatever their number; the
pages (the year, one per group, one per class) are added one by one as the page
tree needs. The admin screen and `manage.py rollover_year` both come through here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from imports.rollover import (
    MoveKind,
    RolloverPlan,
    RolloverRefused,
    next_year_name,
    rollover_preview,
)
from imports.selectors import may_import
from recordpages.models import (
    ClassEnrollment,
    ClassPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    School,
    SchoolClass,
    SchoolPage,
    SchoolYear,
    SchoolYearPage,
)
from recordpages.names import name_order_key
from workflow.audit import audit_append

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    """No progress to show (the admin screen)."""


@transaction.atomic
def rollover_apply(
    user, school: School, from_year: SchoolYear, progress: Progress = _quiet
) -> RolloverPlan:
    """Roll `school` over from `from_year`. `user` None: the command line."""
    if user is not None and not may_import(user, school):
        raise RolloverRefused(
            _("Chỉ hiệu trưởng hoặc cán bộ quản trị hệ thống của trường được chuyển năm học.")
        )
    school = School.objects.select_for_update().get(pk=school.pk)
    plan = rollover_preview(school, from_year)
    year, created = SchoolYear.objects.get_or_create(
        name=next_year_name(from_year),
        defaults=SchoolYear.defaults_for(from_year.first_year + 1),
    )
    plan.written["school_year"] += created
    progress(_("Trang năm học %(year)s") % {"year": year.name})
    year_page = _year_page(plan, school, year)
    progress(_("Tổ chuyên môn: %(n)s") % {"n": len(plan.groups)})
    groups = _groups(plan, school, year, year_page)
    progress(_("Lớp học: %(n)s") % {"n": len(plan.classes)})
    classes = _classes(plan, school, year, year_page, groups)
    progress(_("Học sinh: %(n)s") % {"n": len(plan.pending_moves)})
    _enrol(plan, classes)
    completing = [move.enrollment_id for move in plan.pending_completions]
    plan.written["completed"] += ClassEnrollment.objects.filter(pk__in=completing).update(
        promoted=True
    )
    if plan.has_writes:
        _audit(user, school, plan)
    logger.info("School %s rolled over to %s: %s", school.code, year.name, dict(plan.written))
    return plan


def _add(parent, page):
    """A live page under `parent`; its title and slug come from its scheme."""
    page.live = True
    page.has_unpublished_changes = False
    return parent.add_child(instance=page)


def _year_page(plan: RolloverPlan, school: School, year: SchoolYear) -> SchoolYearPage:
    school_page = SchoolPage.objects.get(school=school)
    existing = SchoolYearPage.objects.child_of(school_page).filter(school_year=year).first()
    if existing is not None:
        return existing
    plan.written["school_year_page"] += 1
    return _add(school_page, SchoolYearPage(school_year=year, school=school))


def _groups(plan, school, year, year_page) -> dict[str, ProfessionalGroup]:
    existing = {
        group.name: group
        for group in ProfessionalGroup.objects.filter(school=school, school_year=year)
    }
    with_page = set(
        ProfessionalGroupPage.objects.filter(group__in=existing.values()).values_list(
            "group_id", flat=True
        )
    )
    members = []
    for group_plan in plan.groups:
        group = existing.get(group_plan.name)
        if group is None:
            group = ProfessionalGroup.objects.create(
                school=school,
                school_year=year,
                name=group_plan.name,
                grades=group_plan.grades,
                leader_id=group_plan.leader_id,
            )
            existing[group.name] = group
            plan.written["groups"] += 1
            members += [
                ProfessionalGroup.members.through(professionalgroup=group, staffprofile_id=pk)
                for pk in group_plan.member_ids
            ]
        if group.pk not in with_page:
            _add(year_page, ProfessionalGroupPage(group=group))
            plan.written["group_pages"] += 1
    ProfessionalGroup.members.through.objects.bulk_create(members)
    return existing


def _classes(plan, school, year, year_page, groups) -> dict[str, SchoolClass]:
    existing = {c.name: c for c in SchoolClass.objects.filter(school=school, school_year=year)}
    missing = [
        SchoolClass(
            school=school,
            school_year=year,
            name=class_plan.name,
            grade=class_plan.grade,
            homeroom_teacher_id=class_plan.teacher_id,
            group=groups.get(class_plan.group_name),
        )
        for class_plan in plan.classes
        if class_plan.name not in existing
    ]
    for school_class in SchoolClass.objects.bulk_create(missing):
        existing[school_class.name] = school_class
    plan.written["classes"] += len(missing)
    with_page = set(
        ClassPage.objects.filter(school_class__in=existing.values()).values_list(
            "school_class_id", flat=True
        )
    )
    for class_plan in plan.classes:
        school_class = existing[class_plan.name]
        if school_class.pk not in with_page:
            _add(year_page, ClassPage(school_class=school_class))
            plan.written["class_pages"] += 1
    return existing


def _enrol(plan: RolloverPlan, classes: dict[str, SchoolClass]) -> None:
    """The pupils who move, numbered in each class in name order after those already there."""
    arriving: dict[str, dict[int, str]] = {}
    seen: set[int] = set()
    for move in plan.pending_moves:
        if move.pupil_id not in seen:  # enrolled twice this year: moved once
            seen.add(move.pupil_id)
            arriving.setdefault(move.to_class, {})[move.pupil_id] = move.pupil_name
    last = dict(
        ClassEnrollment.objects.filter(school_class__in=[classes[n] for n in arriving])
        .values("school_class_id")
        .annotate(top=Max("number"))
        .values_list("school_class_id", "top")
    )
    rows = []
    for name, pupils in arriving.items():
        school_class = classes[name]
        number = last.get(school_class.pk) or 0
        for pupil_id in sorted(pupils, key=lambda pk: name_order_key(pupils[pk])):
            number += 1
            rows.append(
                ClassEnrollment(school_class=school_class, pupil_id=pupil_id, number=number)
            )
    ClassEnrollment.objects.bulk_create(rows)
    plan.written["enrollments"] += len(rows)


def _audit(user, school: School, plan: RolloverPlan) -> None:
    """R15: opening a school year is an edit like any other, on the school's audit chain."""
    audit_append(
        action="year.rolled_over",
        school_id=school.pk,
        actor=user if getattr(user, "pk", None) else None,
        object_type="school_year",
        object_id=plan.new_year,
        summary=f"{plan.from_year} → {plan.new_year}",
        detail={
            "written": dict(plan.written),
            "moves": {str(kind): plan.count(kind) for kind in MoveKind},
        },
    )
