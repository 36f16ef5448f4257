"""CSDL ngành import: preview and apply of a school's pupil list (target: 5,000 pupils,
each step < 10 s on SQLite and on PostgreSQL).

    python benchmarks/import.py --pupils 5000
    python -m devservices postgres -- python benchmarks/import.py --pupils 5000

Builds the file in memory in the HCMC layout (tests/imports/layouts.py), in classes
the school has not made yet, then times three imports through imports.services as the
admin and `import_csdl` call it: a new file, the same file again (nothing to write),
and a file changing every pupil's mother's name. The database is DATABASE_URL, or a
throwaway SQLite file when it is unset. CPU seconds and the load average are printed
beside each figure: other work on the machine slows every step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GIVEN = ("An", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Khôi", "Lan", "Minh", "Ngọc")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Bảo")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi")


def _setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp(prefix="hoso-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _rows(count: int, mother: str) -> list[dict]:
    from tests.imports.layouts import hcmc_pupil

    rows = []
    for n in range(count):
        grade = 1 + n % 5
        name = f"{FAMILY[n % 8]} {MIDDLE[n % 6]} {GIVEN[n % 11]}"
        rows.append(
            hcmc_pupil(
                f"{79:02d}{n:08d}",
                name,
                dt.date(2021 - grade, 1 + n % 12, 1 + n % 28),
                "Nam" if n % 2 else "Nữ",
                grade,
                f"{grade}A{1 + (n // 5) % (count // 175 + 1)}",
                **{
                    "Họ tên mẹ": mother,
                    "Nơi sinh chi tiết": "Bệnh viện Từ Dũ",
                    "Phường Xã quê quán": "Phường Bến Thành",
                    "Tỉnh thành quê quán": "Thành phố Hồ Chí Minh",
                },
            )
        )
    return rows


def _timed(run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return result, (seconds, cpu), len(captured.captured_queries)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def _import(school, year, data: bytes, label: str) -> None:
    from imports.services import import_apply, import_upload

    (plan, data_file), preview_s, preview_q = _timed(
        lambda: import_upload(user=None, school=school, school_year=year, data=data, filename="hs")
    )
    assert data_file is not None, [e.message for e in plan.errors[:5]]
    applied, apply_s, apply_q = _timed(lambda: import_apply(user=None, data_file=data_file))
    counts = applied.counts()["pupils"]
    print(
        f"{label:10s} preview {preview_s[0]:5.2f} s ({preview_s[1]:5.2f} s CPU, {preview_q:3d} "
        f"queries)  apply {apply_s[0]:5.2f} s ({apply_s[1]:5.2f} s CPU, {apply_q:3d} queries)  "
        f"added {counts['added']}, changed {counts['changed']}, unchanged {counts['unchanged']}"
        f"  [{_load()}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=5000)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from recordpages.models import SchoolYear
    from tests.factories import SchoolFactory
    from tests.imports.layouts import HCMC_PUPILS, workbook_bytes

    year, _ = SchoolYear.objects.get_or_create(name="2026-2027", **SchoolYear.defaults_for(2026))
    school = SchoolFactory(
        code=f"BENCH{int(time.time()) % 100000}", name="Trường Tiểu học Đo Tốc Độ", year=year
    )
    first = workbook_bytes((HCMC_PUPILS, _rows(args.pupils, "Trần Thị Mai")))
    changed = workbook_bytes((HCMC_PUPILS, _rows(args.pupils, "Trần Thị Mai Anh")))
    print(f"{args.pupils} pupils, {len(first) // 1024} KB, database {connection.vendor}")
    _import(school, year, first, "new")
    _import(school, year, first, "re-import")
    _import(school, year, changed, "update")
    _rollover(school, year)


def _rollover(school, year) -> None:
    """Chuyển năm học of the imported school: every pupil promoted by hand (grade 5
    completes primary), previewed, applied, then applied again (nothing to write)."""
    from imports.rollover import rollover_preview
    from imports.rollover_apply import rollover_apply
    from recordpages.models import ClassEnrollment

    ClassEnrollment.objects.filter(school_class__school=school).update(promoted=True)
    plan, preview_s, preview_q = _timed(lambda: rollover_preview(school, year))
    _, apply_s, apply_q = _timed(lambda: rollover_apply(None, school, year))
    again, again_s, again_q = _timed(lambda: rollover_apply(None, school, year))
    assert not again.has_writes
    print(
        f"rollover   preview {preview_s[0]:5.2f} s ({preview_s[1]:5.2f} s CPU, {preview_q:3d} "
        f"queries)  apply {apply_s[0]:5.2f} s ({apply_s[1]:5.2f} s CPU, {apply_q:3d} queries)  "
        f"again {again_s[0]:5.2f} s ({again_q} queries)  {len(plan.moves)} pupils, "
        f"{len(plan.classes)} classes  [{_load()}]"
    )


if __name__ == "__main__":
    main()
