"""Moves the demo district's records through the workflow, so that every
dashboard has something real on it: records in every state, some late.

Every step goes through workflow.services as the person whose role it is,
back-dated with `now=` to the day it would have happened. Idempotent: a record
that already left its first state is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import random
from collections.abc import Callable

from django.db import connections
from django.utils import timezone

from recordpages import programme, registry, selectors
from recordpages.models import (
    ClassResultSummaryPage,
    RoleCode,
    StaffProfile,
    StudentRecordPage,
    SubjectResult,
)
from recordpages.registry import Actor
from signatures.services import bound_certificate, render_next_file
from workflow import events, policy, services
from workflow.choices import State
from workflow.models import RecordState

logger = logging.getLogger(__name__)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class DemoStates:
    def __init__(self, today: dt.date, *, render_first: bool = False):
        self.today = today
        self.people: dict[tuple[int, str], list[StaffProfile]] = {}
        # Render the file a step signs before its transaction (apply_demo_states with
        # several processes: SQLite has one writer at a time, and a render inside the
        # step's transaction would make the others wait for it).
        self.render_first = render_first

    def staff(self, school_id: int, role: str) -> StaffProfile:
        key = (school_id, role)
        if key not in self.people:
            self.people[key] = list(
                StaffProfile.objects.filter(school_id=school_id, roles__code=role)
                .select_related("user")
                .order_by("user__username")
            )
        return self.people[key][0]

    def step(
        self, record: RecordState, actor, transition: str, day: dt.date, reason: str = ""
    ) -> bool:
        if day > self.today:
            return False
        user = actor.user if isinstance(actor, StaffProfile) else actor
        if self.render_first and self._signs(actor, user, record, transition, _at(day)):
            render_next_file(record.pk, now=_at(day))
        try:
            services.record_transition(
                user=user,
                page_id=record.pk,
                transition=transition,
                reason=reason,
                now=_at(day),
            )
        except services.TransitionRefused as refusal:
            logger.warning("Demo step %s on %s refused: %s", transition, record.pk, refusal.message)
            return False
        record.refresh_from_db()
        return True

    @staticmethod
    def _signs(actor, user, record: RecordState, transition: str, at: dt.datetime) -> bool:
        """Whether taking this step makes a digital signature (one recorded for someone
        without a certificate needs no file yet)."""
        due = policy.signature_due(user, record, transition)
        if due is None:
            return False
        staff = actor if isinstance(actor, StaffProfile) else None
        return due.seal or bound_certificate(staff, at=at) is not None

    def approver(self, record: RecordState) -> StaffProfile:
        """The school's (first) vice-principal for the types assigned to them, if the
        type's approval admits an assigned vice-principal; else the principal."""
        vice = self.staff(record.school_id, RoleCode.VICE_PRINCIPAL)
        approve = record.rules.step(registry.APPROVE)
        if (
            approve is not None
            and Actor.ASSIGNED_VP in approve.by
            and record.record_type in (vice.assigned_categories or [])
        ):
            return vice
        return self.staff(record.school_id, RoleCode.PRINCIPAL)

    @staticmethod
    def records():
        """The records still in their first state, in the order the steps take them."""
        return (
            RecordState.objects.filter(state__in=[State.DRAFT, State.MAINTAINED])
            .exclude(history__isnull=False)
            .select_related("school", "school_year", "group", "school_class", "author__user")
            .order_by("pk")
        )

    def handle(self, record: RecordState) -> None:
        handler = getattr(self, f"_{record.record_type}", None)
        if handler is not None:
            handler(record, random.Random(record.pk))

    # --- per record type ------------------------------------------------------

    def _plan_dates(self, record, rng, late_chance: float):
        first = record.school_year.first_year
        late = rng.random() < late_chance
        approve_on = (
            dt.date(first, 9, rng.choice([6, 8, 12]))
            if late
            else dt.date(first, 8, rng.randint(25, 31))
        )
        return approve_on - dt.timedelta(days=3), approve_on

    def _school_plan(self, record, rng):
        principal = self.staff(record.school_id, RoleCode.PRINCIPAL)
        vp = self.staff(record.school_id, RoleCode.VICE_PRINCIPAL)
        code = record.school.code
        submit_on, approve_on = self._plan_dates(record, rng, late_chance=0.0)
        if code == "THAD":
            approve_on = dt.date(record.school_year.first_year, 9, 6)  # one school a little late
        if code == "THHD" and record.school_year.first_year == self.today.year:
            self.step(record, vp, registry.SUBMIT, submit_on)  # still waiting: shows as overdue
            return
        if code == "THHT" and record.school_year.first_year == self.today.year:
            self.step(record, vp, registry.SUBMIT, submit_on)
            self.step(
                record,
                principal,
                registry.RETURN,
                submit_on + dt.timedelta(days=1),
                "Bổ sung phân phối thời lượng môn Tiếng Anh tự chọn lớp 1, 2.",
            )
            return
        self.step(record, vp, registry.SUBMIT, submit_on)
        self.step(record, principal, registry.APPROVE, approve_on)
        self.step(record, principal, registry.PUBLISH, approve_on + dt.timedelta(days=1))

    def _group_plan(self, record, rng):
        leader = record.group.leader if record.group_id else None
        if leader is None:
            return
        roll = rng.random()
        submit_on, approve_on = self._plan_dates(record, rng, late_chance=0.25)
        if roll < 0.1:
            return  # never submitted: overdue
        self.step(record, leader, registry.SUBMIT, submit_on)
        if roll < 0.2:
            self.step(
                record,
                self.approver(record),
                registry.RETURN,
                submit_on + dt.timedelta(days=2),
                "Điều chỉnh số tiết tuần 3 cho khớp phân phối chương trình.",
            )
            return
        self.step(record, self.approver(record), registry.APPROVE, approve_on)

    def _lesson_plan(self, record, rng):
        page = record.page.specific
        teacher, monday = page.teacher, page.week_start
        leader = record.group.leader if record.group_id else None
        if leader is None or leader.pk == teacher.pk:
            leader = None
        submit_on = monday - dt.timedelta(days=rng.choice([6, 7, 8]))
        roll = rng.random()
        if submit_on > self.today or roll < 0.1:
            return  # still a draft
        self.step(record, teacher, registry.SUBMIT, submit_on)
        if roll < 0.2:
            if leader:
                self.step(
                    record,
                    leader,
                    registry.RETURN,
                    submit_on + dt.timedelta(days=1),
                    "Bổ sung hoạt động vận dụng cho bài Toán.",
                )
            return
        check_on = submit_on + dt.timedelta(days=1)
        if leader is None or not self.step(record, leader, registry.CHECK, check_on):
            return
        late = roll > 0.85
        approve_on = monday - dt.timedelta(days=2 if late else rng.choice([4, 5]))
        self.step(record, self.approver(record), registry.APPROVE, max(approve_on, check_on))

    def _student_record(self, record, rng):
        if record.school_year.end_date > self.today:
            return  # the school year is not over: học bạ are still being written
        page = record.page.specific
        self._complete_year(page, rng)
        teacher = page.school_class.homeroom_teacher
        end = record.school_year.end_date
        late = record.school_class.name.endswith("B") and record.school.code == "THAD"
        self.step(record, teacher, registry.SUBMIT, end - dt.timedelta(days=12))
        self.step(record, self.approver(record), registry.APPROVE, end - dt.timedelta(days=9))
        self.step(
            record,
            self.staff(record.school_id, RoleCode.CLERK),
            registry.CONFIRM_PAPER,
            end - dt.timedelta(days=6),
        )
        sign_on = end + dt.timedelta(days=3) if late else end - dt.timedelta(days=3)
        # The clerk applies the school's seal (issue 13: the học bạ's last signature).
        self.step(record, self.staff(record.school_id, RoleCode.CLERK), registry.SIGN, sign_on)

    def _class_summary(self, record, rng):
        if record.school_year.end_date > self.today:
            return
        page = record.page.specific
        end = record.school_year.end_date
        self.step(
            record, page.school_class.homeroom_teacher, registry.SUBMIT, end - dt.timedelta(days=8)
        )
        self.step(record, self.approver(record), registry.APPROVE, end - dt.timedelta(days=6))
        self.step(
            record,
            self.staff(record.school_id, RoleCode.CLERK),
            registry.CONFIRM_PAPER,
            end - dt.timedelta(days=5),
        )
        if record.school.code == "THAD":
            return  # printed and stamped, never signed: overdue
        self.step(
            record,
            self.staff(record.school_id, RoleCode.CLERK),
            registry.SIGN,
            end - dt.timedelta(days=2),
        )

    def _enrollment_register(self, record, rng):
        page = record.page.specific
        if (
            int(page.cohort[5:]) != record.school_year.first_year + 1
            or record.school_year.end_date > self.today
        ):
            return  # only a cohort that has finished primary school is closed
        end = record.school_year.end_date
        self.step(
            record,
            self.staff(record.school_id, RoleCode.SYSADMIN),
            registry.FINALIZE,
            end - dt.timedelta(days=10),
        )
        if record.school.code == "THAD":
            return  # closed, waiting for the paper copy
        self.step(
            record,
            self.staff(record.school_id, RoleCode.CLERK),
            registry.CONFIRM_PAPER,
            end - dt.timedelta(days=7),
        )
        # The principal signs, then the clerk applies the seal: one step, two signatures.
        for role in (RoleCode.PRINCIPAL, RoleCode.CLERK):
            self.step(
                record,
                self.staff(record.school_id, role),
                registry.SIGN,
                end - dt.timedelta(days=4),
            )

    def _other(self, record, rng):
        author = record.author
        if author is None or record.deadline is None:
            return
        submit_on = record.deadline - dt.timedelta(days=5)
        if rng.random() < 0.5:
            self.step(record, author, registry.SUBMIT, submit_on)
            self.step(
                record,
                self.staff(record.school_id, RoleCode.PRINCIPAL),
                registry.APPROVE,
                submit_on + dt.timedelta(days=2),
            )

    def _complete_year(self, page: StudentRecordPage, rng) -> None:
        """End-of-year evaluation from the term-1 data, as the teacher would enter it."""
        results = list(page.subject_results.all())
        for result in results:
            result.level = result.level_term1 or "H"
            subject = programme.SUBJECTS_BY_CODE[result.subject]
            if subject.has_test(page.grade):
                result.score_year = result.score_term1 or rng.randint(6, 10)
                if subject.has_midterm_test(page.grade):
                    result.score_mid2 = result.score_year
        SubjectResult.objects.bulk_update(results, ["level", "score_year", "score_mid2"])
        page.competence_results.exclude(level_term1="Đ").update(level="T")
        page.competence_results.filter(level_term1="Đ").update(level="Đ")
        page.year_end_result = selectors.suggested_year_end_result(page)
        page.promotion = "ht_tieu_hoc" if page.grade == 5 else "len_lop"
        page.commendation = "Học sinh xuất sắc" if page.year_end_result == "HTXS" else ""
        page.save()


def apply_demo_states(
    today: dt.date,
    *,
    processes: int = 1,
    finished: Callable[[RecordState], None] | None = None,
) -> None:
    """Events and emails are held back: the caller reindexes once at the end. With
    `processes` > 1 (`make run`), the records are shared among that many processes,
    forked here, each taking the next record when done with one: records are
    independent, and a step's render (the bulk of its time) is then made before its
    transaction, beside another record's. `finished` is called in the process that
    moved a record, once its steps are taken (the demo freezes it there)."""
    from django.test.utils import override_settings

    services.ensure_all_record_states()
    with (
        events.muted(),
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
    ):
        if processes > 1:
            _in_processes(today, processes, finished)
        else:
            states = DemoStates(today)
            for record in states.records():
                states.handle(record)
                if finished is not None:
                    finished(record)
        _one_correction_under_way()


# Handed in once the other records of its class are approved: taken after every other
# record, once the processes moving those have finished (taken beside them, a class
# summary was refused when a process still held its class's last học bạ).
TAKEN_LAST = frozenset({ClassResultSummaryPage.record_type})


def _in_processes(today: dt.date, processes: int, finished) -> None:
    records = list(DemoStates.records().values_list("pk", "record_type"))
    for last in (False, True):
        pks = [pk for pk, kind in records if (kind in TAKEN_LAST) == last]
        if pks:
            _share(today, pks, processes, finished)


def _share(today: dt.date, pks: list[int], processes: int, finished) -> None:
    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    taken = context.Value("i", 0)  # the index of the next record to take, shared
    children = [
        context.Process(
            target=_run_share, args=(today, pks, taken, finished), name=f"demo-states-{index}"
        )
        for index in range(min(processes, len(pks)))
    ]
    for child in children:
        child.start()
    for child in children:
        child.join()
    failed = [child.name for child in children if child.exitcode != 0]
    if failed:
        raise RuntimeError(f"demo process(es) failed: {', '.join(failed)}")


def _run_share(today: dt.date, pks: list[int], taken, finished) -> None:
    connections.close_all()
    if connections["default"].vendor == "sqlite":
        # The processes take turns as SQLite's one writer; a step that renders a long
        # file inside its transaction (a register of five years) may hold it a while.
        connections["default"].settings_dict["OPTIONS"]["timeout"] = 600
    states = DemoStates(today, render_first=True)
    records = DemoStates.records()
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(pks):
            break
        record = records.get(pk=pks[index])
        states.handle(record)
        if finished is not None:
            finished(record)
    connections.close_all()


def _one_correction_under_way() -> None:
    """A signed học bạ whose homeroom teacher found a typing error: the principal agreed."""
    if RecordState.objects.filter(state=State.CORRECTING).exists():
        return
    record = (
        RecordState.objects.filter(
            record_type=StudentRecordPage.record_type, state=State.SIGNED, school__code="THHN"
        )
        .select_related("school_class__homeroom_teacher__user")
        .order_by("pk")
        .first()
    )
    if record is None:
        return
    teacher = record.school_class.homeroom_teacher
    principal = StaffProfile.objects.filter(
        school_id=record.school_id, roles__code=RoleCode.PRINCIPAL
    ).first()
    correction = services.correction_request(
        user=teacher.user,
        page_id=record.pk,
        reason="Nhập nhầm điểm kiểm tra cuối năm môn Toán (9 thành 10).",
    )
    services.correction_decide(user=principal.user, correction_id=correction.pk, consent=True)
