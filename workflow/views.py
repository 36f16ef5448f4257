"""Admin views of the workflow. They ask workflow.policy and call workflow.services;
they decide nothing themselves."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from recordpages import registry
from workflow import deadlines, policy, selectors, services
from workflow.choices import APPROVED_STATES
from workflow.forms import AdjustmentsForm, CorrectionRequestForm, LockForm, TransitionForm
from workflow.models import Correction, CorrectionState, Lock, RecordState


def _visible_record(request, page_id: int) -> RecordState:
    record = get_object_or_404(
        RecordState.objects.select_related(
            "page",
            "school__page",
            "school_year",
            "group",
            "school_class",
            "author",
            "record_category",
        ),
        pk=page_id,
    )
    if not policy.can_view_record(request.user, record):
        raise Http404  # never confirm that another school's record exists
    return record


def record_detail(request, page_id: int):
    record = _visible_record(request, page_id)
    scope_read_only = policy.get_scope(request.user).read_only
    page = record.page.specific
    shown = page
    if scope_read_only and record.approved_revision_id:
        shown = record.approved_revision.as_object()  # authority readers see the approved version
    return TemplateResponse(
        request,
        "workflow/record_detail.html",
        {
            "record": record,
            "page": shown,
            "live_page": page,
            "status": deadlines.status_of(record),
            "status_labels": deadlines.STATUS_LABELS,
            "transitions": policy.available_transitions(request.user, record),
            "history": selectors.record_history(record),
            "versions": record.versions.select_related("approved_by", "revision").all(),
            "corrections": record.corrections.select_related("requested_by").all(),
            "write_refusal": services.write_refusal(page, request.user),
            "may_request_correction": policy.may_request_correction(request.user, record),
            "may_consent": policy.may_consent_correction(request.user, record),
            "may_adjust": record.state in APPROVED_STATES
            and policy.may_write_adjustments(request.user, record),
            # The minutes this user still has to acknowledge: only they get the button.
            "owed": {
                c.pk
                for c in record.corrections.all()
                if c.state == CorrectionState.MINUTES
                and policy.acknowledgements_owed(request.user, record, c)
            },
            "can_edit": not scope_read_only and page.permissions_for_user(request.user).can_edit(),
            "is_approved": record.state in APPROVED_STATES,
        },
    )


def record_print(request, page_id: int):
    """The record as its paper form, for the browser's print: who may read the record
    page may print it (authority readers get the approved version, as there)."""
    record = _visible_record(request, page_id)
    page = record.page.specific
    if policy.get_scope(request.user).read_only and record.approved_revision_id:
        page = record.approved_revision.as_object()
    return TemplateResponse(request, "workflow/record_print.html", {"record": record, "page": page})


def _refused(request, record: RecordState, message: str):
    """A screen the user may not use: the reason, a way back, and a 403."""
    return TemplateResponse(
        request,
        "workflow/not_found.html",
        {"message": message, "back_url": reverse("workflow_record", args=[record.pk])},
        status=403,
    )


def record_transition(request, page_id: int, transition: str):
    record = _visible_record(request, page_id)
    spec = record.rules.step(transition) or registry.step_named(transition)
    if spec is None:
        raise Http404
    form = TransitionForm(
        request.POST or None, initial={"seen_state": record.state}, needs_reason=spec.needs_reason
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_transition(
                user=request.user,
                page_id=record.pk,
                transition=transition,
                reason=form.cleaned_data["reason"],
                seen_state=form.cleaned_data["seen_state"] or None,
                request=request,
            )
        except services.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("Đã %(action)s: %(title)s")
                % {"action": spec.label.lower(), "title": record.page.title},
            )
        return redirect("workflow_record", page_id=record.pk)
    refusal = policy.refusal(request.user, record, transition)
    # A return without its reason keeps the form and what was typed (400, not a redirect).
    status = 400 if form.is_bound and not form.is_valid() else 200
    return TemplateResponse(
        request,
        "workflow/transition_confirm.html",
        {
            "record": record,
            "spec": spec,
            "form": form,
            "refusal": refusal,
            "hand_in": spec.target == registry.State.SUBMITTED,
            "missing": _missing(record) if spec.target == registry.State.SUBMITTED else [],
        },
        status=status,
    )


def _missing(record: RecordState) -> list[str]:
    """What the record still lacks to be handed in, said before the user confirms."""
    page = record.page.specific
    return services.completeness_errors(page.get_latest_revision_as_object())


def correction_request(request, page_id: int):
    record = _visible_record(request, page_id)
    if not policy.may_request_correction(request.user, record):
        return _refused(request, record, _("Bạn không được đề nghị sửa hồ sơ này."))
    form = CorrectionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_request(
                user=request.user,
                page_id=record.pk,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Đã gửi đề nghị sửa dữ liệu tới hiệu trưởng."))
        return redirect("workflow_record", page_id=record.pk)
    return TemplateResponse(
        request, "workflow/correction_request.html", {"record": record, "form": form}
    )


_CORRECTION_ACTIONS = {
    "consent": (
        lambda r, c: services.correction_decide(
            user=r.user, correction_id=c, consent=True, request=r
        ),
        gettext_lazy("Hiệu trưởng đã đồng ý sửa dữ liệu."),
    ),
    "refuse": (
        lambda r, c: services.correction_decide(
            user=r.user, correction_id=c, consent=False, request=r
        ),
        gettext_lazy("Đã từ chối đề nghị sửa."),
    ),
    "finish": (
        lambda r, c: services.correction_finish_editing(user=r.user, correction_id=c, request=r),
        gettext_lazy("Đã lập biên bản sửa dữ liệu; chờ các bên xác nhận."),
    ),
    "acknowledge": (
        lambda r, c: services.correction_acknowledge(user=r.user, correction_id=c, request=r),
        gettext_lazy("Đã xác nhận biên bản."),
    ),
}


@require_POST
def correction_action(request, correction_id: int, action: str):
    correction = get_object_or_404(Correction.objects.select_related("record"), pk=correction_id)
    record = _visible_record(request, correction.record_id)
    if action not in _CORRECTION_ACTIONS:
        raise Http404
    run, message = _CORRECTION_ACTIONS[action]
    try:
        run(request, correction.pk)
    except services.TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, message)
    return redirect("workflow_record", page_id=record.pk)


def correction_minutes(request, correction_id: int):
    correction = get_object_or_404(
        Correction.objects.select_related("record__page", "requested_by"), pk=correction_id
    )
    _visible_record(request, correction.record_id)
    return TemplateResponse(
        request,
        "workflow/correction_minutes.html",
        {"correction": correction, "states": CorrectionState},
    )


def lesson_adjustments(request, page_id: int):
    record = _visible_record(request, page_id)
    if not policy.may_write_adjustments(request.user, record):
        return _refused(
            request, record, _("Chỉ giáo viên soạn kế hoạch được ghi điều chỉnh sau bài dạy.")
        )
    page = record.page.specific
    field = record.rules.after_teaching_field
    form = AdjustmentsForm(
        request.POST or None, initial={"adjustments": getattr(page, field, "") if field else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_adjustments_save(
                user=request.user,
                page_id=record.pk,
                text=form.cleaned_data["adjustments"],
                request=request,
            )
        except services.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Đã lưu điều chỉnh sau bài dạy."))
        return redirect("workflow_record", page_id=record.pk)
    return TemplateResponse(request, "workflow/adjustments.html", {"record": record, "form": form})


def locks(request):
    scope = policy.get_scope(request.user)
    visible = selectors.schools_for_lock_form(request.user)
    form = LockForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.lock_create(
                user=request.user,
                school_id=data["school"].pk,
                school_year_id=data["school_year"].pk if data["school_year"] else None,
                record_type=data["record_type"],
                requested_by_id=data["requested_by"].pk,
                reason=data["reason"],
                request=request,
            )
        except services.TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Đã khóa dữ liệu."))
        return redirect("workflow_locks")
    return TemplateResponse(
        request,
        "workflow/locks.html",
        {
            "locks": Lock.objects.filter(school__in=visible).select_related(
                "school", "school_year", "requested_by", "locked_by", "unlocked_by"
            ),
            "form": form,
            "may_lock": scope.is_superuser
            or any(policy.may_lock(request.user, s.pk) for s in visible),
        },
    )


@require_POST
def lock_release(request, lock_id: int):
    try:
        services.lock_release(user=request.user, lock_id=lock_id, request=request)
    except Lock.DoesNotExist:
        # A stale form or a typed URL: say so with a 404, not a server error.
        return TemplateResponse(
            request,
            "workflow/not_found.html",
            {"message": _("Không có khóa dữ liệu này."), "back_url": reverse("workflow_locks")},
            status=404,
        )
    except services.TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Đã mở khóa."))
    return redirect("workflow_locks")


def anomalies(request):
    return TemplateResponse(
        request,
        "workflow/anomalies.html",
        {
            "entries": selectors.anomalies(request.user, limit=200),
            "repeated": selectors.repeated_failed_logins(request.user),
        },
    )
