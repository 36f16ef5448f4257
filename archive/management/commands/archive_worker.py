"""Run archive jobs (freeze, minutes, year-end packages) from the database queue, and
make the day's signed audit checkpoints in its sweep."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections

from archive import checkpoints, extension, services, signing, storage

logger = logging.getLogger(__name__)

# A conversion task runs within seconds of the upload; one still waiting after this was lost.
LOST_CONVERSION_AFTER = dt.timedelta(minutes=10)


def default_processes() -> int:
    """ARCHIVE_PROCESSES, or every core (0): rendering and signing are CPU-bound, and
    the year-end freeze of a 1,000-pupil school needs both cores of a small server."""
    return int(settings.ARCHIVE.get("PROCESSES") or 0) or os.cpu_count() or 1


class Command(BaseCommand):
    help = (
        "Run due archive jobs with retry and backoff, in --processes worker processes "
        "(default ARCHIVE_PROCESSES, 0 = one per core). Safe to run on several hosts: "
        "each job is claimed by one worker. --once runs one pass in this process and exits; "
        "--until-idle exits when no job is due."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--until-idle", action="store_true")
        parser.add_argument("--processes", type=int, default=None)
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument("--sweep-every", type=int, default=60, help="passes between sweeps")

    def handle(
        self,
        *args,
        once=False,
        until_idle=False,
        processes=None,
        interval=5.0,
        sweep_every=60,
        **options,
    ):
        count = processes if processes is not None else default_processes()
        if once or count <= 1:
            self.loop(once=once, until_idle=until_idle, interval=interval, sweep_every=sweep_every)
            return
        connections.close_all()  # each process opens its own
        context = multiprocessing.get_context("fork")
        children = [
            context.Process(
                target=self.child,
                kwargs={
                    "until_idle": until_idle,
                    "interval": interval,
                    "sweep_every": sweep_every if index == 0 else 0,
                },
                name=f"archive-worker-{index}",
            )
            for index in range(count)
        ]
        for child in children:
            child.start()
        self.stdout.write(f"archive worker: {count} processes")
        try:
            for child in children:
                child.join()
        finally:
            for child in children:
                if child.is_alive():
                    child.terminate()
                    child.join()
        failed = [c.name for c in children if c.exitcode not in (0, None)]
        if failed:
            raise SystemExit(f"archive worker process(es) failed: {', '.join(failed)}")

    def child(self, **kwargs) -> None:
        connections.close_all()
        self.loop(once=False, **kwargs)
        connections.close_all()

    def checkpoint_today(self) -> None:
        """The day's signed audit checkpoints (once a day, whichever worker comes first);
        a key or store that is down is retried at the next sweep."""
        try:
            made = checkpoints.checkpoints_daily()
        except (signing.SigningUnavailable, storage.StorageUnavailable) as exc:
            logger.warning("Audit checkpoint not made, retried at the next sweep: %s", exc)
            return
        if made:
            self.stdout.write(f"made {len(made)} audit checkpoint(s)")

    def extend_due(self) -> None:
        """Archived signatures whose newest timestamp expires within the margin get a
        new one (archive.extension); a TSA that is down is retried at the next sweep."""
        made, failures = extension.extend_due()
        if made or failures:
            self.stdout.write(f"extended {len(made)} archived file(s), {len(failures)} failed")

    def convert_lost_files(self) -> None:
        """Handed-in files whose conversion task was lost (a queue restored, a worker
        killed) are converted here, once they have waited longer than a task would."""
        from intake.conversion import convert_pending

        converted, refused = convert_pending(settled=LOST_CONVERSION_AFTER)
        if converted or refused:
            self.stdout.write(f"converted {converted} lost file(s), {refused} refused")

    def loop(self, *, once: bool, until_idle: bool, interval: float, sweep_every: int) -> None:
        passes = 0
        while True:
            if sweep_every and passes % sweep_every == 0:
                queued = services.freeze_missing()
                if queued:
                    self.stdout.write(f"queued {queued} missed freeze(s)")
                queued = services.minutes_missing()
                if queued:
                    self.stdout.write(f"queued {queued} missed correction minutes")
                self.checkpoint_today()
                self.extend_due()
                self.convert_lost_files()
            done = services.run_once(limit=5 if not once else None)
            if done:
                self.stdout.write(f"{done} job(s) done")
            passes += 1
            if once:
                return
            if not done:
                if until_idle and not services.jobs_due():
                    return
                time.sleep(interval)
