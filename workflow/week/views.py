"""The teacher's week screens: next week's plan in one click, last week's copied, a
week's files handed in at once. They ask workflow.week.selectors who may act and
call workflow.week.services; they decide nothing themselves."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages as admin_messages

from intake.models import RecordFile
from intake.services import IntakeRefused
from recordpages.models import LessonPlanPage
from workflow.week import selectors, services
from workflow.week.forms import ConfirmFilesForm, WeekFilesForm, WeekForm
from workflow.week.guess import PlannedLesson, guess_file, week_of_files
from workflow.week.selectors import WeekTarget
from workflow.week.services import WeekRefused

_TOKEN_SALT = "workflow.week.files"
_TOKEN_MAX_AGE = 24 * 3600


def _target(request, class_id: int | None) -> WeekTarget:
    """The user's own target for the class named in the form; 403 for anyone who may
    not create lesson plans (readers, other roles), 404 for a class not theirs."""
    targets = selectors.week_targets(request.user, timezone.localdate())
    if not targets:
        raise PermissionDenied
    for target in targets:
        if (target.school_class.pk if target.school_class else None) == class_id:
            return target
    if class_id is None and len(targets) == 1:
        return targets[0]
    raise Http404(_("Không tìm thấy lớp bạn dạy."))


def _refused(request, refusal: WeekRefused):
    buttons = []
    if refusal.existing is not None:
        url = reverse("wagtailadmin_pages:edit", args=[refusal.existing.pk])
        buttons.append(admin_messages.button(url, _("Mở kế hoạch đã có")))
    admin_messages.error(request, refusal.message, buttons=buttons)
    return redirect("wagtailadmin_home")


def _opened(request, page: LessonPlanPage, message: str):
    messages.success(request, message)
    return redirect("wagtailadmin_pages:edit", page.pk)


def _week_step(request, make, message: str):
    """The dashboard's two week buttons: the class and week they stand for, the
    service that makes the draft (`make(target, week)`), then the editor."""
    form = WeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuần không hợp lệ."))
        return redirect("wagtailadmin_home")
    target = _target(request, form.cleaned_data["school_class"])
    try:
        page = make(target, form.cleaned_data["week"])
    except WeekRefused as refusal:
        return _refused(request, refusal)
    return _opened(request, page, message % {"week": page.week_number})


@require_POST
def new_week(request):
    return _week_step(
        request,
        lambda target, week: services.lesson_plan_new_week(
            user=request.user, target=target, week=week, today=timezone.localdate()
        ),
        _("Đã tạo bản nháp tuần %(week)s: chỉ cần soạn phần mới rồi lưu và nộp."),
    )


@require_POST
def copy_last_week(request):
    return _week_step(
        request,
        lambda target, week: services.lesson_plan_copy_last_week(
            user=request.user, target=target, week=week
        ),
        _("Đã chép kế hoạch tuần trước sang tuần %(week)s, các ngày đã dời theo tuần mới."),
    )


def copy_plan(request, page_id: int):
    """Wagtail's "Sao chép" of a lesson plan lands here: the copy is the plan a week
    (the first free week) later, with its dates, never a second plan for its week."""
    plan = get_object_or_404(LessonPlanPage, pk=page_id)
    target = _target(request, plan.school_class_id)
    if plan.teacher_id != target.teacher.pk:
        raise PermissionDenied
    week = plan.next_free_week()
    if week is None:
        messages.error(request, _("Không còn tuần trống để chép kế hoạch này sang."))
        return redirect("wagtailadmin_home")
    target = WeekTarget(**{**target.__dict__, "previous": plan})
    if request.method == "POST":
        try:
            page = services.lesson_plan_copy_last_week(user=request.user, target=target, week=week)
        except WeekRefused as refusal:
            return _refused(request, refusal)
        return _opened(
            request, page, _("Đã chép sang tuần %(week)s, các ngày đã dời.") % {"week": week}
        )
    return TemplateResponse(request, "week/copy_confirm.html", {"plan": plan, "week": week})


def _planned(target: WeekTarget, week: int) -> list[PlannedLesson]:
    return selectors.planned_lessons(target.group_page, target.grade, week)


def upload_files(request):
    """Step 1: drop the week's files. They are checked and kept (refused: the reason,
    nothing kept); the next step shows what was guessed from their names."""
    targets = selectors.week_targets(request.user, timezone.localdate())
    if not targets:
        raise PermissionDenied
    form = WeekFilesForm(request.POST or None, request.FILES or None)
    context = {"form": form, "targets": targets}
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, "week/upload.html", context)
    target = _target(request, form.cleaned_data["school_class"])
    uploads = form.cleaned_data["files"]
    try:
        record_file = services.week_files_accept(user=request.user, uploads=uploads)
    except IntakeRefused as refusal:
        form.add_error("files", refusal.messages[0])
        return TemplateResponse(request, "week/upload.html", context, status=400)
    names = [upload.name for upload in uploads]
    week = week_of_files(names) or target.week
    class_id = target.school_class.pk if target.school_class else None
    token = signing.dumps({"file": record_file.pk, "names": names}, salt=_TOKEN_SALT)
    return _confirm_page(request, target, names, week, token, class_id)


def _confirm_page(request, target, names, week, token, class_id, form=None, status=200):
    guesses = [guess_file(name, _planned(target, week)) for name in names]
    unknown = [(i, g.name) for i, g in enumerate(guesses) if g.subject is None]
    form = form or ConfirmFilesForm(
        initial={"token": token, "week": week, "school_class": class_id}, unknown_files=unknown
    )
    return TemplateResponse(
        request,
        "week/confirm.html",
        {"form": form, "guesses": guesses, "target": target, "week": week},
        status=status,
    )


def _lessons_for(guesses, subjects: dict[int, str], planned: list[PlannedLesson]):
    """The lessons the files stand for: a file's matched lesson, else the first
    not yet taken of its subject; a single file for the week stands for them all."""
    chosen: list[PlannedLesson] = []
    for index, guess in enumerate(guesses):
        subject = guess.subject or subjects.get(index)
        lesson = guess.lesson
        if lesson is None and subject:
            lesson = next((p for p in planned if p.subject == subject and p not in chosen), None)
        if lesson is not None and lesson not in chosen:
            chosen.append(lesson)
    if not chosen and len(guesses) == 1:
        chosen = list(planned)
    return chosen


@require_POST
def confirm_files(request):
    """Step 2: the teacher confirms the week (and a subject where none was guessed);
    one draft plan is created with the files as its source."""
    try:
        data = signing.loads(
            request.POST.get("token", ""), salt=_TOKEN_SALT, max_age=_TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(request, _("Phiên nộp tệp đã hết hạn, hãy tải tệp lên lại."))
        return redirect("week_upload")
    names = [str(name) for name in data.get("names", [])]
    class_raw = request.POST.get("school_class") or None
    target = _target(request, int(class_raw) if class_raw and class_raw.isdigit() else None)
    record_file = get_object_or_404(RecordFile, pk=data.get("file"), uploaded_by=target.teacher)
    week_raw = request.POST.get("week", "")
    week = int(week_raw) if week_raw.isdigit() else target.week
    planned = _planned(target, week)
    guesses = [guess_file(name, planned) for name in names]
    unknown = [(i, g.name) for i, g in enumerate(guesses) if g.subject is None]
    form = ConfirmFilesForm(request.POST, unknown_files=unknown)
    if not form.is_valid():
        class_id = target.school_class.pk if target.school_class else None
        token = request.POST.get("token", "")
        return _confirm_page(request, target, names, week, token, class_id, form=form, status=400)
    subjects = {i: form.cleaned_data.get(f"subject_{i}") or "" for i, _name in unknown}
    try:
        page = services.lesson_plan_from_files(
            user=request.user,
            target=target,
            week=week,
            record_file=record_file,
            lessons=_lessons_for(guesses, subjects, planned),
            today=timezone.localdate(),
        )
    except WeekRefused as refusal:
        return _refused(request, refusal)
    messages.success(
        request,
        _(
            "Đã nhận các tệp của tuần %(week)s; bản PDF đang được chuyển đổi. Bấm “Nộp” khi sẵn sàng."
        )
        % {"week": week},
    )
    return redirect("workflow_record", page.pk)
