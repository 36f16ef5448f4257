"""Every write of the workflow, as the rest of the code calls it.

The writes themselves are action classes (workflow.actions: check, then execute in
one transaction, history, audit, event after commit, refusals logged once); the
functions here keep the names views, hooks, commands and tests have always called.
What is not an action lives here too: keeping a record's state row in step with its
page, and the write guard every save passes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from dataclasses import dataclass

from django.core.signals import request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from recordpages import registry
from recordpages.guards import RecordReadOnly
from recordpages.models import RecordPage
from recordpages.registry import UNDER_REVIEW_STATES
from recordpages.transactions import open_transaction_token, still_open
from workflow import deadlines, events
from workflow.actions import (
    AdjustmentsSave,
    CorrectionAcknowledge,
    CorrectionDecide,
    CorrectionFinish,
    CorrectionRequest,
    LockCreate,
    LockRelease,
    TakeStep,
    TransitionRefused,
    active_lock,
    completeness_errors,
    lock_message,
    revision_diff,
)
from workflow.audit import audit_append, client_ip
from workflow.choices import APPROVED_STATES, State
from workflow.events import record_saved
from workflow.models import Correction, CorrectionState, Lock, RecordState

logger = logging.getLogger(__name__)

__all__ = [
    "TransitionRefused",
    "active_lock",
    "completeness_errors",
    "correction_acknowledge",
    "correction_decide",
    "correction_finish_editing",
    "correction_request",
    "ensure_all_record_states",
    "guard_write",
    "lesson_adjustments_save",
    "lock_create",
    "lock_message",
    "lock_release",
    "record_content_saved",
    "record_state_sync",
    "record_transition",
    "revision_diff",
    "write_refusal",
]


# --- record states ---------------------------------------------------------------


def _creator_author_id(page: RecordPage) -> int | None:
    """The record's author is who created it (Wagtail's page owner), set here once:
    no form carries the field (issue 11: a writer who names someone else as author
    could review their own record)."""
    if page.author_id or not page.owner_id:
        return page.author_id
    from recordpages.models import StaffProfile

    author_id = StaffProfile.objects.filter(user_id=page.owner_id).values_list("pk", flat=True)
    author_id = author_id.first()
    if author_id is not None:
        # A bookkeeping write of a derived field, not an edit of the content.
        type(page).objects.filter(pk=page.pk).update(author_id=author_id)
        page.author_id = author_id
    return author_id


def record_state_sync(page: RecordPage) -> RecordState | None:
    """Create or refresh the state row of a record page (type, school, year, deadline)."""
    if not page.school_id or not page.school_year_id:
        return None
    values = {
        "record_type": page.record_type,
        "school_id": page.school_id,
        "school_year_id": page.school_year_id,
        "group_id": getattr(page, "group_id", None),
        "school_class_id": getattr(page, "school_class_id", None),
        "author_id": _creator_author_id(page),
        "record_category_id": getattr(page, "record_category_id", None),
        "deadline": deadlines.deadline_of_page(page),
    }
    record = _write_facts(page.pk, with_lock=False).record
    if record is None:
        initial = registry.for_record(page).initial
        record = RecordState(page_id=page.pk, state=initial, **values)
        record.save()
        return record
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    if changed:
        RecordState.objects.filter(pk=record.pk).update(**values)
        _forget_write_facts()
    return record


# --- what a write is checked against, read once per transaction --------------------


@dataclass
class _WriteFacts:
    """A record's state row and the lock over it, as this transaction read them."""

    record: RecordState | None
    lock: Lock | None
    lock_read: bool
    until: object  # pending in the transaction's on_commit list while the facts hold


_write_memo: contextvars.ContextVar[dict[int, _WriteFacts] | None] = contextvars.ContextVar(
    "hoso_write_facts", default=None
)


def _write_facts(page_id: int, *, with_lock: bool = True) -> _WriteFacts:
    """One save passes the guard and the state sync several times (Wagtail's editor
    saves the page, then its revision, then the revision pointers; the hooks sync
    the state row again): the row and the lock are read once per transaction. They
    are read again after any write of a state, lock or correction (signals below),
    in a new request, and once the transaction commits or rolls back (its on_commit
    callback `until` then ran or was dropped)."""
    memo = _write_memo.get()
    facts = memo.get(page_id) if memo is not None else None
    if facts is None or not still_open(facts.until):
        facts = _WriteFacts(RecordState.objects.filter(pk=page_id).first(), None, False, None)
    if with_lock and not facts.lock_read and facts.record is not None:
        facts.lock = active_lock(
            school_id=facts.record.school_id,
            school_year_id=facts.record.school_year_id,
            record_type=facts.record.record_type,
        )
        facts.lock_read = True
    if facts.until is None:
        facts.until = open_transaction_token(then=_forget_write_facts)
        if facts.until is not None:
            memo = memo if memo is not None else {}
            memo[page_id] = facts
            _write_memo.set(memo)
    return facts


def state_already_read(record: RecordState) -> None:
    """A record's state row, just read by this request's permission check inside the
    open transaction (the editor's): the write guard takes it instead of reading the
    row a second time (issue 18). Its lock is still read by the guard."""
    memo = _write_memo.get()
    known = memo.get(record.pk) if memo is not None else None
    if known is not None and still_open(known.until):
        return
    until = open_transaction_token(then=_forget_write_facts)
    if until is not None:
        memo = memo if memo is not None else {}
        memo[record.pk] = _WriteFacts(record, None, False, until)
        _write_memo.set(memo)


def _forget_write_facts(*args, **kwargs) -> None:
    _write_memo.set(None)


for _model in (RecordState, Lock, Correction):
    post_save.connect(_forget_write_facts, sender=_model, dispatch_uid=f"write_facts_{_model}")
    post_delete.connect(_forget_write_facts, sender=_model, dispatch_uid=f"write_facts_d{_model}")
request_started.connect(_forget_write_facts, dispatch_uid="write_facts_request")


def write_refusal(page: RecordPage, user=None) -> str | None:
    """Why this record may not be edited now (by this user), or None."""
    facts = _write_facts(page.pk)
    record, lock = facts.record, facts.lock
    if record is None:
        return None
    if lock is not None:
        return lock_message(lock)
    if record.state in APPROVED_STATES:
        return _(
            "Hồ sơ %(state)s: muốn sửa phải đề nghị sửa dữ liệu và được hiệu trưởng đồng ý "
            "(Điều 11.3)."
        ) % {"state": record.get_state_display().lower()}
    if record.state in UNDER_REVIEW_STATES:
        return _("Hồ sơ đang chờ kiểm tra, duyệt: không sửa được cho đến khi bị trả lại.")
    if record.state == State.CORRECTING and user is not None:
        correction = record.corrections.filter(state=CorrectionState.CONSENTED).first()
        if correction is None or correction.requested_by_id != user.pk:
            return _("Hồ sơ đang được sửa theo biên bản: chỉ người đề nghị sửa được sửa.")
    return None


def guard_write(page) -> None:
    """The write guard registered with recordpages: every save path passes here."""
    if not isinstance(page, RecordPage):
        return
    message = write_refusal(page)
    if message is not None:
        raise RecordReadOnly(message)


def record_content_saved(*, page: RecordPage, user, request=None, action: str = "edit") -> None:
    """After an admin save: keep the state row current, log the edit, tell subscribers."""
    record = record_state_sync(page)
    if record is None:
        return
    audit_append(
        action=f"record.{action}",
        school_id=record.school_id,
        actor=user,
        object_type="record",
        object_id=record.pk,
        summary=page.title,
        detail={"state": record.state},
        ip=client_ip(request),
        savepoint=False,  # an edit that cannot be logged is not saved
    )
    page_id = page.pk
    if events.is_muted():
        return
    transaction.on_commit(
        lambda: record_saved.send(sender=RecordState, record_state=record, page_id=page_id)
    )


# --- the actions, by the names callers use -----------------------------------------


def record_transition(
    *,
    user,
    page_id: int,
    transition: str,
    reason: str = "",
    seen_state: str | None = None,
    request=None,
    now: dt.datetime | None = None,
) -> RecordState:
    """Move one record one step of its declared path (workflow.actions.TakeStep)."""
    return TakeStep(
        user=user,
        page_id=page_id,
        step=transition,
        reason=reason,
        seen_state=seen_state,
        request=request,
        now=now,
    ).execute()


def lesson_adjustments_save(*, user, page_id: int, text: str, request=None) -> None:
    """What the writer adds after teaching, for the types that declare such a field."""
    AdjustmentsSave(user=user, page_id=page_id, text=text, request=request).execute()


def correction_request(*, user, page_id: int, reason: str, request=None) -> Correction:
    return CorrectionRequest(user=user, page_id=page_id, reason=reason, request=request).execute()


def correction_decide(*, user, correction_id: int, consent: bool, request=None) -> Correction:
    return CorrectionDecide(
        user=user, correction_id=correction_id, consent=consent, request=request
    ).execute()


def correction_finish_editing(*, user, correction_id: int, request=None) -> Correction:
    return CorrectionFinish(user=user, correction_id=correction_id, request=request).execute()


def correction_acknowledge(*, user, correction_id: int, request=None) -> Correction:
    return CorrectionAcknowledge(user=user, correction_id=correction_id, request=request).execute()


def lock_create(
    *,
    user,
    school_id: int,
    school_year_id: int | None,
    record_type: str,
    requested_by_id: int,
    reason: str,
    request=None,
) -> Lock:
    return LockCreate(
        user=user,
        school_id=school_id,
        school_year_id=school_year_id,
        record_type=record_type,
        requested_by_id=requested_by_id,
        reason=reason,
        request=request,
    ).execute()


def lock_release(*, user, lock_id: int, request=None) -> Lock:
    return LockRelease(user=user, lock_id=lock_id, request=request).execute()


def ensure_all_record_states() -> int:
    """Create missing state rows (after a bulk load or an import). Idempotent."""
    created = 0
    for model in registry.page_models():
        missing = model.objects.exclude(pk__in=RecordState.objects.values("pk")).select_related(
            "school_year"
        )
        for page in missing:
            if record_state_sync(page) is not None:
                created += 1
    return created
