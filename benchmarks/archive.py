"""Archive throughput: documents per second for render, sign, store and validate,
the year-end freeze with N worker processes, and the year-end package of a
school with N pupils (target: 1,000 pupils, freeze + package < 5 min on 2 cores).

    python benchmarks/archive.py --pupils 1000 --processes 2

Builds a throwaway SQLite database and filesystem object store under a temp
directory: a school of `--pupils` pupils in classes of `--class-size` over
grades 1-5, so one học bạ per pupil, one class summary per class, one sổ đăng bộ
per cohort, plus one lesson plan, group plan, school plan and other record.
Freezing runs `archive_worker`-style passes in several processes at once (the
job claim is a conditional UPDATE, so they share the queue like real workers).
Prints the load average beside each figure: other work on the machine slows
every stage, and CPU seconds per document are shown to tell the two apart.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django

    django.setup()
    from django.conf import settings

    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": f"{tmp}/objects"}
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": f"{tmp}/pki"}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def _worker(_: int) -> tuple[int, float]:
    from django.db import connections

    connections.close_all()
    from archive import services

    done = 0
    cpu = time.process_time()
    while True:
        n = services.run_once(limit=5)
        if not n and not services.ArchiveJob.objects.filter(status="pending").exists():
            return done, time.process_time() - cpu
        done += n


def _timed(label: str, count: int, run) -> tuple[float, list]:
    wall, cpu = time.perf_counter(), time.process_time()
    results = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{label:9s} {count / wall:7.2f} docs/s  ({1000 * cpu / count:5.0f} ms CPU/doc, "
        f"1 process, {_load()})"
    )
    return wall, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--class-size", type=int, default=35)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--sample", type=int, default=20, help="học bạ for per-step rates")
    parser.add_argument("--target-pupils", type=int, default=1000, help="extrapolate to")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures in order with the log lines
    tmp = tempfile.mkdtemp(prefix="hoso-bench-")
    _setup(tmp)
    from django.conf import settings
    from django.core.management import call_command

    settings.ARCHIVE = {**settings.ARCHIVE, "PROCESSES": args.processes}
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # database cache tables (page cache)
    sys.path.insert(0, str(ROOT / "tests" / "archive"))
    import datetime as dt

    from conftest import build_school, pin  # the test data builder, reused

    from archive import services, signing, storage
    from archive.models import ArchivedVersion
    from archive.package import build_year_package
    from archive.rendering import Footer, render_record
    from recordpages.models import StudentRecordPage
    from workflow.choices import State
    from workflow.models import RecordState

    print(f"start: {_load()}")
    t = time.perf_counter()
    data = build_school("BENCH", pupils=args.pupils, class_size=args.class_size)
    for record in StudentRecordPage.objects.filter(school=data.school):
        row = RecordState.objects.filter(page_id=record.pk).first()
        if row is None or row.approved_revision_id is None:
            pin(record, State.SIGNED)
    pinned = RecordState.objects.filter(school=data.school, approved_revision__isnull=False)
    kinds = Counter(pinned.values_list("record_type", flat=True))
    print(
        f"data:     {args.pupils} pupils, {pinned.count()} records to freeze "
        f"({dict(sorted(kinds.items()))}) built in {time.perf_counter() - t:.0f}s"
    )

    # Per-step rates on a sample of học bạ, one process (the first render warms up).
    states = list(pinned.filter(record_type=StudentRecordPage.record_type)[: args.sample + 1])
    pages = [s.approved_revision.as_object() for s in states]
    footers = [
        Footer(p.pk, 1, s.approved_hash, f"B{p.pk}") for p, s in zip(pages, states, strict=True)
    ]
    issued = dt.date(2025, 5, 20)
    warm = render_record(pages[0], footer=footers[0], issued_on=issued)
    signing.validate_pdf(signing.sign_pdf(warm, school=data.school, reason="warm-up").pdf)
    pages, footers = pages[1:], footers[1:]
    n = len(pages)
    _, pdfs = _timed(
        "render:",
        n,
        lambda: [
            render_record(p, footer=f, issued_on=issued)
            for p, f in zip(pages, footers, strict=True)
        ],
    )
    _, signed = _timed(
        "sign:",
        n,
        lambda: [signing.sign_pdf(pdf, school=data.school, reason="bench").pdf for pdf in pdfs],
    )
    store = storage.get_store()
    _timed(
        "store:",
        n,
        lambda: [
            store.put(f"bench/{i}.pdf", pdf, content_type="application/pdf")
            for i, pdf in enumerate(signed)
        ],
    )
    _timed("validate:", n, lambda: [signing.validate_pdf(pdf) for pdf in signed])
    print(f"sizes:    học bạ {sum(map(len, signed)) / n / 1024:.0f} KiB signed (mean)")

    # Freeze every record with N worker processes, then build the package.
    for state in pinned:
        services.freeze_enqueue(record_state=state)
    from django.db import connections

    connections.close_all()
    t = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        results = pool.map(_worker, range(args.processes))
    freeze_seconds = time.perf_counter() - t
    frozen = sum(done for done, _ in results)
    cpu = sum(seconds for _, seconds in results)
    print(
        f"freeze:   {frozen} docs in {freeze_seconds:.1f}s = {frozen / freeze_seconds:.2f} docs/s "
        f"({args.processes} processes: render+sign+store+validate+index; "
        f"{1000 * cpu / max(frozen, 1):.0f} ms CPU/doc; {_load()})"
    )
    t = time.perf_counter()
    zipped, manifest = build_year_package(data.school, data.year)
    package_seconds = time.perf_counter() - t
    documents = len(manifest["documents"])
    print(
        f"package:  {documents} documents, {len(zipped) / 1e6:.1f} MB in {package_seconds:.1f}s "
        f"= {documents / package_seconds:.2f} docs/s (read+validate on {args.processes} "
        f"processes, exports, bag, zip; {_load()})"
    )
    assert documents == ArchivedVersion.objects.filter(school=data.school).count()
    total = freeze_seconds + package_seconds
    print(f"total:    freeze+package for {args.pupils} pupils: {total:.1f}s")
    if args.pupils != args.target_pupils:
        scale = args.target_pupils / args.pupils
        estimate = total * scale
        print(
            f"estimate: {args.target_pupils} pupils ≈ {estimate:.0f}s (linear in documents: "
            f"{frozen} → ~{frozen * scale:.0f})"
        )


if __name__ == "__main__":
    main()
