"""Recompute every approved version's content hash from its pinned revision."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from workflow.models import RecordState
from workflow.versions import verify_pinned


class Command(BaseCommand):
    help = (
        "Recompute the content hash of every approved version (the record's pinned "
        "revision and each RecordVersion) and compare it with the stored one; names each "
        "record whose stored hash no longer matches what was approved. Exit status 1 when "
        "any does."
    )

    def handle(self, *args, **options):
        records = (
            RecordState.objects.filter(versions__isnull=False)
            .distinct()
            .select_related("approved_revision")
            .order_by("pk")
        )
        problems: list[str] = []
        checked = 0
        for record in tqdm(records.iterator(), total=records.count(), file=self.stderr):
            problems += verify_pinned(record)
            checked += 1
        if problems:
            for problem in problems:
                self.stderr.write(f"MISMATCH {problem}")
            raise CommandError(
                f"{len(problems)} stored hash(es) of {checked} records do not match their "
                "pinned revisions."
            )
        self.stdout.write(self.style.SUCCESS(f"{checked} records: every stored hash matches."))
