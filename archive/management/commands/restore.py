"""Restore a backup made by `manage.py backup` (stop the application first)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from archive.backup import restore
from archive.backup_targets import BackupError


class Command(BaseCommand):
    help = (
        "Restore the database, media and filesystem objects from a backup: either copy, "
        "a path or an s3:// URL. Its SHA-256 (the .sha256 file beside it, or --sha256) and "
        "its manifest are verified first; a corrupt copy is refused and nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path or s3://bucket/key of a hoso-backup-*.tar.gz")
        parser.add_argument("--sha256", default=None, help="the expected SHA-256, if no .sha256")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive: str, sha256=None, yes=False, **options):
        if not yes and input("This replaces the database and media. Type 'yes': ") != "yes":
            raise CommandError(_("Đã hủy khôi phục."))
        try:
            digest = restore(archive, expected_sha256=sha256)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {archive}  sha256={digest}")
