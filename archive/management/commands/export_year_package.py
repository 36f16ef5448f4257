"""Build the year-end BagIt package of one school and year, and store it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.models import JobStatus
from archive.package import build_and_store_package, package_enqueue
from recordpages.models import School, SchoolYear


class Command(BaseCommand):
    help = (
        "Build the year-end package (BagIt, zipped) of a school and year: signed PDFs, "
        "exports, minutes, audit log, manifest and signature report; store it in object storage."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="school code")
        parser.add_argument("--year", required=True, help="school year, e.g. 2024-2025")

    def handle(self, *args, school: str, year: str, **options):
        try:
            school_obj = School.objects.get(code=school.upper())
            year_obj = SchoolYear.objects.get(name=year)
        except (School.DoesNotExist, SchoolYear.DoesNotExist) as exc:
            raise CommandError(f"Unknown school or year: {exc}") from exc
        job = package_enqueue(school=school_obj, school_year=year_obj)
        bar = tqdm(total=1, desc="package", unit="step", file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        row = build_and_store_package(job, progress)
        bar.close()
        job.status = JobStatus.DONE
        job.result = row
        job.save(update_fields=["status", "result", "updated_at"])
        self.stdout.write(f"{row.key} ({row.size} bytes, sha256 {row.sha256})")
