import datetime as dt
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from recordpages.demo.loader import SCHOOLS, Options, load_demo_district


class Command(BaseCommand):
    help = (
        "Load the demo Dương Kinh district: schools, staff with one account per role, "
        "classes, pupils and records of every type. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=4, choices=range(1, len(SCHOOLS) + 1))
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        bar = tqdm(total=options["schools"], desc="Trường", unit="trường", file=self.stderr._out)

        load_demo_district(
            Options(
                today=options["today"] or dt.date.today(),
                schools=options["schools"],
                progress=lambda message: (bar.set_postfix_str(message), bar.update(1)),
            )
        )
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(f"Demo district loaded in {time.monotonic() - started:.1f} s.")
        )
