"""Run archive jobs (freeze, minutes, year-end packages) from the database queue."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from archive import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run due archive jobs with retry and backoff. Safe to run on several hosts: "
        "each job is claimed by one worker. --once runs one pass and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument("--sweep-every", type=int, default=60, help="passes between sweeps")

    def handle(self, *args, once=False, interval=5.0, sweep_every=60, **options):
        passes = 0
        while True:
            if passes % sweep_every == 0:
                queued = services.freeze_missing()
                if queued:
                    self.stdout.write(f"queued {queued} missed freeze(s)")
                queued = services.minutes_missing()
                if queued:
                    self.stdout.write(f"queued {queued} missed correction minutes")
            done = services.run_once()
            if done:
                self.stdout.write(f"{done} job(s) done")
            passes += 1
            if once:
                return
            time.sleep(interval)
