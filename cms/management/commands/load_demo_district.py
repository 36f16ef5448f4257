import datetime as dt
import io
import multiprocessing
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from modelsearch.tasks import insert_or_update_object_task
from tqdm import tqdm
from wagtail.tasks import update_reference_index_task

from archive import services as archive
from archive.management.commands.archive_worker import default_processes
from archive.models import ArchivedVersion, ArchiveJob, JobStatus
from cms.task_worker import run_due_tasks
from recordpages.demo.authorities import add_past_year
from recordpages.demo.loader import SCHOOLS, Options, index_in_bulk, load_demo_district
from recordpages.models import School
from recordpages.tasks import refresh_wagtail_indexes
from signatures.demo import bind_demo_certificates
from signatures.services import render_ahead
from workflow.choices import APPROVED_STATES
from workflow.demo import apply_demo_states
from workflow.models import RecordState


class Command(BaseCommand):
    help = (
        "Load the demo Dương Kinh district: schools, staff with one account per role, "
        "classes, pupils, records of every type (this school year, and the finishing "
        "grade-5 cohort of last year), moved through the workflow. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=4, choices=range(1, len(SCHOOLS) + 1))
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )
        parser.add_argument(
            "--catch-up",
            action="store_true",
            help="then run the queued tasks and the freezes here, so that the workers "
            "of `make run` start idle (benchmarks, which run no archive worker, skip it)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        today = options["today"] or dt.date.today()
        if settings.SIGNING["BACKEND"] == "dev":
            # The TEST-ONLY PKI the demo's signatures use, made here rather than by a
            # `manage.py init_dev_pki` of its own before: a process start is 5 s.
            call_command("init_dev_pki", stdout=io.StringIO())
        schools = options["schools"]
        # Steps: each school twice (last year, this year), the workflow states, Wagtail's
        # two index passes and the search index.
        bar = tqdm(total=2 * schools + 4, desc="Dữ liệu mẫu", unit="bước", file=self.stderr._out)

        def progress(message: str) -> None:
            bar.set_postfix_str(message)
            bar.update(1)

        # Last year's grade 5, whose records are finished, signed and archived: a class
        # of 10–12 in the main school, whose accounts the README gives, 2–3 in the
        # others (a học bạ costs ~2.3 s of CPU to render, sign three times and freeze;
        # 117 of them were over half of `make run`, issue #18) …
        # The school year that ended last May (2025-2026 when run in November 2026).
        last_year = dt.date(today.year if today.month >= 8 else today.year - 1, 5, 31)
        load_demo_district(
            Options(
                today=last_year,
                schools=schools,
                grades=(5,),
                classes_per_grade=(1, 1),
                min_pupils=10,
                max_pupils=12,
                pupils_elsewhere=(2, 3),
                lesson_weeks=1,
                bulk_index=False,
                progress=progress,
            )
        )
        # … and this year's whole school (lesson plans from last week to next week in
        # the main school, this week's and next week's in the others: four weeks in
        # every school were nearly half of the demo's renders).
        load_demo_district(
            Options(
                today=today,
                schools=schools,
                lesson_weeks=3,
                lesson_weeks_elsewhere=2,
                bulk_index=False,
                progress=progress,
            )
        )
        # The main school's 2024-2025 plan, headed by the district office of the day:
        # the demo shows both sides of the 1 July 2025 reform.
        add_past_year(School.objects.get(code=SCHOOLS[0][0]))
        progress("Quy trình duyệt")
        # TEST-ONLY personal certificates, so that the demo's records carry signatures.
        bind_demo_certificates()
        # `make run` (catch-up) shares the records among one process per core, each
        # freezing what it finished; the tests' callers keep one process, inside their
        # transaction. (Moving last year's records while this year's were loaded cost
        # more than it saved: the loader holds SQLite's one write lock most of the time.)
        if options["catch_up"]:
            apply_demo_states(today, processes=default_processes(), finished=freeze_if_due)
        else:
            apply_demo_states(today)
        # The indexes once the workflow is done: the index tasks its steps queued are
        # then superseded (562 tasks, 13 s of `make run`).
        rebuilt_from = timezone.now()
        index_in_bulk(progress)
        progress("Chỉ mục tìm kiếm")
        call_command("search_reindex", stdout=io.StringIO(), stderr=io.StringIO())
        drop_superseded_index_tasks(rebuilt_from)
        bar.close()
        if options["catch_up"]:
            self.catch_up()
        self.stdout.write(
            self.style.SUCCESS(f"Demo district loaded in {time.monotonic() - started:.1f} s.")
        )

    def catch_up(self) -> None:
        """Do here what the workflow steps left to the workers (index updates, signing
        files rendered ahead, the freezes), so that the server's workers start idle."""
        skip_render_ahead_of_waiting_records()
        run_due_tasks()
        self.archive_demo()

    def archive_demo(self) -> None:
        """Freeze what the demo's workflow left unfrozen (most records were frozen by
        the process that moved them, `freeze_if_due`) here, before the server starts,
        in one process per core: left to the archive worker, the freezes kept both
        cores busy for over a minute after `make run` while the newcomer opened the
        first pages (issue #18)."""
        archive.freeze_missing()
        archive.minutes_missing()
        waiting = ArchiveJob.objects.exclude(status__in=[JobStatus.DONE, JobStatus.FAILED])
        total = waiting.count()
        if not total:
            return
        connections.close_all()  # each process opens its own
        context = multiprocessing.get_context("fork")
        children = [
            context.Process(target=_drain, name=f"demo-archive-{index}")
            for index in range(min(default_processes(), total))
        ]
        for child in children:
            child.start()
        with tqdm(total=total, desc="Lưu trữ", unit="bản", file=self.stderr._out) as bar:
            while any(child.is_alive() for child in children):
                time.sleep(0.5)
                bar.update(total - waiting.count() - bar.n)
        failed = [child.name for child in children if child.exitcode != 0]
        if failed:
            raise SystemExit(f"archive process(es) failed: {', '.join(failed)}")


def drop_superseded_index_tasks(rebuilt_from: dt.datetime) -> int:
    """Drop the index updates queued before the indexes were rebuilt from every page."""
    superseded = DBTaskResult.objects.filter(
        task_path__in=[
            insert_or_update_object_task.module_path,
            update_reference_index_task.module_path,
            refresh_wagtail_indexes.module_path,
        ],
        status=TaskResultStatus.READY,
        enqueued_at__lt=rebuilt_from,
    )
    return superseded.delete()[0]


def freeze_if_due(record: RecordState) -> None:
    """Freeze a record the demo's workflow has just approved or signed, in the process
    that moved it, while the other processes move theirs: a freeze phase after the
    workflow left one core idle whenever the two processes' shares were uneven."""
    if archive.should_freeze(record, record.state):
        archive.run_job(archive.freeze_enqueue(record_state=record, transition="sweep"))


def skip_render_ahead_of_waiting_records() -> int:
    """Drop the queued renders-ahead that the freezes will not use: those of versions
    frozen already (`freeze_if_due`), of records still waiting for a reviewer (a
    latency saving for an approval click, ~0.5 s of CPU each, a third of the
    catch-up's renders) and the repeats of one version (each recorded step queues
    one). An approved record's file is rendered ahead once, and its freeze seals that
    file (archive.signed_files) instead of rendering it again."""
    queued = DBTaskResult.objects.filter(
        task_path=render_ahead.module_path, status=TaskResultStatus.READY
    ).order_by("enqueued_at")
    approved = set(
        RecordState.objects.filter(state__in=APPROVED_STATES)
        .exclude(
            Exists(
                ArchivedVersion.objects.filter(page_ref=OuterRef("pk"), version=OuterRef("version"))
            )
        )
        .values_list("pk", flat=True)
    )
    kept: set[tuple[int, int]] = set()
    dropped = []
    for pk, args in queued.values_list("pk", "args_kwargs"):
        kwargs = args["kwargs"]
        key = (kwargs["page_id"], kwargs["version"])
        if key[0] in approved and key not in kept:
            kept.add(key)
        else:
            dropped.append(pk)
    DBTaskResult.objects.filter(pk__in=dropped).delete()
    return len(dropped)


def _drain() -> None:
    """Run due archive jobs until none is left; the other processes take their own."""
    connections.close_all()
    while archive.run_once(limit=1) or archive.jobs_due():
        pass
    connections.close_all()
