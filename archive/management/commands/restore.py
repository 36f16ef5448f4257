"""Restore a backup made by `manage.py backup` (stop the application first)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.backup import restore


class Command(BaseCommand):
    help = "Restore the database, media (and filesystem objects) from a backup tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive: str, yes=False, **options):
        path = Path(archive)
        if not path.exists():
            raise CommandError(f"No such backup: {path}")
        if not yes and input("This replaces the database and media. Type 'yes': ") != "yes":
            raise CommandError("Cancelled")
        restore(path)
        self.stdout.write(f"restored {path}")
