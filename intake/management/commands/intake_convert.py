"""Convert every handed-in file still waiting: the sweep that catches lost tasks."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from intake.services import convert_pending, pending_count


class Command(BaseCommand):
    help = (
        "Convert the handed-in files still waiting for conversion (a lost task, a worker "
        "that died). Each file is claimed first, so it is safe beside running workers "
        "and safe to run again."
    )

    def handle(self, *args, **options):
        total = pending_count()
        self.stdout.write(f"{total} files waiting for conversion")
        with tqdm(total=total, unit="file", file=self.stderr, desc="intake_convert") as bar:
            converted, refused = convert_pending(progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Converted {converted}, refused {refused}"))
