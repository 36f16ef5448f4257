"""Batch signing: what waits for a person's signature, and signing many in one action.

Each record is its own step (its own transaction, audit entry and result): a failure
leaves the others signed, and running the batch again picks up what still waits —
resumable by construction. With a token on the signer's PC the batch is two calls
around the agent: `prepare_many` (the signed attributes of every record) and
`finish_many` (the agent's CMS per record, each a step taken).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recordpages.permissions import get_scope
from signatures import services
from signatures.models import Certificate, KeyHolder
from workflow import policy
from workflow.actions.base import ActionRefused
from workflow.actions.transitions import TakeStep
from workflow.choices import APPROVED_STATES, REMOVABLE_STATES, State
from workflow.models import RecordState, attach_editors
from workflow.signing import SignatureRefused, SignatureRequest

MAX_BATCH = 200  # records per call; the page sends a long batch in slices


@dataclass(frozen=True)
class Waiting:
    record: RecordState
    step: str
    step_label: str
    role: str


def waiting_for(user, *, school_id: int | None = None) -> list[Waiting]:
    """Records of the user's school where a step that carries their signature is open
    to them now: a fixed number of queries however many records wait (the records with
    their authors, their editors, the school's staff once for all of them)."""
    staff = get_scope(user).staff
    if staff is None or staff.school_id is None:
        return []
    records = (
        RecordState.objects.filter(school_id=staff.school_id)
        .exclude(state__in=[*REMOVABLE_STATES, State.CORRECTING])
        .select_related("school", "school_year", "record_category", "school_class", "group")
        .select_related("page", "author")
        .order_by("record_type", "school_class__name", "page__title")
    )
    records = list(records)
    attach_editors(records)  # who wrote each: one query for all (the review bars)
    policy.share_school_staff(records)
    found = []
    for record in records:
        for step in record.rules.open_steps(record.state):
            if policy.refusal(user, record, step.name) is not None:
                continue
            due = policy.signature_due(user, record, step.name)
            if due is not None:
                found.append(Waiting(record, step.name, str(step.label), str(due.label)))
    return found


def holder_of(user) -> Certificate | None:
    return services.bound_certificate(get_scope(user).staff)


@dataclass
class ItemResult:
    page_id: int
    ok: bool
    message: str = ""
    extra: dict | None = None

    def as_dict(self) -> dict:
        data = {"page_id": self.page_id, "ok": self.ok, "message": self.message}
        data.update(self.extra or {})
        return data


def take_many(user, items: list[tuple[int, str]], *, request=None) -> list[ItemResult]:
    """Sign (server-held key, the seal, or recorded) each record's step, one by one."""
    results = []
    for page_id, step in items[:MAX_BATCH]:
        try:
            record = TakeStep(user=user, page_id=page_id, step=step, request=request).execute()
        except ActionRefused as refusal:
            results.append(ItemResult(page_id, False, refusal.message))
            continue
        results.append(ItemResult(page_id, True, _("Đã ký"), {"state": record.get_state_display()}))
    return results


def prepare_many(user, items: list[tuple[int, str]], *, request=None) -> list[ItemResult]:
    """The signed attributes of each record for the user's token."""
    certificate = holder_of(user)
    if certificate is None or certificate.holder != KeyHolder.TOKEN:
        message = _("Bạn chưa gắn chứng thư số trên thiết bị ký số.")
        return [ItemResult(page_id, False, message) for page_id, _step in items]
    results = []
    for page_id, step in items[:MAX_BATCH]:
        action = TakeStep(user=user, page_id=page_id, step=step, request=request)
        try:
            with transaction.atomic():
                action.check()
                record, page = action.record, action.page
                due = policy.signature_due(user, record, step)
                if due is None:
                    raise SignatureRefused(_("Bước này không chờ chữ ký của bạn."))
                version = record.version + (0 if record.state in APPROVED_STATES else 1)
                prepared = services.prepare(
                    SignatureRequest(
                        record=record,
                        page=page,
                        step=record.rules.step(step),
                        signature=due,
                        user=user,
                        version=version,
                        now=timezone.now(),
                        request=request,
                    ),
                    certificate,
                )
        except (ActionRefused, SignatureRefused) as refusal:
            results.append(ItemResult(page_id, False, refusal.message))
            continue
        results.append(
            ItemResult(
                page_id,
                True,
                "",
                {
                    "pending_id": prepared.pending.pk,
                    "title": prepared.title,
                    "document_sha256": prepared.document_sha256,
                    "signed_attributes": base64.b64encode(prepared.signed_attributes).decode(),
                },
            )
        )
    return results


def finish_many(user, answers: list[dict], *, request=None) -> list[ItemResult]:
    """Each record's step taken with the CMS its signer's token made."""
    results = []
    for answer in answers[:MAX_BATCH]:
        try:
            page_id = int(answer.get("page_id") or 0)
        except (TypeError, ValueError):
            results.append(ItemResult(0, False, _("Yêu cầu ký không hợp lệ.")))
            continue
        try:
            cms = base64.b64decode(str(answer.get("cms") or ""), validate=True)
            payload = services.TokenAnswer(pending_id=int(answer.get("pending_id") or 0), cms=cms)
        except (binascii.Error, ValueError):
            results.append(ItemResult(page_id, False, _("Chữ ký trả về không đọc được.")))
            continue
        try:
            record = TakeStep(
                user=user,
                page_id=page_id,
                step=str(answer.get("step") or ""),
                request=request,
                signature_payload=payload,
            ).execute()
        except ActionRefused as refusal:
            results.append(ItemResult(page_id, False, refusal.message))
            continue
        results.append(ItemResult(page_id, True, _("Đã ký"), {"state": record.get_state_display()}))
    return results
