"""Extend archived signatures before their newest timestamp expires (issue 14)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive import extension


class Command(BaseCommand):
    help = (
        "Add fresh validation data and a new document timestamp to every archived PDF "
        "whose newest timestamp certificate expires within --margin-days (or, with "
        "--weak, whose timestamp rests on weak algorithms), as a new object; the old "
        "object is kept. Run monthly (the archive worker also runs it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--margin-days", type=int, default=extension.DEFAULT_MARGIN.days, help="days"
        )
        parser.add_argument("--weak", action="store_true", help="also scan for weak algorithms")
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, margin_days, weak, dry_run, **options):
        margin = dt.timedelta(days=margin_days)
        if dry_run:
            rows = list(extension.due(margin=margin))
            for row in rows:
                self.stdout.write(f"DUE {row.key} until {row.timestamp_until:%d/%m/%Y}")
            self.stdout.write(f"{len(rows)} due within {margin_days} days")
            return
        bar = tqdm(total=0, disable=None, file=self.stderr, unit="file")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        made, failures = extension.extend_due(margin=margin, weak=weak, progress=progress)
        bar.close()
        for item in made:
            self.stdout.write(f"EXTENDED {item.previous_key} -> {item.key} ({item.reason})")
        for failure in failures:
            self.stdout.write(f"FAILED {failure}")
        self.stdout.write(f"{len(made)} extended, {len(failures)} failed")
        if failures:
            raise CommandError(f"{len(failures)} archived file(s) could not be extended")
