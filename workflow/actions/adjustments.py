"""What its writer adds after teaching ("IV. Điều chỉnh sau bài dạy"): allowed after
approval, for the record types that declare such a field
(`RecordType.after_teaching_field`), written beside the approved version and never
into it, and logged before/after."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.models import Page

from recordpages.guards import guards_bypassed
from workflow import policy
from workflow.actions import base
from workflow.actions.base import Action
from workflow.actions.locks import active_lock, lock_message
from workflow.models import RecordState


class AdjustmentsSave(Action[None]):
    name = "record.adjustments"

    def __init__(self, *, user, page_id: int, text: str, request=None):
        super().__init__(user=user, request=request)
        self.object_id = page_id
        self.text = text
        self.record: RecordState | None = None

    def check(self) -> None:
        record = self.record = base.lock_record(self.object_id)
        self.school_id = record.school_id
        if not record.rules.after_teaching_field:
            raise self.refuse(_("Loại hồ sơ này không có mục điều chỉnh sau bài dạy."))
        if not policy.may_write_adjustments(self.user, record):
            raise self.refuse(_("Chỉ giáo viên soạn kế hoạch được ghi điều chỉnh sau bài dạy."))
        lock = active_lock(
            school_id=record.school_id,
            school_year_id=record.school_year_id,
            record_type=record.record_type,
        )
        if lock is not None:
            raise self.refuse(lock_message(lock))

    def perform(self) -> None:
        field = self.record.rules.after_teaching_field
        page = Page.objects.get(pk=self.object_id).specific
        before = getattr(page, field)
        # A field outside the approved content: no revision, so the pinned one stays.
        with guards_bypassed():
            type(page).objects.filter(pk=page.pk).update(**{field: self.text})
        self.audit(
            action=self.name,
            summary=page.title,
            detail={"before": before, "after": self.text, "state": self.record.state},
        )
