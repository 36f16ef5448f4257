"""The report has a deadline column for every record type the registry declares, in its
order and with its label: a new type (tests/recordtype_example) needs no report code."""

from __future__ import annotations

import datetime as dt

from recordpages import registry
from recordpages.models import SchoolYear
from reports.tables import Report


def test_the_report_has_a_column_for_every_declared_record_type():
    year = SchoolYear(name="2026-2027", start_date=dt.date(2026, 9, 5))
    report = Report("district", year, dt.date(2026, 11, 25), rows=[])

    assert report.types == [(rules.code, str(rules.label)) for rules in registry.all_types()]
    assert ("training_log", "Sổ bồi dưỡng thường xuyên") in report.types
