"""Back up the database, media and the archive index (R11)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from archive.backup import backup


class Command(BaseCommand):
    help = (
        "Write a tar.gz with a database dump (SQLite copy or pg_dump), the media files and "
        "the archive index to ARCHIVE['BACKUP_DIR'] (or --dir)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None)
        parser.add_argument(
            "--with-objects", action="store_true", help="include the filesystem object store"
        )

    def handle(self, *args, dir=None, with_objects=False, **options):
        target = backup(Path(dir or settings.ARCHIVE["BACKUP_DIR"]), include_objects=with_objects)
        self.stdout.write(str(target))
