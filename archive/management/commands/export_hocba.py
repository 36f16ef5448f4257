"""Export the học bạ of a class or a whole school for one school year as one data file
(XML by default, or JSON) for the sector database (issue 16).

Each pupil's book is the one the signed PDF prints (archive.forms.hocba.book_for, the
approved revision when there is one). The file is checked against the schema before
it is written: an invalid file is refused, naming the pupil and the element, and
nothing is written (a half-right file sent to the sector database is worse than none).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from archive.forms.hocba import book_for
from recordpages.hocba import jsondata
from recordpages.hocba import xml as hocba_xml
from recordpages.hocba.book import Book
from recordpages.models import (
    ClassEnrollment,
    School,
    SchoolClass,
    SchoolYear,
    StudentRecordPage,
)

logger = logging.getLogger(__name__)

FORMATS = ("xml", "json")
# How many schema errors the refusal lists; the rest are counted.
SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class Selection:
    school: School
    school_year: SchoolYear
    classes: list[SchoolClass]
    records: list[StudentRecordPage]
    missing: list[str]  # "Họ tên (lớp)" of enrolled pupils with no học bạ this year


def select(*, school_code: str, year: str, class_name: str | None) -> Selection:
    school = School.objects.filter(code__iexact=school_code.strip()).first()
    if school is None:
        raise CommandError(_("Không có trường mã %(code)s.") % {"code": school_code})
    school_year = SchoolYear.objects.filter(name=year.strip()).first()
    if school_year is None:
        raise CommandError(_("Không có năm học %(year)s (viết dạng 2026-2027).") % {"year": year})
    classes = SchoolClass.objects.filter(school=school, school_year=school_year)
    if class_name:
        classes = classes.filter(name__iexact=class_name.strip())
        if not classes.exists():
            raise CommandError(
                _("Trường %(school)s không có lớp %(class)s trong năm học %(year)s.")
                % {"school": school.name, "class": class_name, "year": school_year.name}
            )
    classes = list(classes.order_by("grade", "name"))
    records = {
        (r.school_class_id, r.pupil_id): r
        for r in StudentRecordPage.objects.filter(school_class__in=classes)
    }
    enrollments = ClassEnrollment.objects.filter(school_class__in=classes).select_related(
        "pupil", "school_class"
    )
    ordered, missing = [], []
    order = {c.pk: i for i, c in enumerate(classes)}
    for e in sorted(enrollments, key=lambda e: (order[e.school_class_id], e.number, e.pk)):
        record = records.pop((e.school_class_id, e.pupil_id), None)
        if record is None:
            missing.append(f"{e.pupil.full_name} ({e.school_class.name})")
        else:
            ordered.append(record)
    ordered += sorted(records.values(), key=lambda r: (order[r.school_class_id], r.pk))
    return Selection(school, school_year, classes, ordered, missing)


def refusal(problems: list[hocba_xml.Problem]) -> str:
    lines = [
        _("Học bạ của %(pupil)s: phần tử %(element)s không hợp lệ (dòng %(line)s): %(message)s")
        % {
            "pupil": p.pupil or "?",
            "element": p.element or "?",
            "line": p.line,
            "message": p.message,
        }
        for p in problems[:SHOWN_PROBLEMS]
    ]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(_("… và %(count)s lỗi khác.") % {"count": len(problems) - SHOWN_PROBLEMS})
    head = _("Tệp không đúng lược đồ học bạ, không ghi tệp:")
    return "\n".join([head, *lines])


def write_atomically(path: Path, data: bytes) -> None:
    """A reader (or a rerun) never sees half a file: write beside it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Export the student records (hoc ba) of a school, or of one class, for a school year as one data "
        "file for the sector database: XML checked against "
        "recordpages/hocba/schema/hoc-ba-1.0.xsd, or JSON with the same keys. "
        "An invalid file is refused and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="school code, e.g. THHN")
        parser.add_argument("--year", required=True, help="school year, e.g. 2026-2027")
        parser.add_argument("--class", dest="class_name", help="one class, e.g. 5A")
        parser.add_argument("--format", choices=FORMATS, default="xml")
        parser.add_argument(
            "--output",
            help="file to write ('-' for standard output); default "
            "hoc-ba-<school>-<year>[-<class>].<format> in the current directory",
        )

    def handle(self, *args, school, year, class_name, format, output, **options):
        selection = select(school_code=school, year=year, class_name=class_name)
        if not selection.records:
            raise CommandError(
                _("Không có học bạ nào để xuất (trường %(school)s, năm học %(year)s).")
                % {"school": selection.school.name, "year": selection.school_year.name}
            )
        for who in selection.missing:
            self.stderr.write(_("Học sinh %(pupil)s chưa có học bạ năm học này.") % {"pupil": who})
        books = self._books(selection.records)
        school_identity = books[0].school
        data = hocba_xml.to_xml_many(
            books, school=school_identity, school_year=selection.school_year.name
        )
        problems = hocba_xml.validate(data)
        if problems:
            logger.warning("export_hocba refused: %d schema errors", len(problems))
            raise CommandError(refusal(problems))
        if format == "json":
            data = jsondata.to_json_many(
                books, school=school_identity, school_year=selection.school_year.name
            )
        self._write(data, output or self._default_name(selection, class_name, format))
        logger.info("export_hocba wrote %d books of %s", len(books), selection.school.code)

    def _books(self, records: list[StudentRecordPage]) -> list[Book]:
        books = []
        with tqdm(total=len(records), unit="book", file=self.stderr, desc="export_hocba") as bar:
            for record in records:
                books.append(book_for(record, frozen_ok=False))
                bar.update()
        return books

    @staticmethod
    def _default_name(selection: Selection, class_name: str | None, fmt: str) -> str:
        parts = ["hoc-ba", selection.school.code, selection.school_year.name]
        if class_name:
            parts.append(selection.classes[0].name)
        return "-".join(parts) + f".{fmt}"

    def _write(self, data: bytes, output: str) -> None:
        if output == "-":
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        path = Path(output)
        write_atomically(path, data)
        self.stdout.write(f"{path} ({len(data)} bytes)")
