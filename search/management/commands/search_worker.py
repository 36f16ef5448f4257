"""Keep draining the search queue, so updates made while the engine was down
reach it as soon as it is back, without anyone running a command by hand."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from search.services import search_drain

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Drain the search index queue in a loop (run one per deployment, like gunicorn)."

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
