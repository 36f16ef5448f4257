"""Numbers in reports and charts are written the Vietnamese way, from one function:
decimal comma, thousands with a dot, a (non-breaking) space before %."""

from __future__ import annotations

from reports.charts import status_chart
from reports.formatting import vn_number, vn_percent
from reports.selectors import StatusCounts
from reports.tables import ReportRow

NBSP = "\xa0"


def test_percent_has_a_decimal_comma_and_a_space_before_the_sign():
    assert vn_percent(33.3) == f"33,3{NBSP}%"
    assert vn_percent(100.0) == f"100{NBSP}%"
    assert vn_percent(0) == f"0{NBSP}%"
    assert vn_percent(2 / 3 * 100) == f"66,7{NBSP}%"


def test_thousands_are_grouped_with_a_dot():
    assert vn_number(1234) == "1.234"
    assert vn_number(1234567) == "1.234.567"
    assert vn_number(999) == "999"
    assert vn_number(1234.5, decimals=1) == "1.234,5"


def test_chart_labels_use_the_same_format_as_the_tables():
    counts = StatusCounts()
    counts.add("on_time", 1)
    counts.add("late", 2)
    svg = str(status_chart([ReportRow("1", "Trường A", by_type={"x": counts})], "Biểu đồ"))
    assert f"(33,3{NBSP}%)" in svg  # the on-time share
    assert f"66,7{NBSP}%" in svg  # the late share
    assert "33.3" not in svg and "%)</title>" not in svg.replace(f"{NBSP}%)", "")
