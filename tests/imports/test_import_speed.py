"""Applying a pupil file costs queries per chunk of rows, never per row (R13: a
school's 5,000 pupils took 52 s in the admin and 95 s on the command line)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports.services import import_apply, import_upload
from recordpages.models import ClassEnrollment, Pupil
from tests.factories.pages import SchoolFactory, SchoolYearFactory
from tests.imports.layouts import HCMC_PUPILS, hcmc_pupil, workbook_bytes

pytestmark = pytest.mark.django_db

GIVEN = ("An", "Bình", "Chi", "Dũng", "Đạt", "Giang", "Hà", "Khôi", "Lan", "Minh")


def rows(count: int, *, mother: str = "Trần Thị Mai") -> list[dict]:
    """`count` pupils over 20 classes; the ids start with the count, one set per school."""
    return [
        hcmc_pupil(
            f"{count:04d}{n:06d}",
            f"Nguyễn Văn {GIVEN[n % len(GIVEN)]}",
            dt.date(2018, 1 + n % 12, 1 + n % 28),
            "Nam",
            1 + n % 5,
            f"{1 + n % 5}A{1 + n % 4}",
            **{"Họ tên mẹ": mother},
        )
        for n in range(count)
    ]


def queries_to_apply(school, data: bytes) -> int:
    _plan, data_file = import_upload(
        user=None, school=school, school_year=SchoolYearFactory(), data=data, filename="hs.xlsx"
    )
    with CaptureQueriesContext(connection) as captured:
        import_apply(user=None, data_file=data_file)
    return len(captured.captured_queries)


def counts_for(size: int) -> tuple[int, int, int]:
    """Queries to add `size` pupils, to apply the same file again, and to change them all."""
    school = SchoolFactory(code=f"TS{size}")
    data = workbook_bytes((HCMC_PUPILS, rows(size)))
    added = queries_to_apply(school, data)
    again = queries_to_apply(school, data)
    changed = queries_to_apply(
        school, workbook_bytes((HCMC_PUPILS, rows(size, mother="Lê Thị Mai")))
    )
    assert Pupil.objects.filter(school=school).count() == size
    assert ClassEnrollment.objects.filter(pupil__school=school).count() == size
    return added, again, changed


def slack(small: int, large: int) -> int:
    """SQLite binds at most 999 values a statement, so a chunk of rows is several
    INSERTs there (a pupil row has ~20 values): at most one more statement per 25
    rows. A query per row would add 450."""
    return 0 if connection.vendor == "postgresql" else (large - small) // 25


def test_applying_costs_the_same_queries_for_50_and_500_pupils():
    small, large = counts_for(50), counts_for(500)
    for kind, few, many in zip(("add", "again", "change"), small, large, strict=True):
        assert many <= few + slack(50, 500), (kind, few, many)
