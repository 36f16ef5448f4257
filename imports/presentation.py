"""The plan as lines of text, for the command and the logs (the admin uses a template)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from imports.types import ImportPlan, PlannedRecord


def plan_lines(plan: ImportPlan) -> Iterator[str]:
    for sheet in plan.sheets:
        yield _(
            "%(label)s (trang “%(title)s”, tiêu đề ở dòng %(row)s): thêm %(added)s, sửa %(changed)s, "
            "giữ nguyên %(unchanged)s, lỗi %(errors)s"
        ) % {
            "label": sheet.label,
            "title": sheet.title,
            "row": sheet.header_row,
            "added": len(sheet.added),
            "changed": len(sheet.changed),
            "unchanged": len(sheet.unchanged),
            "errors": len(sheet.errors),
        }
        for new_class in sheet.new_classes:
            yield "  + " + _("Lớp sẽ được tạo: %(name)s (khối %(grade)s, dòng %(row)s)") % {
                "name": new_class.name,
                "grade": new_class.grade,
                "row": new_class.row,
            }
        for record in sheet.added:
            yield f"  + [{_('dòng')} {record.row}] {_who(record)}"
        for record in sheet.changed:
            yield f"  ~ [{_('dòng')} {record.row}] {_who(record)}"
            for change in record.changes:
                yield f"      {change.label}: {change.before} → {change.after}"
        for problem in sheet.errors:
            where = f"{_('dòng')} {problem.row}" if problem.row else _("cả trang")
            yield f"  ! [{where}] {problem.message}"
        for problem in sheet.warnings:
            yield f"  ? [{_('dòng')} {problem.row}] {problem.message}"
        for problem in sheet.ignored:
            yield f"  - [{_('dòng')} {problem.row}] {_('bỏ qua')}: {problem.message}"


def _who(record: PlannedRecord) -> str:
    note = f" ({record.note})" if record.note else ""
    return f"{record.key}{note} {record.name}"
