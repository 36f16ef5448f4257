"""Who may move which record, and who may see it. The one permission policy of
the workflow: services, views, hooks and dashboards all ask here (R3).

Django-fsm-2 does not enforce `permission=` itself, so every rule lives here
and is tested as a matrix.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from recordpages import chains, registry
from recordpages.models import RoleCode
from recordpages.permissions import Scope, get_scope
from recordpages.registry import Actor, Bar, Step
from workflow.choices import APPROVED_STATES, REMOVABLE_STATES, UNSUBMITTED_STATES
from workflow.models import RecordState


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


def _same_step_holder(scope: Scope, record: RecordState) -> bool:
    """Returning a record is for whoever may take the review step it waits for."""
    step = record.rules.review_from(record.state)
    return step is not None and _may_take(scope, record, step)


# What each actor of a declared step means for a user (recordpages.registry.Actor).
ACTORS: dict[Actor, Callable[[Scope, RecordState], bool]] = {
    Actor.AUTHOR: _is_author,
    Actor.GROUP_LEADER: _leads_group,
    Actor.HOMEROOM: _homeroom,
    Actor.PRINCIPAL: lambda scope, record: _principal(scope),
    Actor.VICE_PRINCIPAL: lambda scope, record: RoleCode.VICE_PRINCIPAL in scope.roles,
    Actor.ASSIGNED_VP: _assigned_vp,
    Actor.SYSADMIN: lambda scope, record: RoleCode.SYSADMIN in scope.roles,
    Actor.CLERK: lambda scope, record: RoleCode.CLERK in scope.roles,
    Actor.ACCOUNTANT: lambda scope, record: RoleCode.ACCOUNTANT in scope.roles,
    Actor.REVIEWER: _same_step_holder,
}

# Who is barred from a review step because they wrote what it reviews (R3). Confirming
# the paper copy bars only those who changed the content (the clerk who keeps a
# register is its author, and confirms its printout); finalizing a register is the
# maintainer's own closing when the system administrator does it, and a review when
# the principal does.
BARS: dict[Bar, Callable[[Scope, RecordState], bool]] = {
    Bar.NONE: lambda scope, record: False,
    Bar.WRITERS: _wrote,
    Bar.EDITORS: _edited,
    Bar.WRITERS_UNLESS_SYSADMIN: lambda scope, record: (
        RoleCode.SYSADMIN not in scope.roles and _wrote(scope, record)
    ),
}


def _may_take(scope: Scope, record: RecordState, step: Step) -> bool:
    # A step that carries signatures is taken by whoever's signature is due now, and
    # not by someone who already signed it: an added review is a second person's.
    waiting = chains.pending_on(record.rules.signature_steps, step.name, record.signatures_made)
    if waiting and _signed_step(scope, record, step.name):
        return False
    actors = _actors_now(step, waiting)
    if any(ACTORS[actor](scope, record) for actor in actors):
        return True
    return _takes_instead(scope, record, step, waiting)


def _actors_now(step: Step, waiting) -> frozenset[Actor]:
    return (
        frozenset(actor for sig in waiting for actor in sig.by) if waiting else frozenset(step.by)
    )


def _instead_now(step: Step, waiting) -> frozenset[Actor]:
    """Who stands in for the actors due now: a signature's own stand-ins (the
    accountant for the clerk's seal, Đ8.3), else the step's."""
    if waiting:
        return frozenset(a for sig in waiting for a in (sig.instead or step.instead))
    return frozenset(step.instead)


def _takes_instead(scope: Scope, record: RecordState, step: Step, waiting) -> bool:
    """Whether this person takes the step in place of its actors, all of whom wrote the
    record (Step.instead): a group leader's own lesson plan is checked by the
    vice-principal in charge or the principal."""
    instead = _instead_now(step, waiting)
    if not instead or not any(ACTORS[actor](scope, record) for actor in instead):
        return False
    return _nobody_holds(record, step, _actors_now(step, waiting))


# The actors that name one person of the record, and who that is (a staff id).
_PERSONAL: dict[Actor, Callable[[RecordState], int | None]] = {
    Actor.AUTHOR: lambda record: record.author_id,
    Actor.GROUP_LEADER: lambda record: record.group.leader_id if record.group else None,
    Actor.HOMEROOM: lambda record: (
        record.school_class.homeroom_teacher_id if record.school_class else None
    ),
}


def _nobody_holds(record: RecordState, step: Step, actors: frozenset[Actor]) -> bool:
    """Whether no active member of the school may take `step` as one of `actors`
    without being barred from it. Answered once per record and step."""
    cache = record.__dict__.setdefault("_nobody_holds", {})
    key = (step.name, actors)
    if key not in cache:
        cache[key] = _nobody_holds_now(record, step, actors)
    return cache[key]


def _nobody_holds_now(record: RecordState, step: Step, actors: frozenset[Actor]) -> bool:
    if step.bar == Bar.WRITERS and actors <= _PERSONAL.keys():
        # The common case without a query (a dashboard asks it of every record): the
        # group leader of a teacher's plan holds the check unless someone other than
        # the author also wrote it.
        holders = {_PERSONAL[actor](record) for actor in actors} - {None}
        if holders <= {record.author_id}:
            return True
        author_user = record.author.user_id if record.author_id else None
        if not record.editor_user_ids() - {author_user}:
            return False
    for staff in _school_staff(record):
        scope = _staff_scope(staff)
        if scope.read_only or not any(ACTORS[actor](scope, record) for actor in actors):
            continue
        if not BARS[_bar(scope, record, step)](scope, record):
            return False
    return True


def _school_staff(record: RecordState) -> list:
    """The active staff of the record's school, loaded once per school for the records
    that share a memo (share_school_staff), else once per record."""
    from recordpages.models import StaffProfile

    cached = record.__dict__.get("_school_staff")
    if cached is not None:
        return cached
    by_school = record.__dict__.setdefault("_staff_by_school", {})
    if record.school_id not in by_school:
        by_school[record.school_id] = list(
            StaffProfile.objects.filter(school_id=record.school_id, user__is_active=True)
            .select_related("user")
            .prefetch_related("roles")
            .order_by("pk")
        )
    return by_school[record.school_id]


def share_school_staff(records) -> None:
    """Let records listed together share one memo of their schools' staff, so that a
    listing asks for each school's staff at most once, whatever its number of rows."""
    by_school: dict[int, list] = {}
    for record in records:
        record.__dict__["_staff_by_school"] = by_school


def _signed_step(scope: Scope, record: RecordState, step_name: str) -> bool:
    """Whether this person made one of the path step's signatures in this pass."""
    user_id = scope.staff.user_id if scope.staff is not None else None
    if user_id is None:
        return False
    signers = record.signature_signers or {}
    return any(
        signers.get(sig.field) == user_id
        for sig in record.rules.signature_steps
        if sig.on == step_name
    )


def _bar(scope: Scope, record: RecordState, step: Step) -> Bar:
    """The bar of the signature this person would make, else the step's own."""
    waiting = chains.pending_on(record.rules.signature_steps, step.name, record.signatures_made)
    for sig in waiting:
        if sig.bar is not None and any(ACTORS[actor](scope, record) for actor in sig.by):
            return sig.bar
    return step.bar


def signature_due(user, record: RecordState, step_name: str) -> chains.SignatureStep | None:
    """The signature step this user makes by taking `step_name` now, if it carries one."""
    scope = get_scope(user)
    waiting = chains.pending_on(record.rules.signature_steps, step_name, record.signatures_made)
    if _signed_step(scope, record, step_name):
        return None
    for sig in waiting:
        if scope.is_superuser or any(ACTORS[actor](scope, record) for actor in sig.by):
            return sig
    # Who takes the step in place of its signers (Step.instead) signs in their block:
    # the vice-principal in charge signs "KT. Hiệu trưởng" where the principal would.
    step = record.rules.step(step_name)
    if step is None:
        return None
    for sig in waiting:
        if _takes_instead(scope, record, step, (sig,)):
            return sig
    return None


def step_label(name: str) -> str:
    return str(registry.STEP_LABELS.get(name, name))


def refusal(user, record: RecordState, transition: str) -> str | None:
    """Why this user may not take this step now, in Vietnamese; None when they may."""
    if transition not in registry.STEP_LABELS:
        return _("Thao tác không tồn tại.")
    scope = get_scope(user)
    if not scope.is_authenticated:
        return _("Bạn cần đăng nhập.")
    if scope.read_only:
        return _("Tài khoản của bạn chỉ được xem, không được thay đổi hồ sơ.")
    if not scope.is_superuser and scope.school_id != record.school_id:
        return _("Hồ sơ này thuộc trường khác.")
    rules = record.rules
    step = rules.step(transition)
    if step is None or record.state not in step.source:
        return _("Không thể %(action)s hồ sơ đang ở trạng thái “%(state)s”.") % {
            "action": step_label(transition).lower(),
            "state": record.get_state_display(),
        }
    if scope.is_superuser:
        return None
    if not _may_take(scope, record, step):
        return _("Vai trò của bạn không được %(action)s loại hồ sơ này.") % {
            "action": step_label(transition).lower()
        }
    # After the role rule, so that only those who could review pay for the lookup.
    if BARS[_bar(scope, record, step)](scope, record):
        return _(
            "Không ai được tự duyệt, kiểm tra, trả lại, công bố hay ký hồ sơ do chính mình "
            "lập hoặc đã sửa."
        )
    return None


def available_transitions(user, record: RecordState) -> list[Step]:
    # The path first: most steps are not open in a given state, and refusal() would
    # word a translated reason for each (a principal's dashboard checks some 500
    # records; this halved its time).
    return [
        step
        for step in record.rules.open_steps(record.state)
        if refusal(user, record, step.name) is None
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


def may_see_unsubmitted(scope: Scope, record: RecordState) -> bool:
    """A draft (or a returned record) is seen by its writers and by the people who
    will submit, check or approve it: nobody else in the school (issue 11, finding 13).
    Role rules first: they cost nothing, the writers need a query."""
    return any(
        _may_take(scope, record, step) for step in record.rules.pre_approval_steps()
    ) or _wrote(scope, record)


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


def creator_may_hand_in(page) -> bool:
    """Whether whoever creates a record of this page's type hands it in themselves
    (the editor's "Nộp" on a new page): its submit step is its author's."""
    rules = getattr(type(page), "rules", None) if page is not None else None
    step = rules.step(registry.SUBMIT) if isinstance(rules, registry.RecordType) else None
    return step is not None and Actor.AUTHOR in step.by


def opens_in_editor(record: RecordState | None, *, can_edit: bool) -> bool:
    """Whether a title in the page list opens the editor: a record only while it is
    written (a draft or given back); otherwise its record page, which every reader
    of the record may open (issue 15: the editor refused and the click was an error)."""
    return can_edit and (record is None or record.state in UNSUBMITTED_STATES)


def may_write_adjustments(user, record: RecordState) -> bool:
    """ "IV. Điều chỉnh sau bài dạy" is written by the plan's own teacher (or a
    superuser), for the types that declare such a field; the record page shows the
    button and the form only then, and AdjustmentsSave refuses otherwise."""
    if not record.rules.after_teaching_field:
        return False
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return not scope.read_only and _is_author(scope, record)


def acknowledgements_owed(user, record: RecordState, correction) -> list[str]:
    """The acknowledgements of correction minutes this user still owes: as principal or
    system administrator of the record's school, and as the requester (Đ11.3)."""
    scope = get_scope(user)
    if scope.read_only:
        return []
    same_school = scope.is_superuser or scope.school_id == record.school_id
    parts = []
    if (
        same_school
        and RoleCode.PRINCIPAL in scope.roles
        and not correction.acknowledged_by_principal_at
    ):
        parts.append("principal")
    if (
        same_school
        and RoleCode.SYSADMIN in scope.roles
        and not correction.acknowledged_by_sysadmin_at
    ):
        parts.append("sysadmin")
    if user.pk == correction.requested_by_id and not correction.acknowledged_by_requester_at:
        parts.append("requester")
    return parts


def may_consent_correction(user, record: RecordState) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or (_principal(scope) and scope.school_id == record.school_id)


def may_see_chains(user) -> bool:
    """The school's signer chains: its principal or system administrator (or a superuser)."""
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return scope.school_id is not None and bool(
        scope.roles & {RoleCode.PRINCIPAL, RoleCode.SYSADMIN}
    )


def may_change_chains(user) -> bool:
    """Adjusting them is the principal's (a superuser's for any school he names)."""
    scope = get_scope(user)
    return scope.is_superuser or (scope.school_id is not None and RoleCode.PRINCIPAL in scope.roles)


def may_lock(user, school_id: int) -> bool:
    scope = get_scope(user)
    return scope.is_superuser or (RoleCode.SYSADMIN in scope.roles and scope.school_id == school_id)


# --- who is told, and what may be removed (issue 12) ----------------------------------
# Notification recipients and the page hooks' "may this be removed" are permission
# questions too: answered here, from the declared steps, never by the caller.


def _staff_scope(staff) -> Scope:
    """The scope a staff member's account would have, without a query per person."""
    return Scope(
        is_authenticated=True,
        is_superuser=False,  # the policy's answer for their roles, not their account's
        staff=staff,
        school_id=staff.school_id,
        authority_path=None,
        roles=staff.role_codes,
    )


def who_may_take(record: RecordState, step: Step) -> list:
    """The staff of the record's school who may take `step` on it: the step's actors,
    less read-only accounts and, for a review, those barred from reviewing their own
    writing (R3). Whom to tell that the record now waits for that step."""
    from recordpages.models import StaffProfile

    candidates = (
        StaffProfile.objects.filter(school_id=record.school_id, user__is_active=True)
        .select_related("user")
        .prefetch_related("roles")
        .order_by("pk")
    )
    chosen = []
    for staff in candidates:
        scope = _staff_scope(staff)
        if scope.read_only or not _may_take(scope, record, step):
            continue
        if BARS[_bar(scope, record, step)](scope, record):
            continue
        chosen.append(staff)
    return chosen


def may_remove(record: RecordState | None) -> bool:
    """Whether a record page may be deleted, moved or unpublished: only before any
    review has started on it (REMOVABLE_STATES). Pages that are not records are
    Wagtail's own permissions' business."""
    return record is None or record.state in REMOVABLE_STATES
