"""Vietnamese emails on submit, return, approval, corrections and before deadlines.

The messages are written here, in the request (they say what happened then);
workflow.tasks delivers them from the worker, with retries.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q

from recordpages import registry
from recordpages.models import RoleCode, StaffProfile
from workflow import policy
from workflow.tasks import Message, mail_enqueue

logger = logging.getLogger(__name__)

_SUBJECTS = {
    registry.SUBMIT: "[Hồ sơ chuyên môn] Có hồ sơ chờ kiểm tra, duyệt: {title}",
    registry.CHECK: "[Hồ sơ chuyên môn] Hồ sơ đã được kiểm tra, chờ duyệt: {title}",
    registry.RETURN: "[Hồ sơ chuyên môn] Hồ sơ bị trả lại: {title}",
    registry.APPROVE: "[Hồ sơ chuyên môn] Hồ sơ đã được duyệt: {title}",
    registry.CONFIRM_PAPER: "[Hồ sơ chuyên môn] Bản giấy đã được xác nhận, chờ ký số: {title}",
    registry.SIGN: "[Hồ sơ chuyên môn] Hồ sơ đã được ký số: {title}",
}


# After these steps the record is back with its writers (returned, or done).
_TO_WRITERS = frozenset({registry.RETURN, registry.APPROVE, registry.SIGN})


def _writers(record) -> list[StaffProfile]:
    """Who wrote the record: its author and everyone who saved a revision of it."""
    return list(
        StaffProfile.objects.filter(
            Q(pk=record.author_id) | Q(user_id__in=record.editor_user_ids()),
            school_id=record.school_id,
        )
        .select_related("user")
        .order_by("pk")
    )


def waiting_on(record) -> list[StaffProfile]:
    """Whoever may take the next review step open from where the record stands."""
    step = record.rules.review_from(record.state)
    return policy.who_may_take(record, step) if step is not None else []


def recipients_for(record, transition: str) -> list[StaffProfile]:
    """Whom to tell that `transition` was just taken (record in its new state): the
    writers when it came back to them or was approved or signed; otherwise those the
    policy lets take the step it now waits for."""
    if transition in _TO_WRITERS:
        return _writers(record)
    return waiting_on(record)


def _send(messages: list[Message]) -> None:
    """Hand the messages to the worker: no mail server is contacted in the request."""
    mail_enqueue(messages)


def notify_transition(record, transition: str, actor) -> None:
    subject = _SUBJECTS.get(transition)
    if subject is None:
        return
    title = record.page.title
    people = [
        p
        for p in recipients_for(record, transition)
        if p and p.user.email and p.user_id != actor.pk
    ]
    link = f"{settings.WAGTAILADMIN_BASE_URL}/admin/ho-so/{record.pk}/"
    body = (
        f"Kính gửi thầy/cô,\n\nHồ sơ “{title}” vừa chuyển sang trạng thái "
        f"“{record.get_state_display()}” do {actor.get_full_name() or actor.get_username()} thực hiện."
    )
    if transition == registry.RETURN and record.return_reason:
        body += f"\nLí do trả lại: {record.return_reason}"
    body += f"\n\nXem hồ sơ: {link}\n\nHệ thống hồ sơ chuyên môn điện tử"
    _send(
        [
            (subject.format(title=title), body, settings.DEFAULT_FROM_EMAIL, [p.user.email])
            for p in people
        ]
    )


def notify_correction(correction, event: str) -> None:
    record = correction.record
    principals = StaffProfile.objects.filter(
        school_id=record.school_id, roles__code=RoleCode.PRINCIPAL
    ).select_related("user")
    body = (
        f"Có đề nghị sửa dữ liệu hồ sơ “{record.page.title}”.\nLí do: {correction.reason}\n\n"
        f"Xem: {settings.WAGTAILADMIN_BASE_URL}/admin/ho-so/{record.pk}/"
    )
    _send(
        [
            (
                "[Hồ sơ chuyên môn] Đề nghị sửa dữ liệu",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [p.user.email],
            )
            for p in principals
            if p.user.email
        ]
    )


def reminder_messages(records, today, kind: str) -> list[Message]:
    """One reminder per record to whoever must act next, in Vietnamese."""
    messages = []
    for record in records:
        people = waiting_on(record)
        if not people and record.author_id:
            people = [record.author]
        days = (record.deadline - today).days
        when = "hôm nay" if days == 0 else f"còn {days} ngày"
        subject = f"[Hồ sơ chuyên môn] Nhắc hạn ({when}): {record.page.title}"
        body = (
            f"Hồ sơ “{record.page.title}” có hạn {record.deadline:%d/%m/%Y} ({when}); trạng thái "
            f"hiện tại: “{record.get_state_display()}”.\n\nXem: "
            f"{settings.WAGTAILADMIN_BASE_URL}/admin/ho-so/{record.pk}/"
        )
        for person in people:
            if person and person.user.email:
                messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [person.user.email]))
    return messages


def send_reminders(messages) -> int:
    _send(list(messages))
    return len(messages)
