"""What a record type's deadline measures and how it is set (Điều 12, R6): data of the
record-type registry (recordpages.registry re-exports every name here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NoDeadline:
    """No deadline: the milestone is never late."""

    description: Promise = _("Không có hạn")

    def due(self, *, school_year, page=None) -> dt.date | None:
        return None


@dataclass(frozen=True)
class DayOfYear:
    """A fixed day of the school year: the last day on which the milestone counts.
    Months from August belong to the year's first calendar year."""

    month: int
    day: int
    description: Promise = _("Ngày cố định trong năm học")

    def due(self, *, school_year, page=None) -> dt.date | None:
        year = school_year.first_year + (0 if self.month >= 8 else 1)
        return dt.date(year, self.month, self.day)


@dataclass(frozen=True)
class DaysBeforeWeek:
    """The last day of approval is `days` days before the week the record is for."""

    days: int
    week_field: str = "week_start"
    description: Promise = _("Trước tuần thực hiện")

    def due(self, *, school_year, page=None) -> dt.date | None:
        week_start = getattr(page, self.week_field, None) if page is not None else None
        return week_start - dt.timedelta(days=self.days) if week_start else None


@dataclass(frozen=True)
class SetOnRecord:
    """The school writes the deadline on the record itself."""

    field_name: str = "deadline"
    description: Promise = _("Nhà trường ghi hạn trên hồ sơ")

    def due(self, *, school_year, page=None) -> dt.date | None:
        return getattr(page, self.field_name, None) if page is not None else None
