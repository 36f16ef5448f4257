"""Re-verify every archived object: download, SHA-256, then its content by kind."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from archive import integrity
from recordpages.models import School, SchoolYear


class Command(BaseCommand):
    help = (
        "Download each archived object (records, correction minutes, year packages, audit "
        "checkpoints), check its SHA-256 against the index, then its content: PDF "
        "signatures against the trust roots, the BagIt bag inside a package, a checkpoint's "
        "signature. Print a line per object and a summary per kind. Exit status 1 if any fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", help="school code")
        parser.add_argument(
            "--year",
            help="school year, e.g. 2024-2025 (a checkpoint belongs to the year it was made "
            "in, up to the next year's start)",
        )
        parser.add_argument(
            "--kind",
            action="append",
            choices=integrity.KINDS,
            help="only objects of this kind (repeatable)",
        )

    def handle(self, *args, school=None, year=None, kind=None, **options):
        if school and not School.objects.filter(code=school.upper()).exists():
            raise CommandError(f"Unknown school: {school}")
        if year and not SchoolYear.objects.filter(name=year).exists():
            raise CommandError(f"Unknown school year: {year}")
        selection = integrity.stored_objects(school=school, year=year, kinds=kind)
        total = selection.count()
        checked: Counter[str] = Counter()
        intact: Counter[str] = Counter()
        for obj in tqdm(selection, total=total, disable=total < 20, file=self.stderr):
            finding = integrity.check_object(obj)
            checked[obj.kind] += 1
            intact[obj.kind] += finding.intact
            self.stdout.write(self._line(finding))
        for name in sorted(checked):
            self.stdout.write(f"{name}: {self._counts(checked[name], intact[name])}")
        all_checked, all_intact = sum(checked.values()), sum(intact.values())
        self.stdout.write(f"total: {self._counts(all_checked, all_intact)}")
        if all_intact < all_checked:
            raise CommandError(f"{all_checked - all_intact} archived object(s) failed verification")

    @staticmethod
    def _line(finding: integrity.Finding) -> str:
        obj = finding.object
        line = f"{finding.status.upper():<11} {obj.key}  [{obj.kind}] {obj.label}"
        return f"{line}: {finding.detail}" if finding.detail else line

    @staticmethod
    def _counts(checked: int, intact: int) -> str:
        return f"{checked} checked, {intact} intact, {checked - intact} not intact"
