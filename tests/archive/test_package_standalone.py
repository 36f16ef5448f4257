"""The year package stands alone (issue #14): an archivist in 2060 reads it without
the software. It carries the year's audit entries chosen by the records' school year,
the trust roots and the validation data its signatures rely on, a Vietnamese
README.txt, BagIt 1.0 manifests in SHA-512 and SHA-256, human file names and the
metadata of Thông tư 02/2019/TT-BNV."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from workflow.audit import audit_append, export_year

pytestmark = pytest.mark.django_db


def _append_at(when: dt.datetime, **entry) -> None:
    with mock.patch("workflow.audit.timezone.now", return_value=when):
        audit_append(**entry)


def test_audit_entries_are_chosen_by_the_records_school_year_not_the_date(school_data):
    school, year = school_data.school, school_data.year
    record = school_data.states["student_record"]
    after_the_year = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # past 31 August 2025
    during_the_year = dt.datetime(2025, 3, 2, 3, 0, tzinfo=dt.UTC)
    _append_at(
        after_the_year,
        action="record.viewed",
        school_id=school.pk,
        object_type="record",
        object_id=record.pk,
        summary="Học bạ đọc lại sau năm học",
    )
    _append_at(
        after_the_year,
        action="user.login",
        school_id=school.pk,
        object_type="user",
        object_id=1,
        summary="Đăng nhập năm sau",
    )
    _append_at(
        during_the_year,
        action="user.login",
        school_id=school.pk,
        object_type="user",
        object_id=1,
        summary="Đăng nhập trong năm",
    )

    entries, verification = export_year(school=school, school_year=year)

    summaries = [e["summary"] for e in entries]
    assert "Học bạ đọc lại sau năm học" in summaries  # about a record of the year
    assert "Đăng nhập trong năm" in summaries  # the school's, in the year's window
    assert "Đăng nhập năm sau" not in summaries  # neither
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert verification["intact"] and verification["entries_in_year"] == len(entries)
