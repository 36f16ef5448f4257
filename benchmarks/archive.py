"""Archive throughput: documents per second for render, sign and store, and the
year-end package of a school with N pupils (target: 1,000 pupils < 5 min on 2 cores).

    python benchmarks/archive.py --pupils 1000 --processes 2

Builds a throwaway SQLite database and object store under a temp directory.
Freezing runs `archive_worker`-style passes in several processes at once (the
job claim is a conditional UPDATE, so they share the queue like real workers).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
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


def _worker(_: int) -> int:
    from django.db import connections

    connections.close_all()
    from archive import services

    done = 0
    while True:
        n = services.run_once(limit=5)
        if not n and not services.ArchiveJob.objects.filter(status="pending").exists():
            return done
        done += n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--sample", type=int, default=10, help="documents for per-step rates")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="hoso-bench-")
    _setup(tmp)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sys.path.insert(0, str(ROOT / "tests" / "archive"))
    import datetime as dt

    from conftest import (
        build_school,  # the test data builder, reused
        pin,
    )

    from archive import services, signing, storage
    from archive.package import build_year_package
    from archive.rendering import Footer, render_record
    from recordpages.models import StudentRecordPage
    from workflow.models import RecordState

    t = time.perf_counter()
    data = build_school("BENCH", pupils=args.pupils)
    for record in StudentRecordPage.objects.filter(school=data.school):
        row = RecordState.objects.filter(page_id=record.pk).first()
        if row is None or row.approved_revision_id is None:
            pin(record, "signed")
    print(f"data: {args.pupils} pupils built in {time.perf_counter() - t:.1f}s")

    # Per-step rates on a sample, one process.
    pinned = RecordState.objects.filter(school=data.school, approved_revision__isnull=False)
    states = list(pinned[: args.sample])
    pages = [s.approved_revision.as_object() for s in states]
    t = time.perf_counter()
    pdfs = [
        render_record(p, footer=Footer(p.pk, 1, s.approved_hash, f"B{p.pk}"),
                      issued_on=dt.date(2025, 5, 20))
        for p, s in zip(pages, states, strict=True)
    ]  # fmt: skip
    render_rate = len(pdfs) / (time.perf_counter() - t)
    t = time.perf_counter()
    signed = [signing.sign_pdf(pdf, school=data.school, reason="bench").pdf for pdf in pdfs]
    sign_rate = len(signed) / (time.perf_counter() - t)
    store = storage.get_store()
    t = time.perf_counter()
    for i, pdf in enumerate(signed):
        store.put(f"bench/{i}.pdf", pdf, content_type="application/pdf")
    store_rate = len(signed) / (time.perf_counter() - t)
    t = time.perf_counter()
    for pdf in signed:
        signing.validate_pdf(pdf)
    validate_rate = len(signed) / (time.perf_counter() - t)
    print(f"render:   {render_rate:7.2f} docs/s (1 process)")
    print(f"sign:     {sign_rate:7.2f} docs/s (1 process)")
    print(f"store:    {store_rate:7.2f} docs/s (filesystem, 1 process)")
    print(f"validate: {validate_rate:7.2f} docs/s (1 process)")

    # Freeze every record with N worker processes, then build the package.
    for state in pinned:
        services.freeze_enqueue(record_state=state)
    from django.db import connections

    connections.close_all()
    t = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        frozen = sum(pool.map(_worker, range(args.processes)))
    freeze_seconds = time.perf_counter() - t
    print(
        f"freeze:   {frozen} docs in {freeze_seconds:.1f}s = {frozen / freeze_seconds:.2f} docs/s "
        f"({args.processes} processes: render+sign+store+validate)"
    )
    t = time.perf_counter()
    zipped, manifest = build_year_package(data.school, data.year)
    package_seconds = time.perf_counter() - t
    print(
        f"package:  {len(manifest['documents'])} documents, {len(zipped) / 1e6:.1f} MB "
        f"in {package_seconds:.1f}s"
    )
    total = freeze_seconds + package_seconds
    print(f"total freeze+package for {args.pupils} pupils: {total:.1f}s")


if __name__ == "__main__":
    main()
