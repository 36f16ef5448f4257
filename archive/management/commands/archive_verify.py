"""Re-verify archived objects: download, SHA-256, signature against the trust roots."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive.models import ArchivedVersion
from archive.verification import INTACT, verify_row


class Command(BaseCommand):
    help = (
        "Download each archived object, check its SHA-256 and validate its signature "
        "against the configured trust roots; print a report. Exit status 1 if any fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", help="school code")
        parser.add_argument("--year", help="school year, e.g. 2024-2025")

    def handle(self, *args, school=None, year=None, **options):
        rows = ArchivedVersion.objects.select_related("school", "school_year").order_by("key")
        if school:
            rows = rows.filter(school__code=school.upper())
        if year:
            rows = rows.filter(school_year__name=year)
        bad = 0
        total = rows.count()
        for row in tqdm(rows.iterator(), total=total, disable=total < 20, file=self.stderr):
            verdict = verify_row(row)
            if verdict.status != INTACT:
                bad += 1
            line = f"{verdict.status.upper():<11} {row.key} sha256={row.sha256[:16]}…"
            line += f" signer={row.signer}"
            if verdict.detail:
                line += f" ({verdict.detail})"
            self.stdout.write(line)
        self.stdout.write(f"{total} checked, {total - bad} intact, {bad} not intact")
        if bad:
            raise CommandError(f"{bad} archived object(s) failed verification")
