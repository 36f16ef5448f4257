"""manage.py rollover_year --school THHN --from 2025-2026 [--apply]"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.rollover import RolloverPlan, RolloverRefused, rollover_preview
from imports.rollover_apply import rollover_apply
from recordpages.models import School, SchoolYear


def plan_lines(plan: RolloverPlan) -> Iterator[str]:
    yield _("Trường: %(school)s – năm học %(old)s → %(new)s (%(start)s – %(end)s)") % {
        "school": plan.school_name,
        "old": plan.from_year,
        "new": plan.new_year,
        "start": plan.new_year_start.strftime("%d/%m/%Y"),
        "end": plan.new_year_end.strftime("%d/%m/%Y"),
    }
    yield _("Hạn nộp:")
    for label, due in plan.deadlines:
        yield f"  {label}: {due.strftime('%d/%m/%Y')}"
    yield _("Tổ chuyên môn:")
    for group in plan.groups:
        state = _("đã có") if group.exists else _("sẽ tạo")
        yield f"  {group.name} ({group.leader_name or '—'}; {len(group.member_ids)}) – {state}"
    yield _("Lớp học:")
    for school_class in plan.classes:
        source = f"{school_class.source} → " if school_class.source else ""
        state = _("đã có") if school_class.exists else _("sẽ tạo")
        teacher = school_class.teacher_name or "—"
        yield f"  {source}{school_class.name} ({teacher}) – {state}"
    yield _("Học sinh:") + " " + "; ".join(f"{label} {n}" for label, n in plan.counts)
    for moves in plan.by_class:
        yield _("  Lớp %(name)s:") % {"name": moves.name}
        for move in moves.moves:
            target = f" → {move.to_class}" if move.to_class else ""
            done = " " + _("(đã xong)") if move.done else ""
            yield f"    {move.pupil_name}: {move.kind_label}{target}{done}"
    for problem in plan.problems:
        yield f"  ! {problem}"


class Command(BaseCommand):
    help = gettext_lazy(
        "Xem trước (mặc định) hoặc áp dụng (--apply) việc chuyển một trường sang năm học "
        "tiếp theo: trang năm học, tổ chuyên môn, lớp và xếp lớp học sinh. Áp dụng hai lần "
        "không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help=_("Mã trường, ví dụ THHN"))
        parser.add_argument(
            "--from",
            dest="from_year",
            required=True,
            help=_("Năm học đang kết thúc, ví dụ 2025-2026"),
        )
        parser.add_argument(
            "--apply", action="store_true", help=_("Ghi dữ liệu (không có: chỉ xem trước)")
        )

    def handle(self, *args, **options):
        code = options["school"].strip().upper()
        school = School.objects.filter(code=code).first()
        if school is None:
            raise CommandError(_("Không có trường mã %(code)s.") % {"code": code})
        year = SchoolYear.objects.filter(name=options["from_year"].strip()).first()
        if year is None:
            raise CommandError(
                _("Không có năm học %(year)s (viết dạng 2025-2026).")
                % {"year": options["from_year"]}
            )
        try:
            plan = rollover_preview(school, year)
            for line in plan_lines(plan):
                self.stdout.write(line)
            if not options["apply"]:
                self.stdout.write(_("Chỉ xem trước: chạy lại với --apply để ghi dữ liệu."))
                return
            applied = rollover_apply(None, school, year, progress=self._progress)
        except RolloverRefused as exc:
            raise CommandError(exc.message) from exc
        if applied.has_writes:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Đã chuyển năm học: %(written)s.") % {"written": applied.written_summary}
                )
            )
        else:
            self.stdout.write(_("Không có gì thay đổi: năm học mới đã có đủ những gì cần chuyển."))

    def _progress(self, message: str) -> None:
        self.stdout.write(f"… {message}")
