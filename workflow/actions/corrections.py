"""The correction procedure (Đ11.3, R5): a frozen record is changed only on a written
request the principal consents to; the requester edits, the minutes record every
field before and after, and the principal, the system administrator and the
requester acknowledge them. The third acknowledgement returns the record to the
state it was in, as a new approved version."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision

from recordpages import registry
from workflow import notifications, policy
from workflow.actions import base
from workflow.actions.base import Action, for_update
from workflow.actions.transitions import emit_after_commit, publish_pinned, write_history
from workflow.choices import State
from workflow.models import Correction, CorrectionState, RecordState, RecordVersion
from workflow.versions import VOLATILE_KEYS, content_hash

CLOSED_STATES = (CorrectionState.CLOSED, CorrectionState.REFUSED)


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


class CorrectionRequest(Action[Correction]):
    name = "correction.request"

    def __init__(self, *, user, page_id: int, reason: str, request=None):
        super().__init__(user=user, request=request)
        self.object_id = page_id
        self.reason = reason.strip()
        self.record: RecordState | None = None

    def check(self) -> None:
        record = self.record = base.lock_record(self.object_id)
        self.school_id = record.school_id
        if not policy.may_request_correction(self.user, record):
            raise self.refuse(_("Bạn không được đề nghị sửa hồ sơ này."))
        if not self.reason:
            raise self.refuse(_("Cần ghi lí do đề nghị sửa dữ liệu."))
        if record.corrections.exclude(state__in=CLOSED_STATES).exists():
            raise self.refuse(_("Hồ sơ đang có một đề nghị sửa chưa hoàn tất."))

    def perform(self) -> Correction:
        correction = Correction.objects.create(
            record=self.record,
            requested_by=self.user,
            reason=self.reason,
            return_state=self.record.state,
            before_revision=self.record.approved_revision,
        )
        self.audit(
            action="correction.requested",
            object_type="correction",
            object_id=correction.pk,
            summary=self.reason[:300],
        )
        transaction.on_commit(lambda: notifications.notify_correction(correction, "requested"))
        return correction


class _CorrectionAction(Action[Correction]):
    """An action on an existing correction (a wrong id raises Correction.DoesNotExist)."""

    object_type = "correction"

    def __init__(self, *, user, correction_id: int, request=None):
        super().__init__(user=user, request=request)
        self.object_id = correction_id
        self.correction: Correction | None = None
        self.record: RecordState | None = None

    def load(self) -> None:
        self.correction = for_update(Correction.objects.all()).get(pk=self.object_id)
        self.record = base.lock_record(self.correction.record_id)
        self.school_id = self.record.school_id


class CorrectionDecide(_CorrectionAction):
    """The principal consents (the record opens for its requester) or refuses."""

    name = "correction.decide"

    def __init__(self, *, user, correction_id: int, consent: bool, request=None):
        super().__init__(user=user, correction_id=correction_id, request=request)
        self.consent = consent

    def check(self) -> None:
        self.load()
        if not policy.may_consent_correction(self.user, self.record):
            raise self.refuse(_("Chỉ hiệu trưởng được đồng ý sửa dữ liệu."))
        if self.correction.state != CorrectionState.REQUESTED:
            raise self.refuse(_("Đề nghị này đã được xử lí."))

    def perform(self) -> Correction:
        correction, record = self.correction, self.record
        if self.consent:
            correction.consent()
            record.start_correction()
            record.signatures_made, record.signature_signers = [], {}
            record.save()
        else:
            correction.refuse()
        correction.consented_by = self.user
        correction.consented_at = timezone.now()
        correction.save()
        self.audit(action="correction.consented" if self.consent else "correction.refused")
        return correction


class CorrectionFinish(_CorrectionAction):
    """The requester is done: the minutes record every changed field before/after."""

    name = "correction.finish"

    def check(self) -> None:
        self.load()
        if self.correction.requested_by_id != self.user.pk:
            raise self.refuse(_("Chỉ người đề nghị sửa được kết thúc việc sửa."))
        if self.correction.state != CorrectionState.CONSENTED:
            raise self.refuse(_("Đề nghị sửa không ở bước đang sửa."))
        page = Page.objects.get(pk=self.record.pk).specific
        self.after = page.get_latest_revision()
        before = self.correction.before_revision
        self.changes = revision_diff(before, self.after) if self.after else []
        if not self.changes:
            raise self.refuse(_("Chưa có thay đổi nào so với bản đã duyệt."))

    def perform(self) -> Correction:
        correction = self.correction
        correction.after_revision = self.after
        correction.changes = self.changes
        correction.draw_up_minutes()
        correction.save()
        self.audit(
            action="correction.minutes", detail={"fields": [c["field"] for c in self.changes]}
        )
        return correction


class CorrectionAcknowledge(_CorrectionAction):
    """Principal, system administrator and requester each acknowledge the minutes;
    the third acknowledgement returns the record to its state as a new version."""

    name = "correction.acknowledge"

    def check(self) -> None:
        self.load()
        if self.correction.state != CorrectionState.MINUTES:
            raise self.refuse(_("Biên bản chưa sẵn sàng để xác nhận."))
        if not self._parts():
            raise self.refuse(
                _(
                    "Biên bản do hiệu trưởng, cán bộ quản trị và người đề nghị xác nhận; "
                    "bạn đã xác nhận hoặc không thuộc số này."
                )
            )

    def _parts(self) -> list[str]:
        """The acknowledgements this user still owes (workflow.policy decides)."""
        return policy.acknowledgements_owed(self.user, self.record, self.correction)

    def perform(self) -> Correction:
        correction, now = self.correction, timezone.now()
        parts = self._parts()
        if "principal" in parts:
            correction.acknowledged_by_principal = self.user
            correction.acknowledged_by_principal_at = now
        if "sysadmin" in parts:
            correction.acknowledged_by_sysadmin = self.user
            correction.acknowledged_by_sysadmin_at = now
        if "requester" in parts:
            correction.acknowledged_by_requester_at = now
        self.audit(action="correction.acknowledged")
        if correction.fully_acknowledged:
            correction.close()
            correction.closed_at = now
            self._new_version(now)
        correction.save()
        return correction

    def _new_version(self, now) -> None:
        correction, record = self.correction, self.record
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
            publish_pinned(record, self.user)
        write_history(
            record,
            step=registry.CORRECTION,
            source=source,
            user=self.user,
            comment=correction.reason,
            at=now,
        )
        emit_after_commit(
            record,
            step=registry.CORRECTION,
            source=source,
            user=self.user,
            revision=correction.after_revision,
        )
