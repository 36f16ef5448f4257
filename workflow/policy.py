"""Who may move which record, and who may see it. The one permission policy of
the workflow: services, views, hooks and dashboards all ask here (R3).

Django-fsm-2 does not enforce `permission=` itself, so every rule lives here
and is tested as a matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from recordpages.models import RoleCode
from recordpages.permissions import Scope, get_scope
from workflow.choices import APPROVED_STATES, State
from workflow.models import RecordState


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    label: str  # the Vietnamese button
    needs_reason: bool = False
    pins_revision: bool = False


TRANSITIONS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in (
        TransitionSpec("submit", "Nộp"),
        TransitionSpec("check", "Kiểm tra"),
        TransitionSpec("approve", "Duyệt", pins_revision=True),
        TransitionSpec("return", "Trả lại", needs_reason=True),
        TransitionSpec("publish", "Công bố"),
        TransitionSpec("finalize", "Chốt sổ", pins_revision=True),
        TransitionSpec("confirm_paper", "Xác nhận bản giấy"),
        TransitionSpec("sign", "Ký số"),
    )
}

# The FSM method behind each transition name.
METHODS = {
    "submit": "submit",
    "check": "mark_checked",
    "approve": "approve",
    "return": "return_for_revision",
    "publish": "publish",
    "finalize": "finalize",
    "confirm_paper": "confirm_paper",
    "sign": "sign",
}


def _is_author(scope: Scope, record: RecordState) -> bool:
    return scope.staff is not None and record.author_id == scope.staff.pk


def _edited(scope: Scope, record: RecordState) -> bool:
    """Created the page or saved a revision of it: what happened, not a form field."""
    return scope.staff is not None and scope.staff.user_id in record.editor_user_ids()


def _wrote(scope: Scope, record: RecordState) -> bool:
    return _is_author(scope, record) or _edited(scope, record)


def _leads_group(scope: Scope, record: RecordState) -> bool:
    return (
        scope.staff is not None
        and record.group is not None
        and record.group.leader_id == scope.staff.pk
    )


def _homeroom(scope: Scope, record: RecordState) -> bool:
    return (
        scope.staff is not None
        and record.school_class is not None
        and record.school_class.homeroom_teacher_id == scope.staff.pk
    )


def _assigned_vp(scope: Scope, record: RecordState) -> bool:
    return (
        scope.staff is not None
        and RoleCode.VICE_PRINCIPAL in scope.roles
        and record.record_type in (scope.staff.assigned_categories or [])
    )


def _principal(scope: Scope) -> bool:
    return RoleCode.PRINCIPAL in scope.roles


def _may_submit(scope: Scope, record: RecordState) -> bool:
    match record.record_type:
        case "lesson_plan":
            return _is_author(scope, record)
        case "group_plan":
            return _leads_group(scope, record)
        case "school_plan":
            return _principal(scope) or RoleCode.VICE_PRINCIPAL in scope.roles
        case "student_record" | "class_summary":
            return _homeroom(scope, record)
        case _:
            return _is_author(scope, record) or _principal(scope)


def _may_approve(scope: Scope, record: RecordState) -> bool:
    if record.record_type == "school_plan":
        return _principal(scope)
    return _principal(scope) or _assigned_vp(scope, record)


def _may_check(scope: Scope, record: RecordState) -> bool:
    return _leads_group(scope, record)


def _may_return(scope: Scope, record: RecordState) -> bool:
    if record.state == State.SUBMITTED and record.record_type == "lesson_plan":
        return _may_check(scope, record)
    return _may_approve(scope, record)


RULES = {
    "submit": _may_submit,
    "check": _may_check,
    "approve": _may_approve,
    "return": _may_return,
    "publish": lambda scope, record: _principal(scope),
    "finalize": lambda scope, record: _principal(scope) or RoleCode.SYSADMIN in scope.roles,
    "confirm_paper": lambda scope, record: RoleCode.CLERK in scope.roles,
    "sign": lambda scope, record: _principal(scope),
}

# Reviewing steps, and who is barred from each because they wrote what is reviewed.
# Confirming the paper copy bars only those who changed the content (the clerk who
# keeps a register is its author, and confirms its printout); finalizing a register
# is the maintainer's own closing when the system administrator does it, and a
# review when the principal does.
SELF_REVIEW: dict[str, Callable[[Scope, RecordState], bool]] = {
    "check": _wrote,
    "approve": _wrote,
    "return": _wrote,
    "publish": _wrote,
    "sign": _wrote,
    "confirm_paper": _edited,
    "finalize": lambda scope, record: (
        RoleCode.SYSADMIN not in scope.roles and _wrote(scope, record)
    ),
}
REVIEW_STEPS = frozenset(SELF_REVIEW)


def refusal(user, record: RecordState, transition: str) -> str | None:
    """Why this user may not take this transition now, in Vietnamese; None when they may."""
    spec = TRANSITIONS.get(transition)
    if spec is None:
        return _("Thao tác không tồn tại.")
    scope = get_scope(user)
    if not scope.is_authenticated:
        return _("Bạn cần đăng nhập.")
    if scope.read_only:
        return _("Tài khoản của bạn chỉ được xem, không được thay đổi hồ sơ.")
    if not scope.is_superuser and scope.school_id != record.school_id:
        return _("Hồ sơ này thuộc trường khác.")
    if not _can_proceed(record, METHODS[transition]):
        return _("Không thể %(action)s hồ sơ đang ở trạng thái “%(state)s”.") % {
            "action": spec.label.lower(),
            "state": record.get_state_display(),
        }
    if scope.is_superuser:
        return None
    if not RULES[transition](scope, record):
        return _("Vai trò của bạn không được %(action)s loại hồ sơ này.") % {
            "action": spec.label.lower()
        }
    # After the role rule, so that only those who could review pay for the lookup.
    if transition in SELF_REVIEW and SELF_REVIEW[transition](scope, record):
        return _(
            "Không ai được tự duyệt, kiểm tra, trả lại, công bố hay ký hồ sơ do chính mình "
            "lập hoặc đã sửa."
        )
    return None


def _can_proceed(record: RecordState, method_name: str) -> bool:
    from django_fsm import can_proceed

    return can_proceed(getattr(record, method_name))


def available_transitions(user, record: RecordState) -> list[TransitionSpec]:
    # The state machine first: most transitions are not open in a given state, and
    # refusal() would word a translated reason for each (a principal's dashboard checks
    # some 500 records; this halved its time).
    return [
        spec
        for name, spec in TRANSITIONS.items()
        if _can_proceed(record, METHODS[name]) and refusal(user, record, name) is None
    ]


def can_view_record(user, record: RecordState) -> bool:
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    if not scope.is_authenticated:
        return False
    if scope.is_authority_level:
        in_scope = scope.authority_path is None or record.school.page.path.startswith(
            scope.authority_path
        )
        return in_scope and record.state in APPROVED_STATES
    if scope.school_id != record.school_id:
        return False
    if record.state in UNSUBMITTED_STATES:
        return may_see_unsubmitted(scope, record)
    return True


# A record not yet handed in is private to those who write or will review it.
UNSUBMITTED_STATES = frozenset({State.DRAFT, State.RETURNED})


def may_see_unsubmitted(scope: Scope, record: RecordState) -> bool:
    """A draft (or a returned record) is seen by its writers and by the people who
    will submit, check or approve it: nobody else in the school (issue 11, finding 13).
    Role rules first: they cost nothing, the writers need a query."""
    return (
        _may_submit(scope, record)
        or _may_check(scope, record)
        or _may_approve(scope, record)
        or _wrote(scope, record)
    )


def may_request_correction(user, record: RecordState) -> bool:
    scope = get_scope(user)
    if scope.read_only or record.state not in APPROVED_STATES:
        return False
    if scope.is_superuser:
        return True
    if scope.school_id != record.school_id:
        return False
    return (
        _is_author(scope, record)
        or _principal(scope)
        or _assigned_vp(scope, record)
        or _homeroom(scope, record)
        or RoleCode.SYSADMIN in scope.roles
        or RoleCode.CLERK in scope.roles
    )


def may_consent_correction(user, record: RecordState) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or (_principal(scope) and scope.school_id == record.school_id)


def may_lock(user, school_id: int) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or (RoleCode.SYSADMIN in scope.roles and scope.school_id == school_id)
