"""Back up the database, media, the archive index and objects to two targets (R11)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from archive.backup import backup
from archive.backup_targets import BackupError


class Command(BaseCommand):
    help = (
        "Write a tar.gz with a database dump (SQLite copy or pg_dump), the media files, the "
        "archive index and the filesystem store's objects to ARCHIVE_BACKUP_DIR (or --dir) "
        "and to ARCHIVE_BACKUP_SECOND_TARGET (a directory or s3://bucket/prefix, or "
        "--second); each copy is read back and its SHA-256 checked. With --require-two "
        "(production) a missing second target is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="the first copy's directory")
        parser.add_argument(
            "--second", default=None, help="the second copy: a directory or s3://bucket/prefix"
        )
        parser.add_argument(
            "--require-two",
            action="store_true",
            default=None,
            help="fail when no second target is configured (ARCHIVE_BACKUP_REQUIRE_TWO)",
        )
        # Objects of the filesystem store are always included now; kept for old cron lines.
        parser.add_argument("--with-objects", action="store_true", help="(always on)")

    def handle(self, *args, dir=None, second=None, require_two=None, **options):
        conf = settings.ARCHIVE
        if require_two is None:
            require_two = bool(conf.get("BACKUP_REQUIRE_TWO"))
        try:
            result = backup(
                dir or conf["BACKUP_DIR"],
                second=second or conf.get("BACKUP_SECOND_TARGET") or None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for copy in result.copies:
            self.stdout.write(f"{copy.location}  sha256={copy.sha256}")
        if result.only_one_copy:
            message = _(
                "Chỉ có MỘT bản sao lưu: chưa cấu hình nơi lưu bản thứ hai "
                "(ARCHIVE_BACKUP_SECOND_TARGET: một thư mục trên ổ đĩa khác hoặc s3://bucket/...). "
                "Thông tư 02/2019/TT-BNV yêu cầu hai bản trên hai phương tiện độc lập."
            )
            if require_two:
                raise CommandError(message)
            self.stderr.write(self.style.WARNING(message))
