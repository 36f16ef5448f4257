"""The school calendar the demo data follows: which year, which period, which week."""

from __future__ import annotations

import datetime as dt

from recordpages.models import SchoolYear


def school_year_for(today: dt.date) -> str:
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}-{first + 1}"


def summary_period(today: dt.date) -> str:
    """The class summary a school would be working on at this time of year."""
    if today.month in (5, 6, 7, 8):
        return "cuoi_nam"
    if today.month in (3, 4):
        return "giua_hk2"
    if today.month in (1, 2):
        return "cuoi_hk1"
    return "giua_ky"


def first_monday(year: SchoolYear) -> dt.date:
    start = year.start_date
    return start - dt.timedelta(days=start.weekday())


def week_of(year: SchoolYear, day: dt.date) -> int:
    return max(1, min(35, (day - first_monday(year)).days // 7 + 1))
