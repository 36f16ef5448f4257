"""Every write of the workflow: transitions, pinned versions, corrections, locks.

Each service checks the caller through workflow.policy, runs in one
transaction, writes the history and the audit entry, and emits its event only
after commit. Views, hooks and commands call these and nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from wagtail.models import Page, Revision

from recordpages import registry
from recordpages.guards import RecordReadOnly, guards_bypassed
from recordpages.models import RecordPage, RoleCode
from recordpages.permissions import get_scope
from workflow import deadlines, events, notifications, policy
from workflow.audit import audit_append, client_ip
from workflow.choices import APPROVED_STATES, State
from workflow.events import record_saved, record_transitioned
from workflow.models import (
    Correction,
    CorrectionState,
    Lock,
    RecordState,
    RecordVersion,
    TransitionLog,
)
from workflow.versions import VOLATILE_KEYS, content_hash

logger = logging.getLogger(__name__)


class TransitionRefused(Exception):
    """A refusal with a Vietnamese message for the user; nothing was changed."""

    def __init__(self, message: str, *, school_id=None, object_id=None, attempted: str = ""):
        super().__init__(message)
        self.message = message
        self.school_id = school_id
        self.object_id = object_id
        self.attempted = attempted


def _log_refusal(user, refusal: TransitionRefused, request) -> None:
    """A refused attempt is itself evidence (R16): logged after the rollback."""
    audit_append(
        action="access.refused",
        school_id=refusal.school_id,
        actor=user if getattr(user, "pk", None) else None,
        object_type="record",
        object_id=refusal.object_id or "",
        summary=f"{refusal.attempted}: {refusal.message}"[:300],
        ip=client_ip(request),
    )


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
    record = RecordState.objects.filter(pk=page.pk).first()
    if record is None:
        initial = registry.for_record(page).initial
        record = RecordState(page_id=page.pk, state=initial, **values)
        record.save()
        return record
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    if changed:
        RecordState.objects.filter(pk=record.pk).update(**values)
    return record


def _latest_revision(page: RecordPage) -> Revision:
    revision = page.get_latest_revision()
    if revision is None:
        # A snapshot of content nobody edited here: it names no user, so that the
        # reviewer who pins it does not become one of the record's editors.
        with guards_bypassed():
            revision = page.save_revision(user=None, log_action=False)
    return revision


def active_lock(
    *, school_id: int, school_year_id: int | None, record_type: str | None
) -> Lock | None:
    """The lock that makes this school / year / category read-only now, if any."""
    locks = Lock.objects.filter(school_id=school_id, unlocked_at__isnull=True)
    for lock in locks:
        if lock.school_year_id not in (None, school_year_id):
            continue
        if lock.record_type not in ("", record_type):
            continue
        return lock
    return None


def lock_message(lock: Lock) -> str:
    return _(
        "Dữ liệu đang bị khóa (%(scope)s) theo đề nghị của hiệu trưởng từ %(when)s: chỉ được xem."
    ) % {"scope": str(lock), "when": timezone.localtime(lock.locked_at).strftime("%d/%m/%Y")}


def write_refusal(page: RecordPage, user=None) -> str | None:
    """Why this record may not be edited now (by this user), or None."""
    record = RecordState.objects.filter(pk=page.pk).first()
    if record is None:
        return None
    lock = active_lock(
        school_id=record.school_id,
        school_year_id=record.school_year_id,
        record_type=record.record_type,
    )
    if lock is not None:
        return lock_message(lock)
    if record.state in APPROVED_STATES:
        return _(
            "Hồ sơ %(state)s: muốn sửa phải đề nghị sửa dữ liệu và được hiệu trưởng đồng ý "
            "(Điều 11.3)."
        ) % {"state": record.get_state_display().lower()}
    if record.state in (State.SUBMITTED, State.CHECKED):
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


def completeness_errors(page: RecordPage) -> list[str]:
    """What must be filled before a record can be submitted (Đ11.2, R4): the page
    type's own rules, then the records its type waits for."""
    rules = registry.for_record(page)
    errors = rules.completeness_errors(page)
    needed = rules.prerequisite
    if needed is not None:
        pending = RecordState.objects.filter(
            record_type=needed.record_type, **{needed.same: getattr(page, needed.same)}
        ).exclude(state__in=APPROVED_STATES)
        count = pending.count()
        if count:
            errors.append(needed.message % {"count": count})
    return errors


def _role_label(user) -> str:
    scope = get_scope(user)
    if scope.is_superuser:
        return "Quản trị toàn hệ thống"
    if scope.staff is None:
        return ""
    return ", ".join(role.name for role in scope.staff.roles.all())


def _lock_row(page_id: int) -> RecordState:
    query = RecordState.objects.select_related("group", "school_class", "school")
    if transaction.get_connection().features.has_select_for_update:
        query = query.select_for_update(of=("self",))
    return query.get(pk=page_id)


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
    """Move one record one step. Refusals raise TransitionRefused, change nothing,
    and are logged to the audit chain."""
    try:
        return _record_transition(
            user=user,
            page_id=page_id,
            transition=transition,
            reason=reason,
            seen_state=seen_state,
            request=request,
            now=now or timezone.now(),
        )
    except TransitionRefused as refusal:
        if refusal.school_id is not None:
            _log_refusal(user, refusal, request)
        raise


@transaction.atomic
def _record_transition(
    *, user, page_id, transition, reason, seen_state, request, now
) -> RecordState:
    try:
        record = _lock_row(page_id)
    except RecordState.DoesNotExist as exc:
        raise TransitionRefused(_("Không tìm thấy hồ sơ.")) from exc
    source = record.state
    if seen_state and seen_state != source:
        _refuse(
            user,
            record,
            transition,
            request,
            _(
                "Hồ sơ vừa được người khác cập nhật: trạng thái hiện tại là “%(state)s”. "
                "Vui lòng tải lại trang."
            )
            % {"state": record.get_state_display()},
        )
    refusal = policy.refusal(user, record, transition)
    if refusal is not None:
        _refuse(user, record, transition, request, refusal)
    step = record.rules.step(transition)
    lock = active_lock(
        school_id=record.school_id,
        school_year_id=record.school_year_id,
        record_type=record.record_type,
    )
    if lock is not None:
        _refuse(user, record, transition, request, lock_message(lock))
    if step.needs_reason and not reason.strip():
        _refuse(user, record, transition, request, _("Cần ghi lí do trả lại."))

    page = Page.objects.get(pk=page_id).specific
    revision = None
    if step.target == State.SUBMITTED:
        errors = completeness_errors(page.get_latest_revision_as_object())
        if errors:
            _refuse(
                user, record, transition, request, _("Hồ sơ chưa đủ để nộp: ") + "; ".join(errors)
            )
        record.return_reason = ""
    if step.stamps:
        setattr(record, step.stamps, now)
    if step.pins_revision:
        revision = _latest_revision(page)
        record.approved_revision = revision
        record.approved_hash = content_hash(revision)
        record.version += 1
    if step.needs_reason:
        record.return_reason = reason.strip()

    try:
        record.take(step)
        record.save()
    except (TransitionNotAllowed, ConcurrentTransition):
        raise TransitionRefused(
            _("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang."),
            school_id=record.school_id,
            object_id=record.pk,
            attempted=transition,
        ) from None

    if step.pins_revision:
        RecordVersion.objects.create(
            record=record,
            number=record.version,
            revision=revision,
            content_hash=record.approved_hash,
            state=record.state,
            approved_by=user,
        )
    if step.target == State.PUBLISHED:
        _publish_pinned(record, user)
    TransitionLog.objects.create(
        record=record,
        transition=transition,
        source=source,
        target=record.state,
        actor=user,
        actor_name=user.get_full_name() or user.get_username(),
        actor_role=_role_label(user),
        comment=reason.strip(),
        at=now,
    )
    audit_append(
        action=f"transition.{transition}",
        school_id=record.school_id,
        actor=user,
        object_type="record",
        object_id=record.pk,
        summary=f"{page.title}: {source} → {record.state}",
        detail={
            "source": source,
            "target": record.state,
            "reason": reason.strip(),
            "version": record.version,
        },
        ip=client_ip(request),
    )
    _after_commit_transition(record, transition, source, user, revision)
    return record


def _refuse(user, record: RecordState, transition: str, request, message: str):
    raise TransitionRefused(
        message, school_id=record.school_id, object_id=record.pk, attempted=transition
    )


def _publish_pinned(record: RecordState, user) -> None:
    """Publishing a school plan makes the approved revision, and only it, public."""
    with guards_bypassed():
        record.approved_revision.publish(user=user, log_action=True)


def _after_commit_transition(record, transition, source, user, revision) -> None:
    page_id, target, actor_id = record.pk, record.state, getattr(user, "pk", None)
    revision_id = revision.pk if revision else None

    if events.is_muted():
        return

    def emit():
        fresh = RecordState.objects.select_related("school", "school_year").get(pk=page_id)
        record_transitioned.send(
            sender=RecordState,
            record_state=fresh,
            page_id=page_id,
            transition=transition,
            source=source,
            target=target,
            actor_id=actor_id,
            revision_id=revision_id,
        )
        notifications.notify_transition(fresh, transition, user)

    transaction.on_commit(emit)


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
    )
    page_id = page.pk
    if events.is_muted():
        return
    transaction.on_commit(
        lambda: record_saved.send(
            sender=RecordState, record_state=RecordState.objects.get(pk=page_id), page_id=page_id
        )
    )


@transaction.atomic
def lesson_adjustments_save(*, user, page_id: int, text: str, request=None) -> None:
    """IV. Điều chỉnh sau bài dạy: written after teaching, allowed after approval, logged."""
    record = _lock_row(page_id)
    scope = get_scope(user)
    if record.record_type != "lesson_plan":
        raise TransitionRefused(_("Chỉ kế hoạch bài dạy có mục điều chỉnh sau bài dạy."))
    if not (scope.is_superuser or (scope.staff and record.author_id == scope.staff.pk)):
        raise TransitionRefused(_("Chỉ giáo viên soạn kế hoạch được ghi điều chỉnh sau bài dạy."))
    lock = active_lock(
        school_id=record.school_id,
        school_year_id=record.school_year_id,
        record_type=record.record_type,
    )
    if lock is not None:
        raise TransitionRefused(lock_message(lock))
    page = Page.objects.get(pk=page_id).specific
    before = page.adjustments
    with guards_bypassed():
        type(page).objects.filter(pk=page_id).update(adjustments=text)
    audit_append(
        action="record.adjustments",
        school_id=record.school_id,
        actor=user,
        object_type="record",
        object_id=page_id,
        summary=page.title,
        detail={"before": before, "after": text, "state": record.state},
        ip=client_ip(request),
    )


# --- corrections (Đ11.3, R5) -------------------------------------------------------


@transaction.atomic
def correction_request(*, user, page_id: int, reason: str, request=None) -> Correction:
    record = _lock_row(page_id)
    if not policy.may_request_correction(user, record):
        raise TransitionRefused(_("Bạn không được đề nghị sửa hồ sơ này."))
    if not reason.strip():
        raise TransitionRefused(_("Cần ghi lí do đề nghị sửa dữ liệu."))
    if record.corrections.exclude(
        state__in=[CorrectionState.CLOSED, CorrectionState.REFUSED]
    ).exists():
        raise TransitionRefused(_("Hồ sơ đang có một đề nghị sửa chưa hoàn tất."))
    correction = Correction.objects.create(
        record=record,
        requested_by=user,
        reason=reason.strip(),
        return_state=record.state,
        before_revision=record.approved_revision,
    )
    audit_append(
        action="correction.requested",
        school_id=record.school_id,
        actor=user,
        object_type="correction",
        object_id=correction.pk,
        summary=reason.strip()[:300],
        ip=client_ip(request),
    )
    transaction.on_commit(lambda: notifications.notify_correction(correction, "requested"))
    return correction


@transaction.atomic
def correction_decide(*, user, correction_id: int, consent: bool, request=None) -> Correction:
    correction = Correction.objects.select_for_update().get(pk=correction_id)
    record = _lock_row(correction.record_id)
    if not policy.may_consent_correction(user, record):
        raise TransitionRefused(_("Chỉ hiệu trưởng được đồng ý sửa dữ liệu."))
    if correction.state != CorrectionState.REQUESTED:
        raise TransitionRefused(_("Đề nghị này đã được xử lí."))
    if consent:
        correction.consent()
        record.start_correction()
        record.save()
    else:
        correction.refuse()
    correction.consented_by = user
    correction.consented_at = timezone.now()
    correction.save()
    audit_append(
        action="correction.consented" if consent else "correction.refused",
        school_id=record.school_id,
        actor=user,
        object_type="correction",
        object_id=correction.pk,
        ip=client_ip(request),
    )
    return correction


def revision_diff(before: Revision, after: Revision) -> list[dict]:
    """Field-by-field before/after of two revisions of the same page (the minutes' table)."""
    page = before.as_object()
    changes = []
    old, new = before.content, after.content
    for key in sorted(set(old) | set(new)):
        if key in VOLATILE_KEYS or old.get(key) == new.get(key):
            continue
        try:
            label = str(page._meta.get_field(key).verbose_name)
        except Exception:  # noqa: BLE001 - child relations are not model fields
            label = key
        changes.append(
            {"field": key, "label": label, "before": old.get(key), "after": new.get(key)}
        )
    return changes


@transaction.atomic
def correction_finish_editing(*, user, correction_id: int, request=None) -> Correction:
    """The requester is done: the minutes record every changed field before/after."""
    correction = Correction.objects.select_for_update().get(pk=correction_id)
    if correction.requested_by_id != user.pk:
        raise TransitionRefused(_("Chỉ người đề nghị sửa được kết thúc việc sửa."))
    if correction.state != CorrectionState.CONSENTED:
        raise TransitionRefused(_("Đề nghị sửa không ở bước đang sửa."))
    page = Page.objects.get(pk=correction.record_id).specific
    after = page.get_latest_revision()
    changes = revision_diff(correction.before_revision, after) if after else []
    if not changes:
        raise TransitionRefused(_("Chưa có thay đổi nào so với bản đã duyệt."))
    correction.after_revision = after
    correction.changes = changes
    correction.draw_up_minutes()
    correction.save()
    audit_append(
        action="correction.minutes",
        school_id=correction.record.school_id,
        actor=user,
        object_type="correction",
        object_id=correction.pk,
        detail={"fields": [c["field"] for c in changes]},
        ip=client_ip(request),
    )
    return correction


@transaction.atomic
def correction_acknowledge(*, user, correction_id: int, request=None) -> Correction:
    """Principal, system administrator and requester each acknowledge the minutes;
    the third acknowledgement returns the record to its state as a new version."""
    correction = Correction.objects.select_for_update().get(pk=correction_id)
    record = _lock_row(correction.record_id)
    if correction.state != CorrectionState.MINUTES:
        raise TransitionRefused(_("Biên bản chưa sẵn sàng để xác nhận."))
    scope = get_scope(user)
    now = timezone.now()
    acted = False
    same_school = scope.is_superuser or scope.school_id == record.school_id
    if (
        same_school
        and RoleCode.PRINCIPAL in scope.roles
        and not correction.acknowledged_by_principal_at
    ):
        correction.acknowledged_by_principal, correction.acknowledged_by_principal_at = user, now
        acted = True
    if (
        same_school
        and RoleCode.SYSADMIN in scope.roles
        and not correction.acknowledged_by_sysadmin_at
    ):
        correction.acknowledged_by_sysadmin, correction.acknowledged_by_sysadmin_at = user, now
        acted = True
    if user.pk == correction.requested_by_id and not correction.acknowledged_by_requester_at:
        correction.acknowledged_by_requester_at = now
        acted = True
    if not acted:
        raise TransitionRefused(
            _(
                "Biên bản do hiệu trưởng, cán bộ quản trị và người đề nghị xác nhận; bạn đã xác nhận hoặc không thuộc số này."
            )
        )
    audit_append(
        action="correction.acknowledged",
        school_id=record.school_id,
        actor=user,
        object_type="correction",
        object_id=correction.pk,
        ip=client_ip(request),
    )
    if correction.fully_acknowledged:
        correction.close()
        correction.closed_at = now
        source = record.state
        record.finish_correction(correction.return_state)
        record.approved_revision = correction.after_revision
        record.approved_hash = content_hash(correction.after_revision)
        record.version += 1
        record.save()
        RecordVersion.objects.create(
            record=record,
            number=record.version,
            revision=correction.after_revision,
            content_hash=record.approved_hash,
            state=record.state,
            approved_by=correction.consented_by,
            correction=correction,
        )
        if record.state == State.PUBLISHED:
            _publish_pinned(record, user)
        TransitionLog.objects.create(
            record=record,
            transition="correction",
            source=source,
            target=record.state,
            actor=user,
            actor_name=user.get_full_name() or user.get_username(),
            actor_role=_role_label(user),
            comment=correction.reason,
        )
        _after_commit_transition(record, "correction", source, user, correction.after_revision)
    correction.save()
    return correction


# --- locks (Đ9.2, R12) ---------------------------------------------------------------


@transaction.atomic
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
    if not policy.may_lock(user, school_id):
        raise TransitionRefused(_("Chỉ cán bộ quản trị hệ thống của trường được khóa dữ liệu."))
    from recordpages.models import StaffProfile

    requester = StaffProfile.objects.filter(pk=requested_by_id, school_id=school_id).first()
    if requester is None or not requester.has_role(RoleCode.PRINCIPAL):
        raise TransitionRefused(_("Khóa dữ liệu phải theo đề nghị của hiệu trưởng nhà trường."))
    lock = Lock.objects.create(
        school_id=school_id,
        school_year_id=school_year_id,
        record_type=record_type or "",
        requested_by=requester,
        reason=reason,
        locked_by=user,
    )
    audit_append(
        action="lock.created",
        school_id=school_id,
        actor=user,
        object_type="lock",
        object_id=lock.pk,
        summary=str(lock),
        detail={"reason": reason, "requested_by": requester.full_name},
        ip=client_ip(request),
    )
    return lock


@transaction.atomic
def lock_release(*, user, lock_id: int, request=None) -> Lock:
    lock = Lock.objects.select_for_update().get(pk=lock_id)
    if not policy.may_lock(user, lock.school_id):
        raise TransitionRefused(_("Chỉ cán bộ quản trị hệ thống của trường được mở khóa."))
    if lock.unlocked_at:
        raise TransitionRefused(_("Khóa này đã được mở."))
    lock.unlocked_at, lock.unlocked_by = timezone.now(), user
    lock.save(update_fields=["unlocked_at", "unlocked_by"])
    audit_append(
        action="lock.released",
        school_id=lock.school_id,
        actor=user,
        object_type="lock",
        object_id=lock.pk,
        summary=str(lock),
        ip=client_ip(request),
    )
    return lock


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
