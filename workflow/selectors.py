"""Reads of the workflow: dashboards, waiting lists, deadline status, history.

Every list here issues a fixed number of queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from recordpages import registry
from recordpages.models import RecordPage, RoleCode, School, SchoolYear
from recordpages.permissions import children_listed, get_scope, school_filter, visible_schools
from recordpages.registry import Step
from workflow import policy, services
from workflow.choices import State
from workflow.deadlines import REACHED, DeadlineStatus, with_status
from workflow.models import AuditEntry, RecordState, attach_editors


def _records() -> QuerySet[RecordState]:
    # record_category: a record filed under a school's category takes its rules
    # (registry.for_record), read for every record a dashboard lists.
    return RecordState.objects.select_related(
        "page", "school", "school_year", "group", "school_class", "author", "record_category"
    )


def current_school_year(today: dt.date | None = None) -> SchoolYear | None:
    today = today or timezone.localdate()
    return (
        SchoolYear.objects.filter(start_date__lte=today + dt.timedelta(days=60))
        .order_by("-start_date")
        .first()
    )


@dataclass(frozen=True)
class DueItem:
    record: RecordState
    status: DeadlineStatus

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def type_label(self) -> str:
        return registry.label(self.record.record_type)


DUE_SOON_DAYS = 30


def my_records_due(user, today: dt.date | None = None, limit: int = 20) -> list[DueItem]:
    """My records due within a month or overdue, overdue first, then by deadline: those
    whose milestone (their type's, from the registry) is not reached yet."""
    today = today or timezone.localdate()
    scope = get_scope(user)
    if scope.staff is None:
        return []
    records = (
        with_status(_records().filter(author=scope.staff), today=today)
        .exclude(deadline__isnull=True)
        .filter(deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
        .exclude(deadline_status__in=REACHED)
        .order_by("deadline", "pk")[:limit]
    )
    items = [DueItem(record, DeadlineStatus(record.deadline_status)) for record in records]
    items.sort(key=lambda item: (item.status != DeadlineStatus.MISSING, item.record.deadline))
    return items


def waiting_for(user, limit: int = 30) -> list[tuple[RecordState, list[Step]]]:
    """Records on which this user can take a reviewing step now."""
    scope = get_scope(user)
    if scope.read_only or (scope.staff is None and not scope.is_superuser):
        return []
    states = set()
    if scope.has_role(RoleCode.GROUP_LEADER, RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL):
        states |= {State.SUBMITTED, State.CHECKED}
    if scope.has_role(RoleCode.PRINCIPAL):
        states |= {State.APPROVED, State.PAPER_CONFIRMED}
    if scope.has_role(RoleCode.CLERK):
        states |= {State.APPROVED, State.FINALIZED}
    if scope.has_role(RoleCode.SYSADMIN):
        states |= {State.MAINTAINED}
    if not states:
        return []
    records = _records().filter(state__in=states).order_by("deadline", "pk")
    if not scope.is_superuser:
        records = records.filter(school_id=scope.school_id)
    records = list(records[:500])
    attach_editors(records)  # the self-review rule asks who edited each
    policy.share_school_staff(records)
    result = []
    for record in records:
        steps = [s for s in policy.available_transitions(user, record) if s.name != registry.SUBMIT]
        if steps:
            result.append((record, steps))
        if len(result) >= limit:
            break
    return result


@dataclass
class StatusRow:
    key: str
    label: str
    counts: Counter

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def get(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def late_share(self) -> int:
        due = self.total - self.get(DeadlineStatus.PENDING)
        overdue = self.get(DeadlineStatus.LATE) + self.get(DeadlineStatus.MISSING)
        return round(100 * overdue / due) if due else 0


def _status_counts(records: QuerySet[RecordState], key: str, today: dt.date) -> dict[str, Counter]:
    """`key` value → count per deadline status, in one grouped query."""
    rows = (
        with_status(records, today=today)
        .values(key, "deadline_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, Counter] = {}
    for row in rows:
        counts.setdefault(str(row[key]), Counter())[DeadlineStatus(row["deadline_status"])] += row[
            "n"
        ]
    return counts


def school_deadline_status(
    school_id: int, school_year: SchoolYear, today: dt.date | None = None
) -> list[StatusRow]:
    """Per record type: on time / late / missing / pending for one school and year."""
    records = RecordState.objects.filter(school_id=school_id, school_year=school_year)
    counts = _status_counts(records, "record_type", today or timezone.localdate())
    rows = [
        StatusRow(record_type, registry.label(record_type), counter)
        for record_type, counter in counts.items()
    ]
    return sorted(rows, key=lambda row: row.label)


def district_deadline_table(
    user, school_year: SchoolYear, today: dt.date | None = None
) -> list[StatusRow]:
    """Per school the same figures, for the schools the user may read."""
    schools = {s.pk: s.name for s in visible_schools(user)}
    records = RecordState.objects.filter(school_id__in=schools, school_year=school_year)
    counts = _status_counts(records, "school_id", today or timezone.localdate())
    rows = [
        StatusRow(str(pk), name, counts.get(str(pk), Counter())) for pk, name in schools.items()
    ]
    return sorted(rows, key=lambda row: row.label)


ANOMALY_ACTIONS = (
    "auth.login_failed",
    "auth.locked_out",
    "auth.otp_failed",
    "auth.password_reset",
    "auth.two_factor_reset",
    "access.refused",
    "upload.refused",
    "record.adjustments",
    "correction.requested",
    "lock.created",
    "lock.released",
)


def anomalies(user, since: dt.datetime | None = None, limit: int = 30) -> QuerySet[AuditEntry]:
    """Unusual events of the principal's school (R16): failed logins, refused accesses,
    changes after approval."""
    scope = get_scope(user)
    since = since or timezone.now() - dt.timedelta(days=30)
    entries = AuditEntry.objects.filter(action__in=ANOMALY_ACTIONS, at__gte=since).order_by("-at")
    if scope.is_superuser:
        return entries[:limit]
    if not scope.has_role(RoleCode.PRINCIPAL, RoleCode.SYSADMIN) or scope.school_id is None:
        return AuditEntry.objects.none()
    return entries.filter(school_id=scope.school_id)[:limit]


# Resets of someone else's password or second factor (R2): the authority sees them too.
CREDENTIAL_RESET_ACTIONS = ("auth.password_reset", "auth.two_factor_reset")


def credential_resets(
    user, since: dt.datetime | None = None, limit: int = 30
) -> QuerySet[AuditEntry]:
    """Credential resets in the schools under a district office account (or every
    school, for a superuser), for the authority's unusual-access panel."""
    scope = get_scope(user)
    since = since or timezone.now() - dt.timedelta(days=30)
    entries = AuditEntry.objects.filter(
        action__in=CREDENTIAL_RESET_ACTIONS, at__gte=since
    ).order_by("-at")
    if scope.is_superuser:
        return entries[:limit]
    if not scope.is_authority_level or RoleCode.DISTRICT_OFFICE not in scope.roles:
        return AuditEntry.objects.none()
    return entries.filter(school_filter(user))[:limit]


def repeated_failed_logins(
    user, window: dt.timedelta = dt.timedelta(hours=1), threshold: int = 3
) -> list[tuple[str, int]]:
    entries = anomalies(user, since=timezone.now() - window, limit=1000)
    counts = Counter(e.summary for e in entries if e.action == "auth.login_failed")
    return [(who, n) for who, n in counts.most_common() if n >= threshold]


def record_history(record: RecordState):
    return record.history.select_related("actor").all()


def schools_for_lock_form(user) -> QuerySet[School]:
    return visible_schools(user)


# --- records in the page tree ----------------------------------------------------


def _is_record_page(page) -> bool:
    specific_class = page.specific_class
    return specific_class is not None and issubclass(specific_class, RecordPage)


# What the policy reads of a listed record: its group's leader, its class's homeroom
# teacher, its category's rules, its author; an authority reader also its school's place
# in the tree. A Page row is the costliest to build (issue 18): only then.
_LISTED_RELATIONS = ("group", "school_class", "record_category", "author")


def _listed_relations(user) -> tuple[str, ...]:
    if get_scope(user).is_authority_level:
        return (*_LISTED_RELATIONS, "school__page")
    return _LISTED_RELATIONS


def listed_record(user, page) -> RecordState | None:
    """The state of a record page. In an explorer listing of its parent, or once a
    second page under the same parent is asked about, it is loaded with all its
    siblings (with their editors), so that a listing costs the same number of queries
    however many rows it shows; a page asked about alone (its editor) loads its own
    (issue 18: a class of thirty-five). Cached on the request's user."""
    if not _is_record_page(page):
        return None
    cache = user.__dict__.setdefault("_hoso_listed_states", {})
    parent_path = page.path[: -page.steplen]
    known = cache.get(parent_path)
    if known is not None and (known.complete or page.pk in known.records):
        return known.records.get(page.pk)
    siblings = known is not None or children_listed(user, parent_path)
    states = RecordState.objects.filter(
        page__path__startswith=parent_path, page__depth=page.depth
    ).select_related(*_listed_relations(user))
    records = list(states if siblings else states.filter(pk=page.pk))
    attach_editors(records)
    if not siblings and records:
        services.state_already_read(records[0])  # the editor's guard need not read it
    cache[parent_path] = _Listed(siblings, {page.pk: None} | {r.pk: r for r in records})
    return cache[parent_path].records[page.pk]


@dataclass
class _Listed:
    complete: bool  # every sibling under the parent, or the pages asked about
    records: dict[int, RecordState | None]


def page_content_readable(user, page) -> bool:
    """The content reader workflow registers with recordpages.permissions: a record
    page's content is shown only to those policy.can_view_record lets see the record
    (another teacher's draft is not)."""
    if not getattr(page, "pk", None) or not getattr(page, "path", None):
        return True  # a page being created
    record = listed_record(user, page)
    return record is None or policy.can_view_record(user, record)
