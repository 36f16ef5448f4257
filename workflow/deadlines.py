"""Deadlines of Article 12 (R6), as the last day on which the milestone still counts.

- School and group plans: "nộp và duyệt trước ngày 05/9" — approved by 4 September.
- Học bạ and class summaries (and the sổ đăng bộ, which follows them to signing):
  "ký duyệt trước ngày 31/5" — signed by 30 May.
- Lesson plans: "duyệt trước ít nhất 03 ngày trước khi thực hiện" — three whole
  days must lie between approval and the first teaching day, so a Monday lesson
  is approved by the previous Thursday.
- Other records: the deadline the school set on the record.

Each record type declares its deadline rule and its milestone in
recordpages.registry. Whether a record met its deadline is decided here, once, as
a queryset annotation (`with_status`): reports, dashboards, reminders and the
record page all read it, one record (`status_of`) or a million alike.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db import models
from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.db.models.lookups import IsNull, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recordpages import registry
from recordpages.registry import Milestone
from workflow.models import RecordState


class DeadlineStatus(models.TextChoices):
    """The one label table of the deadline statuses (dashboards, reports, exports)."""

    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Trễ hạn")
    # The deadline passed and the milestone was not reached.
    MISSING = "missing", _("Quá hạn, chưa hoàn thành")
    # Not reached yet, not yet due (the deadline day itself still counts).
    PENDING = "pending", _("Chưa đến hạn")


STATUSES: tuple[DeadlineStatus, ...] = tuple(DeadlineStatus)
STATUS_LABELS = dict(DeadlineStatus.choices)
# The milestone was reached: the record owes nothing more to its deadline.
REACHED = (DeadlineStatus.ON_TIME, DeadlineStatus.LATE)


def deadline_for(
    record_type: str,
    *,
    school_year,
    week_start: dt.date | None = None,
    custom: dt.date | None = None,
) -> dt.date | None:
    """The deadline a record of this type gets, from its declared rule."""
    page = SimpleNamespace(week_start=week_start, deadline=custom)
    return registry.get(record_type).due(school_year=school_year, page=page)


def deadline_of_page(page) -> dt.date | None:
    """The deadline a record page's content implies (kept on its RecordState)."""
    return registry.for_record(page).due(school_year=page.school_year, page=page)


def milestone_on() -> Case:
    """The local day (project time zone) on which the record reached its type's
    milestone, or NULL: a dawn approval in Hà Nội is still the previous day in UTC."""
    tz = timezone.get_default_timezone()
    whens = []
    for milestone in Milestone:
        codes = registry.codes_where(lambda rules, m=milestone: rules.milestone == m)
        if codes:
            reached = TruncDate(milestone.reached_field, tzinfo=tz)
            whens.append(When(record_type__in=codes, then=reached))
    # A type nobody declared reaches no milestone: it is never counted on time.
    return Case(*whens, default=Value(None), output_field=models.DateField())


def status_expression(*, today: dt.date) -> Case:
    """The rule, as SQL over RecordState: without the milestone, missing once the
    deadline day has passed and pending until then (the day itself still counts);
    with it, on time when it fell on or before the deadline (or there is none),
    late after it."""
    reached = milestone_on()
    return Case(
        When(
            IsNull(reached, True),
            then=Case(
                When(deadline__lt=today, then=Value(DeadlineStatus.MISSING.value)),
                default=Value(DeadlineStatus.PENDING.value),
            ),
        ),
        When(deadline__isnull=True, then=Value(DeadlineStatus.ON_TIME.value)),
        When(LessThanOrEqual(reached, F("deadline")), then=Value(DeadlineStatus.ON_TIME.value)),
        default=Value(DeadlineStatus.LATE.value),
        output_field=models.CharField(),
    )


def with_status(queryset: QuerySet[RecordState], *, today: dt.date | None = None) -> QuerySet:
    """The records, each annotated with `deadline_status` (a DeadlineStatus value) as
    of `today` (the project's local date by default)."""
    return queryset.annotate(deadline_status=status_expression(today=today or timezone.localdate()))


def status_of(record: RecordState, *, today: dt.date | None = None) -> DeadlineStatus:
    """One record's status, through the same annotation as the reports (one query):
    what the database holds for it, not what an unsaved instance says."""
    rows = with_status(RecordState.objects.filter(pk=record.pk), today=today)
    return DeadlineStatus(rows.values_list("deadline_status", flat=True).get())
