"""Drain the search queue from the command line.

The task worker (`manage.py db_worker`, search.tasks.index_pending) normally
drains it, retrying while the engine is down. This command is the fallback:
`--once` after an outage whose retry chain was lost (a worker killed mid-task),
or in a loop where no task worker runs."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from search.services import search_drain

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Drain the search index queue in a loop, or once with --once "
        "(the task worker normally does this; see search.tasks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="drain once and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        while True:
            result = search_drain()
            if result.indexed or result.error:
                self.stdout.write(
                    f"indexed {result.indexed}, pending {result.pending}"
                    + (f", engine unavailable: {result.error[:200]}" if result.error else "")
                )
            if once:
                return
            time.sleep(interval)
