"""Make today's signed checkpoint of every audit chain head (once a day)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from archive import checkpoints, signing, storage


class Command(BaseCommand):
    help = (
        "Sign today's checkpoint of every audit chain head (one per school with the school's "
        "key, one of all chains with the installation's key), timestamp it when TSA_URL is "
        "set and write it once to the object store. Idempotent: a second run the same day "
        "does nothing. The archive worker runs it in its sweep; cron may run it too."
    )

    def handle(self, *args, **options):
        try:
            made = checkpoints.checkpoints_daily()
        except (signing.SigningUnavailable, storage.StorageUnavailable) as exc:
            raise CommandError(f"No checkpoint made now, retry later: {exc}") from exc
        for row in made:
            self.stdout.write(f"{row.key}: {len(row.heads)} chain head(s)")
        self.stdout.write(f"{len(made)} checkpoint(s) made today.")
