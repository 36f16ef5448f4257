"""manage.py import_csdl FILE [--school CODE] [--year 2026-2027] [--apply]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from imports.presentation import plan_lines
from imports.reader import ImportFileError
from imports.services import (
    ImportRefused,
    detect_school_and_year,
    import_apply,
    import_upload,
    plan_size,
)
from recordpages.models import School, SchoolYear


class Command(BaseCommand):
    help = gettext_lazy(
        "Xem trước (mặc định) hoặc áp dụng (--apply) tệp XLSX xuất từ CSDL ngành: học sinh, "
        "lớp, cán bộ. Áp dụng hai lần cùng một tệp không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Tệp .xlsx xuất từ CSDL ngành"))
        parser.add_argument(
            "--school", help=_("Mã trường (ví dụ THHN); mặc định: đọc từ tiêu đề tệp")
        )
        parser.add_argument(
            "--year", help=_("Năm học, ví dụ 2026-2027; mặc định: đọc từ tiêu đề tệp")
        )
        parser.add_argument(
            "--apply", action="store_true", help=_("Ghi dữ liệu (không có: chỉ xem trước)")
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Không mở được tệp %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        try:
            school, year = self._target(data, options)
            plan, data_file = import_upload(
                user=None, school=school, school_year=year, data=data, filename=path.name
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Trường: %(school)s – năm học %(year)s") % {"school": school.name, "year": year.name}
        )
        for line in plan_lines(plan):
            self.stdout.write(line)
        if plan.has_errors:
            raise CommandError(
                _("Tệp có %(n)s lỗi: chưa ghi dữ liệu nào.") % {"n": len(plan.errors)}
            )
        if not options["apply"]:
            self.stdout.write(_("Chỉ xem trước: chạy lại với --apply để ghi dữ liệu."))
            return
        try:
            with tqdm(
                total=plan_size(plan), unit=_("dòng"), file=self.stderr, desc="import_csdl"
            ) as bar:
                applied = import_apply(user=None, data_file=data_file, progress=bar.update)
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        if applied.has_writes:
            self.stdout.write(
                self.style.SUCCESS(_("Đã áp dụng tệp (SHA-256 %(sha)s).") % {"sha": applied.sha256})
            )
        else:
            self.stdout.write(_("Không có gì thay đổi: dữ liệu đã khớp với tệp."))

    def _target(self, data: bytes, options) -> tuple[School, SchoolYear]:
        detected_school, detected_year = (None, None)
        if not options.get("school") or not options.get("year"):
            detected_school, detected_year = detect_school_and_year(
                data, Path(options["file"]).name
            )
        if options.get("school"):
            school = School.objects.filter(code=options["school"].strip().upper()).first()
            if school is None:
                raise CommandError(_("Không có trường mã %(code)s.") % {"code": options["school"]})
        elif detected_school is None:
            raise CommandError(_("Không xác định được trường từ tiêu đề tệp: hãy dùng --school."))
        else:
            school = detected_school
        if options.get("year"):
            year = SchoolYear.objects.filter(name=options["year"].strip()).first()
            if year is None:
                raise CommandError(_("Chưa có năm học %(year)s.") % {"year": options["year"]})
        elif detected_year is None:
            raise CommandError(_("Không xác định được năm học từ tiêu đề tệp: hãy dùng --year."))
        else:
            year = detected_year
        return school, year
