"""Vietnamese emails on submit, return, approval, corrections and before deadlines.

The messages are written here, in the request (they say what happened then);
workflow.tasks delivers them from the worker, with retries.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from recordpages import registry
from recordpages.models import RoleCode, StaffProfile
from workflow import policy
from workflow.tasks import Message, mail_enqueue

logger = logging.getLogger(__name__)

# Lazy: each subject is translated when the message is written, in the project
# language (see _in_project_language), not when the module is imported.
_SUBJECTS = {
    registry.SUBMIT: gettext_lazy("[Hồ sơ chuyên môn] Có hồ sơ chờ kiểm tra, duyệt: %(title)s"),
    registry.CHECK: gettext_lazy("[Hồ sơ chuyên môn] Hồ sơ đã được kiểm tra, chờ duyệt: %(title)s"),
    registry.RETURN: gettext_lazy("[Hồ sơ chuyên môn] Hồ sơ bị trả lại: %(title)s"),
    registry.APPROVE: gettext_lazy("[Hồ sơ chuyên môn] Hồ sơ đã được duyệt: %(title)s"),
    registry.CONFIRM_PAPER: gettext_lazy(
        "[Hồ sơ chuyên môn] Bản giấy đã được xác nhận, chờ ký số: %(title)s"
    ),
    registry.SIGN: gettext_lazy("[Hồ sơ chuyên môn] Hồ sơ đã được ký số: %(title)s"),
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


def _in_project_language():
    """The e-mails are written in the project language (Vietnamese), whatever language
    the acting user's admin screens happen to be in: the readers are other people."""
    return translation.override(settings.LANGUAGE_CODE)


def _link(record) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL}/admin/ho-so/{record.pk}/"


def _send(messages: list[Message]) -> None:
    """Hand the messages to the worker: no mail server is contacted in the request."""
    mail_enqueue(messages)


def transition_message(record, transition: str, actor) -> tuple[str, str] | None:
    """The subject and body telling that `actor` took `transition` (None: nobody is
    told of this step)."""
    subject = _SUBJECTS.get(transition)
    if subject is None:
        return None
    title = record.page.title
    with _in_project_language():
        body = _(
            "Kính gửi thầy/cô,\n\n"
            "Hồ sơ “%(title)s” vừa chuyển sang trạng thái “%(state)s” do %(actor)s thực hiện."
        ) % {
            "title": title,
            "state": record.get_state_display(),
            "actor": actor.get_full_name() or actor.get_username(),
        }
        if transition == registry.RETURN and record.return_reason:
            body += "\n" + _("Lí do trả lại: %(reason)s") % {"reason": record.return_reason}
        body += "\n\n" + _("Xem hồ sơ: %(link)s\n\nHệ thống hồ sơ chuyên môn điện tử") % {
            "link": _link(record)
        }
        return str(subject) % {"title": title}, body


def notify_transition(record, transition: str, actor) -> None:
    message = transition_message(record, transition, actor)
    if message is None:
        return
    subject, body = message
    people = [
        p
        for p in recipients_for(record, transition)
        if p and p.user.email and p.user_id != actor.pk
    ]
    _send([(subject, body, settings.DEFAULT_FROM_EMAIL, [p.user.email]) for p in people])


def notify_correction(correction, event: str) -> None:
    record = correction.record
    principals = StaffProfile.objects.filter(
        school_id=record.school_id, roles__code=RoleCode.PRINCIPAL
    ).select_related("user")
    with _in_project_language():
        subject = _("[Hồ sơ chuyên môn] Đề nghị sửa dữ liệu")
        body = _(
            "Có đề nghị sửa dữ liệu hồ sơ “%(title)s”.\nLí do: %(reason)s\n\nXem: %(link)s"
        ) % {
            "title": record.page.title,
            "reason": correction.reason,
            "link": _link(record),
        }
    _send(
        [
            (subject, body, settings.DEFAULT_FROM_EMAIL, [p.user.email])
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
        subject, body = _reminder(record, today)
        for person in people:
            if person and person.user.email:
                messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [person.user.email]))
    return messages


def _reminder(record, today) -> tuple[str, str]:
    days = (record.deadline - today).days
    with _in_project_language():
        if days == 0:
            when = _("hôm nay")
        else:
            when = ngettext("còn %(days)d ngày", "còn %(days)d ngày", days) % {"days": days}
        subject = _("[Hồ sơ chuyên môn] Nhắc hạn (%(when)s): %(title)s") % {
            "when": when,
            "title": record.page.title,
        }
        body = _(
            "Hồ sơ “%(title)s” có hạn %(deadline)s (%(when)s); "
            "trạng thái hiện tại: “%(state)s”.\n\nXem: %(link)s"
        ) % {
            "title": record.page.title,
            "deadline": f"{record.deadline:%d/%m/%Y}",
            "when": when,
            "state": record.get_state_display(),
            "link": _link(record),
        }
    return subject, body


def send_reminders(messages) -> int:
    _send(list(messages))
    return len(messages)
