"""Data locks (Đ9.2, R12): at the principal's request, the school's system
administrator makes a school, a year or a category read-only, and lifts it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from recordpages.models import RoleCode
from workflow import policy
from workflow.actions.base import Action, for_update
from workflow.models import Lock


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


class LockCreate(Action[Lock]):
    name = "lock.create"
    object_type = "lock"

    def __init__(
        self,
        *,
        user,
        school_id: int,
        school_year_id: int | None,
        record_type: str,
        requested_by_id: int,
        reason: str,
        request=None,
    ):
        super().__init__(user=user, request=request)
        self.school_id = school_id
        self.school_year_id = school_year_id
        self.record_type = record_type or ""
        self.requested_by_id = requested_by_id
        self.reason = reason
        self.requester = None

    def check(self) -> None:
        if not policy.may_lock(self.user, self.school_id):
            raise self.refuse(_("Chỉ cán bộ quản trị hệ thống của trường được khóa dữ liệu."))
        from recordpages.models import StaffProfile

        self.requester = StaffProfile.objects.filter(
            pk=self.requested_by_id, school_id=self.school_id
        ).first()
        if self.requester is None or not self.requester.has_role(RoleCode.PRINCIPAL):
            raise self.refuse(_("Khóa dữ liệu phải theo đề nghị của hiệu trưởng nhà trường."))

    def perform(self) -> Lock:
        lock = Lock.objects.create(
            school_id=self.school_id,
            school_year_id=self.school_year_id,
            record_type=self.record_type,
            requested_by=self.requester,
            reason=self.reason,
            locked_by=self.user,
        )
        self.object_id = lock.pk
        self.audit(
            action="lock.created",
            summary=str(lock),
            detail={"reason": self.reason, "requested_by": self.requester.full_name},
        )
        return lock


class LockRelease(Action[Lock]):
    """A missing lock raises Lock.DoesNotExist: a wrong id, for the view's 404."""

    name = "lock.release"
    object_type = "lock"

    def __init__(self, *, user, lock_id: int, request=None):
        super().__init__(user=user, request=request)
        self.object_id = lock_id
        self.lock: Lock | None = None

    def check(self) -> None:
        lock = self.lock = for_update(Lock.objects.all()).get(pk=self.object_id)
        self.school_id = lock.school_id
        if not policy.may_lock(self.user, lock.school_id):
            raise self.refuse(_("Chỉ cán bộ quản trị hệ thống của trường được mở khóa."))
        if lock.unlocked_at:
            raise self.refuse(_("Khóa này đã được mở."))

    def perform(self) -> Lock:
        lock = self.lock
        lock.unlocked_at, lock.unlocked_by = timezone.now(), self.user
        lock.save(update_fields=["unlocked_at", "unlocked_by"])
        self.audit(action="lock.released", summary=str(lock))
        return lock
