"""The report as rows: what the screen, the chart and the XLSX export all show.

Built from reports.selectors in a fixed number of queries whatever the size
of the district (see tests/reports for the query-count check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from recordpages import registry
from recordpages.models import ProfessionalGroup, SchoolYear, StaffProfile
from reports import selectors
from reports.selectors import Completeness, ReportScope, StatusCounts


def deadline_types() -> tuple[str, ...]:
    """Every record type has a deadline column, in the registry's order."""
    return registry.codes()


@dataclass
class ReportRow:
    key: str
    label: str
    by_type: dict[str, StatusCounts] = field(default_factory=dict)
    completeness: dict[str, Completeness] = field(default_factory=dict)

    @property
    def totals(self) -> StatusCounts:
        total = StatusCounts()
        for counts in self.by_type.values():
            for status, n in counts.counts.items():
                total.add(status, n)
        return total

    @property
    def completeness_total(self) -> Completeness:
        return Completeness(
            expected=sum(c.expected for c in self.completeness.values()),
            present=sum(min(c.present, c.expected) for c in self.completeness.values()),
        )


@dataclass
class Report:
    kind: str
    school_year: SchoolYear
    today: dt.date
    rows: list[ReportRow]  # per school
    groups: list[ReportRow] = field(default_factory=list)  # principal: per group
    teachers: list[ReportRow] = field(default_factory=list)  # principal: per teacher

    @property
    def types(self) -> list[tuple[str, str]]:
        return [(t, registry.label(t)) for t in deadline_types()]

    @property
    def completeness_keys(self) -> list[tuple[str, str]]:
        return list(selectors.COMPLETENESS_LABELS.items())


def build_report(scope: ReportScope, school_year: SchoolYear, today: dt.date) -> Report:
    schools = list(scope.schools.values_list("pk", "name"))
    ids = [pk for pk, _name in schools]
    by_school = selectors.status_counts(
        school_ids=ids, school_year=school_year, today=today, by=("school_id", "record_type")
    )
    complete = selectors.completeness(school_ids=ids, school_year=school_year, today=today)
    rows = []
    for pk, name in schools:
        row = ReportRow(str(pk), name, completeness=complete.get(pk, {}))
        for record_type in deadline_types():
            row.by_type[record_type] = by_school.get((pk, record_type), StatusCounts())
        rows.append(row)
    report = Report(scope.kind, school_year, today, rows)
    if scope.kind == "school" and ids:
        report.groups, report.teachers = _breakdown(ids[0], school_year, today)
    return report


def _breakdown(
    school_id: int, school_year: SchoolYear, today: dt.date
) -> tuple[list[ReportRow], list[ReportRow]]:
    """Per group and per teacher (author) of one school: the principal's view."""
    counts = selectors.status_counts(
        school_ids=[school_id],
        school_year=school_year,
        today=today,
        by=("group_id", "author_id", "record_type"),
    )
    groups = {
        g.pk: ReportRow(str(g.pk), g.name)
        for g in ProfessionalGroup.objects.filter(school_id=school_id, school_year=school_year)
    }
    teacher_ids = selectors.lesson_plan_teachers([school_id], school_year).get(school_id, set())
    author_ids = teacher_ids | {author for (_g, author, _t) in counts if author}
    teachers = {
        s.pk: ReportRow(str(s.pk), s.full_name)
        for s in StaffProfile.objects.filter(pk__in=author_ids, school_id=school_id)
    }
    for (group_id, author_id, record_type), status in counts.items():
        for target in (groups.get(group_id), teachers.get(author_id)):
            if target is None:
                continue
            into = target.by_type.setdefault(record_type, StatusCounts())
            for name, n in status.counts.items():
                into.add(name, n)
    weeks = selectors.weeks_due(school_year, today)
    plans = selectors.lesson_plans_per_teacher(school_id, school_year, weeks)
    for pk, row in teachers.items():
        if pk in teacher_ids:
            row.completeness[selectors.LESSON_PLAN] = Completeness(len(weeks), plans.get(pk, 0))
    group_plans = selectors.group_plans_per_group(school_id, school_year)
    for pk, row in groups.items():
        row.completeness[selectors.GROUP_PLAN] = Completeness(
            len(selectors.MAIN_SUBJECTS), group_plans.get(pk, 0)
        )
    return (
        sorted(groups.values(), key=lambda r: r.label),
        sorted(teachers.values(), key=lambda r: r.label),
    )
