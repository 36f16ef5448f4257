"""A record takes one step of its declared path (recordpages.registry.Step).

`TakeStep` knows no step by name: what a step does comes from its declaration —
`needs_reason` (a return says why), `pins_revision` (the approved version is fixed
and hashed), `stamps` (the time field it sets), `target` (a record handed in is
checked for completeness first; a published one makes its pinned revision public).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from wagtail.models import Page, Revision

from recordpages import chains, registry
from recordpages.guards import guards_bypassed
from recordpages.models import RecordPage
from recordpages.permissions import get_scope
from workflow import events, notifications, policy, signing
from workflow.actions import base
from workflow.actions.base import Action
from workflow.actions.locks import active_lock, lock_message
from workflow.choices import APPROVED_STATES, State
from workflow.events import record_transitioned
from workflow.models import RecordState, RecordVersion, TransitionLog
from workflow.versions import content_hash


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


def role_label(user) -> str:
    """The roles the history shows beside a name, as they were when the step was taken."""
    scope = get_scope(user)
    if scope.is_superuser:
        return _("Quản trị toàn hệ thống")
    if scope.staff is None:
        return ""
    return ", ".join(role.name for role in scope.staff.roles.all())


def latest_revision(page: RecordPage) -> Revision:
    revision = page.get_latest_revision()
    if revision is None:
        # A snapshot of content nobody edited here: it names no user, so that the
        # reviewer who pins it does not become one of the record's editors.
        with guards_bypassed():
            revision = page.save_revision(user=None, log_action=False)
    return revision


def publish_pinned(record: RecordState, user) -> None:
    """A published record shows the approved revision, and only it."""
    with guards_bypassed():
        # workflow.policy decided who publishes (the vice-principal in charge publishes
        # a plan the principal wrote): Wagtail's page permissions are not the rule here.
        record.approved_revision.publish(user=user, log_action=True, skip_permission_checks=True)


def write_history(
    record: RecordState, *, step: str, source: str, user, comment: str, at: dt.datetime
) -> None:
    """The record's history panel: who, in which role, when, from → to, why."""
    TransitionLog.objects.create(
        record=record,
        transition=step,
        source=source,
        target=record.state,
        actor=user,
        actor_name=user.get_full_name() or user.get_username(),
        actor_role=role_label(user),
        comment=comment,
        at=at,
    )


def emit_after_commit(record: RecordState, *, step: str, source: str, user, revision) -> None:
    """`record_transitioned` and the people to tell, once the step is committed."""
    if events.is_muted():
        return
    page_id, target, actor_id = record.pk, record.state, getattr(user, "pk", None)
    revision_id = revision.pk if revision else None

    def emit() -> None:
        fresh = RecordState.objects.select_related("school", "school_year").get(pk=page_id)
        record_transitioned.send(
            sender=RecordState,
            record_state=fresh,
            page_id=page_id,
            transition=step,
            source=source,
            target=target,
            actor_id=actor_id,
            revision_id=revision_id,
        )
        notifications.notify_transition(fresh, step, user)

    transaction.on_commit(emit)


class TakeStep(Action[RecordState]):
    """Move one record one declared step (submit, check, approve, return, …)."""

    name = "transition"

    def __init__(
        self,
        *,
        user,
        page_id: int,
        step: str,
        reason: str = "",
        seen_state: str | None = None,
        request=None,
        now: dt.datetime | None = None,
        signature_payload=None,
    ):
        super().__init__(user=user, request=request)
        self.signature_payload = signature_payload
        self.object_id = page_id
        self.step_name = step
        self.reason = reason.strip()
        self.seen_state = seen_state
        self.now = now or timezone.now()
        self.record: RecordState | None = None
        self.page: RecordPage | None = None

    def refuse(self, message: str, *, attempted: str = "") -> base.ActionRefused:
        return super().refuse(message, attempted=attempted or self.step_name)

    def check(self) -> None:
        try:
            record = self.record = base.lock_record(self.object_id)
        except RecordState.DoesNotExist:
            raise self.refuse(_("Không tìm thấy hồ sơ.")) from None
        self.school_id = record.school_id
        if self.seen_state and self.seen_state != record.state:
            raise self.refuse(
                _(
                    "Hồ sơ vừa được người khác cập nhật: trạng thái hiện tại là “%(state)s”. "
                    "Vui lòng tải lại trang."
                )
                % {"state": record.get_state_display()}
            )
        refusal = policy.refusal(self.user, record, self.step_name)
        if refusal is not None:
            raise self.refuse(refusal)
        lock = active_lock(
            school_id=record.school_id,
            school_year_id=record.school_year_id,
            record_type=record.record_type,
        )
        if lock is not None:
            raise self.refuse(lock_message(lock))
        step = record.rules.step(self.step_name)
        if step.needs_reason and not self.reason:
            raise self.refuse(_("Cần ghi lí do trả lại."))
        self.page = Page.objects.get(pk=record.pk).specific
        if step.target == State.SUBMITTED:
            errors = completeness_errors(self.page.get_latest_revision_as_object())
            if errors:
                raise self.refuse(_("Hồ sơ chưa đủ để nộp: ") + "; ".join(errors))

    def perform(self) -> RecordState:
        record, page = self.record, self.page
        step = record.rules.step(self.step_name)
        source = record.state
        revision = None
        if step.target == State.SUBMITTED:
            record.return_reason = ""
            record.signatures_made, record.signature_signers = [], {}
        if step.target == State.RETURNED:
            record.signatures_made, record.signature_signers = [], {}
        earlier = {sig.field for sig in record.rules.signature_steps if sig.on == step.name}
        if step.pins_revision and not earlier & set(record.signatures_made):
            # Pinned once, by the first of the step's signers.
            revision = latest_revision(page)
            record.approved_revision = revision
            record.approved_hash = content_hash(revision)
            record.version += 1
        signed = self.sign(record, page, step)
        if signed is not None and not chains.completes(
            record.rules.signature_steps, step.name, record.signatures_made
        ):
            # Others sign this step after this signer: the record waits for them.
            record.save()
            self.audit(
                action=f"signature.{signed.field}",
                summary=f"{page.title}: {signed.field}",
                detail={"step": step.name, "version": record.version},
            )
            return record
        if step.stamps:
            setattr(record, step.stamps, self.now)
        if step.needs_reason:
            record.return_reason = self.reason
        try:
            record.take(step)
            record.save()
        except (TransitionNotAllowed, ConcurrentTransition):
            raise self.refuse(
                _("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại trang.")
            ) from None
        if revision is not None:
            RecordVersion.objects.create(
                record=record,
                number=record.version,
                revision=revision,
                content_hash=record.approved_hash,
                state=record.state,
                approved_by=self.user,
            )
        if step.target == State.PUBLISHED:
            publish_pinned(record, self.user)
        write_history(
            record, step=step.name, source=source, user=self.user, comment=self.reason, at=self.now
        )
        self.audit(
            action=f"{self.name}.{step.name}",
            summary=f"{page.title}: {source} → {record.state}",
            detail={
                "source": source,
                "target": record.state,
                "reason": self.reason,
                "version": record.version,
            },
        )
        emit_after_commit(record, step=step.name, source=source, user=self.user, revision=revision)
        return record

    def sign(self, record: RecordState, page: RecordPage, step) -> chains.SignatureStep | None:
        """Make this user's signature of the step, if the step carries one (the maker
        registered by the signatures app signs, or records the step of someone without
        a certificate); refused, nothing of the step stands."""
        due = policy.signature_due(self.user, record, step.name)
        if due is None:
            return None
        pinned = step.pins_revision or record.state in APPROVED_STATES
        try:
            signing.make(
                signing.SignatureRequest(
                    record=record,
                    page=page,
                    step=step,
                    signature=due,
                    user=self.user,
                    version=record.version if pinned else record.version + 1,
                    now=self.now,
                    request=self.request,
                    payload=self.signature_payload,
                )
            )
        except signing.SignatureRefused as exc:
            raise self.refuse(exc.message) from None
        record.signatures_made = [*record.signatures_made, due.field]
        record.signature_signers = {**record.signature_signers, due.field: self.user.pk}
        return due
