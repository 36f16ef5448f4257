"""Professional group pages and their records: the group teaching plan and lesson plans."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from recordpages import blocks, programme
from recordpages import chains as c
from recordpages import registry as r
from recordpages.models.base import FileHandIn, HosoPage, RecordPage
from recordpages.models.people import RoleCode, SchoolClass, StaffProfile
from recordpages.registry import Actor, RecordType, State
from recordpages.retention import TT27_2016_SCHOOLING, kept_for


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
        if not self.rows:
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
                name="one_lesson_plan_per_teacher_class_week",
            )
        ]

    def compose_title(self) -> str | None:
        if not (self.week_number and self.teacher_id and self.group_id):
            return None
        return gettext("Kế hoạch bài dạy tuần %(week)s – %(teacher)s – %(group)s") % {
            "week": self.week_number,
            "teacher": self.teacher.full_name,
            "group": self.group_name,
        }

    def prepare_tree_fields(self) -> None:
        super().prepare_tree_fields()
        if not self.author_id and self.teacher_id:
            self.author_id = self.teacher_id

    def completeness_errors(self) -> list[str]:
        errors = super().completeness_errors()
        if not (self.timetable and self.lessons):
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
        if errors:
            raise ValidationError(errors)
