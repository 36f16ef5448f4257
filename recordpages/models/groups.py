"""Professional group pages and their records: the group teaching plan and lesson plans."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from recordpages import blocks, programme, weeks
from recordpages import chains as c
from recordpages import registry as r
from recordpages.models.base import FileHandIn, HosoPage, RecordFilePanel, RecordPage
from recordpages.models.people import RoleCode, SchoolClass, StaffProfile
from recordpages.registry import Actor, RecordType, State
from recordpages.retention import TT27_2016_SCHOOLING, kept_for

SAME_WEEK_CONSTRAINT = "one_lesson_plan_per_teacher_class_week"
# SQLite names the columns, not the constraint, when it refuses a row.
_SAME_WEEK_COLUMNS = "recordpages_lessonplanpage.week_number"


class ProfessionalGroupPage(HosoPage):
    group = models.OneToOneField(
        "recordpages.ProfessionalGroup",
        verbose_name=_("tổ chuyên môn"),
        on_delete=models.PROTECT,
        related_name="page",
    )

    has_title_scheme = True
    content_panels = [*HosoPage.content_panels, FieldPanel("group")]
    parent_page_types = ["recordpages.SchoolYearPage"]
    subpage_types = ["recordpages.GroupTeachingPlanPage", "recordpages.LessonPlanPage"]

    class Meta:
        verbose_name = _("tổ chuyên môn")
        verbose_name_plural = _("tổ chuyên môn")

    def compose_title(self) -> str | None:
        return self.group.name if self.group_id else None


class GroupRecordPage(RecordPage):
    """A record that belongs to a professional group."""

    group = models.ForeignKey(
        "recordpages.ProfessionalGroup",
        on_delete=models.PROTECT,
        editable=False,
        null=True,
        related_name="+",
    )

    parent_page_types = ["recordpages.ProfessionalGroupPage"]
    exclude_fields_in_copy = [*RecordPage.exclude_fields_in_copy, "group"]

    class Meta:
        abstract = True

    def prepare_tree_fields(self) -> None:
        if not self.group_id:
            parent = self.tree_parent()
            if parent is not None:
                self.group_id = parent.specific_deferred.group_id
        super().prepare_tree_fields()

    @property
    def group_name(self) -> str:
        return self.group.name if self.group_id else ""


class GroupTeachingPlanPage(FileHandIn, GroupRecordPage):
    """Kế hoạch dạy học các môn học và hoạt động giáo dục of a group (Phụ lục 2)."""

    rules = RecordType(
        code="group_plan",
        order=20,
        label=_("Kế hoạch dạy học của tổ chuyên môn"),
        steps=(r.submit(by=(Actor.GROUP_LEADER,)), r.approve(), r.give_back()),
        # The writer, then the approver; the archive adds the school's seal.
        signature_steps=(
            c.personal(
                "to_truong", _("Tổ trưởng chuyên môn"), on=r.SUBMIT, by=(Actor.GROUP_LEADER,)
            ),
            c.personal(
                "nguoi_duyet",
                c.PRINCIPAL_LABEL,
                on=r.APPROVE,
                by=(Actor.PRINCIPAL, Actor.ASSIGNED_VP),
            ),
        ),
        deadline=r.DayOfYear(9, 4),  # "nộp và duyệt trước ngày 05/9"
        retention=kept_for(5, source=TT27_2016_SCHOOLING),
        document_prefix="KH",
        created_by=frozenset({RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL, RoleCode.GROUP_LEADER}),
    )

    subject = models.CharField(
        _("môn học / hoạt động"), max_length=40, choices=programme.SUBJECT_CHOICES
    )
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    general_notes = RichTextField(_("đặc điểm, yêu cầu chung"), blank=True)
    rows = StreamField(
        [("row", blocks.TeachingPlanRowBlock())], verbose_name=_("kế hoạch theo tuần"), blank=True
    )

    content_panels = [
        FieldPanel("title"),
        RecordFilePanel(),
        FieldRowPanel([FieldPanel("subject"), FieldPanel("grade")]),
        FieldPanel("author", read_only=True),
        FieldPanel("general_notes"),
        FieldPanel("rows"),
    ]
    search_fields = [
        *RecordPage.search_fields,
        index.SearchField("general_notes"),
        index.FilterField("grade"),
        index.FilterField("subject"),
    ]
    template = "recordpages/group_teaching_plan_page.html"
    form_content_fields = ("rows",)

    class Meta:
        verbose_name = _("kế hoạch dạy học của tổ")
        verbose_name_plural = _("kế hoạch dạy học của tổ")

    def compose_title(self) -> str | None:
        if not (self.subject and self.grade and self.group_id):
            return None
        subject = programme.SUBJECTS_BY_CODE[self.subject].name
        return gettext("Kế hoạch dạy học môn %(subject)s lớp %(grade)s – %(group)s – %(year)s") % {
            "subject": subject,
            "grade": self.grade,
            "group": self.group_name,
            "year": self.year_name,
        }

    def clean(self):
        super().clean()
        if self.subject and self.grade:
            if not programme.SUBJECTS_BY_CODE[self.subject].taught_in(self.grade):
                raise ValidationError(
                    {"subject": _("Môn này không có trong chương trình của khối đã chọn.")}
                )

    def completeness_errors(self) -> list[str]:
        errors = super().completeness_errors()
        if not self.rows and not self.source_file_id:
            errors.append(str(_("Kế hoạch dạy học cần có ít nhất một dòng.")))
        return errors


class LessonPlanPage(FileHandIn, GroupRecordPage):
    """Kế hoạch bài dạy and lịch báo giảng of one teacher for one week."""

    rules = RecordType(
        code="lesson_plan",
        order=30,
        label=_("Kế hoạch bài dạy và báo giảng"),
        # The teacher hands it in, the group leader checks, the principal or the
        # vice-principal assigned lesson plans approves (Đ11.2).
        steps=(
            r.submit(by=(Actor.AUTHOR,)),
            r.check(by=(Actor.GROUP_LEADER,)),
            r.approve(after=State.CHECKED),
            r.give_back(at=(State.SUBMITTED, State.CHECKED)),
        ),
        # Each reviewer signs as they take their step (approving is signing).
        signature_steps=(
            c.personal("giao_vien", _("Giáo viên"), on=r.SUBMIT, by=(Actor.AUTHOR,)),
            c.personal(
                "to_truong", _("Tổ trưởng chuyên môn"), on=r.CHECK, by=(Actor.GROUP_LEADER,)
            ),
            c.personal(
                "nguoi_duyet",
                _("Người duyệt"),
                on=r.APPROVE,
                by=(Actor.PRINCIPAL, Actor.ASSIGNED_VP),
            ),
        ),
        # "duyệt trước ít nhất 03 ngày trước khi thực hiện": three whole days between
        # approval and the first teaching day, so a Monday's plan is approved by Thursday.
        deadline=r.DaysBeforeWeek(4),
        after_teaching_field="adjustments",
        retention=kept_for(5, source=TT27_2016_SCHOOLING),
        document_prefix="KHBD",
        created_by=frozenset({RoleCode.TEACHER, RoleCode.GROUP_LEADER}),
    )

    teacher = models.ForeignKey(
        StaffProfile, verbose_name=_("giáo viên"), on_delete=models.PROTECT, related_name="+"
    )
    week_number = models.PositiveSmallIntegerField(
        _("tuần"), validators=[MinValueValidator(1), MaxValueValidator(37)]
    )
    week_start = models.DateField(_("ngày đầu tuần (thứ Hai)"))
    prepared_on = models.DateField(_("ngày soạn"))
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("lớp"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    timetable = StreamField(
        [("row", blocks.TimetableRowBlock())], verbose_name=_("lịch báo giảng"), blank=True
    )
    lessons = StreamField(
        [("lesson", blocks.LessonBlock())], verbose_name=_("kế hoạch bài dạy"), blank=True
    )
    adjustments = models.TextField(
        _("IV. Điều chỉnh sau bài dạy"),
        blank=True,
        help_text=_("Ghi sau khi dạy; được sửa cả khi kế hoạch đã duyệt (có ghi nhật ký)."),
    )

    content_panels = [
        FieldPanel("title"),
        RecordFilePanel(),
        MultiFieldPanel(
            [
                FieldPanel("teacher"),
                FieldRowPanel([FieldPanel("week_number"), FieldPanel("week_start")]),
                FieldRowPanel([FieldPanel("prepared_on"), FieldPanel("school_class")]),
            ],
            heading=_("Thông tin chung"),
        ),
        FieldPanel("timetable"),
        FieldPanel("lessons"),
        FieldPanel("adjustments"),
    ]
    search_fields = [*RecordPage.search_fields, index.SearchField("adjustments")]
    template = "recordpages/lesson_plan_page.html"
    form_content_fields = ("timetable", "lessons")

    class Meta:
        verbose_name = _("kế hoạch bài dạy và báo giảng")
        verbose_name_plural = _("kế hoạch bài dạy và báo giảng")
        # One plan per teacher, class and week, whichever path writes it (form, copy,
        # import, shell); the form and the copy hook say so in words first.
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "teacher", "school_class", "week_number"],
                name=SAME_WEEK_CONSTRAINT,
            )
        ]

    def compose_title(self) -> str | None:
        if not (self.week_number and self.teacher_id and self.group_id):
            return None
        values = {
            "week": self.week_number,
            "teacher": self.teacher.full_name,
            "group": self.group_name,
        }
        if not self.school_class_id:
            return gettext("Kế hoạch bài dạy tuần %(week)s – %(teacher)s – %(group)s") % values
        # The class is in the title (and so the slug): a teacher of two classes has two
        # plans a week, which must not collide.
        return gettext(
            "Kế hoạch bài dạy tuần %(week)s – lớp %(class)s – %(teacher)s – %(group)s"
        ) % {**values, "class": self.school_class.name}

    def prepare_tree_fields(self) -> None:
        super().prepare_tree_fields()
        if not self.author_id and self.teacher_id:
            self.author_id = self.teacher_id

    # --- one plan per teacher, class and week --------------------------------------

    def _other_plans(self, *, teacher_id: int | None, school_class_id: int | None):
        """This year's other plans of the teacher for the class, by their current
        content (a draft's edits live in its latest revision until approval publishes
        them) or by their row (what the database constraint reads)."""
        if not self.school_year_id:
            self.prepare_tree_fields()
        others = LessonPlanPage.objects.filter(school_year_id=self.school_year_id)
        if self.pk:
            others = others.exclude(pk=self.pk)
        by_row = Q(teacher_id=teacher_id, school_class_id=school_class_id)
        by_content = Q(
            latest_revision__content__teacher=teacher_id,
            latest_revision__content__school_class=school_class_id,
        )
        return others.filter(by_row | by_content)

    def same_week_plan(self) -> LessonPlanPage | None:
        """The other plan of this teacher, class and week, if there is one."""
        if not (self.week_number and self.teacher_id):
            return None
        others = self._other_plans(teacher_id=self.teacher_id, school_class_id=self.school_class_id)
        if not self.school_year_id:
            return None
        week = Q(week_number=self.week_number) | Q(
            latest_revision__content__week_number=self.week_number
        )
        for plan in others.filter(week).select_related("latest_revision").order_by("pk"):
            if self.week_number in _weeks_of(plan):
                return plan
        return None

    def taken_weeks(self) -> set[int]:
        """The weeks this teacher already has a plan for, for this class."""
        others = self._other_plans(teacher_id=self.teacher_id, school_class_id=self.school_class_id)
        weeks: set[int] = set()
        for plan in others.select_related("latest_revision"):
            weeks |= _weeks_of(plan)
        return weeks

    def duplicate_message(self, other: LessonPlanPage) -> str:
        return gettext(
            "Đã có kế hoạch bài dạy tuần %(week)s của giáo viên này cho lớp này: "
            "“%(title)s”. Mỗi giáo viên chỉ có một kế hoạch cho một lớp trong một tuần."
        ) % {"week": self.week_number, "title": other.draft_title or other.title}

    def refuse_same_week(self) -> None:
        duplicate = self.same_week_plan()
        if duplicate is not None:
            raise ValidationError({"week_number": self.duplicate_message(duplicate)})

    def minimal_clean(self):
        # Wagtail saves a draft with this check only (full_clean is for live pages):
        # a direct save() of a second plan for the week is refused here, in words.
        super().minimal_clean()
        self.refuse_same_week()

    def save(self, *args, **kwargs):
        try:
            return super().save(*args, **kwargs)
        except IntegrityError as error:
            # Two saves raced past the check: the constraint refused the second one
            # (Wagtail's Page.save is atomic: its savepoint is already rolled back).
            if SAME_WEEK_CONSTRAINT not in str(error) and _SAME_WEEK_COLUMNS not in str(error):
                raise
            raise ValidationError(
                {
                    "week_number": gettext(
                        "Đã có kế hoạch bài dạy tuần %(week)s của giáo viên này cho lớp này."
                    )
                    % {"week": self.week_number}
                }
            ) from error

    def validate_constraints(self, exclude=None):
        # clean() says "one plan per teacher, class and week" in words on the week
        # field; the constraint stays the database's last guard against a race.
        super().validate_constraints(exclude={*(exclude or ()), "week_number"})

    def moved_to_week(
        self,
        week: int,
        *,
        prepared_on: dt.date | None = None,
        titles: dict[str, list[str]] | None = None,
    ) -> dict:
        """The fields of this plan's content moved to `week`: week, Monday, every
        teaching date by the same number of days, the báo giảng's PPCT continued and
        the preparation date (today's by default, never after the new Monday)."""
        content = self.get_latest_revision_as_object() if self.latest_revision_id else self
        year = self.school_year or content.school_year
        monday = weeks.monday_of_week(year.start_date, week)
        days = (monday - content.week_start).days if content.week_start else 0
        prepared = prepared_on or (
            content.prepared_on + dt.timedelta(days=days) if content.prepared_on else monday
        )
        return {
            "week_number": week,
            "week_start": monday,
            "prepared_on": min(prepared, monday),
            "lessons": weeks.shift_lessons(list(content.lessons.raw_data), days),
            "timetable": weeks.advance_timetable(list(content.timetable.raw_data), titles),
        }

    def next_free_week(self) -> int | None:
        taken = self.taken_weeks() | {self.week_number}
        return next(
            (w for w in range(self.week_number + 1, weeks.MAX_WEEK + 1) if w not in taken), None
        )

    def copy(self, recursive=False, to=None, update_attrs=None, **kwargs):
        """A copy is next week's plan: the first free week after this one, with its
        dates moved, never a second plan for the same week (the copy used to keep the
        week and be renamed back to it). A caller naming the week keeps its choice,
        and clean() refuses it if it is taken."""
        attrs = dict(update_attrs or {})
        if "week_number" not in attrs:
            week = self.next_free_week()
            if week is None:
                raise ValidationError(
                    {"week_number": gettext("Không còn tuần trống để chép kế hoạch này sang.")}
                )
            attrs.update(self.moved_to_week(week))
            attrs["slug"] = ""  # composed again from the new week's title
        return super().copy(recursive=recursive, to=to, update_attrs=attrs, **kwargs)

    def completeness_errors(self) -> list[str]:
        errors = super().completeness_errors()
        if not (self.timetable and self.lessons) and not self.source_file_id:
            errors.append(str(_("Kế hoạch bài dạy cần có lịch báo giảng và ít nhất một bài dạy.")))
        return errors

    def clean(self):
        super().clean()
        errors = {}
        if self.week_start and self.week_start.weekday() != 0:
            errors["week_start"] = _("Ngày đầu tuần phải là thứ Hai.")
        if self.prepared_on and self.week_start and self.prepared_on > self.week_start:
            errors["prepared_on"] = _("Ngày soạn phải trước tuần dạy.")
        if self.teacher_id and self.school_id and self.teacher.school_id != self.school_id:
            errors["teacher"] = _("Giáo viên phải thuộc trường này.")
        duplicate = self.same_week_plan()
        if duplicate is not None:
            errors["week_number"] = self.duplicate_message(duplicate)
        if errors:
            raise ValidationError(errors)


def _weeks_of(plan: LessonPlanPage) -> set[int]:
    """The weeks a plan holds: its row's and its latest revision's (they differ while
    a draft's edit of the week is not yet published)."""
    found = {plan.week_number}
    revision = plan.latest_revision
    if revision is not None and isinstance(revision.content, dict):
        week = revision.content.get("week_number")
        if isinstance(week, int):
            found.add(week)
    return found
