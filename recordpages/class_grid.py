"""The class's year-end results on one screen, as the homeroom teacher keeps them on
paper: one row per pupil (in the class's order), one column per subject of the grade
(recordpages.programme), the year-end level and, where the grade has the test, the
score.

Each pupil's học bạ changed here is saved as a new draft revision of its
StudentRecordPage, built on its latest revision like the editor's, through the same
guards: the editor's before/after hooks (the workflow's write refusal, its log) and
RecordPage.save_revision's write guard. A record the user may not edit now
(submitted, approved, locked) is shown read-only.

Queries: a fixed handful for the screen (class, pupils, records with their results,
latest revisions), a few per pupil shown (the record's rights and write guard) and,
per pupil saved, about 90: the editor's own (Wagtail loading the latest revision
checks the key of every result row, save_revision, the workflow's hooks and audit).
None depends on the class's size; tests/recordpages/test_class_grid.py bounds it at
100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Revision

from recordpages import programme
from recordpages.guards import RecordReadOnly, check_writable
from recordpages.models import ClassEnrollment, ClassPage, StudentRecordPage, SubjectResult
from recordpages.models.classes import score_errors
from recordpages.permissions import get_scope

LEVEL_FIELD = SubjectResult._meta.get_field("level")
SCORE_FIELD = SubjectResult._meta.get_field("score_year")


def may_open(user, school_class) -> bool:
    """The class's homeroom teacher (or a superuser); the rows say who may write."""
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return (
        scope.staff is not None
        and not scope.read_only
        and school_class.homeroom_teacher_id == scope.staff.pk
    )


@dataclass
class PupilRow:
    number: int
    name: str
    page: StudentRecordPage | None
    revision: Revision | None = None
    refusal: str = ""
    values: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (level, score)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def writable(self) -> bool:
        return self.page is not None and not self.refusal

    @cached_property
    def draft(self) -> StudentRecordPage:
        """The latest revision as a page, as the editor opens it: loaded only for a
        pupil saved here (Wagtail checks every child's key while loading)."""
        if self.revision is None:
            return self.page
        return self.page.with_content_json(self.revision.content)


def _current(row: PupilRow) -> dict[str, tuple[str, str]]:
    """Each subject's year-end level and score, read from the latest revision's JSON."""
    if row.revision is not None:
        results = row.revision.content.get("subject_results") or []
    else:
        results = [vars(result) for result in row.page.subject_results.all()]
    return {
        result["subject"]: (
            result.get("level") or "",
            "" if result.get("score_year") is None else str(result["score_year"]),
        )
        for result in results
    }


def _rows(user, class_page: ClassPage) -> list[PupilRow]:
    school_class = class_page.school_class
    records = {
        page.pupil_id: page
        for page in StudentRecordPage.objects.child_of(class_page).filter(school_class=school_class)
    }
    revisions = Revision.objects.in_bulk(
        [page.latest_revision_id for page in records.values() if page.latest_revision_id]
    )
    rows = []
    for enrollment in ClassEnrollment.objects.filter(school_class=school_class).select_related(
        "pupil"
    ):
        page = records.get(enrollment.pupil_id)
        row = PupilRow(enrollment.number, enrollment.pupil.full_name, page)
        if page is not None:
            row.revision = revisions.get(page.latest_revision_id)
            row.values = _current(row)
            row.refusal = _refusal(user, page)
        rows.append(row)
    return rows


def _refusal(user, page: StudentRecordPage) -> str:
    if not page.permissions_for_user(user).can_edit():
        return _("Bạn không có quyền sửa học bạ này.")
    try:
        check_writable(page)
    except RecordReadOnly as refused:
        return str(refused)
    return ""


def _read(post, rows: list[PupilRow], subjects, grade: int) -> list[PupilRow]:
    """Take the posted cells of the writable rows (a cell not posted keeps its value);
    return the rows that changed."""
    changed = []
    for row in rows:
        if not row.writable:
            continue
        values = dict(row.values)
        for subject in subjects:
            prefix = f"p{row.page.pk}-{subject.code}"
            level, score = values.get(subject.code, ("", ""))
            level = post.get(f"{prefix}-level", level).strip().upper()
            if subject.has_test(grade):
                score = post.get(f"{prefix}-score", score).strip()
            values[subject.code] = (level, score)
        if values != {**{s.code: ("", "") for s in subjects}, **row.values}:
            row.values = values
            changed.append(row)
    return changed


def _check(row: PupilRow, subjects, grade: int) -> dict[str, tuple[str, int | None]]:
    """The row's cleaned cells, its errors written into the row."""
    cleaned = {}
    old = {result.subject: result for result in row.draft.subject_results.all()}
    for subject in subjects:
        level, score = row.values.get(subject.code, ("", ""))
        messages_ = []
        try:
            level = LEVEL_FIELD.formfield().clean(level)
        except ValidationError as error:
            messages_ += error.messages
        try:
            score = SCORE_FIELD.formfield().clean(score)
        except ValidationError as error:
            messages_ += error.messages
            score = None
        if not messages_ and score is not None:
            result = old.get(subject.code)
            scores = {**(result.scores() if result else {}), "score_year": score}
            messages_ += [str(m) for m in score_errors(subject.code, grade, scores).values()]
        if messages_:
            row.errors[subject.code] = messages_
        cleaned[subject.code] = (level, score)
    return cleaned


def _save(request, row: PupilRow, cleaned: dict, subjects) -> None:
    """A new draft revision of the pupil's học bạ, through the editor's guards."""
    for hook in hooks.get_hooks("before_edit_page"):
        if hook(request, row.page) is not None:
            raise RecordReadOnly(
                _("Học bạ của %(pupil)s không sửa được lúc này.") % {"pupil": row.name}
            )
    draft = row.draft
    results = list(draft.subject_results.all())
    by_code = {result.subject: result for result in results}
    order = {subject.code: place for place, subject in enumerate(programme.SUBJECTS)}
    for code, (level, score) in cleaned.items():
        result = by_code.get(code)
        if result is None:
            if not level and score is None:
                continue
            result = SubjectResult(subject=code, sort_order=order[code])
            results.append(result)
        result.level = level
        result.score_year = score
    draft.subject_results = results
    draft.save_revision(user=request.user, log_action=True)
    for hook in hooks.get_hooks("after_edit_page"):
        hook(request, draft)


def year_end_grid(request, page_id: int):
    class_page = get_object_or_404(ClassPage.objects.select_related("school_class"), pk=page_id)
    school_class = class_page.school_class
    if not may_open(request.user, school_class):
        return TemplateResponse(request, "403.html", status=403)
    grade = school_class.grade
    subjects = programme.subjects_for_grade(grade)
    rows = _rows(request.user, class_page)
    summary: list[str] = []
    if request.method == "POST":
        changed = _read(request.POST, rows, subjects, grade)
        cleaned = {row.page.pk: _check(row, subjects, grade) for row in changed}
        summary = [
            _("Dòng %(number)s (%(pupil)s), cột %(subject)s: %(message)s")
            % {
                "number": row.number,
                "pupil": row.name,
                "subject": programme.SUBJECTS_BY_CODE[code].name,
                "message": message,
            }
            for row in changed
            for code, messages_ in row.errors.items()
            for message in messages_
        ]
        if not summary:
            try:
                with transaction.atomic():
                    for row in changed:
                        _save(request, row, cleaned[row.page.pk], subjects)
            except RecordReadOnly as refused:
                summary = [str(refused)]
            else:
                messages.success(
                    request,
                    _("Đã lưu bản nháp học bạ của %(count)s học sinh.") % {"count": len(changed)},
                )
                return redirect("recordpages_class_grid", page_id=page_id)
    return TemplateResponse(
        request,
        "recordpages/grid_class.html",
        {
            "class_page": class_page,
            "school_class": school_class,
            "columns": [(s, s.has_test(grade)) for s in subjects],
            "rows": [(row, _cells(row, subjects, grade)) for row in rows],
            "summary": summary,
        },
    )


def _cells(row: PupilRow, subjects, grade: int) -> list[tuple]:
    """(name prefix, subject name, level, score, tested, errors) of each subject."""
    prefix = f"p{row.page.pk}-" if row.page is not None else ""
    return [
        (
            f"{prefix}{s.code}",
            s.name,
            *row.values.get(s.code, ("", "")),
            s.has_test(grade),
            row.errors.get(s.code, ()),
        )
        for s in subjects
    ]
